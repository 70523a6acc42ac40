//! The OCI distribution protocol over reqwest: one [`Client`] per registry
//! host that authenticates on demand (anonymous, Basic, or the Bearer token
//! flow from a `WWW-Authenticate` challenge, tokens cached per scope), fetches
//! manifests and digest-verified blobs, and uploads blobs in a resumable loop
//! of its own: HEAD first, cross-repository mount when offered a source,
//! monolithic PUT for small blobs, PATCH chunks for large ones, and after a
//! cut connection or a 5xx it asks the registry how much it kept and goes on
//! from there (or starts the blob again when the registry forgot the upload).
//! Idempotent requests retry with backoff; uploads never go through a
//! generic retry wrapper.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::env::Env;
use crate::report::Progress;
use anyhow::Context;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{RequestBuilder, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::auth::{parse_challenge, Challenge, Credential, Creds};
pub(crate) use crate::http::redact::redact;
use crate::registry::RegistryError;

mod token;
mod upload;

/// Manifest media types hoist reads, most wanted first.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Blobs up to this size go up in one PUT; larger ones in PATCH chunks.
const MONOLITHIC_MAX: u64 = 8 * 1024 * 1024;
/// Size of one PATCH chunk.
const CHUNK: u64 = 16 * 1024 * 1024;
/// Attempts for one request or one blob before giving up.
const ATTEMPTS: u32 = 5;

/// The registry could not be reached at all (DNS, refused, TLS): callers
/// that can work without it (a build whose base is cached) look for this.
#[derive(Debug)]
pub(crate) struct Unreachable {
    pub(crate) registry: String,
    pub(crate) detail: String,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.detail)
    }
}

impl std::error::Error for Unreachable {}

/// Whether `err` says a registry could not be reached.
pub(crate) fn is_unreachable(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<Unreachable>())
}

/// What happened to one blob on push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upload {
    /// The repository already had it.
    Present,
    /// Mounted from another repository of the registry.
    Mounted,
    /// Uploaded; the number of blob bytes sent (retries included).
    Sent(u64),
}

/// A manifest or index as fetched.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub(crate) bytes: Vec<u8>,
    pub(crate) media_type: String,
    /// `sha256:` of `bytes`.
    pub(crate) digest: String,
}

#[derive(Debug, Clone)]
enum Scheme {
    Unknown,
    Anonymous,
    Basic,
    Bearer,
}

/// A Bearer token and when it stops being good (from `expires_in`, less a
/// margin), when the token server said.
struct Token {
    value: String,
    expires: Option<Instant>,
}

struct State {
    scheme: Scheme,
    tokens: HashMap<String, Token>,
}

/// A client for one registry host.
pub struct Client {
    http: reqwest::Client,
    /// The registry as users name it (`docker.io`, `127.0.0.1:5000`).
    pub(crate) registry: String,
    base: String,
    creds: Option<Creds>,
    state: Mutex<State>,
    /// Where chunked upload sessions are recorded (`.hoist/uploads`).
    /// Where chunked uploads are recorded, and who hears of a record
    /// that cannot be kept.
    journal: Option<(
        std::path::PathBuf,
        std::sync::Arc<dyn crate::report::Reporter>,
    )>,
}

fn backoff(n: u32) -> Duration {
    crate::http::retry::backoff(n)
}

fn transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

use crate::http::redact::describe;

