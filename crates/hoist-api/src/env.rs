//! A function's env: entries set through the API (secret ones never shown)
//! and those of the active deployment's configuration.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/functions/{function}/env`, and an entry of a PATCH's `set`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSet {
    #[schemars(length(max = 256), regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub is_secret: bool,
}

/// `PATCH /api/functions/{function}/env`: set and unset in one change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvPatch {
    #[serde(default)]
    pub set: Vec<EnvSet>,
    #[serde(default)]
    #[schemars(inner(length(max = 256), regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$")))]
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvSource {
    /// Set through the env API.
    Set,
    /// From the active deployment's configuration.
    Config,
}

/// An env entry; `value` is `null` when the entry is secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvEntry {
    pub key: String,
    pub value: Option<String>,
    pub is_secret: bool,
    pub source: EnvSource,
}

/// The env of a function (GET and PATCH).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvList {
    pub env: Vec<EnvEntry>,
}
