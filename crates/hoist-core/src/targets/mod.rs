//! The seam between commands and control planes: the [`Target`] trait that
//! `deploy`, `rollback`, `warmup`, `logs`, `env`, `status`, `invoke`,
//! `versions` and `delete` talk to, the plain data they exchange, and
//! [`open`], which picks the target hoist.yaml names. Commands never name a
//! backend; each backend lives in its own module (`selfhosted`: hoist's
//! functions backend API; `fly`: Fly Machines, one app per function).
//! Progress goes through [`Reporter`], so nothing here depends on the
//! terminal.

pub(crate) mod fly;
mod http_invoke;
pub mod selfhosted;

mod error;

pub use error::TargetError;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{Function, Project};

pub(crate) use crate::report::Reporter;

/// Every kind of target hoist drives.
pub const KINDS: [&str; 2] = ["selfhosted", "fly"];

/// The kinds of target that run functions of `runtime`.
pub fn kinds_running(runtime: &str) -> Vec<&'static str> {
    KINDS
        .into_iter()
        .filter(|k| runtimes_of(k).is_none_or(|r| r.contains(&runtime)))
        .collect()
}

/// The runtimes a kind of target runs functions of; `None` for targets
/// that run images, which run every runtime.
pub(crate) fn runtimes_of(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "selfhosted" => Some(&selfhosted::RUNTIMES),
        _ => None,
    }
}

/// The limits and wiring of one function on a target (hoist.yaml's
/// `resources`, `port` and `health_path`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSettings {
    pub runtime: String,
    pub memory_mb: u32,
    pub cpus: f32,
    pub timeout_seconds: u32,
    pub max_concurrent: u32,
    pub warm_workers: u32,
    /// Path whose 2xx answer means a worker is healthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_path: Option<String>,
    /// Digest of the target's own settings of the function (e.g. its Fly
    /// regions and guest), so changing them is a change to deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl FunctionSettings {
    /// The settings of `f`, with seed 001's limits where hoist.yaml is
    /// silent (128 MB, 0.5 CPU, 5 s, 10 at once, no warm workers).
    pub fn of(f: &Function) -> FunctionSettings {
        let r = &f.resources;
        FunctionSettings {
            runtime: f.runtime.as_str().to_string(),
            memory_mb: r.memory_mb.unwrap_or(128),
            cpus: r.cpus.unwrap_or(0.5),
            timeout_seconds: r.timeout_seconds.unwrap_or(5),
            max_concurrent: r.max_concurrent.unwrap_or(10),
            warm_workers: r.warm_workers.unwrap_or(0),
            health_path: f.health_path.clone(),
            target: None,
        }
    }
}

/// What a deploy sends for one function.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    pub function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// The archive on this machine.
    pub archive: PathBuf,
    /// The archive's key in the artifact store, and the store's URL, so a
    /// target that shares the store can fetch it instead of receiving it.
    pub archive_key: String,
    pub store_url: String,
    pub entrypoint: String,
    pub import_map: Option<String>,
    pub settings: FunctionSettings,
    /// Configured (hoist.yaml) environment.
    pub env: BTreeMap<String, String>,
    pub release_id: hoist_api::ReleaseId,
    /// Whether the plan saw code the target does not run yet (else the
    /// target probably holds the version already).
    pub new_code: bool,
    /// How long the new version's workers get to pass the health gate.
    pub health_timeout: Duration,
    /// The image pushed for this version, `registry/repo@sha256:…`, for
    /// targets that run images ([`Target::image_destination`]).
    pub image: Option<String>,
}

/// A function's live state on a target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Active {
    pub version: Option<hoist_api::names::Version>,
    /// `sha256:` of the active version's archive.
    pub(crate) digest: Option<String>,
    /// sha256 of the configured env of the active deployment.
    pub(crate) env_digest: Option<String>,
    pub(crate) env_keys: Vec<String>,
    pub(crate) settings: Option<FunctionSettings>,
}

/// One deployment made (or found) on a target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployed {
    pub function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    pub(crate) previous_version: Option<hoist_api::names::Version>,
    pub deployment: String,
    /// Bytes of archive sent to the target (0 when it fetched it itself or
    /// already had it).
    pub uploaded_bytes: u64,
}

/// A failed health gate or start, with what the function printed.
#[derive(Debug, Clone)]
pub(crate) struct StartFailure {
    pub(crate) function: String,
    pub(crate) reason: String,
    pub(crate) logs: Vec<String>,
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} did not start: {}", self.function, self.reason)
    }
}

impl std::error::Error for StartFailure {}

