//! Worker processes: spawning one (port, clean env, process group, death
//! with the backend, its ready pipe, stdout/stderr lines into the logs,
//! exit watcher) and signals to a worker's process group.

use hoist_api::ErrorCode;
use std::os::fd::RawFd;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::ready::ReadyPipe;
use super::{lock, Pool, Spec, State, Supervisor, WInner, Worker};
use crate::errors::{ApiError, ApiResult};
use crate::logs::{level_of, LogLine};
use crate::nodeca::NodeExtraCa;
use hoist_api::LogStream;

impl Supervisor {
    /// Start one worker process of `spec` (state STARTING).
    pub(crate) fn spawn(&self, pool: &Arc<Pool>, spec: &Arc<Spec>) -> ApiResult<Arc<Worker>> {
        let port = super::ports::pick()
            .map_err(|e| ApiError::internal(format!("cannot pick a port: {e}")))?;
        let id = format!("w-{}", crate::rand_hex(6));
        let pipe = ReadyPipe::new()
            .map_err(|e| ApiError::internal(format!("cannot make a ready pipe: {e}")))?;
        let mut cmd = self.command(spec, port, &id, pipe.child_fd());
        let spawned = cmd.spawn();
        // The backend's write end closes here, spawned or not.
        let ready = pipe.watch(&id);
        let mut child = spawned.map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::StartFailed,
                format!("cannot start {}: {e}", spec.runtime_bin.display()),
            )
        })?;
        let pid = child.id();
        if let Some(pid) = pid {
            crate::cgroup::limit(&self.data, pid, spec.memory_mb);
        }
        let w = Arc::new(Worker {
            id: id.clone(),
            version: spec.version.clone(),
            gen: spec.gen,
            port,
            started_at: crate::now(),
            spawned: Instant::now(),
            ready,
            inner: Mutex::new(WInner {
                state: State::Starting,
                pid,
                exited: false,
                draining: false,
                cold_start_ms: None,
                invocations: 0,
                last_used: Instant::now(),
                terminated_at: None,
            }),
        });
        lock(&pool.inner).workers.push(w.clone());
        self.logs.system(
            &spec.function,
            Some(&spec.version),
            Some(&id),
            format!("worker spawned (pid {}, port {port})", pid.unwrap_or(0)),
        );
        self.pipe_logs(&mut child, spec, &id);
        self.watch_exit(child, &w, pool, spec);
        Ok(w)
    }

    /// The worker's command: the runtime and its shim, in the version's
    /// directory, with only the env a worker gets and the write end of its
    /// ready pipe (`ready_fd`).
    fn command(
        &self,
        spec: &Spec,
        port: u16,
        id: &str,
        ready_fd: RawFd,
    ) -> tokio::process::Command {
        let entry = spec.dir.join(&spec.entrypoint);
        let import_map = spec.import_map.as_ref().map(|m| spec.dir.join(m));
        let deno = match spec.runtime.as_str() {
            "deno" => crate::shims::DenoFiles::find(&spec.dir, &entry, import_map),
            _ => crate::shims::DenoFiles::default(),
        };
        let mut cmd = tokio::process::Command::new(&spec.runtime_bin);
        cmd.args(crate::shims::args(
            &spec.runtime,
            &self.shims,
            &entry,
            spec.memory_mb,
            &deno,
        ))
        .current_dir(&spec.dir)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
        // SAFETY: prctl(PR_SET_PDEATHSIG) and fcntl(F_SETFD) are
        // async-signal-safe. A worker dies with the backend even when the
        // backend is SIGKILLed; the ready pipe's write end stays open across
        // exec in this child only (it is close-on-exec in the backend).
        unsafe {
            cmd.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::fcntl(ready_fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        cmd.envs(self.env.vars());
        if let NodeExtraCa::Lacking(file) = &spec.node_ca {
            // The shim puts the machine's value back for the function.
            if let Some(machine) = self.env.get("NODE_EXTRA_CA_CERTS") {
                cmd.env("HOIST_NODE_EXTRA_CA_CERTS", machine);
            }
            match file {
                Some(f) => cmd.env("NODE_EXTRA_CA_CERTS", f),
                None => cmd.env_remove("NODE_EXTRA_CA_CERTS"),
            };
        }
        cmd.env("DENO_DIR", self.data.join("cache/deno"))
            .env("DENO_NO_UPDATE_CHECK", "1")
            .envs(&spec.env)
            .env("PORT", port.to_string())
            .env("HOIST_FUNCTION", &spec.function)
            .env("HOIST_VERSION", &spec.version)
            .env("HOIST_WORKER", id)
            .env("HOIST_HANDLER", &spec.handler)
            .env("HOIST_READY_FD", ready_fd.to_string());
        cmd
    }

    /// What workers of `runtime`, run by `bin` with the function's `env`,
    /// get as `NODE_EXTRA_CA_CERTS`: only what node lacks of the machine's
    /// file, unless the function or `NODE_OPTIONS` decides about CAs.
    pub(crate) async fn node_extra_ca(
        &self,
        runtime: &str,
        bin: &std::path::Path,
        env: &std::collections::BTreeMap<String, String>,
    ) -> NodeExtraCa {
        // `NODE_OPTIONS` may change which store node starts from.
        let decided = env.contains_key("NODE_EXTRA_CA_CERTS")
            || env.contains_key("NODE_OPTIONS")
            || self.env.get("NODE_OPTIONS").is_some();
        if runtime != "node" || decided {
            return NodeExtraCa::AsIs;
        }
        let file = self
            .env
            .get("NODE_EXTRA_CA_CERTS")
            .map(std::path::PathBuf::from);
        self.node_ca
            .for_node(bin, file.as_deref(), &self.data, &self.shims)
            .await
    }

    /// Each line of the worker's stdout and stderr into the function's logs.
    fn pipe_logs(&self, child: &mut tokio::process::Child, spec: &Spec, id: &str) {
        let streams = [
            child.stdout.take().map(|s| {
                (
                    Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                    LogStream::Stdout,
                )
            }),
            child.stderr.take().map(|s| {
                (
                    Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                    LogStream::Stderr,
                )
            }),
        ];
        for (reader, stream) in streams.into_iter().flatten() {
            let logs = self.logs.clone();
            let (f, v, wid) = (spec.function.clone(), spec.version.clone(), id.to_string());
            tokio::spawn(async move {
                let mut r = BufReader::new(reader);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.read_until(b'\n', &mut buf).await {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => {
                            let msg =
                                format!("worker {} {}: read failed: {e}", wid, stream.as_str());
                            logs.system(&f, Some(&v), Some(&wid), msg);
                            break;
                        }
                    }
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                    logs.line(LogLine {
                        function: f.clone(),
                        version: Some(v.clone()),
                        worker: Some(wid.clone()),
                        stream,
                        level: level_of(stream, &line),
                        message: line,
                    });
                }
            });
        }
    }

    /// Mark the worker terminated when its process exits, and say how.
    fn watch_exit(
        &self,
        mut child: tokio::process::Child,
        w: &Arc<Worker>,
        pool: &Arc<Pool>,
        spec: &Spec,
    ) {
        let (logs, wc, poolc, f) = (
            self.logs.clone(),
            w.clone(),
            pool.clone(),
            spec.function.clone(),
        );
        tokio::spawn(async move {
            let status = child.wait().await;
            {
                let mut i = lock(&wc.inner);
                i.exited = true;
                if i.state != State::Terminated {
                    i.state = State::Terminated;
                    i.terminated_at = Some(Instant::now());
                }
            }
            let how = match status {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            };
            logs.system(
                &f,
                Some(&wc.version),
                Some(&wc.id),
                format!("worker exited ({how})"),
            );
            poolc.notify.notify_waiters();
        });
    }
}

pub(super) fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) on the worker's own process group (spawned with
    // process_group(0), so its pgid is its pid); no memory is shared.
    unsafe {
        libc::kill(-(pid as libc::pid_t), sig);
    }
}
