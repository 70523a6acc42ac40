//! The rules that make versions immutable, for any `Store`: publish writes
//! the archive (create-only) before the manifest (create-only) that names
//! its digest, so a reader never sees a manifest whose archive is missing or
//! different; the same content again is a no-op that uploads nothing; other
//! content under an existing version is refused. Also listing versions,
//! fetching a version's archive with its digest checked, and pruning.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::report::Progress;
use anyhow::Context;

use super::layout;
use super::manifest::{Index, IndexEntry, ReleaseManifest};
use super::StoreError;
use super::{Created, Store};
use crate::error::UserError;

/// What `publish` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The archive and/or manifest were written now.
    Stored,
    /// The version already held this content; nothing was written.
    Unchanged,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Stored => "stored",
            Outcome::Unchanged => "unchanged",
        })
    }
}

/// The result of publishing one version.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub(crate) outcome: Outcome,
    /// Archive bytes sent to the store (0 on a no-op or a resumed push).
    pub(crate) uploaded_bytes: u64,
    pub(crate) parts: usize,
    pub(crate) retries: usize,
    /// Time spent uploading the archive.
    pub(crate) upload_time: Duration,
    /// Where the archive is.
    pub(crate) archive_url: String,
    /// The archive's key in the store: the one the version's manifest names.
    pub(crate) archive_key: String,
    /// A note for the user (e.g. an existing manifest without an image).
    pub(crate) note: Option<String>,
}

/// Read a version's manifest; `None` when the version does not exist.
pub async fn read_manifest(
    store: &dyn Store,
    function: &str,
    version: &str,
) -> anyhow::Result<Option<ReleaseManifest>> {
    let key = layout::manifest_key(function, version);
    let Some(bytes) = store.get(&key).await? else {
        return Ok(None);
    };
    parse_manifest(&bytes, function, version)
        .with_context(|| format!("{} is not a usable hoist release manifest", store.url(&key)))
        .map(Some)
}

/// Parse the bytes of `function`'s `version` manifest, refusing one that
/// names another function or version. Public for the fuzz targets.
pub fn parse_manifest(
    bytes: &[u8],
    function: &str,
    version: &str,
) -> anyhow::Result<ReleaseManifest> {
    let m: ReleaseManifest =
        serde_json::from_slice(bytes).context("not a hoist release manifest")?;
    if m.function != function || m.version != version {
        anyhow::bail!(
            "it names {} {} instead of {function} {version}",
            m.function.chars().take(80).collect::<String>(),
            m.version.chars().take(80).collect::<String>()
        );
    }
    Ok(m)
}

/// Parse the bytes of `function`'s version index; `None` when they are
/// not one (the index is rebuilt from the manifests). Public for the fuzz
/// targets.
pub fn parse_index(bytes: &[u8], function: &str) -> Option<Index> {
    serde_json::from_slice::<Index>(bytes)
        .ok()
        .filter(|i| i.function == function)
}

