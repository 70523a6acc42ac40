//! A Bearer-token gate in front of a registry, behaving as a registry with
//! a token server does. A request without a token that covers it gets 401
//! with a challenge naming the repository and the actions it needs
//! (`repository:<name>:pull`, or `pull,push` for writes). `/token` checks
//! the Basic credentials and the `scope` asked for: a scope that is
//! malformed, or that names no repository and actions the gate challenged
//! for, is refused with 403 and a body saying why. A token opens only what
//! it was granted; a cross-repository mount also needs `pull` on the
//! source, else the mount is dropped and the registry starts a plain
//! upload, as distribution does. Tokens are `tok-<random hex>`; the gate
//! records every token it issued, every scope asked for and every
//! `Authorization` value it was sent, for leak checks. With
//! `single_upload`, a token expires once it has carried one request with a
//! body (a blob PUT or PATCH), as a short-lived token would mid-push.

#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;

use super::registry::{header_of, Request};

/// The `service` the gate's challenges name and its token server wants.
pub const SERVICE: &str = "hoist-test";

/// `repository:<name>:<actions>`, the only scope type the gate knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub name: String,
    pub actions: Vec<String>,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        let (name, actions) = s.strip_prefix("repository:")?.rsplit_once(':')?;
        let actions: Vec<String> = actions.split(',').map(str::to_string).collect();
        let known = actions.iter().all(|a| a == "pull" || a == "push");
        (!name.is_empty() && known).then(|| Scope {
            name: name.to_string(),
            actions,
        })
    }

    fn new(name: &str, actions: &[&str]) -> Scope {
        Scope {
            name: name.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// Whether holding `self` grants everything `need` asks for.
    fn covers(&self, need: &Scope) -> bool {
        self.name == need.name && need.actions.iter().all(|a| self.actions.contains(a))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "repository:{}:{}", self.name, self.actions.join(","))
    }
}

/// What the gate saw and gave, shared by its connections.
#[derive(Default)]
struct Log {
    /// Issued tokens and what each was granted, in issue order.
    granted: Mutex<Vec<(String, Vec<Scope>)>>,
    expired: Mutex<HashSet<String>>,
    challenged: Mutex<Vec<Scope>>,
    requested: Mutex<Vec<String>>,
    authorizations: Mutex<Vec<String>>,
    tokens_issued: AtomicU64,
    expired_refused: AtomicU64,
    scopes_refused: AtomicU64,
    insufficient: AtomicU64,
}

struct Shared {
    me: String,
    upstream: String,
    /// The Authorization value `/token` wants.
    expected: String,
    single_upload: bool,
    log: Log,
}

pub struct BearerGate {
    pub addr: String,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

impl BearerGate {
    pub fn start(upstream: &str, user: &str, pass: &str) -> BearerGate {
        BearerGate::start_with(upstream, user, pass, false)
    }

    pub fn start_with(upstream: &str, user: &str, pass: &str, single_upload: bool) -> BearerGate {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind gate");
        let addr = listener.local_addr().expect("addr").to_string();
        let shared = Arc::new(Shared {
            me: addr.clone(),
            upstream: upstream.to_string(),
            expected: basic(user, pass),
            single_upload,
            log: Log::default(),
        });
        let gate = BearerGate {
            addr,
            shared: shared.clone(),
            stop: Arc::default(),
        };
        let stop = gate.stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(c) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(c, &shared);
                });
            }
        });
        gate
    }

    pub fn tokens_issued(&self) -> u64 {
        self.shared.log.tokens_issued.load(Ordering::SeqCst)
    }

    /// 401s answered to requests that carried an expired token.
    pub fn expired_refused(&self) -> u64 {
        self.shared.log.expired_refused.load(Ordering::SeqCst)
    }

    /// Token requests refused for the scope they asked for.
    pub fn scopes_refused(&self) -> u64 {
        self.shared.log.scopes_refused.load(Ordering::SeqCst)
    }

    /// Requests refused because their token did not cover them.
    pub fn insufficient(&self) -> u64 {
        self.shared.log.insufficient.load(Ordering::SeqCst)
    }

    /// Every token issued, in order.
    pub fn issued(&self) -> Vec<String> {
        let granted = self.shared.log.granted.lock().expect("lock");
        granted.iter().map(|(t, _)| t.clone()).collect()
    }

    /// Every scope asked of `/token`, one per entry.
    pub fn requested_scopes(&self) -> Vec<String> {
        self.shared.log.requested.lock().expect("lock").clone()
    }

    /// Every distinct `Authorization` value sent to the gate.
    pub fn authorizations(&self) -> Vec<String> {
        self.shared.log.authorizations.lock().expect("lock").clone()
    }

    /// Everything secret a client of the gate held or sent: the issued
    /// tokens and the `Authorization` values (and their credentials).
    pub fn secrets(&self) -> Vec<String> {
        let mut all = self.issued();
        all.extend(super::leaks::authorization_secrets(&self.authorizations()));
        all
    }
}

