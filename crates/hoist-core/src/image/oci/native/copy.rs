//! COPY and ADD for the native builder: matching sources in the build
//! context (globs, directories), entries with their owner and mode, layers
//! keyed by the bundle digest so an unchanged function reuses its layer, and
//! `--from` sources picked out of another stage's or image's files (which
//! [`super::snapshot`] reads out of its layers).

use super::*;

/// How COPY sets owners and modes.
pub(super) struct Perms {
    owner: Option<(u64, u64)>,
    mode: Option<u32>,
}

impl Perms {
    pub(super) fn entry(&self, source: Source, mode: u32, uid: u64, gid: u64) -> Entry {
        let (uid, gid) = self.owner.unwrap_or((uid, gid));
        let mode = match (&source, self.mode) {
            (Source::Symlink(_), _) => 0o777,
            (_, Some(m)) => m,
            _ => mode,
        };
        Entry {
            source,
            mode,
            uid,
            gid,
        }
    }
}

/// What a COPY or ADD names: its sources, where they go, and how owners
/// and modes are set.
struct CopyArgs {
    srcs: Vec<String>,
    /// The destination, absolute and cleaned (no leading `/`).
    dest: String,
    /// Whether sources go under `dest` rather than becoming it.
    dest_is_dir: bool,
    perms: Perms,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn copy(
    i: &Instruction,
    vars: &Vars,
    from_vars: &Vars,
    out: &StageOut,
    current: usize,
    outs: &[Option<StageOut>],
    req: &Request,
    net: &Net,
    cache: &BlobStore,
    platform: &Platform,
) -> anyhow::Result<LayerRef> {
    let args = copy_args(i, vars, out, req)?;
    let key_file = bundle_key(i, req, &args).map(|k| {
        cache
            .root
            .join("bundle-layers")
            .join(k.trim_start_matches("sha256:"))
    });
    if let Some(f) = &key_file {
        if let Some(found) = cached_layer(f, cache)? {
            return Ok(found);
        }
    }
    let mut entries = match i.flag("from") {
        None => context_entries(i, req, &args, key_file.is_some())?,
        Some(from) => {
            let from = parse::expand(from, from_vars, req.dockerfile.escape)
                .map_err(|e| err(req, i, e))?;
            let stage = source_stage(&from, i, current, outs, req, net, platform)?;
            stage_entries(&from, &stage, i, req, &args, cache)?
        }
    };
    entries.remove("");
    let l = layer::build(&entries, req.epoch, cache)?;
    if let Some(f) = key_file {
        let doc = serde_json::json!({"digest": l.digest, "size": l.size, "diff_id": l.diff_id});
        crate::fsx::write_atomic(&f, doc.to_string().as_bytes())?;
    }
    Ok(LayerRef {
        desc: Descriptor::new(&l.media_type, l.digest, l.size),
        diff_id: l.diff_id,
    })
}

/// The instruction's sources, destination and `--chown`/`--chmod`; the
/// flags only an external builder has are refused.
fn copy_args(
    i: &Instruction,
    vars: &Vars,
    out: &StageOut,
    req: &Request,
) -> anyhow::Result<CopyArgs> {
    let esc = req.dockerfile.escape;
    for unsupported in ["parents", "exclude", "checksum", "keep-git-dir"] {
        if i.flag(unsupported).is_some() {
            return Err(err(
                req,
                i,
                format!("--{unsupported} needs an external builder (--builder buildah)"),
            ));
        }
    }
    let mut words = match &i.json {
        Some(v) => v
            .iter()
            .map(|w| parse::expand(w, vars, esc))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(req, i, e))?,
        None => parse::words(&i.args, Some(vars), esc).map_err(|e| err(req, i, e))?,
    };
    let (Some(dest_raw), false) = (words.pop(), words.is_empty()) else {
        return Err(err(req, i, "needs at least one source and a destination"));
    };
    let srcs = words;
    let owner = match i.flag("chown") {
        Some(c) => Some(
            chown(&parse::expand(c, vars, esc).map_err(|e| err(req, i, e))?)
                .map_err(|m| err(req, i, m))?,
        ),
        None => None,
    };
    let mode = match i.flag("chmod") {
        Some(m) => Some(
            u32::from_str_radix(m, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| err(req, i, format!("--chmod={m} is not an octal mode")))?,
        ),
        None => None,
    };
    let workdir = &out.config.config.working_dir;
    let dest_abs = if dest_raw.starts_with('/') {
        dest_raw.clone()
    } else {
        format!("{}/{dest_raw}", workdir.trim_end_matches('/'))
    };
    let dest = clean(&dest_abs).map_err(|e| err(req, i, e))?;
    let dest_is_dir =
        dest_raw.ends_with('/') || dest_raw == "." || srcs.len() > 1 || has_glob(&srcs[0]);
    Ok(CopyArgs {
        srcs,
        dest,
        dest_is_dir,
        perms: Perms { owner, mode },
    })
}

