//! A stage's or image's files read out of its layers, for `COPY --from`:
//! each layer blob of the cache opened as a tar stream and applied in
//! order with its whiteouts, keeping only the paths asked for and the
//! files hard links among them point at.

use super::*;

/// A layer blob of the cache as a tar stream.
pub(super) fn open_layer(
    l: &LayerRef,
    cache: &BlobStore,
) -> anyhow::Result<tar::Archive<Box<dyn Read>>> {
    let file = std::fs::File::open(cache.path(&l.desc.digest))
        .with_context(|| format!("layer {} is not in the cache", l.desc.digest))?;
    let reader: Box<dyn Read> = if l.desc.media_type.ends_with("gzip") {
        Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    Ok(tar::Archive::new(reader))
}

/// The files of a stage under the `wanted` paths (globs allowed), after
/// applying its layers in order with their whiteouts.
pub(super) fn snapshot(
    layers: &[LayerRef],
    cache: &BlobStore,
    wanted: &[String],
) -> anyhow::Result<Entries> {
    let wanted = Wanted::new(wanted);
    let link_targets = link_targets(layers, cache, &wanted)?;
    // Hard-link targets outside the wanted paths are kept aside.
    let mut aside = Entries::new();
    let mut fs = Entries::new();
    for l in layers {
        let mut ar = open_layer(l, cache)?;
        for e in ar
            .entries()
            .with_context(|| format!("cannot read layer {}", l.desc.digest))?
        {
            let mut e = e.with_context(|| format!("cannot read layer {}", l.desc.digest))?;
            let raw = e.path()?.to_string_lossy().into_owned();
            let Ok(path) = clean(&raw) else { continue };
            if let Some(gone) = Whiteout::of(&path) {
                gone.apply(&mut fs);
                gone.apply(&mut aside);
                continue;
            }
            let keep_aside = !wanted.relevant(&path) && link_targets.contains(&path);
            if !wanted.relevant(&path) && !keep_aside {
                continue;
            }
            let Some(entry) = read_entry(&mut e, &fs, &aside)? else {
                continue;
            };
            if keep_aside {
                aside.insert(path, entry);
            } else {
                fs.insert(path, entry);
            }
        }
    }
    Ok(fs)
}

/// The paths a snapshot keeps: each wanted path's part before its first
/// glob segment, what lies under it and the directories above it.
struct Wanted {
    prefixes: Vec<String>,
}

impl Wanted {
    fn new(wanted: &[String]) -> Wanted {
        let prefixes = wanted
            .iter()
            .map(|w| match w.find(['*', '?', '[']) {
                // A glob in the first segment reads from the top.
                Some(p) => w[..p]
                    .rsplit_once('/')
                    .map_or_else(String::new, |(d, _)| d.to_string()),
                None => w.clone(),
            })
            .collect();
        Wanted { prefixes }
    }

    fn relevant(&self, p: &str) -> bool {
        self.prefixes.iter().any(|pre| {
            pre.is_empty()
                || p == pre
                || p.starts_with(&format!("{pre}/"))
                || pre.starts_with(&format!("{p}/"))
        })
    }
}

/// Hard links under the wanted paths may point at files outside them: a
/// first pass over the headers finds those targets, whose contents the
/// second pass then keeps aside.
fn link_targets(
    layers: &[LayerRef],
    cache: &BlobStore,
    wanted: &Wanted,
) -> anyhow::Result<BTreeSet<String>> {
    let mut targets = BTreeSet::new();
    for l in layers {
        let mut ar = open_layer(l, cache)?;
        for e in ar
            .entries()
            .with_context(|| format!("cannot read layer {}", l.desc.digest))?
        {
            let e = e.with_context(|| format!("cannot read layer {}", l.desc.digest))?;
            if e.header().entry_type() != tar::EntryType::Link {
                continue;
            }
            let raw = e.path()?.to_string_lossy().into_owned();
            if !clean(&raw).is_ok_and(|p| wanted.relevant(&p)) {
                continue;
            }
            if let Some(t) = e.link_name()? {
                if let Ok(t) = clean(&t.to_string_lossy()) {
                    if !wanted.relevant(&t) {
                        targets.insert(t);
                    }
                }
            }
        }
    }
    Ok(targets)
}

/// What a whiteout entry (`.wh.NAME`, or `.wh..wh..opq` for a directory's
/// earlier contents) removes.
struct Whiteout {
    /// The path removed, or the directory emptied.
    gone: String,
    /// Only what is under `gone` goes, not `gone` itself.
    opaque: bool,
}

impl Whiteout {
    fn of(path: &str) -> Option<Whiteout> {
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        let hidden = base.strip_prefix(".wh.")?;
        let opaque = hidden == ".wh..opq";
        let gone = if opaque {
            dir.to_string()
        } else if dir.is_empty() {
            hidden.to_string()
        } else {
            format!("{dir}/{hidden}")
        };
        Some(Whiteout { gone, opaque })
    }

    fn apply(&self, files: &mut Entries) {
        let under = format!("{}/", self.gone);
        files.retain(|k, _| !(k.starts_with(&under) || (!self.opaque && *k == self.gone)));
    }
}

/// The entry a tar entry gives; `None` for a kind
/// COPY does not carry, or a hard link whose target is not kept.
fn read_entry(
    e: &mut tar::Entry<'_, Box<dyn Read>>,
    fs: &Entries,
    aside: &Entries,
) -> anyhow::Result<Option<Entry>> {
    let h = e.header();
    // Writers may leave a numeric field blank (all NULs), which the tar
    // crate does not parse: such a field reads as 0 (0o644 for the mode).
    let mode = h.mode().unwrap_or(0o644);
    let uid = h.uid().unwrap_or(0);
    let gid = h.gid().unwrap_or(0);
    let link_name = |e: &tar::Entry<'_, Box<dyn Read>>| -> anyhow::Result<String> {
        // An entry that is no link has no target: empty, as tar writes it.
        Ok(e.link_name()?
            .map_or_else(String::new, |t| t.to_string_lossy().into_owned()))
    };
    let source = match h.entry_type() {
        tar::EntryType::Directory => Source::Dir,
        tar::EntryType::Symlink => Source::Symlink(link_name(e)?),
        tar::EntryType::Link => {
            let t = link_name(e)?;
            let target = clean(&t)
                .ok()
                .and_then(|t| fs.get(&t).or_else(|| aside.get(&t)).cloned());
            match target {
                Some(target) => target.source,
                None => return Ok(None),
            }
        }
        tar::EntryType::Regular | tar::EntryType::Continuous => {
            let mut buf = Vec::new();
            e.read_to_end(&mut buf)?;
            Source::Bytes(Arc::new(buf))
        }
        _ => return Ok(None),
    };
    Ok(Some(Entry {
        source,
        mode,
        uid,
        gid,
    }))
}
