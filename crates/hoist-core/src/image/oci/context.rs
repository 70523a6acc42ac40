//! A function's bundle inside its build context. `hoist build` no longer
//! writes the bundle's files under `.hoist/build/<fn>/app/` up front: the
//! native builder reads them from the archive into memory and builds the
//! COPY layer from there, which spares writing and re-reading every file.
//! The directory is written (staged beside it, moved in whole) only when
//! something needs files on disk: an external builder, an ADD, a COPY
//! source the memory view cannot resolve, a bundle too large to hold in
//! memory, or a build that stops before the image, whose context must then
//! be complete for any builder to take.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context;

use super::layer::{Entries, Entry, Source};

/// Names of the staging directories `app/` is written into (then
/// `<pid>-<random>`), beside it in the context.
pub(crate) const STAGE_BASE: &str = ".app.stage-";

/// Bundles whose files (uncompressed) exceed this are unpacked to disk
/// rather than held in memory.
pub(crate) const MEMORY_LIMIT: u64 = 256 << 20;

/// The bundle's archive and where its files belong in the context.
#[derive(Debug)]
pub(crate) struct Bundle {
    archive: PathBuf,
    dir: PathBuf,
    /// The files' size in all, from the bundle manifest.
    total_size: u64,
    files: OnceLock<Option<Arc<Entries>>>,
}

impl Bundle {
    pub(crate) fn new(archive: PathBuf, dir: PathBuf, total_size: u64) -> Self {
        Bundle {
            archive,
            dir,
            total_size,
            files: OnceLock::new(),
        }
    }

    /// Whether the files are on disk.
    pub(crate) fn unpacked(&self) -> bool {
        self.dir.is_dir()
    }

    /// The files by path relative to the bundle's root, read from the
    /// archive once; `None` when they are on disk already, too large for
    /// memory, or hold an entry the memory view does not model.
    pub(crate) fn files(&self) -> anyhow::Result<Option<Arc<Entries>>> {
        if let Some(f) = self.files.get() {
            return Ok(f.clone());
        }
        let read = if self.unpacked() || self.total_size > MEMORY_LIMIT {
            None
        } else {
            read(&self.archive)?.map(Arc::new)
        };
        Ok(self.files.get_or_init(|| read).clone())
    }

    /// Write the files under [`Bundle::dir`] unless they are there: into a
    /// staging directory beside it, then renamed into place, so the
    /// directory is either absent or complete.
    pub(crate) fn unpack(&self) -> anyhow::Result<()> {
        if self.unpacked() {
            return Ok(());
        }
        let parent = self
            .dir
            .parent()
            .ok_or_else(|| anyhow::anyhow!("{} has no parent", self.dir.display()))?;
        crate::leftovers::clean(parent, STAGE_BASE, false);
        let staging = tempfile::Builder::new()
            .prefix(&crate::leftovers::prefix(STAGE_BASE))
            .tempdir_in(parent)
            .with_context(|| {
                format!("cannot create a staging directory in {}", parent.display())
            })?;
        let inner = staging.path().join("app");
        crate::bundle::unpack::unpack(&self.archive, &inner)?;
        crate::interrupt::check()?;
        match std::fs::rename(&inner, &self.dir) {
            Ok(()) => Ok(()),
            // Another hoist building the same function got there first.
            Err(_) if self.unpacked() => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot create {}", self.dir.display())),
        }
    }
}

/// The archive's entries, or `None` when one is of a kind the memory view
/// leaves to the disk (the unpacker then judges it) or the contents run
/// past [`MEMORY_LIMIT`] whatever the manifest said.
fn read(archive: &Path) -> anyhow::Result<Option<Entries>> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::with_capacity(
        1 << 20,
        file,
    )));
    let what = || format!("cannot read {}", archive.display());
    let mut out = Entries::new();
    let mut total = 0u64;
    let mut links = std::collections::BTreeSet::new();
    for e in tar.entries().with_context(what)? {
        let mut e = e.with_context(what)?;
        let raw = e.path().with_context(what)?.to_string_lossy().into_owned();
        let Ok(path) = super::native::clean(&raw) else {
            return Ok(None);
        };
        // Nothing may lie under a symlink of the bundle (the unpacker
        // refuses it too).
        if Path::new(&path)
            .ancestors()
            .skip(1)
            .any(|a| links.contains(a.to_string_lossy().as_ref()))
        {
            return Ok(None);
        }
        let h = e.header();
        let mode = h.mode().with_context(what)? & 0o7777;
        let source = match h.entry_type() {
            tar::EntryType::Directory => Source::Dir,
            tar::EntryType::Symlink => match e.link_name().with_context(what)? {
                Some(t) => {
                    let target = t.to_string_lossy().into_owned();
                    // The unpacker refuses a link leading out of the bundle.
                    let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
                    if target.starts_with('/')
                        || super::native::clean(&format!("{parent}/{target}")).is_err()
                    {
                        return Ok(None);
                    }
                    links.insert(path.clone());
                    Source::Symlink(target)
                }
                None => return Ok(None),
            },
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = e.size();
                total = total.saturating_add(size);
                if total > MEMORY_LIMIT {
                    return Ok(None);
                }
                let mut buf = Vec::with_capacity(size as usize);
                (&mut e)
                    .take(size)
                    .read_to_end(&mut buf)
                    .with_context(what)?;
                Source::Bytes(Arc::new(buf))
            }
            _ => return Ok(None),
        };
        if path.is_empty() {
            continue;
        }
        out.insert(
            path,
            Entry {
                source,
                mode,
                uid: 0,
                gid: 0,
            },
        );
    }
    Ok(Some(out))
}
