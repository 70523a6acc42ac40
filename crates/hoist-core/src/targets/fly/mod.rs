//! The `fly` target: each function is its own Fly app, running the
//! function's image (pushed to the Fly registry and referenced by digest)
//! on machines driven through the Machines API. hoist's state lives in the
//! machines' metadata: function, version, release, bundle digest, env
//! digest, settings, and a short history of earlier configs that
//! `rollback` redeploys. A deploy runs the function's strategy
//! (src/targets/fly/rollout.rs) under machine leases and undoes itself on
//! any failure.

mod api;
mod env;
mod flytoml;
mod lease;
mod logs;
mod restore;
mod rollout;
pub(crate) mod spec;
mod state;
mod warmup;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use super::{
    Active, DeployRequest, Deployed, EnvSet, EnvVar, FunctionSettings, Invocation, InvokeResult,
    LogQuery, LogSink, Reporter, Status, Target, VersionInfo, Worker,
};
use crate::config::schema::FlyConfig;
use crate::config::Project;
use crate::env::Env;
use crate::http::api::Auth;
use crate::http::Api;
use crate::targets::TargetError;
use api::{FlyApi, Machine};
use lease::Leases;
use rollout::{lease_patience, Rollout};
use spec::Spec;
use state::{active_of, decode_meta, entry_of, extra_env, history_of, meta_of, stamp};

pub(crate) struct Fly {
    api: FlyApi,
    org: String,
    registry: String,
    token: Option<crate::auth::Secret>,
    specs: BTreeMap<String, Spec>,
    /// Where warnings of work no command step owns go (leases kept fresh,
    /// restarts inside `env set`).
    reporter: Arc<dyn Reporter>,
    /// The environment the project was loaded in.
    env: Env,
    /// How long a rollout waits for another client's lease.
    lease_wait: Duration,
}