/// Refuse early when `new.version` is stored with another bundle, so that
/// nothing (not even an image) is pushed for a version that cannot be.
pub(crate) async fn check_version_free(
    store: &dyn Store,
    new: &ReleaseManifest,
) -> anyhow::Result<()> {
    match read_manifest(store, &new.function, &new.version).await? {
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
    StoreError::VersionConflict {
        function: new.function.clone(),
        version: new.version.clone(),
        stored: existing.bundle.digest.clone(),
        stored_size: existing.bundle.size,
        pushed: new.bundle.digest.clone(),
        pushed_size: new.bundle.size,
        manifest: store.url(&layout::manifest_key(&new.function, &new.version)),
    }
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
        (Some(a), Some(b)) if a.digest != b.digest => Err(StoreError::ImageConflict {
            function: new.function.clone(),
            version: new.version.clone(),
            stored: a.digest.clone(),
            pushed: b.digest.clone(),
        }
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

/// Make sure the archive at `key` is the bundle `sha256`/`size`: its key
/// names that digest, so anything else there was damaged or written by
/// something other than hoist.
async fn check_archive(
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
        store.download(key, &mut w, &Progress::hidden()).await?;
        let (_, digest, _) = w.finish();
        digest == sha256
    };
    if matches {
        Ok(())
    } else {
        Err(StoreError::DamagedArchive {
            url: store.url(key),
            size: info.size,
            expected_size: size,
        }
        .into())
    }
}

/// Publish one version: archive first, then manifest, then the index.
pub(crate) async fn publish(
    store: &dyn Store,
    manifest: &ReleaseManifest,
    archive: &Path,
    bar: &Progress,
) -> anyhow::Result<Published> {
    let f = &manifest.function;
    let v = &manifest.version;
    layout::check_function(f)?;
    layout::check_version(v)?;
    let sha = manifest.bundle_hex().to_string();
    let akey = layout::archive_key(f, v, &sha);
    if manifest.bundle.key != akey {
        anyhow::bail!(
            "internal error: the manifest names {} but the archive goes to {akey}",
            manifest.bundle.key
        );
    }
    let mkey = layout::manifest_key(f, v);
    let mut out = Published {
        outcome: Outcome::Unchanged,
        uploaded_bytes: 0,
        parts: 0,
        retries: 0,
        upload_time: Duration::ZERO,
        archive_url: store.url(&akey),
        archive_key: akey.clone(),
        note: None,
    };

    // 1. An existing manifest decides: same content is a no-op, except that
    //    the index records that this version was pushed again (prune keeps
    //    the most recently pushed version, which a rollback makes current).
    if let Some(existing) = read_manifest(store, f, v).await? {
        out.note = same_content(store, &existing, manifest)?;
        out.archive_url = store.url(&existing.bundle.key);
        out.archive_key = existing.bundle.key.clone();
        ensure_indexed(store, &existing, Some(&manifest.created_at)).await?;
        return Ok(out);
    }

    // 2. The archive, create-only, under a key named by its own digest: a
    //    push of other content writes another key, so no race can pair this
    //    manifest with other bytes. An archive left by an interrupted push
    //    of the same bundle is reused as it is.
    crate::interrupt::check()?;
    match store.head(&akey).await? {
        Some(info) => check_archive(store, &akey, &info, &sha, manifest.bundle.size).await?,
        None => {
            bar.set_length(manifest.bundle.size);
            let started = Instant::now();
            let up = store.upload(&akey, archive, &sha, bar).await?;
            out.upload_time = started.elapsed();
            out.uploaded_bytes = up.bytes;
            out.parts = up.parts;
            out.retries = up.retries;
            let info = store.head(&akey).await?.ok_or_else(|| {
                anyhow::anyhow!("{} vanished while being written", store.url(&akey))
            })?;
            check_archive(store, &akey, &info, &sha, manifest.bundle.size).await?;
        }
    }

    // 3. The manifest, create-only and last: the moment the version exists.
    //    A server whose conditional write is not atomic may let two pushes
    //    both "create" it, so read it back: whoever's manifest is there won.
    if crate::interrupt::requested() {
        return Err(UserError::interrupted()
            .with_hint(format!(
                "the archive {} was stored but no manifest names it, so {f} {v} was not stored; run the command again to finish (it reuses the archive), or `hoist prune` removes it",
                store.url(&akey)
            ))
            .into());
    }
    let bytes = serde_json::to_vec_pretty(manifest)?;
    let created = store.put(&mkey, &bytes, true).await?;
    let mut stored = read_back(store, manifest, &akey).await?;
    if let Some(wait) = store.settle() {
        // A racing write that passed the server's existence check before
        // ours landed may still replace it: look again once it would have.
        tokio::time::sleep(wait).await;
        stored = read_back(store, manifest, &akey).await?;
    }
    match created {
        Created::Created => out.outcome = Outcome::Stored,
        Created::AlreadyExists => {
            // Another push of the same bundle got there first.
            out.note = same_content(store, &stored, manifest)?;
            out.archive_url = store.url(&stored.bundle.key);
            out.archive_key = stored.bundle.key.clone();
        }
    }

    // 4. The index, a convenience for readers.
    ensure_indexed(store, manifest, None).await?;
    Ok(out)
}

/// Read the version's manifest back after writing it: an error unless it
/// names this push's bundle.
async fn read_back(
    store: &dyn Store,
    ours: &ReleaseManifest,
    akey: &str,
) -> anyhow::Result<ReleaseManifest> {
    let mkey = layout::manifest_key(&ours.function, &ours.version);
    let stored = read_manifest(store, &ours.function, &ours.version)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("{} vanished right after it was written", store.url(&mkey))
        })?;
    if stored.bundle.digest == ours.bundle.digest && stored.bundle.size == ours.bundle.size {
        Ok(stored)
    } else {
        Err(lost_race(store, &stored, ours, akey))
    }
}

