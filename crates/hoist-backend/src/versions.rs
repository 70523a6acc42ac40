//! Versions: immutable archives of a function, created from a multipart
//! upload or by reference to the artifact store (`archive_key`). The bytes
//! are checked against the digest, kept at `<data>/archives/<hex>.tar.gz`
//! and extracted once (traversal-safe) to `<data>/versions/<fn>/<hex>/`.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoist_api::{Deleted, ErrorCode, VersionByReference, VersionList};

use super::api::{function, parse, valid_version, AppState};
use super::db::VersionRow;
use super::errors::{ApiError, ApiResult};
use super::App;

/// What a new version declares (multipart fields, or a
/// `VersionByReference`).
#[derive(Debug, Default)]
pub(crate) struct VersionMeta {
    pub(crate) version: String,
    pub(crate) digest: String,
    pub(crate) archive_key: Option<String>,
    pub(crate) runtime: String,
    pub(crate) entrypoint: String,
    pub(crate) import_map: Option<String>,
}

impl From<VersionByReference> for VersionMeta {
    fn from(r: VersionByReference) -> Self {
        VersionMeta {
            version: r.version,
            digest: r.digest,
            archive_key: Some(r.archive_key),
            runtime: r.runtime.as_str().to_string(),
            entrypoint: r.entrypoint,
            import_map: r.import_map,
        }
    }
}

pub(crate) async fn list(
    State(app): AppState,
    Path(name): Path<String>,
) -> ApiResult<Json<VersionList>> {
    function(&app, &name)?;
    let versions = app
        .db
        .versions(&name)?
        .iter()
        .map(VersionRow::view)
        .collect::<ApiResult<_>>()?;
    Ok(Json(VersionList { versions }))
}

pub(crate) async fn delete(
    State(app): AppState,
    Path((name, version)): Path<(String, String)>,
) -> ApiResult<Json<Deleted>> {
    let f = function(&app, &name)?;
    valid_version(&version)?;
    if app.db.version(&name, &version)?.is_none() {
        return Err(ApiError::not_found(format!(
            "no version `{version}` of {name}"
        )));
    }
    if f.active_version.as_deref() == Some(version.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::VersionActive,
            format!("version {version} of {name} is active"),
        )
        .with_hint("deploy another version first"));
    }
    app.db.delete_version(&name, &version)?;
    Ok(Json(Deleted {
        deleted: version,
        workers_terminated: None,
    }))
}

pub(crate) async fn create(
    State(app): AppState,
    Path(name): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    function(&app, &name)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (meta, archive) = if multipart {
        let (fields, archive) = read_multipart(&app, req).await?;
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let meta = VersionMeta {
            version: get("version")
                .ok_or_else(|| ApiError::bad_request("field `version` is required"))?,
            digest: get("digest")
                .ok_or_else(|| ApiError::bad_request("field `digest` is required"))?,
            archive_key: None,
            runtime: get("runtime")
                .ok_or_else(|| ApiError::bad_request("field `runtime` is required"))?,
            entrypoint: get("entrypoint")
                .ok_or_else(|| ApiError::bad_request("field `entrypoint` is required"))?,
            import_map: get("import_map").filter(|v| !v.is_empty()),
        };
        let archive = archive.ok_or_else(|| ApiError::bad_request("file `archive` is required"))?;
        (meta, spool(&app, &archive)?)
    } else {
        let body = Bytes::from_request(req, &app)
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let meta = VersionMeta::from(parse::<VersionByReference>(&body)?);
        check_meta(&meta)?;
        let key = meta.archive_key.clone().ok_or_else(|| {
            ApiError::bad_request("`archive_key` is required (or send multipart)")
        })?;
        let path = fetch(&app, &key).await?;
        (meta, path)
    };
    let (status, row) = register(&app, &name, &meta, archive).await?;
    Ok((status, Json(row.view()?)).into_response())
}

fn check_meta(m: &VersionMeta) -> ApiResult<()> {
    valid_version(&m.version)?;
    if !super::runtimes::RUNTIMES.contains(&m.runtime.as_str()) {
        return Err(ApiError::bad_request(format!(
            "runtime `{}` is not one of node, deno, bun",
            m.runtime
        )));
    }
    relative("entrypoint", &m.entrypoint)?;
    if let Some(i) = &m.import_map {
        relative("import_map", i)?;
    }
    digest_hex(&m.digest)?;
    Ok(())
}