fn env_or(env: &Env, var: &str, cfg: Option<&String>, default: &str) -> String {
    cfg.cloned()
        .or_else(|| env.non_empty(var))
        .unwrap_or_else(|| default.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// A fresh id for launch tags and restart stamps.
pub(crate) fn new_id() -> String {
    format!("{:016x}", crate::http::retry::random())
}

/// Every function's Fly settings, resolved and checked (no network).
fn resolve_all(project: &Project, cfg: &FlyConfig) -> anyhow::Result<BTreeMap<String, Spec>> {
    let mut specs = BTreeMap::new();
    let mut apps: BTreeMap<String, String> = BTreeMap::new();
    for f in &project.functions {
        let s = spec::resolve(project, cfg, f)?;
        if let Some(other) = apps.insert(s.app.clone(), f.name.to_string()) {
            return Err(TargetError::SameApp {
                first: other,
                second: f.name.clone(),
                app: s.app,
            }
            .into());
        }
        specs.insert(f.name.to_string(), s);
    }
    Ok(specs)
}

/// Notes about the Fly settings (fly.toml keys hoist does not use).
pub(crate) fn check(project: &Project, cfg: &FlyConfig) -> anyhow::Result<Vec<String>> {
    Ok(notes(&resolve_all(project, cfg)?))
}

fn notes(specs: &BTreeMap<String, Spec>) -> Vec<String> {
    specs
        .values()
        .filter(|s| !s.unsupported.is_empty())
        .map(|s| {
            format!(
                "{}: fly.toml keys hoist does not use: {}",
                s.function,
                s.unsupported.join(", ")
            )
        })
        .collect()
}

impl Fly {
    pub(crate) fn open(
        project: &Project,
        cfg: &FlyConfig,
        reporter: &dyn Reporter,
    ) -> anyhow::Result<Fly> {
        let specs = resolve_all(project, cfg)?;
        for note in notes(&specs) {
            reporter.step("Note", &note);
        }
        let env = &project.env;
        let lease_wait = lease_patience(env)?;
        let token = crate::auth::token(env, "fly")?.map(|t| t.0);
        let auth = token.as_ref().map(api::auth_for).unwrap_or(Auth::None);
        let hint =
            "run `hoist login fly`, or set FLY_API_TOKEN (a token from `fly tokens create deploy`)"
                .to_string();
        let machines_url = env_or(
            env,
            "FLY_FLAPS_BASE_URL",
            cfg.api_url.as_ref(),
            "https://api.machines.dev",
        );
        let platform_url = env_or(
            env,
            "FLY_API_BASE_URL",
            cfg.platform_url.as_ref(),
            "https://api.fly.io",
        );
        let registry = env_or(
            env,
            "FLY_REGISTRY_HOST",
            cfg.registry.as_ref(),
            "registry.fly.io",
        );
        let machines = Api::new(
            &machines_url,
            auth.clone(),
            format!("the Fly Machines API at {machines_url}"),
            hint.clone(),
        )?
        .with_attempts(8)
        .traced(env);
        let platform = Api::new(
            &platform_url,
            auth,
            format!("the Fly platform API at {platform_url}"),
            hint,
        )?
        .with_attempts(8)
        .traced(env);
        Ok(Fly {
            api: FlyApi { machines, platform },
            org: cfg.org.clone(),
            registry,
            token,
            specs,
            reporter: reporter.share(),
            env: env.clone(),
            lease_wait,
        })
    }

    fn spec(&self, function: &str) -> anyhow::Result<&Spec> {
        self.specs.get(function).ok_or_else(|| {
            TargetError::NoFunction {
                function: function.to_string(),
            }
            .into()
        })
    }

    fn need_token(&self) -> anyhow::Result<()> {
        if self.token.is_none() {
            return Err(TargetError::NoFlyToken.into());
        }
        Ok(())
    }

    /// The function's managed machines, sorted by id.
    async fn current(&self, spec: &Spec) -> anyhow::Result<Vec<Machine>> {
        let mut ms: Vec<Machine> = self
            .api
            .machines(&spec.app)
            .await?
            .into_iter()
            .filter(Machine::is_managed)
            .filter(|m| m.meta("hoist_function").is_none_or(|f| f == spec.function))
            .collect();
        ms.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(ms)
    }

    /// Lease every current machine (waiting for other holders), listing
    /// again until the set is stable.
    async fn lease_all(&self, spec: &Spec, leases: &Leases) -> anyhow::Result<Vec<Machine>> {
        loop {
            let ms = self.current(spec).await?;
            let mut fresh = false;
            for m in &ms {
                if leases.nonce(&m.id).is_none() {
                    leases.acquire(&m.id, self.lease_wait).await?;
                    fresh = true;
                }
            }
            if !fresh {
                return Ok(ms);
            }
        }
    }

    /// A function's live state from its machines' metadata.
    async fn active_of_spec(&self, spec: &Spec) -> anyhow::Result<Option<Active>> {
        if self.api.app(&spec.app).await?.is_none() {
            return Ok(None);
        }
        let ms = self.current(spec).await?;
        let Some(m) = active_of(&ms)? else {
            return Ok(Some(Active::default()));
        };
        let mixed = ms
            .iter()
            .any(|o| o.meta("hoist_config") != m.meta("hoist_config"));
        let want = spec.count() as usize;
        Ok(Some(Active {
            version: crate::names::checked_opt(
                m.meta("hoist_version"),
                "a Fly machine's hoist_version",
            )?,
            // A cut-short rollout or a machine count that differs from
            // hoist.yaml's is never "unchanged".
            digest: if mixed || ms.len() != want {
                Some("sha256:incomplete".into())
            } else {
                m.meta("hoist_bundle_digest").map(str::to_string)
            },
            env_digest: m.meta("hoist_env_digest").map(str::to_string),
            // A machine without `hoist_env_keys` (not deployed by hoist)
            // has no env keys of hoist's.
            env_keys: m
                .meta("hoist_env_keys")
                .into_iter()
                .flat_map(|k| k.split(','))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            // Without `hoist_settings` there are none to compare; settings
            // that do not decode are an error (a change would go unseen).
            settings: match m.meta("hoist_settings") {
                Some(s) => Some(decode_meta::<FunctionSettings>(m, "hoist_settings", s)?),
                None => None,
            },
        }))
    }

    async fn ensure_app(&self, app: &str, r: &dyn Reporter) -> anyhow::Result<()> {
        if self.api.app(app).await?.is_none() {
            r.step("Creating", &format!("Fly app {app} in {}", self.org));
            self.api.create_app(app, &self.org).await?;
        }
        Ok(())
    }

    /// Move the function to `config` (its metadata stamped by the caller)
    /// under its strategy, holding leases throughout.
    async fn roll(&self, spec: &Spec, config: Value, r: &dyn Reporter) -> anyhow::Result<()> {
        let leases = Leases::new(
            &self.api,
            &spec.app,
            &format!("hoist {}", spec.function),
            &self.reporter,
        );
        let res = async {
            let machines = self.lease_all(spec, &leases).await?;
            let wanted = config["metadata"]["hoist_config"]
                .as_str()
                .ok_or_else(|| {
                    anyhow::anyhow!("the config to roll out has no hoist_config digest")
                })?
                .to_string();
            Rollout {
                api: &self.api,
                spec,
                leases: &leases,
                r,
                lease_wait: self.lease_wait,
                wanted_digest: wanted,
                config,
            }
            .run(machines)
            .await
        }
        .await;
        leases.release_all().await;
        res
    }
}

#[async_trait::async_trait]
impl Target for Fly {
    fn kind(&self) -> &'static str {
        "fly"
    }

    fn describe(&self) -> String {
        format!("Fly ({}, org {})", self.api.machines.base(), self.org)
    }

    fn image_destination(
        &self,
        function: &str,
    ) -> anyhow::Result<Option<crate::image::oci::publish::Destination>> {
        use crate::registry::auth::{Credential, Creds};
        let spec = self.spec(function)?;
        Ok(Some(crate::image::oci::publish::Destination {
            registry: self.registry.clone(),
            repository: spec.app.clone(),
            insecure: false,
            creds: self.token.as_ref().map(|t| Creds {
                credential: Credential::Basic {
                    user: "x".into(),
                    password: t.clone(),
                },
                source: "the Fly token".into(),
            }),
        }))
    }

    fn settings_digest(&self, function: &str) -> Option<String> {
        self.specs.get(function).map(Spec::digest)
    }

    async fn active(&self, function: &str) -> anyhow::Result<Option<Active>> {
        self.need_token()?;
        let spec = self.spec(function)?;
        self.active_of_spec(spec).await
    }

    /// Every function's state at once (one app each, asked concurrently).
    async fn active_all(&self, functions: &[String]) -> anyhow::Result<Vec<Option<Active>>> {
        self.need_token()?;
        let specs = functions
            .iter()
            .map(|f| self.spec(f))
            .collect::<anyhow::Result<Vec<_>>>()?;
        async {
            futures_util::future::join_all(specs.into_iter().map(|s| self.active_of_spec(s)))
                .await
                .into_iter()
                .collect()
        }
        .await
    }

    async fn deploy(&self, req: &DeployRequest, r: &dyn Reporter) -> anyhow::Result<Deployed> {
        self.need_token()?;
        let spec = self.spec(&req.function)?;
        let image = req.image.clone().ok_or_else(|| TargetError::NoImage {
            function: req.function.clone(),
        })?;
        async {
            self.ensure_app(&spec.app, r).await?;
            let ms = self.current(spec).await?;
            let was = active_of(&ms)?;
            let previous_version = crate::names::checked_opt(
                was.and_then(|m| m.meta("hoist_version")),
                "a Fly machine's hoist_version",
            )?;
            let extra = extra_env(was)?;
            let mut env = req.env.clone();
            env.extend(extra.clone());
            let mut meta = BTreeMap::new();
            meta.insert("hoist_function".to_string(), req.function.to_string());
            meta.insert("hoist_version".into(), req.version.to_string());
            meta.insert("hoist_release".into(), req.release_id.to_string());
            meta.insert("hoist_bundle_digest".into(), req.digest.clone());
            meta.insert("hoist_env_digest".into(), super::env_digest(&req.env));
            meta.insert(
                "hoist_env_keys".into(),
                req.env.keys().cloned().collect::<Vec<_>>().join(","),
            );
            meta.insert(
                "hoist_settings".into(),
                serde_json::to_string(&req.settings)
                    .context("cannot encode the function's settings")?,
            );
            meta.insert(
                "hoist_env_extra".into(),
                serde_json::to_string(&extra)
                    .context("cannot encode the env set with `hoist env`")?,
            );
            let fresh = spec.machine_config(&image, &env, &meta);
            // History: the config being replaced (any change, env-only
            // included, so a release can be undone), then its own history.
            let mut history = Vec::new();
            if let Some(old) = was {
                // The same config from the same release (a re-run finishing
                // it) adds nothing; any other release's is kept.
                let same = old.meta("hoist_release") == Some(req.release_id.as_str())
                    && stamp(spec, fresh.clone(), Vec::new())["metadata"]["hoist_config"]
                        .as_str()
                        .is_some_and(|d| old.meta("hoist_config") == Some(d));
                if let (false, Some(c)) = (same, &old.config) {
                    history.push(entry_of(c));
                }
                // History that does not decode does not stop the deploy:
                // only the config it replaces is kept.
                match history_of(old) {
                    Ok(h) => history.extend(h),
                    Err(e) => r.warn(&format!(
                        "{e:#}; the earlier configs it names are not kept, so `hoist rollback` \
                         can go back to the config this deploy replaces only"
                    )),
                }
            }
            let config = stamp(spec, fresh, history);
            r.step(
                "Deploying",
                &format!(
                    "{} {} to {} ({}, {})",
                    req.function,
                    req.version,
                    spec.app,
                    spec.strategy.as_str(),
                    crate::report::plural(spec.count() as usize, "machine", "machines")
                ),
            );
            self.roll(spec, config, r).await?;
            Ok(Deployed {
                function: req.function.clone(),
                version: req.version.clone(),
                previous_version,
                deployment: req.release_id.to_string(),
                uploaded_bytes: 0,
            })
        }
        .await
    }

    async fn rollback(
        &self,
        function: &str,
        to: Option<&str>,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed> {
        self.roll_back_to(function, to, r).await
    }

    async fn restore_before(
        &self,
        function: &str,
        release: &str,
        prev: &str,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        self.restore_before_release(function, release, prev, r)
            .await
    }

    async fn retire(&self, function: &str) -> anyhow::Result<()> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let leases = Leases::new(
                &self.api,
                &spec.app,
                &format!("hoist {function}"),
                &self.reporter,
            );
            let res = async {
                for m in self.lease_all(spec, &leases).await? {
                    self.api
                        .destroy(&spec.app, &m.id, leases.nonce(&m.id).as_deref())
                        .await?;
                    leases.forget(&m.id);
                }
                Ok(())
            }
            .await;
            leases.release_all().await;
            res
        }
        .await
    }

    async fn warmup(
        &self,
        function: &str,
        count: u32,
        deadline: Duration,
    ) -> anyhow::Result<Vec<Worker>> {
        self.warm(function, count, deadline).await
    }

    async fn status(&self, function: &str) -> anyhow::Result<Status> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let ms = self.current(spec).await?;
            let active = active_of(&ms)?
                .and_then(|m| m.meta("hoist_version"))
                .map(str::to_string);
            let healthy = !ms.is_empty()
                && ms
                    .iter()
                    .all(|m| m.state == "started" && (m.checks.is_empty() || m.checks_pass()));
            Ok(Status {
                function: function.to_string(),
                active_version: active,
                health: if ms.is_empty() {
                    "none".into()
                } else if healthy {
                    "healthy".into()
                } else {
                    "degraded".into()
                },
                workers: ms
                    .iter()
                    .map(|m| Worker {
                        id: format!("{} ({})", m.id, m.region),
                        version: m.meta("hoist_version").unwrap_or("?").to_string(),
                        state: m.state.clone(),
                        cold_start_ms: None,
                    })
                    .collect(),
            })
        }
        .await
    }

    async fn versions(&self, function: &str) -> anyhow::Result<Vec<VersionInfo>> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let ms = self.current(spec).await?;
            let Some(now) = active_of(&ms)? else {
                return Ok(Vec::new());
            };
            let mut out = Vec::new();
            if let Some(c) = &now.config {
                out.push((c.clone(), true, now.updated_at.clone()));
            }
            out.extend(
                history_of(now)?
                    .into_iter()
                    .map(|h| (h, false, String::new())),
            );
            Ok(out
                .into_iter()
                .map(|(c, active, at)| VersionInfo {
                    version: meta_of(&c, "hoist_version").unwrap_or("?").to_string(),
                    digest: meta_of(&c, "hoist_bundle_digest").unwrap_or("").to_string(),
                    created_at: at,
                    active,
                })
                .collect())
        }
        .await
    }

    async fn env_list(&self, function: &str) -> anyhow::Result<Vec<EnvVar>> {
        self.list_env(function).await
    }

    async fn env_update(
        &self,
        function: &str,
        set: &[EnvSet],
        unset: &[String],
    ) -> anyhow::Result<Vec<EnvVar>> {
        self.update_env(function, set, unset).await
    }

    async fn restart(&self, function: &str) -> anyhow::Result<u64> {
        self.restart_all(function).await
    }

    async fn logs(&self, q: &LogQuery, sink: &mut LogSink<'_>) -> anyhow::Result<()> {
        self.need_token()?;
        let spec = self.spec(&q.function)?;
        logs::follow(&self.api, &spec.app, q, sink).await
    }

    async fn invoke(&self, function: &str, inv: &Invocation) -> anyhow::Result<InvokeResult> {
        let spec = self.spec(function)?;
        let base = self
            .env
            .non_empty("HOIST_FLY_APP_URL")
            .map(|t| t.replace("{app}", &spec.app))
            .unwrap_or_else(|| format!("https://{}.fly.dev", spec.app));
        super::http_invoke::invoke(&base, inv).await
    }

    async fn delete(&self, function: &str, version: Option<&str>) -> anyhow::Result<()> {
        self.need_token()?;
        let spec = self.spec(function)?;
        if let Some(v) = version {
            return Err(TargetError::FlyVersionDelete {
                function: function.to_string(),
                version: v.to_string(),
            }
            .into());
        }
        self.retire(function).await?;
        self.api.delete_app(&spec.app).await
    }
}

/// A reporter that says nothing of the steps inside other commands but
/// passes their warnings on: a warning says what was not done, and is
/// never silenced.
#[derive(Debug)]
pub(super) struct NoReport(pub(super) Arc<dyn Reporter>);

impl Reporter for NoReport {
    fn step(&self, _: &str, _: &str) {}
    fn detail(&self, _: &str) {}
    fn warn(&self, msg: &str) {
        self.0.warn(msg);
    }
    fn share(&self) -> Arc<dyn Reporter> {
        Arc::new(NoReport(self.0.clone()))
    }
}

impl Fly {
    /// The reporter for steps inside other commands (see [`NoReport`]).
    pub(super) fn no_report(&self) -> NoReport {
        NoReport(self.reporter.clone())
    }
}
