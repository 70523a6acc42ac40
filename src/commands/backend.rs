//! `hoist backend serve|start|stop|status|install-runtime`: thin wrappers
//! over `crate::backend` (options, token, daemon files, output).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use crate::cli::{BackendCommand, BackendDirArgs, BackendServeArgs, InstallableRuntime};
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_backend::workerenv::WorkerEnv;
use hoist_backend::{daemon, ServeOptions};
use hoist_core::env::Env;

pub(crate) async fn run(
    g: &Context<'_>,
    cmd: &BackendCommand,
    printer: &Printer,
) -> anyhow::Result<()> {
    let env = &g.env;
    match cmd {
        BackendCommand::Serve(a) => serve(env, a).await,
        BackendCommand::Start(a) => start(env, a, printer),
        BackendCommand::Stop(a) => stop(env, a, printer),
        BackendCommand::Status(a) => status(env, a, printer),
        BackendCommand::InstallRuntime(a) => {
            let data = data_dir(env, &a.dir)?;
            for r in &a.runtimes {
                let name = match r {
                    InstallableRuntime::Deno => "deno",
                    InstallableRuntime::Bun => "bun",
                };
                printer.status(
                    "Installing",
                    format!("{name} into {}", data.join("runtimes").display()),
                );
                let bin = hoist_backend::runtimes::install(env, &data, name, false)
                    .map_err(|e| UserError::failure(format!("cannot install {name}: {e:#}")))?;
                let v = match hoist_backend::runtimes::version(&bin) {
                    Some(v) => v,
                    None => {
                        printer.warn(format!(
                            "{name} is installed, but `{} --version` did not say its version",
                            bin.display()
                        ));
                        String::new()
                    }
                };
                if printer.json() {
                    printer.json_doc(&json!({"runtime": name, "path": bin, "version": v}));
                } else {
                    printer.data(format!("{name} {v} {}", bin.display()));
                }
            }
            Ok(())
        }
    }
}

fn data_dir(env: &Env, a: &BackendDirArgs) -> anyhow::Result<PathBuf> {
    let d = a
        .data_dir
        .clone()
        .unwrap_or_else(|| hoist_backend::default_data_dir(env));
    std::fs::create_dir_all(&d)
        .map_err(|e| UserError::failure(format!("cannot create {}: {e}", d.display())))?;
    // Workers run in their version's directory, so every path handed to
    // them (shims, runtimes) must not depend on where serve was started.
    std::fs::canonicalize(&d)
        .map_err(|e| UserError::failure(format!("cannot resolve {}: {e}", d.display())).into())
}

fn options(env: &Env, a: &BackendServeArgs) -> anyhow::Result<ServeOptions> {
    let data = data_dir(env, &a.dir)?;
    let token = match &a.token_file {
        Some(p) => {
            let t = std::fs::read_to_string(p).map_err(|e| {
                UserError::usage(format!("cannot read --token-file {}: {e}", p.display()))
            })?;
            t.trim().to_string()
        }
        // No token: the backend makes one in its data directory.
        None => match env.var_utf8("HOIST_BACKEND_TOKEN") {
            Ok(Some(t)) => t.trim().to_string(),
            Ok(None) => String::new(),
            Err(e) => return Err(UserError::usage(e.to_string()).into()),
        },
    };
    if token.is_empty() {
        return Err(UserError::usage("the backend needs a bearer token")
            .with_hint("pass --token-file PATH or set HOIST_BACKEND_TOKEN (`hoist backend start` makes one)")
            .into());
    }
    Ok(ServeOptions {
        data_dir: data,
        listen: a.listen,
        token: hoist_core::auth::Secret::new(token),
        store: a.store.clone(),
        s3_endpoint: a.s3_endpoint.clone(),
        s3_region: a.s3_region.clone(),
        s3_path_style: a.s3_path_style,
        max_archive_mb: a.max_archive_mb.max(1),
        idle_timeout: Duration::from_secs(a.idle_timeout),
        faults: a.faults,
        instance: a.instance.clone(),
        worker_env: worker_env(env, a)?,
        env: env.clone(),
    })
}

