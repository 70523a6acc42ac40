//! `hoist backend serve` end to end: the real binary on a free loopback
//! port with a temp data dir, driven over plain HTTP (ureq), with real node
//! workers. No timings are asserted.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "test-token-0123456789";

struct Backend {
    child: Child,
    port: u16,
    data: PathBuf,
    _tmp: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_serve(data: &Path, port: u16, extra: &[&str], envs: &[(&str, &str)]) -> Child {
    let token = data.parent().unwrap().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["backend", "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data)
        .arg("--token-file")
        .arg(&token)
        .args(extra)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        // Ours only when its own process holds the port (see
        // support::ports).
        if crate::support::ports::listened_by(port, child.id())
            && ureq::get(&format!("http://127.0.0.1:{port}/api/health"))
                .call()
                .is_ok()
        {
            return child;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the backend exited at start: {st}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the backend did not start");
}

impl Backend {
    fn start() -> Backend {
        Backend::start_with(&[])
    }
    fn start_with(extra: &[&str]) -> Backend {
        Backend::start_with_env(extra, &[])
    }
    fn start_with_env(extra: &[&str], envs: &[(&str, &str)]) -> Backend {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let port = free_port();
        let child = spawn_serve(&data, port, extra, envs);
        Backend {
            child,
            port,
            data,
            _tmp: tmp,
        }
    }
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }
    /// (status, JSON body) of an authorized request.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let req = ureq::request(method, &self.url(path))
            .set("Authorization", &format!("Bearer {TOKEN}"))
            .timeout(Duration::from_secs(60));
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        answer(res)
    }
    fn register(&self, name: &str, extra: Value) {
        let mut body = json!({"runtime": "node"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (st, _) = self.call("PUT", &format!("/api/functions/{name}"), Some(body));
        assert!(st == 201 || st == 200, "register: {st}");
    }
    /// Upload `files` as version `version` (multipart); returns the status.
    fn version(&self, name: &str, version: &str, files: &[(&str, &str)]) -> (u16, Value) {
        let archive = targz(files);
        self.upload(name, version, &archive)
    }
    fn upload(&self, name: &str, version: &str, archive: &[u8]) -> (u16, Value) {
        use sha2::Digest;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(archive)));
        let boundary = "hoist-test-boundary-7f3a";
        let mut body = Vec::new();
        for (k, v) in [
            ("version", version),
            ("digest", &digest),
            ("runtime", "node"),
            ("entrypoint", "index.mjs"),
        ] {
            write!(
                body,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            )
            .unwrap();
        }
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"f.tar.gz\"\r\nContent-Type: application/gzip\r\n\r\n").unwrap();
        body.extend_from_slice(archive);
        write!(body, "\r\n--{boundary}--\r\n").unwrap();
        let res = ureq::post(&self.url(&format!("/api/functions/{name}/versions")))
            .set("Authorization", &format!("Bearer {TOKEN}"))
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_bytes(&body);
        answer(res)
    }
    fn deploy(&self, name: &str, version: &str) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/api/functions/{name}/deployments"),
            Some(json!({"version": version, "env": {"GREETING": "hi"}})),
        )
    }
    /// The body the function answered, parsed as JSON.
    fn invoke(&self, name: &str) -> Value {
        let (st, v) = self.call(
            "POST",
            &format!("/api/functions/{name}/invoke"),
            Some(json!({})),
        );
        assert_eq!(st, 200, "invoke: {v}");
        serde_json::from_str(v["body"].as_str().unwrap()).unwrap()
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answer(res: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    match res {
        Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("transport error: {e}"),
    }
}

fn targz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, text.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A handler module answering its version, env and a greeting; `/sleep`
/// sleeps 10 s.
fn handler(version: &str) -> String {
    format!(
        r#"export default async function handler(req) {{
  const u = new URL(req.url);
  console.log("printed-by-{version} " + u.pathname);
  if (u.pathname === "/sleep") await new Promise((r) => setTimeout(r, 10000));
  return Response.json({{ version: "{version}", token: process.env.TOKEN ?? null, greeting: process.env.GREETING ?? null, pid: process.pid }});
}}
"#
    )
}

