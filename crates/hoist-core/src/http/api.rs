//! A JSON API client for control planes: one base URL, an optional
//! credential sent as `Authorization`, bodies in and out as JSON, and every
//! error answer turned into an [`ApiError`] `{status, code, message, hint}`
//! inside an [`HttpError`] that says what to do. Idempotent calls (GET, PUT,
//! DELETE, and POSTs the caller marks so) are retried on 408/429/5xx and on
//! a lost connection, honouring `Retry-After`; other calls are sent once.
//! The credential is never part of an error or a debug line.

use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::redact::describe;
use super::retry;
use super::HttpError;
use crate::auth::Secret;
use crate::env::Env;

/// Attempts for one idempotent call before giving up.
const ATTEMPTS: u32 = 5;

/// An error answer from an API, in the shape hoist's backend documents
/// (`{"error": {"code", "message", "hint"}}`); other shapes are read as
/// well as they can be.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    /// The whole `error` object, for fields such as a failed health gate's
    /// `logs`.
    pub(crate) details: Value,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.message, self.status, self.code)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    fn parse(status: StatusCode, body: &str) -> ApiError {
        let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let e = v.get("error").cloned().unwrap_or(Value::Null);
        let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
        let message = text("message")
            .or_else(|| v.get("error").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| {
                let b: String = super::redact::redact(body).chars().take(200).collect();
                if b.trim().is_empty() {
                    status.canonical_reason().unwrap_or("error").to_lowercase()
                } else {
                    b
                }
            });
        // Fly's shape: `{"error": "…", "status": "name_taken"}`.
        let top_code = v
            .get("status")
            .and_then(Value::as_str)
            .filter(|_| e.is_string())
            .map(str::to_string);
        ApiError {
            status: status.as_u16(),
            code: text("code")
                .or(top_code)
                .unwrap_or_else(|| format!("http_{}", status.as_u16())),
            message,
            hint: text("hint"),
            details: e,
        }
    }

    /// The `ApiError` inside an error chain, if there is one.
    pub fn find(err: &anyhow::Error) -> Option<&ApiError> {
        err.chain().find_map(|e| e.downcast_ref::<ApiError>())
    }
}

/// How an API client authenticates.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: <scheme> <token>` (e.g. `FlyV1`).
    Scheme(&'static str, Secret),
}

/// A client for one API.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    /// What the API is, for messages: "the self-hosted backend at http://…".
    pub(crate) name: String,
    /// Where the credential comes from and how to fix it, for 401s.
    pub(crate) login_hint: String,
    /// What to do when the API cannot be reached.
    pub(crate) unreachable_hint: String,
    /// Attempts for one retried call.
    attempts: u32,
    /// Write the redacted wire trace (`HOIST_DEBUG_HTTP`).
    trace: bool,
}

/// A body to send.
pub(crate) enum Body<'a> {
    Empty,
    Json(&'a Value),
}