/// `^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})*$`
/// with `extra` allowed after the first character of a segment, at most
/// `max` bytes: relative, no empty, `.` or `..` segment, and no segment
/// longer than a file name may be.
pub(crate) fn segments_ok(p: &str, extra: &str, max: usize) -> bool {
    !p.is_empty()
        && p.len() <= max
        && p.split('/').all(|seg| {
            let mut c = seg.chars();
            seg.len() <= 255
                && c.next()
                    .is_some_and(|f| f.is_ascii_alphanumeric() || f == '_')
                && c.all(|ch| {
                    ch.is_ascii_alphanumeric() || "_.-".contains(ch) || extra.contains(ch)
                })
        })
}

fn relative(what: &str, p: &str) -> ApiResult<()> {
    if segments_ok(p, "", 256) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "`{what}` must be a relative path inside the archive"
        )))
    }
}

/// The hex of `sha256:<64 hex>`.
pub(crate) fn digest_hex(d: &str) -> ApiResult<String> {
    let hex = d.strip_prefix("sha256:").unwrap_or("");
    if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(hex.to_string())
    } else {
        Err(ApiError::bad_request(
            "`digest` must be sha256:<64 hex digits>",
        ))
    }
}

pub(crate) async fn read_multipart(
    app: &Arc<App>,
    req: Request,
) -> ApiResult<(Vec<(String, String)>, Option<Bytes>)> {
    let max = app.opts.max_archive_mb << 20;
    let mut mp = Multipart::from_request(req, app)
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut fields = Vec::new();
    let mut archive = None;
    let err = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!("the archive is over {} MiB", max >> 20))
        } else {
            ApiError::bad_request(e.body_text())
        }
    };
    while let Some(field) = mp.next_field().await.map_err(err)? {
        // A part without a name is no field this endpoint knows.
        let name = field.name().map_or_else(String::new, str::to_string);
        let data = field.bytes().await.map_err(err)?;
        if name == "archive" {
            if data.len() as u64 > max {
                return Err(ApiError::too_large(format!(
                    "the archive is over {} MiB",
                    max >> 20
                )));
            }
            archive = Some(data);
        } else {
            let v = String::from_utf8(data.to_vec())
                .map_err(|_| ApiError::bad_request(format!("field `{name}` is not UTF-8")))?;
            fields.push((name, v.trim().to_string()));
        }
    }
    Ok((fields, archive))
}

/// Write uploaded bytes to a temp file under `<data>/tmp`.
pub(crate) fn spool(app: &App, bytes: &[u8]) -> ApiResult<PathBuf> {
    let path = app
        .opts
        .data_dir
        .join("tmp")
        .join(format!("up-{}.tar.gz", super::rand_hex(8)));
    let mut f = std::fs::File::create(&path).map_err(ApiError::internal)?;
    f.write_all(bytes).map_err(ApiError::internal)?;
    Ok(path)
}

/// Remove a spooled or downloaded archive that is no longer needed; one
/// that cannot be removed is said on stderr (it stays in the data
/// directory's `tmp/`).
pub(crate) fn discard(path: &FsPath) {
    if let Err(e) = hoist_core::fsx::remove_file(path) {
        eprintln!("hoist backend: an upload's temporary archive is left behind: {e:#}");
    }
}

/// Download `key` from the store into a temp file.
async fn fetch(app: &Arc<App>, key: &str) -> ApiResult<PathBuf> {
    let store = app.store.clone().ok_or_else(|| {
        ApiError::bad_request("this backend has no artifact store")
            .with_hint("start it with --store PATH or --store s3://bucket/prefix, or upload the archive as multipart")
    })?;
    if !segments_ok(key, "=+", 1024) {
        return Err(ApiError::bad_request("`archive_key` must be a store key"));
    }
    let path = app
        .opts
        .data_dir
        .join("tmp")
        .join(format!("get-{}.tar.gz", super::rand_hex(8)));
    let max = app.opts.max_archive_mb << 20;
    match store
        .head(key)
        .await
        .map_err(|e| ApiError::internal(format!("{e:#}")))?
    {
        None => {
            return Err(ApiError::not_found(format!(
                "no object `{key}` in the store"
            )))
        }
        Some(info) if info.size > max => {
            return Err(ApiError::too_large(format!(
                "the archive is over {} MiB",
                max >> 20
            )))
        }
        Some(_) => {}
    }
    let mut f = std::fs::File::create(&path).map_err(ApiError::internal)?;
    store
        .download(key, &mut f, &hoist_core::report::Progress::hidden())
        .await
        .map_err(|e| ApiError::internal(format!("{e:#}")))?;
    Ok(path)
}

