//! Real registries and fault injection for the image and registry tests:
//! Debian's `docker-registry` (CNCF distribution) on a free loopback port,
//! with or without htpasswd basic auth; a TCP proxy that counts the bytes
//! clients send and can cut connections mid-stream; an HTTP gate that
//! answers chosen uploads itself (the Bearer-token gate is in
//! [`super::bearer`]); a busybox-static base image built and pushed by
//! hoist itself; and the "tool missing" rule of `support::skip`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether `tool` is installed; when not, see [`super::skip::missing`].
pub fn have(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
    if !found {
        super::skip::missing(&format!("{tool} is not installed"));
    }
    found
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// The status code of `GET http://addr/path`, or None when nothing answers.
pub fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A docker-registry process on loopback, stopped on drop.
pub struct Registry {
    pub addr: String,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Registry {
    /// Start a registry; `basic` adds htpasswd auth for (user, password).
    /// A port another server took between picking and binding is given up
    /// for a fresh one (see [`super::ports`]).
    pub fn start(basic: Option<(&str, &str)>) -> Registry {
        for _ in 0..5 {
            if let Some(reg) = Registry::start_on(free_port(), basic) {
                return reg;
            }
        }
        panic!("docker-registry did not start on any of 5 free ports");
    }

    /// A registry on `port`, or `None` when another process holds it.
    fn start_on(port: u16, basic: Option<(&str, &str)>) -> Option<Registry> {
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = format!("127.0.0.1:{port}");
        let mut cfg = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: hoist-test\n",
            dir.path().join("data").display()
        );
        if let Some((user, pass)) = basic {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd runs");
            assert!(out.status.success(), "htpasswd failed");
            std::fs::write(dir.path().join("htpasswd"), &out.stdout).expect("write htpasswd");
            cfg.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: hoist-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, cfg).expect("write config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        let mut reg = Registry { addr, dir, child };
        let start = Instant::now();
        // Ours when its own process holds the port and answers there.
        while !(super::ports::listened_by(port, reg.child.id())
            && http_status(&reg.addr, "/v2/").is_some())
        {
            if let Ok(Some(_)) = reg.child.try_wait() {
                // Most often: the port was taken meanwhile.
                return None;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "registry did not start: {}",
                reg.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(reg)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// Where the registry keeps blob `digest` on disk.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a [`Proxy`] misbehaves.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    /// Cut a connection once it has carried this many client bytes.
    pub cut_after: Option<u64>,
    /// How many connections to cut (negative: all of them).
    pub cuts: i64,
    /// Answer the first this-many connections' first request with
    /// `503 Service Unavailable` and close them.
    pub unavailable: u64,
}

/// A TCP proxy to `upstream` that counts client bytes and can cut
/// connections mid-stream.
pub struct Proxy {
    pub addr: String,
    pub up_bytes: Arc<AtomicU64>,
    cut_after: Arc<Mutex<Option<u64>>>,
    cuts_left: Arc<AtomicI64>,
    pub cuts_done: Arc<AtomicU64>,
    /// How many 503 answers were given.
    pub served_503: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("addr").to_string();
        let p = Proxy {
            addr,
            up_bytes: Arc::new(AtomicU64::new(0)),
            cut_after: Arc::new(Mutex::new(faults.cut_after)),
            cuts_left: Arc::new(AtomicI64::new(faults.cuts)),
            cuts_done: Arc::new(AtomicU64::new(0)),
            served_503: Arc::new(AtomicU64::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let unavailable = Arc::new(AtomicU64::new(faults.unavailable));
        let served_503 = p.served_503.clone();
        let upstream = upstream.to_string();
        let (up_bytes, cut_after, cuts_left, cuts_done, stop) = (
            p.up_bytes.clone(),
            p.cut_after.clone(),
            p.cuts_left.clone(),
            p.cuts_done.clone(),
            p.stop.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut client) = conn else { continue };
                if unavailable.load(Ordering::SeqCst) > 0 {
                    unavailable.fetch_sub(1, Ordering::SeqCst);
                    // Read the request head, answer 503, hang up.
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match client.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => break,
                        }
                    }
                    let _ = client.write_all(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    let _ = client.shutdown(Shutdown::Both);
                    served_503.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let cut = *cut_after.lock().expect("lock");
                let (c2, s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let up = up_bytes.clone();
                let done = cuts_done.clone();
                let left = cuts_left.clone();
                std::thread::spawn(move || pump_up(client, server, up, cut, left, done));
                std::thread::spawn(move || pump_down(s2, c2));
            }
        });
        p
    }

    /// Stop cutting connections.
    pub fn heal(&self) {
        *self.cut_after.lock().expect("lock") = None;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn pump_up(
    mut from: TcpStream,
    mut to: TcpStream,
    count: Arc<AtomicU64>,
    cut: Option<u64>,
    cuts_left: Arc<AtomicI64>,
    done: Arc<AtomicU64>,
) {
    let mut buf = [0u8; 16 * 1024];
    let mut seen: u64 = 0;
    let mut cut = cut;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(limit) = cut {
            if seen + n as u64 >= limit {
                // Cut only while cuts are left (negative: always).
                let take = cuts_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| match l {
                        0 => None,
                        l if l < 0 => Some(l),
                        l => Some(l - 1),
                    })
                    .is_ok();
                if take {
                    let k = (limit - seen) as usize;
                    let _ = to.write_all(&buf[..k]);
                    count.fetch_add(k as u64, Ordering::SeqCst);
                    done.fetch_add(1, Ordering::SeqCst);
                    let _ = from.shutdown(Shutdown::Both);
                    let _ = to.shutdown(Shutdown::Both);
                    return;
                }
                cut = None;
            }
        }
        seen += n as u64;
        count.fetch_add(n as u64, Ordering::SeqCst);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn pump_down(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
}

/// One HTTP/1.1 request read off a connection: its request line, header
/// lines and Content-Length body.
pub struct Request {
    pub request_line: String,
    pub head: Vec<String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The next request, or `None` when the client hung up.
    pub fn read(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        let Some(request_line) = head.first().cloned() else {
            return Ok(None);
        };
        let len: usize = header_of(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        Ok(Some(Request {
            request_line,
            head,
            body,
        }))
    }
}

/// The value of header `name` (any case) among a request's head lines.
pub fn header_of(head: &[String], name: &str) -> Option<String> {
    head.iter().skip(1).find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// What a [`FaultGate`] answers itself.
#[derive(Debug, Clone, Default)]
pub struct GateFaults {
    /// (n, status): the n-th PATCH (1-based) gets `status`, passing
    /// nothing on.
    pub patches: Vec<(u64, u16)>,
    /// The n-th blob PUT (closing an upload) is passed on, and its answer
    /// replaced by `400 DIGEST_INVALID`, as a registry answers while a
    /// concurrent push commits the same blob.
    pub blob_puts_400: Vec<u64>,
    /// The n-th manifest PUT gets `400 MANIFEST_BLOB_UNKNOWN`, passing
    /// nothing on.
    pub manifest_puts_400: Vec<u64>,
}

/// An HTTP proxy in front of a registry that passes requests on one at a
/// time and answers chosen PATCH, blob PUT and manifest PUT requests
/// itself (see [`GateFaults`]), counting the PATCH body bytes that reach
/// the registry, the upload sessions started and the manifest PUTs.
pub struct FaultGate {
    pub addr: String,
    /// PATCH body bytes passed on to the registry.
    pub patch_bytes: Arc<AtomicU64>,
    /// PATCH requests seen (answered here or passed on).
    pub patches: Arc<AtomicU64>,
    /// `POST …/blobs/uploads/` requests passed on.
    pub sessions: Arc<AtomicU64>,
    /// Manifest PUTs seen (answered here or passed on).
    pub manifest_puts: Arc<AtomicU64>,
    /// Blob PUTs seen.
    pub blob_puts: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl FaultGate {
    /// `fail`: (n, status): the n-th PATCH (1-based) gets `status`.
    pub fn start(upstream: &str, fail: &[(u64, u16)]) -> FaultGate {
        FaultGate::start_with(
            upstream,
            GateFaults {
                patches: fail.to_vec(),
                ..GateFaults::default()
            },
        )
    }

    pub fn start_with(upstream: &str, faults: GateFaults) -> FaultGate {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind gate");
        let gate = FaultGate {
            addr: listener.local_addr().expect("addr").to_string(),
            patch_bytes: Arc::default(),
            patches: Arc::default(),
            sessions: Arc::default(),
            manifest_puts: Arc::default(),
            blob_puts: Arc::default(),
            stop: Arc::default(),
        };
        let fail = Arc::new(faults);
        let (bytes, patches, sessions, stop) = (
            gate.patch_bytes.clone(),
            gate.patches.clone(),
            gate.sessions.clone(),
            gate.stop.clone(),
        );
        let puts = (gate.manifest_puts.clone(), gate.blob_puts.clone());
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(c) = conn else { continue };
                let (fail, bytes, patches, sessions, upstream, puts) = (
                    fail.clone(),
                    bytes.clone(),
                    patches.clone(),
                    sessions.clone(),
                    upstream.clone(),
                    puts.clone(),
                );
                std::thread::spawn(move || {
                    let counts = [&*patches, &*sessions, &*puts.0, &*puts.1];
                    let _ = serve_faults(c, &upstream, &fail, &bytes, counts);
                });
            }
        });
        gate
    }
}

impl Drop for FaultGate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn serve_faults(
    client: TcpStream,
    upstream: &str,
    fail: &GateFaults,
    bytes: &AtomicU64,
    [patches, sessions, manifest_puts, blob_puts]: [&AtomicU64; 4],
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    loop {
        let Some(Request {
            request_line,
            head,
            body,
        }) = Request::read(&mut reader)?
        else {
            return Ok(());
        };
        let len = body.len();
        let method = request_line.split_whitespace().next().unwrap_or("");
        if method == "PATCH" {
            let n = patches.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some((_, status)) = fail.patches.iter().find(|(k, _)| *k == n) {
                write!(
                    writer,
                    "HTTP/1.1 {status} Injected\r\nContent-Length: 0\r\n\r\n"
                )?;
                continue;
            }
            bytes.fetch_add(len as u64, Ordering::SeqCst);
        }
        if method == "POST" && request_line.contains("/blobs/uploads/") {
            sessions.fetch_add(1, Ordering::SeqCst);
        }
        if method == "PUT" && request_line.contains("/manifests/") {
            let n = manifest_puts.fetch_add(1, Ordering::SeqCst) + 1;
            if fail.manifest_puts_400.contains(&n) {
                let body = r#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#;
                write!(
                    writer,
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )?;
                continue;
            }
        }
        let fail_put = method == "PUT"
            && request_line.contains("/blobs/uploads/")
            && fail
                .blob_puts_400
                .contains(&(blob_puts.fetch_add(1, Ordering::SeqCst) + 1));
        let mut up = TcpStream::connect(upstream)?;
        let mut out = format!("{request_line}\r\n");
        for h in head.iter().skip(1) {
            let k = h.split(':').next().unwrap_or("").trim();
            if k.eq_ignore_ascii_case("connection") {
                continue;
            }
            out.push_str(h);
            out.push_str("\r\n");
        }
        out.push_str("Connection: close\r\n\r\n");
        up.write_all(out.as_bytes())?;
        up.write_all(&body)?;
        let mut resp = Vec::new();
        up.read_to_end(&mut resp)?;
        if fail_put {
            let body = r#"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}"#;
            resp = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes();
        }
        writer.write_all(&resp)?;
        let _ = writer.shutdown(Shutdown::Both);
        return Ok(());
    }
}

/// Run the hoist binary in `dir` with `envs`; the cache is per test.
pub fn hoist(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("HOIST_REGISTRY_TOKEN")
        .env_remove("HOIST_TOKEN")
        .env_remove("HOIST_REGISTRY_USERNAME")
        .env("HOIST_CREDENTIALS", "file")
        .env("HOIST_CONFIG_DIR", dir.join(".test-config"))
        .env("DOCKER_CONFIG", dir.join(".test-docker"))
        .env("HOIST_RETRY_BASE_MS", "20")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("hoist runs")
}

/// Parse stdout as JSON, failing with both streams shown.
pub fn json_ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Write `files` (path, contents) under `root`.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (p, c) in files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, c).expect("write");
    }
}

/// A project whose one function `base` is a busybox-static image made
/// with hoist itself (`FROM scratch`, COPY), pushed to `registry` as
/// `<registry>/base:1`. Returns the project dir.
pub fn push_busybox_base(registry: &str, cache: &Path, envs: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let bin = root.join("functions/base/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::copy(busybox_path(), bin.join("busybox")).expect("copy busybox");
    for applet in [
        "sh", "cat", "echo", "env", "nc", "ls", "wget", "httpd", "sleep",
    ] {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).expect("symlink");
    }
    write_files(
        root,
        &[
            (
                "hoist.yaml",
                &format!("project: base\nfunctions:\n  base:\n    runtime: dockerfile\n    version: \"1\"\nregistry:\n  url: {registry}\n"),
            ),
            (
                "functions/base/Dockerfile",
                "FROM scratch\nCOPY bin/ /bin/\nENV PATH=/bin\nCMD [\"/bin/sh\"]\n",
            ),
        ],
    );
    let mut all = vec![("HOIST_CACHE_DIR", cache.to_str().expect("utf-8"))];
    all.extend_from_slice(envs);
    json_ok(&hoist(root, &["build", "--output", "json"], &all));
    json_ok(&hoist(root, &["push", "--output", "json"], &all));
    dir
}

/// The machine's static busybox.
pub fn busybox_path() -> PathBuf {
    for p in ["/usr/bin/busybox", "/bin/busybox"] {
        if Path::new(p).is_file() {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("busybox")
}

/// `skopeo inspect` (or `--config`/`--raw` via `extra`) of `image`.
pub fn skopeo_inspect(image: &str, extra: &[&str]) -> serde_json::Value {
    let out = Command::new("skopeo")
        .arg("inspect")
        .arg("--tls-verify=false")
        .args(extra)
        .arg(image)
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "skopeo inspect {image}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("skopeo prints JSON")
}

/// Write a function's bundle into its build context (`.hoist/build/<fn>/app`)
/// with tar, as a user handing the context to another builder would; the
/// native builder reads the bundle without writing it there.
pub fn unpack_context(root: &Path, function: &str) -> PathBuf {
    let bundles = root.join(".hoist/bundles").join(function);
    let build_json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join(".hoist/build").join(function).join("build.json"))
            .expect("build.json"),
    )
    .expect("build.json is JSON");
    let digest = build_json["bundle_digest"]
        .as_str()
        .expect("bundle_digest")
        .trim_start_matches("sha256:");
    let archive = bundles.join(format!("{digest}.tar.gz"));
    let app = root.join(".hoist/build").join(function).join("app");
    std::fs::create_dir(&app).unwrap_or_else(|e| panic!("{}: {e}", app.display()));
    let out = Command::new("tar")
        .arg("-xpzf")
        .arg(&archive)
        .arg("-C")
        .arg(&app)
        .output()
        .expect("tar runs");
    assert!(
        out.status.success(),
        "tar -xzf {}: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    app
}
