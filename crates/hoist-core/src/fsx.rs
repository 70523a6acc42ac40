//! Filesystem helpers shared by every command that writes: atomic writes
//! (temp file in the same directory, fsync, rename) so an interrupted command
//! leaves the previous file intact, never a half-written one.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// The name every temporary file of [`write_atomic`] starts with.
pub(crate) const TMP_BASE: &str = ".hoist-tmp-";

/// Remove the temporary files killed writers left in `dir` (not below it).
pub(crate) fn clean_temps(dir: &Path) {
    crate::leftovers::clean(dir, TMP_BASE, false);
}

/// Remove the file at `path`; one that is already gone is not an error
/// (a cleanup only has to leave it absent).
pub fn remove_file(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Remove the directory tree at `path`; one that is already gone is not an
/// error.
pub fn remove_dir_all(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Write `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_mode(path, bytes, None)
}

/// Like `write_atomic`, with unix permission bits set before the rename
/// (e.g. 0o600 for credentials, so the file is never readable by others).
/// Elsewhere `mode` has no meaning and is not used.
#[cfg_attr(not(unix), allow(unused_variables))]
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: Option<u32>) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    // `.hoist-tmp-<pid>-…`: a killed writer's file is told from a live
    // one's by its pid (see `leftovers`).
    let prefix = crate::leftovers::prefix(TMP_BASE);
    let mut tmp = shared_temp(&prefix)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    // Replacing a file keeps its permissions (a hoist.yaml someone made
    // group-writable stays so).
    #[cfg(unix)]
    let mode = mode.or_else(|| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    });
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set permissions on {}", tmp.path().display()))?;
    }
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// A temp-file builder whose files get the permissions of an ordinary new
/// file (0666 less the umask) rather than tempfile's private 0600, for
/// files that are renamed into place and read by others (build contexts,
/// stores shared between users, downloads).
pub(crate) fn shared_temp(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A killed writer's temporary (a dead pid in its name) is removed by
    /// `clean_temps`; a live one's and the written file stay.
    #[test]
    fn temporaries_carry_the_pid_and_dead_ones_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(&dir.path().join("a.json"), b"{}").unwrap();
        let dead = dir.path().join(format!("{TMP_BASE}4000000000-abcdef"));
        let live = dir
            .path()
            .join(format!("{}xyz", crate::leftovers::prefix(TMP_BASE)));
        std::fs::write(&dead, b"partial").unwrap();
        std::fs::write(&live, b"in progress").unwrap();
        clean_temps(dir.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert_eq!(std::fs::read(dir.path().join("a.json")).unwrap(), b"{}");
    }
}
