//! Best-effort memory limits with cgroup v2: when `/sys/fs/cgroup` is a
//! writable cgroup v2 hierarchy with the memory controller, each worker goes
//! into `/sys/fs/cgroup/hoist-backend/<pid>/` with `memory.max` set to its
//! function's `memory_mb`. Any failure is ignored (the runtime's own heap
//! flag still applies); docs/backend.md says so.

use std::path::Path;

/// Put `pid` under a memory limit of `memory_mb` MiB, if the system allows.
pub fn limit(_data: &Path, pid: u32, memory_mb: i64) {
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
    let _ = std::fs::write(parent.join("cgroup.subtree_control"), "+memory");
    let dir = parent.join(pid.to_string());
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let bytes = (memory_mb.max(16) as u64) << 20;
    // A worker gets a little headroom over its heap flag for code and stacks.
    let _ = std::fs::write(dir.join("memory.max"), (bytes + (bytes / 4)).to_string());
    let _ = std::fs::write(dir.join("cgroup.procs"), pid.to_string());
}
