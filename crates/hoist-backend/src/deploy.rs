//! Deployments: the health-gated switch of a function's active version.
//! New workers are spawned and must become ready, then the deployment is
//! recorded and the version made active in one transaction, then the old
//! workers drain. Also rollback, restart (new env), the start-up restore of
//! every active version.

use hoist_api::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoist_api::{DeployKind, DeployRequest, DeploymentList, Restarted, RollbackRequest};
use serde_json::Value;
use sha2::Digest;

use super::api::{function, parse, parse_or_default, valid_version, AppState};
use super::db::{DeploymentRow, FunctionRow, NewDeployment, VersionRow};
use super::env::valid_key;
use super::errors::{ApiError, ApiResult};
use super::versions::digest_hex;
use super::workers::Spec;
use super::{runtimes, App};

pub(crate) async fn list(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<DeploymentList>> {
    function(&app, &name)?;
    let deployments = app
        .db
        .deployments(&name)?
        .iter()
        .map(DeploymentRow::view)
        .collect::<ApiResult<_>>()?;
    Ok(Json(DeploymentList { deployments }))
}

pub(crate) async fn create(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    function(&app, &name)?;
    let r: DeployRequest = parse(&body)?;
    valid_version(&r.version)?;
    if app.db.version(&name, &r.version)?.is_none() {
        return Err(ApiError::not_found(format!(
            "no version `{}` of {name}",
            r.version
        )));
    }
    for k in r.env.keys() {
        valid_key(k)?;
    }
    if r.release_id
        .as_ref()
        .is_some_and(|id| id.is_empty() || id.len() > 200)
    {
        return Err(ApiError::bad_request(
            "`release_id` must be 1 to 200 characters",
        ));
    }
    let kind = r.kind.unwrap_or(DeployKind::Deploy).as_str();
    let timeout = r.health_timeout_seconds.unwrap_or(30);
    if !(1..=600).contains(&timeout) {
        return Err(ApiError::bad_request(
            "`health_timeout_seconds` must be in 1..=600",
        ));
    }
    let timeout = Duration::from_secs(timeout);
    let d = deploy(&app, &name, &r.version, r.env, r.release_id, kind, timeout).await?;
    Ok((StatusCode::CREATED, Json(d.view()?)).into_response())
}

/// sha256 of the env as sorted `KEY=VALUE\n` lines.
pub(crate) fn env_digest(env: &BTreeMap<String, String>) -> String {
    let mut h = sha2::Sha256::new();
    for (k, v) in env {
        h.update(format!("{k}={v}\n").as_bytes());
    }
    hoist_core::digest::Digest::finish(h).to_string()
}

/// Deploy `version` of `name` with the configured env `env`.
pub(crate) async fn deploy(
    app: &Arc<App>,
    name: &str,
    version: &str,
    env: BTreeMap<String, String>,
    release_id: Option<String>,
    kind: &str,
    health_timeout: Duration,
) -> ApiResult<DeploymentRow> {
    let pool = app.sup.pool(name);
    let _guard = tokio::time::timeout(Duration::from_secs(60), pool.deploy_lock.lock())
        .await
        .map_err(|_| ApiError::conflict(format!("another deploy of {name} holds its lock")))?;
    let f = function(app, name)?;
    if let Some(r) = &release_id {
        if let Some(d) = app.db.deployment_by_release(name, r)? {
            return Ok(d);
        }
    }
    let v = app
        .db
        .version(name, version)?
        .ok_or_else(|| ApiError::not_found(format!("no version `{version}` of {name}")))?;
    let mut merged = env.clone();
    for (e, val) in app.db.env(name)? {
        if e.source == hoist_api::EnvSource::Set {
            merged.insert(e.key, val);
        }
    }
    let spec = build_spec(app, &f, &v, merged, true).await?;
    let n = (f.warm_workers.max(1)) as usize;
    app.sup.logs.system(
        name,
        Some(version),
        None,
        format!(
            "deploying {version}: starting {}",
            if n == 1 {
                "1 worker".to_string()
            } else {
                format!("{n} workers")
            }
        ),
    );
    let ws = match app
        .sup
        .start_generation(&pool, &spec, n, Instant::now() + health_timeout)
        .await
    {
        Ok(ws) => ws,
        Err(e) => return Err(gate_failed(app, name, version, e)),
    };
    let id = format!("dep-{}", super::rand_hex(8));
    let rec = app.db.record_deployment(
        &NewDeployment {
            id: &id,
            function: name,
            version,
            previous_version: f.active_version.as_deref(),
            kind,
            release_id: release_id.as_deref(),
            env: &env,
            env_digest: &env_digest(&env),
        },
        &super::now(),
    );
    let row = match rec {
        Ok(r) => r,
        Err(e) => {
            app.sup.discard(&pool, &ws);
            return Err(e.into());
        }
    };
    app.sup.activate(&pool, spec);
    app.sup.logs.system(
        name,
        Some(version),
        None,
        format!("{version} is live ({kind} {id})"),
    );
    Ok(row)
}

fn gate_failed(app: &App, name: &str, version: &str, e: ApiError) -> ApiError {
    // A worker that could not be spawned at all has no logs to show.
    if e.code == ErrorCode::StartFailed {
        return e;
    }
    app.sup.logs.system(
        name,
        Some(version),
        None,
        format!("health check failed: {}", e.message),
    );
    app.sup.logs.flush();
    let logs = match app.db.tail(name, 20) {
        Ok(logs) => logs,
        Err(err) => {
            eprintln!("hoist backend: the failed health check of {name} is reported without its logs: {err}");
            Vec::new()
        }
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::HealthCheckFailed,
        format!(
            "version {version} of {name} did not become ready: {}",
            e.message
        ),
    )
    .with_hint("see `logs`; the active version is unchanged")
    .with_logs(logs)
}

/// The worker spec for `v` of `f`, finding (or installing) its runtime.
pub(crate) async fn build_spec(
    app: &Arc<App>,
    f: &FunctionRow,
    v: &VersionRow,
    env: BTreeMap<String, String>,
    install: bool,
) -> ApiResult<Arc<Spec>> {
    let bin = runtime_bin(app, &f.name, &v.runtime, install).await?;
    let hex = digest_hex(&v.digest)?;
    let data = &app.opts.data_dir;
    let dir = super::version_dir(data, &f.name, &hex);
    if !dir.is_dir() {
        let keep = data.join("archives").join(format!("{hex}.tar.gz"));
        if !keep.is_file() {
            return Err(ApiError::internal(format!(
                "the files of {} are missing",
                v.version
            )));
        }
        super::versions::extract(&keep, &dir).await?;
    }
    let node_ca = app.sup.node_extra_ca(&v.runtime, &bin, &env).await;
    Ok(Arc::new(Spec {
        gen: app.sup.next_gen(),
        function: f.name.clone(),
        version: v.version.clone(),
        runtime: v.runtime.clone(),
        runtime_bin: bin,
        dir,
        entrypoint: v.entrypoint.clone(),
        import_map: v.import_map.clone(),
        handler: f.handler.clone(),
        env,
        memory_mb: f.memory_mb,
        timeout: Duration::from_secs(f.timeout_seconds.max(1) as u64),
        max_concurrent: f.max_concurrent_executions.max(1) as usize,
        warm_workers: f.warm_workers.max(0) as usize,
        health_path: f.health_path.clone(),
        node_ca,
    }))
}

async fn runtime_bin(
    app: &Arc<App>,
    name: &str,
    runtime: &str,
    install: bool,
) -> ApiResult<std::path::PathBuf> {
    let data = app.opts.data_dir.clone();
    if let Some(b) = runtimes::find(&app.opts.env, &data, runtime) {
        return Ok(b);
    }
    let missing = |why: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RuntimeMissing,
            why,
        )
        .with_hint(format!("hoist backend install-runtime {runtime}"))
    };
    if runtime == "node" {
        return Err(missing("node is not on the backend's PATH".into()));
    }
    if !install || runtimes::on_path(&app.opts.env, "npm").is_none() {
        return Err(missing(format!(
            "{runtime} is not installed and npm is not available"
        )));
    }
    app.sup.logs.system(
        name,
        None,
        None,
        format!("installing {runtime} with npm (first use)"),
    );
    let rt = runtime.to_string();
    let env = app.opts.env.clone();
    let res = tokio::task::spawn_blocking(move || runtimes::install(&env, &data, &rt, true))
        .await
        .map_err(ApiError::internal)?;
    match res {
        Ok(b) => {
            app.sup
                .logs
                .system(name, None, None, format!("{runtime} installed"));
            Ok(b)
        }
        Err(e) => Err(missing(format!("cannot install {runtime}: {e:#}"))),
    }
}

