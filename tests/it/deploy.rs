//! `hoist deploy` and the target commands end to end: the hoist binary
//! against the real self-hosted backend (`hoist backend serve`, real node
//! workers), with archives in s3s-fs where the test says so. What a user
//! would check: the function's real answer after deploy, rollback and env
//! changes; a failed health gate rolling every function of the release
//! back; no failed request during a deploy; the backend surviving
//! SIGKILL; clear errors and exit codes for bad input and faults; the token
//! never printed. No timings are asserted.

use crate::support;

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::backend::{Backend, TOKEN};
use support::registry::write_files;

/// A node handler that answers its version marker, the env it sees and its
/// query, and prints a log line per request.
fn handler(marker: &str) -> String {
    format!(
        r#"export default async function handler(req) {{
  const url = new URL(req.url);
  console.log("handled {marker} " + url.pathname + url.search);
  const body = req.method === "GET" ? null : await req.text();
  return Response.json({{ marker: "{marker}", greeting: process.env.GREETING ?? null,
    secret_len: (process.env.API_TOKEN ?? "").length, name: url.searchParams.get("name"), body }});
}}
"#
    )
}

/// A project with node functions `names`, each answering `marker`.
fn project(dir: &Path, names: &[&str], marker: &str) {
    let mut yaml = String::from("project: demo\nfunctions:\n");
    for n in names {
        yaml.push_str(&format!(
            "  {n}:\n    runtime: node\n    entrypoint: index.mjs\n    env:\n      GREETING: hello\n"
        ));
        write_files(
            dir,
            &[(&format!("functions/{n}/index.mjs"), &handler(marker))],
        );
    }
    std::fs::write(dir.join("hoist.yaml"), yaml).expect("hoist.yaml");
}

fn set_marker(dir: &Path, name: &str, marker: &str) {
    write_files(
        dir,
        &[(&format!("functions/{name}/index.mjs"), &handler(marker))],
    );
}

fn out_text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok_json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", out_text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out_text(o)))
}

fn assert_no_token(o: &Output) {
    support::leaks::assert_output_clean(o, &[TOKEN]);
}