/// `--chown=UID[:GID]` with numeric ids (or `root`).
fn chown(c: &str) -> Result<(u64, u64), String> {
    let (u, g) = c.split_once(':').unwrap_or((c, c));
    match (u.parse::<u64>(), g.parse::<u64>()) {
        (Ok(u), Ok(g)) => Ok((u, g)),
        _ if u == "root" && (g == "root" || g == u) => Ok((0, 0)),
        _ => Err(format!(
            "--chown={c}: the native builder takes numeric ids (e.g. --chown=1000:1000); names need --builder buildah"
        )),
    }
}

/// The key of the layer when every source lies inside the bundle: a
/// function of the bundle digest and the instruction alone.
fn bundle_key(i: &Instruction, req: &Request, args: &CopyArgs) -> Option<String> {
    let (Some((rel, digest)), None) = (&req.bundle, i.flag("from")) else {
        return None;
    };
    let inside = args.srcs.iter().all(|s| {
        clean(s).is_ok_and(|c| rel.is_empty() || c == *rel || c.starts_with(&format!("{rel}/")))
    });
    inside.then(|| {
        let doc = serde_json::json!({
            "v": 1,
            "bundle": digest,
            "at": rel,
            "srcs": args.srcs,
            "dest": args.dest,
            "dir": args.dest_is_dir,
            "owner": args.perms.owner,
            "mode": args.perms.mode,
            "epoch": req.epoch,
        });
        spec::digest_of(doc.to_string().as_bytes())
    })
}

/// The layer recorded under the bundle key `key_file`, when its blob is
/// still in the cache. A missing record is a miss; one that cannot be
/// read or decoded is an error naming it.
fn cached_layer(key_file: &Path, cache: &BlobStore) -> anyhow::Result<Option<LayerRef>> {
    let bytes = match std::fs::read(key_file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "cannot read layer cache record {}",
                key_file.display()
            )))
        }
    };
    let found: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "layer cache record {} is not JSON; delete it to build the layer again",
            key_file.display()
        )
    })?;
    let (Some(d), Some(size), Some(diff)) = (
        found["digest"].as_str(),
        found["size"].as_u64(),
        found["diff_id"].as_str(),
    ) else {
        anyhow::bail!(
            "layer cache record {} lacks its digest, size or diff_id; delete it to build the layer again",
            key_file.display()
        );
    };
    Ok(cache.has(d).then(|| LayerRef {
        desc: Descriptor::new(spec::OCI_LAYER_GZIP, d.to_string(), size),
        diff_id: diff.to_string(),
    }))
}

/// The entries of sources in the build context: from the bundle's files in
/// memory when the layer is keyed by the bundle and they resolve there,
/// else from the disk (the bundle unpacked first when a source may touch
/// it).
fn context_entries(
    i: &Instruction,
    req: &Request,
    args: &CopyArgs,
    keyed: bool,
) -> anyhow::Result<Entries> {
    let CopyArgs {
        srcs,
        dest,
        dest_is_dir,
        perms,
    } = args;
    if let (Some((rel, _)), Some(bundle), true) = (&req.bundle, req.files, keyed) {
        if let Some(files) = bundle.files()? {
            if let Some(entries) = from_bundle(&files, rel, srcs, dest, *dest_is_dir, perms) {
                return Ok(entries);
            }
        }
    }
    if let (Some((rel, _)), Some(bundle)) = (&req.bundle, req.files) {
        if srcs.iter().any(|s| may_touch(s, rel)) {
            bundle.unpack()?;
        }
    }
    let mut entries = Entries::new();
    for s in srcs {
        let matches = context_matches(req.context, s).map_err(|e| err(req, i, e))?;
        if matches.is_empty() {
            return Err(err(
                req,
                i,
                format!(
                    "source `{s}` is not in the build context ({})",
                    req.context.display()
                ),
            ));
        }
        for (abs, rel) in matches {
            let meta = std::fs::symlink_metadata(&abs)
                .with_context(|| format!("cannot read {}", abs.display()))?;
            if meta.is_dir() {
                add_tree(&abs, dest, perms, &mut entries)?;
            } else {
                let name = rel.rsplit('/').next().unwrap_or(&rel);
                let target = if *dest_is_dir {
                    join(dest, name)
                } else {
                    dest.clone()
                };
                add_path(&abs, &target, &meta, perms, &mut entries)?;
            }
        }
    }
    Ok(entries)
}

/// The stage (built earlier in this Dockerfile) or image `COPY --from`
/// names.
fn source_stage(
    from: &str,
    i: &Instruction,
    current: usize,
    outs: &[Option<StageOut>],
    req: &Request,
    net: &Net,
    platform: &Platform,
) -> anyhow::Result<StageOut> {
    if let Some(j) = stage_index(req.dockerfile, &from.to_ascii_lowercase(), current) {
        if let Some(stage) = &outs[j] {
            return Ok(stage.clone());
        }
    }
    let (stage, _) = resolve_image(from, platform, net)
        .map_err(|e| e.context(format!("{}:{}: COPY --from={from}", req.file, i.line)))?;
    Ok(stage)
}