impl Drop for BearerGate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

/// `Basic base64(user:pass)`.
pub fn basic(user: &str, pass: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!("Basic {b64}")
}

/// The repository a registry API request names, with the actions it needs.
fn needed(method: &str, path: &str) -> Option<Scope> {
    let p = path.split('?').next()?.strip_prefix("/v2/")?;
    let end = ["/manifests/", "/blobs/", "/tags/"]
        .iter()
        .filter_map(|m| p.find(m))
        .min()?;
    let actions: &[&str] = if matches!(method, "GET" | "HEAD") {
        &["pull"]
    } else {
        &["pull", "push"]
    };
    Some(Scope::new(&p[..end], actions))
}

/// The query parameters of `path`, percent-decoded.
fn query(path: &str) -> Vec<(String, String)> {
    let Some((_, q)) = path.split_once('?') else {
        return Vec::new();
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%' && i + 2 < b.len())
            .then(|| std::str::from_utf8(&b[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (_, Some(h)) => {
                out.push(h);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (c, None) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(client: TcpStream, g: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    while let Some(req) = Request::read(&mut reader)? {
        let mut words = req.request_line.split_whitespace();
        let method = words.next().unwrap_or("").to_string();
        let path = words.next().unwrap_or("/").to_string();
        let auth = header_of(&req.head, "authorization");
        if let Some(a) = &auth {
            let mut seen = g.log.authorizations.lock().expect("lock");
            if !seen.contains(a) {
                seen.push(a.clone());
            }
        }
        if path.starts_with("/token") {
            answer_token(&mut writer, g, &path, auth.as_deref())?;
            continue;
        }
        let need = needed(&method, &path);
        let granted = match admit(g, auth.as_deref(), need.as_ref(), !req.body.is_empty()) {
            Ok(granted) => granted,
            Err(challenge) => {
                write!(writer, "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: {challenge}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}")?;
                continue;
            }
        };
        let request_line = without_unauthorized_mount(&req.request_line, &method, &path, &granted);
        forward(writer, &g.upstream, &request_line, &req.head, &req.body)?;
        return Ok(());
    }
    Ok(())
}

/// The granted scopes of the live token in `auth` when they cover `need`;
/// else the challenge to answer with (naming what `need` asks for).
fn admit(
    g: &Shared,
    auth: Option<&str>,
    need: Option<&Scope>,
    has_body: bool,
) -> Result<Vec<Scope>, String> {
    let mut challenge = format!(
        "Bearer realm=\"http://{}/token\",service=\"{SERVICE}\"",
        g.me
    );
    if let Some(n) = need {
        challenge.push_str(&format!(",scope=\"{n}\""));
        let mut challenged = g.log.challenged.lock().expect("lock");
        if !challenged.contains(n) {
            challenged.push(n.clone());
        }
    }
    let token = auth.and_then(|a| a.strip_prefix("Bearer "));
    let granted = token.and_then(|t| {
        let all = g.log.granted.lock().expect("lock");
        all.iter().find(|(k, _)| k == t).map(|(_, s)| s.clone())
    });
    let (Some(token), Some(granted)) = (token, granted) else {
        return Err(challenge);
    };
    {
        let mut dead = g.log.expired.lock().expect("lock");
        if dead.contains(token) {
            g.log.expired_refused.fetch_add(1, Ordering::SeqCst);
            return Err(challenge);
        }
        if g.single_upload && has_body {
            dead.insert(token.to_string());
        }
    }
    if need.is_some_and(|n| !granted.iter().any(|s| s.covers(n))) {
        g.log.insufficient.fetch_add(1, Ordering::SeqCst);
        return Err(format!("{challenge},error=\"insufficient_scope\""));
    }
    Ok(granted)
}

/// A mount (`POST …/blobs/uploads/?mount=…&from=<repo>`) whose token has
/// no `pull` on `<repo>` becomes a plain upload start.
fn without_unauthorized_mount(line: &str, method: &str, path: &str, granted: &[Scope]) -> String {
    let from = query(path).into_iter().find(|(k, _)| k == "from");
    match from {
        Some((_, from))
            if method == "POST"
                && !granted
                    .iter()
                    .any(|s| s.covers(&Scope::new(&from, &["pull"]))) =>
        {
            let bare = path.split('?').next().unwrap_or(path);
            line.replacen(path, bare, 1)
        }
        _ => line.to_string(),
    }
}

/// `/token`: Basic credentials, `service` and `scope` checked; a token for
/// the scopes asked, or 401/400/403 with a body saying why not.
fn answer_token(
    w: &mut TcpStream,
    g: &Shared,
    path: &str,
    auth: Option<&str>,
) -> std::io::Result<()> {
    if auth != Some(g.expected.as_str()) {
        return refuse(w, 401, "UNAUTHORIZED", "wrong user name or password".into());
    }
    let params = query(path);
    let service = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v);
    if service.map(String::as_str) != Some(SERVICE) {
        let why = format!("service must be `{SERVICE}` (from the challenge), got {service:?}");
        return refuse(w, 400, "UNSUPPORTED", why);
    }
    let asked: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').filter(|s| !s.is_empty()).map(str::to_string))
        .collect();
    g.log
        .requested
        .lock()
        .expect("lock")
        .extend(asked.iter().cloned());
    let mut scopes = Vec::new();
    for s in &asked {
        let Some(scope) = Scope::parse(s) else {
            g.log.scopes_refused.fetch_add(1, Ordering::SeqCst);
            let why = format!("scope `{s}` is not repository:<name>:<pull|push,…>");
            return refuse(w, 403, "DENIED", why);
        };
        scopes.push(scope);
    }
    let challenged = g.log.challenged.lock().expect("lock").clone();
    if !scopes
        .iter()
        .any(|s| challenged.iter().any(|c| s.covers(c)))
    {
        g.log.scopes_refused.fetch_add(1, Ordering::SeqCst);
        let wanted: Vec<String> = challenged.iter().map(Scope::to_string).collect();
        let why = format!(
            "scope `{}` names no repository with the actions this registry asked for ({})",
            asked.join(" "),
            wanted.join(" ")
        );
        return refuse(w, 403, "DENIED", why);
    }
    let token = super::leaks::distinctive("tok");
    g.log
        .granted
        .lock()
        .expect("lock")
        .push((token.clone(), scopes));
    g.log.tokens_issued.fetch_add(1, Ordering::SeqCst);
    let doc = format!("{{\"token\":\"{token}\"}}");
    write!(
        w,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{doc}",
        doc.len()
    )
}

fn refuse(w: &mut TcpStream, status: u16, code: &str, why: String) -> std::io::Result<()> {
    let body = serde_json::json!({"errors": [{"code": code, "message": why}]}).to_string();
    write!(
        w,
        "HTTP/1.1 {status} Refused\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Pass one request on with `Connection: close` (and without its
/// Authorization) and hand the answer back whole.
fn forward(
    mut writer: TcpStream,
    upstream: &str,
    request_line: &str,
    head: &[String],
    body: &[u8],
) -> std::io::Result<()> {
    let mut up = TcpStream::connect(upstream)?;
    let mut out = format!("{request_line}\r\n");
    for h in head.iter().skip(1) {
        let k = h.split(':').next().unwrap_or("").trim();
        if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    up.write_all(out.as_bytes())?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    writer.write_all(&resp)?;
    let _ = writer.shutdown(Shutdown::Both);
    Ok(())
}

/// One request to `addr`: the status, the head lines and the body
/// (`Content-Length` bytes) of the answer.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<String>, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    s.write_all(out.as_bytes()).expect("send");
    let mut reader = BufReader::new(s);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut reader, &mut line).expect("read") == 0 || line == "\r\n"
        {
            break;
        }
        head.push(line.trim_end().to_string());
    }
    let len: usize = header_of(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).expect("read body");
    let status = head
        .first()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, String::from_utf8_lossy(&body).into_owned())
}