fn alive(pid: u64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn deploy_invoke_rollback_env_and_logs() {
    let b = Backend::start();
    // 401 without a token; health is open.
    assert_eq!(answer(ureq::get(&b.url("/api/functions")).call()).0, 401);
    assert_eq!(answer(ureq::get(&b.url("/api/health")).call()).0, 200);

    b.register("api", json!({}));
    assert_eq!(
        b.version("api", "v1", &[("index.mjs", &handler("v1"))]).0,
        201
    );
    // Same version, same content: the existing one (a retry).
    assert_eq!(
        b.version("api", "v1", &[("index.mjs", &handler("v1"))]).0,
        200
    );
    let (st, d) = b.deploy("api", "v1");
    assert_eq!(st, 201, "{d}");
    let out = b.invoke("api");
    assert_eq!(out["version"], "v1");
    assert_eq!(out["greeting"], "hi");

    assert_eq!(
        b.version("api", "v2", &[("index.mjs", &handler("v2"))]).0,
        201
    );
    assert_eq!(b.deploy("api", "v2").0, 201);
    assert_eq!(b.invoke("api")["version"], "v2");

    // The active version cannot be deleted.
    let (st, e) = b.call("DELETE", "/api/functions/api/versions/v2", None);
    assert_eq!(st, 409);
    assert_eq!(e["error"]["code"], "version_active");

    let (st, d) = b.call("POST", "/api/functions/api/rollback", Some(json!({})));
    assert_eq!(st, 201, "{d}");
    assert_eq!(d["version"], "v1");
    assert_eq!(d["kind"], "rollback");
    assert_eq!(b.invoke("api")["version"], "v1");

    // A secret is masked in the list and reaches the function after restart.
    let (st, _) = b.call(
        "POST",
        "/api/functions/api/env",
        Some(json!({"key": "TOKEN", "value": "s3cr3t", "is_secret": true})),
    );
    assert_eq!(st, 200);
    let (_, env) = b.call("GET", "/api/functions/api/env", None);
    let tok = env["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "TOKEN")
        .unwrap();
    assert_eq!(tok["value"], Value::Null);
    assert_eq!(tok["is_secret"], true);
    assert!(!env.to_string().contains("s3cr3t"));
    let (st, r) = b.call("POST", "/api/functions/api/restart", None);
    assert_eq!(st, 200, "{r}");
    assert_eq!(b.invoke("api")["token"], "s3cr3t");

    // An archive whose path leaves its root is refused.
    let mut evil = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut h = tar::Header::new_gnu();
    let text = b"x";
    h.set_size(1);
    h.set_mode(0o644);
    {
        let name = b"../escape.mjs";
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
    }
    h.set_cksum();
    evil.append(&h, &text[..]).unwrap();
    let evil = evil.into_inner().unwrap().finish().unwrap();
    let (st, e) = b.upload("api", "evil", &evil);
    assert_eq!(st, 400, "{e}");
    assert_eq!(e["error"]["code"], "bad_archive");
    assert!(!b.data.join("versions/api/escape.mjs").exists());

    // The logs hold a line the function printed.
    let (st, logs) = b.call("GET", "/api/functions/api/logs?limit=1000", None);
    assert_eq!(st, 200);
    assert!(logs.to_string().contains("printed-by-v1"), "{logs}");
}

#[test]
fn warmup_starts_real_workers() {
    let b = Backend::start();
    b.register("warm", json!({}));
    b.version("warm", "v1", &[("index.mjs", &handler("v1"))]);
    assert_eq!(b.deploy("warm", "v1").0, 201);
    let (st, w) = b.call(
        "POST",
        "/api/functions/warm/warmup",
        Some(json!({"count": 3})),
    );
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["ready"], 3);
    let pids: Vec<u64> = w["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids.len(), 3);
    for p in &pids {
        assert!(alive(*p), "worker {p} is not running");
    }
    // SIGTERM: the backend stops its workers and exits 0.
    let mut b = b;
    let st = Command::new("kill")
        .args(["-TERM", &b.child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = b.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    for p in pids {
        assert!(!alive(p), "worker {p} outlived the backend");
    }
}

#[test]
fn failed_health_check_keeps_the_old_version() {
    let b = Backend::start();
    b.register("gate", json!({}));
    b.version("gate", "v1", &[("index.mjs", &handler("v1"))]);
    assert_eq!(b.deploy("gate", "v1").0, 201);
    let broken = "console.error('broken-on-purpose'); throw new Error('no start');\n";
    assert_eq!(b.version("gate", "v2", &[("index.mjs", broken)]).0, 201);
    let (st, e) = b.deploy("gate", "v2");
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["code"], "health_check_failed");
    assert!(
        e["error"]["logs"].to_string().contains("broken-on-purpose"),
        "{e}"
    );
    assert_eq!(b.invoke("gate")["version"], "v1");
    let (_, f) = b.call("GET", "/api/functions/gate", None);
    assert_eq!(f["active_version"], "v1");
}

#[test]
fn no_invocation_fails_during_a_deploy() {
    let b = Arc::new(Backend::start());
    b.register("busy", json!({"warm_workers": 2}));
    b.version("busy", "v1", &[("index.mjs", &handler("v1"))]);
    b.version("busy", "v2", &[("index.mjs", &handler("v2"))]);
    assert_eq!(b.deploy("busy", "v1").0, 201);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let loops: Vec<_> = (0..2)
        .map(|_| {
            let (b, stop, ok, failed) = (b.clone(), stop.clone(), ok.clone(), failed.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let (st, v) = b.call("POST", "/api/functions/busy/invoke", Some(json!({})));
                    if st == 200 && v["status"] == 200 {
                        ok.fetch_add(1, Ordering::SeqCst);
                    } else {
                        eprintln!("failed invocation: {st} {v}");
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(b.deploy("busy", "v2").0, 201);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(b.call("POST", "/api/functions/busy/rollback", None).0, 201);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    for l in loops {
        l.join().unwrap();
    }
    assert_eq!(failed.load(Ordering::SeqCst), 0);
    assert!(ok.load(Ordering::SeqCst) > 0);
}

#[test]
fn sigkill_and_restart_keeps_the_active_version() {
    let mut b = Backend::start();
    b.register("keep", json!({}));
    b.version("keep", "v1", &[("index.mjs", &handler("v1"))]);
    b.version("keep", "v2", &[("index.mjs", &handler("v2"))]);
    assert_eq!(b.deploy("keep", "v1").0, 201);
    assert_eq!(b.deploy("keep", "v2").0, 201);
    assert_eq!(b.invoke("keep")["version"], "v2");
    b.child.kill().unwrap(); // SIGKILL
    b.child.wait().unwrap();
    b.child = spawn_serve(&b.data, b.port, &[], &[]);
    let (_, f) = b.call("GET", "/api/functions/keep", None);
    assert_eq!(f["active_version"], "v2");
    assert_eq!(b.invoke("keep")["version"], "v2");
}

#[test]
fn timeout_gives_504_and_replaces_the_worker() {
    let b = Backend::start();
    b.register("slow", json!({"timeout_seconds": 1}));
    b.version("slow", "v1", &[("index.mjs", &handler("v1"))]);
    assert_eq!(b.deploy("slow", "v1").0, 201);
    let first = b.invoke("slow")["pid"].as_u64().unwrap();
    let res = ureq::post(&b.url("/api/functions/slow/invoke"))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .send_json(json!({"path": "/sleep"}));
    let (st, e) = answer(res);
    assert_eq!(st, 504, "{e}");
    let end = Instant::now() + Duration::from_secs(10);
    while alive(first) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(first), "the timed-out worker still runs");
    let second = b.invoke("slow")["pid"].as_u64().unwrap();
    assert_ne!(first, second);
}

/// A runtimes dir for deno and bun: PATH wins (nothing to do), else
/// `HOIST_TEST_RUNTIMES` (a dir holding node_modules/.bin), else one made
/// once under the target dir with `hoist backend install-runtime deno bun`
/// (npm). Only when all fail is the runtime truly missing: skip loudly.
fn runtime_available(b: &Backend, rt: &str) -> bool {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(rt).is_file()))
        .unwrap_or(false);
    if on_path {
        return true;
    }
    let dir = match std::env::var_os("HOIST_TEST_RUNTIMES") {
        Some(d) => Some(PathBuf::from(d)),
        None => shared_runtimes(),
    };
    if let Some(dir) = dir.filter(|d| d.join("node_modules/.bin").join(rt).exists()) {
        let link = b.data.join("runtimes");
        if !link.exists() {
            std::os::unix::fs::symlink(&dir, &link).unwrap();
        }
        return true;
    }
    crate::support::skip::missing(&format!(
        "{rt} is not on PATH, HOIST_TEST_RUNTIMES is unset and \
         `hoist backend install-runtime deno bun` failed (no npm or no registry)"
    ));
    false
}

/// deno and bun installed once per target dir by the backend's own installer.
fn shared_runtimes() -> Option<PathBuf> {
    static ONCE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _g = ONCE.lock().unwrap_or_else(|p| p.into_inner());
    let data = Path::new(env!("CARGO_TARGET_TMPDIR")).join("backend-runtimes");
    let rts = data.join("runtimes");
    let bin = rts.join("node_modules/.bin");
    if bin.join("deno").exists() && bin.join("bun").exists() {
        return Some(rts);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["backend", "install-runtime", "deno", "bun", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "install-runtime failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(rts)
}

fn deploy_with(b: &Backend, name: &str, runtime: &str, entry: &str, text: &str) -> Value {
    use sha2::Digest;
    b.register(name, json!({"runtime": runtime}));
    let archive = targz(&[(entry, text)]);
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&archive)));
    let boundary = "hoist-test-boundary-rt";
    let mut body = Vec::new();
    for (k, v) in [
        ("version", "v1"),
        ("digest", &digest),
        ("runtime", runtime),
        ("entrypoint", entry),
    ] {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"f.tar.gz\"\r\n\r\n").unwrap();
    body.extend_from_slice(&archive);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    let (st, v) = answer(
        ureq::post(&b.url(&format!("/api/functions/{name}/versions")))
            .set("Authorization", &format!("Bearer {TOKEN}"))
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_bytes(&body),
    );
    assert_eq!(st, 201, "{v}");
    let (st, d) = b.call(
        "POST",
        &format!("/api/functions/{name}/deployments"),
        Some(json!({"version": "v1"})),
    );
    assert_eq!(st, 201, "{d}");
    let (st, out) = b.call(
        "POST",
        &format!("/api/functions/{name}/invoke"),
        Some(json!({})),
    );
    assert_eq!(st, 200, "{out}");
    out
}

#[test]
fn node_program_shape_listens_on_port() {
    let b = Backend::start();
    let program = "import http from 'node:http';\n\
        http.createServer((q, s) => { s.setHeader('content-type', 'text/plain'); s.end('program ' + process.env.HOIST_FUNCTION); })\
        .listen(process.env.PORT);\n";
    let out = deploy_with(&b, "prog", "node", "index.mjs", program);
    assert_eq!(out["body"], "program prog");
    // /fn/... returns the function's own answer, untouched, even an error.
    let h = "export default (req) => new URL(req.url).pathname === '/missing'\n\
        ? new Response('nope', { status: 404, headers: { 'x-own': '1' } })\n\
        : new Response('found ' + new URL(req.url).search);\n";
    deploy_with(&b, "raw", "node", "index.mjs", h);
    let res = ureq::get(&b.url("/fn/raw/missing"))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .call();
    let Err(ureq::Error::Status(404, r)) = res else {
        panic!("expected the function's 404");
    };
    assert_eq!(r.header("x-own"), Some("1"));
    assert_eq!(r.header("x-hoist-version"), Some("v1"));
    assert_eq!(r.into_string().unwrap(), "nope");
    let r = ureq::get(&b.url("/fn/raw/a/b?x=1"))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(r.into_string().unwrap(), "found ?x=1");
}

/// Both runtimes run a handler and a program; a missing runtime fails the
/// test (or skips it, through `support::skip`).
#[test]
fn deno_and_bun_handlers_and_programs() {
    let b = Backend::start();
    if !(runtime_available(&b, "deno") && runtime_available(&b, "bun")) {
        return;
    }
    let h = "export default { fetch(_req: Request) { return Response.json({ rt: 'deno' }); } };\n";
    let body = deploy_with(&b, "dh", "deno", "main.ts", h)["body"].clone();
    assert!(body.as_str().unwrap().contains("deno"), "{body}");
    // A program asking for its own port gets the worker's.
    let p = "Deno.serve({ port: 9, hostname: '0.0.0.0' }, () => new Response('deno program'));\n";
    assert_eq!(
        deploy_with(&b, "dp", "deno", "main.ts", p)["body"],
        "deno program"
    );
    let h = "export default { fetch(_req: Request) { return Response.json({ rt: 'bun' }); } };\n";
    let body = deploy_with(&b, "bh", "bun", "index.ts", h)["body"].clone();
    assert!(body.as_str().unwrap().contains("bun"), "{body}");
    let p = "Bun.serve({ port: 9, fetch() { return new Response('bun program'); } });\n";
    assert_eq!(
        deploy_with(&b, "bp", "bun", "index.ts", p)["body"],
        "bun program"
    );
}

#[test]
fn containerpub_one_call_deploy() {
    let b = Backend::start();
    let archive = targz(&[("index.mjs", &handler("cp")), ("package.json", "{}")]);
    let boundary = "hoist-test-boundary-cp";
    let mut body = Vec::new();
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ncp\r\n"
    )
    .unwrap();
    write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"a.tar.gz\"\r\n\r\n").unwrap();
    body.extend_from_slice(&archive);
    write!(body, "\r\n--{boundary}--\r\n").unwrap();
    let (st, v) = answer(
        ureq::post(&b.url("/api/functions/deploy"))
            .set("Authorization", &format!("Bearer {TOKEN}"))
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_bytes(&body),
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["id"], "cp");
    assert_eq!(v["version"].as_str().unwrap().len(), 12);
    assert_eq!(b.invoke("cp")["version"], "cp");
    let (_, f) = b.call("GET", "/api/functions/cp", None);
    assert_eq!(f["runtime"], "node");
}

#[test]
fn version_by_reference_from_the_store_and_followed_logs() {
    use sha2::Digest;
    let store = tempfile::tempdir().unwrap();
    let key = "functions/ref/v1/function.tar.gz";
    let archive = targz(&[("index.mjs", &handler("ref"))]);
    std::fs::create_dir_all(store.path().join("functions/ref/v1")).unwrap();
    std::fs::write(store.path().join(key), &archive).unwrap();
    let b = Backend::start_with(&["--store", store.path().to_str().unwrap()]);
    b.register("ref", json!({}));
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&archive)));
    let meta = json!({"version": "v1", "digest": digest, "archive_key": key,
        "runtime": "node", "entrypoint": "index.mjs"});
    let (st, v) = b.call("POST", "/api/functions/ref/versions", Some(meta.clone()));
    assert_eq!(st, 201, "{v}");
    let mut wrong = meta;
    wrong["version"] = json!("v2");
    wrong["digest"] = json!(format!("sha256:{}", "0".repeat(64)));
    let (st, e) = b.call("POST", "/api/functions/ref/versions", Some(wrong));
    assert_eq!(st, 422);
    assert_eq!(e["error"]["code"], "digest_mismatch");
    let (st, d) = b.call(
        "POST",
        "/api/functions/ref/deployments",
        Some(json!({"version": "v1", "release_id": "r-1"})),
    );
    assert_eq!(st, 201);
    // A retry with the same release_id is the same deployment.
    let (_, again) = b.call(
        "POST",
        "/api/functions/ref/deployments",
        Some(json!({"version": "v1", "release_id": "r-1"})),
    );
    assert_eq!(d["id"], again["id"]);
    assert_eq!(b.invoke("ref")["version"], "ref");

    // follow=true streams ndjson entries; reconnecting from the last id
    // neither repeats nor skips one.
    use std::io::BufRead;
    let follow = |cursor: i64, n: usize| -> Vec<Value> {
        let r = ureq::get(&b.url(&format!(
            "/api/functions/ref/logs?follow=true&cursor={cursor}"
        )))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
        assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
        let mut lines = std::io::BufReader::new(r.into_reader()).lines();
        (0..n)
            .map(|_| serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap())
            .collect()
    };
    let first = follow(0, 3);
    let last = first[2]["id"].as_i64().unwrap();
    let next = follow(last, 1);
    assert_eq!(next[0]["id"].as_i64().unwrap(), last + 1);
    assert!(first
        .windows(2)
        .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64()));
}

