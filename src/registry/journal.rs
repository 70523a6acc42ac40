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

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
pub struct Journal {
    path: PathBuf,
    registry: String,
    repo: String,
    digest: String,
    size: u64,
}

impl Journal {
    /// The record for `digest` (`size` bytes) going to `registry/repo`,
    /// kept under `dir` (the project's `.hoist/uploads`).
    pub fn new(dir: &Path, registry: &str, repo: &str, digest: &str, size: u64) -> Journal {
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
        }
    }

    /// The recorded session `(url, offset)`, when one is recorded for this
    /// very blob.
    pub fn load(&self) -> Option<(String, u64)> {
        let bytes = std::fs::read(&self.path).ok()?;
        let r: Record = serde_json::from_slice(&bytes).ok()?;
        (r.registry == self.registry
            && r.repo == self.repo
            && r.digest == self.digest
            && r.size == self.size
            && r.offset <= r.size)
            .then_some((r.url, r.offset))
    }

    /// Record that the session at `url` holds `offset` bytes. A record that
    /// cannot be written only costs a later resume, so errors are ignored.
    pub fn save(&self, url: &str, offset: u64) {
        let r = Record {
            registry: self.registry.clone(),
            repo: self.repo.clone(),
            digest: self.digest.clone(),
            size: self.size,
            url: url.to_string(),
            offset,
        };
        if let Ok(bytes) = serde_json::to_vec(&r) {
            let _ = crate::fsx::write_atomic_mode(&self.path, &bytes, Some(0o600));
        }
    }

    /// Forget the session (the blob is complete, or the session is gone).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_read_back_only_for_its_own_blob() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path(), "r:5000", "hello", "sha256:aa", 100);
        assert_eq!(j.load(), None);
        j.save("http://r:5000/v2/hello/blobs/uploads/x?_state=1", 64);
        assert_eq!(
            j.load(),
            Some(("http://r:5000/v2/hello/blobs/uploads/x?_state=1".into(), 64))
        );
        // Same file name only for the same blob; another size is refused.
        let other = Journal::new(dir.path(), "r:5000", "hello", "sha256:aa", 99);
        assert_eq!(other.load(), None);
        j.remove();
        assert_eq!(j.load(), None);
    }
}
