//! Env and secrets of a function: list (secret values never returned), set
//! one (BunBase's call), patch many in one transaction, delete one. Running
//! workers keep the env they were spawned with until a restart or deploy.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use hoist_api::{Deleted, EnvEntry, EnvList, EnvPatch, EnvSet, EnvSource};

use super::api::{function, parse, AppState};
use super::errors::{ApiError, ApiResult};
use super::App;

pub(crate) fn valid_key(key: &str) -> ApiResult<()> {
    let mut c = key.chars();
    let ok = key.len() <= 256
        && c.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(ApiError::bad_request(format!("`{key}` is not an env key"))
            .with_hint("keys match ^[A-Za-z_][A-Za-z0-9_]*$"));
    }
    if key == "PORT" || key.starts_with("HOIST_") {
        return Err(ApiError::bad_request(format!("`{key}` is reserved")));
    }
    Ok(())
}

fn env_list(app: &App, name: &str) -> ApiResult<EnvList> {
    let env = app.db.env(name)?.into_iter().map(|(e, _)| e).collect();
    Ok(EnvList { env })
}

pub(crate) async fn get_env(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<EnvList>> {
    function(&app, &name)?;
    Ok(Json(env_list(&app, &name)?))
}

pub(crate) async fn post_env(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<EnvEntry>> {
    function(&app, &name)?;
    let e: EnvSet = parse(&body)?;
    valid_key(&e.key)?;
    app.db
        .patch_env(&name, &[(e.key.clone(), e.value.clone(), e.is_secret)], &[])?;
    Ok(Json(EnvEntry {
        key: e.key,
        value: if e.is_secret { None } else { Some(e.value) },
        is_secret: e.is_secret,
        source: EnvSource::Set,
    }))
}

pub(crate) async fn patch_env(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<EnvList>> {
    function(&app, &name)?;
    let p: EnvPatch = parse(&body)?;
    for k in p.set.iter().map(|e| &e.key).chain(&p.unset) {
        valid_key(k)?;
    }
    let set: Vec<_> = p
        .set
        .into_iter()
        .map(|e| (e.key, e.value, e.is_secret))
        .collect();
    app.db.patch_env(&name, &set, &p.unset)?;
    Ok(Json(env_list(&app, &name)?))
}

pub(crate) async fn delete_env(
    State(app): AppState,
    Path((name, key)): Path<(String, String)>,
) -> ApiResult<Json<Deleted>> {
    function(&app, &name)?;
    if !app.db.delete_env(&name, &key)? {
        return Err(ApiError::not_found(format!("no env key `{key}`")));
    }
    Ok(Json(Deleted {
        deleted: key,
        workers_terminated: None,
    }))
}
