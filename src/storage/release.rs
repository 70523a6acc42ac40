//! The rules that make versions immutable, for any `Store`: publish writes
//! the archive (create-only) before the manifest (create-only) that names
//! its digest, so a reader never sees a manifest whose archive is missing or
//! different; the same content again is a no-op that uploads nothing; other
//! content under an existing version is refused. Also listing versions,
//! fetching a version's archive with its digest checked, and pruning.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;

use super::layout;
use super::manifest::{Index, IndexEntry, ReleaseManifest};
use super::{Created, Store};
use crate::error::UserError;

/// What `publish` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The archive and/or manifest were written now.
    Stored,
    /// The version already held this content; nothing was written.
    Unchanged,
}

/// The result of publishing one version.
#[derive(Debug, Clone)]
pub struct Published {
    pub outcome: Outcome,
    /// Archive bytes sent to the store (0 on a no-op or a resumed push).
    pub uploaded_bytes: u64,
    pub parts: usize,
    pub retries: usize,
    /// Time spent uploading the archive.
    pub upload_time: Duration,
    /// Where the archive is.
    pub archive_url: String,
    /// A note for the user (e.g. an existing manifest without an image).
    pub note: Option<String>,
}

/// Read a version's manifest; `None` when the version does not exist.
pub fn read_manifest(
    store: &dyn Store,
    function: &str,
    version: &str,
) -> anyhow::Result<Option<ReleaseManifest>> {
    let key = layout::manifest_key(function, version);
    let Some(bytes) = store.get(&key)? else {
        return Ok(None);
    };
    let m: ReleaseManifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a hoist release manifest", store.url(&key)))?;
    if m.function != function || m.version != version {
        anyhow::bail!(
            "{} names {} {} instead of {function} {version}",
            store.url(&key),
            m.function,
            m.version
        );
    }
    Ok(Some(m))
}

/// Refuse early when `new.version` is stored with another bundle, so that
/// nothing (not even an image) is pushed for a version that cannot be.
pub fn check_version_free(store: &dyn Store, new: &ReleaseManifest) -> anyhow::Result<()> {
    match read_manifest(store, &new.function, &new.version)? {
        Some(existing)
            if existing.bundle.digest != new.bundle.digest
                || existing.bundle.size != new.bundle.size =>
        {
            Err(conflict(store, &existing, new))
        }
        _ => Ok(()),
    }
}

fn conflict(store: &dyn Store, existing: &ReleaseManifest, new: &ReleaseManifest) -> anyhow::Error {
    UserError::failure(format!(
        "version {} of {} already exists with other content: the store has bundle {} ({} bytes), this push has {} ({} bytes)",
        new.version,
        new.function,
        existing.bundle.digest,
        existing.bundle.size,
        new.bundle.digest,
        new.bundle.size,
    ))
    .with_hint(format!(
        "versions are immutable ({}); change the function's `version` in hoist.yaml (or use `version: content`) to push this content",
        store.url(&layout::manifest_key(&new.function, &new.version))
    ))
    .into()
}

/// Whether an existing manifest holds the same content as a new one; `Err`
/// when it does not, `Ok(Some(note))` when it does but differs in a way the
/// user should know about.
fn same_content(
    store: &dyn Store,
    existing: &ReleaseManifest,
    new: &ReleaseManifest,
) -> anyhow::Result<Option<String>> {
    if existing.bundle.digest != new.bundle.digest || existing.bundle.size != new.bundle.size {
        return Err(conflict(store, existing, new));
    }
    match (&existing.image, &new.image) {
        (Some(a), Some(b)) if a.digest != b.digest => Err(UserError::failure(format!(
            "version {} of {} already exists with image {}, this push built {}",
            new.version, new.function, a.digest, b.digest
        ))
        .with_hint("the image must come from the same bundle; push a new version")
        .into()),
        (None, Some(_)) => Ok(Some(format!(
            "{} {} was stored earlier without an image; its manifest stays as it was",
            new.function, new.version
        ))),
        _ => Ok(settings_note(existing, new)),
    }
}

/// A note when the same code comes with other settings than the stored
/// version's: versions are immutable, so the stored manifest stays, and
/// the user should hear that the change is not in it.
fn settings_note(existing: &ReleaseManifest, new: &ReleaseManifest) -> Option<String> {
    let mut changed = Vec::new();
    if existing.runtime != new.runtime {
        changed.push("runtime");
    }
    if existing.entrypoint != new.entrypoint {
        changed.push("entrypoint");
    }
    if existing.resources != new.resources {
        changed.push("resources");
    }
    if existing.env_keys != new.env_keys {
        changed.push("env keys");
    }
    if existing.secret_keys != new.secret_keys {
        changed.push("secret keys");
    }
    (!changed.is_empty()).then(|| {
        format!(
            "{} {} is already stored with other {} than hoist.yaml now gives; versions are immutable, so the stored manifest is kept (push under a new `version` to record the change)",
            new.function,
            new.version,
            changed.join(", ")
        )
    })
}