pub(crate) async fn rollback(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let f = function(&app, &name)?;
    let r: RollbackRequest = parse_or_default(&body)?;
    let raw: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if raw.get("version").is_some() && raw.get("undo_release").is_some() {
        return Err(ApiError::bad_request(
            "give `version` or `undo_release`, not both",
        ));
    }
    if let Some(release) = &r.undo_release {
        let d = undo_release(&app, &name, release).await?;
        return Ok((StatusCode::CREATED, Json(d.view()?)).into_response());
    }
    let deps = app.db.deployments(&name)?;
    let target = match r.version {
        Some(v) => {
            valid_version(&v)?;
            if app.db.version(&name, &v)?.is_none() {
                return Err(ApiError::not_found(format!("no version `{v}` of {name}")));
            }
            v
        }
        None => {
            let mut found = None;
            for d in &deps {
                if Some(&d.version) != f.active_version.as_ref()
                    && app.db.version(&name, &d.version)?.is_some()
                {
                    found = Some(d.version.clone());
                    break;
                }
            }
            found.ok_or_else(|| {
                ApiError::conflict(format!("{name} has no earlier version to roll back to"))
            })?
        }
    };
    // The environment the target version last ran with; a version that
    // was uploaded but never deployed had none.
    let env = match deps.iter().find(|d| d.version == target) {
        Some(d) => d.env.clone(),
        None => BTreeMap::new(),
    };
    let d = deploy(
        &app,
        &name,
        &target,
        env,
        None,
        "rollback",
        Duration::from_secs(30),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(d.view()?)).into_response())
}