/// `hoist backend start` makes the local backend's token without touching a
/// token stored for another backend, and the selfhosted target uses the
/// local token while that backend runs at the target's address.
#[test]
fn backend_start_keeps_a_stored_token_and_its_own_token_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(project.join("functions/hello")).unwrap();
    std::fs::write(
        project.join("hoist.yaml"),
        "project: demo\nfunctions:\n  hello:\n    runtime: node\n",
    )
    .unwrap();
    std::fs::write(
        project.join("functions/hello/index.js"),
        "export default () => new Response('hi')\n",
    )
    .unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let config = tmp.path().join("config");
    let home = tmp.path().join("home");
    // Started with a data directory of its own: the target finds the
    // backend by its port.
    let data = tmp.path().join("backend");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
            .args(args)
            .current_dir(&project)
            .env("HOIST_CREDENTIALS", "file")
            .env("HOIST_CONFIG_DIR", &config)
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("HOIST_BACKEND_DIR")
            .env("HOIST_BACKEND_URL", &url)
            .env_remove("HOIST_SELFHOSTED_TOKEN")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let other = "token-of-another-backend-0123";
    ok(&run(&["login", "selfhosted", "--token-stdin"], other));
    let listen = format!("127.0.0.1:{port}");
    let data_arg = data.display().to_string();
    ok(&run(
        &[
            "backend",
            "start",
            "--listen",
            &listen,
            "--data-dir",
            &data_arg,
        ],
        "",
    ));
    let note = home.join(format!(".local/share/hoist/backend-ports/{port}"));
    assert!(note.is_file(), "{} is missing", note.display());
    let status = run(&["status", "--output", "json"], "");
    let stop = run(&["backend", "stop", "--data-dir", &data_arg], "");
    ok(&status);
    ok(&stop);
    assert!(!note.exists(), "the port note outlived the backend");
    let doc: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(doc["functions"][0]["health"], "not deployed", "{doc}");
    let creds = std::fs::read_to_string(config.join("credentials.json")).unwrap();
    assert!(creds.contains(other), "the stored token was replaced");
    let local = std::fs::read_to_string(data.join("token")).unwrap();
    assert!(!creds.contains(local.trim()));
}

