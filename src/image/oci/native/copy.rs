//! COPY and ADD for the native builder: matching sources in the build
//! context (globs, directories), entries with their owner and mode, layers
//! keyed by the bundle digest so an unchanged function reuses its layer, and
//! `--from` sources read out of another stage's or image's layers (hard
//! links included).

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
    if words.len() < 2 {
        return Err(err(req, i, "needs at least one source and a destination"));
    }
    let dest_raw = words.pop().unwrap_or_default();
    let srcs = words;
    let owner = match i.flag("chown") {
        Some(c) => {
            let c = parse::expand(c, vars, esc).map_err(|e| err(req, i, e))?;
            let (u, g) = c.split_once(':').unwrap_or((&c, &c));
            match (u.parse::<u64>(), g.parse::<u64>()) {
                (Ok(u), Ok(g)) => Some((u, g)),
                _ if u == "root" && (g == "root" || g == u) => Some((0, 0)),
                _ => {
                    return Err(err(
                        req,
                        i,
                        format!("--chown={c}: the native builder takes numeric ids (e.g. --chown=1000:1000); names need --builder buildah"),
                    ))
                }
            }
        }
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
    let perms = Perms { owner, mode };
    let workdir = &out.config.config.working_dir;
    let dest_abs = if dest_raw.starts_with('/') {
        dest_raw.clone()
    } else {
        format!("{}/{dest_raw}", workdir.trim_end_matches('/'))
    };
    let dest = clean(&dest_abs).map_err(|e| err(req, i, e))?;
    let dest_is_dir =
        dest_raw.ends_with('/') || dest_raw == "." || srcs.len() > 1 || has_glob(&srcs[0]);
    // Sources inside the bundle: the layer is keyed by the bundle digest.
    let key = match (&req.bundle, i.flag("from")) {
        (Some((rel, digest)), None) => {
            let inside = srcs.iter().all(|s| {
                clean(s)
                    .is_ok_and(|c| rel.is_empty() || c == *rel || c.starts_with(&format!("{rel}/")))
            });
            inside.then(|| {
                let doc = serde_json::json!({
                    "v": 1,
                    "bundle": digest,
                    "at": rel,
                    "srcs": srcs,
                    "dest": dest,
                    "dir": dest_is_dir,
                    "owner": owner,
                    "mode": mode,
                    "epoch": req.epoch,
                });
                spec::digest_of(doc.to_string().as_bytes())
            })
        }
        _ => None,
    };
    let key_file = key.as_ref().map(|k| {
        cache
            .root
            .join("bundle-layers")
            .join(k.trim_start_matches("sha256:"))
    });
    if let Some(found) = key_file
        .as_ref()
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    {
        if let (Some(d), Some(size), Some(diff)) = (
            found["digest"].as_str(),
            found["size"].as_u64(),
            found["diff_id"].as_str(),
        ) {
            if cache.has(d) {
                return Ok(LayerRef {
                    desc: Descriptor::new(spec::OCI_LAYER_GZIP, d.to_string(), size),
                    diff_id: diff.to_string(),
                });
            }
        }
    }
    let mut entries = Entries::new();
    let in_memory = match (&req.bundle, req.files, &key) {
        (Some((rel, _)), Some(bundle), Some(_)) => match bundle.files()? {
            Some(files) => from_bundle(&files, rel, &srcs, &dest, dest_is_dir, &perms),
            None => None,
        },
        _ => None,
    };
    match i.flag("from") {
        None if in_memory.is_some() => entries.extend(in_memory.unwrap_or_default()),
        None => {
            if let (Some((rel, _)), Some(bundle)) = (&req.bundle, req.files) {
                if srcs.iter().any(|s| may_touch(s, rel)) {
                    bundle.unpack()?;
                }
            }
            for s in &srcs {
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
                        add_tree(&abs, &dest, &perms, &mut entries)?;
                    } else {
                        let name = rel.rsplit('/').next().unwrap_or(&rel);
                        let target = if dest_is_dir {
                            join(&dest, name)
                        } else {
                            dest.clone()
                        };
                        add_path(&abs, &target, &meta, &perms, &mut entries)?;
                    }
                }
            }
        }
        Some(from) => {
            let from = parse::expand(from, from_vars, esc).map_err(|e| err(req, i, e))?;
            let src_stage = match stage_index(req.dockerfile, &from.to_ascii_lowercase(), current) {
                Some(j) if outs[j].is_some() => outs[j].clone(),
                _ => None,
            };
            let src_stage = match src_stage {
                Some(s) => s,
                None => {
                    resolve_image(&from, platform, net)
                        .map_err(|e| {
                            e.context(format!("{}:{}: COPY --from={from}", req.file, i.line))
                        })?
                        .0
                }
            };
            let wanted: Vec<String> = srcs
                .iter()
                .map(|s| clean(s))
                .collect::<Result<_, _>>()
                .map_err(|e| err(req, i, e))?;
            let fs = snapshot(&src_stage.layers, cache, &wanted)?;
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
                                join(&dest, rel),
                                perms.entry(v.source.clone(), v.mode, v.uid, v.gid),
                            );
                        }
                    } else {
                        let name = hit.rsplit('/').next().unwrap_or(hit);
                        let target = if dest_is_dir {
                            join(&dest, name)
                        } else {
                            dest.clone()
                        };
                        entries.insert(target, perms.entry(e.source.clone(), e.mode, e.uid, e.gid));
                    }
                }
            }
        }
    }
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
    let prefixes: Vec<String> = wanted
        .iter()
        .map(|w| match w.find(['*', '?', '[']) {
            Some(p) => w[..p]
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default(),
            None => w.clone(),
        })
        .collect();
    let relevant = |p: &str| {
        prefixes.iter().any(|pre| {
            pre.is_empty()
                || p == pre
                || p.starts_with(&format!("{pre}/"))
                || pre.starts_with(&format!("{p}/"))
        })
    };
    // Hard links under the wanted paths may point at files outside them:
    // a first pass over the headers finds those targets, whose contents
    // the second pass then keeps aside.
    let mut link_targets = BTreeSet::new();
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
            if !clean(&raw).is_ok_and(|p| relevant(&p)) {
                continue;
            }
            if let Some(t) = e.link_name()? {
                if let Ok(t) = clean(&t.to_string_lossy()) {
                    if !relevant(&t) {
                        link_targets.insert(t);
                    }
                }
            }
        }
    }
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
            let (dir, base) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if let Some(hidden) = base.strip_prefix(".wh.") {
                let gone = if hidden == ".wh..opq" {
                    dir.to_string()
                } else if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
                let under = format!("{gone}/");
                fs.retain(|k, _| !(k.starts_with(&under) || (hidden != ".wh..opq" && *k == gone)));
                aside.retain(|k, _| {
                    !(k.starts_with(&under) || (hidden != ".wh..opq" && *k == gone))
                });
                continue;
            }
            let keep_aside = !relevant(&path) && link_targets.contains(&path);
            if !relevant(&path) && !keep_aside {
                continue;
            }
            let h = e.header();
            let mode = h.mode().unwrap_or(0o644);
            let uid = h.uid().unwrap_or(0);
            let gid = h.gid().unwrap_or(0);
            let source = match h.entry_type() {
                tar::EntryType::Directory => Source::Dir,
                tar::EntryType::Symlink => Source::Symlink(
                    e.link_name()?
                        .map(|t| t.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                tar::EntryType::Link => {
                    let t = e
                        .link_name()?
                        .map(|t| t.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let target = clean(&t)
                        .ok()
                        .and_then(|t| fs.get(&t).or_else(|| aside.get(&t)).cloned());
                    match target {
                        Some(target) => target.source,
                        None => continue,
                    }
                }
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let mut buf = Vec::new();
                    e.read_to_end(&mut buf)?;
                    Source::Bytes(Arc::new(buf))
                }
                _ => continue,
            };
            let entry = Entry {
                source,
                mode,
                uid,
                gid,
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