/// Make sure the archive at `key` is the bundle `sha256`/`size`; used when
/// it exists but no manifest names it yet (an interrupted push).
fn check_orphan_archive(
    store: &dyn Store,
    key: &str,
    info: &super::ObjectInfo,
    sha256: &str,
    size: u64,
) -> anyhow::Result<()> {
    let matches = if info.size != size {
        false
    } else if let Some(d) = &info.sha256 {
        d == sha256
    } else {
        let mut w = super::HashingWriter::new(std::io::sink());
        store.download(key, &mut w, &ProgressBar::hidden())?;
        let (_, digest, _) = w.finish();
        digest == sha256
    };
    if matches {
        Ok(())
    } else {
        Err(UserError::failure(format!(
            "{} exists with other content but no manifest names it (a push of other content was interrupted, or is running now)",
            store.url(key)
        ))
        .with_hint("choose another version, or delete that object if no push is running")
        .into())
    }
}

/// Publish one version: archive first, then manifest, then the index.
pub fn publish(
    store: &dyn Store,
    manifest: &ReleaseManifest,
    archive: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<Published> {
    let f = &manifest.function;
    let v = &manifest.version;
    layout::check_function(f)?;
    layout::check_version(v)?;
    let sha = manifest.bundle_hex().to_string();
    let akey = layout::archive_key(f, v);
    let mkey = layout::manifest_key(f, v);
    let mut out = Published {
        outcome: Outcome::Unchanged,
        uploaded_bytes: 0,
        parts: 0,
        retries: 0,
        upload_time: Duration::ZERO,
        archive_url: store.url(&akey),
        note: None,
    };

    // 1. An existing manifest decides: same content is a no-op, except that
    //    the index records that this version was pushed again (prune keeps
    //    the most recently pushed version, which a rollback makes current).
    if let Some(existing) = read_manifest(store, f, v)? {
        out.note = same_content(store, &existing, manifest)?;
        ensure_indexed(store, &existing, Some(&manifest.created_at))?;
        return Ok(out);
    }

    // 2. The archive, create-only. An archive left by an interrupted push
    //    of the same bundle is reused as it is.
    crate::interrupt::check()?;
    match store.head(&akey)? {
        Some(info) => check_orphan_archive(store, &akey, &info, &sha, manifest.bundle.size)?,
        None => {
            bar.set_length(manifest.bundle.size);
            let started = Instant::now();
            let up = store.upload(&akey, archive, &sha, bar)?;
            out.upload_time = started.elapsed();
            out.uploaded_bytes = up.bytes;
            out.parts = up.parts;
            out.retries = up.retries;
            if up.created == Created::AlreadyExists {
                // Someone else wrote it between our HEAD and our write.
                let info = store.head(&akey)?.ok_or_else(|| {
                    anyhow::anyhow!("{} vanished while being written", store.url(&akey))
                })?;
                check_orphan_archive(store, &akey, &info, &sha, manifest.bundle.size)?;
            }
        }
    }

    // 3. The manifest, create-only: the moment the version exists. A server
    //    whose conditional write is not atomic could have let a racing push
    //    of other content replace the archive, so look once more at what the
    //    key holds before naming it.
    crate::interrupt::check()?;
    match store.head(&akey)? {
        Some(info)
            if info.size == manifest.bundle.size
                && info.sha256.as_deref().is_none_or(|d| d == sha) => {}
        Some(_) => {
            return Err(UserError::failure(format!(
                "{} was replaced by other content while this push ran (another push of version {v} of {f}?)",
                store.url(&akey)
            ))
            .with_hint("no manifest was written for this push; check what is running, then push again")
            .into())
        }
        None => anyhow::bail!("{} vanished while being written", store.url(&akey)),
    }
    let bytes = serde_json::to_vec_pretty(manifest)?;
    match store.put(&mkey, &bytes, true)? {
        Created::Created => out.outcome = Outcome::Stored,
        Created::AlreadyExists => {
            let existing = read_manifest(store, f, v)?.ok_or_else(|| {
                anyhow::anyhow!("{} vanished while being written", store.url(&mkey))
            })?;
            out.note = same_content(store, &existing, manifest)?;
        }
    }

    // 4. The index, a convenience for readers.
    ensure_indexed(store, manifest, None)?;
    Ok(out)
}

/// Read a function's index; `None` when missing or unreadable.
fn read_index(store: &dyn Store, function: &str) -> anyhow::Result<Option<Index>> {
    let Some(bytes) = store.get(&layout::index_key(function))? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice::<Index>(&bytes)
        .ok()
        .filter(|i| i.function == function))
}

