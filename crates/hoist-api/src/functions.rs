//! Functions and their workers: health of the backend, a function's
//! settings (the PUT body) and how it is shown, its workers, warm-up and
//! restart answers.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `GET /api/health`: the only answer without bearer auth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    pub status: HealthStatus,
    /// hoist's version.
    pub version: String,
    /// A random id the serving process chose at start: `hoist backend start`
    /// checks that the server answering its address is the one it started.
    pub instance: String,
    /// The artifact store archives are read from, when one is set.
    pub store: Option<String>,
    /// Each runtime's `--version`, `null` when it is not installed.
    pub runtimes: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// The runtimes the backend runs workers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    Node,
    Deno,
    Bun,
}

impl Runtime {
    pub const ALL: [Runtime; 3] = [Runtime::Node, Runtime::Deno, Runtime::Bun];

    pub const fn as_str(self) -> &'static str {
        match self {
            Runtime::Node => "node",
            Runtime::Deno => "deno",
            Runtime::Bun => "bun",
        }
    }

    pub fn parse(s: &str) -> Option<Runtime> {
        Runtime::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `PUT /api/functions/{function}`: register or change a function. Every
/// setting left out takes the backend's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionSettings {
    pub runtime: Runtime,
    #[serde(default)]
    #[schemars(length(min = 1, max = 128))]
    pub handler: Option<String>,
    #[serde(default)]
    #[schemars(range(min = 16, max = 65536))]
    pub memory_mb: Option<i64>,
    #[serde(default)]
    #[schemars(range(max = 64), extend("exclusiveMinimum" = true, "minimum" = 0))]
    pub cpus: Option<f64>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 900))]
    pub timeout_seconds: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub max_concurrent_executions: Option<i64>,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub warm_workers: Option<i64>,
    #[serde(default)]
    #[schemars(length(max = 1024), regex(pattern = r"^/[!-~]*$"))]
    pub health_path: Option<String>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
}

/// Where a function is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunctionStatus {
    /// Registered, no version yet.
    Registered,
    /// Has versions, none deployed.
    Built,
    Deployed,
}

/// A function as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Function {
    pub id: String,
    pub name: String,
    pub runtime: Runtime,
    pub handler: String,
    pub memory_mb: i64,
    pub cpus: f64,
    pub timeout_seconds: i64,
    pub max_concurrent_executions: i64,
    pub warm_workers: i64,
    pub health_path: Option<String>,
    pub port: Option<i64>,
    pub status: FunctionStatus,
    pub active_version: Option<String>,
    pub active_deployment: Option<String>,
    /// sha256 of the active version's archive.
    pub active_digest: Option<String>,
    /// sha256 of the configured env of the active deployment.
    pub env_digest: Option<String>,
    /// Keys of the configured env of the active deployment.
    pub env_keys: Vec<String>,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: String,
}

/// `GET /api/functions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionList {
    pub functions: Vec<Function>,
}

/// `GET /api/functions/{function}`: the function, its workers and health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionDetail {
    #[serde(flatten)]
    pub function: Function,
    pub workers: Vec<Worker>,
    pub health: FunctionHealth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunctionHealth {
    Healthy,
    Unhealthy,
    /// Nothing deployed.
    Unknown,
}

impl FunctionHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionHealth::Healthy => "healthy",
            FunctionHealth::Unhealthy => "unhealthy",
            FunctionHealth::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkerState {
    Starting,
    Warm,
    Busy,
    Idle,
    Terminated,
}

impl WorkerState {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Starting => "STARTING",
            WorkerState::Warm => "WARM",
            WorkerState::Busy => "BUSY",
            WorkerState::Idle => "IDLE",
            WorkerState::Terminated => "TERMINATED",
        }
    }
}

/// A worker process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Worker {
    pub id: String,
    pub version: String,
    pub pid: Option<u32>,
    pub state: WorkerState,
    pub port: u16,
    #[schemars(extend("format" = "date-time"))]
    pub started_at: String,
    /// Spawn to ready, once it was.
    pub cold_start_ms: Option<u64>,
    pub invocations: u64,
}

/// `GET /api/functions/{function}/workers` (terminated ones for 10 minutes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkerList {
    pub workers: Vec<Worker>,
}

/// `POST /api/functions/{function}/warmup`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarmupRequest {
    /// Ready workers wanted (default 1).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub count: Option<u32>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 300))]
    pub timeout_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WarmupResult {
    pub ready: u64,
    pub workers: Vec<Worker>,
}

/// `POST /api/functions/{function}/restart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Restarted {
    /// Workers replaced.
    pub restarted: u64,
}

/// The answer of a DELETE: what was deleted (a function, version or env
/// key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deleted {
    pub deleted: String,
    /// Workers stopped (deleting a function).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers_terminated: Option<u64>,
}
