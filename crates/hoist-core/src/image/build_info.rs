//! `build.json`: what `hoist build` records in a build context
//! (`.hoist/build/<fn>/`, and `.hoist/build/_project/` for the project
//! image) — the version built and the bundle it was built from. It is
//! written last, so its presence says the context is complete. This module
//! owns the file: `release/` writes it through [`BuildInfo::write`] and
//! `image/` reads it back through [`BuildInfo::read`]; nothing else parses
//! it.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::Runtime;

/// The file's name inside a build context.
pub(crate) const FILE_NAME: &str = "build.json";

/// One build context's build.json.
///
/// The fields are in alphabetical order, as are the keys of the files
/// hoist wrote before this type existed (from an untyped JSON object): the
/// bytes written stay the same, so a context laid out by an earlier hoist is
/// still current. Every field but `version` is optional: a function's file
/// has `function` and `runtime`, the project image's has `project` and
/// `functions`, and an old file may lack `bundle_digest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BuildInfo {
    /// The bundle's digest (`sha256:…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bundle_digest: Option<String>,
    /// The function built (a function's context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) function: Option<String>,
    /// The functions the project image serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) functions: Option<Vec<String>>,
    /// The project's name (the project image's context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) project: Option<String>,
    /// The function's runtime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) runtime: Option<Runtime>,
    /// The version the image was built for.
    pub(crate) version: String,
}

impl BuildInfo {
    /// The bytes [`BuildInfo::write`] puts in the file (pretty-printed JSON).
    pub(crate) fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).context("cannot encode build.json")
    }

    /// Write `dir/build.json`.
    pub(crate) fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, self.to_bytes()?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Read `dir/build.json`; `None` when there is none (nothing was built
    /// there). A file that cannot be read or decoded is an error naming the
    /// file and, for a decode error, the field that did not fit.
    pub(crate) fn read(dir: &Path) -> anyhow::Result<Option<BuildInfo>> {
        let path = dir.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        decode(&bytes).map(Some).with_context(|| {
            format!(
                "{} is not a build.json hoist can read; run `hoist build` again",
                path.display()
            )
        })
    }
}

/// Decode a build.json; an error names the field (its path) that did not
/// fit, or says the text is not JSON.
fn decode(bytes: &[u8]) -> anyhow::Result<BuildInfo> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let info = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            anyhow::Error::new(inner).context("not valid JSON")
        } else {
            anyhow::Error::new(inner).context(format!("at `{field}`"))
        }
    })?;
    de.end().context("not valid JSON")?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function_info() -> BuildInfo {
        BuildInfo {
            bundle_digest: Some(format!("sha256:{}", "ab".repeat(32))),
            function: Some("hello".into()),
            functions: None,
            project: None,
            runtime: Some(Runtime::Deno),
            version: "1.2.3".into(),
        }
    }

    #[test]
    fn written_info_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let info = function_info();
        info.write(dir.path()).unwrap();
        assert_eq!(BuildInfo::read(dir.path()).unwrap(), Some(info));
    }

    #[test]
    fn project_info_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let info = BuildInfo {
            bundle_digest: Some("sha256:00".into()),
            function: None,
            functions: Some(vec!["a".into(), "b".into()]),
            project: Some("demo".into()),
            runtime: None,
            version: "7".into(),
        };
        info.write(dir.path()).unwrap();
        assert_eq!(BuildInfo::read(dir.path()).unwrap(), Some(info));
    }

    /// The bytes are those of the untyped object hoist wrote before: keys
    /// sorted, pretty-printed.
    #[test]
    fn bytes_match_the_untyped_object() {
        let info = function_info();
        let untyped = serde_json::json!({
            "function": "hello",
            "version": "1.2.3",
            "bundle_digest": info.bundle_digest,
            "runtime": "deno",
        });
        assert_eq!(
            info.to_bytes().unwrap(),
            serde_json::to_vec_pretty(&untyped).unwrap()
        );
        let project = serde_json::json!({
            "project": "demo",
            "version": "7",
            "bundle_digest": "sha256:00",
            "functions": ["a", "b"],
        });
        let typed = BuildInfo {
            bundle_digest: Some("sha256:00".into()),
            function: None,
            functions: Some(vec!["a".into(), "b".into()]),
            project: Some("demo".into()),
            runtime: None,
            version: "7".into(),
        };
        assert_eq!(
            typed.to_bytes().unwrap(),
            serde_json::to_vec_pretty(&project).unwrap()
        );
    }

    #[test]
    fn absent_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(BuildInfo::read(dir.path()).unwrap(), None);
    }

    #[test]
    fn an_old_file_without_a_bundle_digest_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            r#"{"function": "hello", "version": "1"}"#,
        )
        .unwrap();
        let info = BuildInfo::read(dir.path()).unwrap().unwrap();
        assert_eq!(info.bundle_digest, None);
        assert_eq!(info.version, "1");
    }

    #[test]
    fn a_wrong_field_type_is_an_error_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            r#"{"function": "hello", "version": 3}"#,
        )
        .unwrap();
        let err = BuildInfo::read(dir.path()).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("build.json"), "{text}");
        assert!(text.contains("`version`"), "{text}");
        assert!(text.contains("invalid type"), "{text}");
    }

    #[test]
    fn text_that_is_not_json_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{ not json").unwrap();
        let text = format!("{:#}", BuildInfo::read(dir.path()).unwrap_err());
        assert!(text.contains("not valid JSON"), "{text}");
    }
}
