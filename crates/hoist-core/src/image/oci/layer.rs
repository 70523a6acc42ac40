//! Deterministic image layers: a set of entries (files from the build
//! context, bytes from another stage, directories, symlinks) written as a
//! tar with sorted paths, GNU headers, the fixed mtime, numeric owners and
//! empty owner names, hashed (the diff_id) and gzip-compressed by the
//! bundle's parallel writer (fixed header, output independent of the thread
//! count) in the same pass; the digest is that of the gzip. Reusing a layer
//! across builds is the caller's business (see `native`'s bundle-keyed
//! lookup).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use super::spec::OCI_LAYER_GZIP;
use super::store::BlobStore;

/// Where an entry's content comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    File(PathBuf),
    Bytes(Arc<Vec<u8>>),
    Dir,
    Symlink(String),
}

/// One entry of a layer.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) source: Source,
    pub(crate) mode: u32,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
}

/// Entries by path (relative to `/`, no leading or trailing slash).
pub(crate) type Entries = BTreeMap<String, Entry>;

/// A finished layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layer {
    pub(crate) digest: String,
    pub(crate) size: u64,
    pub(crate) diff_id: String,
    pub(crate) media_type: String,
}

/// gzip level of layers: fixed, because it is part of the layer's digest.
pub(crate) const LEVEL: u32 = 6;

/// The tar stream going both into the diff_id hash and the compressor.
struct Tee<'a, W: Write> {
    hasher: &'a mut Sha256,
    inner: &'a mut W,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Write `entries` as a layer into `cache`: one pass that tars, hashes
/// the tar (diff_id) and compresses it on every core at once.
pub(crate) fn build(entries: &Entries, mtime: u64, cache: &BlobStore) -> anyhow::Result<Layer> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(16);
    let cfg = crate::bundle::pgzip::GzConfig {
        threads,
        level: LEVEL,
        block_size: crate::bundle::BLOCK_SIZE,
        limit: None,
    };
    let mut gz = crate::bundle::pgzip::GzWriter::new(cache.writer()?, &cfg)?;
    let mut hasher = Sha256::new();
    let written = (|| -> anyhow::Result<()> {
        let mut tar = tar::Builder::new(Tee {
            hasher: &mut hasher,
            inner: &mut gz,
        });
        for (path, e) in entries {
            crate::interrupt::check()?;
            append(&mut tar, path, e, mtime)?;
        }
        tar.finish().context("cannot write a layer")?;
        Ok(())
    })();
    if let Err(e) = written {
        return Err(gz.abort().unwrap_or(e));
    }
    let diff_id = crate::digest::Digest::finish(hasher).to_string();
    let (writer, _) = gz.finish()?;
    let (digest, size) = writer.finish()?;
    Ok(Layer {
        digest,
        size,
        diff_id,
        media_type: OCI_LAYER_GZIP.into(),
    })
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    e: &Entry,
    mtime: u64,
) -> anyhow::Result<()> {
    let mut h = Header::new_gnu();
    h.set_mtime(mtime);
    h.set_uid(e.uid);
    h.set_gid(e.gid);
    h.set_mode(e.mode & 0o7777);
    // Owner names stay empty: numeric ids only.
    match &e.source {
        Source::Dir => {
            h.set_entry_type(EntryType::Directory);
            h.set_size(0);
            tar.append_data(&mut h, format!("{path}/"), std::io::empty())
                .with_context(|| format!("cannot add {path}/ to a layer"))?;
        }
        Source::Symlink(target) => {
            h.set_entry_type(EntryType::Symlink);
            h.set_size(0);
            tar.append_link(&mut h, path, target)
                .with_context(|| format!("cannot add {path} to a layer"))?;
        }
        Source::Bytes(b) => {
            h.set_entry_type(EntryType::Regular);
            h.set_size(b.len() as u64);
            tar.append_data(&mut h, path, b.as_slice())
                .with_context(|| format!("cannot add {path} to a layer"))?;
        }
        Source::File(src) => {
            let f = std::fs::File::open(src)
                .with_context(|| format!("cannot open {}", src.display()))?;
            let len = f.metadata()?.len();
            h.set_entry_type(EntryType::Regular);
            h.set_size(len);
            tar.append_data(&mut h, path, f.take(len))
                .with_context(|| format!("cannot add {} to a layer", src.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_entries_same_digest_and_diff_id_is_the_tar_hash() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "hello").unwrap();
        let cache = BlobStore::new(dir.path().join("cache"));
        let mut entries = Entries::new();
        entries.insert(
            "app/a.txt".into(),
            Entry {
                source: Source::File(f.clone()),
                mode: 0o644,
                uid: 0,
                gid: 0,
            },
        );
        entries.insert(
            "app".into(),
            Entry {
                source: Source::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
            },
        );
        let a = build(&entries, 0, &cache).unwrap();
        let b = build(&entries, 0, &cache).unwrap();
        assert_eq!(a, b);
        // The diff_id is the sha256 of the tar inside the gzip.
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(cache.path(&a.digest)).unwrap())
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(a.diff_id, crate::digest::Digest::of(&tar).to_string());
        assert!(cache.has(&a.digest));
        // Another mtime is another layer.
        let c = build(&entries, 1, &cache).unwrap();
        assert_ne!(a.diff_id, c.diff_id);
        // The blob is a gzip of a tar listing the entries in order.
        let blob = std::fs::File::open(cache.path(&a.digest)).unwrap();
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(blob));
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["app/", "app/a.txt"]);
    }
}
