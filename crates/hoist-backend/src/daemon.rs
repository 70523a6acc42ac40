//! `hoist backend start|stop|status`: run `serve` in the background (a
//! re-exec of this binary in its own session, output to `<data>/backend.log`,
//! pid in `<data>/backend.pid`), stop it with SIGTERM then SIGKILL, and
//! report whether it runs. The token lives in `<data>/token` (0600).

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use hoist_core::localbackend::addr_file;

use hoist_core::env::Env;
pub use hoist_core::localbackend::{
    log_file, noted_data_dir, own_token_marker, pid_file, port_note, read_note, recorded_addr,
    running_pid, token_file,
};

/// Whether `pid` runs (a zombie, killed and not yet reaped, does not).
pub(crate) fn alive(pid: u32) -> bool {
    hoist_core::leftovers::alive(pid)
}

/// Read the token file, or make one (hex of 32 random bytes, 0600).
pub fn ensure_token(data: &Path) -> anyhow::Result<(hoist_core::auth::Secret, bool)> {
    let path = token_file(data);
    if let Ok(t) = std::fs::read_to_string(&path) {
        if !t.trim().is_empty() {
            return Ok((hoist_core::auth::Secret::new(t.trim()), false));
        }
    }
    let mut buf = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("cannot read /dev/urandom")?;
    let token = hex::encode(buf);
    hoist_core::fsx::write_atomic_mode(&path, token.as_bytes(), Some(0o600))?;
    Ok((hoist_core::auth::Secret::new(token), true))
}

/// Spawn `exe backend serve ARGS` detached; returns its pid and handle.
pub fn spawn(
    env: &Env,
    exe: &Path,
    data: &Path,
    listen: SocketAddr,
    serve_args: &[String],
) -> anyhow::Result<(u32, std::process::Child)> {
    use std::os::unix::process::CommandExt;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file(data))
        .with_context(|| format!("cannot open {}", log_file(data).display()))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("backend")
        .arg("serve")
        .args(serve_args)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: setsid() is async-signal-safe; it detaches the child from our
    // session and terminal so it outlives this command.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let child = cmd.spawn().context("cannot start the backend")?;
    let pid = child.id();
    hoist_core::fsx::write_atomic(&pid_file(data), pid.to_string().as_bytes())?;
    hoist_core::fsx::write_atomic(&addr_file(data), listen.to_string().as_bytes())?;
    let note = port_note(env, listen.port());
    if let Some(dir) = note.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    hoist_core::fsx::write_atomic(&note, data.to_string_lossy().as_bytes())?;
    Ok((pid, child))
}

/// Who answers HTTP on an address.
#[derive(Debug)]
pub enum Answer {
    /// A hoist backend, with its health.
    Hoist(hoist_api::Health),
    /// Something that is not a hoist backend (or not yet ready to say).
    Other,
}

/// Who answers `GET /api/health` on `addr`; `None` when nothing accepts a
/// connection there.
pub fn answering(addr: SocketAddr) -> Option<Answer> {
    use std::io::Write;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    let req = format!("GET /api/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut raw = Vec::new();
    let read = s
        .set_read_timeout(Some(Duration::from_secs(2)))
        .and_then(|()| s.write_all(req.as_bytes()))
        .and_then(|()| s.take(1 << 20).read_to_end(&mut raw));
    if read.is_err() {
        return Some(Answer::Other);
    }
    let text = String::from_utf8_lossy(&raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Some(Answer::Other);
    };
    if !head.starts_with("HTTP/1.1 200") {
        return Some(Answer::Other);
    }
    Some(match serde_json::from_str::<hoist_api::Health>(body) {
        Ok(h) => Answer::Hoist(h),
        Err(_) => Answer::Other,
    })
}

/// The last `n` non-empty lines of a log file, joined with " / " (empty
/// when it cannot be read: the caller points at the file anyway).
pub fn last_lines(log: &Path, n: usize) -> String {
    let Ok(text) = std::fs::read_to_string(log) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

/// Remove what `spawn` recorded for a backend that did not start: its pid,
/// address and port note. Returns a warning for each file left behind.
pub fn forget(env: &Env, data: &Path, listen: SocketAddr) -> Vec<String> {
    let mut left = Vec::new();
    let mut files = vec![pid_file(data), addr_file(data)];
    match read_note(env, listen.port()) {
        Ok(Some(noted)) if noted == data => files.push(port_note(env, listen.port())),
        Ok(_) => {}
        Err(e) => left.push(format!("{e:#}; the port note is left as it is")),
    }
    for f in files {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => left.push(format!("cannot remove {}: {e}", f.display())),
        }
    }
    left
}

/// SIGTERM, wait up to `grace`, then SIGKILL. True when it had to kill.
pub fn stop(pid: u32, grace: Duration) -> bool {
    // SAFETY: plain kill(2) on a pid we recorded.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let end = Instant::now() + grace;
    while Instant::now() < end {
        if !alive(pid) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    true
}
