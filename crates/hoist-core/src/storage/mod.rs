//! The artifact store: where function archives and their release manifests
//! live so that any backend instance can fetch them and old versions stay for
//! rollback. A small synchronous `Store` trait over object keys has two real
//! backends, a local directory (`local`, the default, `.hoist/store/`) and
//! S3-compatible storage (`s3`: AWS S3, Cloudflare R2, MinIO, ...). The
//! immutability rules (archive before manifest, create-only writes, the same
//! content again is a no-op) live in `release`, above the trait, so both
//! backends obey them the same way. The key layout is in `layout`, the JSON
//! documents in `manifest`; docs/storage.md describes both for readers.

pub mod layout;
pub mod local;
pub mod manifest;
pub mod release;
pub mod s3;

mod error;

pub use error::StoreError;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::report::Progress;

use crate::config::schema::StorageBackend;
use crate::config::Project;
use crate::report::Reporter;

/// How old an interrupted upload's leftovers must be before a later
/// command cleans them up although their process may still run.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// What a store knows about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Key relative to the store root (and S3 prefix).
    pub key: String,
    pub size: u64,
    /// Lowercase hex sha256 of the content, when the store recorded it
    /// (S3 objects hoist wrote carry it as `x-amz-meta-sha256`).
    pub(crate) sha256: Option<String>,
    /// When it was last written, where a listing says (prune leaves
    /// young unreferenced archives alone: a push may be about to name them).
    pub(crate) modified: Option<std::time::SystemTime>,
}

/// The result of a create-only write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The object did not exist and now holds the given bytes.
    Created,
    /// Something was already there; nothing was written.
    AlreadyExists,
}

/// How an archive upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub(crate) created: Created,
    /// Payload bytes that reached the store on successful requests (0 when
    /// nothing was written).
    pub(crate) bytes: u64,
    /// 0 for a single PUT (or a local copy), else the multipart part count.
    pub(crate) parts: usize,
    /// Part uploads that failed once and were sent again.
    pub(crate) retries: usize,
}

/// A place that holds objects under string keys.
///
/// Keys use `/` separators and never start with `/`. Every write that can
/// create a version's files is create-only: a backend never replaces an
/// object through `put(.., create_only = true)` or `upload`.
///
/// Every call that touches the store is async; the local store does its
/// file work on the runtime's blocking threads.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// `local` or `s3`.
    fn kind(&self) -> &'static str;
    /// Where `key` is, for people: `s3://bucket/prefix/key` or a path.
    fn url(&self, key: &str) -> String;
    /// Size (and digest when known) of `key`; `None` when it does not exist.
    async fn head(&self, key: &str) -> anyhow::Result<Option<ObjectInfo>>;
    /// A small object read whole (manifests, indexes); `None` when missing.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Write a small object; with `create_only`, never replace one.
    async fn put(&self, key: &str, bytes: &[u8], create_only: bool) -> anyhow::Result<Created>;
    /// Upload the file at `path` (whose sha256 is `sha256`) to `key`,
    /// create-only, streaming it (multipart above a threshold) and checking
    /// its checksum on the way. Progress goes to `bar`.
    async fn upload(
        &self,
        key: &str,
        path: &Path,
        sha256: &str,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded>;
    /// Stream `key` into `out`; returns the byte count. Fails when missing.
    async fn download(
        &self,
        key: &str,
        out: &mut (dyn Write + Send),
        bar: &Progress,
    ) -> anyhow::Result<u64>;
    /// Every object whose key starts with `prefix`, in key order.
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>>;
    /// Delete `key`; deleting a missing key is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// How long after a create-only write a racing write of the same key
    /// could still land, on a server whose conditional writes are not
    /// atomic; `None` when they are (the local store links atomically).
    fn settle(&self) -> Option<std::time::Duration> {
        None
    }
    /// Abort (or remove) what interrupted uploads of hoist's left behind
    /// and is older than `min_age` or whose process is gone; one line per
    /// thing cleaned.
    async fn clean_uploads(&self, _min_age: std::time::Duration) -> anyhow::Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// Per-invocation choices that are not in hoist.yaml.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `--profile`: the AWS shared-config profile to take credentials from.
    pub profile: Option<String>,
}

/// Open the store hoist.yaml configures.
pub async fn open(
    project: &Project,
    opts: &OpenOptions,
    printer: &dyn Reporter,
) -> anyhow::Result<Box<dyn Store>> {
    let cfg = &project.config.storage;
    match cfg.backend {
        StorageBackend::Local => {
            let dir = local_dir(project);
            printer.detail(&format!("store: local directory {}", dir.display()));
            Ok(Box::new(local::LocalStore::new(dir)))
        }
        StorageBackend::S3 => {
            let s3cfg = cfg.s3.clone().ok_or(StoreError::S3Missing)?;
            Ok(Box::new(
                s3::S3Store::connect(&s3cfg, opts, printer, &project.env)
                    .await?
                    .with_journal(project.state_dir().join("uploads")),
            ))
        }
    }
}

/// The local store's directory: `storage.path` or `.hoist/store`.
pub(crate) fn local_dir(project: &Project) -> PathBuf {
    match &project.config.storage.path {
        Some(p) if p.is_absolute() => p.clone(),
        Some(p) => project.root.join(p),
        None => project.state_dir().join("store"),
    }
}

/// Lowercase hex sha256 of a reader's bytes, and their count.
pub fn sha256_reader(mut r: impl std::io::Read) -> std::io::Result<(String, u64)> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// A writer that hashes (sha256) and counts what passes through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: sha2::Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        use sha2::Digest;
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
            count: 0,
        }
    }

    /// The inner writer, the hex digest and the byte count.
    pub(crate) fn finish(self) -> (W, String, u64) {
        use sha2::Digest;
        (self.inner, hex::encode(self.hasher.finalize()), self.count)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