impl Client {
    /// A client for `registry` (a name as in references). Plain HTTP when
    /// `insecure` or the host is loopback; `configured` is hoist.yaml's
    /// registry host (hoist's own token is only sent there).
    pub fn new(
        registry: &str,
        insecure: bool,
        configured: Option<&str>,
        env: &Env,
    ) -> anyhow::Result<Client> {
        let host = super::reference::api_host(registry);
        let scheme = if insecure || super::reference::is_loopback(host) {
            "http"
        } else {
            "https"
        };
        let creds = super::auth::lookup(env, registry, configured)?;
        let http = crate::http::builder()
            .read_timeout(Duration::from_secs(120))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Client {
            http,
            registry: registry.to_string(),
            base: format!("{scheme}://{host}"),
            creds,
            state: Mutex::new(State {
                scheme: Scheme::Unknown,
                tokens: HashMap::new(),
            }),
            journal: None,
        })
    }

    /// Record chunked upload sessions under `dir`, and resume the ones
    /// recorded there (see [`super::journal`]).
    pub(crate) fn with_upload_journal(
        mut self,
        dir: std::path::PathBuf,
        reporter: &dyn crate::report::Reporter,
    ) -> Client {
        crate::fsx::clean_temps(&dir);
        self.journal = Some((dir, reporter.share()));
        self
    }

    /// Use `creds` instead of the credentials found for the registry.
    pub(crate) fn with_creds(mut self, creds: Creds) -> Client {
        self.creds = Some(creds);
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resolve a `Location` header against the URL of the request that
    /// got it (RFC 3986 reference resolution).
    fn absolute(&self, request: &str, location: &str) -> String {
        reqwest::Url::parse(request)
            .or_else(|_| reqwest::Url::parse(&self.base))
            .and_then(|b| b.join(location))
            .map(String::from)
            .unwrap_or_else(|_| location.to_string())
    }

    /// Whether `url` is on the registry's own host (scheme, host and port):
    /// only there are credentials sent, wherever a `Location` points.
    fn is_registry_url(&self, url: &reqwest::Url) -> bool {
        reqwest::Url::parse(&self.base).is_ok_and(|b| {
            b.scheme() == url.scheme()
                && b.host_str() == url.host_str()
                && b.port_or_known_default() == url.port_or_known_default()
        })
    }

    fn unreachable(&self, e: &reqwest::Error) -> anyhow::Error {
        anyhow::Error::new(Unreachable {
            registry: self.registry.clone(),
            detail: describe(e),
        })
        .context(RegistryError::Unreachable {
            registry: self.registry.clone(),
            base: self.base.to_string(),
        })
    }

    fn unauthorized(&self, what: &str, status: StatusCode) -> anyhow::Error {
        let who = match &self.creds {
            Some(c) => match c.user() {
                Some(u) => format!("with user `{u}` from {}", c.source),
                None => format!("with the token from {}", c.source),
            },
            None => "without credentials (none found for this registry)".to_string(),
        };
        RegistryError::Unauthorized {
            registry: self.registry.clone(),
            what: what.to_string(),
            who,
            status: status.as_u16(),
        }
        .into()
    }

    /// Send a request built by `make`, authenticating on a 401 and, when
    /// `retry`, retrying connection failures, 5xx and 429 with backoff.
    async fn send(
        &self,
        scope: &str,
        retry: bool,
        make: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> anyhow::Result<Response> {
        let mut auth_tries = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = match make().build() {
                Ok(r) => r,
                Err(e) => return Err(self.unreachable(&e)),
            };
            let sent = if self.is_registry_url(req.url()) {
                self.auth_header(scope)
            } else {
                None
            };
            if let Some(v) = sent.as_deref().and_then(sensitive) {
                req.headers_mut().insert(AUTHORIZATION, v);
            }
            let resp = match self.http.execute(req).await {
                Ok(r) => r,
                Err(e) => {
                    if retry && attempt < ATTEMPTS && !e.is_connect() && !e.is_builder() {
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    return Err(self.unreachable(&e));
                }
            };
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && auth_tries < 2 {
                auth_tries += 1;
                if self.reauth(&resp, scope, &sent).await? {
                    attempt -= 1;
                    continue;
                }
            }
            if retry && transient(status) && attempt < ATTEMPTS {
                let wait = retry_after(resp.headers()).unwrap_or_else(|| backoff(attempt));
                tokio::time::sleep(wait).await;
                continue;
            }
            if matches!(
                self.state.lock().map(|s| s.scheme.clone()),
                Ok(Scheme::Unknown)
            ) && status != StatusCode::UNAUTHORIZED
            {
                if let Ok(mut st) = self.state.lock() {
                    st.scheme = Scheme::Anonymous;
                }
            }
            return Ok(resp);
        }
    }

    /// Check that the registry answers at all (any HTTP status will do).
    pub(crate) async fn ping(&self) -> anyhow::Result<()> {
        let url = self.url("/v2/");
        self.http
            .get(&url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        Ok(())
    }

    /// GET a manifest or index by tag or digest; the digest of the bytes is
    /// checked against a digest reference and the registry's header.
    pub(crate) async fn manifest(
        &self,
        repo: &str,
        reference: &str,
    ) -> anyhow::Result<Option<Fetched>> {
        let scope = format!("repository:{repo}:pull");
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let resp = self
            .send(&scope, true, &|| {
                self.http
                    .get(&url)
                    .header(ACCEPT, MANIFEST_ACCEPT)
                    .timeout(Duration::from_secs(60))
            })
            .await?;
        let status = resp.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.unauthorized(&format!("reading {repo}"), status));
        }
        if !status.is_success() {
            return Err(self
                .http_error(resp, &format!("reading {repo}:{reference}"))
                .await);
        }
        let media_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .map_or_else(String::new, |v| {
                v.split(';').next().unwrap_or(&v).trim().to_string()
            });
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.unreachable(&e))?
            .to_vec();
        let digest = crate::digest::Digest::of(&bytes).to_string();
        let expected = if reference.starts_with("sha256:") {
            Some(reference.to_string())
        } else {
            header_digest.filter(|d| d.starts_with("sha256:"))
        };
        if let Some(exp) = expected {
            if exp != digest {
                return Err(RegistryError::ManifestMismatch {
                    registry: self.registry.clone(),
                    repo: repo.to_string(),
                    expected: exp.to_string(),
                    digest: digest.to_string(),
                }
                .into());
            }
        }
        // Docker Hub and others may omit the type; the document names it.
        let media_type = if media_type.is_empty() || media_type == "application/json" {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("mediaType")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .unwrap_or(media_type)
        } else {
            media_type
        };
        Ok(Some(Fetched {
            bytes,
            media_type,
            digest,
        }))
    }

    async fn http_error(&self, resp: Response, what: &str) -> anyhow::Error {
        let status = resp.status();
        let body = match resp.text().await {
            Ok(b) => b,
            Err(e) => format!("(the body could not be read: {e})"),
        };
        let body: String = redact(&body).chars().take(300).collect();
        RegistryError::Status {
            registry: self.registry.clone(),
            status: status.as_u16(),
            what: what.to_string(),
            body: body.trim().to_string(),
        }
        .into()
    }

    /// Download blob `digest` of `repo` into `dest` (written beside it, then
    /// renamed), refusing content whose sha256 or size is not what was asked.
    pub(crate) async fn blob_to_file(
        &self,
        repo: &str,
        digest: &str,
        size: Option<u64>,
        dest: &Path,
        bar: &Progress,
    ) -> anyhow::Result<()> {
        let scope = format!("repository:{repo}:pull");
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let dir = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut resp = self.send(&scope, true, &|| self.http.get(&url)).await?;
            let status = resp.status();
            if status == StatusCode::NOT_FOUND {
                return Err(RegistryError::NoBlob {
                    registry: self.registry.clone(),
                    repo: repo.to_string(),
                    digest: digest.to_string(),
                }
                .into());
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(self.unauthorized(&format!("reading {repo}"), status));
            }
            if !status.is_success() {
                return Err(self.http_error(resp, &format!("fetching {digest}")).await);
            }
            let mut tmp = tempfile::Builder::new()
                .prefix(".partial-")
                .tempfile_in(dir)
                .with_context(|| format!("cannot create a file in {}", dir.display()))?;
            let mut hasher = Sha256::new();
            let mut got: u64 = 0;
            let mut cut = None;
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        hasher.update(&chunk);
                        got += chunk.len() as u64;
                        bar.inc(chunk.len() as u64);
                        tmp.write_all(&chunk)
                            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
                        if size.is_some_and(|s| got > s) {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        cut = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = cut {
                bar.set_position(0);
                if attempt < ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                return Err(self.unreachable(&e));
            }
            let actual = crate::digest::Digest::finish(hasher).to_string();
            if actual != digest || size.is_some_and(|s| s != got) {
                return Err(RegistryError::BlobMismatch {
                    registry: self.registry.clone(),
                    repo: repo.to_string(),
                    digest: digest.to_string(),
                    got,
                    actual,
                }
                .into());
            }
            tmp.as_file().sync_all().ok();
            tmp.persist(dest)
                .map_err(|e| e.error)
                .with_context(|| format!("cannot write {}", dest.display()))?;
            return Ok(());
        }
    }

    /// Whether `repo` already has blob `digest`.
    pub(crate) async fn has_blob(
        &self,
        repo: &str,
        digest: &str,
        scope: &str,
    ) -> anyhow::Result<bool> {
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let resp = self
            .send(scope, true, &|| {
                self.http.head(&url).timeout(Duration::from_secs(60))
            })
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                Err(self.unauthorized(&format!("access to {repo}"), s))
            }
            _ => Err(self.http_error(resp, &format!("checking {digest}")).await),
        }
    }

    /// PUT a manifest under `reference` (a tag or its digest).
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> anyhow::Result<()> {
        let scope = format!("repository:{repo}:pull,push");
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let body = bytes.to_vec();
        let resp = self
            .send(&scope, true, &|| {
                self.http
                    .put(&url)
                    .header(CONTENT_TYPE, media_type)
                    .body(body.clone())
                    .timeout(Duration::from_secs(60))
            })
            .await?;
        let s = resp.status();
        if s == StatusCode::CREATED || s.is_success() {
            return Ok(());
        }
        if s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN {
            return Err(self.unauthorized(&format!("pushing to {repo}"), s));
        }
        let err = self
            .http_error(resp, &format!("writing the manifest {repo}:{reference}"))
            .await;
        if s == StatusCode::BAD_REQUEST && blobs_in_doubt(&format!("{err}")) {
            return Err(err.context(BlobsInDoubt));
        }
        Err(err)
    }
}