/// Make live again the deployment that was live before release `release`'s
/// own deployment of `name` (its version and env). Repeated, it answers the
/// deployment the first undo made.
async fn undo_release(app: &Arc<App>, name: &str, release: &str) -> ApiResult<DeploymentRow> {
    // A deploy of this function still in its health gate (the release's
    // own, from a hoist that was killed) finishes first.
    drop(
        tokio::time::timeout(
            Duration::from_secs(60),
            app.sup.pool(name).deploy_lock.lock(),
        )
        .await
        .map_err(|_| ApiError::conflict(format!("another deploy of {name} holds its lock")))?,
    );
    let deps = app.db.deployments(name)?;
    let undo_id = format!("undo-{release}");
    if let Some(done) = deps
        .first()
        .filter(|d| d.release_id.as_deref() == Some(undo_id.as_str()))
    {
        return Ok(done.clone());
    }
    let Some(at) = deps
        .iter()
        .position(|d| d.release_id.as_deref() == Some(release))
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotDeployedByRelease,
            format!("release `{release}` has no deployment of {name}"),
        ));
    };
    if at != 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::ReleaseSuperseded,
            format!(
                "release `{release}` is no longer what {name} runs: another deployment replaced it"
            ),
        ));
    }
    let Some(before) = deps.get(at + 1) else {
        return Err(ApiError::conflict(format!(
            "{name} had no deployment before release `{release}`"
        )));
    };
    // Retried, the undo finds its own deployment.
    deploy(
        app,
        name,
        &before.version,
        before.env.clone(),
        Some(undo_id),
        "rollback",
        Duration::from_secs(30),
    )
    .await
}

pub(crate) async fn restart(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<Restarted>> {
    function(&app, &name)?;
    let pool = app.sup.pool(&name);
    let _guard = tokio::time::timeout(Duration::from_secs(60), pool.deploy_lock.lock())
        .await
        .map_err(|_| ApiError::conflict(format!("another deploy of {name} holds its lock")))?;
    let f = function(&app, &name)?;
    let (Some(old), Some(active)) = (pool.active(), f.active_version.clone()) else {
        return Ok(Json(Restarted { restarted: 0 }));
    };
    let old_live = pool
        .workers()
        .iter()
        .filter(|w| w.gen == old.gen && w.view().state != hoist_api::WorkerState::Terminated)
        .count();
    let v = app
        .db
        .version(&name, &active)?
        .ok_or_else(|| ApiError::internal("the active version is missing"))?;
    let env = app.db.merged_env(&name)?;
    let spec = build_spec(&app, &f, &v, env, true).await?;
    let n = old_live.max(f.warm_workers.max(0) as usize).max(1);
    let deadline = Instant::now() + Duration::from_secs(30);
    if let Err(e) = app.sup.start_generation(&pool, &spec, n, deadline).await {
        return Err(gate_failed(&app, &name, &active, e));
    }
    app.sup.activate(&pool, spec);
    Ok(Json(Restarted {
        restarted: old_live as u64,
    }))
}

/// At start-up: make every function's active version serve again (lazily;
/// `warm_workers` are started in the background).
pub(crate) async fn restore(app: &Arc<App>) {
    let fs = match app.db.functions() {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("hoist backend: cannot read functions: {e}");
            return;
        }
    };
    for f in fs {
        match restore_one(app, &f, false).await {
            Ok(()) => {}
            // deno or bun went missing: install it without delaying start-up.
            Err(e) if e.code == ErrorCode::RuntimeMissing => {
                let app = app.clone();
                tokio::spawn(async move {
                    if let Err(e) = restore_one(&app, &f, true).await {
                        eprintln!("hoist backend: cannot restore {}: {}", f.name, e.message);
                    }
                });
            }
            Err(e) => eprintln!("hoist backend: cannot restore {}: {}", f.name, e.message),
        }
    }
}

async fn restore_one(app: &Arc<App>, f: &FunctionRow, install: bool) -> ApiResult<()> {
    let Some(active) = f.active_version.clone() else {
        return Ok(());
    };
    let v = app
        .db
        .version(&f.name, &active)?
        .ok_or_else(|| ApiError::internal("missing version"))?;
    let env = app.db.merged_env(&f.name)?;
    let spec = build_spec(app, f, &v, env, install).await?;
    let pool = app.sup.pool(&f.name);
    app.sup.activate(&pool, spec);
    app.sup.logs.system(
        &f.name,
        Some(&active),
        None,
        "restored after a backend start".into(),
    );
    if f.warm_workers > 0 {
        let app = app.clone();
        let n = f.warm_workers as usize;
        let name = f.name.clone();
        tokio::spawn(async move {
            let warm = app
                .sup
                .warmup(&pool, n, Instant::now() + Duration::from_secs(60))
                .await;
            if let Err(e) = warm {
                eprintln!(
                    "hoist backend: {name} restarted without its warm workers: {}",
                    e.message
                );
            }
        });
    }
    Ok(())
}
