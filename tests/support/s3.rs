//! A real S3 server for tests: `s3s-fs` (crates.io, verifies SigV4) started
//! on a free loopback port with its own access key and secret and a fresh
//! data directory, stopped on drop; plus the aws CLI as an independent
//! client to check what hoist wrote. When s3s-fs (or aws) is missing, the
//! rule of `support::skip` applies.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "AKHOISTTEST";
pub const SECRET_KEY: &str = "hoist-test-secret-Zq7xW2";
pub const BUCKET: &str = "hoist-test";

/// True under CI (`CI` set to anything but empty, `false` or `0`).
pub fn ci() -> bool {
    super::skip::ci()
}

/// Find a tool: `$env_var` when set, else PATH, else `extra` directories.
/// `None` means skip (and panics under CI).
pub fn find_tool(name: &str, env_var: Option<&str>, extra: &[PathBuf]) -> Option<PathBuf> {
    if let Some(v) = env_var.and_then(std::env::var_os).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        if p.is_file() {
            return Some(p);
        }
        panic!(
            "{} points at {}, which does not exist",
            env_var.unwrap_or(""),
            p.display()
        );
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in on_path.iter().chain(extra) {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    super::skip::missing(&format!("{name} is not installed"));
    None
}

/// A free loopback port (bound and released; a tiny race is accepted).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// Wait until something accepts connections on `addr`.
pub fn wait_for_port(addr: SocketAddr, child: &mut Child, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        // Ours only when the child itself holds the port (another test's
        // server may have taken it: see support::ports).
        if super::ports::listened_by(addr.port(), child.id())
            && TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
        {
            return true;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// An s3s-fs process with bucket [`BUCKET`], killed on drop.
pub struct S3Server {
    pub addr: SocketAddr,
    /// The server's root: one directory per bucket, plus its metadata files.
    pub data: PathBuf,
    _dir: tempfile::TempDir,
    child: Child,
    bin: PathBuf,
}

impl S3Server {
    /// Start a server, or `None` (after printing why) when s3s-fs is not
    /// installed outside CI. Looks at `$HOIST_S3S_FS`, PATH, then
    /// `~/.cache/hoist-tools/bin` (where docs/storage.md installs it).
    pub fn start() -> Option<S3Server> {
        let extra: Vec<PathBuf> = std::env::var_os("HOME")
            .map(|h| vec![PathBuf::from(h).join(".cache/hoist-tools/bin")])
            .unwrap_or_default();
        let bin = find_tool("s3s-fs", Some("HOIST_S3S_FS"), &extra)?;
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join(BUCKET)).expect("bucket dir");
        for _ in 0..3 {
            let port = free_port();
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
            let mut child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(&data)
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start s3s-fs");
            if wait_for_port(addr, &mut child, Duration::from_secs(10)) {
                return Some(S3Server {
                    addr,
                    data,
                    _dir: dir,
                    child,
                    bin,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("s3s-fs did not start listening");
    }

    /// SIGKILL the server (its data directory stays).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start the server again on the same port and data directory.
    pub fn restart(&mut self) {
        self.kill();
        let mut child = Command::new(&self.bin)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &self.addr.port().to_string(),
            ])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&self.data)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restart s3s-fs");
        assert!(
            wait_for_port(self.addr, &mut child, Duration::from_secs(10)),
            "s3s-fs did not listen again on {}",
            self.addr
        );
        self.child = child;
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Create another bucket.
    pub fn create_bucket(&self, name: &str) {
        std::fs::create_dir_all(self.data.join(name)).expect("bucket dir");
    }

    /// Where s3s-fs keeps object `key` of `bucket` on disk.
    pub fn object_file(&self, bucket: &str, key: &str) -> PathBuf {
        self.data.join(bucket).join(key)
    }

    /// Multipart state the server still holds (upload records and parts):
    /// s3s-fs keeps them as `.upload-*` / `.upload_id-*` files in its root.
    pub fn pending_multipart_files(&self) -> Vec<String> {
        std::fs::read_dir(&self.data)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".upload-") || n.starts_with(".upload_id-"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Run the aws CLI against this server with its own credentials (and
    /// none of the ambient AWS_* settings); `None` when aws is missing.
    pub fn aws(&self, args: &[&str]) -> Option<Output> {
        let aws = find_tool("aws", Some("HOIST_AWS_CLI"), &[])?;
        let mut cmd = Command::new(aws);
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        Some(
            cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .args(["--endpoint-url", &self.endpoint()])
                .args(args)
                .output()
                .expect("run aws"),
        )
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// sha256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).expect("read file");
    hex::encode(sha2::Sha256::digest(bytes))
}