/// The entries of sources read out of stage or image `from`'s layers.
fn stage_entries(
    from: &str,
    stage: &StageOut,
    i: &Instruction,
    req: &Request,
    args: &CopyArgs,
    cache: &BlobStore,
) -> anyhow::Result<Entries> {
    let wanted: Vec<String> = args
        .srcs
        .iter()
        .map(|s| clean(s))
        .collect::<Result<_, _>>()
        .map_err(|e| err(req, i, e))?;
    let fs = snapshot(&stage.layers, cache, &wanted)?;
    let mut entries = Entries::new();
    for w in &wanted {
        let under = format!("{w}/");
        let implicit_dir = !fs.contains_key(w.as_str())
            && (w.is_empty() || fs.keys().any(|k| k.starts_with(&under)));
        let hits: Vec<&String> = if has_glob(w) {
            fs.keys().filter(|k| glob_match(w, k)).collect()
        } else if implicit_dir {
            vec![w]
        } else {
            fs.keys().filter(|k| *k == w).collect()
        };
        if hits.is_empty() {
            return Err(err(
                req,
                i,
                format!("`/{w}` is not in stage or image `{from}`"),
            ));
        }
        for hit in hits {
            let dir_entry = Entry {
                source: Source::Dir,
                mode: 0o755,
                uid: 0,
                gid: 0,
            };
            let e = fs.get(hit).unwrap_or(&dir_entry);
            if matches!(e.source, Source::Dir) {
                for (rel, v) in below(&fs, hit) {
                    entries.insert(
                        join(&args.dest, rel),
                        args.perms.entry(v.source.clone(), v.mode, v.uid, v.gid),
                    );
                }
            } else {
                let name = hit.rsplit('/').next().unwrap_or(hit);
                let target = if args.dest_is_dir {
                    join(&args.dest, name)
                } else {
                    args.dest.clone()
                };
                let entry = args.perms.entry(e.source.clone(), e.mode, e.uid, e.gid);
                entries.insert(target, entry);
            }
        }
    }
    Ok(entries)
}

/// Paths in the context matching `src` (globs per segment): (abs, rel).
pub(super) fn context_matches(context: &Path, src: &str) -> Result<Vec<(PathBuf, String)>, String> {
    let rel = clean(src)?;
    if !has_glob(&rel) {
        let abs = if rel.is_empty() {
            context.to_path_buf()
        } else {
            context.join(&rel)
        };
        return Ok(if abs.symlink_metadata().is_ok() {
            vec![(abs, rel)]
        } else {
            Vec::new()
        });
    }
    let mut found = vec![(context.to_path_buf(), String::new())];
    for seg in rel.split('/') {
        let mut next = Vec::new();
        for (dir, r) in found {
            if !has_glob(seg) {
                let p = dir.join(seg);
                if p.symlink_metadata().is_ok() {
                    next.push((
                        p,
                        if r.is_empty() {
                            seg.to_string()
                        } else {
                            format!("{r}/{seg}")
                        },
                    ));
                }
                continue;
            }
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| glob_match(seg, n))
                .collect();
            names.sort();
            for n in names {
                let r2 = if r.is_empty() {
                    n.clone()
                } else {
                    format!("{r}/{n}")
                };
                next.push((dir.join(&n), r2));
            }
        }
        found = next;
    }
    Ok(found)
}

pub(super) fn add_path(
    abs: &Path,
    target: &str,
    meta: &std::fs::Metadata,
    perms: &Perms,
    entries: &mut Entries,
) -> anyhow::Result<()> {
    let mode = unix_mode(meta);
    let source = if meta.file_type().is_symlink() {
        let t = std::fs::read_link(abs)
            .with_context(|| format!("cannot read link {}", abs.display()))?;
        Source::Symlink(t.to_string_lossy().into_owned())
    } else if meta.is_dir() {
        Source::Dir
    } else {
        Source::File(abs.to_path_buf())
    };
    entries.insert(target.to_string(), perms.entry(source, mode, 0, 0));
    Ok(())
}

/// The contents of directory `dir` under `dest` (not `dir` itself).
pub(super) fn add_tree(
    dir: &Path,
    dest: &str,
    perms: &Perms,
    entries: &mut Entries,
) -> anyhow::Result<()> {
    let rd = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for e in rd {
        let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let abs = e.path();
        let meta = std::fs::symlink_metadata(&abs)
            .with_context(|| format!("cannot read {}", abs.display()))?;
        let target = if dest.is_empty() {
            name
        } else {
            format!("{dest}/{name}")
        };
        add_path(&abs, &target, &meta, perms, entries)?;
        if meta.is_dir() {
            add_tree(&abs, &target, perms, entries)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
pub(super) fn unix_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
pub(super) fn unix_mode(meta: &std::fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}
