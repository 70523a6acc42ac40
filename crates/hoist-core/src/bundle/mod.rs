//! Deterministic function bundles: an ignore-aware walk of the function
//! directory ([`walk`]), a reproducible tar stream ([`archive`]), parallel
//! gzip ([`pgzip`], blocks encoded by [`deflate`]), the sha256 digest that
//! names the bundle, and the manifest written beside it. The same tree gives
//! the same bytes on every run, machine, filesystem and thread count.
//!
//! A Node or Bun function in an npm, pnpm or Bun workspace is laid out from
//! the workspace root with the packages it depends on ([`packages`]); a
//! Deno function's bundle is its module graph ([`graph`]).
//!
//! Everything streams: files are read in large pieces straight into the
//! compressor's bounded buffer pool and the compressed bytes are hashed as
//! they are written to a temporary file in `out_dir`, which is renamed to
//! `<sha256>.tar.gz` only once complete (and removed on any error or Ctrl-C).

pub(crate) mod archive;
pub(crate) mod cache;
pub(crate) mod deflate;
mod error;
pub mod graph;
pub(crate) mod packages;
pub(crate) mod pgzip;
pub(crate) mod tree;
pub mod unpack;
pub(crate) mod walk;

pub use error::{BundleError, UnresolvedKind};

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// zlib level used for compressible data (what `gzip`/`pigz` use by default).
pub(crate) const LEVEL: u32 = 6;

/// Uncompressed bytes per parallel-gzip block.
pub(crate) const BLOCK_SIZE: usize = 256 * 1024;

/// Most compression threads used when `threads` is 0.
const MAX_AUTO_THREADS: usize = 32;

/// What to bundle and how.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// Largest compressed bundle accepted, in bytes.
    pub limit_bytes: u64,
    /// mtime written on every entry (SOURCE_DATE_EPOCH or 0).
    pub mtime: u64,
    /// Extra include globs (relative to the function dir); empty = everything.
    pub include: Vec<String>,
    /// Extra exclude globs.
    pub exclude: Vec<String>,
    /// Keep node_modules (runtimes that need it at run time).
    pub keep_node_modules: bool,
    /// Compression threads (0 = number of cores).
    pub threads: usize,
    /// Reuse the archive of an earlier run when nothing changed ([`cache`]).
    pub cache: bool,
    /// The project root: the ignore files of the directories from it down to
    /// the function directory apply too. `None`: only the function
    /// directory's own. Ignore files above the root never count, so a
    /// `.gitignore` in a home directory cannot change a bundle.
    pub ignore_root: Option<PathBuf>,
    /// Paths (relative to the function directory) the bundle must hold:
    /// the entrypoint first, then the import map. One left out by an
    /// ignore rule is an error rather than an image that cannot start.
    pub required: Vec<String>,
}

/// One file in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Path inside the archive, lossy UTF-8 for display.
    pub path: String,
    pub(crate) size: u64,
    pub(crate) mode: u32,
    /// Target of a symlink (lossy UTF-8), absent for regular files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The manifest written beside each bundle as `<sha256>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleManifest {
    pub function: String,
    /// Lowercase hex sha256 of the .tar.gz bytes.
    pub digest: String,
    /// Size of the .tar.gz in bytes.
    pub compressed_size: u64,
    /// Sum of file sizes.
    pub total_size: u64,
    /// Number of files and symlinks (the entries of `files`).
    pub file_count: u64,
    pub files: Vec<ManifestEntry>,
    /// Deno bundles: the entrypoint's path inside the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) entrypoint: Option<String>,
    /// Deno bundles: the import map's path inside the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_map: Option<String>,
    /// Deno bundles: remote specifiers the graph imports (fetched at run
    /// time), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) remote: Vec<String>,
}

/// What a bundle's manifest says beyond its files (deno graph bundles).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub(crate) entrypoint: Option<String>,
    pub(crate) import_map: Option<String>,
    pub remote: Vec<String>,
}

/// Where a bundle ended up.
#[derive(Debug, Clone)]
pub struct BundleOutput {
    pub archive: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: BundleManifest,
    /// True when the archive of an earlier run was reused ([`cache`]).
    pub cached: bool,
    /// What could not be done along the way without failing the bundle
    /// (the bundle cache not read or not updated), for the caller to show.
    pub warnings: Vec<String>,
}

