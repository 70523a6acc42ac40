//! The bundle cache: lets `hoist build` and `hoist push` reuse the archive
//! an earlier run wrote when the function's files have not changed, instead
//! of reading and compressing them again.
//!
//! The key is a sha256 over the walked entry list (so a changed ignore rule
//! or glob that adds or drops a file changes it) and, per entry, what
//! `lstat` says: size, mode, mtime, ctime, inode and device, plus the
//! options that shape the archive's bytes. Writing a file, `touch`, `chmod`
//! or replacing it all move its ctime, which no program can set back.
//!
//! A file changed in the same clock tick as the walk could keep its
//! timestamps (git's "racy" case), so a key is only recorded when every
//! entry's mtime and ctime are at least 2 seconds ([`RACY_NANOS`]) older than the
//! walk; otherwise the next run bundles again. The cache lives in
//! `.hoist/bundles/<fn>/cache.json`; deleting it, or `HOIST_BUNDLE_CACHE=0`,
//! makes every run bundle from scratch.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::walk::{path_bytes, Entry, Kind};
use super::{BundleManifest, BundleOptions, BundleOutput, BLOCK_SIZE, LEVEL};
use crate::env::Env;

/// Entries touched less than this long before the walk are not trusted.
pub(crate) const RACY_NANOS: i128 = 2_000_000_000;

/// Bump when the archive format changes, so old cache entries miss.
const FORMAT: u32 = 1;

/// The file in a function's bundle directory that holds the cache entry.
pub(crate) const FILE: &str = "cache.json";

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    key: String,
    digest: String,
    /// Size of the archive file when the record was written.
    archive_size: u64,
    /// The archive file's own stamp: any write to it after the record
    /// (even one keeping its size) moves its ctime and misses the cache.
    #[serde(default)]
    archive_stamp: Vec<i64>,
}

/// The key of a walk, and whether it may be recorded.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) key: String,
    /// False when some entry changed too recently to be trusted.
    pub(crate) recordable: bool,
}

impl Key {
    /// The key of a graph bundle: the walk's key plus the layout its
    /// manifest records (the entrypoint and import map inside the bundle,
    /// the remote specifiers).
    pub(crate) fn salted(self, layout: &super::Layout) -> Key {
        if layout.entrypoint.is_none() && layout.import_map.is_none() && layout.remote.is_empty() {
            return self;
        }
        let mut sha = Sha256::new();
        sha.update(self.key.as_bytes());
        for part in [&layout.entrypoint, &layout.import_map] {
            let p = part.as_deref().unwrap_or("");
            sha.update((p.len() as u64).to_le_bytes());
            sha.update(p.as_bytes());
        }
        for r in &layout.remote {
            sha.update((r.len() as u64).to_le_bytes());
            sha.update(r.as_bytes());
        }
        Key {
            key: hex::encode(sha.finalize()),
            recordable: self.recordable,
        }
    }
}

/// Whether the cache is switched on (`HOIST_BUNDLE_CACHE=0` turns it off).
pub(crate) fn enabled(env: &Env) -> bool {
    !matches!(
        env.var("HOIST_BUNDLE_CACHE").as_deref(),
        Some("0") | Some("false") | Some("no") | Some("off")
    )
}

/// Compute the key of `entries` under `dir`. An entry that cannot be
/// stat-ed gives `None`: the caller bundles and reports the real error.
pub(crate) fn key(dir: &Path, entries: &[Entry], opts: &BundleOptions) -> Option<Key> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let mut sha = Sha256::new();
    sha.update(format!(
        "hoist-bundle {FORMAT} {} level={LEVEL} block={BLOCK_SIZE} mtime={} node_modules={}\n",
        env!("CARGO_PKG_VERSION"),
        opts.mtime,
        opts.keep_node_modules
    ));
    let mut recordable = true;
    for e in entries {
        let path = path_bytes(&e.rel);
        sha.update((path.len() as u64).to_le_bytes());
        sha.update(&path);
        match &e.kind {
            Kind::Dir => sha.update(b"d"),
            Kind::File { size, executable } => {
                sha.update(b"f");
                sha.update(size.to_le_bytes());
                sha.update([*executable as u8]);
            }
            Kind::Symlink { target } => {
                let t = path_bytes(target);
                sha.update(b"l");
                sha.update((t.len() as u64).to_le_bytes());
                sha.update(&t);
            }
        }
        let stamp = match &e.meta {
            Some(meta) => stamp(meta),
            // Directories and links made by hand (graph and workspace
            // bundles) hold no data beyond what is hashed above: their
            // stamps would only move with unrelated files.
            None if matches!(e.kind, Kind::Dir | Kind::Symlink { .. }) => continue,
            None => stamp(&std::fs::symlink_metadata(dir.join(&e.rel)).ok()?),
        };
        for v in stamp.numbers {
            sha.update(v.to_le_bytes());
        }
        if stamp.newest_nanos > now - RACY_NANOS {
            recordable = false;
        }
    }
    Some(Key {
        key: hex::encode(sha.finalize()),
        recordable,
    })
}