/// A manifest PUT refused because the registry did not (yet) see one of
/// its blobs (`MANIFEST_BLOB_UNKNOWN`, `BLOB_UNKNOWN`, `DIGEST_INVALID`): as
/// happens while concurrent pushes of the same image commit the same blobs.
/// The caller checks the blobs again and retries the manifest once.
#[derive(Debug)]
pub(crate) struct BlobsInDoubt;

impl std::fmt::Display for BlobsInDoubt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the registry did not find every blob of the manifest")
    }
}

/// Whether a 400's text names a blob the registry did not find or verify.
fn blobs_in_doubt(text: &str) -> bool {
    ["MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN", "DIGEST_INVALID"]
        .iter()
        .any(|c| text.contains(c))
}

fn location(h: &HeaderMap) -> Option<String> {
    h.get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// How many bytes of an upload the registry holds, from a `Range: 0-N` (or
/// `bytes=0-N`) header: N + 1, except that `0-0` means none. docker-registry
/// answers `0-0` for an empty upload (and also for one of a single byte;
/// resuming that at 0 gets a 416, and hoist then starts a new session).
fn range_kept(h: &HeaderMap) -> Option<u64> {
    // A Range the registry garbles says nothing kept: the upload restarts.
    let v = String::from_utf8_lossy(h.get("range")?.as_bytes()).into_owned();
    let v = v.trim_start_matches("bytes=");
    let end: u64 = match v.split_once('-')?.1.trim().parse() {
        Ok(n) => n,
        Err(_) => return None,
    };
    Some(if end == 0 { 0 } else { end + 1 })
}

/// `Authorization: <auth>` as a header map, marked sensitive.
fn header_map(auth: &Option<String>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(v) = auth.as_deref().and_then(sensitive) {
        h.insert(AUTHORIZATION, v);
    }
    h
}

/// A header value that reqwest and its debug output treat as a secret.
fn sensitive(v: &str) -> Option<HeaderValue> {
    // A credential no header can hold is not sent (the 401 says so).
    let Ok(mut v) = HeaderValue::from_str(v) else {
        return None;
    };
    v.set_sensitive(true);
    Some(v)
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    crate::http::retry::retry_after(h)
}

/// `url` with `digest=<digest>` added to its query.
fn with_digest(url: &str, digest: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}digest={}", urlencode(digest))
}

