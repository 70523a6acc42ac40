//! The files through which a local backend and its clients find each
//! other: the data directory `hoist backend start` uses, and in it the
//! token, pid, address and log of the running backend, plus the notes of
//! which data directory serves which port. `backend start|stop|status`
//! write and read them, and so does the `selfhosted` target, which sends a
//! local backend's own token; neither reaches into the other for them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::env::Env;

/// Default data directory: `$XDG_DATA_HOME/hoist/backend` or
/// `~/.local/share/hoist/backend`.
pub fn default_data_dir(env: &Env) -> PathBuf {
    match env.var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x).join("hoist/backend"),
        None => dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(".local/share/hoist/backend"),
    }
}

/// Files of a data directory.
pub fn pid_file(data: &Path) -> PathBuf {
    data.join("backend.pid")
}
pub fn log_file(data: &Path) -> PathBuf {
    data.join("backend.log")
}
pub fn token_file(data: &Path) -> PathBuf {
    data.join("token")
}
pub fn addr_file(data: &Path) -> PathBuf {
    data.join("backend.addr")
}
/// Where `start` notes which data directory's backend listens on a port
/// (`<port>` holding the directory's path), so the selfhosted target finds
/// that backend's token whatever `--data-dir` it was started with.
pub fn port_note(env: &Env, port: u16) -> PathBuf {
    let base = default_data_dir(env);
    base.with_file_name("backend-ports").join(port.to_string())
}

/// The data directory noted for `port`: `None` when no note is there (or
/// it holds no absolute path); a note that cannot be read is an error.
pub fn read_note(env: &Env, port: u16) -> anyhow::Result<Option<PathBuf>> {
    let path = port_note(env, port);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let dir = PathBuf::from(text.trim());
    Ok(dir.is_absolute().then_some(dir))
}

/// The data directory noted for `port`, for callers that only look for a
/// backend to reuse: a note that cannot be read names none, and they fall
/// back to the default data directory (see [`read_note`] for the error).
pub fn noted_data_dir(env: &Env, port: u16) -> Option<PathBuf> {
    read_note(env, port).ok().flatten()
}

/// Present while the running backend uses [`token_file`] (not a
/// `--token-file` or `HOIST_BACKEND_TOKEN` of its own).
pub fn own_token_marker(data: &Path) -> PathBuf {
    data.join("backend.own-token")
}

/// The pid in `<data>/backend.pid` when that process is alive.
///
/// No file, or one that names no pid (a start that failed half-way), is no
/// running backend: `start` records a new one, `status` says stopped.
pub fn running_pid(data: &Path) -> Option<u32> {
    let Ok(text) = std::fs::read_to_string(pid_file(data)) else {
        return None;
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return None;
    };
    crate::leftovers::alive(pid).then_some(pid)
}

/// The address the running backend listens on (recorded by `start`).
/// None when `start` recorded none (callers then use the address they
/// were given).
pub fn recorded_addr(data: &Path) -> Option<SocketAddr> {
    let Ok(text) = std::fs::read_to_string(addr_file(data)) else {
        return None;
    };
    text.trim().parse().ok() // silent: a file naming no address records none
}