/// A program that answers any connection on a port with 401, as another
/// server would; returns its port. It lives as long as the test.
fn another_server() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            use std::io::Read;
            let mut buf = [0u8; 1024];
            let _ = c.read(&mut buf);
            let _ = c.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    port
}

fn hoist_backend(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("HOME", data)
        .env_remove("XDG_DATA_HOME")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `backend start` on a port another program holds fails, naming the
/// address and what holds it, and leaves no record of a running backend.
#[test]
fn backend_start_fails_when_another_program_holds_its_port() {
    let tmp = tempfile::tempdir().unwrap();
    let port = another_server();
    let listen = format!("127.0.0.1:{port}");
    let out = hoist_backend(tmp.path(), &["backend", "start", "--listen", &listen]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{listen} is already in use by another program")),
        "{err}"
    );
    assert!(err.contains("--listen"), "the hint says how to move: {err}");
    let st = hoist_backend(tmp.path(), &["backend", "status", "--output", "json"]);
    let doc: Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(doc["running"], false, "{doc}");
}

/// A backend that dies at start (here: its port taken between the check
/// and the bind, by a server of the same kind) is reported as failed with
/// its own reason, not as started.
#[test]
fn backend_start_reports_a_server_that_is_not_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let b = Backend::start();
    let listen = format!("127.0.0.1:{}", b.port);
    let data = tmp.path().join("other");
    let out = hoist_backend(&data, &["backend", "start", "--listen", &listen]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("already in use by another hoist backend"),
        "{err}"
    );
    let st = hoist_backend(&data, &["backend", "status", "--output", "json"]);
    let doc: Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(doc["running"], false, "{doc}");
}

