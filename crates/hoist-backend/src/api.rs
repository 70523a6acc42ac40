//! The HTTP surface: the axum router, bearer auth, injected faults, the
//! rewrite of every non-JSON error into the one error shape, and the
//! handlers for health, functions, workers and env. Versions, deployments,
//! invocations and logs have their own files.

use hoist_api::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use hoist_api::{
    Deleted, Function, FunctionDetail, FunctionHealth, FunctionList, FunctionSettings,
    FunctionStatus, Health, HealthStatus, WarmupRequest, WarmupResult, WorkerList, WorkerState,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::db::{FunctionRow, FunctionSpec};
use super::errors::{ApiError, ApiResult};
use super::{runtimes, App};

pub(crate) type AppState = State<Arc<App>>;

/// Every route of docs/selfhosted-api.md.
pub(crate) fn router(app: Arc<App>) -> Router {
    use super::{containerpub, deploy, env, invoke, versions};
    let limit = (app.opts.max_archive_mb.max(6) as usize + 1) << 20;
    let protected = Router::new()
        .route("/api/functions", get(list_functions))
        .route("/api/functions/deploy", post(containerpub::deploy_archive))
        .route(
            "/api/functions/{function}",
            get(get_function).put(put_function).delete(delete_function),
        )
        .route(
            "/api/functions/{function}/versions",
            get(versions::list).post(versions::create),
        )
        .route(
            "/api/functions/{function}/versions/{version}",
            delete(versions::delete),
        )
        .route(
            "/api/functions/{function}/deployments",
            get(deploy::list).post(deploy::create),
        )
        .route("/api/functions/{function}/rollback", post(deploy::rollback))
        .route("/api/functions/{function}/restart", post(deploy::restart))
        .route("/api/functions/{function}/warmup", post(warmup))
        .route("/api/functions/{function}/workers", get(list_workers))
        .route(
            "/api/functions/{function}/env",
            get(env::get_env).post(env::post_env).patch(env::patch_env),
        )
        .route(
            "/api/functions/{function}/env/{key}",
            delete(env::delete_env),
        )
        .route("/api/functions/{function}/invoke", post(invoke::invoke))
        .route("/api/functions/{function}/logs", get(invoke::logs))
        .route("/api/_faults", post(set_faults))
        .route("/fn/{function}", any(invoke::raw))
        .route("/fn/{function}/", any(invoke::raw))
        .route("/fn/{function}/{*path}", any(invoke::raw))
        .route_layer(middleware::from_fn_with_state(app.clone(), auth));
    Router::new()
        .route("/api/health", get(health))
        .merge(protected)
        .fallback(|| async { ApiError::not_found("no such path") })
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(app.clone(), faults))
        .layer(middleware::map_response(error_shape))
        .with_state(app)
}

async fn auth(State(app): AppState, req: Request, next: Next) -> Response {
    let want = format!("Bearer {}", app.opts.token.expose());
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| constant_eq(v.as_bytes(), want.as_bytes()))
        .unwrap_or(false);
    if !ok {
        return ApiError::unauthorized().into_response();
    }
    next.run(req).await
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn faults(State(app): AppState, req: Request, next: Next) -> Response {
    if !app.opts.faults {
        return next.run(req).await;
    }
    let (latency, fail, after) = {
        let mut f = app.faults.lock().unwrap_or_else(|p| p.into_inner());
        let hit = f.fail_next > 0
            && req.uri().path() != "/api/_faults"
            && f.fail_path
                .as_ref()
                .is_none_or(|p| req.uri().path().contains(p.as_str()))
            && f.fail_method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(req.method().as_str()));
        let fail = if hit {
            f.fail_next -= 1;
            f.fired += 1;
            Some(f.fail_status.unwrap_or(503))
        } else {
            None
        };
        (f.latency_ms, fail, f.fail_after_effect)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let Some(status) = fail else {
        return next.run(req).await;
    };
    if after {
        drop(next.run(req).await);
    }
    let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    ApiError::new(st, ErrorCode::Unavailable, "fault injected for tests").into_response()
}

/// Axum's own rejections (bad JSON, body too large, unknown method) come as
/// text; give them the one JSON error shape.
async fn error_shape(res: Response) -> Response {
    let st = res.status();
    if !(st.is_client_error() || st.is_server_error()) {
        return res;
    }
    if res.extensions().get::<super::invoke::RawAnswer>().is_some() {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let (status, code) = match st.as_u16() {
        401 => (st, ErrorCode::Unauthorized),
        404 => (st, ErrorCode::NotFound),
        405 => (st, ErrorCode::MethodNotAllowed),
        408 => (st, ErrorCode::Timeout),
        413 => (st, ErrorCode::TooLarge),
        s if s < 500 => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        503 => (st, ErrorCode::Unavailable),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
    };
    let (_, body) = res.into_parts();
    // The rejection's own text is the message; one over 4 KiB (or that
    // cannot be read) gives way to the status's reason below.
    let mut msg = match axum::body::to_bytes(body, 4096).await {
        Ok(text) => String::from_utf8_lossy(&text).trim().to_string(),
        Err(_) => String::new(),
    };
    if msg.is_empty() {
        msg = st.canonical_reason().unwrap_or("error").to_lowercase();
    }
    let mut out = ApiError::new(status, code, msg).into_response();
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}

/// Parse a JSON body, which is required.
pub(crate) fn parse<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("a JSON body is required"));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("bad JSON body: {e}")))
}

