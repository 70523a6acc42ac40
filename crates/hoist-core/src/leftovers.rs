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
pub(crate) const STALE: Duration = Duration::from_secs(10 * 60);

/// The temp-name prefix for this process: `<base><pid>-`.
pub(crate) fn prefix(base: &str) -> String {
    format!("{base}{}-", std::process::id())
}

/// Whether process `pid` still runs on this machine.
// Elsewhere there is no check: every process is taken to run.
#[cfg_attr(not(unix), allow(unused_variables))]
pub fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        if pid == 0 || pid > i32::MAX as u32 {
            return false;
        }
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
        let exists = rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        exists && !zombie(pid)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// A process that has exited and waits to be reaped (state `Z` or `X` in
/// `/proc/<pid>/stat`) is gone for every purpose of hoist's. Where /proc
/// cannot be read, the signal check alone decides.
#[cfg(unix)]
fn zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may
    // itself hold `)`.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
        .is_some_and(|state| state == 'Z' || state == 'X')
}

/// Whether the entry `name` (starting with `base`) at `path` is stale:
/// its process is gone, or it was not modified for [`STALE`].
fn stale(base: &str, name: &str, path: &Path) -> bool {
    let rest = &name[base.len()..];
    // A name without a pid after `base` (not written by hoist's temp
    // helpers) is judged by its age alone.
    if let Some(Ok(pid)) = rest.split_once('-').map(|(p, _)| p.parse::<u32>()) {
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
pub(crate) fn clean(dir: &Path, base: &str, recursive: bool) -> Vec<PathBuf> {
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
    fn a_killed_process_not_yet_reaped_is_not_alive() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(alive(pid));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        // Not waited for: a zombie until reaped below.
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !zombie(pid) && std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(zombie(pid), "the killed child never showed as a zombie");
        assert!(!alive(pid), "a zombie counts as alive");
        child.wait().unwrap();
    }

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
