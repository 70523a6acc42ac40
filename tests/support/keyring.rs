//! A kernel keyring of each test's own, for the tests of `hoist login`
//! with the OS keyring. [`isolated`] runs a test in a thread that joins a
//! new anonymous session keyring: every hoist and keyctl the test starts
//! inherits it, and no other test, shell or user session can see it.
//! [`Keyring::hoist`] also runs hoist in a new user namespace
//! (`unshare --user --map-root-user`), because hoist's keyring store
//! (keyring-rs over keyutils) links each token into the user's persistent
//! keyring too, which every session of the same user can search; a new
//! user namespace has a persistent keyring of its own.
//!
//! Where there is no usable kernel keyring (keyctl refused, as under
//! Docker's default seccomp profile) or no user namespace, the rule of
//! `support::skip` applies: a failure naming why, unless skipping is
//! allowed (never under CI).
//!
//! [`Refusing`] is a registry that refuses everyone with a Basic
//! challenge and records what it was sent: it shows which credential a
//! hoist command found, without a real registry.

#![allow(dead_code)]

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::registry::{header_of, Request};

/// Variables hoist reads a token from before the keyring: never passed on.
const TOKEN_VARS: &[&str] = &[
    "HOIST_TOKEN",
    "HOIST_REGISTRY_TOKEN",
    "HOIST_REGISTRY_USERNAME",
    "HOIST_FLY_TOKEN",
    "FLY_API_TOKEN",
    "FLY_ACCESS_TOKEN",
    "HOIST_SELFHOSTED_TOKEN",
    "HOIST_S3_TOKEN",
];

/// `KEYCTL_JOIN_SESSION_KEYRING` (linux/keyctl.h).
const JOIN_SESSION_KEYRING: libc::c_long = 1;

/// The session keyring a test runs in.
pub struct Keyring {
    pub session: i64,
}

/// Run `test` in a thread of its own with a new session keyring; when the
/// machine has none to give, say so and skip (fail under CI).
pub fn isolated(test: impl FnOnce(&Keyring) + Send + 'static) {
    if !super::registry::have("keyctl") || !super::registry::have("unshare") {
        return;
    }
    let outcome = std::thread::spawn(move || match Keyring::join() {
        Ok(keyring) => {
            test(&keyring);
            None
        }
        Err(why) => Some(why),
    })
    .join();
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(None) => {}
        Ok(Some(why)) => super::skip::missing(&format!(
            "no usable kernel keyring here: {why}. Without one, `hoist login` \
             stores tokens in the credentials file (HOIST_CREDENTIALS=auto) or refuses \
             (HOIST_CREDENTIALS=keyring)"
        )),
    }
}

impl Keyring {
    /// Join a new anonymous session keyring (this thread and its children
    /// only), and check that keyctl sees it and that user namespaces work.
    fn join() -> Result<Keyring, String> {
        // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no pointers it
        // keeps; it only replaces the calling thread's session keyring.
        let id = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                JOIN_SESSION_KEYRING,
                std::ptr::null::<libc::c_char>(),
            )
        };
        if id < 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("the kernel refused a new session keyring ({e})"));
        }
        let show = Command::new("keyctl")
            .args(["show", "@s"])
            .output()
            .map_err(|e| format!("keyctl does not run: {e}"))?;
        let shown = String::from_utf8_lossy(&show.stdout);
        if !show.status.success() || !shown.contains(&id.to_string()) {
            return Err(format!(
                "`keyctl show @s` does not show the new session keyring {id}: {shown}{}",
                String::from_utf8_lossy(&show.stderr)
            ));
        }
        let userns = Command::new("unshare")
            .args(["--user", "--map-root-user", "true"])
            .output()
            .map_err(|e| format!("unshare does not run: {e}"))?;
        if !userns.status.success() {
            return Err(format!(
                "no user namespace (`unshare --user --map-root-user` failed: {}), so \
                 hoist's token would reach the user's shared persistent keyring",
                String::from_utf8_lossy(&userns.stderr).trim()
            ));
        }
        Ok(Keyring { session: id })
    }

    /// Run hoist in `dir`, in a new user namespace, with
    /// `HOIST_CREDENTIALS=mode`, [`config_dir`] and per-test docker config
    /// and cache, no token variable, and `stdin` piped in.
    pub fn hoist(&self, dir: &Path, mode: &str, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new("unshare");
        cmd.args(["--user", "--map-root-user", "--"])
            .arg(env!("CARGO_BIN_EXE_hoist"))
            .args(args)
            .current_dir(dir)
            .env("HOIST_CREDENTIALS", mode)
            .env("HOIST_CONFIG_DIR", config_dir(dir))
            .env("DOCKER_CONFIG", dir.join(".test-docker"))
            .env("HOIST_CACHE_DIR", dir.join(".test-cache"))
            .env("HOIST_RETRY_BASE_MS", "20")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in TOKEN_VARS {
            cmd.env_remove(var);
        }
        let mut child = cmd.spawn().expect("unshare runs hoist");
        if let Some(mut input) = child.stdin.take() {
            // A command that reads no stdin may exit before this is written.
            let _ = input.write_all(stdin.as_bytes());
        }
        child.wait_with_output().expect("hoist runs")
    }

    /// The payload of hoist's key for `target` in this session keyring
    /// (keyring-rs names it `keyring-rs:<target>@hoist`), if there is one.
    pub fn stored(&self, target: &str) -> Option<String> {
        let description = format!("keyring-rs:{target}@hoist");
        let found = Command::new("keyctl")
            .args(["search", "@s", "user", &description])
            .output()
            .expect("keyctl runs");
        if !found.status.success() {
            return None;
        }
        let id = String::from_utf8_lossy(&found.stdout).trim().to_string();
        let payload = Command::new("keyctl")
            .args(["pipe", &id])
            .output()
            .expect("keyctl runs");
        assert!(payload.status.success(), "keyctl pipe {id} failed");
        Some(String::from_utf8_lossy(&payload.stdout).into_owned())
    }

    /// Take every permission off the session keyring, possessor's too:
    /// a keyring that exists but that hoist may not use.
    pub fn refuse_everyone(&self) {
        let out = Command::new("keyctl")
            .args(["setperm", "@s", "0"])
            .output()
            .expect("keyctl runs");
        assert!(out.status.success(), "keyctl setperm @s 0 failed");
    }
}

/// Where [`Keyring::hoist`] tells hoist to keep its credentials file.
pub fn config_dir(dir: &Path) -> PathBuf {
    dir.join(".test-config")
}

/// A registry that answers every request `401` with a Basic challenge
/// and records the `Authorization` values it was sent.
pub struct Refusing {
    pub addr: String,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Refusing {
    pub fn start() -> Refusing {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let refusing = Refusing {
            addr: listener.local_addr().expect("addr").to_string(),
            seen: Arc::default(),
            stop: Arc::default(),
        };
        let (seen, stop) = (refusing.seen.clone(), refusing.stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(c) = conn else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = refuse(c, &seen);
                });
            }
        });
        refusing
    }

    /// Every `Authorization` value sent, in order.
    pub fn authorizations(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Refusing {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn refuse(client: TcpStream, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    while let Some(req) = Request::read(&mut reader)? {
        if let Some(a) = header_of(&req.head, "authorization") {
            seen.lock().expect("lock").push(a);
        }
        write!(
            writer,
            "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Basic realm=\"hoist-test\"\r\nContent-Length: 0\r\n\r\n"
        )?;
    }
    Ok(())
}