/// Parse a JSON body that may be left out (then `T::default()`).
pub(crate) fn parse_or_default<T: DeserializeOwned + Default>(body: &Bytes) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse(body)
}

pub(crate) fn valid_name(name: &str) -> ApiResult<()> {
    // hoist's rule for a function name, then the backend's own limits: a
    // name is a DNS label here, and `deploy` is a route.
    let ok = hoist_api::FunctionName::parse(name).is_ok() && name.len() <= 63 && name != "deploy";
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidName,
            format!("`{name}` is not a function name"),
        )
        .with_hint("use ^[A-Za-z][A-Za-z0-9_-]{0,62}$ (`deploy` is reserved)"))
    }
}

pub(crate) fn valid_version(v: &str) -> ApiResult<()> {
    if hoist_api::names::Version::parse(v).is_ok() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidVersion,
            format!("`{v}` is not a version"),
        ))
    }
}

/// The live (not deleted) function `name`, or 400/404.
pub(crate) fn function(app: &App, name: &str) -> ApiResult<FunctionRow> {
    valid_name(name)?;
    app.db
        .function(name)?
        .ok_or_else(|| ApiError::not_found(format!("no function `{name}`")))
}

/// A function as the API shows it.
pub(crate) fn function_view(f: &FunctionRow) -> ApiResult<Function> {
    let status = if f.active_version.is_some() {
        FunctionStatus::Deployed
    } else if f.has_versions {
        FunctionStatus::Built
    } else {
        FunctionStatus::Registered
    };
    Ok(Function {
        id: f.name.clone(),
        name: f.name.clone(),
        runtime: runtimes::parse(&f.runtime)?,
        handler: f.handler.clone(),
        memory_mb: f.memory_mb,
        cpus: f.cpus,
        timeout_seconds: f.timeout_seconds,
        max_concurrent_executions: f.max_concurrent_executions,
        warm_workers: f.warm_workers,
        health_path: f.health_path.clone(),
        port: f.port,
        status,
        active_version: f.active_version.clone(),
        active_deployment: f.active_deployment.clone(),
        active_digest: f.active_digest.clone(),
        env_digest: f.env_digest.clone(),
        env_keys: f.env_keys.clone(),
        created_at: f.created_at.clone(),
        updated_at: f.updated_at.clone(),
    })
}

async fn health(State(app): AppState) -> ApiResult<Json<Health>> {
    let cached = {
        let c = app.health_cache.lock().unwrap_or_else(|p| p.into_inner());
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < Duration::from_secs(10))
            .map(|(_, v)| v.clone())
    };
    let rts = match cached {
        Some(v) => v,
        None => {
            let v = runtime_versions(&app).await?;
            *app.health_cache.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((Instant::now(), v.clone()));
            v
        }
    };
    Ok(Json(Health {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION").to_string(),
        instance: app.instance.clone(),
        store: app.store_url.clone(),
        runtimes: rts,
    }))
}

/// Each runtime's `--version` (null when missing).
async fn runtime_versions(app: &App) -> ApiResult<BTreeMap<String, Option<String>>> {
    let data = app.opts.data_dir.clone();
    let env = app.opts.env.clone();
    tokio::task::spawn_blocking(move || {
        runtimes::RUNTIMES
            .iter()
            .map(|r| {
                let v = runtimes::find(&env, &data, r).and_then(|b| runtimes::version(&b));
                (r.to_string(), v)
            })
            .collect::<BTreeMap<_, _>>()
    })
    .await
    .map_err(ApiError::internal)
}

async fn list_functions(State(app): AppState) -> ApiResult<Json<FunctionList>> {
    let functions = app
        .db
        .functions()?
        .iter()
        .map(function_view)
        .collect::<ApiResult<_>>()?;
    Ok(Json(FunctionList { functions }))
}

