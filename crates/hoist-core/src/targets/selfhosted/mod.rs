//! The `selfhosted` target: hoist's functions backend API
//! (docs/selfhosted-api.md), served by `hoist backend` or any server that
//! implements it. A deploy registers the function, creates the version (by
//! reference when the backend reads the same artifact store, else by
//! uploading the archive), then asks for a deployment, which the backend
//! puts behind its health gate.

use std::time::Duration;

use hoist_api as api;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{
    Active, DeployRequest, Deployed, EnvSet, EnvVar, FunctionSettings, Invocation, InvokeResult,
    LogQuery, LogSink, Reporter, StartFailure, Status, Target, VersionInfo, Worker,
};
mod logs;
mod token;
mod upload;
mod wire;

use token::token_for;

use crate::config::schema::SelfhostedConfig;
use crate::env::Env;
use crate::http::api::{Auth, Body};
use crate::http::{Api, ApiError};
use crate::targets::TargetError;

/// The runtimes the backend runs workers with.
pub const RUNTIMES: [&str; 3] = [
    api::Runtime::Node.as_str(),
    api::Runtime::Deno.as_str(),
    api::Runtime::Bun.as_str(),
];

/// Where `hoist backend start` listens unless told otherwise.
pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:7878";

pub(crate) struct Selfhosted {
    api: Api,
    /// The backend's artifact store, asked once per command.
    store: tokio::sync::OnceCell<Option<String>>,
}

impl Selfhosted {
    pub(crate) fn open(cfg: Option<&SelfhostedConfig>, env: &Env) -> anyhow::Result<Selfhosted> {
        let url = cfg
            .map(|c| c.url.clone())
            .or_else(|| env.non_empty("HOIST_BACKEND_URL"))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let token = token_for(env, &url)?;
        let auth = token.map(Auth::Bearer).unwrap_or(Auth::None);
        let shown = crate::http::redact::redact(&url);
        let api = Api::new(
            &url,
            auth,
            format!("the self-hosted backend at {shown}"),
            "`hoist login selfhosted` stores its token (or set HOIST_SELFHOSTED_TOKEN); \
             the local backend's (`hoist backend start`) is found on its own"
                .into(),
        )?
        .traced(env);
        let api = if token::is_loopback(&url) {
            api.with_unreachable_hint(format!(
                "start the local backend: `hoist backend start` (it listens on {DEFAULT_URL}; \
                 `--listen` for another address)"
            ))
        } else {
            api
        };
        Ok(Selfhosted {
            api,
            store: tokio::sync::OnceCell::new(),
        })
    }