struct Stamp {
    numbers: [i64; 8],
    /// The later of mtime and ctime, in nanoseconds since the epoch.
    newest_nanos: i128,
}

#[cfg(unix)]
fn stamp(meta: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    Stamp {
        numbers: [
            meta.size() as i64,
            meta.mode() as i64,
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            meta.ino() as i64,
            meta.dev() as i64,
        ],
        newest_nanos: (meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128)
            .max(meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128),
    }
}

#[cfg(not(unix))]
fn stamp(meta: &std::fs::Metadata) -> Stamp {
    let secs = |t: std::io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| (d.as_secs() as i64, d.subsec_nanos() as i64))
            .unwrap_or((i64::MAX, 0))
    };
    let (m, mn) = secs(meta.modified());
    let (c, cn) = secs(meta.created());
    Stamp {
        numbers: [meta.len() as i64, 0, m, mn, c, cn, 0, 0],
        newest_nanos: (m as i128 * 1_000_000_000 + mn as i128)
            .max(c as i128 * 1_000_000_000 + cn as i128),
    }
}

/// The bundle recorded under `key` in `out_dir`, when its archive and
/// manifest are still there and the archive has not been touched since it
/// was written (same size, inode, mtime and ctime). `Ok(None)` is a miss;
/// a record or manifest that cannot be read or decoded is an error (the
/// caller bundles again and says why).
pub(crate) fn lookup(out_dir: &Path, key: &Key) -> anyhow::Result<Option<BundleOutput>> {
    let Some(record) = read_json::<Record>(&out_dir.join(FILE))? else {
        return Ok(None);
    };
    if record.key != key.key || !is_digest(&record.digest) {
        return Ok(None);
    }
    let archive = out_dir.join(format!("{}.tar.gz", record.digest));
    let manifest_path = out_dir.join(format!("{}.json", record.digest));
    // An archive removed or replaced since is a miss like any other change.
    let Ok(meta) = std::fs::symlink_metadata(&archive) else {
        return Ok(None);
    };
    let size = meta.len();
    if !meta.is_file() || record.archive_stamp != stamp(&meta).numbers.to_vec() {
        return Ok(None);
    }
    let Some(manifest) = read_json::<BundleManifest>(&manifest_path)? else {
        return Ok(None);
    };
    if size != record.archive_size
        || manifest.compressed_size != size
        || manifest.digest != record.digest
    {
        return Ok(None);
    }
    Ok(Some(BundleOutput {
        archive,
        manifest_path,
        manifest,
        cached: true,
        warnings: Vec::new(),
    }))
}

/// The JSON document at `path`, `None` when there is no such file.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .with_context(|| format!("{} is not a valid bundle cache file", path.display()))
}

/// Remember that `key` bundles to `out` (or forget the record when `key`
/// may not be recorded). A failure only costs the next run a re-bundle;
/// the caller says so.
pub(crate) fn record(out_dir: &Path, key: &Key, out: &BundleOutput) -> anyhow::Result<()> {
    let path = out_dir.join(FILE);
    if !key.recordable {
        return crate::fsx::remove_file(&path);
    }
    let meta = std::fs::symlink_metadata(&out.archive)
        .with_context(|| format!("cannot stat {}", out.archive.display()))?;
    let record = Record {
        key: key.key.clone(),
        digest: out.manifest.digest.clone(),
        archive_size: out.manifest.compressed_size,
        archive_stamp: stamp(&meta).numbers.to_vec(),
    };
    let json = serde_json::to_vec(&record).context("cannot encode the bundle cache record")?;
    crate::fsx::write_atomic(&path, &json)
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