/// The temporary archive: compressed bytes go to the file and into sha256.
struct HashingFile {
    file: File,
    sha: Sha256,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn threads(requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(MAX_AUTO_THREADS)
}

fn human_limit(bytes: u64) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// Bundle the directory `dir` of function `name` into `out_dir`
/// (`.hoist/bundles/<name>/`), as `<sha256>.tar.gz` plus `<sha256>.json`.
pub fn bundle_dir(
    name: &str,
    dir: &Path,
    out_dir: &Path,
    opts: &BundleOptions,
) -> anyhow::Result<BundleOutput> {
    if let Some(out) = bundle_workspace(name, dir, out_dir, opts)? {
        return Ok(out);
    }
    let entries = walk::collect(dir, opts)?;
    walk::check_required(name, dir, &entries, &opts.required)?;
    if !entries.iter().any(|e| !matches!(e.kind, walk::Kind::Dir)) {
        let why = if entries.is_empty() && !opts.include.is_empty() {
            " (no file matches the include globs)"
        } else if std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
        {
            ""
        } else {
            " once ignored files are left out"
        };
        return Err(BundleError::Empty {
            function: name.to_string(),
            dir: dir.to_path_buf(),
            why,
        }
        .into());
    }

    write_bundle(name, dir, entries, out_dir, opts, Layout::default())
}

/// A function in a package-manager workspace ([`packages`]): its directory
/// and the packages it depends on, laid out from the workspace root, with
/// the entrypoint (`required`'s first path) recorded in the manifest.
/// `None` for a directory in no workspace, one with its own Dockerfile, or
/// one without an entrypoint (a `dockerfile` function).
fn bundle_workspace(
    name: &str,
    dir: &Path,
    out_dir: &Path,
    opts: &BundleOptions,
) -> anyhow::Result<Option<BundleOutput>> {
    let (Some(project), Some(entry)) = (&opts.ignore_root, opts.required.first()) else {
        return Ok(None);
    };
    let Some(ws) = packages::Workspace::of(dir, project)? else {
        return Ok(None);
    };
    let (base, entries) = packages::entries(name, dir, &ws, opts)?;
    let layout = Layout {
        entrypoint: Some(ws.entrypoint(dir, entry)),
        ..Layout::default()
    };
    write_bundle(name, &base, entries, out_dir, opts, layout).map(Some)
}

/// Bundle the files of a deno function's module graph ([`graph::plan`]):
/// the archive holds exactly `plan.files`, relative to `plan.base`.
pub(crate) fn bundle_plan(
    name: &str,
    plan: &graph::Plan,
    out_dir: &Path,
    opts: &BundleOptions,
) -> anyhow::Result<BundleOutput> {
    let mut entries = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for rel in &plan.files {
        let path = plan.base.join(rel);
        // Followed like Deno follows them: a linked module is stored as a file.
        let meta = std::fs::metadata(&path).map_err(|err| BundleError::Unreadable {
            path: path.clone(),
            err,
        })?;
        for a in rel.ancestors().skip(1) {
            if !a.as_os_str().is_empty() {
                dirs.insert(a.to_path_buf());
            }
        }
        entries.push(walk::Entry {
            rel: rel.clone(),
            kind: walk::Kind::File {
                size: meta.len(),
                executable: walk::executable(&meta),
            },
            meta: Some(meta),
        });
    }
    for d in dirs {
        entries.push(walk::Entry {
            rel: d,
            kind: walk::Kind::Dir,
            meta: None,
        });
    }
    let mut keyed: Vec<(Vec<u8>, walk::Entry)> =
        entries.into_iter().map(|e| (e.key(), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let entries: Vec<walk::Entry> = keyed.into_iter().map(|(_, e)| e).collect();
    let layout = Layout {
        entrypoint: Some(plan.entrypoint.clone()),
        import_map: plan.import_map.clone(),
        remote: plan.remote.clone(),
    };
    write_bundle(name, &plan.base, entries, out_dir, opts, layout)
}

/// Archive `entries` (relative to `dir`) into `out_dir`, reusing the
/// cached archive when nothing changed.
fn write_bundle(
    name: &str,
    dir: &Path,
    entries: Vec<walk::Entry>,
    out_dir: &Path,
    opts: &BundleOptions,
    layout: Layout,
) -> anyhow::Result<BundleOutput> {
    let key = if opts.cache {
        cache::key(dir, &entries, opts).map(|k| k.salted(&layout))
    } else {
        None
    };
    // Partial archives of killed bundlers go first.
    crate::leftovers::clean(out_dir, ".bundle-", false);
    crate::fsx::clean_temps(out_dir);
    let mut warnings = Vec::new();
    if let Some(key) = &key {
        match cache::lookup(out_dir, key) {
            Ok(Some(hit)) if hit.manifest.compressed_size <= opts.limit_bytes => {
                return Ok(BundleOutput {
                    cached: true,
                    ..hit
                });
            }
            Ok(_) => {}
            Err(e) => warnings.push(format!("{e:#}; bundling `{name}` again")),
        }
    }

    let Compressed {
        tmp,
        digest,
        files,
        compressed,
    } = compress(name, dir, &entries, out_dir, opts)?;
    let manifest = BundleManifest {
        function: name.to_string(),
        digest: digest.clone(),
        compressed_size: compressed,
        total_size: files.iter().map(|f| f.size).sum(),
        file_count: files.len() as u64,
        files,
        entrypoint: layout.entrypoint,
        import_map: layout.import_map,
        remote: layout.remote,
    };
    let (archive, manifest_path) = place(tmp, out_dir, &manifest)?;
    let mut out = BundleOutput {
        archive,
        manifest_path,
        manifest,
        cached: false,
        warnings,
    };
    if let Some(key) = &key {
        if let Err(e) = cache::record(out_dir, key, &out) {
            out.warnings.push(format!(
                "the bundle cache was not updated ({e:#}); the next run bundles `{name}` again"
            ));
        }
    }
    Ok(out)
}

/// An archive written to a temporary file in the output directory, not yet
/// in place.
struct Compressed {
    tmp: tempfile::NamedTempFile,
    /// The sha256 of its bytes, hex.
    digest: String,
    files: Vec<ManifestEntry>,
    /// Its size.
    compressed: u64,
}

/// Write `entries` (relative to `dir`) as a gzipped tar to a temporary
/// file in `out_dir`, hashing it as it goes; refused once it grows past
/// the bundle limit.
fn compress(
    name: &str,
    dir: &Path,
    entries: &[walk::Entry],
    out_dir: &Path,
    opts: &BundleOptions,
) -> anyhow::Result<Compressed> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create directory {}", out_dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&crate::leftovers::prefix(".bundle-"))
        .suffix(".tar.gz.tmp")
        .tempfile_in(out_dir)
        .with_context(|| format!("cannot create a temporary file in {}", out_dir.display()))?;
    let sink = HashingFile {
        file: tmp
            .as_file()
            .try_clone()
            .context("cannot open the temporary archive")?,
        sha: Sha256::new(),
    };
    let cfg = pgzip::GzConfig {
        threads: threads(opts.threads),
        level: LEVEL,
        block_size: BLOCK_SIZE,
        limit: Some(opts.limit_bytes),
    };
    let mut gz = pgzip::GzWriter::new(sink, &cfg)?;
    let written = archive::write_tar(&mut gz, dir, entries, opts.mtime);
    let finished = match written {
        Ok(files) => gz.finish().map(|done| (files, done)),
        Err(e) => Err(gz.abort().unwrap_or(e)),
    };
    let (files, (sink, summary)) = finished.map_err(|e| {
        if e.downcast_ref::<pgzip::LimitExceeded>().is_some() {
            BundleError::TooLarge {
                function: name.to_string(),
                limit: human_limit(opts.limit_bytes),
            }
            .into()
        } else {
            e
        }
    })?;
    let digest = hex::encode(sink.sha.finalize());
    let file = sink.file;
    file.sync_all().context("cannot write the archive")?;
    drop(file);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .context("cannot set permissions on the archive")?;
    }
    Ok(Compressed {
        tmp,
        digest,
        files,
        compressed: summary.compressed,
    })
}

/// Move the archive in `tmp` into place as `<digest>.tar.gz` in `out_dir`
/// (kept as it is when already there), then write its manifest beside it
/// as `<digest>.json`; the paths of both.
fn place(
    tmp: tempfile::NamedTempFile,
    out_dir: &Path,
    manifest: &BundleManifest,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let archive = out_dir.join(format!("{}.tar.gz", manifest.digest));
    let manifest_path = out_dir.join(format!("{}.json", manifest.digest));
    let mut json = serde_json::to_vec_pretty(manifest).context("cannot encode the manifest")?;
    json.push(b'\n');
    let existed = archive.exists();
    // The name is the content's digest: an archive already there with the
    // same size holds these bytes, and is kept as it is (its inode and
    // times too, which the bundle cache checks). Otherwise it is replaced.
    let same = std::fs::symlink_metadata(&archive)
        .is_ok_and(|m| m.is_file() && m.len() == manifest.compressed_size);
    if same {
        drop(tmp);
    } else {
        tmp.persist(&archive)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", archive.display()))?;
    }
    if let Err(e) = crate::fsx::write_atomic(&manifest_path, &json) {
        if !existed {
            if let Err(rm) = crate::fsx::remove_file(&archive) {
                return Err(e.context(format!("the archive is left without its manifest: {rm:#}")));
            }
        }
        return Err(e);
    }
    Ok((archive, manifest_path))
}
