//! hoist.yaml's per-function `fly:` block: how a function runs as its own
//! Fly app (strategy, regions, guest, HTTP service, checks, restart policy).
//! Every key is optional; unset keys come from the function's `fly.toml`
//! (when `toml:` names one), then from hoist's defaults. The Fly target
//! (src/targets/fly) turns these into machine configs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::schema::unique_map;

/// How a deploy replaces a function's machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Strategy {
    /// Update every machine at once, without waiting between them.
    Immediate,
    /// Update a few machines at a time (`max_unavailable`), the first alone.
    Rolling,
    /// One extra machine with the new version first, then rolling.
    Canary,
    /// New machines next to the old ones; the old ones go once the new ones
    /// pass their checks.
    Bluegreen,
}

impl Strategy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Strategy::Immediate => "immediate",
            Strategy::Rolling => "rolling",
            Strategy::Canary => "canary",
            Strategy::Bluegreen => "bluegreen",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Strategy> {
        match s.to_ascii_lowercase().as_str() {
            "immediate" => Some(Strategy::Immediate),
            "rolling" => Some(Strategy::Rolling),
            "canary" => Some(Strategy::Canary),
            "bluegreen" => Some(Strategy::Bluegreen),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlyFunction {
    /// The Fly app (default: `<app_prefix><function>` as a DNS label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) app: Option<String>,
    /// A fly.toml whose settings are this function's defaults, relative to
    /// hoist.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) toml: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) strategy: Option<Strategy>,
    /// Machines replaced at once in a rolling deploy: a fraction below 1, a
    /// count from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_unavailable: Option<f64>,
    /// Machines per region, e.g. `{iad: 2, ams: 1}`.
    #[serde(
        default,
        deserialize_with = "unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub(crate) regions: BTreeMap<String, u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) guest: Option<Guest>,
    /// Port the function listens on inside the machine (default: `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) internal_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) http: Option<HttpService>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) checks: Option<Checks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) restart: Option<Restart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_destroy: Option<bool>,
    /// Seconds a deploy waits for one machine to start and pass its checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) wait_timeout: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Guest {
    /// `shared` or `performance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cpu_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cpus: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) memory_mb: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpService {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) force_https: Option<bool>,
    /// `off`, `stop` or `suspend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_stop: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auto_start: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_machines_running: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) concurrency: Option<Concurrency>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Concurrency {
    /// `connections` or `requests`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) soft_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hard_limit: Option<u32>,
}

/// The HTTP health check (path defaults to the function's `health_path`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Checks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    /// Durations such as `15s`, `500ms`, `1m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) grace_period: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Restart {
    /// `no`, `always` or `on-failure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_retries: Option<u32>,
}