    /// GET an answer of the documented type.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let v = self.api.get(path).await?;
        self.api.decode(&Method::GET, path, v)
    }

    /// Send `body` as JSON and read the documented answer; retried when
    /// `idempotent`.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &(impl Serialize + Sync),
        idempotent: bool,
    ) -> anyhow::Result<T> {
        let body = serde_json::to_value(body)?;
        let v = self
            .api
            .call(method.clone(), path, Body::Json(&body), idempotent)
            .await?;
        self.api.decode(&method, path, v)
    }

    fn path(function: &str, rest: &str) -> String {
        format!("/api/functions/{}{rest}", enc(function))
    }

    /// The artifact store the backend reads by reference, if any.
    /// The first caller asks; the others of a release wait for its answer.
    async fn backend_store(&self) -> anyhow::Result<Option<String>> {
        let store = self
            .store
            .get_or_try_init(|| async {
                let h: api::Health = self.get("/api/health").await?;
                anyhow::Ok(h.store)
            })
            .await?;
        Ok(store.clone())
    }

    async fn register(&self, function: &str, s: &FunctionSettings) -> anyhow::Result<()> {
        let body = wire::settings(s)?;
        let _: api::Function = self
            .send(Method::PUT, &Self::path(function, ""), &body, true)
            .await?;
        Ok(())
    }

    /// Create the version (or find the same one there); returns bytes sent.
    async fn create_version(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<u64> {
        let path = Self::path(&req.function, "/versions");
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        if self
            .backend_store()
            .await?
            .is_some_and(|s| same(&s, &req.store_url))
        {
            r.detail(&format!(
                "{}: the backend reads the archive from {}",
                req.function, req.store_url
            ));
            let body = api::VersionByReference {
                version: req.version.to_string(),
                digest: req.digest.clone(),
                archive_key: req.archive_key.clone(),
                runtime: wire::runtime(&req.settings.runtime)?,
                entrypoint: req.entrypoint.clone(),
                import_map: req.import_map.clone(),
            };
            let _: api::Version = self.send(Method::POST, &path, &body, true).await?;
            return Ok(0);
        }
        // New code is uploaded at once (creating a version is idempotent);
        // otherwise the backend may hold the version already, and an
        // env- or settings-only deploy sends no bytes.
        if !req.new_code
            && self
                .has_version(&req.function, &req.version, &req.digest)
                .await?
        {
            return Ok(0);
        }
        upload::version(self, &path, req, r).await
    }

    async fn has_version(
        &self,
        function: &str,
        version: &str,
        digest: &str,
    ) -> anyhow::Result<bool> {
        Ok(self
            .versions(function)
            .await?
            .iter()
            .any(|v| v.version == version && v.digest == digest))
    }

    /// A function as its active state. A server that does not report
    /// `active_digest` gets asked for versions and deployments.
    async fn active_of(&self, function: &str, f: &api::Function) -> anyhow::Result<Active> {
        let mut active = Active {
            version: crate::names::checked_opt(
                f.active_version.as_deref(),
                "the backend's active_version",
            )?,
            digest: f.active_digest.clone(),
            env_digest: f.env_digest.clone(),
            env_keys: f.env_keys.clone(),
            settings: Some(wire::active_settings(f)?),
        };
        let Some(v) = active.version.clone() else {
            return Ok(active);
        };
        if f.active_digest.is_none() {
            active.digest = self
                .versions(function)
                .await?
                .into_iter()
                .find(|x| x.version == v)
                .map(|x| x.digest);
            let deps: api::DeploymentList = self.get(&Self::path(function, "/deployments")).await?;
            if let Some(d) = deps
                .deployments
                .iter()
                .find(|d| d.status == api::DeploymentStatus::Live)
            {
                active.env_digest = Some(d.env_digest.clone());
                active.env_keys = d.env_keys.clone();
            }
        }
        Ok(active)
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

/// The backend's code of an error answer, when it is one of the contract's
/// (another server's own codes are none of them).
fn code_of(e: &anyhow::Error) -> Option<api::ErrorCode> {
    let a = ApiError::find(e)?;
    api::ErrorCode::parse(&a.code)
}

/// A failed health gate as a [`StartFailure`] in the error chain.
fn start_failure(function: &str, e: anyhow::Error) -> anyhow::Error {
    let Some(api) = ApiError::find(&e) else {
        return e;
    };
    if !matches!(
        code_of(&e),
        Some(
            api::ErrorCode::HealthCheckFailed
                | api::ErrorCode::StartFailed
                | api::ErrorCode::RuntimeMissing
        )
    ) {
        return e;
    }
    let logs = match serde_json::from_value::<api::ErrorDetail>(api.details.clone()) {
        Ok(d) => d.logs.into_iter().flatten().collect(),
        Err(err) => vec![format!(
            "(the failed workers' logs could not be read: {err})"
        )],
    };
    let failure = StartFailure {
        function: function.to_string(),
        reason: api.message.clone(),
        logs,
    };
    let started = TargetError::StartFailed {
        function: failure.function.clone(),
        reason: failure.reason.clone(),
        hint: api.hint.clone(),
    };
    anyhow::Error::new(failure).context(started)
}

fn enc(s: &str) -> String {
    crate::registry::client::urlencode(s)
}

#[async_trait::async_trait]
impl Target for Selfhosted {
    fn kind(&self) -> &'static str {
        "selfhosted"
    }

    fn describe(&self) -> String {
        self.api.name.clone()
    }

    async fn active(&self, function: &str) -> anyhow::Result<Option<Active>> {
        match self
            .get::<api::FunctionDetail>(&Self::path(function, ""))
            .await
        {
            Ok(f) => Ok(Some(self.active_of(function, &f.function).await?)),
            Err(e) if ApiError::find(&e).is_some_and(|a| a.status == 404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn active_all(&self, functions: &[String]) -> anyhow::Result<Vec<Option<Active>>> {
        let list: api::FunctionList = self.get("/api/functions").await?;
        let mut out = Vec::with_capacity(functions.len());
        for name in functions {
            out.push(match list.functions.iter().find(|f| f.name == *name) {
                Some(f) => Some(self.active_of(name, f).await?),
                None => None,
            });
        }
        Ok(out)
    }

    async fn deploy(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<Deployed> {
        let uploaded = self.stage(req, r).await?;
        self.activate(req, uploaded, r).await
    }

    async fn stage(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<u64> {
        // Which store the backend reads is asked while the function is
        // registered, not after: one round trip less per function.
        let (registered, store) = tokio::join!(
            self.register(&req.function, &req.settings),
            self.backend_store()
        );
        registered?;
        store?;
        self.create_version(req, r).await
    }

    async fn activate(
        &self,
        req: &DeployRequest,
        uploaded: u64,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed> {
        r.step("Deploying", &format!("{} {}", req.function, req.version));
        let body = api::DeployRequest {
            version: req.version.to_string(),
            env: req.env.clone(),
            release_id: Some(req.release_id.to_string()),
            kind: Some(api::DeployKind::Deploy),
            health_timeout_seconds: Some(req.health_timeout.as_secs().max(1)),
        };
        let path = Self::path(&req.function, "/deployments");
        let d: api::Deployment = self
            .send(Method::POST, &path, &body, true)
            .await
            .map_err(|e| start_failure(&req.function, e))?;
        wire::deployed(&req.function, &d, uploaded)
    }

    async fn rollback(
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
        let body = api::RollbackRequest {
            version: to.map(str::to_string),
            undo_release: None,
        };
        let d: api::Deployment = self
            .send(
                Method::POST,
                &Self::path(function, "/rollback"),
                &body,
                false,
            )
            .await
            .map_err(|e| start_failure(function, e))?;
        wire::deployed(function, &d, 0)
    }

    async fn retire(&self, function: &str) -> anyhow::Result<()> {
        self.delete(function, None).await
    }

    async fn restore_settings(
        &self,
        function: &str,
        settings: &FunctionSettings,
    ) -> anyhow::Result<()> {
        self.register(function, settings).await
    }

    /// The backend restores the deployment before the release's own (its
    /// version and env); a release that never deployed the function has
    /// nothing to undo.
    async fn restore_before(
        &self,
        function: &str,
        release: &str,
        prev: &str,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        let body = api::RollbackRequest {
            version: None,
            undo_release: Some(release.to_string()),
        };
        let path = Self::path(function, "/rollback");
        match self
            .send::<api::Deployment>(Method::POST, &path, &body, false)
            .await
        {
            Ok(_) => {
                r.step("Rolled back", &format!("{function} to {prev}"));
                Ok(())
            }
            Err(e)
                if matches!(
                    code_of(&e),
                    Some(api::ErrorCode::NotDeployedByRelease | api::ErrorCode::ReleaseSuperseded)
                ) =>
            {
                r.detail(&format!(
                    "{function}: nothing of release {release} to undo ({e:#})"
                ));
                Ok(())
            }
            Err(e) => Err(start_failure(function, e)),
        }
    }

    async fn warmup(
        &self,
        function: &str,
        count: u32,
        deadline: Duration,
    ) -> anyhow::Result<Vec<Worker>> {
        let body = api::WarmupRequest {
            count: Some(count),
            timeout_seconds: Some(u32::try_from(deadline.as_secs().max(1)).unwrap_or(u32::MAX)),
        };
        let path = Self::path(function, "/warmup");
        let w: api::WarmupResult = self.send(Method::POST, &path, &body, true).await?;
        Ok(w.workers.iter().map(wire::worker).collect())
    }

    async fn status(&self, function: &str) -> anyhow::Result<Status> {
        let f: api::FunctionDetail = self.get(&Self::path(function, "")).await?;
        Ok(Status {
            function: function.to_string(),
            active_version: f.function.active_version.clone(),
            health: f.health.as_str().to_string(),
            workers: f.workers.iter().map(wire::worker).collect(),
        })
    }

    async fn versions(&self, function: &str) -> anyhow::Result<Vec<VersionInfo>> {
        let list: api::VersionList = self.get(&Self::path(function, "/versions")).await?;
        Ok(list
            .versions
            .into_iter()
            .map(|v| VersionInfo {
                version: v.version,
                digest: v.digest,
                created_at: v.created_at,
                active: v.active,
            })
            .collect())
    }

    async fn env_list(&self, function: &str) -> anyhow::Result<Vec<EnvVar>> {
        let env: api::EnvList = self.get(&Self::path(function, "/env")).await?;
        Ok(wire::env(env))
    }

    async fn env_update(
        &self,
        function: &str,
        set: &[EnvSet],
        unset: &[String],
    ) -> anyhow::Result<Vec<EnvVar>> {
        let body = api::EnvPatch {
            set: set
                .iter()
                .map(|s| api::EnvSet {
                    key: s.key.clone(),
                    value: s.value.expose().to_string(),
                    is_secret: s.is_secret,
                })
                .collect(),
            unset: unset.to_vec(),
        };
        let env: api::EnvList = self
            .send(Method::PATCH, &Self::path(function, "/env"), &body, false)
            .await?;
        Ok(wire::env(env))
    }

    async fn restart(&self, function: &str) -> anyhow::Result<u64> {
        let path = Self::path(function, "/restart");
        let r: api::Restarted = self
            .send(Method::POST, &path, &serde_json::json!({}), false)
            .await?;
        Ok(r.restarted)
    }

    async fn logs(&self, q: &LogQuery, sink: &mut LogSink<'_>) -> anyhow::Result<()> {
        logs::read(self, q, sink).await
    }

    async fn invoke(&self, function: &str, inv: &Invocation) -> anyhow::Result<InvokeResult> {
        let body = api::InvokeRequest {
            method: Some(inv.method.clone()),
            path: Some(inv.path.clone()),
            query: inv
                .query
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
            headers: inv.headers.clone(),
            body: inv.body.clone(),
        };
        let path = Self::path(function, "/invoke");
        let a: api::InvokeResult = self.send(Method::POST, &path, &body, false).await?;
        Ok(wire::invoke_result(a))
    }

    async fn delete(&self, function: &str, version: Option<&str>) -> anyhow::Result<()> {
        let path = match version {
            Some(v) => Self::path(function, &format!("/versions/{}", enc(v))),
            None => Self::path(function, ""),
        };
        let v = self.api.delete(&path).await?;
        let _: api::Deleted = self.api.decode(&Method::DELETE, &path, v)?;
        Ok(())
    }
}
