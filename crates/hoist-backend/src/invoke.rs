//! Invocations and logs: `POST .../invoke` (a JSON envelope in and out),
//! `ANY /fn/{function}/...` (raw HTTP forwarded to a worker, the bearer
//! token stripped) and `GET .../logs` (a page after a cursor, or an ndjson
//! follow stream with heartbeats).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use hoist_api::{BodyEncoding, InvokeRequest, InvokeResult, LogPage};
use serde_json::Value;

use super::api::{function, parse_or_default, AppState};
use super::errors::{ApiError, ApiResult};
use super::logs::rank;
use super::logs::LogQuery;
use super::App;

/// Marks a function's own answer on `/fn/...`, which the error-shape
/// rewrite must leave alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawAnswer;

/// Invoke bodies are limited to 6 MiB.
pub(crate) const MAX_INVOKE: usize = 6 << 20;

fn worker_url(port: u16, path: &str) -> ApiResult<reqwest::Url> {
    let p = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    reqwest::Url::parse(&format!("http://127.0.0.1:{port}{p}"))
        .map_err(|e| ApiError::bad_request(format!("bad path `{path}`: {e}")))
}

pub(crate) async fn invoke(
    State(app): AppState,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<InvokeResult>> {
    if body.len() > MAX_INVOKE {
        return Err(ApiError::too_large("the invoke body is over 6 MiB"));
    }
    function(&app, &name)?;
    let r: InvokeRequest = parse_or_default(&body)?;
    let pool = app.sup.pool(&name);
    if pool.active().is_none() {
        return Err(ApiError::conflict(format!("{name} has no active version")));
    }
    let method = reqwest::Method::from_bytes(
        r.method
            .as_deref()
            .unwrap_or("POST")
            .to_ascii_uppercase()
            .as_bytes(),
    )
    .map_err(|_| ApiError::bad_request("bad `method`"))?;
    let path = r.path.unwrap_or_else(|| "/".into());
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &r.headers {
        let k = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| ApiError::bad_request(format!("bad header name `{k}`")))?;
        let v = reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| ApiError::bad_request(format!("bad value of header `{k}`")))?;
        headers.append(k, v);
    }
    let payload: Vec<u8> = match r.body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.into_bytes(),
        Some(v) => {
            if !headers.contains_key(reqwest::header::CONTENT_TYPE) {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/json"),
                );
            }
            serde_json::to_vec(&v).map_err(ApiError::internal)?
        }
    };
    let (w, spec) = app.sup.acquire(&pool).await?;
    let mut url = match worker_url(w.port, &path) {
        Ok(u) => u,
        Err(e) => {
            app.sup.release(&pool, &w);
            return Err(e);
        }
    };
    if !r.query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in &r.query {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            q.append_pair(k, &v);
        }
    }
    let mut req = reqwest::Request::new(method, url);
    *req.headers_mut() = headers;
    *req.body_mut() = Some(payload.into());
    let ans = app.sup.forward(&pool, &w, &spec, req).await?;
    let mut hs: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &ans.headers {
        if HOP.contains(&k.as_str()) || k == "content-length" {
            continue;
        }
        let v = String::from_utf8_lossy(v).to_string();
        hs.entry(k.clone())
            .and_modify(|e| {
                e.push_str(", ");
                e.push_str(&v);
            })
            .or_insert(v);
    }
    let (body, body_encoding) = match std::str::from_utf8(&ans.body) {
        Ok(s) => (s.to_string(), BodyEncoding::Utf8),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(&ans.body),
            BodyEncoding::Base64,
        ),
    };
    Ok(Json(InvokeResult {
        status: ans.status,
        headers: hs,
        body,
        body_encoding,
        duration_ms: (ans.duration_ms * 10.0).round() / 10.0,
        version: spec.version.clone(),
        worker: w.id.clone(),
    }))
}

const HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

