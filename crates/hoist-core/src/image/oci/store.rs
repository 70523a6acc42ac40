//! Content-addressed blob stores on disk: the user-wide cache of base image
//! blobs and built layers (`$HOIST_CACHE_DIR`, else `<user cache>/hoist`,
//! under `oci/`), and the project's OCI image layout (`.hoist/oci/`:
//! `oci-layout`, `index.json`, `blobs/sha256/`). A blob only ever appears
//! under its digest after its bytes were hashed; files are written beside
//! their final name and renamed, so a crash leaves no half blob. The layout's
//! index names each function image `<function>:<version>`. Every change
//! to `index.json` is a read-modify-write under an exclusive lock on
//! `index.lock` beside it, so parallel builds in one workspace keep every
//! image.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::spec::{self, Descriptor, Index, REF_NAME};
use crate::env::Env;

/// Whether `digest` is `sha256:` and 64 lower-case hex digits, the only
/// form hoist uses as a file name.
pub(crate) fn is_digest(digest: &str) -> bool {
    crate::registry::reference::validate_digest(digest).is_ok()
}

/// The user cache root: `$HOIST_CACHE_DIR`, else `<cache dir>/hoist`.
pub(crate) fn cache_root(env: &Env) -> PathBuf {
    env.var_os("HOIST_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("hoist")))
        .unwrap_or_else(|| std::env::temp_dir().join("hoist-cache"))
}

/// A directory of blobs named `blobs/sha256/<hex>`.
#[derive(Debug, Clone)]
pub(crate) struct BlobStore {
    pub(crate) root: PathBuf,
}

impl BlobStore {
    pub(crate) fn new(root: impl Into<PathBuf>) -> BlobStore {
        BlobStore { root: root.into() }
    }

    /// The user-wide cache of blobs.
    pub(crate) fn cache(env: &Env) -> BlobStore {
        BlobStore::new(cache_root(env).join("oci"))
    }

    /// Where blob `digest` lives. Only a valid digest ([`is_digest`]) names
    /// a file in the store; anything else (say `sha256:../../x` from a
    /// hostile manifest) maps to `blobs/invalid-digest`, which is never
    /// written, so no digest can name a path outside the store.
    pub(crate) fn path(&self, digest: &str) -> PathBuf {
        match digest.strip_prefix("sha256:") {
            Some(hex) if is_digest(digest) => self.root.join("blobs").join("sha256").join(hex),
            _ => self.root.join("blobs").join("invalid-digest"),
        }
    }

    pub(crate) fn has(&self, digest: &str) -> bool {
        is_digest(digest) && self.path(digest).is_file()
    }

    fn dir(&self) -> anyhow::Result<PathBuf> {
        let d = self.root.join("blobs").join("sha256");
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
        Ok(d)
    }

    /// Store `bytes`, returning their digest.
    pub(crate) fn put_bytes(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let digest = spec::digest_of(bytes);
        if !self.has(&digest) {
            crate::fsx::write_atomic(&self.path(&digest), bytes)?;
        }
        Ok(digest)
    }

    pub(crate) fn read(&self, digest: &str) -> anyhow::Result<Vec<u8>> {
        if !is_digest(digest) {
            anyhow::bail!("`{}` is not a sha256 digest", digest.escape_debug());
        }
        let p = self.path(digest);
        let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let actual = spec::digest_of(&bytes);
        if actual != digest {
            anyhow::bail!(
                "{} holds {actual}, not {digest}: the store is damaged; delete the file and build again",
                p.display()
            );
        }
        Ok(bytes)
    }

    /// A writer for a new blob in this store; [`BlobWriter::finish`] names it.
    pub(crate) fn writer(&self) -> anyhow::Result<BlobWriter> {
        let dir = self.dir()?;
        let file = tempfile::Builder::new()
            .prefix(".partial-")
            .tempfile_in(&dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        Ok(BlobWriter {
            file,
            hasher: Sha256::new(),
            size: 0,
            store: self.clone(),
        })
    }

    /// Make blob `digest` of `other` available here: a hard link when both
    /// are on one filesystem, else a copy (checked on the way).
    pub(crate) fn import(&self, other: &BlobStore, digest: &str) -> anyhow::Result<()> {
        if !is_digest(digest) {
            anyhow::bail!("`{}` is not a sha256 digest", digest.escape_debug());
        }
        if self.has(digest) {
            return Ok(());
        }
        let src = other.path(digest);
        let dst = self.path(digest);
        self.dir()?;
        if std::fs::hard_link(&src, &dst).is_ok() {
            return Ok(());
        }
        let mut w = self.writer()?;
        let mut f =
            std::fs::File::open(&src).with_context(|| format!("cannot open {}", src.display()))?;
        std::io::copy(&mut f, &mut w).with_context(|| format!("cannot copy {}", src.display()))?;
        let (got, _) = w.finish()?;
        if got != digest {
            anyhow::bail!("{} holds {got}, not {digest}", src.display());
        }
        Ok(())
    }
}

/// A blob being written: hashed as it goes, renamed on finish.
pub(crate) struct BlobWriter {
    file: tempfile::NamedTempFile,
    hasher: Sha256,
    size: u64,
    store: BlobStore,
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl BlobWriter {
    /// Name the blob by its digest; returns (digest, size).
    pub(crate) fn finish(mut self) -> anyhow::Result<(String, u64)> {
        self.file.flush()?;
        // On disk before it has a name: a crash must not leave a named
        // blob whose bytes never reached the disk.
        self.file
            .as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", self.file.path().display()))?;
        let digest = crate::digest::Digest::finish(self.hasher).to_string();
        let dst = self.store.path(&digest);
        if dst.is_file() {
            return Ok((digest, self.size));
        }
        self.file
            .persist(&dst)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", dst.display()))?;
        Ok((digest, self.size))
    }
}

/// An OCI image layout directory.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) blobs: BlobStore,
}

impl Layout {
    /// Open (creating when needed) the layout at `dir`.
    pub(crate) fn open(dir: &Path) -> anyhow::Result<Layout> {
        std::fs::create_dir_all(dir.join("blobs").join("sha256"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let marker = dir.join("oci-layout");
        if !marker.is_file() {
            crate::fsx::write_atomic(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        let layout = Layout {
            blobs: BlobStore::new(dir),
        };
        let _lock = layout.lock()?;
        // Killed writers' temporaries (index, blobs) go under the lock.
        crate::fsx::clean_temps(dir);
        crate::fsx::clean_temps(&dir.join("blobs").join("sha256"));
        if !dir.join("index.json").is_file() {
            layout.write_index(&Index {
                schema_version: 2,
                media_type: spec::OCI_INDEX.into(),
                manifests: Vec::new(),
                annotations: BTreeMap::new(),
            })?;
        }
        Ok(layout)
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.blobs.root
    }

    /// The lock every index update holds.
    fn lock(&self) -> anyhow::Result<crate::lockfile::FileLock> {
        crate::lockfile::FileLock::exclusive(&self.dir().join("index.lock"))
    }

    pub(crate) fn index(&self) -> anyhow::Result<Index> {
        let p = self.dir().join("index.json");
        let text = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        parse_index(&text).with_context(|| format!("{} is not an OCI index", p.display()))
    }

    fn write_index(&self, index: &Index) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(index)?;
        bytes.push(b'\n');
        crate::fsx::write_atomic(&self.dir().join("index.json"), &bytes)
    }

    /// Point `name` at `manifest` in index.json, replacing an older entry
    /// of that name; entries stay sorted by name.
    pub(crate) fn tag(&self, name: &str, mut manifest: Descriptor) -> anyhow::Result<()> {
        let _lock = self.lock()?;
        let mut index = self.index()?;
        index
            .manifests
            .retain(|d| d.annotations.get(REF_NAME).map(String::as_str) != Some(name));
        manifest.annotations.insert(REF_NAME.into(), name.into());
        index.manifests.push(manifest);
        index.manifests.sort_by(|a, b| {
            a.annotations
                .get(REF_NAME)
                .cmp(&b.annotations.get(REF_NAME))
        });
        self.write_index(&index)
    }

    /// The manifest descriptor named `name`.
    pub fn find(&self, name: &str) -> anyhow::Result<Option<Descriptor>> {
        Ok(self
            .index()?
            .manifests
            .into_iter()
            .find(|d| d.annotations.get(REF_NAME).map(String::as_str) == Some(name)))
    }
}

/// The layout directory of a project: `registry.layout`, else `.hoist/oci`.
/// Parse the bytes of an OCI layout's `index.json`. Public for the fuzz
/// targets.
pub fn parse_index(bytes: &[u8]) -> anyhow::Result<Index> {
    Ok(serde_json::from_slice(bytes)?)
}

pub(crate) fn layout_dir(project: &crate::config::Project) -> PathBuf {
    match &project.config.registry.layout {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => project.root.join(p),
        None => project.state_dir().join("oci"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_valid_digests_name_files_in_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let d = store.put_bytes(b"hello").unwrap();
        assert!(store.has(&d));
        assert_eq!(
            store.path(&d),
            dir.path()
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:"))
        );
        std::fs::write(dir.path().join("secret"), b"x").unwrap();
        for bad in [
            "sha256:../../secret",
            "../secret",
            "sha512:abcd",
            &d.to_uppercase().replace("SHA256", "sha256"),
            "sha256:/etc/passwd",
        ] {
            assert!(!store.has(bad), "{bad}");
            assert!(
                store.path(bad).starts_with(dir.path().join("blobs")),
                "{bad}"
            );
            assert!(store.read(bad).is_err(), "{bad}");
        }
    }
}
