//! COPY from the bundle held in memory ([`crate::image::oci::context`]):
//! sources resolved against the bundle's entries exactly as
//! [`super::copy`] resolves them in a context on disk, or left to the disk
//! when they might not be (a path through a symlink).

use super::*;

/// Whether COPY source `src` may name files of the bundle at `rel` of the
/// context (itself, above it or under it; any glob may).
pub(super) fn may_touch(src: &str, rel: &str) -> bool {
    match clean(src) {
        Ok(c) if !has_glob(&c) => {
            rel.is_empty()
                || c.is_empty()
                || c == rel
                || c.starts_with(&format!("{rel}/"))
                || rel.starts_with(&format!("{c}/"))
        }
        _ => true,
    }
}

/// COPY of `srcs`, all inside the bundle at `rel` of the context, resolved
/// against the bundle's files in memory exactly as [`context_matches`],
/// [`add_tree`] and [`add_path`] resolve them on disk. `None` leaves it to
/// the disk: a source that does not resolve here (it may go through a
/// symlink), or a glob in a bundle that holds symlinks.
pub(super) fn from_bundle(
    files: &Entries,
    rel: &str,
    srcs: &[String],
    dest: &str,
    dest_is_dir: bool,
    perms: &Perms,
) -> Option<Entries> {
    let links: Vec<&String> = files
        .iter()
        .filter(|(_, e)| matches!(e.source, Source::Symlink(_)))
        .map(|(k, _)| k)
        .collect();
    // On disk a glob also walks through a symlinked directory: one that a
    // leading part of the pattern matches.
    let through_link = |pattern: &str| {
        let pat: Vec<&str> = pattern.split('/').collect();
        links.iter().any(|l| {
            let segs: Vec<&str> = l.split('/').collect();
            segs.len() < pat.len()
                && segs
                    .iter()
                    .zip(&pat)
                    .all(|(name, seg)| glob_match(seg, name))
        })
    };
    let mut out = Entries::new();
    for s in srcs {
        let c = clean(s).ok()?;
        let inner = if rel.is_empty() {
            c
        } else if c == rel {
            String::new()
        } else {
            c.strip_prefix(&format!("{rel}/"))?.to_string()
        };
        if has_glob(&inner) && through_link(&inner) {
            return None;
        }
        let hits = bundle_matches(files, &inner);
        if hits.is_empty() {
            return None;
        }
        for hit in hits {
            match files.get(&hit) {
                Some(e) if !matches!(e.source, Source::Dir) => {
                    let name = hit.rsplit('/').next().unwrap_or(&hit);
                    let target = if dest_is_dir {
                        join(dest, name)
                    } else {
                        dest.to_string()
                    };
                    out.insert(target, perms.entry(e.source.clone(), e.mode, 0, 0));
                }
                _ => {
                    for (r, v) in below(files, &hit) {
                        out.insert(join(dest, r), perms.entry(v.source.clone(), v.mode, 0, 0));
                    }
                }
            }
        }
    }
    Some(out)
}

/// Paths of the bundle's `files` matching `pattern` (bundle-relative;
/// globs per segment), directories implied by their entries included, in
/// the order [`context_matches`] finds them.
fn bundle_matches(files: &Entries, pattern: &str) -> Vec<String> {
    let exists = |p: &str| {
        let under = format!("{p}/");
        p.is_empty()
            || files.contains_key(p)
            || files
                .range(under.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&under))
    };
    if !has_glob(pattern) {
        return if exists(pattern) {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let pat: Vec<&str> = pattern.split('/').collect();
    let candidates: BTreeSet<String> = files
        .keys()
        .filter_map(|k| {
            let segs: Vec<&str> = k.split('/').collect();
            (segs.len() >= pat.len()).then(|| segs[..pat.len()].join("/"))
        })
        .collect();
    let mut hits: Vec<String> = candidates
        .into_iter()
        .filter(|c| {
            c.split('/').zip(&pat).all(|(name, seg)| {
                if has_glob(seg) {
                    glob_match(seg, name)
                } else {
                    name == *seg
                }
            })
        })
        .collect();
    hits.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    hits
}
