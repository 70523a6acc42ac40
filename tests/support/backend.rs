//! The self-hosted backend hoist ships, started for a test: the real
//! `hoist backend serve` on a free loopback port with its own data dir and
//! token, optionally reading versions from an S3 store, with test faults
//! enabled. It can be killed with SIGKILL and started again on the same
//! data dir.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const TOKEN: &str = "backend-test-token-5f1e2d3c4b";

pub struct Backend {
    pub port: u16,
    pub data: PathBuf,
    extra: Vec<String>,
    envs: Vec<(String, String)>,
    child: Child,
    _tmp: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn spawn(data: &Path, port: u16, extra: &[String], envs: &[(String, String)]) -> Child {
    let token = data.with_file_name("token");
    std::fs::write(&token, TOKEN).expect("token file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["backend", "serve", "--faults", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data)
        .arg("--token-file")
        .arg(&token)
        .args(extra)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hoist backend serve");
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        // Ours only when its own process holds the port (another test's
        // server may have taken it: see support::ports).
        if super::ports::listened_by(port, child.id())
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
    /// Start a backend; `extra` are more `serve` flags (e.g. `--store`).
    pub fn start(extra: &[String]) -> Backend {
        Backend::start_with_env(extra, &[])
    }

    /// Start a backend with more environment (e.g. S3 credentials).
    pub fn start_with_env(extra: &[String], envs: &[(String, String)]) -> Backend {
        let tmp = tempfile::tempdir().expect("tempdir");
        let data = tmp.path().join("data");
        let port = free_port();
        let child = spawn(&data, port, extra, envs);
        Backend {
            port,
            data,
            extra: extra.to_vec(),
            envs: envs.to_vec(),
            child,
            _tmp: tmp,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL the backend (its workers die with it).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start it again on the same data dir and port.
    pub fn restart(&mut self) {
        self.child = spawn(&self.data, self.port, &self.extra, &self.envs);
    }

    /// (status, JSON body) of an authorized API call.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let req = ureq::request(method, &format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {TOKEN}"))
            .timeout(Duration::from_secs(60));
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match res {
            Ok(r) => {
                let st = r.status();
                (st, r.into_json().unwrap_or(Value::Null))
            }
            Err(ureq::Error::Status(st, r)) => (st, r.into_json().unwrap_or(Value::Null)),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// The environment that points hoist at this backend.
    pub fn envs(&self) -> Vec<(String, String)> {
        vec![
            ("HOIST_BACKEND_URL".into(), self.url()),
            ("HOIST_SELFHOSTED_TOKEN".into(), TOKEN.into()),
        ]
    }

    /// Run hoist in `dir` against this backend.
    pub fn hoist(&self, dir: &Path, args: &[&str]) -> Output {
        self.hoist_with(dir, args, &[])
    }

    pub fn hoist_with(&self, dir: &Path, args: &[&str], more: &[(&str, &str)]) -> Output {
        let envs = self.envs();
        let mut all: Vec<(&str, &str)> =
            envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(more);
        super::registry::hoist(dir, args, &all)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
