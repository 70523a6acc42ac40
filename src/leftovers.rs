//! Temporary files and directories that a killed hoist leaves behind
//! (`.hoist-tmp-*` in the local store, `.bundle-*.tar.gz.tmp` beside
//! bundles, `.<function>.stage-*` build staging directories). Their names
//! carry the creating process's id (`<base><pid>-<random>`), so the next
//! run of the same command removes those whose process is gone, and any
//! not written to for [`STALE`] (names from before the pid was embedded
//! are cleaned by age only).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A leftover untouched this long is stale whoever made it.
pub const STALE: Duration = Duration::from_secs(10 * 60);

/// The temp-name prefix for this process: `<base><pid>-`.
pub fn prefix(base: &str) -> String {
    format!("{base}{}-", std::process::id())
}

/// Whether process `pid` still runs on this machine.
pub fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        if pid == 0 || pid > i32::MAX as u32 {
            return false;
        }
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Whether the entry `name` (starting with `base`) at `path` is stale:
/// its process is gone, or it was not modified for [`STALE`].
fn stale(base: &str, name: &str, path: &Path) -> bool {
    let rest = &name[base.len()..];
    let pid = rest
        .split_once('-')
        .and_then(|(p, _)| p.parse::<u32>().ok());
    if let Some(pid) = pid {
        if pid != std::process::id() && !alive(pid) {
            return true;
        }
    }
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age >= STALE)
}

/// Remove the stale entries of `dir` whose names start with `base` (files
/// or whole directories); with `recursive`, in subdirectories too (not
/// following symlinks). Returns what was removed; errors are skipped, as a
/// leftover that cannot be removed now is tried again next time.
pub fn clean(dir: &Path, base: &str, recursive: bool) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in rd.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(ft) = entry.file_type() else { continue };
        if name.starts_with(base) {
            if stale(base, &name, &path) {
                let res = if ft.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                if res.is_ok() {
                    removed.push(path);
                }
            }
        } else if recursive && ft.is_dir() {
            removed.extend(clean(&path, base, true));
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_owners_go_and_live_young_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(".x-4000000000-abc");
        let mine = dir.path().join(format!("{}abc", prefix(".x-")));
        let other = dir.path().join("keep.txt");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, b"").unwrap();
        }
        let removed = clean(dir.path(), ".x-", false);
        assert_eq!(removed, std::slice::from_ref(&dead));
        assert!(mine.exists() && other.exists() && !dead.exists());
    }
}
