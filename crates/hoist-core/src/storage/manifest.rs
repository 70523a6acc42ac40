//! The documents hoist writes next to archives: the release manifest of one
//! version (`manifest.json`) and the per-function version index
//! (`index.json`). Both are JSON with a `schema` number so that backends
//! written in other languages (ContainerPub, BunBase) can read them; the
//! field-by-field description is in docs/storage.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema number written into every manifest and index.
pub(crate) const SCHEMA: u32 = 1;

/// The archive a manifest points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRef {
    /// Object key relative to the store root (and prefix).
    pub key: String,
    /// `sha256:<hex>` of the .tar.gz bytes.
    pub digest: String,
    /// Size of the .tar.gz in bytes.
    pub(crate) size: u64,
    pub(crate) media_type: String,
}

/// An image built from the same bundle, when one was pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    /// Repository reference, e.g. `registry.fly.io/app@sha256:...`.
    pub(crate) reference: String,
    /// `sha256:<hex>` of the image manifest.
    pub digest: String,
}

/// The git state of the project when the version was pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GitInfo {
    pub(crate) commit: String,
    pub(crate) dirty: bool,
}

/// `functions/<function>/<version>/manifest.json`: what one immutable
/// version is. Written once, after its archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseManifest {
    pub(crate) schema: u32,
    pub(crate) function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    pub bundle: BundleRef,
    /// Null until an image is pushed with the version.
    pub(crate) image: Option<ImageRef>,
    pub(crate) runtime: String,
    pub(crate) entrypoint: String,
    /// Deno: the import map inside the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) import_map: Option<String>,
    /// supabase/config.toml `verify_jwt`, when set (the image's VERIFY_JWT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) verify_jwt: Option<bool>,
    /// The function's resources (memory_mb, cpus, timeout_seconds,
    /// max_concurrent, warm_workers), unset ones left out. Kept as a JSON
    /// map so that a newer hoist's extra keys do not break older readers.
    #[serde(default)]
    pub(crate) resources: serde_json::Map<String, serde_json::Value>,
    /// Names of the environment values the function is configured with;
    /// never their values.
    #[serde(default)]
    pub(crate) env_keys: Vec<String>,
    /// Names of the secrets the function reads; values live on the target.
    #[serde(default)]
    pub(crate) secret_keys: Vec<String>,
    pub(crate) git: Option<GitInfo>,
    pub(crate) hoist_version: String,
    /// RFC 3339, UTC, when the version was pushed.
    pub(crate) created_at: String,
}

impl ReleaseManifest {
    /// The bundle digest as bare lowercase hex.
    pub fn bundle_hex(&self) -> &str {
        self.bundle
            .digest
            .strip_prefix("sha256:")
            .unwrap_or(&self.bundle.digest)
    }
}

/// One line of the version index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub version: String,
    pub bundle_digest: String,
    pub size: u64,
    #[serde(default)]
    pub image_digest: Option<String>,
    pub created_at: String,
    /// The last time a push named this version, when later than
    /// `created_at` (pushing stored content again, as a rollback does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pushed_at: Option<String>,
}

impl IndexEntry {
    /// When this version was last pushed: `pushed_at`, else `created_at`,
    /// as a key that sorts in time order.
    pub(crate) fn last_pushed_key(&self) -> String {
        let created = time_key(&self.created_at);
        match &self.pushed_at {
            Some(p) => time_key(p).max(created),
            None => created,
        }
    }
}

impl From<&ReleaseManifest> for IndexEntry {
    fn from(m: &ReleaseManifest) -> Self {
        IndexEntry {
            version: m.version.to_string(),
            bundle_digest: m.bundle.digest.clone(),
            size: m.bundle.size,
            image_digest: m.image.as_ref().map(|i| i.digest.clone()),
            created_at: m.created_at.clone(),
            pushed_at: None,
        }
    }
}

/// `functions/<function>/index.json`: the versions of a function, oldest
/// first. A convenience rewritten after each push and prune; the manifests
/// are the truth, and readers may list `*/manifest.json` keys instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub(crate) schema: u32,
    pub(crate) function: String,
    pub(crate) versions: Vec<IndexEntry>,
}

impl Index {
    pub(crate) fn new(function: &str) -> Self {
        Index {
            schema: SCHEMA,
            function: function.to_string(),
            versions: Vec::new(),
        }
    }

    /// Sort oldest first (by creation time, then version) and drop duplicates.
    pub(crate) fn normalize(&mut self) {
        let mut by_version: BTreeMap<String, IndexEntry> = BTreeMap::new();
        for e in self.versions.drain(..) {
            by_version.insert(e.version.clone(), e);
        }
        self.versions = by_version.into_values().collect();
        self.versions.sort_by(|a, b| {
            time_key(&a.created_at)
                .cmp(&time_key(&b.created_at))
                .then_with(|| a.version.cmp(&b.version))
        });
    }
}

/// Now, as RFC 3339 UTC with milliseconds (`2026-01-27T10:00:00.123Z`), so
/// that versions pushed within one second still sort in push order.
pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    now.format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

/// A sort key for UTC RFC 3339 times with any number of fractional digits
/// (`...:00Z` and `...:00.5Z` compare by time, not by character).
pub fn time_key(t: &str) -> String {
    let body = t.strip_suffix('Z').unwrap_or(t);
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    format!("{secs}.{frac:0<9}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(v: &str, at: &str) -> IndexEntry {
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
    fn index_sorts_oldest_first_without_duplicates() {
        let mut idx = Index::new("f");
        idx.versions = vec![
            entry("b", "2026-01-02T00:00:00Z"),
            entry("a", "2026-01-03T00:00:00Z"),
            entry("b", "2026-01-02T00:00:00Z"),
            entry("c", "2026-01-01T00:00:00Z"),
        ];
        idx.normalize();
        let v: Vec<&str> = idx.versions.iter().map(|e| e.version.as_str()).collect();
        assert_eq!(v, ["c", "b", "a"]);
    }

    #[test]
    fn now_is_rfc3339_utc_with_millis() {
        let s = now_rfc3339();
        assert!(s.ends_with('Z') && s.len() == 24, "{s}");
    }

    #[test]
    fn times_sort_by_time() {
        assert!(time_key("2026-01-01T00:00:00Z") < time_key("2026-01-01T00:00:00.5Z"));
        assert!(time_key("2026-01-01T00:00:00.5Z") < time_key("2026-01-01T00:00:01Z"));
        assert!(time_key("2026-01-01T00:00:00.123Z") == time_key("2026-01-01T00:00:00.123000Z"));
    }
}