/// Killed with SIGKILL, the backend is not "running already": `start`
/// starts a new one, whose health names the instance it was given.
#[test]
fn backend_start_after_a_kill_starts_a_new_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let start = || {
        hoist_backend(
            tmp.path(),
            &["backend", "start", "--listen", &listen, "--output", "json"],
        )
    };
    let first = start();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let doc: Value = serde_json::from_slice(&first.stdout).unwrap();
    let pid = doc["pid"].as_u64().unwrap();
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    // kill(1) returns before the process is gone: wait until it has died
    // (a zombie, while nothing has reaped it yet, or no process at all).
    let end = Instant::now() + Duration::from_secs(5);
    let dead = || match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with(['Z', 'X'])),
        Err(_) => true,
    };
    while !dead() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(dead(), "the backend survived SIGKILL");
    let again = start();
    let stop = hoist_backend(tmp.path(), &["backend", "stop"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(stop.status.success());
    let doc: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        doc["already"], false,
        "a killed backend was taken for a running one: {doc}"
    );
    assert_ne!(doc["pid"].as_u64().unwrap(), pid, "{doc}");
}

#[test]
fn workers_get_the_machines_network_settings_and_never_the_backends_own() {
    // Any readable file will do as the CA bundle: node only warns about
    // certificates it cannot load, and this function makes no request.
    let ca = tempfile::NamedTempFile::new().unwrap();
    let ca_path = ca.path().display().to_string();
    let b = Backend::start_with_env(
        &["--worker-env", "EDITOR"],
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ("no_proxy", "localhost"),
            ("SSL_CERT_FILE", &ca_path),
            // Set but empty counts as unset (this machine may set them).
            ("NODE_EXTRA_CA_CERTS", ""),
            ("DENO_CERT", ""),
            ("EDITOR", "vi"),
            ("UNLISTED_SETTING", "x"),
            ("AWS_SECRET_ACCESS_KEY", "aws-leak"),
            ("HOIST_BACKEND_SECRET", "hoist-leak"),
        ],
    );
    let out = deploy_with(
        &b,
        "envs",
        "node",
        "index.mjs",
        "export default () => Response.json(process.env);",
    );
    let env: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(env["HTTPS_PROXY"], "http://127.0.0.1:9", "{env}");
    assert_eq!(env["no_proxy"], "localhost");
    assert_eq!(env["SSL_CERT_FILE"], ca_path.as_str());
    // The CA file is made known to Node/Bun and to Deno.
    assert_eq!(env["NODE_EXTRA_CA_CERTS"], ca_path.as_str());
    assert_eq!(env["DENO_CERT"], ca_path.as_str());
    assert_eq!(env["EDITOR"], "vi");
    for never in [
        "UNLISTED_SETTING",
        "AWS_SECRET_ACCESS_KEY",
        "HOIST_BACKEND_SECRET",
    ] {
        assert!(
            env.get(never).is_none(),
            "{never} reached the worker: {env}"
        );
    }
    let text = env.to_string();
    assert!(!text.contains("leak") && !text.contains(TOKEN), "{text}");
}

#[test]
fn worker_env_refuses_the_backends_own_settings() {
    let out = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["backend", "serve", "--worker-env", "HOIST_BACKEND_TOKEN"])
        .env("HOIST_BACKEND_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HOIST_BACKEND_TOKEN") && err.contains("never reach a worker"),
        "{err}"
    );
}
