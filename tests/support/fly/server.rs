//! The HTTP side: the server's runtime and ticker, and the one handler every
//! request goes through: latency, auth, the spec check, 429 storms, canned
//! failures, rate limits, routing to the handlers, after-effect failures and
//! the request log.

use super::util::{self, parse_query};
use super::{apps, machines, Request as Logged, Shared};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub struct Req {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Req {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.q(name), Some("true" | "1" | ""))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`{}` when empty); Err is a 400 answer.
    pub fn json(&self) -> Result<Value, Resp> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| Resp::err(400, &format!("invalid JSON body: {e}")))
    }
}

pub struct Resp {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn json(status: u16, body: Value) -> Resp {
        Resp {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn err(status: u16, msg: &str) -> Resp {
        Resp::json(status, json!({"error": msg}))
    }

    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            body: None,
            headers: Vec::new(),
        }
    }
}

pub fn run(
    sh: Arc<Shared>,
    listener: std::net::TcpListener,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let ticker = sh.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(5));
            loop {
                every.tick().await;
                let now = ticker.now_ms();
                if ticker.lock().tick(now) {
                    ticker.bump();
                }
            }
        });
        let app = axum::Router::new().fallback(handle).with_state(sh);
        tokio::select! {
            _ = async { axum::serve(listener, app).await } => {}
            _ = stopped => {}
        }
    });
    rt.shutdown_timeout(Duration::from_millis(200));
}

async fn handle(AxState(sh): AxState<Arc<Shared>>, req: axum::extract::Request) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    if sh.opts.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sh.opts.latency_ms)).await;
    }
    let r = Req {
        method,
        path,
        query: parse_query(&raw_query),
        headers,
        body,
    };
    let resp = route(&sh, &r).await;
    let at_ms = sh.now_ms();
    sh.lock().requests.push(Logged {
        method: r.method.clone(),
        path: r.path.clone(),
        query: raw_query,
        status: resp.status,
        at_ms,
    });
    let mut out = match resp.body {
        Some(b) => (
            StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK),
            axum::Json(b),
        )
            .into_response(),
        None => StatusCode::from_u16(resp.status)
            .unwrap_or(StatusCode::OK)
            .into_response(),
    };
    for (k, v) in resp.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            out.headers_mut().insert(k, v);
        }
    }
    out
}

fn authorized(sh: &Shared, r: &Req) -> bool {
    let Some(h) = r.header("authorization") else {
        return false;
    };
    util::header_tokens(h)
        .iter()
        .any(|t| sh.opts.tokens.contains(t))
}

/// The rate-limit bucket of a request, and whether it is GET machine.
fn action_key(r: &Req) -> (String, bool) {
    let segs: Vec<&str> = r.path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["v1", "apps", _, "machines", id] => {
            (format!("{} machine {id}", r.method), r.method == "GET")
        }
        ["v1", "apps", _, "machines", id, action, ..] => {
            (format!("{} {action} {id}", r.method), false)
        }
        _ => (format!("{} {}", r.method, r.path), false),
    }
}

async fn route(sh: &Arc<Shared>, r: &Req) -> Resp {
    if !authorized(sh, r) {
        return Resp::err(401, "Authenticate: token validation error");
    }
    if r.path.starts_with("/v1/") || r.path == "/v1" {
        if let Some(spec) = &sh.spec {
            if let Err(what) = spec.check(&r.method, &r.path, &r.query, &r.body) {
                let msg = format!("request breaks the Machines API spec: {what}");
                sh.lock()
                    .violations
                    .push(format!("{} {}: {what}", r.method, r.path));
                return Resp::err(400, &msg);
            }
        }
    }
    {
        let mut st = sh.lock();
        if st.faults.take_storm(&r.method, &r.path) {
            let mut resp = Resp::err(429, "rate limit exceeded");
            if let Some(s) = st.faults.retry_after {
                resp.headers.push(("retry-after".into(), s.to_string()));
            }
            return resp;
        }
        if let Some((status, body)) = st.faults.take_fail(&r.method, &r.path, &r.body) {
            return Resp::json(status, body);
        }
        if sh.opts.rate_limit {
            let (key, get_machine) = action_key(r);
            let now = sh.now_ms();
            if !st.faults.allow(&key, get_machine, now) {
                return Resp::err(429, "rate limit exceeded");
            }
        }
    }
    let resp = dispatch(sh, r).await;
    let after = sh
        .lock()
        .faults
        .take_after_effect(&r.method, &r.path, &r.body);
    match after {
        Some(408) => Resp::err(408, "request timed out"),
        Some(status) => Resp::err(
            status,
            "internal error (injected after the change took effect)",
        ),
        None => resp,
    }
}

async fn dispatch(sh: &Arc<Shared>, r: &Req) -> Resp {
    let segs: Vec<&str> = r.path.trim_matches('/').split('/').collect();
    let m = r.method.as_str();
    match (m, segs.as_slice()) {
        (_, ["api", "v1", "apps", app, "logs"]) if m == "GET" => apps::logs(sh, r, app),
        (_, ["v1", "apps"]) => apps::apps(sh, r).await,
        (_, ["v1", "apps", app]) => apps::app(sh, r, app),
        (_, ["v1", "apps", app, "secrets", rest @ ..]) => {
            apps::secrets(sh, r, app, rest.first().copied())
        }
        (_, ["v1", "apps", app, "ip_assignments"]) => apps::ips(sh, r, app),
        (_, ["v1", "apps", app, "machines"]) => machines::collection(sh, r, app).await,
        (_, ["v1", "apps", app, "machines", id]) => machines::one(sh, r, app, id).await,
        (_, ["v1", "apps", app, "machines", id, rest @ ..]) => {
            machines::action(sh, r, app, id, rest).await
        }
        _ if r.path.starts_with("/v1/") => Resp::err(
            501,
            &format!("the Fly emulator does not implement {m} {}", r.path),
        ),
        _ => Resp::err(404, "not found"),
    }
}
