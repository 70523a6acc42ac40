//! Deployments: the health-gated switch of a function's live version, and
//! rollback to an earlier one or undo of a release.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a deployment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeployKind {
    Deploy,
    Rollback,
    Promote,
}

impl DeployKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeployKind::Deploy => "deploy",
            DeployKind::Rollback => "rollback",
            DeployKind::Promote => "promote",
        }
    }

    pub fn parse(s: &str) -> Option<DeployKind> {
        [
            DeployKind::Deploy,
            DeployKind::Rollback,
            DeployKind::Promote,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// `POST /api/functions/{function}/deployments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    #[schemars(regex(pattern = r"^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$"))]
    pub version: String,
    /// The configured env (keys as `EnvKey`); keys set with the env API
    /// win over these.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The release this deployment belongs to: a repeated request with the
    /// same id answers the deployment already made.
    #[serde(default)]
    #[schemars(length(min = 1, max = 200))]
    pub release_id: Option<String>,
    #[serde(default)]
    pub kind: Option<DeployKind>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 600))]
    pub health_timeout_seconds: Option<u64>,
}

/// `POST /api/functions/{function}/rollback`: `version`, or by default the
/// one before the active one; or with `undo_release`, the deployment that
/// was live before that release's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = {"required": ["version", "undo_release"]}))]
pub struct RollbackRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$"))]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128))]
    pub undo_release: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    Live,
    Superseded,
}

/// A deployment of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deployment {
    pub id: String,
    pub function: String,
    pub version: String,
    pub previous_version: Option<String>,
    pub kind: DeployKind,
    pub release_id: Option<String>,
    pub env_keys: Vec<String>,
    pub env_digest: String,
    pub status: DeploymentStatus,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
}

/// `GET /api/functions/{function}/deployments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentList {
    pub deployments: Vec<Deployment>,
}

/// `POST /api/functions/deploy` (ContainerPub's one call: register, version
/// by content, deploy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArchiveDeployed {
    /// The function.
    pub id: String,
    pub version: String,
    pub deployment: Deployment,
}