/// The error of a push whose manifest lost to another push of the same
/// version with other content. The winner is left as it is; this push's
/// archive stays unreferenced until `hoist prune` removes it.
fn lost_race(
    store: &dyn Store,
    winner: &ReleaseManifest,
    ours: &ReleaseManifest,
    akey: &str,
) -> anyhow::Error {
    StoreError::LostRace {
        function: ours.function.clone(),
        version: ours.version.clone(),
        stored: winner.bundle.digest.clone(),
        stored_size: winner.bundle.size,
        pushed: ours.bundle.digest.clone(),
        pushed_size: ours.bundle.size,
        archive: store.url(akey),
    }
    .into()
}

/// Read a function's index; `None` when missing or unreadable.
async fn read_index(store: &dyn Store, function: &str) -> anyhow::Result<Option<Index>> {
    // The index is a convenience rebuilt from the manifests: one that
    // cannot be read is treated as missing.
    let Ok(Some(bytes)) = store.get(&layout::index_key(function)).await else {
        return Ok(None);
    };
    Ok(parse_index(&bytes, function))
}

async fn write_index(store: &dyn Store, index: &Index) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(index)?;
    store
        .put(&layout::index_key(&index.function), &bytes, false)
        .await?;
    Ok(())
}

/// Make the index hold `m` (with `pushed_at` when it was pushed again) and
/// exactly the versions whose manifest exists: a listing of the manifests
/// is the truth, so entries lost to a concurrent push or an interrupted one
/// come back, and versions pruned meanwhile drop out.
async fn ensure_indexed(
    store: &dyn Store,
    m: &ReleaseManifest,
    pushed_at: Option<&str>,
) -> anyhow::Result<()> {
    let present: BTreeSet<String> = manifest_versions(store, &m.function)
        .await?
        .into_iter()
        .collect();
    let old = read_index(store, &m.function).await?;
    // No index yet: every version comes from the manifests present.
    let mut versions: Vec<IndexEntry> = old
        .iter()
        .flat_map(|i| i.versions.clone())
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
        if let Some(other) = read_manifest(store, &m.function, v).await? {
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
    write_index(store, &index).await
}

/// Versions that have a manifest, found by listing keys.
pub async fn manifest_versions(store: &dyn Store, function: &str) -> anyhow::Result<Vec<String>> {
    layout::check_function(function)?;
    Ok(store
        .list(&layout::function_dir(function))
        .await?
        .iter()
        .filter_map(|o| layout::version_of_manifest_key(function, &o.key))
        // Keys hoist could not have written (another tool's) are not versions.
        .filter(|v| layout::check_version(v).is_ok())
        .map(str::to_string)
        .collect())
}

/// A function's versions, oldest first. Keys are the truth: the index
/// supplies details for the versions it knows, manifests for the rest.
pub async fn list_versions(store: &dyn Store, function: &str) -> anyhow::Result<Vec<IndexEntry>> {
    let present: BTreeSet<String> = manifest_versions(store, function)
        .await?
        .into_iter()
        .collect();
    let index = read_index(store, function)
        .await?
        .unwrap_or_else(|| Index::new(function));
    let mut out: Vec<IndexEntry> = index
        .versions
        .into_iter()
        .filter(|e| present.contains(&e.version))
        .collect();
    let known: BTreeSet<String> = out.iter().map(|e| e.version.clone()).collect();
    for v in present.difference(&known) {
        if let Some(m) = read_manifest(store, function, v).await? {
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
pub async fn fetch(
    store: &dyn Store,
    function: &str,
    version: &str,
    dest: &Path,
    bar: &Progress,
) -> anyhow::Result<Fetched> {
    layout::check_function(function)?;
    layout::check_version(version)?;
    let manifest = read_manifest(store, function, version)
        .await?
        .ok_or_else(|| StoreError::NoVersion {
            function: function.to_string(),
            version: version.to_string(),
            dir: store.url(&layout::function_dir(function)),
        })?;
    let key = manifest.bundle.key.clone();
    if !layout::is_archive_key(function, version, &key) {
        return Err(StoreError::ForeignArchive {
            function: function.to_string(),
            version: version.to_string(),
            key,
        }
        .into());
    }
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
        .await
        .with_context(|| format!("cannot download {}", store.url(&key)))?;
    let (inner, digest, n) = w.finish();
    inner
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", dest.display()))?;
    if digest != manifest.bundle_hex() || n != manifest.bundle.size {
        return Err(StoreError::DownloadMismatch {
            digest,
            size: n,
            expected: manifest.bundle.digest.clone(),
            expected_size: manifest.bundle.size,
            url: store.url(&key),
        }
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
pub async fn delete_version(
    store: &dyn Store,
    function: &str,
    version: &str,
) -> anyhow::Result<()> {
    layout::check_function(function)?;
    layout::check_version(version)?;
    store
        .delete(&layout::manifest_key(function, version))
        .await?;
    for o in store.list(&layout::version_dir(function, version)).await? {
        store.delete(&o.key).await?;
    }
    Ok(())
}

/// Archives of `function` that no manifest names (left by a push killed
/// before its manifest, or by the loser of a race for one version) and
/// that are older than `min_age`: younger ones may be about to be named.
/// Objects whose age the store does not report are left alone.
pub async fn unreferenced_archives(
    store: &dyn Store,
    function: &str,
    min_age: Duration,
) -> anyhow::Result<Vec<super::ObjectInfo>> {
    layout::check_function(function)?;
    let objects = store.list(&layout::function_dir(function)).await?;
    let mut named = BTreeSet::new();
    for v in manifest_versions(store, function).await? {
        if let Some(m) = read_manifest(store, function, &v).await? {
            named.insert(m.bundle.key);
        }
    }
    let now = std::time::SystemTime::now();
    Ok(objects
        .into_iter()
        .filter(|o| {
            let Some(rest) = o.key.strip_prefix(&layout::function_dir(function)) else {
                return false;
            };
            let Some((version, name)) = rest.split_once('/') else {
                return false;
            };
            layout::check_version(version).is_ok()
                && !name.contains('/')
                && (name == layout::LEGACY_ARCHIVE || layout::archive_name_digest(name).is_some())
                && !named.contains(&o.key)
                && o.modified
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|age| age >= min_age)
        })
        .collect())
}

/// Rewrite a function's index from what is stored now.
pub async fn reindex(store: &dyn Store, function: &str) -> anyhow::Result<()> {
    let versions = list_versions(store, function).await?;
    write_index(
        store,
        &Index {
            versions,
            ..Index::new(function)
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(v: &str, at: &str) -> IndexEntry {
        IndexEntry {
            version: v.into(),
            bundle_digest: crate::digest::prefixed(v),
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
