//! Records of chunked registry uploads in progress, so that a push killed
//! mid-layer resumes where the registry is instead of sending the layer
//! again: `.hoist/uploads/registry-<hash>.json` holds the registry,
//! repository, blob digest and size, the upload session URL and the offset
//! the registry last confirmed. It is written atomically when the session
//! starts and after every chunk the registry takes, and removed when the
//! blob is complete (or the session is refused). The next push of the same
//! blob asks the registry how much it holds (GET on the session URL, a
//! `Range: 0-N` answer) and goes on from there; a record whose session the
//! registry forgot is dropped and the blob starts again.
//!
//! The session URL is the registry's (it carries upload state, never
//! hoist's credentials); the file is 0600 all the same.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::report::Reporter;

/// One upload session of one blob.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    registry: String,
    repo: String,
    digest: String,
    size: u64,
    url: String,
    offset: u64,
}

/// Where the record of one blob's upload lives.
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    path: PathBuf,
    registry: String,
    repo: String,
    digest: String,
    size: u64,
    /// Who hears of a record that cannot be read, written or removed.
    reporter: Arc<dyn Reporter>,
}

impl Journal {
    /// The record for `digest` (`size` bytes) going to `registry/repo`,
    /// kept under `dir` (the project's `.hoist/uploads`).
    pub(crate) fn new(
        dir: &Path,
        registry: &str,
        repo: &str,
        digest: &str,
        size: u64,
        reporter: Arc<dyn Reporter>,
    ) -> Journal {
        let mut h = Sha256::new();
        for part in [registry, repo, digest] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let hex = hex::encode(h.finalize());
        Journal {
            path: dir.join(format!("registry-{}.json", &hex[..32])),
            registry: registry.to_string(),
            repo: repo.to_string(),
            digest: digest.to_string(),
            size,
            reporter,
        }
    }

    /// The recorded session `(url, offset)`, when one is recorded for this
    /// very blob. No record is `Ok(None)`; one that cannot be read or
    /// decoded is an error.
    pub(crate) fn read(&self) -> anyhow::Result<Option<(String, u64)>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", self.path.display()))
            }
        };
        let r: Record = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not an upload record", self.path.display()))?;
        Ok((r.registry == self.registry
            && r.repo == self.repo
            && r.digest == self.digest
            && r.size == self.size
            && r.offset <= r.size)
            .then_some((r.url, r.offset)))
    }

    /// Record that the session at `url` holds `offset` bytes.
    pub(crate) fn write(&self, url: &str, offset: u64) -> anyhow::Result<()> {
        let r = Record {
            registry: self.registry.clone(),
            repo: self.repo.clone(),
            digest: self.digest.clone(),
            size: self.size,
            url: url.to_string(),
            offset,
        };
        let bytes = serde_json::to_vec(&r).context("cannot encode the upload record")?;
        crate::fsx::write_atomic_mode(&self.path, &bytes, Some(0o600))
    }

    /// Forget the session (the blob is complete, or the session is gone).
    pub(crate) fn forget(&self) -> anyhow::Result<()> {
        crate::fsx::remove_file(&self.path)
    }

    /// [`Journal::read`] for a caller that goes on regardless: a record
    /// that cannot be read is a warning, and the upload starts afresh.
    pub(crate) fn load(&self) -> Option<(String, u64)> {
        match self.read() {
            Ok(found) => found,
            Err(e) => {
                self.reporter
                    .warn(&format!("{e:#}; the upload starts from the beginning"));
                None
            }
        }
    }

    /// [`Journal::write`] for a caller that goes on regardless: a record
    /// that cannot be written only costs a later resume, and is a warning.
    pub(crate) fn save(&self, url: &str, offset: u64) {
        if let Err(e) = self.write(url, offset) {
            self.reporter
                .warn(&format!("{e:#}; a killed push will upload this blob again"));
        }
    }

    /// [`Journal::forget`] for a caller that goes on regardless: a record
    /// left behind is a warning (the next push finds its session gone).
    pub(crate) fn remove(&self) {
        if let Err(e) = self.forget() {
            self.reporter
                .warn(&format!("{e:#}; the upload record is left behind"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_read_back_only_for_its_own_blob() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(
            dir.path(),
            "r:5000",
            "hello",
            "sha256:aa",
            100,
            Arc::new(crate::report::Silent),
        );
        assert_eq!(j.load(), None);
        j.save("http://r:5000/v2/hello/blobs/uploads/x?_state=1", 64);
        assert_eq!(
            j.load(),
            Some(("http://r:5000/v2/hello/blobs/uploads/x?_state=1".into(), 64))
        );
        // Same file name only for the same blob; another size is refused.
        let other = Journal::new(
            dir.path(),
            "r:5000",
            "hello",
            "sha256:aa",
            99,
            Arc::new(crate::report::Silent),
        );
        assert_eq!(other.load(), None);
        j.remove();
        assert_eq!(j.load(), None);
    }
}