/// Invoke through the CLI; the function's JSON answer.
fn invoke(b: &Backend, dir: &Path, name: &str) -> Value {
    let o = b.hoist(dir, &["invoke", name, "--query", "name=ada"]);
    assert!(o.status.success(), "{}", out_text(&o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("answer not JSON ({e}): {}", out_text(&o)))
}

fn deploy(b: &Backend, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["deploy", "--output", "json"];
    all.extend_from_slice(args);
    b.hoist(dir, &all)
}

/// `hoist logs api -f --output json` with `extra` flags, running: the
/// child and a channel of its stdout lines.
fn follow_logs(
    b: &Backend,
    dir: &Path,
    extra: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"));
    for (k, v) in b.envs() {
        follow.env(k, v);
    }
    let mut child = follow
        .current_dir(dir)
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".cfg"))
        .env("HOIST_RETRY_BASE_MS", "10")
        .args(["logs", "api", "-f", "--output", "json"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    (child, rx)
}

#[test]
fn deploy_invoke_update_rollback_and_releases() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");

    let v = ok_json(&deploy(&b, dir, &["--version", "v1"]));
    assert_eq!(v["functions"][0]["status"], "deployed");
    let a = invoke(&b, dir, "api");
    assert_eq!(a["marker"], "one");
    assert_eq!(a["greeting"], "hello");
    assert_eq!(a["name"], "ada");

    // The same code again: nothing to do, nothing sent.
    let again = ok_json(&deploy(&b, dir, &["--version", "v1"]));
    assert_eq!(again["functions"][0]["status"], "unchanged");
    assert_eq!(again["functions"][0]["uploaded_bytes"], 0);
    assert!(again["release"].is_null());
    let (_, deps) = b.call("GET", "/api/functions/api/deployments", None);
    assert_eq!(deps["deployments"].as_array().unwrap().len(), 1);

    // A dry run names the change and changes nothing.
    set_marker(dir, "api", "two");
    let plan = ok_json(&deploy(&b, dir, &["--version", "v2", "--dry-run"]));
    assert_eq!(plan["plan"][0]["action"], "update");
    assert_eq!(plan["plan"][0]["code_changed"], true);
    assert_eq!(invoke(&b, dir, "api")["marker"], "one");

    ok_json(&deploy(&b, dir, &["--version", "v2"]));
    assert_eq!(invoke(&b, dir, "api")["marker"], "two");

    let r = ok_json(&b.hoist(dir, &["rollback", "api", "--output", "json"]));
    assert_eq!(r["version"], "v1");
    assert_eq!(r["previous_version"], "v2");
    assert_eq!(invoke(&b, dir, "api")["marker"], "one");

    let rel = ok_json(&b.hoist(dir, &["releases", "--output", "json"]));
    let releases = rel["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 3, "{rel}");
    assert!(releases.iter().all(|r| r["status"] == "live"));
    assert_eq!(releases[0]["functions"][0]["version"], "v1");

    let st = ok_json(&b.hoist(dir, &["status", "--output", "json"]));
    assert_eq!(st["functions"][0]["active_version"], "v1");

    // Deleting the active version is refused; an old one goes.
    let del = b.hoist(dir, &["delete", "api", "--version", "v1", "--yes"]);
    assert_eq!(del.status.code(), Some(1), "{}", out_text(&del));
    assert!(out_text(&del).contains("active"), "{}", out_text(&del));
    let del = b.hoist(dir, &["delete", "api", "--version", "v2", "--yes"]);
    assert!(del.status.success(), "{}", out_text(&del));
    let del = b.hoist(dir, &["delete", "api", "--version", "v2"]);
    assert_eq!(del.status.code(), Some(2), "{}", out_text(&del));
    assert!(out_text(&del).contains("--yes"));
}

#[test]
fn a_failed_health_gate_rolls_the_whole_release_back() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["alpha", "beta"], "one");
    ok_json(&deploy(&b, dir, &["--version", "v1", "--jobs", "1"]));

    // v2: alpha is fine, beta crashes at start.
    set_marker(dir, "alpha", "two");
    write_files(
        dir,
        &[(
            "functions/beta/index.mjs",
            "console.error('beta cannot start: missing DATABASE_URL');\nprocess.exit(3);\n",
        )],
    );
    let o = b.hoist(dir, &["deploy", "--version", "v2", "--jobs", "1"]);
    let text = out_text(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("beta"), "{text}");
    assert!(
        text.contains("missing DATABASE_URL"),
        "the function's last lines are shown: {text}"
    );
    assert!(text.contains("alpha went back"), "{text}");
    // Nothing of v2 stays live.
    assert_eq!(invoke(&b, dir, "alpha")["marker"], "one");
    assert_eq!(invoke(&b, dir, "beta")["marker"], "one");
    let rel = ok_json(&b.hoist(dir, &["releases", "--output", "json"]));
    assert_eq!(rel["releases"][0]["status"], "rolled_back", "{rel}");

    // In JSON mode the error is one document on stdout.
    let o = b.hoist(dir, &["deploy", "--version", "v3", "--output", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let e: Value = serde_json::from_slice(&o.stdout).expect("error JSON");
    assert_eq!(e["error"]["exit_code"], 1);
    assert!(e["error"]["message"].as_str().unwrap().contains("beta"));
}

/// A release that only changed one function's env and settings is undone
/// like any other: when another function fails, the first goes back to the
/// env and settings it ran with, not just to the same version, and the
/// failed one's settings are put back too.
#[test]
fn an_env_only_change_is_undone_with_the_release() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["alpha", "beta"], "one");
    ok_json(&deploy(&b, dir, &["--jobs", "1"]));
    assert_eq!(invoke(&b, dir, "alpha")["greeting"], "hello");

    let memory =
        |name: &str| b.call("GET", &format!("/api/functions/{name}"), None).1["memory_mb"].clone();
    assert_eq!(memory("alpha"), 128);
    // alpha: new env and memory; beta: new memory, and it fails to start.
    let yaml = std::fs::read_to_string(dir.join("hoist.yaml")).unwrap();
    let yaml = yaml
        .replacen("GREETING: hello", "GREETING: changed", 1)
        .replace(
            "    env:\n",
            "    resources: { memory_mb: 256 }\n    env:\n",
        );
    std::fs::write(dir.join("hoist.yaml"), yaml).unwrap();
    write_files(dir, &[("functions/beta/index.mjs", "process.exit(3);\n")]);
    let o = b.hoist(dir, &["deploy", "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(out_text(&o).contains("alpha went back"), "{}", out_text(&o));
    let alpha = invoke(&b, dir, "alpha");
    assert_eq!(alpha["greeting"], "hello", "alpha kept the release's env");
    assert_eq!(alpha["marker"], "one");
    assert_eq!(invoke(&b, dir, "beta")["marker"], "one");
    assert_eq!(memory("alpha"), 128, "alpha kept the release's settings");
    assert_eq!(memory("beta"), 128, "beta kept the release's settings");
}

#[test]
fn warmup_env_restart_and_logs() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    ok_json(&deploy(&b, dir, &[]));

    let w = ok_json(&b.hoist(dir, &["warmup", "api", "--count", "3", "--output", "json"]));
    assert_eq!(w["ready"], 3, "{w}");
    let (_, workers) = b.call("GET", "/api/functions/api/workers", None);
    let live: Vec<i64> = workers["workers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["state"] != "TERMINATED")
        .map(|w| w["pid"].as_i64().unwrap())
        .collect();
    assert!(live.len() >= 3, "{workers}");
    for pid in &live {
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} is not running"
        );
    }

    // A secret from stdin, a plain value that looks secret (warned).
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"));
    for (k, v) in b.envs() {
        cmd.env(k, v);
    }
    let child = cmd
        .current_dir(dir)
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".cfg"))
        .args(["env", "set", "api", "API_TOKEN", "--secret", "--restart"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .as_ref()
        .unwrap()
        .write_all(b"s3cr3t-value-42\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(!out_text(&o).contains("s3cr3t-value-42"));
    let a = invoke(&b, dir, "api");
    assert_eq!(
        a["secret_len"], 15,
        "the restarted worker sees the secret: {a}"
    );

    let o = b.hoist(dir, &["env", "set", "api", "DB_PASSWORD=hunter2"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--secret"),
        "{}",
        out_text(&o)
    );
    let o = b.hoist(dir, &["env", "set", "api", "GREETING=hi", "--restart"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert_eq!(invoke(&b, dir, "api")["greeting"], "hi");
    let list = ok_json(&b.hoist(dir, &["env", "list", "api", "--output", "json"]));
    let text = list.to_string();
    assert!(!text.contains("s3cr3t-value-42"), "{text}");
    let secret = list["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "API_TOKEN")
        .unwrap();
    assert!(secret["value"].is_null());
    let o = b.hoist(dir, &["env", "unset", "api", "GREETING", "--restart"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert_eq!(
        invoke(&b, dir, "api")["greeting"],
        "hello",
        "hoist.yaml's value again"
    );

    // The line the function printed during an invoke is in its logs, and
    // `logs -f` shows a new one as it happens.
    let logs = b.hoist(dir, &["logs", "api", "--output", "json"]);
    assert!(logs.status.success(), "{}", out_text(&logs));
    assert!(String::from_utf8_lossy(&logs.stdout).contains("handled one /?name=ada"));
    let (mut child, rx) = follow_logs(&b, dir, &[]);
    std::thread::sleep(Duration::from_millis(500));
    let o = b.hoist(dir, &["invoke", "api", "--path", "/followed"]);
    assert!(o.status.success(), "{}", out_text(&o));
    let end = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < end {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
            if seen.iter().any(|l| l.contains("/followed")) {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.iter().any(|l| l.contains("/followed")), "{seen:?}");
    let ids: Vec<u64> = seen
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["id"].as_u64().unwrap_or_else(|| panic!("no id: {l}"))
        })
        .collect();
    assert!(!ids.is_empty(), "no lines followed");
    let unique: std::collections::BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a line came twice: {ids:?}");
}

#[test]
fn requests_never_fail_during_a_deploy_and_the_backend_survives_sigkill() {
    let mut b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    ok_json(&deploy(&b, dir, &["--version", "v1"]));

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let failed_with = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let url = format!("{}/api/functions/api/invoke", b.url());
    let loops: Vec<_> = (0..2)
        .map(|_| {
            let (stop, failures, calls, url) =
                (stop.clone(), failures.clone(), calls.clone(), url.clone());
            let failed_with = failed_with.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let r = ureq::post(&url)
                        .set("Authorization", &format!("Bearer {TOKEN}"))
                        .send_json(json!({"body": {"n": 1}}));
                    calls.fetch_add(1, Ordering::SeqCst);
                    match r {
                        Ok(resp) => {
                            let v: Value = resp.into_json().unwrap_or(Value::Null);
                            if v["status"] != 200 {
                                failures.fetch_add(1, Ordering::SeqCst);
                                failed_with.lock().unwrap().push(v.to_string());
                            }
                        }
                        Err(e) => {
                            failures.fetch_add(1, Ordering::SeqCst);
                            let body = match e {
                                ureq::Error::Status(st, r) => {
                                    format!("{st} {}", r.into_string().unwrap_or_default())
                                }
                                other => other.to_string(),
                            };
                            failed_with.lock().unwrap().push(body);
                        }
                    }
                }
            })
        })
        .collect();
    set_marker(dir, "api", "two");
    ok_json(&deploy(&b, dir, &["--version", "v2"]));
    set_marker(dir, "api", "three");
    ok_json(&deploy(&b, dir, &["--version", "v3"]));
    stop.store(true, Ordering::SeqCst);
    for l in loops {
        l.join().unwrap();
    }
    assert!(calls.load(Ordering::SeqCst) > 10);
    assert_eq!(
        failures.load(Ordering::SeqCst),
        0,
        "requests failed during the deploys: {:?}",
        failed_with.lock().unwrap()
    );

    b.kill9();
    b.restart();
    assert_eq!(invoke(&b, dir, "api")["marker"], "three");
    let st = ok_json(&b.hoist(dir, &["status", "api", "--output", "json"]));
    assert_eq!(st["functions"][0]["active_version"], "v3");
}

#[test]
fn versions_by_reference_from_s3() {
    let Some(s3) = support::s3::S3Server::start() else {
        return;
    };
    let creds = vec![
        (
            "HOIST_S3_ACCESS_KEY_ID".to_string(),
            support::s3::ACCESS_KEY.to_string(),
        ),
        (
            "HOIST_S3_SECRET_ACCESS_KEY".to_string(),
            support::s3::SECRET_KEY.to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
    ];
    let store = format!("s3://{}/team", support::s3::BUCKET);
    let b = Backend::start_with_env(
        &[
            "--store".into(),
            store,
            "--s3-endpoint".into(),
            s3.endpoint(),
            "--s3-region".into(),
            "us-east-1".into(),
            "--s3-path-style".into(),
        ],
        &creds,
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "from-s3");
    let yaml = std::fs::read_to_string(dir.join("hoist.yaml")).unwrap();
    std::fs::write(
        dir.join("hoist.yaml"),
        format!(
            "{yaml}storage:\n  backend: s3\n  s3:\n    bucket: {}\n    endpoint: {}\n    path_style: true\n    region: us-east-1\n    prefix: team\n",
            support::s3::BUCKET,
            s3.endpoint()
        ),
    )
    .unwrap();
    let envs: Vec<(&str, &str)> = creds
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let o = b.hoist_with(
        dir,
        &["deploy", "--output", "json", "--version", "v1", "-v"],
        &envs,
    );
    let v = ok_json(&o);
    // The backend fetched the archive from the store: hoist sent it none.
    assert_eq!(v["functions"][0]["uploaded_bytes"], 0, "{}", out_text(&o));
    // ... under the content-addressed key the version's manifest names.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(s3.object_file(support::s3::BUCKET, "team/functions/api/v1/manifest.json"))
            .unwrap(),
    )
    .unwrap();
    let key = manifest["bundle"]["key"].as_str().unwrap();
    assert!(
        key.starts_with("functions/api/v1/archive-") && key.ends_with(".tar.gz"),
        "{key}"
    );
    assert!(s3
        .object_file(support::s3::BUCKET, &format!("team/{key}"))
        .exists());
    let o = b.hoist_with(dir, &["invoke", "api"], &envs);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("from-s3"),
        "{}",
        out_text(&o)
    );
    // The release record lives in the store too.
    let rel = ok_json(&b.hoist_with(dir, &["releases", "--output", "json"], &envs));
    assert_eq!(rel["releases"][0]["status"], "live");
}

#[test]
fn bad_input_and_faults_are_clear() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");

    // Unreachable backend.
    let o = support::registry::hoist(
        dir,
        &["deploy", "-vv"],
        &[
            ("HOIST_BACKEND_URL", "http://127.0.0.1:9"),
            ("HOIST_SELFHOSTED_TOKEN", TOKEN),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(
        out_text(&o).contains("cannot reach the self-hosted backend"),
        "{}",
        out_text(&o)
    );
    assert_no_token(&o);

    // A wrong token: refused, the token never printed.
    let o = support::registry::hoist(
        dir,
        &["status", "-vv"],
        &[
            ("HOIST_BACKEND_URL", &b.url()),
            ("HOIST_SELFHOSTED_TOKEN", "wrong-token-9876"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(
        out_text(&o).contains("refused the credential"),
        "{}",
        out_text(&o)
    );
    support::leaks::assert_output_clean(&o, &["wrong-token-9876", TOKEN]);

    // Invalid version, unknown function: exit 2 before anything is sent.
    let o = b.hoist(dir, &["deploy", "--version", "../x"]);
    assert_eq!(o.status.code(), Some(2), "{}", out_text(&o));
    let o = b.hoist(dir, &["deploy", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", out_text(&o));
    assert!(out_text(&o).contains("no function named `nope`"));
    let (st, _) = b.call("GET", "/api/functions/api", None);
    assert_eq!(st, 404, "nothing was registered");

    // The deployment call answers 503 twice after the deployment was made:
    // the retries find it (the call is idempotent by release), and one
    // deployment results.
    let (st, _) = b.call(
        "POST",
        "/api/_faults",
        Some(
            json!({"fail_next": 2, "fail_status": 503, "fail_path": "/deployments",
                    "fail_method": "POST", "fail_after_effect": true}),
        ),
    );
    assert_eq!(st, 200);
    let o = b.hoist_with(
        dir,
        &["deploy", "--version", "v1"],
        &[("HOIST_RETRY_BASE_MS", "10")],
    );
    assert!(o.status.success(), "{}", out_text(&o));
    let (_, faults) = b.call("POST", "/api/_faults", Some(json!({})));
    assert_eq!(faults["fired"], 2, "both 503s were answered: {faults}");
    let (_, deps) = b.call("GET", "/api/functions/api/deployments", None);
    assert_eq!(deps["deployments"].as_array().unwrap().len(), 1, "{deps}");
    let (_, versions) = b.call("GET", "/api/functions/api/versions", None);
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);

    // A body over the backend's limit.
    let big = dir.join("big.json");
    std::fs::write(&big, format!("\"{}\"", "x".repeat(7 * 1024 * 1024))).unwrap();
    let o = b.hoist(
        dir,
        &["invoke", "api", "--data", &format!("@{}", big.display())],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(out_text(&o).contains("413"), "{}", out_text(&o));
}

#[test]
fn a_health_gate_that_never_passes_times_out_and_a_dropped_log_stream_resumes() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    ok_json(&deploy(&b, dir, &["--version", "v1"]));

    // v2 is a program that never listens: the gate gives up at its deadline.
    write_files(
        dir,
        &[("functions/api/index.mjs", "setInterval(() => {}, 1000);\n")],
    );
    let o = b.hoist(dir, &["deploy", "--version", "v2", "--health-timeout", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(
        out_text(&o).contains("api did not start"),
        "{}",
        out_text(&o)
    );
    assert_eq!(invoke(&b, dir, "api")["marker"], "one");

    // The backend closes follow streams after 2 lines; `logs -f` reconnects
    // from its cursor and prints each line exactly once.
    let (st, _) = b.call(
        "POST",
        "/api/_faults",
        Some(json!({"drop_log_streams_after": 2})),
    );
    assert_eq!(st, 200);
    let (mut child, rx) = follow_logs(&b, dir, &["--since", "1s"]);
    std::thread::sleep(Duration::from_millis(1500));
    for i in 0..6 {
        let o = b.hoist(dir, &["invoke", "api", "--path", &format!("/drop-{i}")]);
        assert!(o.status.success(), "{}", out_text(&o));
    }
    let end = Instant::now() + Duration::from_secs(20);
    let mut seen: Vec<String> = Vec::new();
    while Instant::now() < end && !seen.iter().any(|l| l.contains("/drop-5")) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for i in 0..6 {
        let n = seen
            .iter()
            .filter(|l| l.contains(&format!("handled one /drop-{i}")))
            .count();
        assert_eq!(n, 1, "line {i} seen {n} times: {seen:#?}");
    }
    // The stream was really dropped (more than once: 6 lines, 2 a stream).
    let (_, f) = b.call("POST", "/api/_faults", Some(json!({})));
    assert!(
        f["fired"].as_u64().is_some_and(|n| n >= 2),
        "the log stream was never dropped: {f}"
    );
}

#[test]
fn idle_workers_stop_down_to_warm_workers_and_the_next_call_starts_one() {
    let b = Backend::start(&["--idle-timeout".into(), "1".into()]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    ok_json(&deploy(&b, dir, &[]));
    let w = ok_json(&b.hoist(dir, &["warmup", "api", "--count", "2", "--output", "json"]));
    assert_eq!(w["ready"], 2, "{w}");
    let live = |b: &Backend| {
        let (_, v) = b.call("GET", "/api/functions/api/workers", None);
        v["workers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["state"] != "TERMINATED")
            .count()
    };
    let end = Instant::now() + Duration::from_secs(15);
    while live(&b) > 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(live(&b), 0, "warm_workers is 0: idle workers stop");
    assert_eq!(invoke(&b, dir, "api")["marker"], "one");
    let logs = b.hoist(dir, &["logs", "api"]);
    assert!(
        String::from_utf8_lossy(&logs.stdout).contains("stopped: idle"),
        "{}",
        out_text(&logs)
    );
}

#[test]
fn a_deploy_killed_midway_is_undone_by_the_next_one() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["alpha", "beta"], "one");
    ok_json(&deploy(&b, dir, &["--version", "v1"]));

    // Slow the backend down, start a v2 release one function at a time,
    // and kill hoist with SIGKILL as soon as alpha runs v2.
    set_marker(dir, "alpha", "two");
    set_marker(dir, "beta", "two");
    let (st, _) = b.call("POST", "/api/_faults", Some(json!({"latency_ms": 300})));
    assert_eq!(st, 200);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"));
    for (k, v) in b.envs() {
        cmd.env(k, v);
    }
    let mut child = cmd
        .current_dir(dir)
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".cfg"))
        .args(["deploy", "--version", "v2", "--jobs", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, f) = b.call("GET", "/api/functions/alpha", None);
        if f["active_version"] == "v2" {
            break;
        }
        assert!(Instant::now() < end, "alpha never went live");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    b.call("POST", "/api/_faults", Some(json!({"latency_ms": 0})));
    let (_, beta) = b.call("GET", "/api/functions/beta", None);
    assert_eq!(
        beta["active_version"], "v1",
        "the kill left a mixed release"
    );

    // The same deploy again: it undoes the unfinished release first, then
    // plans against what really runs, so alpha is deployed again too.
    let o = b.hoist(dir, &["deploy", "--version", "v2"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(out_text(&o).contains("left unfinished"), "{}", out_text(&o));
    let rel = ok_json(&b.hoist(dir, &["releases", "--output", "json"]));
    let releases = rel["releases"].as_array().unwrap();
    let killed = releases
        .iter()
        .find(|r| r["status"] != "live" && r["functions"][0]["version"] == "v2")
        .expect("the killed release is recorded");
    assert_eq!(killed["status"], "rolled_back", "{killed}");
    assert!(killed["journal"].to_string().contains("recovered"));
    assert_eq!(releases[0]["status"], "live");
    assert_eq!(invoke(&b, dir, "alpha")["marker"], "two");
    assert_eq!(invoke(&b, dir, "beta")["marker"], "two");
    let (_, deps) = b.call("GET", "/api/functions/alpha/deployments", None);
    let versions: Vec<&str> = deps["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["v2", "v1", "v2", "v1"],
        "newest first: v1, v2, undo to v1, v2"
    );
    let open = dir.join(".hoist/store/releases/open");
    let left = std::fs::read_dir(&open).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no release is left open");
}

#[test]
fn a_relative_data_dir_and_the_raw_proxy_root_work() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"))
        .current_dir(dir)
        .args([
            "backend",
            "serve",
            "--data-dir",
            "state",
            "--token-file",
            "token",
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let end = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{url}/api/health")).call().is_err() {
        assert!(Instant::now() < end, "the backend did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = support::registry::hoist(
        dir,
        &["deploy"],
        &[
            ("HOIST_BACKEND_URL", &url),
            ("HOIST_SELFHOSTED_TOKEN", TOKEN),
        ],
    );
    let ok = o.status.success();
    let answer = ureq::get(&format!("{url}/fn/api/"))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .map(|r| r.into_string().unwrap_or_default());
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(ok, "{}", out_text(&o));
    let body = answer.expect("GET /fn/api/ answers");
    assert!(body.contains("\"marker\":\"one\""), "{body}");
}

/// One release of a target at a time, whichever checkout it comes from:
/// a deploy waits while a live process holds the target's lease in the
/// shared store, takes over one whose process is gone, and gives up after
/// `HOIST_LEASE_WAIT_SECONDS` naming the holder.
#[test]
fn a_deploy_waits_for_the_target_lease_and_takes_over_a_dead_one() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    let o = b.hoist(dir, &["deploy"]);
    assert!(o.status.success(), "{}", out_text(&o));
    let leases = dir.join(".hoist/store/releases/lease");
    let lease = leases.join("selfhosted");
    assert!(!lease.exists(), "a finished deploy leaves no lease");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let hold = |pid: u32| {
        std::fs::create_dir_all(&leases).unwrap();
        let doc = json!({"command": "deploy", "host": host, "pid": pid,
            "since": 4_000_000_000u64, "token": "someone-else"});
        std::fs::write(&lease, doc.to_string()).unwrap();
    };

    // Held by a live process (this test): the deploy waits, then goes on
    // once the lease is given back.
    hold(std::process::id());
    project(dir, &["api"], "two");
    let mut envs: Vec<(String, String)> = b.envs();
    envs.push(("HOIST_LEASE_WAIT_SECONDS".into(), "60".into()));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_hoist"))
        .arg("deploy")
        .current_dir(dir)
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(invoke(&b, dir, "api")["marker"], "one", "it did not wait");
    std::fs::remove_file(&lease).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(
        out_text(&o).contains(&format!(
            "Waiting for a deploy releasing to selfhosted (pid {} on {host})",
            std::process::id()
        )),
        "{}",
        out_text(&o)
    );
    assert_eq!(invoke(&b, dir, "api")["marker"], "two");

    // Held too long: the deploy gives up, naming the holder.
    hold(std::process::id());
    project(dir, &["api"], "three");
    let o = b.hoist_with(dir, &["deploy"], &[("HOIST_LEASE_WAIT_SECONDS", "1")]);
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    assert!(
        out_text(&o).contains("is releasing to selfhosted"),
        "{}",
        out_text(&o)
    );
    assert_eq!(invoke(&b, dir, "api")["marker"], "two");

    // Held by a process that is gone: taken over at once.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    hold(dead);
    let o = b.hoist(dir, &["deploy"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(out_text(&o).contains("Taking over"), "{}", out_text(&o));
    assert_eq!(invoke(&b, dir, "api")["marker"], "three");
    assert!(!lease.exists());
}

/// `hoist logs <fn>` right after the first deploy of a deno function on a
/// fresh backend that installed deno from npm: the backend's own lines
/// (which belong to no version: `version` is null on the wire) and the
/// function's line are all printed, oldest first.
#[test]
fn logs_after_a_runtime_installed_on_first_use_show_every_line() {
    // A PATH with node and npm but no deno, so the backend installs it.
    let path = "/usr/local/bin:/usr/bin:/bin";
    if std::env::split_paths(path).any(|d| d.join("deno").is_file()) {
        panic!("deno is on {path}: the first-use install cannot be tested here");
    }
    if !std::env::split_paths(path).any(|d| d.join("npm").is_file()) {
        support::skip::missing("npm on /usr/bin (the backend installs deno with it)");
        return;
    }
    let b = Backend::start_with_env(&[], &[("PATH".into(), path.into())]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("hoist.yaml"),
        "project: demo\nfunctions:\n  greet:\n    runtime: deno\n    entrypoint: index.ts\n",
    )
    .unwrap();
    write_files(
        dir,
        &[(
            "functions/greet/index.ts",
            "console.log('greet booting');\n\
             export default { fetch() { console.log('greet answered'); return new Response('hi'); } };\n",
        )],
    );
    ok_json(&deploy(&b, dir, &[]));
    let o = b.hoist(dir, &["invoke", "greet"]);
    assert!(o.status.success(), "{}", out_text(&o));

    let o = b.hoist(dir, &["logs", "greet"]);
    assert!(o.status.success(), "{}", out_text(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`hoist logs greet` lacks {needle:?}:\n{text}"))
    };
    let install = at("installing deno with npm (first use)");
    let booting = at("greet booting");
    let answered = at("greet answered");
    assert!(
        install < booting && booting < answered,
        "out of order:\n{text}"
    );

    // The same lines as JSON: the install line has no version.
    let o = b.hoist(dir, &["logs", "greet", "--output", "json"]);
    assert!(o.status.success(), "{}", out_text(&o));
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let install = lines
        .iter()
        .find(|l| l["message"] == "installing deno with npm (first use)")
        .unwrap_or_else(|| panic!("no install line in {lines:?}"));
    assert!(install["version"].is_null(), "{install}");
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "greet answered" && l["version"].is_string()),
        "{lines:?}"
    );
}

/// With the local backend stopped, a command says what failed in the
/// user's terms first (the backend cannot be reached), the transport
/// detail after it, and the one command that fixes it.
#[test]
fn an_unreachable_local_backend_is_reported_first_with_how_to_start_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["api"], "one");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let o = support::registry::hoist(
        dir,
        &["env", "list", "api"],
        &[
            ("HOIST_BACKEND_URL", url.as_str()),
            ("HOIST_SELFHOSTED_TOKEN", TOKEN),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out_text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(format!("error: cannot reach the self-hosted backend at {url}").as_str()),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("caused by:") && l.contains("Connection refused")),
        "the transport detail is a cause: {err}"
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("hint:") && l.contains("`hoist backend start`")),
        "{err}"
    );
}

/// A runtime the target does not run is refused when the deploy is
/// planned, before anything is stored or sent: exit 2, naming the function,
/// its runtime and what the target runs, with the functions that can go.
/// `hoist new` says which targets run a runtime when not all do. And when a
/// release that created functions fails, the hint says they were retired.
#[test]
fn a_runtime_the_target_cannot_run_is_refused_before_anything_is_sent() {
    let b = Backend::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    project(dir, &["fnode"], "one");
    let o = b.hoist(dir, &["new", "fdart", "--runtime", "dart"]);
    assert!(o.status.success(), "{}", out_text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("fdart: dart functions deploy to fly only"),
        "{}",
        out_text(&o)
    );
    let o = b.hoist(dir, &["deploy"]);
    let text = out_text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("runs node, deno, bun, not fdart (dart)"),
        "{text}"
    );
    assert!(text.contains("`hoist deploy fnode`"), "{text}");
    let (_, list) = b.call("GET", "/api/functions", None);
    assert_eq!(list["functions"], json!([]), "something was sent: {list}");
    assert!(
        !dir.join(".hoist/store/functions").exists(),
        "something was stored"
    );

    // The functions that can go, go.
    ok_json(&deploy(&b, dir, &["fnode"]));

    // A release creating two functions, one failing at start: the one that
    // had gone live is retired, and the hint says so.
    project(dir, &["fnode", "alpha", "beta"], "one");
    write_files(dir, &[("functions/beta/index.mjs", "process.exit(3);\n")]);
    let o = b.hoist(dir, &["deploy", "alpha", "beta", "--jobs", "1"]);
    let text = out_text(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("alpha (new in this release) were retired"),
        "{text}"
    );
    assert!(!text.contains("alpha went back"), "{text}");
}
