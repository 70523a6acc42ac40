//! Between the backend's wire types (`hoist_api`) and the `Target` trait's
//! own: what a deploy sends as a function's settings, and what the
//! backend's answers become. Every conversion that can fail says which
//! value did not fit.

use crate::names::{checked, checked_opt};
use hoist_api as api;

use crate::targets::TargetError;
use crate::targets::{Deployed, EnvVar, FunctionSettings, InvokeResult, Worker};

/// A runtime this backend runs, or a usage error naming the ones it does.
pub(super) fn runtime(name: &str) -> anyhow::Result<api::Runtime> {
    api::Runtime::parse(name).ok_or_else(|| {
        TargetError::RuntimeNotRun {
            runtime: name.to_string(),
            runs: api::Runtime::ALL.map(api::Runtime::as_str).join(", "),
        }
        .into()
    })
}

/// The settings a deploy registers a function with.
pub(super) fn settings(s: &FunctionSettings) -> anyhow::Result<api::FunctionSettings> {
    Ok(api::FunctionSettings {
        runtime: runtime(&s.runtime)?,
        handler: None,
        memory_mb: Some(i64::from(s.memory_mb)),
        cpus: Some(f64::from(s.cpus)),
        timeout_seconds: Some(i64::from(s.timeout_seconds)),
        max_concurrent_executions: Some(i64::from(s.max_concurrent)),
        warm_workers: Some(i64::from(s.warm_workers)),
        health_path: s.health_path.clone(),
        port: None,
    })
}

fn setting(name: &str, v: i64) -> anyhow::Result<u32> {
    u32::try_from(v)
        .map_err(|_| anyhow::anyhow!("the backend reports `{name}` = {v}, out of range"))
}

/// A function's settings as the backend reports them.
pub(super) fn active_settings(f: &api::Function) -> anyhow::Result<FunctionSettings> {
    Ok(FunctionSettings {
        runtime: f.runtime.as_str().to_string(),
        memory_mb: setting("memory_mb", f.memory_mb)?,
        cpus: f.cpus as f32,
        timeout_seconds: setting("timeout_seconds", f.timeout_seconds)?,
        max_concurrent: setting("max_concurrent_executions", f.max_concurrent_executions)?,
        warm_workers: setting("warm_workers", f.warm_workers)?,
        health_path: f.health_path.clone(),
        target: None,
    })
}

pub(super) fn deployed(
    function: &str,
    d: &api::Deployment,
    uploaded: u64,
) -> anyhow::Result<Deployed> {
    let from = "the backend's deployment";
    Ok(Deployed {
        function: checked(function, from)?,
        version: checked(&d.version, from)?,
        previous_version: checked_opt(d.previous_version.as_deref(), from)?,
        deployment: d.id.clone(),
        uploaded_bytes: uploaded,
    })
}

pub(super) fn worker(w: &api::Worker) -> Worker {
    Worker {
        id: w.id.clone(),
        version: w.version.clone(),
        state: w.state.as_str().to_string(),
        cold_start_ms: w.cold_start_ms.map(|ms| ms as f64),
    }
}

pub(super) fn env(list: api::EnvList) -> Vec<EnvVar> {
    list.env
        .into_iter()
        .map(|e| EnvVar {
            key: e.key,
            value: e.value,
            is_secret: e.is_secret,
            source: match e.source {
                api::EnvSource::Set => "set",
                api::EnvSource::Config => "config",
            }
            .to_string(),
        })
        .collect()
}

pub(super) fn invoke_result(a: api::InvokeResult) -> InvokeResult {
    InvokeResult {
        status: a.status,
        headers: a.headers,
        body: a.body,
        body_encoding: match a.body_encoding {
            api::BodyEncoding::Utf8 => "utf8",
            api::BodyEncoding::Base64 => "base64",
        }
        .to_string(),
        duration_ms: a.duration_ms,
        version: a.version,
    }
}