pub(crate) async fn raw(State(app): AppState, req: Request) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    // The router sends only `/fn/...` here.
    let Some(rest) = path.strip_prefix("/fn/") else {
        return Err(ApiError::not_found(format!("no function at {path}")));
    };
    let (name, sub) = match rest.split_once('/') {
        Some((n, s)) => (n.to_string(), format!("/{s}")),
        None => (rest.to_string(), "/".to_string()),
    };
    function(&app, &name)?;
    let bytes = axum::body::to_bytes(body, MAX_INVOKE)
        .await
        .map_err(|_| ApiError::too_large("the request body is over 6 MiB"))?;
    let pool = app.sup.pool(&name);
    let (w, spec) = app.sup.acquire(&pool).await?;
    let mut url = match worker_url(w.port, &sub) {
        Ok(u) => u,
        Err(e) => {
            app.sup.release(&pool, &w);
            return Err(e);
        }
    };
    url.set_query(parts.uri.query());
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|_| ApiError::bad_request("bad method"))?;
    let mut out = reqwest::Request::new(method, url);
    for (k, v) in &parts.headers {
        let k = k.as_str();
        if k == "authorization" || k == "host" || k == "content-length" || HOP.contains(&k) {
            continue;
        }
        if let (Ok(k), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(k.as_bytes()),
            reqwest::header::HeaderValue::from_bytes(v.as_bytes()),
        ) {
            out.headers_mut().append(k, v);
        }
    }
    *out.body_mut() = Some(bytes.to_vec().into());
    let ans = app.sup.forward(&pool, &w, &spec, out).await?;
    let mut res = Response::new(Body::from(ans.body));
    res.extensions_mut().insert(RawAnswer);
    *res.status_mut() = StatusCode::from_u16(ans.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (k, v) in ans.headers {
        if HOP.contains(&k.as_str()) || k == "content-length" {
            continue;
        }
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_bytes(&v),
        ) {
            res.headers_mut().append(k, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&spec.version) {
        res.headers_mut().insert("x-hoist-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{:.1}", ans.duration_ms)) {
        res.headers_mut().insert("x-hoist-duration-ms", v);
    }
    Ok(res)
}

/// `since` as RFC 3339, or a duration back from now (`10m`, `2h`, `30s`, `1d`).
fn since(v: &str) -> ApiResult<String> {
    use time::format_description::well_known::Rfc3339;
    let bad = || {
        ApiError::bad_request(format!(
            "`since={v}` is neither RFC 3339 nor a duration like 10m"
        ))
    };
    let t = if let Ok(t) = time::OffsetDateTime::parse(v, &Rfc3339) {
        t
    } else {
        let (num, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
        if num.is_empty() || num.len() > 6 {
            return Err(bad());
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        let secs = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86400,
            _ => return Err(bad()),
        };
        time::OffsetDateTime::now_utc() - time::Duration::seconds(secs.min(100 * 365 * 86400))
    };
    let t = t.to_offset(time::UtcOffset::UTC);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).map_err(|_| bad())
}

pub(crate) async fn logs(
    State(app): AppState,
    Path(name): Path<String>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    function(&app, &name)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let int = |k: &str, d: i64, lo: i64, hi: i64| -> ApiResult<i64> {
        match q.get(k) {
            None => Ok(d),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!("`{k}` must be an integer in {lo}..={hi}"))
                }),
        }
    };
    let query = LogQuery {
        function: name.clone(),
        cursor: int("cursor", 0, 0, i64::MAX)?,
        since: q.get("since").map(|s| since(s)).transpose()?,
        version: q.get("version").cloned(),
        min_level: match q.get("level") {
            None => 0,
            Some(l) => rank(l).ok_or_else(|| {
                ApiError::bad_request("`level` is one of debug, info, warn, error")
            })?,
        },
        limit: int("limit", 100, 1, 1000)?,
    };
    let follow = match q.get("follow").map(String::as_str) {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(ApiError::bad_request("`follow` is true or false")),
    };
    if !follow {
        app.sup.logs.flush();
        let entries = app.db.logs(&query)?;
        let cursor = entries.last().map(|e| e.id).unwrap_or(query.cursor);
        return Ok(Json(LogPage { entries, cursor }).into_response());
    }
    let max_lines = app
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drop_log_streams_after;
    let stream = follow_stream(app.clone(), query, max_lines);
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(res)
}

struct Follow {
    app: Arc<App>,
    q: LogQuery,
    pending: std::collections::VecDeque<Bytes>,
    sent: u64,
    max: Option<u64>,
    last_beat: Instant,
}

fn follow_stream(
    app: Arc<App>,
    q: LogQuery,
    max: Option<u64>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let st = Follow {
        app,
        q,
        pending: Default::default(),
        sent: 0,
        max,
        last_beat: Instant::now(),
    };
    futures_util::stream::unfold(st, |mut st| async move {
        loop {
            if st.max.is_some_and(|m| st.sent >= m) {
                // The injected drop fired: counted like any failure.
                st.app
                    .faults
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .fired += 1;
                return None;
            }
            if let Some(b) = st.pending.pop_front() {
                st.sent += 1;
                return Some((Ok(b), st));
            }
            let rows = match st.app.db.logs(&st.q) {
                Ok(rows) => rows,
                Err(e) => return Some((Err(std::io::Error::other(e)), st)),
            };
            {
                for r in rows {
                    st.q.cursor = r.id;
                    let mut line = match serde_json::to_vec(&r) {
                        Ok(l) => l,
                        Err(e) => return Some((Err(std::io::Error::other(e)), st)),
                    };
                    line.push(b'\n');
                    st.pending.push_back(Bytes::from(line));
                }
            }
            if !st.pending.is_empty() {
                st.last_beat = Instant::now();
                continue;
            }
            if st.last_beat.elapsed() >= Duration::from_secs(15) {
                st.last_beat = Instant::now();
                let line = format!("{{\"heartbeat\":{}}}\n", st.q.cursor);
                return Some((Ok(Bytes::from(line)), st));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
}