fn read_range(file: &Path, offset: u64, len: u64) -> anyhow::Result<Vec<u8>> {
    let mut f =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(len)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", file.display()))?;
    if buf.len() as u64 != len {
        anyhow::bail!("{} is shorter than its descriptor says", file.display());
    }
    Ok(buf)
}

/// Percent-encode a query value.
pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_digest_helpers() {
        let mut h = HeaderMap::new();
        h.insert("range", HeaderValue::from_static("0-1023"));
        assert_eq!(range_kept(&h), Some(1024));
        h.insert("range", HeaderValue::from_static("0-0"));
        assert_eq!(range_kept(&h), Some(0));
        assert_eq!(
            with_digest("http://h/v2/r/blobs/uploads/u?_state=x", "sha256:ab"),
            "http://h/v2/r/blobs/uploads/u?_state=x&digest=sha256%3Aab"
        );
        // Jittered by up to a quarter.
        assert!((400..=500).contains(&(backoff(1).as_millis() as u64)));
        assert!((5000..=6250).contains(&(backoff(9).as_millis() as u64)));
    }

    #[test]
    fn redact_cuts_signed_urls_and_userinfo() {
        let text = "error sending request for url (https://bucket.s3.amazonaws.com/blobs/ab?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F&X-Amz-Security-Token=FQoGZX&X-Amz-Signature=deadbeef): connection reset";
        let r = redact(text);
        assert_eq!(
            r,
            "error sending request for url (https://bucket.s3.amazonaws.com/blobs/ab): connection reset"
        );
        assert_eq!(
            redact("GET http://alice:s3cret@127.0.0.1:5000/v2/ failed"),
            "GET http://127.0.0.1:5000/v2/ failed"
        );
        let body = "<CanonicalRequest>GET /x X-Amz-Security-Token=FQoGZX&amp;X-Amz-Signature=beef&amp;a=1</CanonicalRequest>";
        let r = redact(body);
        assert!(!r.contains("FQoGZX") && !r.contains("beef"), "{r}");
        assert!(r.contains("X-Amz-Security-Token=***"), "{r}");
        assert_eq!(redact("no url here"), "no url here");
    }

    #[test]
    fn locations_resolve_against_the_request_url() {
        let c = Client::new("127.0.0.1:5000", false, None, &crate::env::Env::default()).unwrap();
        let req = "http://127.0.0.1:5000/v2/app/blobs/uploads/";
        assert_eq!(
            c.absolute(req, "/v2/app/blobs/uploads/u1?_state=x"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=x"
        );
        // Relative to the request's directory, as RFC 3986 says.
        assert_eq!(
            c.absolute(req, "u2?_state=y"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/u2?_state=y"
        );
        assert_eq!(
            c.absolute(req, "https://cdn.example/up/1"),
            "https://cdn.example/up/1"
        );
        let on = |u: &str| c.is_registry_url(&reqwest::Url::parse(u).unwrap());
        assert!(on("http://127.0.0.1:5000/v2/x"));
        assert!(!on("http://127.0.0.1:5001/v2/x"));
        assert!(!on("https://cdn.example/up/1"));
    }
}