fn write_index(store: &dyn Store, index: &Index) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(index)?;
    store.put(&layout::index_key(&index.function), &bytes, false)?;
    Ok(())
}

/// Make the index hold `m` (with `pushed_at` when it was pushed again) and
/// exactly the versions whose manifest exists: a listing of the manifests
/// is the truth, so entries lost to a concurrent push or an interrupted one
/// come back, and versions pruned meanwhile drop out.
fn ensure_indexed(
    store: &dyn Store,
    m: &ReleaseManifest,
    pushed_at: Option<&str>,
) -> anyhow::Result<()> {
    let present: BTreeSet<String> = manifest_versions(store, &m.function)?.into_iter().collect();
    let old = read_index(store, &m.function)?;
    let mut versions: Vec<IndexEntry> = old
        .as_ref()
        .map(|i| i.versions.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| present.contains(&e.version) && e.version != m.version)
        .collect();
    let mut entry = IndexEntry::from(m);
    let previous = old
        .as_ref()
        .and_then(|i| i.versions.iter().find(|e| e.version == m.version));
    entry.pushed_at = match (pushed_at, previous.and_then(|p| p.pushed_at.clone())) {
        (Some(now), _) => Some(now.to_string()),
        (None, before) => before,
    };
    versions.push(entry);
    let known: BTreeSet<String> = versions.iter().map(|e| e.version.clone()).collect();
    for v in present.difference(&known) {
        if let Some(other) = read_manifest(store, &m.function, v)? {
            versions.push(IndexEntry::from(&other));
        }
    }
    let mut index = Index {
        versions,
        ..Index::new(&m.function)
    };
    index.normalize();
    if old.as_ref() == Some(&index) {
        return Ok(());
    }
    write_index(store, &index)
}

/// Versions that have a manifest, found by listing keys.
pub fn manifest_versions(store: &dyn Store, function: &str) -> anyhow::Result<Vec<String>> {
    layout::check_function(function)?;
    Ok(store
        .list(&layout::function_dir(function))?
        .iter()
        .filter_map(|o| layout::version_of_manifest_key(function, &o.key))
        // Keys hoist could not have written (another tool's) are not versions.
        .filter(|v| layout::check_version(v).is_ok())
        .map(str::to_string)
        .collect())
}

/// A function's versions, oldest first. Keys are the truth: the index
/// supplies details for the versions it knows, manifests for the rest.
pub fn list_versions(store: &dyn Store, function: &str) -> anyhow::Result<Vec<IndexEntry>> {
    let present: BTreeSet<String> = manifest_versions(store, function)?.into_iter().collect();
    let index = read_index(store, function)?.unwrap_or_else(|| Index::new(function));
    let mut out: Vec<IndexEntry> = index
        .versions
        .into_iter()
        .filter(|e| present.contains(&e.version))
        .collect();
    let known: BTreeSet<String> = out.iter().map(|e| e.version.clone()).collect();
    for v in present.difference(&known) {
        if let Some(m) = read_manifest(store, function, v)? {
            out.push(IndexEntry::from(&m));
        }
    }
    let mut idx = Index {
        versions: out,
        ..Index::new(function)
    };
    idx.normalize();
    Ok(idx.versions)
}

/// What `fetch` wrote.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub manifest: ReleaseManifest,
    pub path: PathBuf,
    pub bytes: u64,
}