/// A function's failed deploy that could not put everything it changed
/// back (attached as context to the deploy's error): the release must end
/// `failed`, for the next deploy to finish the undo.
#[derive(Debug, Clone)]
pub(crate) struct UndoIncomplete {
    pub(crate) function: String,
    pub(crate) detail: String,
}

impl std::fmt::Display for UndoIncomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.function, self.detail)
    }
}

/// A version a target holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionInfo {
    pub(crate) version: String,
    pub(crate) digest: String,
    pub(crate) created_at: String,
    pub(crate) active: bool,
}

/// A worker (process, machine) serving a function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Worker {
    pub id: String,
    pub version: String,
    pub state: String,
    #[serde(default)]
    pub cold_start_ms: Option<f64>,
}

/// What `status` shows for one function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub function: String,
    pub active_version: Option<String>,
    pub health: String,
    pub workers: Vec<Worker>,
}

/// One environment value as a target reports it (secret values never).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvVar {
    pub key: String,
    pub value: Option<String>,
    pub is_secret: bool,
    pub source: String,
}

/// A change to a function's environment.
#[derive(Debug, Clone)]
pub struct EnvSet {
    pub key: String,
    pub value: crate::auth::Secret,
    pub is_secret: bool,
}

/// A log query.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub function: String,
    pub since: Option<String>,
    pub version: Option<String>,
    pub level: Option<String>,
    pub follow: bool,
    /// Only this region's entries (targets with regions).
    pub region: Option<String>,
    /// Only this worker's (machine's) entries.
    pub worker: Option<String>,
}

/// One log line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEntry {
    pub(crate) id: i64,
    pub time: String,
    /// `None` on lines of no version (the backend installing a runtime).
    pub version: Option<String>,
    #[serde(default)]
    pub worker: Option<String>,
    pub(crate) stream: String,
    pub level: String,
    pub message: String,
}

/// An invocation.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub body: Option<serde_json::Value>,
}

/// What a function answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvokeResult {
    pub status: u16,
    pub(crate) headers: BTreeMap<String, String>,
    pub body: String,
    pub body_encoding: String,
    pub duration_ms: f64,
    pub version: String,
}

