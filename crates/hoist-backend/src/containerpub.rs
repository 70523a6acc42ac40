//! ContainerPub compatibility: `POST /api/functions/deploy` takes a
//! multipart `name` + `archive` (optional `runtime`, `entrypoint`), registers
//! the function when new, makes a version named after the archive's digest
//! and deploys it, in one call.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sha2::Digest;

use super::api::{valid_name, AppState};
use super::db::FunctionSpec;
use super::deploy::deploy;
use super::errors::{ApiError, ApiResult};
use super::runtimes;
use super::versions::VersionMeta;

/// ContainerPub's `POST /api/functions/deploy`: register, version by
/// content, deploy, in one call.
pub(crate) async fn deploy_archive(State(app): AppState, req: Request) -> ApiResult<Response> {
    let (fields, archive) = super::versions::read_multipart(&app, req).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let name = get("name").ok_or_else(|| ApiError::bad_request("field `name` is required"))?;
    valid_name(&name)?;
    let archive = archive.ok_or_else(|| ApiError::bad_request("file `archive` is required"))?;
    let hex = hex::encode(sha2::Sha256::digest(&archive));
    let version = hex[..12].to_string();
    let dir = super::version_dir(&app.opts.data_dir, &name, &hex);
    let tmp = super::versions::spool(&app, &archive)?;
    if let Err(e) = super::versions::extract(&tmp, &dir).await {
        super::versions::discard(&tmp);
        return Err(e);
    }
    let runtime = match get("runtime") {
        Some(r) => r,
        None if dir.join("pubspec.yaml").exists() => "dart".into(),
        None if dir.join("package.json").exists() => "node".into(),
        None if dir.join("bunfig.toml").exists() => "bun".into(),
        None => "deno".into(),
    };
    if !runtimes::RUNTIMES.contains(&runtime.as_str()) {
        super::versions::discard(&tmp);
        return Err(ApiError::bad_request(format!(
            "runtime `{runtime}` is not supported by this backend"
        )));
    }
    let entrypoint = get("entrypoint").or_else(|| {
        [
            "index.ts",
            "main.ts",
            "index.mjs",
            "index.js",
            "main.js",
            "server.js",
            "server.ts",
        ]
        .iter()
        .find(|c| dir.join(c).is_file())
        .map(|c| c.to_string())
    });
    let Some(entrypoint) = entrypoint else {
        super::versions::discard(&tmp);
        return Err(ApiError::bad_request(
            "no entrypoint given and none found (index.ts, index.js, ...)",
        ));
    };
    if app.db.function(&name)?.is_none() {
        let spec = FunctionSpec {
            runtime: runtime.clone(),
            handler: "handler".into(),
            memory_mb: 128,
            cpus: 0.5,
            timeout_seconds: 5,
            max_concurrent: 10,
            warm_workers: 0,
            health_path: None,
            port: None,
        };
        app.db.upsert_function(&name, &spec, &super::now())?;
    }
    let meta = VersionMeta {
        version: version.clone(),
        digest: hoist_core::digest::prefixed(&hex),
        archive_key: None,
        runtime,
        entrypoint,
        import_map: None,
    };
    super::versions::register(&app, &name, &meta, tmp).await?;
    let d = deploy(
        &app,
        &name,
        &version,
        BTreeMap::new(),
        None,
        "deploy",
        Duration::from_secs(30),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(hoist_api::ArchiveDeployed {
            id: name,
            version,
            deployment: d.view()?,
        }),
    )
        .into_response())
}
