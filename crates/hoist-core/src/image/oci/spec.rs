//! The OCI image documents hoist reads and writes: descriptors, image
//! manifests, indexes (and docker's manifest lists), image configs and the
//! platform. Field order and `BTreeMap`s fix the JSON bytes, so the same
//! inputs always serialise to the same digest; keys hoist does not model are
//! kept (`flatten`) so a base image's config survives a rebuild intact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub(crate) const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub(crate) const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub(crate) const DOCKER_FOREIGN_LAYER: &str =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// Annotation naming an image inside an OCI layout's index.json.
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotations recording the base image of a built image.
pub(crate) const BASE_NAME: &str = "org.opencontainers.image.base.name";
pub(crate) const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";
/// On a function image's entry in the project layout's index.json: the
/// digest of the bundle `hoist build` made the image from, which `hoist
/// push` checks against the bundle it is about to release.
pub(crate) const BUNDLE_DIGEST: &str = "dev.hoist.bundle.digest";

/// Whether a media type is an index (OCI index or docker manifest list).
pub(crate) fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// Whether a media type is a single-image manifest.
pub(crate) fn is_manifest(media_type: &str) -> bool {
    media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST
}

/// The OCI media type for a layer of docker's or OCI's vocabulary.
pub(crate) fn oci_layer_type(media_type: &str) -> &str {
    match media_type {
        DOCKER_LAYER_GZIP => OCI_LAYER_GZIP,
        "application/vnd.docker.image.rootfs.diff.tar" => OCI_LAYER_TAR,
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType")]
    pub(crate) media_type: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) urls: Vec<String>,
}

impl Descriptor {
    pub(crate) fn new(media_type: &str, digest: String, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest,
            size,
            platform: None,
            annotations: BTreeMap::new(),
            urls: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Platform {
    pub(crate) architecture: String,
    pub(crate) os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) variant: Option<String>,
    #[serde(
        default,
        rename = "os.version",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) os_version: Option<String>,
}

impl Platform {
    /// Parse `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`).
    pub(crate) fn parse(text: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let ok =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform {
                os: os.to_string(),
                architecture: normalize_arch(arch).to_string(),
                variant: default_variant(arch),
                os_version: None,
            }),
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => Ok(Platform {
                os: os.to_string(),
                architecture: normalize_arch(arch).to_string(),
                variant: Some(variant.to_string()),
                os_version: None,
            }),
            _ => Err(format!(
                "`{text}` is not a platform: write os/arch[/variant], e.g. linux/amd64 or linux/arm64"
            )),
        }
    }

    /// Whether an index entry for `other` serves this platform.
    pub(crate) fn matches(&self, other: &Platform) -> bool {
        if self.os != other.os || self.architecture != normalize_arch(&other.architecture) {
            return false;
        }
        match (&self.variant, &other.variant) {
            (Some(want), Some(have)) => want == have,
            // arm64 images rarely name v8; amd64 ones never name a variant.
            _ => true,
        }
    }
}

fn normalize_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn default_variant(_arch: &str) -> Option<String> {
    None
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// An image manifest (OCI or docker schema 2, which share the shape).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    #[serde(rename = "schemaVersion")]
    pub(crate) schema_version: u32,
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub(crate) media_type: String,
    pub(crate) config: Descriptor,
    pub(crate) layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// An image index or docker manifest list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    #[serde(rename = "schemaVersion")]
    pub(crate) schema_version: u32,
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub(crate) media_type: String,
    pub(crate) manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// The runtime part of an image config (docker's capitalised keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunConfig {
    #[serde(rename = "User", default, skip_serializing_if = "String::is_empty")]
    pub(crate) user: String,
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_map"
    )]
    pub(crate) exposed_ports: BTreeMap<String, Value>,
    #[serde(
        rename = "Env",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_vec"
    )]
    pub(crate) env: Vec<String>,
    #[serde(
        rename = "Entrypoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd", default, skip_serializing_if = "Option::is_none")]
    pub(crate) cmd: Option<Vec<String>>,
    #[serde(
        rename = "Volumes",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_map"
    )]
    pub(crate) volumes: BTreeMap<String, Value>,
    #[serde(
        rename = "WorkingDir",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub(crate) working_dir: String,
    #[serde(
        rename = "Labels",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_map"
    )]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub(crate) stop_signal: String,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) healthcheck: Option<Healthcheck>,
    /// Keys hoist does not model, kept as they came.
    #[serde(flatten)]
    pub(crate) extra: BTreeMap<String, Value>,
}

/// docker's HEALTHCHECK, durations in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Healthcheck {
    #[serde(rename = "Test", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) test: Vec<String>,
    #[serde(rename = "Interval", default, skip_serializing_if = "is_zero")]
    pub(crate) interval: u64,
    #[serde(rename = "Timeout", default, skip_serializing_if = "is_zero")]
    pub(crate) timeout: u64,
    #[serde(rename = "StartPeriod", default, skip_serializing_if = "is_zero")]
    pub(crate) start_period: u64,
    #[serde(rename = "StartInterval", default, skip_serializing_if = "is_zero")]
    pub(crate) start_interval: u64,
    #[serde(rename = "Retries", default, skip_serializing_if = "is_zero")]
    pub(crate) retries: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// A map that images may write as `null`: the same as no entries.
fn null_map<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, V>>::deserialize(d)?
        .into_iter()
        .flatten()
        .collect())
}

/// A list that images may write as `null`: the same as no items.
fn null_vec<'de, D, V>(d: D) -> Result<Vec<V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    Ok(Option::<Vec<V>>::deserialize(d)?
        .into_iter()
        .flatten()
        .collect())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RootFs {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default, deserialize_with = "null_vec")]
    pub(crate) diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) empty_layer: bool,
}

/// An image config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) author: Option<String>,
    pub(crate) architecture: String,
    pub(crate) os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) variant: Option<String>,
    #[serde(default)]
    pub(crate) config: RunConfig,
    pub(crate) rootfs: RootFs,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_vec"
    )]
    pub(crate) history: Vec<History>,
    /// Keys hoist does not model (`os.version`, `container_config`, …).
    #[serde(flatten)]
    pub(crate) extra: BTreeMap<String, Value>,
}

/// Serialise a document the one way hoist always does.
pub(crate) fn to_bytes<T: Serialize>(doc: &T) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(doc)?)
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn digest_of(bytes: &[u8]) -> String {
    crate::digest::Digest::of(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_match() {
        let p = Platform::parse("linux/amd64").unwrap();
        assert_eq!(p.to_string(), "linux/amd64");
        assert!(p.matches(&Platform::parse("linux/x86_64").unwrap()));
        assert!(!p.matches(&Platform::parse("linux/arm64").unwrap()));
        let arm = Platform::parse("linux/arm64").unwrap();
        assert!(arm.matches(&Platform::parse("linux/arm64/v8").unwrap()));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux/amd64/v1/x").is_err());
    }

    #[test]
    fn unknown_config_keys_survive_a_round_trip() {
        let text = r#"{"architecture":"amd64","os":"linux","os.version":"x","config":{"Env":null,"Shell":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        let c: ImageConfig = serde_json::from_str(text).unwrap();
        assert_eq!(c.extra["os.version"], "x");
        assert_eq!(c.config.extra["Shell"][0], "/bin/sh");
        let back = String::from_utf8(to_bytes(&c).unwrap()).unwrap();
        assert!(back.contains(r#""Shell":["/bin/sh"]"#), "{back}");
        assert!(back.contains(r#""os.version":"x""#), "{back}");
    }
}
