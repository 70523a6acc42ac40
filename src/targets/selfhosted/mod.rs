//! The `selfhosted` target: hoist's functions backend API
//! (docs/selfhosted-api.md), served by `hoist backend` or any server that
//! implements it. A deploy registers the function, creates the version (by
//! reference when the backend reads the same artifact store, else by
//! uploading the archive), then asks for a deployment, which the backend
//! puts behind its health gate.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use super::{
    Active, DeployRequest, Deployed, EnvSet, EnvVar, FunctionSettings, Invocation, InvokeResult,
    LogEntry, LogQuery, Reporter, StartFailure, Status, Target, VersionInfo, Worker,
};
mod logs;
mod token;

pub use token::local_data_dir;
use token::token_for;

use crate::config::schema::SelfhostedConfig;
use crate::error::UserError;
use crate::http::api::{Auth, Body};
use crate::http::{Api, ApiError};

/// Where `hoist backend start` listens unless told otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7878";

pub struct Selfhosted {
    api: Api,
    /// The backend's artifact store, asked once per command.
    store: std::sync::OnceLock<Option<String>>,
}

impl Selfhosted {
    pub fn open(cfg: Option<&SelfhostedConfig>) -> anyhow::Result<Selfhosted> {
        let url = cfg
            .map(|c| c.url.clone())
            .or_else(|| {
                std::env::var("HOIST_BACKEND_URL")
                    .ok()
                    .filter(|v| !v.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let token = token_for(&url)?;
        let auth = token.map(Auth::Bearer).unwrap_or(Auth::None);
        let shown = crate::http::redact::redact(&url);
        let api = Api::new(
            &url,
            auth,
            format!("the self-hosted backend at {shown}"),
            "`hoist login selfhosted` stores its token (or set HOIST_SELFHOSTED_TOKEN); \
             the local backend's (`hoist backend start`) is found on its own"
                .into(),
        )?;
        Ok(Selfhosted {
            api,
            store: std::sync::OnceLock::new(),
        })
    }

    fn block<T>(
        &self,
        f: impl std::future::Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        crate::http::runtime()?.block_on(f)
    }

    fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.block(self.api.get(path))
    }

    fn path(function: &str, rest: &str) -> String {
        format!("/api/functions/{}{rest}", enc(function))
    }

    /// The artifact store the backend reads by reference, if any.
    fn backend_store(&self) -> Option<String> {
        self.store
            .get_or_init(|| {
                self.get("/api/health")
                    .ok()
                    .and_then(|v| v.get("store").and_then(Value::as_str).map(str::to_string))
            })
            .clone()
    }

    fn register(&self, function: &str, s: &FunctionSettings) -> anyhow::Result<()> {
        let body = json!({
            "runtime": s.runtime,
            "memory_mb": s.memory_mb,
            "cpus": s.cpus,
            "timeout_seconds": s.timeout_seconds,
            "max_concurrent_executions": s.max_concurrent,
            "warm_workers": s.warm_workers,
            "health_path": s.health_path,
        });
        self.block(self.api.put(&Self::path(function, ""), &body))?;
        Ok(())
    }

    /// Create the version (or find the same one there); returns bytes sent.
    fn create_version(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<u64> {
        let path = Self::path(&req.function, "/versions");
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        if self
            .backend_store()
            .is_some_and(|s| same(&s, &req.store_url))
        {
            r.detail(&format!(
                "{}: the backend reads the archive from {}",
                req.function, req.store_url
            ));
            let body = json!({
                "version": req.version, "digest": req.digest, "archive_key": req.archive_key,
                "runtime": req.settings.runtime, "entrypoint": req.entrypoint, "import_map": req.import_map,
            });
            self.block(self.api.post(&path, &body, true))?;
            return Ok(0);
        }
        // New code is uploaded at once (creating a version is idempotent);
        // otherwise the backend may hold the version already, and an
        // env- or settings-only deploy sends no bytes.
        if !req.new_code && self.has_version(&req.function, &req.version, &req.digest)? {
            return Ok(0);
        }
        let bytes = std::fs::read(&req.archive)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", req.archive.display()))?;
        let size = bytes.len() as u64;
        r.step(
            "Uploading",
            &format!(
                "{} {} ({})",
                req.function,
                req.version,
                crate::ui::human_bytes(size)
            ),
        );
        self.block(async {
            let mut n = 0;
            loop {
                n += 1;
                let mut form = reqwest::multipart::Form::new()
                    .text("version", req.version.clone())
                    .text("digest", req.digest.clone())
                    .text("runtime", req.settings.runtime.clone())
                    .text("entrypoint", req.entrypoint.clone());
                if let Some(m) = &req.import_map {
                    form = form.text("import_map", m.clone());
                }
                let part = reqwest::multipart::Part::bytes(bytes.clone())
                    .file_name("function.tar.gz")
                    .mime_str("application/gzip")?;
                form = form.part("archive", part);
                let rb = self.api.request(Method::POST, &path).multipart(form);
                // Creating a version is idempotent (same version and digest
                // answer the existing one), so a lost answer is resent.
                match self.api.send_once(rb, &path).await {
                    Ok(_) => return Ok(size),
                    Err(e) if n < 4 && retryable(&e) => {
                        tokio::time::sleep(crate::http::retry::backoff(n)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        })
    }

    fn has_version(&self, function: &str, version: &str, digest: &str) -> anyhow::Result<bool> {
        Ok(self
            .versions(function)?
            .iter()
            .any(|v| v.version == version && v.digest == digest))
    }

    /// A function document as its active state. A backend that does not
    /// report `active_digest` gets asked for versions and deployments.
    fn active_of(&self, function: &str, f: &Value) -> anyhow::Result<Active> {
        let num = |k: &str| f.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let settings = FunctionSettings {
            runtime: str_of(f, "runtime"),
            memory_mb: num("memory_mb") as u32,
            cpus: num("cpus") as f32,
            timeout_seconds: num("timeout_seconds") as u32,
            max_concurrent: num("max_concurrent_executions") as u32,
            warm_workers: num("warm_workers") as u32,
            health_path: f
                .get("health_path")
                .and_then(Value::as_str)
                .map(str::to_string),
            target: None,
        };
        let opt = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut active = Active {
            version: opt("active_version"),
            digest: opt("active_digest"),
            env_digest: opt("env_digest"),
            env_keys: strings(f.get("env_keys")),
            settings: Some(settings),
        };
        let Some(v) = active.version.clone() else {
            return Ok(active);
        };
        if f.get("active_digest").is_none() {
            active.digest = self
                .versions(function)?
                .into_iter()
                .find(|x| x.version == v)
                .map(|x| x.digest);
            let deps = self.get(&Self::path(function, "/deployments"))?;
            if let Some(d) = deps
                .get("deployments")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find(|d| d.get("status").and_then(Value::as_str) == Some("live"))
                })
            {
                active.env_digest = d
                    .get("env_digest")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                active.env_keys = strings(d.get("env_keys"));
            }
        }
        Ok(active)
    }

    fn deployed(function: &str, v: &Value, uploaded: u64) -> Deployed {
        Deployed {
            function: function.to_string(),
            version: str_of(v, "version"),
            previous_version: v
                .get("previous_version")
                .and_then(Value::as_str)
                .map(str::to_string),
            deployment: str_of(v, "id"),
            uploaded_bytes: uploaded,
        }
    }
}

/// Whether an error is worth sending the same request again.
fn retryable(e: &anyhow::Error) -> bool {
    match ApiError::find(e) {
        Some(a) => crate::http::retry::transient(
            reqwest::StatusCode::from_u16(a.status).unwrap_or(reqwest::StatusCode::OK),
        ),
        None => true,
    }
}

/// A failed health gate as a [`StartFailure`] in the error chain.
fn start_failure(function: &str, e: anyhow::Error) -> anyhow::Error {
    let Some(api) = ApiError::find(&e) else {
        return e;
    };
    if !matches!(
        api.code.as_str(),
        "health_check_failed" | "start_failed" | "runtime_missing"
    ) {
        return e;
    }
    let logs = api
        .details
        .get("logs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let failure = StartFailure {
        function: function.to_string(),
        reason: api.message.clone(),
        logs,
    };
    let hint = api.hint.clone();
    let mut user = UserError::failure(failure.to_string());
    if let Some(h) = hint {
        user = user.with_hint(h);
    }
    anyhow::Error::new(failure).context(user)
}

fn str_of(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn enc(s: &str) -> String {
    crate::registry::client::urlencode(s)
}

fn workers_of(v: &Value) -> Vec<Worker> {
    v.get("workers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|w| Worker {
                    id: str_of(w, "id"),
                    version: str_of(w, "version"),
                    state: str_of(w, "state"),
                    cold_start_ms: w.get("cold_start_ms").and_then(Value::as_f64),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn env_of(v: &Value) -> Vec<EnvVar> {
    v.get("env")
        .cloned()
        .and_then(|e| serde_json::from_value(e).ok())
        .unwrap_or_default()
}

impl Target for Selfhosted {
    fn kind(&self) -> &'static str {
        "selfhosted"
    }

    fn describe(&self) -> String {
        self.api.name.clone()
    }

    fn active(&self, function: &str) -> anyhow::Result<Option<Active>> {
        match self.get(&Self::path(function, "")) {
            Ok(f) => Ok(Some(self.active_of(function, &f)?)),
            Err(e) if ApiError::find(&e).is_some_and(|a| a.status == 404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn active_all(&self, functions: &[String]) -> anyhow::Result<Vec<Option<Active>>> {
        let list = self.get("/api/functions")?;
        let all = list
            .get("functions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        functions
            .iter()
            .map(
                |name| match all.iter().find(|f| str_of(f, "name") == *name) {
                    Some(f) => self.active_of(name, f).map(Some),
                    None => Ok(None),
                },
            )
            .collect()
    }

    fn deploy(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<Deployed> {
        self.register(&req.function, &req.settings)?;
        let uploaded = self.create_version(req, r)?;
        r.step("Deploying", &format!("{} {}", req.function, req.version));
        let body = json!({
            "version": req.version,
            "env": req.env,
            "release_id": req.release_id,
            "kind": "deploy",
            "health_timeout_seconds": req.health_timeout.as_secs().max(1),
        });
        let v = self
            .block(
                self.api
                    .post(&Self::path(&req.function, "/deployments"), &body, true),
            )
            .map_err(|e| start_failure(&req.function, e))?;
        Ok(Self::deployed(&req.function, &v, uploaded))
    }

    fn rollback(
        &self,
        function: &str,
        to: Option<&str>,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed> {
        r.step(
            "Rolling back",
            &match to {
                Some(v) => format!("{function} to {v}"),
                None => format!("{function} to its previous version"),
            },
        );
        let body = match to {
            Some(v) => json!({ "version": v }),
            None => json!({}),
        };
        let v = self
            .block(
                self.api
                    .post(&Self::path(function, "/rollback"), &body, false),
            )
            .map_err(|e| start_failure(function, e))?;
        Ok(Self::deployed(function, &v, 0))
    }

    fn retire(&self, function: &str) -> anyhow::Result<()> {
        self.delete(function, None)
    }

    fn restore_settings(&self, function: &str, settings: &FunctionSettings) -> anyhow::Result<()> {
        self.register(function, settings)
    }

    /// The backend restores the deployment before the release's own (its
    /// version and env); a release that never deployed the function has
    /// nothing to undo.
    fn restore_before(
        &self,
        function: &str,
        release: &str,
        prev: &str,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        let body = json!({ "undo_release": release });
        match self.block(
            self.api
                .post(&Self::path(function, "/rollback"), &body, false),
        ) {
            Ok(_) => {
                r.step("Rolled back", &format!("{function} to {prev}"));
                Ok(())
            }
            Err(e)
                if ApiError::find(&e).is_some_and(|a| {
                    a.code == "not_deployed_by_release" || a.code == "release_superseded"
                }) =>
            {
                r.detail(&format!(
                    "{function}: nothing of release {release} to undo ({e:#})"
                ));
                Ok(())
            }
            Err(e) => Err(start_failure(function, e)),
        }
    }

    fn warmup(
        &self,
        function: &str,
        count: u32,
        deadline: Duration,
    ) -> anyhow::Result<Vec<Worker>> {
        let body = json!({ "count": count, "timeout_seconds": deadline.as_secs().max(1) });
        let v = self.block(self.api.post(&Self::path(function, "/warmup"), &body, true))?;
        Ok(workers_of(&v))
    }

    fn status(&self, function: &str) -> anyhow::Result<Status> {
        let v = self.get(&Self::path(function, ""))?;
        Ok(Status {
            function: function.to_string(),
            active_version: v
                .get("active_version")
                .and_then(Value::as_str)
                .map(str::to_string),
            health: v
                .get("health")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
            workers: workers_of(&v),
        })
    }

    fn versions(&self, function: &str) -> anyhow::Result<Vec<VersionInfo>> {
        let v = self.get(&Self::path(function, "/versions"))?;
        Ok(v.get("versions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|x| VersionInfo {
                        version: str_of(x, "version"),
                        digest: str_of(x, "digest"),
                        created_at: str_of(x, "created_at"),
                        active: x.get("active").and_then(Value::as_bool).unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn env_list(&self, function: &str) -> anyhow::Result<Vec<EnvVar>> {
        Ok(env_of(&self.get(&Self::path(function, "/env"))?))
    }

    fn env_update(
        &self,
        function: &str,
        set: &[EnvSet],
        unset: &[String],
    ) -> anyhow::Result<Vec<EnvVar>> {
        let set: Vec<Value> = set
            .iter()
            .map(|s| json!({ "key": s.key, "value": s.value.expose(), "is_secret": s.is_secret }))
            .collect();
        let body = json!({ "set": set, "unset": unset });
        Ok(env_of(&self.block(
            self.api.patch(&Self::path(function, "/env"), &body),
        )?))
    }

    fn restart(&self, function: &str) -> anyhow::Result<u64> {
        let v = self.block(
            self.api
                .post(&Self::path(function, "/restart"), &json!({}), false),
        )?;
        Ok(v.get("restarted").and_then(Value::as_u64).unwrap_or(0))
    }

    fn logs(
        &self,
        q: &LogQuery,
        sink: &mut dyn FnMut(&LogEntry) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        logs::read(self, q, sink)
    }

    fn invoke(&self, function: &str, inv: &Invocation) -> anyhow::Result<InvokeResult> {
        let body = json!({
            "method": inv.method, "path": inv.path, "query": inv.query,
            "headers": inv.headers, "body": inv.body,
        });
        let v = self.block(self.api.call(
            Method::POST,
            &Self::path(function, "/invoke"),
            Body::Json(&body),
            false,
        ))?;
        serde_json::from_value(v)
            .map_err(|e| anyhow::anyhow!("{} answered an invocation oddly: {e}", self.api.name))
    }

    fn delete(&self, function: &str, version: Option<&str>) -> anyhow::Result<()> {
        let path = match version {
            Some(v) => Self::path(function, &format!("/versions/{}", enc(v))),
            None => Self::path(function, ""),
        };
        self.block(self.api.delete(&path))?;
        Ok(())
    }
}
