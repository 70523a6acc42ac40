//! Versions: immutable archives of a function, registered by reference to
//! the artifact store (JSON) or uploaded (multipart, described in the
//! OpenAPI document only).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::functions::Runtime;

/// A stored version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Version {
    pub version: String,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    pub runtime: Runtime,
    pub entrypoint: String,
    pub import_map: Option<String>,
    /// Archive bytes.
    pub size: u64,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    pub active: bool,
}

/// `GET /api/functions/{function}/versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionList {
    pub versions: Vec<Version>,
}

/// `POST /api/functions/{function}/versions` as JSON: a version whose
/// archive the backend reads from the artifact store at `archive_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionByReference {
    #[schemars(regex(pattern = r"^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$"))]
    pub version: String,
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: String,
    #[schemars(
        length(max = 1024),
        regex(
            pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.=+-]{0,254}(/[A-Za-z0-9_][A-Za-z0-9_.=+-]{0,254})*$"
        )
    )]
    pub archive_key: String,
    pub runtime: Runtime,
    #[schemars(
        length(max = 256),
        regex(
            pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})*$"
        )
    )]
    pub entrypoint: String,
    #[serde(default)]
    #[schemars(
        length(max = 256),
        regex(
            pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})*$"
        )
    )]
    pub import_map: Option<String>,
}