/// Download a version's archive to `dest`, refusing it unless its sha256 and
/// size are the ones its manifest names. `dest` is only created on success.
pub fn fetch(
    store: &dyn Store,
    function: &str,
    version: &str,
    dest: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<Fetched> {
    layout::check_function(function)?;
    layout::check_version(version)?;
    let manifest = read_manifest(store, function, version)?.ok_or_else(|| {
        UserError::failure(format!(
            "{function} has no version {version} in {}",
            store.url(&layout::function_dir(function))
        ))
        .with_hint(format!(
            "list the stored versions with `hoist versions {function}`"
        ))
    })?;
    let key = layout::archive_key(function, version);
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let tmp = crate::fsx::shared_temp(".hoist-pull-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    bar.set_length(manifest.bundle.size);
    let mut w =
        super::HashingWriter::new(std::io::BufWriter::with_capacity(1 << 20, tmp.as_file()));
    store
        .download(&key, &mut w, bar)
        .with_context(|| format!("cannot download {}", store.url(&key)))?;
    let (inner, digest, n) = w.finish();
    inner
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", dest.display()))?;
    if digest != manifest.bundle_hex() || n != manifest.bundle.size {
        return Err(UserError::failure(format!(
            "the downloaded archive does not match its manifest: got sha256:{digest} ({n} bytes), the manifest names {} ({} bytes)",
            manifest.bundle.digest, manifest.bundle.size
        ))
        .with_hint(format!(
            "the stored object {} is damaged or was replaced outside hoist; nothing was written",
            store.url(&key)
        ))
        .into());
    }
    tmp.persist(dest)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(Fetched {
        manifest,
        path: dest.to_path_buf(),
        bytes: n,
    })
}

/// Which versions a prune keeps and deletes.
#[derive(Debug, Clone, Default)]
pub struct PrunePlan {
    /// Oldest first.
    pub keep: Vec<(IndexEntry, &'static str)>,
    pub delete: Vec<IndexEntry>,
}

/// Plan a prune: keep the `keep` most recently pushed versions, the most
/// recently pushed of all (the "newest": pushing an older version again, as
/// a rollback does, makes it the newest), and every version in `active`;
/// delete the rest. The plan lists versions in their given order.
pub fn plan_prune(versions: Vec<IndexEntry>, keep: usize, active: &BTreeSet<String>) -> PrunePlan {
    let mut by_push: Vec<(String, String)> = versions
        .iter()
        .map(|e| (e.last_pushed_key(), e.version.clone()))
        .collect();
    by_push.sort_by(|a, b| b.cmp(a));
    let rank = |v: &str| {
        by_push
            .iter()
            .position(|(_, x)| x == v)
            .unwrap_or(usize::MAX)
    };
    let mut plan = PrunePlan::default();
    for e in versions {
        let r = rank(&e.version);
        let why = if active.contains(&e.version) {
            Some("active")
        } else if r == 0 {
            Some("newest")
        } else if r < keep {
            Some("kept")
        } else {
            None
        };
        match why {
            Some(w) => plan.keep.push((e, w)),
            None => plan.delete.push(e),
        }
    }
    plan
}

/// Delete one version: manifest first (it stops being a version), then the
/// archive and anything else under its directory.
pub fn delete_version(store: &dyn Store, function: &str, version: &str) -> anyhow::Result<()> {
    layout::check_function(function)?;
    layout::check_version(version)?;
    store.delete(&layout::manifest_key(function, version))?;
    store.delete(&layout::archive_key(function, version))?;
    for o in store.list(&layout::version_dir(function, version))? {
        store.delete(&o.key)?;
    }
    Ok(())
}

/// Rewrite a function's index from what is stored now.
pub fn reindex(store: &dyn Store, function: &str) -> anyhow::Result<()> {
    let versions = list_versions(store, function)?;
    write_index(
        store,
        &Index {
            versions,
            ..Index::new(function)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(v: &str, at: &str) -> IndexEntry {
        IndexEntry {
            version: v.into(),
            bundle_digest: format!("sha256:{v}"),
            size: 1,
            image_digest: None,
            created_at: at.into(),
            pushed_at: None,
        }
    }

    #[test]
    fn prune_keeps_the_version_pushed_last_even_when_it_is_old() {
        let mut a = e("a", "2026-01-01T00:00:00Z");
        a.pushed_at = Some("2026-01-05T00:00:00Z".into());
        let versions = vec![
            a,
            e("b", "2026-01-02T00:00:00Z"),
            e("c", "2026-01-03T00:00:00Z"),
        ];
        let plan = plan_prune(versions.clone(), 1, &BTreeSet::new());
        let kept: Vec<(&str, &str)> = plan
            .keep
            .iter()
            .map(|(e, w)| (e.version.as_str(), *w))
            .collect();
        assert_eq!(kept, [("a", "newest")]);
        let plan = plan_prune(versions, 2, &BTreeSet::new());
        let del: Vec<&str> = plan.delete.iter().map(|e| e.version.as_str()).collect();
        assert_eq!(del, ["b"]);
    }

    #[test]
    fn prune_keeps_the_newest_and_the_active() {
        let versions = vec![
            e("a", "2026-01-01T00:00:00Z"),
            e("b", "2026-01-02T00:00:00Z"),
            e("c", "2026-01-03T00:00:00Z"),
            e("d", "2026-01-04T00:00:00Z"),
        ];
        let active: BTreeSet<String> = ["a".to_string()].into();
        let plan = plan_prune(versions.clone(), 2, &active);
        let del: Vec<&str> = plan.delete.iter().map(|e| e.version.as_str()).collect();
        assert_eq!(del, ["b"]);
        // keep 0 still keeps the newest
        let plan = plan_prune(versions, 0, &BTreeSet::new());
        let kept: Vec<(&str, &str)> = plan
            .keep
            .iter()
            .map(|(e, w)| (e.version.as_str(), *w))
            .collect();
        assert_eq!(kept, [("d", "newest")]);
        assert_eq!(plan.delete.len(), 3);
    }
}
