//! Where things live inside a store: the object keys of a function's archive,
//! release manifest and version index, and the checks that keep function
//! names and versions from escaping their directory (`..`, `/`).
//!
//! ```text
//! functions/<function>/index.json                           versions of the function (a convenience)
//! functions/<function>/<version>/archive-<sha256>.tar.gz    the bundle, named by its own digest
//! functions/<function>/<version>/manifest.json              the release manifest, written last
//! ```
//!
//! Archive keys carry the archive's sha256, so two pushes of one version
//! with different content never write the same archive key: the manifest is
//! the only object a race can contend for. Versions stored by an older
//! hoist keep `function.tar.gz` ([`LEGACY_ARCHIVE`]); readers follow the
//! manifest's `bundle.key`, which names either.

use super::StoreError;

/// File name of a version's archive in the layout before content-addressed
/// keys; still read, never written.
pub(crate) const LEGACY_ARCHIVE: &str = "function.tar.gz";
/// File name of a version's release manifest.
pub(crate) const MANIFEST: &str = "manifest.json";
/// File name of a function's version index.
pub(crate) const INDEX: &str = "index.json";

/// The directory (key prefix, ending in `/`) that holds all of a function.
pub fn function_dir(function: &str) -> String {
    format!("functions/{function}/")
}

/// The directory (key prefix, ending in `/`) of one version.
pub(crate) fn version_dir(function: &str, version: &str) -> String {
    format!("functions/{function}/{version}/")
}

/// The key of a version's archive whose sha256 is `sha256_hex` (bare
/// lowercase hex, or `sha256:<hex>`).
pub(crate) fn archive_key(function: &str, version: &str, sha256_hex: &str) -> String {
    let hex = sha256_hex.strip_prefix("sha256:").unwrap_or(sha256_hex);
    format!("{}archive-{hex}.tar.gz", version_dir(function, version))
}

/// The archive key an older hoist wrote (`function.tar.gz`).
#[cfg(test)]
pub(crate) fn legacy_archive_key(function: &str, version: &str) -> String {
    format!("{}{LEGACY_ARCHIVE}", version_dir(function, version))
}

/// Whether `key` can be the archive of `function` `version`: inside the
/// version's directory, and either `archive-<64 hex>.tar.gz` or the legacy
/// `function.tar.gz`. A manifest naming anything else is refused.
pub fn is_archive_key(function: &str, version: &str, key: &str) -> bool {
    let Some(name) = key.strip_prefix(&version_dir(function, version)) else {
        return false;
    };
    name == LEGACY_ARCHIVE || archive_name_digest(name).is_some()
}

/// The hex digest in an archive file name `archive-<64 hex>.tar.gz`.
pub(crate) fn archive_name_digest(name: &str) -> Option<&str> {
    let hex = name.strip_prefix("archive-")?.strip_suffix(".tar.gz")?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then_some(hex)
}

pub(crate) fn manifest_key(function: &str, version: &str) -> String {
    format!("{}{MANIFEST}", version_dir(function, version))
}

pub(crate) fn index_key(function: &str) -> String {
    format!("{}{INDEX}", function_dir(function))
}

/// The version named by a key `functions/<function>/<version>/manifest.json`
/// (relative to the store's prefix), if the key is one.
pub(crate) fn version_of_manifest_key<'a>(function: &str, key: &'a str) -> Option<&'a str> {
    let rest = key.strip_prefix("functions/")?.strip_prefix(function)?;
    let rest = rest.strip_prefix('/')?;
    let version = rest.strip_suffix(MANIFEST)?.strip_suffix('/')?;
    (!version.is_empty() && !version.contains('/')).then_some(version)
}

/// Refuse a name that is not a function name ([`hoist_api::FunctionName`]):
/// it becomes a key segment.
pub fn check_function(name: &str) -> anyhow::Result<hoist_api::FunctionName> {
    hoist_api::FunctionName::parse(name).map_err(|e| StoreError::InvalidFunction(e).into())
}

/// Refuse a version that cannot be one key segment
/// ([`hoist_api::names::Version`]).
pub fn check_version(version: &str) -> anyhow::Result<hoist_api::names::Version> {
    hoist_api::names::Version::parse(version).map_err(|_| {
        StoreError::InvalidVersion {
            version: version.to_string(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let hex = "ab".repeat(32);
        let key = archive_key("hello", "v1", &crate::digest::prefixed(&hex));
        assert_eq!(key, format!("functions/hello/v1/archive-{hex}.tar.gz"));
        assert!(is_archive_key("hello", "v1", &key));
        assert!(is_archive_key(
            "hello",
            "v1",
            &legacy_archive_key("hello", "v1")
        ));
        assert!(!is_archive_key("hello", "v2", &key));
        assert!(!is_archive_key("hello", "v1", "functions/hello/v1/../x"));
        assert!(!is_archive_key(
            "hello",
            "v1",
            "functions/hello/v1/archive-ab.tar.gz"
        ));
        assert_eq!(
            manifest_key("hello", "v1"),
            "functions/hello/v1/manifest.json"
        );
        assert_eq!(index_key("hello"), "functions/hello/index.json");
    }

    #[test]
    fn manifest_keys_name_their_version() {
        let f = "hello";
        assert_eq!(
            version_of_manifest_key(f, "functions/hello/v1/manifest.json"),
            Some("v1")
        );
        assert_eq!(
            version_of_manifest_key(f, "functions/hello/v1/function.tar.gz"),
            None
        );
        assert_eq!(
            version_of_manifest_key(f, "functions/hello-2/v1/manifest.json"),
            None
        );
        assert_eq!(
            version_of_manifest_key(f, "functions/hello/a/b/manifest.json"),
            None
        );
        assert_eq!(
            version_of_manifest_key(f, "functions/hello/manifest.json"),
            None
        );
    }

    #[test]
    fn versions_stay_inside_their_directory() {
        for ok in [
            "v1",
            "1.0.0",
            "1.0.0+build.5",
            "abc123def456",
            "2026-01-27",
            "a_b",
        ] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "-x", ".hidden", "a b", "é"] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
        assert!(check_version(&"x".repeat(129)).is_err());
        assert!(check_function("hello").is_ok());
        assert!(check_function("../x").is_err());
    }
}