/// Check, keep and extract an archive, and record the version.
pub(crate) async fn register(
    app: &Arc<App>,
    name: &str,
    meta: &VersionMeta,
    archive: PathBuf,
) -> ApiResult<(StatusCode, VersionRow)> {
    let res = register_inner(app, name, meta, &archive).await;
    discard(&archive);
    res
}

async fn register_inner(
    app: &Arc<App>,
    name: &str,
    meta: &VersionMeta,
    archive: &FsPath,
) -> ApiResult<(StatusCode, VersionRow)> {
    check_meta(meta)?;
    let want = digest_hex(&meta.digest)?;
    let file = std::fs::File::open(archive).map_err(ApiError::internal)?;
    let (got, size) = hoist_core::storage::sha256_reader(file).map_err(ApiError::internal)?;
    if got != want {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::DigestMismatch,
            format!("the archive hashes to sha256:{got}, not {}", meta.digest),
        ));
    }
    if let Some(v) = app.db.version(name, &meta.version)? {
        if v.digest == hoist_core::digest::prefixed(&want) {
            return Ok((StatusCode::OK, v));
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::VersionExists,
            format!(
                "version {} of {name} exists with other content",
                meta.version
            ),
        )
        .with_hint("versions are immutable: pick a new version name"));
    }
    let data = app.opts.data_dir.clone();
    let dir = super::version_dir(&data, name, &want);
    extract(archive, &dir).await?;
    let keep = data.join("archives").join(format!("{want}.tar.gz"));
    if !keep.exists() {
        let tmp = keep.with_extension(format!("tmp-{}", super::rand_hex(4)));
        std::fs::copy(archive, &tmp).map_err(ApiError::internal)?;
        std::fs::rename(&tmp, &keep).map_err(ApiError::internal)?;
    }
    let entry = dir.join(&meta.entrypoint);
    if !entry.is_file() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadArchive,
            format!("the archive has no entrypoint `{}`", meta.entrypoint),
        ));
    }
    let row = VersionRow {
        version: meta.version.clone(),
        digest: hoist_core::digest::prefixed(&want),
        runtime: meta.runtime.clone(),
        entrypoint: meta.entrypoint.clone(),
        import_map: meta.import_map.clone(),
        size: size as i64,
        created_at: super::now(),
        active: false,
    };
    if let Err(e) = app.db.insert_version(name, &row) {
        // A concurrent identical create won the race: answer like a retry.
        if let Some(v) = app.db.version(name, &meta.version)? {
            if v.digest == row.digest {
                return Ok((StatusCode::OK, v));
            }
        }
        return Err(e.into());
    }
    Ok((StatusCode::CREATED, row))
}

/// Remove a partial or duplicate extraction; one that cannot be removed is
/// said on stderr.
fn discard_dir(path: &FsPath) {
    if let Err(e) = hoist_core::fsx::remove_dir_all(path) {
        eprintln!("hoist backend: a temporary extraction is left behind: {e:#}");
    }
}

/// Extract `archive` to `dir` once: into a temp dir, then renamed into place.
pub(crate) async fn extract(archive: &FsPath, dir: &FsPath) -> ApiResult<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir
        .parent()
        .ok_or_else(|| ApiError::internal("bad version dir"))?
        .to_path_buf();
    let (archive, dir) = (archive.to_path_buf(), dir.to_path_buf());
    tokio::task::spawn_blocking(move || -> ApiResult<()> {
        std::fs::create_dir_all(&parent).map_err(ApiError::internal)?;
        let tmp = parent.join(format!(".tmp-{}", super::rand_hex(6)));
        if let Err(e) = hoist_core::bundle::unpack::unpack(&archive, &tmp) {
            discard_dir(&tmp);
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadArchive,
                format!("the archive cannot be extracted: {e:#}"),
            ));
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            // Someone else put it in place first.
            discard_dir(&tmp);
            if !dir.is_dir() {
                return Err(ApiError::internal(format!(
                    "cannot move into {}",
                    dir.display()
                )));
            }
        }
        Ok(())
    })
    .await
    .map_err(ApiError::internal)?
}