impl Api {
    pub(crate) fn new(
        base: &str,
        auth: Auth,
        name: String,
        login_hint: String,
    ) -> anyhow::Result<Api> {
        let http = super::builder()
            // A deploy waits for its health gate (up to 600 s) in one call.
            .read_timeout(Duration::from_secs(660))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", describe(&e)))?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_string(),
            auth,
            name,
            login_hint,
            unreachable_hint:
                "check that it is running and that the URL is right (hoist config show)".into(),
            attempts: ATTEMPTS,
            trace: false,
        })
    }

    /// Trace each retry on stderr when `env` has `HOIST_DEBUG_HTTP`.
    pub(crate) fn traced(mut self, env: &Env) -> Api {
        self.trace = env.var_os("HOIST_DEBUG_HTTP").is_some();
        self
    }

    /// Say `hint` when the API cannot be reached (how to start it, say).
    pub(crate) fn with_unreachable_hint(mut self, hint: impl Into<String>) -> Api {
        self.unreachable_hint = hint.into();
        self
    }

    /// Retry up to `n` attempts (an API that rate-limits in bursts).
    pub(crate) fn with_attempts(mut self, n: u32) -> Api {
        self.attempts = n.max(1);
        self
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// A request to `path` (starting with `/`) with the credential set.
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        let value = match &self.auth {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {}", t.expose())),
            Auth::Scheme(s, t) => Some(format!("{s} {}", t.expose())),
        };
        // A token with characters no header may hold is sent as no
        // credential at all: the server's 401 then names the login hint.
        if let Some(Ok(mut v)) = value.map(|v| HeaderValue::from_str(&v)) {
            v.set_sensitive(true);
            rb = rb.header(AUTHORIZATION, v);
        }
        rb
    }

    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, Body::Empty, true).await
    }

    /// Read an answer as the type the API documents for it. An answer that
    /// does not fit is an error naming the field, never a default.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        answer: Value,
    ) -> anyhow::Result<T> {
        serde_path_to_error::deserialize(answer).map_err(|e| {
            let field = e.path().to_string();
            anyhow::Error::new(e.into_inner())
                .context(format!("at `{field}`"))
                .context(HttpError::Undecodable {
                    api: self.name.clone(),
                    method: method.to_string(),
                    path: path.to_string(),
                })
        })
    }

    pub(crate) async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::DELETE, path, Body::Empty, true).await
    }

    /// POST `body`; retried only when `idempotent` (the API dedupes it).
    pub(crate) async fn post(
        &self,
        path: &str,
        body: &Value,
        idempotent: bool,
    ) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Body::Json(body), idempotent)
            .await
    }

    /// Send a request and read its JSON answer, retrying idempotent calls.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Body<'_>,
        idempotent: bool,
    ) -> anyhow::Result<Value> {
        self.call_with(method, path, body, idempotent, &[]).await
    }

    /// [`Api::call`] with extra request headers (e.g. a lease nonce).
    pub(crate) async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Body<'_>,
        idempotent: bool,
        headers: &[(&'static str, String)],
    ) -> anyhow::Result<Value> {
        let bytes = match &body {
            Body::Empty => None,
            Body::Json(v) => Some(serde_json::to_vec(v)?),
        };
        let mut n = 0;
        loop {
            n += 1;
            let mut rb = self.request(method.clone(), path);
            for (name, value) in headers {
                rb = rb.header(*name, value);
            }
            if let Some(b) = &bytes {
                rb = rb.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            match self.send(rb, &method, path).await {
                Ok(v) => return Ok(v),
                // A 429 was refused before it was processed, so even a
                // call that must not run twice can be sent again.
                Err(Failure::Retry(err, wait))
                    if n < self.attempts
                        && (idempotent
                            || ApiError::find(&err).is_some_and(|e| e.status == 429)) =>
                {
                    crate::interrupt::check()?;
                    if self.trace {
                        trace(&format!("{err:#}; retrying ({n}/{})", self.attempts));
                    }
                    tokio::time::sleep(wait.unwrap_or_else(|| retry::backoff(n))).await;
                }
                Err(Failure::Retry(err, _)) | Err(Failure::Final(err)) => return Err(err),
            }
        }
    }

    /// Send a built request once and read its JSON answer (an empty body
    /// reads as `null`).
    pub(crate) async fn send_once(
        &self,
        rb: reqwest::RequestBuilder,
        what: &str,
    ) -> anyhow::Result<Value> {
        match self.send(rb, &Method::POST, what).await {
            Ok(v) => Ok(v),
            Err(Failure::Retry(e, _)) | Err(Failure::Final(e)) => Err(e),
        }
    }

    async fn send(
        &self,
        rb: reqwest::RequestBuilder,
        method: &Method,
        path: &str,
    ) -> Result<Value, Failure> {
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.unreachable(&e, method, path)),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => return Err(self.unreachable(&e, method, path)),
        };
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|e| {
                Failure::Final(anyhow::anyhow!(
                    "{} answered {method} {path} with something that is not JSON: {e}",
                    self.name
                ))
            });
        }
        let api = ApiError::parse(status, &text);
        let err = self.api_error(api, method, path);
        if retry::transient(status) {
            Err(Failure::Retry(err, retry::retry_after(&headers)))
        } else {
            Err(Failure::Final(err))
        }
    }

    /// An error answer as a user error with its exit code and hint.
    pub(crate) fn api_error(&self, api: ApiError, method: &Method, path: &str) -> anyhow::Error {
        let user = match api.status {
            401 | 403 => HttpError::Refused {
                api: self.name.clone(),
                login_hint: self.login_hint.clone(),
            },
            _ => HttpError::Answered {
                api: self.name.clone(),
                message: api.message.clone(),
                hint: api.hint.clone(),
            },
        };
        anyhow::Error::new(api)
            .context(format!("{method} {path}"))
            .context(user)
    }

    fn unreachable(&self, e: &reqwest::Error, method: &Method, path: &str) -> Failure {
        // What failed in the user's terms first; the transport detail is
        // its cause.
        let err = anyhow::anyhow!("{}", describe(e))
            .context(format!("{method} {path}"))
            .context(HttpError::Unreachable {
                api: self.name.clone(),
                hint: self.unreachable_hint.clone(),
            });
        // A request that may not have arrived is worth sending again; one
        // whose answer was lost is only resent when idempotent (the caller
        // decides through `attempts`).
        Failure::Retry(err, None)
    }
}

enum Failure {
    Retry(anyhow::Error, Option<Duration>),
    Final(anyhow::Error),
}

/// The wire trace `HOIST_DEBUG_HTTP` asks for (redacted): a developer's
/// tool, written straight to stderr at any verbosity, like a `RUST_LOG`
/// trace, so it is the one place this crate prints.
#[allow(clippy::print_stderr)]
fn trace(msg: &str) {
    eprintln!("debug: {}", super::redact::redact(msg));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes_are_read() {
        let e = ApiError::parse(
            StatusCode::CONFLICT,
            r#"{"error":{"code":"version_active","message":"v2 is active","hint":"deploy another"}}"#,
        );
        assert_eq!(e.code, "version_active");
        assert_eq!(e.hint.as_deref(), Some("deploy another"));
        let e = ApiError::parse(StatusCode::BAD_GATEWAY, "");
        assert_eq!(e.code, "http_502");
        assert_eq!(e.message, "bad gateway");
        let e = ApiError::parse(StatusCode::BAD_REQUEST, r#"{"error":"plain"}"#);
        assert_eq!(e.message, "plain");
        let e = ApiError::parse(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":"Validation failed: Name has already been taken","status":"name_taken"}"#,
        );
        assert_eq!(e.code, "name_taken");
    }
}
