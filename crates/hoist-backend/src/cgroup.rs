//! Best-effort memory limits with cgroup v2: when `/sys/fs/cgroup` is a
//! writable cgroup v2 hierarchy with the memory controller, each worker goes
//! into `/sys/fs/cgroup/hoist-backend/<pid>/` with `memory.max` set to its
//! function's `memory_mb`. A host without such a hierarchy is skipped
//! quietly, and a limit that fails to apply is reported on stderr (the
//! runtime's own heap flag still applies); docs/backend.md says so.

use std::path::Path;

/// Put `pid` under a memory limit of `memory_mb` MiB, if the system allows.
/// Hosts without a writable cgroup v2 hierarchy skip it quietly; a limit
/// that fails to apply where the hierarchy is writable is said on stderr.
pub(crate) fn limit(_data: &Path, pid: u32, memory_mb: i64) {
    let root = Path::new("/sys/fs/cgroup");
    let Ok(controllers) = std::fs::read_to_string(root.join("cgroup.controllers")) else {
        return;
    };
    if !controllers.split_whitespace().any(|c| c == "memory") {
        return;
    }
    let parent = root.join("hoist-backend");
    if std::fs::create_dir_all(&parent).is_err() {
        return;
    }
    if let Err(e) = apply(&parent, pid, memory_mb) {
        eprintln!("hoist backend: worker {pid} runs without a cgroup memory limit: {e:#}");
    }
}

/// Enable the memory controller under `parent` and move `pid` into its own
/// group there with `memory.max` set.
fn apply(parent: &Path, pid: u32, memory_mb: i64) -> anyhow::Result<()> {
    use anyhow::Context;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    let subtree = parent.join("cgroup.subtree_control");
    let enabled = std::fs::read_to_string(&subtree)
        .with_context(|| format!("cannot read {}", subtree.display()))?;
    if !enabled.split_whitespace().any(|c| c == "memory") {
        write(&subtree, "+memory".into())?;
    }
    let dir = parent.join(pid.to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bytes = (memory_mb.max(16) as u64) << 20;
    // A worker gets a little headroom over its heap flag for code and stacks.
    write(&dir.join("memory.max"), (bytes + (bytes / 4)).to_string())?;
    write(&dir.join("cgroup.procs"), pid.to_string())
}