/// What every worker gets from this process's environment.
fn worker_env(env: &Env, a: &BackendServeArgs) -> anyhow::Result<WorkerEnv> {
    WorkerEnv::capture(&a.worker_env, |k| env.var_os(k)).map_err(|e| {
        UserError::usage(e.to_string())
            .with_hint(
                "a function's own settings belong in its env: (hoist.yaml) or `hoist env set`",
            )
            .into()
    })
}

async fn serve(env: &Env, a: &BackendServeArgs) -> anyhow::Result<()> {
    hoist_backend::serve(options(env, a)?).await
}

fn start(env: &Env, a: &BackendServeArgs, printer: &Printer) -> anyhow::Result<()> {
    let data = data_dir(env, &a.dir)?;
    let log = daemon::log_file(&data);
    if let Some(pid) = daemon::running_pid(&data) {
        let addr = daemon::recorded_addr(&data).unwrap_or(a.listen);
        if printer.json() {
            printer.json_doc(
                &json!({"running": true, "already": true, "url": format!("http://{addr}"),
                "pid": pid, "log": log}),
            );
        } else {
            printer.status("Running", format!("already, pid {pid} at http://{addr}"));
        }
        return Ok(());
    }
    let mut args = Vec::new();
    let token_file = match (&a.token_file, env.non_empty("HOIST_BACKEND_TOKEN")) {
        (Some(p), _) => p.clone(),
        (None, Some(_)) => PathBuf::new(),
        // The selfhosted target reads this token itself while the backend
        // runs here; a token stored for another backend is left alone.
        (None, None) => {
            daemon::ensure_token(&data)?;
            daemon::token_file(&data)
        }
    };
    let marker = daemon::own_token_marker(&data);
    if a.token_file.is_none() && token_file == daemon::token_file(&data) {
        hoist_core::fsx::write_atomic(&marker, b"")?;
    } else if let Err(e) = hoist_core::fsx::remove_file(&marker) {
        printer.warn(format!(
            "{e:#}; `hoist deploy` may take this backend's token to be the data directory's"
        ));
    }
    if !token_file.as_os_str().is_empty() {
        args.extend(["--token-file".to_string(), token_file.display().to_string()]);
    }
    args.extend(["--data-dir".to_string(), data.display().to_string()]);
    args.extend(["--listen".to_string(), a.listen.to_string()]);
    args.extend(["--max-archive-mb".to_string(), a.max_archive_mb.to_string()]);
    args.extend(["--idle-timeout".to_string(), a.idle_timeout.to_string()]);
    for (flag, v) in [
        ("--store", &a.store),
        ("--s3-endpoint", &a.s3_endpoint),
        ("--s3-region", &a.s3_region),
    ] {
        if let Some(v) = v {
            args.extend([flag.to_string(), v.clone()]);
        }
    }
    if a.s3_path_style {
        args.push("--s3-path-style".into());
    }
    if a.faults {
        args.push("--faults".into());
    }
    worker_env(env, a)?;
    for name in &a.worker_env {
        args.extend(["--worker-env".to_string(), name.clone()]);
    }
    if let Some(other) = daemon::answering(a.listen) {
        return Err(address_taken(a.listen, &other).into());
    }
    let instance = hoist_backend::rand_hex(8);
    args.extend(["--instance".to_string(), instance.clone()]);
    let exe = std::env::current_exe()?;
    let (pid, child) = daemon::spawn(env, &exe, &data, a.listen, &args)?;
    if let Err(e) = wait_for_own_server(child, a.listen, &instance, &log) {
        for w in daemon::forget(env, &data, a.listen) {
            printer.warn(w);
        }
        return Err(e.into());
    }
    let url = format!("http://{}", a.listen);
    if printer.json() {
        printer.json_doc(
            &json!({"running": true, "already": false, "url": url, "pid": pid, "log": log}),
        );
    } else {
        printer.status("Started", format!("backend, pid {pid}"));
        printer.data(format!("url: {url}\npid: {pid}\nlog: {}", log.display()));
    }
    Ok(())
}