/// A control plane that runs functions. Every call that reaches it is
/// async: a command awaits them on the one runtime `main` drives, and a
/// release keeps many in flight at once.
#[async_trait::async_trait]
pub trait Target: Send + Sync {
    /// `selfhosted`, `fly`.
    fn kind(&self) -> &'static str;
    /// For people: "the self-hosted backend at http://127.0.0.1:7878".
    fn describe(&self) -> String;
    /// The runtimes it runs functions of (`None`: every runtime, as images).
    fn runtimes(&self) -> Option<&'static [&'static str]> {
        runtimes_of(self.kind())
    }
    /// Where the target wants a function's image, for targets that run
    /// images; `None` for targets that run archives.
    fn image_destination(
        &self,
        _function: &str,
    ) -> anyhow::Result<Option<crate::image::oci::publish::Destination>> {
        Ok(None)
    }
    /// Digest of the target's own settings of a function (see
    /// [`FunctionSettings::target`]).
    fn settings_digest(&self, _function: &str) -> Option<String> {
        None
    }
    /// The function's active state; `None` when the target has never seen it.
    async fn active(&self, function: &str) -> anyhow::Result<Option<Active>>;
    /// The active state of several functions, in order; a target that can
    /// answer in one call overrides this.
    async fn active_all(&self, functions: &[String]) -> anyhow::Result<Vec<Option<Active>>> {
        let mut out = Vec::with_capacity(functions.len());
        for f in functions {
            out.push(self.active(f).await?);
        }
        Ok(out)
    }
    /// Register, upload, and make `req.version` live behind a health gate.
    /// A failed gate leaves the previous version live and returns an error
    /// holding a [`StartFailure`].
    async fn deploy(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<Deployed>;
    /// The part of a deploy that changes nothing that runs (register the
    /// function's settings, send the version), so a release can stage every
    /// function before the first gate. Returns the bytes sent.
    async fn stage(&self, _req: &DeployRequest, _r: &dyn Reporter) -> anyhow::Result<u64> {
        Ok(0)
    }
    /// Make a staged version live behind the health gate (the whole
    /// [`Target::deploy`] for targets that stage nothing).
    async fn activate(
        &self,
        req: &DeployRequest,
        _uploaded: u64,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed> {
        self.deploy(req, r).await
    }
    /// Make an older version live again with the env it was deployed with;
    /// `to = None` means the one before the active one.
    async fn rollback(
        &self,
        function: &str,
        to: Option<&str>,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed>;
    /// Take a function out of service entirely (its first deploy is undone).
    async fn retire(&self, function: &str) -> anyhow::Result<()>;
    /// Put back settings of `function` that a release changed, where they
    /// take effect apart from a deployment (the self-hosted backend applies
    /// them when the function is registered). Targets that keep them in
    /// what [`Target::undo`] restores have nothing to do.
    async fn restore_settings(
        &self,
        _function: &str,
        _settings: &FunctionSettings,
    ) -> anyhow::Result<()> {
        Ok(())
    }
    /// Undo what release `release` did to `function`: make live again what
    /// ran before it ([`Target::restore_before`]), or retire the function
    /// when the release deployed it first (`previous` is `None`).
    async fn undo(
        &self,
        function: &str,
        release: &str,
        previous: Option<&str>,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        match previous {
            Some(prev) => self.restore_before(function, release, prev, r).await,
            None => self.retire(function).await,
        }
    }
    /// Make live again what `function` ran before release `release`, whose
    /// version was `previous`. Targets that record each release's change
    /// restore exactly that, env included, so an env-only change is undone
    /// too; this default makes `previous` live with its recorded env.
    async fn restore_before(
        &self,
        function: &str,
        _release: &str,
        previous: &str,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        self.rollback(function, Some(previous), r).await.map(|_| ())
    }
    /// Wait until `count` workers of the active version are ready.
    async fn warmup(
        &self,
        function: &str,
        count: u32,
        deadline: Duration,
    ) -> anyhow::Result<Vec<Worker>>;
    async fn status(&self, function: &str) -> anyhow::Result<Status>;
    async fn versions(&self, function: &str) -> anyhow::Result<Vec<VersionInfo>>;
    async fn env_list(&self, function: &str) -> anyhow::Result<Vec<EnvVar>>;
    async fn env_update(
        &self,
        function: &str,
        set: &[EnvSet],
        unset: &[String],
    ) -> anyhow::Result<Vec<EnvVar>>;
    /// Replace running workers so they pick up new env; returns how many.
    async fn restart(&self, function: &str) -> anyhow::Result<u64>;
    /// Stream log entries to `sink` until it returns false or, without
    /// `follow`, the history is read.
    async fn logs(&self, q: &LogQuery, sink: &mut LogSink<'_>) -> anyhow::Result<()>;
    async fn invoke(&self, function: &str, inv: &Invocation) -> anyhow::Result<InvokeResult>;
    /// Delete a function (soft) or one of its versions (refused while active).
    async fn delete(&self, function: &str, version: Option<&str>) -> anyhow::Result<()>;
}

/// Where [`Target::logs`] sends each entry; `Ok(false)` stops the stream.
pub type LogSink<'a> = dyn FnMut(&LogEntry) -> anyhow::Result<bool> + Send + 'a;

/// Open the target named by `name`, else `targets.default`, else the first
/// configured, else the local backend `hoist backend start` runs.
pub fn open(
    project: &Project,
    name: Option<&str>,
    reporter: &dyn Reporter,
) -> anyhow::Result<Box<dyn Target>> {
    let t = &project.config.targets;
    let chosen = name
        .map(str::to_string)
        .or_else(|| t.default.clone())
        .unwrap_or_else(|| {
            if t.fly.is_some() && t.selfhosted.is_none() {
                "fly".into()
            } else {
                "selfhosted".into()
            }
        });
    match chosen.as_str() {
        "selfhosted" | "local" => Ok(Box::new(selfhosted::Selfhosted::open(
            t.selfhosted.as_ref(),
            &project.env,
        )?)),
        "fly" => match &t.fly {
            Some(cfg) => Ok(Box::new(fly::Fly::open(project, cfg, reporter)?)),
            None => Err(TargetError::FlyNotConfigured.into()),
        },
        other => Err(TargetError::UnknownTarget {
            kind: other.to_string(),
        }
        .into()),
    }
}

/// Check every configured target's settings of every function without
/// any network call (`hoist config validate`); returns notes to show.
pub fn check(project: &Project) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    if let Some(cfg) = &project.config.targets.fly {
        notes.extend(fly::check(project, cfg)?);
    }
    Ok(notes)
}

/// sha256 of env as sorted `KEY=VALUE\n` lines, `sha256:<hex>`: how a
/// deploy tells whether the configured env changed without reading values.
pub(crate) fn env_digest(env: &BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (k, v) in env {
        h.update(k.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    crate::digest::Digest::finish(h).to_string()
}
