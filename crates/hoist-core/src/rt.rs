//! The process's one async runtime. `main` builds it and installs its
//! handle here before a command runs; synchronous code (commands, the S3
//! store, the registry client, the targets, the backend's server) blocks
//! on futures through that one handle, never a runtime of its own.

use std::sync::OnceLock;

use anyhow::Context;
use tokio::runtime::Handle;

static HANDLE: OnceLock<Handle> = OnceLock::new();

/// Make `h` the runtime every part of hoist uses (once, from `main`).
pub fn install(h: Handle) -> anyhow::Result<()> {
    HANDLE
        .set(h)
        .map_err(|_| anyhow::anyhow!("the async runtime was installed twice"))
}

/// The installed runtime's handle.
pub fn handle() -> anyhow::Result<&'static Handle> {
    HANDLE
        .get()
        .context("no async runtime is installed (hoist's main installs it before a command runs)")
}