/// Wait until the server answering `addr` is the one just started (its
/// health names `instance`); fail when the child exits first, or when
/// another server keeps answering there.
fn wait_for_own_server(
    mut child: std::process::Child,
    addr: std::net::SocketAddr,
    instance: &str,
    log: &std::path::Path,
) -> Result<(), UserError> {
    let end = std::time::Instant::now() + Duration::from_secs(10);
    let mut other = None;
    while std::time::Instant::now() < end {
        match daemon::answering(addr) {
            Some(daemon::Answer::Hoist(h)) if h.instance == instance => return Ok(()),
            Some(a) => other = Some(a),
            None => {}
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                let why = daemon::last_lines(log, 3);
                let mut e = UserError::failure(format!(
                    "the backend exited at start ({status}){}",
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(": {why}")
                    }
                ));
                if let Some(o) = &other {
                    e = address_taken(addr, o);
                    e.message = format!("the backend exited at start: {}", e.message);
                }
                return Err(e.with_hint(format!("see {}", log.display())));
            }
            Ok(None) => {}
            Err(err) => {
                return Err(UserError::failure(format!(
                    "cannot tell whether the backend runs: {err}"
                )))
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(match other {
        Some(o) => address_taken(addr, &o),
        None => UserError::failure(format!(
            "the backend did not answer /api/health at {addr} within 10 s"
        ))
        .with_hint(format!("see {}", log.display())),
    })
}

fn address_taken(addr: std::net::SocketAddr, who: &daemon::Answer) -> UserError {
    let what = match who {
        daemon::Answer::Hoist(_) => "another hoist backend (not the one of this data directory)",
        daemon::Answer::Other => "another program",
    };
    UserError::failure(format!("{addr} is already in use by {what}"))
        .with_hint(
            "stop it, or start this backend on another port: `hoist backend start --listen \
             127.0.0.1:<port>`, with `targets.selfhosted.url` (or HOIST_BACKEND_URL) pointing there",
        )
}

fn stop(env: &Env, a: &BackendDirArgs, printer: &Printer) -> anyhow::Result<()> {
    let data = data_dir(env, a)?;
    let Some(pid) = daemon::running_pid(&data) else {
        if printer.json() {
            printer.json_doc(&json!({"running": false, "stopped": false}));
        } else {
            printer.status("Stopped", "the backend was not running");
        }
        return Ok(());
    };
    let killed = daemon::stop(pid, Duration::from_secs(10));
    let mut stale = vec![daemon::pid_file(&data)];
    if let Some(addr) = daemon::recorded_addr(&data) {
        match daemon::read_note(env, addr.port()) {
            Ok(Some(noted)) if noted == data => stale.push(daemon::port_note(env, addr.port())),
            Ok(_) => {}
            Err(e) => printer.warn(format!("{e:#}; the port note is left as it is")),
        }
    }
    for f in stale {
        if let Err(e) = hoist_core::fsx::remove_file(&f) {
            printer.warn(format!(
                "{e:#}; the stopped backend's record is left behind"
            ));
        }
    }
    if printer.json() {
        printer.json_doc(&json!({"running": false, "stopped": true, "pid": pid, "killed": killed}));
    } else {
        printer.status(
            "Stopped",
            format!("backend pid {pid}{}", if killed { " (killed)" } else { "" }),
        );
    }
    Ok(())
}

fn status(env: &Env, a: &BackendDirArgs, printer: &Printer) -> anyhow::Result<()> {
    let data = data_dir(env, a)?;
    let pid = daemon::running_pid(&data);
    let addr = daemon::recorded_addr(&data);
    let functions = match hoist_backend::db::Db::open(&data.join("backend.db"))
        .and_then(|db| Ok(db.functions()?.len()))
    {
        Ok(n) => Some(n),
        Err(e) => {
            printer.warn(format!(
                "the backend's functions could not be counted: {e:#}"
            ));
            None
        }
    };
    let url = addr.map(|a| format!("http://{a}"));
    if printer.json() {
        printer.json_doc(&json!({"running": pid.is_some(), "url": url, "pid": pid,
            "functions": functions, "data_dir": data}));
    } else {
        let state = if pid.is_some() { "running" } else { "stopped" };
        printer.data(format!(
            "status: {state}\nurl: {}\npid: {}\nfunctions: {}\ndata: {}",
            url.unwrap_or_else(|| "-".into()),
            pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            functions.map_or_else(|| "-".to_string(), |n| n.to_string()),
            data.display()
        ));
    }
    Ok(())
}