async fn put_function(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    valid_name(&name)?;
    let b: FunctionSettings = parse(&body)?;
    let range = |v: Option<i64>, d: i64, lo: i64, hi: i64, what: &str| -> ApiResult<i64> {
        let v = v.unwrap_or(d);
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(ApiError::bad_request(format!(
                "`{what}` must be in {lo}..={hi}"
            )))
        }
    };
    let cpus = b.cpus.unwrap_or(0.5);
    if !(cpus > 0.0 && cpus <= 64.0) {
        return Err(ApiError::bad_request("`cpus` must be in (0, 64]"));
    }
    if let Some(p) = &b.health_path {
        if !p.starts_with('/') || p.len() > 1024 || !p.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(ApiError::bad_request(
                "`health_path` must be a path starting with /",
            ));
        }
    }
    let handler = b.handler.unwrap_or_else(|| "handler".into());
    if handler.is_empty() || handler.chars().count() > 128 {
        return Err(ApiError::bad_request(
            "`handler` must be 1 to 128 characters",
        ));
    }
    let spec = FunctionSpec {
        runtime: b.runtime.as_str().to_string(),
        handler,
        memory_mb: range(b.memory_mb, 128, 16, 65536, "memory_mb")?,
        cpus,
        timeout_seconds: range(b.timeout_seconds, 5, 1, 900, "timeout_seconds")?,
        max_concurrent: range(
            b.max_concurrent_executions,
            10,
            1,
            1000,
            "max_concurrent_executions",
        )?,
        warm_workers: range(b.warm_workers, 0, 0, 100, "warm_workers")?,
        health_path: b.health_path,
        port: match b.port {
            Some(p) => Some(range(Some(p), 0, 1, 65535, "port")?),
            None => None,
        },
    };
    let created = app.db.upsert_function(&name, &spec, &super::now())?;
    let f = function(&app, &name)?;
    app.sup.update_limits(&app.sup.pool(&name), &f);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(function_view(&f)?)).into_response())
}

async fn get_function(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<FunctionDetail>> {
    let f = function(&app, &name)?;
    let pool = app.sup.pool(&name);
    let workers: Vec<_> = pool.workers().iter().map(|w| w.view()).collect();
    let health = if f.active_version.is_none() {
        FunctionHealth::Unknown
    } else if pool.ready_count() > 0
        || workers.iter().all(|w| w.state == WorkerState::Terminated) && f.warm_workers == 0
    {
        FunctionHealth::Healthy
    } else {
        FunctionHealth::Unhealthy
    };
    Ok(Json(FunctionDetail {
        function: function_view(&f)?,
        workers,
        health,
    }))
}

async fn delete_function(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<Deleted>> {
    function(&app, &name)?;
    let pool = app.sup.pool(&name);
    let _guard = pool.deploy_lock.lock().await;
    app.db.delete_function(&name, &super::now())?;
    let n = app.sup.clear(&pool);
    Ok(Json(Deleted {
        deleted: name,
        workers_terminated: Some(n as u64),
    }))
}

async fn list_workers(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<WorkerList>> {
    function(&app, &name)?;
    let workers = app
        .sup
        .pool(&name)
        .workers()
        .iter()
        .map(|w| w.view())
        .collect();
    Ok(Json(WorkerList { workers }))
}

async fn warmup(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<WarmupResult>> {
    let f = function(&app, &name)?;
    let b: WarmupRequest = parse_or_default(&body)?;
    let count = b.count.unwrap_or(1) as usize;
    let timeout = b.timeout_seconds.unwrap_or(30);
    if count > 100 || !(1..=300).contains(&timeout) {
        return Err(ApiError::bad_request(
            "`count` is at most 100 and `timeout_seconds` in 1..=300",
        ));
    }
    let timeout = Duration::from_secs(timeout as u64);
    let pool = app.sup.pool(&name);
    if pool.active().is_none() {
        return Err(ApiError::conflict(format!("{name} has no active version"))
            .with_hint("deploy a version first"));
    }
    if count as i64 > f.max_concurrent_executions {
        return Err(ApiError::conflict(format!(
            "`count` {count} is above max_concurrent_executions ({})",
            f.max_concurrent_executions
        )));
    }
    app.sup
        .warmup(&pool, count, Instant::now() + timeout)
        .await?;
    let active = pool.active().map(|s| s.gen);
    let ws: Vec<_> = pool
        .workers()
        .iter()
        .filter(|w| Some(w.gen) == active)
        .map(|w| w.view())
        .filter(|w| w.state != WorkerState::Terminated)
        .collect();
    Ok(Json(WarmupResult {
        ready: pool.ready_count() as u64,
        workers: ws,
    }))
}

async fn set_faults(State(app): AppState, body: Bytes) -> ApiResult<Json<Value>> {
    if !app.opts.faults {
        return Err(ApiError::not_found("no such path"));
    }
    let f: super::Faults = parse(&body)?;
    let mut now = app.faults.lock().unwrap_or_else(|p| p.into_inner());
    let fired = now.fired;
    *now = f.clone();
    let mut out = serde_json::to_value(f).map_err(ApiError::internal)?;
    out["fired"] = Value::from(fired);
    Ok(Json(out))
}
