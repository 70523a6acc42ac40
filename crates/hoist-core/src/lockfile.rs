//! Advisory file locks (`flock(2)`) for read-modify-write updates that
//! parallel hoist processes share, such as the OCI layout's `index.json`
//! when CI matrix jobs build in one workspace. The lock file is created
//! beside the data and never deleted (deleting it would let two processes
//! lock two different files); the kernel drops the lock when the holder
//! exits, so a killed process never leaves it held.

use std::fs::File;
use std::path::Path;

use anyhow::Context;

/// An exclusive lock held until dropped.
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

impl FileLock {
    /// Block until `path` (created when missing) is locked exclusively.
    pub(crate) fn exclusive(path: &Path) -> anyhow::Result<FileLock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        lock(&file).with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(FileLock { _file: file })
    }
}

#[cfg(unix)]
fn lock(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock on a descriptor this function borrows; no memory
        // is shared with the kernel.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

#[cfg(not(unix))]
fn lock(_file: &File) -> std::io::Result<()> {
    Ok(())
}
