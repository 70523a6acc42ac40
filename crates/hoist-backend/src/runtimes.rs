//! Finding and installing the JavaScript runtimes workers run on: node from
//! PATH; deno and bun from PATH, then `<data>/runtimes/node_modules/.bin/`,
//! installed there on first use with `npm install --prefix <data>/runtimes`
//! when npm exists (one install at a time).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use anyhow::Context;

use hoist_core::env::Env;

/// The runtimes the backend runs.
pub(crate) const RUNTIMES: [&str; 3] = ["node", "deno", "bun"];

/// A runtime name read back from the database.
pub(crate) fn parse(name: &str) -> super::errors::ApiResult<hoist_api::Runtime> {
    hoist_api::Runtime::parse(name).ok_or_else(|| {
        super::errors::ApiError::internal(format!("the database names an unknown runtime `{name}`"))
    })
}

static INSTALL: Mutex<()> = Mutex::new(());

/// An executable called `name` on PATH.
pub(crate) fn on_path(env: &Env, name: &str) -> Option<PathBuf> {
    let path = env.var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Where `runtime` is, without installing anything.
pub(crate) fn find(env: &Env, data: &Path, runtime: &str) -> Option<PathBuf> {
    if let Some(p) = on_path(env, runtime) {
        return Some(p);
    }
    if runtime == "node" {
        return None;
    }
    let local = data.join("runtimes/node_modules/.bin").join(runtime);
    is_executable(&local).then_some(local)
}

/// `runtime --version`, first line, e.g. `v20.20.2` or `1.2.3`.
pub fn version(bin: &Path) -> Option<String> {
    let out = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?.trim();
    // `deno 2.1.4 (stable, ...)` → `2.1.4`
    let v = first.strip_prefix("deno ").unwrap_or(first);
    Some(v.split_whitespace().next().unwrap_or(v).to_string())
}

/// Install deno or bun under `<data>/runtimes` with npm. `quiet` sends npm's
/// output nowhere (the server), else to our stderr (the CLI).
pub fn install(env: &Env, data: &Path, runtime: &str, quiet: bool) -> anyhow::Result<PathBuf> {
    if !matches!(runtime, "deno" | "bun") {
        anyhow::bail!("only deno and bun can be installed (node comes from PATH)");
    }
    let _guard = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = find(env, data, runtime) {
        if version(&p).is_some() {
            return Ok(p);
        }
    }
    let npm = on_path(env, "npm").context("npm is not on PATH")?;
    let prefix = data.join("runtimes");
    std::fs::create_dir_all(&prefix)
        .with_context(|| format!("cannot create {}", prefix.display()))?;
    let mut cmd = Command::new(npm);
    cmd.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(runtime)
        .stdin(Stdio::null());
    if quiet {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    } else {
        cmd.stdout(Stdio::from(std::io::stderr()));
    }
    let status = cmd.status().context("cannot run npm")?;
    if !status.success() {
        anyhow::bail!("npm install {runtime} failed ({status})");
    }
    let bin = prefix.join("node_modules/.bin").join(runtime);
    match version(&bin) {
        Some(_) => Ok(bin),
        None => anyhow::bail!("{} was installed but does not run", bin.display()),
    }
}
