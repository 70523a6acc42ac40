//! The S3-compatible store (AWS S3, Cloudflare R2, MinIO, ...) through the
//! AWS SDK: credential resolution (hoist's own settings before the ambient
//! AWS chain), the client (rustls, our own HTTP connector, a tokio runtime
//! owned by the store so commands stay synchronous), create-only writes
//! (`If-None-Match: *`, with a HEAD check where a server lacks it), streamed
//! multipart uploads with bounded concurrency, per-part retries and abort on
//! failure or Ctrl-C, and S3 errors turned into messages with hints. No
//! secret key ever reaches a message: errors name where credentials came
//! from, never what they are.

mod credentials;
mod errors;
mod multipart;
mod tuning;
mod uploads;

pub use credentials::parse_token;
use credentials::*;
use errors::*;
pub(crate) use tuning::Tuning;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::report::Progress;
use anyhow::Context;
use aws_sdk_s3::config::{
    retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Credentials, Region,
    SharedCredentialsProvider,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;

use super::{Created, ObjectInfo, OpenOptions, Store, StoreError, Uploaded};
use crate::config::schema::S3Config;
use crate::env::Env;
use crate::error::UserError;
use crate::report::Reporter;

const MIB: u64 = 1024 * 1024;
/// S3's smallest part (all but the last) and largest part count.
const MIN_PART: u64 = 5 * MIB;
const MAX_PARTS: u64 = 10_000;

/// What every request needs; shared with the part-upload tasks.
struct Ctx {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    endpoint: String,
    creds: CredSource,
    tuning: Tuning,
    /// Cleared when the server answers 501 to `If-None-Match`.
    conditional: AtomicBool,
    printer: Arc<dyn Reporter>,
    /// Where hoist records its multipart uploads until they complete or
    /// are aborted (`.hoist/uploads/`); `None` outside a project.
    journal: Option<PathBuf>,
}

pub struct S3Store {
    ctx: Arc<Ctx>,
    /// AWS S3 itself (no custom endpoint): its `If-None-Match` is atomic.
    atomic_conditional: bool,
}

impl S3Store {
    /// Build the client from `storage.s3` and the environment. Nothing is
    /// sent until the first operation.
    pub async fn connect(
        cfg: &S3Config,
        opts: &OpenOptions,
        printer: &dyn Reporter,
        env: &Env,
    ) -> anyhow::Result<Self> {
        let http = http_client(printer);
        let (creds, source) = resolve_credentials(cfg, opts, &http, env)?;
        let endpoint_env = env
            .non_empty("AWS_ENDPOINT_URL_S3")
            .or_else(|| env.non_empty("AWS_ENDPOINT_URL"));
        let endpoint = cfg.endpoint.clone().or(endpoint_env);
        let tuning = Tuning::from_env(env, endpoint.as_deref())?;

        let profile_name = opts.profile.clone().or_else(|| cfg.profile.clone());
        let sdk = async {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .http_client(http.clone())
                .retry_config(RetryConfig::standard().with_max_attempts(3))
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(Duration::from_secs(10))
                        .build(),
                );
            if let Some(p) = &profile_name {
                loader = loader.profile_name(p);
            }
            loader = match &cfg.region {
                Some(r) => loader.region(Region::new(r.clone())),
                None => {
                    let mut profile_region =
                        aws_config::profile::ProfileFileRegionProvider::builder();
                    if let Some(p) = &profile_name {
                        profile_region = profile_region.profile_name(p);
                    }
                    loader.region(
                        aws_config::meta::region::RegionProviderChain::first_try(
                            aws_config::environment::EnvironmentVariableRegionProvider::new(),
                        )
                        .or_else(profile_region.build())
                        .or_else(Region::new("us-east-1")),
                    )
                }
            };
            if let Some(c) = creds {
                loader = loader.credentials_provider(c);
            }
            loader.load().await
        }
        .await;
        let mut b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(cfg.path_style);
        if let Some(ep) = &cfg.endpoint {
            b = b.endpoint_url(ep);
        }
        let client = aws_sdk_s3::Client::from_conf(b.build());
        let atomic_conditional = endpoint.is_none();
        let endpoint_label = endpoint.unwrap_or_else(|| {
            format!(
                "AWS S3 ({})",
                sdk.region()
                    .map_or_else(|| "no region".to_string(), |r| r.to_string())
            )
        });
        let prefix = normalize_prefix(cfg.prefix.as_deref());
        printer.detail(&format!(
            "store: s3://{}/{prefix} at {endpoint_label}, path-style {}, credentials from {}",
            cfg.bucket, cfg.path_style, source.0
        ));
        printer.detail(&format!(
            "store: multipart above {} MiB, {} MiB parts, {} in flight, {} attempts per part, payload {}",
            tuning.threshold / MIB,
            tuning.part_size / MIB,
            tuning.concurrency,
            tuning.part_attempts,
            if tuning.sign_payload { "signed" } else { "unsigned (TLS or loopback)" }
        ));
        let store = S3Store {
            ctx: Arc::new(Ctx {
                client,
                bucket: cfg.bucket.clone(),
                prefix,
                endpoint: endpoint_label,
                creds: source,
                tuning,
                conditional: AtomicBool::new(true),
                printer: printer.share(),
                journal: None,
            }),
            atomic_conditional,
        };
        store.ctx.check_bucket().await?;
        Ok(store)
    }
}

impl S3Store {
    /// Record multipart uploads under `dir` (see `uploads`).
    pub(crate) fn with_journal(mut self, dir: PathBuf) -> Self {
        crate::fsx::clean_temps(&dir);
        if let Some(ctx) = Arc::get_mut(&mut self.ctx) {
            ctx.journal = Some(dir);
        }
        self
    }
}

/// `hoist/` from `hoist`, `/hoist/` or `hoist/`; empty stays empty.
fn normalize_prefix(p: Option<&str>) -> String {
    let p = p.unwrap_or("").trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

impl Ctx {
    /// Fail early, with a clear message, when the bucket does not exist:
    /// some servers (s3s-fs) would otherwise create it on the first PUT.
    /// Only a 404 counts; a 403 (credentials limited to a prefix, or wrong)
    /// is left to the real operation, whose error body says which.
    async fn check_bucket(&self) -> anyhow::Result<()> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) => match classify(&e) {
                Class::NotFound | Class::NoBucket => Err(StoreError::NoBucket {
                    bucket: self.bucket.clone(),
                    endpoint: self.endpoint.clone(),
                    detail: None,
                }
                .into()),
                Class::Unreachable => {
                    Err(self.error(&format!("check bucket `{}`", self.bucket), &e))
                }
                _ => Ok(()),
            },
        }
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.full(key))
    }

    fn log(&self, bar: &Progress, msg: String) {
        if bar.is_hidden() {
            self.printer.detail(&msg);
        } else {
            bar.suspend(|| self.printer.detail(&msg));
        }
    }

    /// Turn an SDK error into a message with a hint; `what` says what was
    /// being done (e.g. "upload s3://b/k").
    fn error<E>(
        &self,
        what: &str,
        err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().unwrap_or("");
        let msg = err.message().unwrap_or("");
        let detail = if !code.is_empty() {
            if msg.is_empty() {
                code.to_string()
            } else {
                format!("{code}: {msg}")
            }
        } else if let Some(s) = status {
            format!("HTTP {s}")
        } else {
            root_cause(err)
        };
        let what = what.to_string();
        let e = match classify(err) {
            Class::Unreachable => StoreError::S3Unreachable {
                endpoint: self.endpoint.clone(),
                what,
                detail,
            },
            Class::Auth => StoreError::S3Refused {
                what,
                detail,
                credentials: self.creds.0.clone(),
            },
            Class::Denied => StoreError::S3Denied {
                what,
                detail,
                credentials: self.creds.0.clone(),
                bucket: self.bucket.clone(),
            },
            Class::NoBucket => StoreError::NoBucket {
                bucket: self.bucket.clone(),
                endpoint: self.endpoint.clone(),
                detail: Some(detail),
            },
            Class::Redirect => StoreError::S3Redirect { what, detail },
            Class::Transient => StoreError::S3Transient {
                what,
                detail,
                endpoint: self.endpoint.clone(),
            },
            _ => StoreError::S3Failed { what, detail },
        };
        e.into()
    }
}

/// base64 CRC32C of `data`, as S3's `x-amz-checksum-crc32c` wants it.
fn crc32c_b64(data: &[u8]) -> String {
    let mut c = aws_smithy_checksums::ChecksumAlgorithm::Crc32c.into_impl();
    c.update(data);
    // A base64 header value is always visible ASCII.
    String::from_utf8_lossy(c.header_value().as_bytes()).into_owned()
}

/// The retry config for one attempt only (our part loop retries).
fn one_attempt() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::default().retry_config(RetryConfig::disabled())
}

impl Ctx {
    /// Create-only PUT of an in-memory object, with the server's conditional
    /// write when it has one and a HEAD check otherwise.
    async fn put_bytes(
        &self,
        key: &str,
        data: Bytes,
        create_only: bool,
        sha256: Option<&str>,
        unsigned: bool,
    ) -> anyhow::Result<Created> {
        let full = self.full(key);
        let what = format!("write {}", self.url(key));
        loop {
            let conditional = create_only && self.conditional.load(Ordering::Relaxed);
            if create_only && !conditional && self.head(key).await?.is_some() {
                return Ok(Created::AlreadyExists);
            }
            let mut req = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&full)
                .content_type(content_type(key))
                .body(ByteStream::from(data.clone()));
            // Archives carry their CRC32C and sha256. Small JSON documents
            // (manifests, indexes) carry no stored checksum: on a server
            // whose conditional write is not atomic, two racing writes can
            // leave one's bytes with the other's checksum, which would make
            // the object unreadable for every client; the JSON is checked
            // by parsing and the archive by its sha256 instead.
            let small_json = sha256.is_none();
            if let Some(s) = sha256 {
                req = req
                    .checksum_crc32_c(crc32c_b64(&data))
                    .metadata("sha256", s);
            }
            if conditional {
                req = req.if_none_match("*");
            }
            let mut req = req.customize();
            if small_json {
                req = req.config_override(
                    aws_sdk_s3::config::Builder::default().request_checksum_calculation(
                        aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
                    ),
                );
            }
            let res = if unsigned {
                req.disable_payload_signing().send().await
            } else {
                req.send().await
            };
            return match res {
                Ok(_) => Ok(Created::Created),
                Err(e) => match classify(&e) {
                    Class::Precondition if conditional => Ok(Created::AlreadyExists),
                    Class::NotImplemented if conditional => {
                        self.printer.detail(
                            "the server does not support If-None-Match; checking with HEAD instead",
                        );
                        self.conditional.store(false, Ordering::Relaxed);
                        continue;
                    }
                    _ => Err(self.error(&what, &e)),
                },
            };
        }
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<ObjectInfo>> {
        let res = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await;
        match res {
            Ok(out) => Ok(Some(ObjectInfo {
                key: key.to_string(),
                size: out.content_length().unwrap_or(0).max(0) as u64,
                sha256: out
                    .metadata()
                    .and_then(|m| m.get("sha256"))
                    .map(|s| s.to_ascii_lowercase()),
                modified: out
                    .last_modified()
                    .and_then(|t| std::time::SystemTime::try_from(*t).ok()),
            })),
            Err(e) if classify(&e) == Class::NotFound => Ok(None),
            Err(e) => Err(self.error(&format!("read {}", self.url(key)), &e)),
        }
    }
}

fn read_part(path: &Path, offset: u64, len: u64) -> anyhow::Result<Bytes> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf)
        .with_context(|| format!("cannot read {} at offset {offset}", path.display()))?;
    Ok(Bytes::from(buf))
}

fn content_type(key: &str) -> &'static str {
    if key.ends_with(".json") {
        "application/json"
    } else if key.ends_with(".tar.gz") {
        "application/gzip"
    } else {
        "application/octet-stream"
    }
}

#[async_trait::async_trait]
impl Store for S3Store {
    fn kind(&self) -> &'static str {
        "s3"
    }

    fn url(&self, key: &str) -> String {
        self.ctx.url(key)
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<ObjectInfo>> {
        self.ctx.head(key).await
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let ctx = &self.ctx;
        async {
            let res = ctx
                .client
                .get_object()
                .bucket(&ctx.bucket)
                .key(ctx.full(key))
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await;
            match res {
                Ok(out) => {
                    let body = out.body.collect().await.map_err(|e| {
                        anyhow::anyhow!("cannot read {}: {}", ctx.url(key), root_cause(&e))
                    })?;
                    Ok(Some(body.into_bytes().to_vec()))
                }
                Err(e) if classify(&e) == Class::NotFound => Ok(None),
                Err(e) => Err(ctx.error(&format!("read {}", ctx.url(key)), &e)),
            }
        }
        .await
    }

    async fn clean_uploads(&self, min_age: Duration) -> anyhow::Result<Vec<String>> {
        Ok(self.ctx.clean_uploads(min_age).await)
    }

    fn settle(&self) -> Option<Duration> {
        // Conditional writes are atomic on AWS S3; elsewhere (s3s-fs checks,
        // then writes) a racing write may land just after our read-back.
        (!self.atomic_conditional).then_some(Duration::from_millis(300))
    }

    async fn put(&self, key: &str, bytes: &[u8], create_only: bool) -> anyhow::Result<Created> {
        let data = Bytes::copy_from_slice(bytes);
        self.ctx
            .put_bytes(key, data, create_only, None, false)
            .await
    }

    async fn upload(
        &self,
        key: &str,
        path: &Path,
        sha256: &str,
        bar: &Progress,
    ) -> anyhow::Result<Uploaded> {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let ctx = Arc::clone(&self.ctx);
        async {
            if size > ctx.tuning.threshold {
                return ctx.multipart(key, path, size, sha256, bar).await;
            }
            let data = read_part(path, 0, size)?;
            let (digest, _) = super::sha256_reader(&data[..])?;
            if digest != sha256 {
                return Err(StoreError::BundleChanged {
                    path: path.to_path_buf(),
                    digest,
                    expected: sha256.to_string(),
                }
                .into());
            }
            let created = ctx
                .put_bytes(key, data, true, Some(sha256), !ctx.tuning.sign_payload)
                .await?;
            let bytes = if created == Created::Created {
                bar.inc(size);
                size
            } else {
                0
            };
            Ok(Uploaded {
                created,
                bytes,
                parts: 0,
                retries: 0,
            })
        }
        .await
    }

    async fn download(
        &self,
        key: &str,
        out: &mut (dyn Write + Send),
        bar: &Progress,
    ) -> anyhow::Result<u64> {
        let ctx = &self.ctx;
        async {
            let res = ctx
                .client
                .get_object()
                .bucket(&ctx.bucket)
                .key(ctx.full(key))
                .checksum_mode(ChecksumMode::Enabled)
                .send()
                .await;
            let mut obj = match res {
                Ok(o) => o,
                Err(e) if classify(&e) == Class::NotFound => {
                    return Err(StoreError::ObjectGone { url: ctx.url(key) }.into())
                }
                Err(e) => return Err(ctx.error(&format!("download {}", ctx.url(key)), &e)),
            };
            let mut n = 0u64;
            loop {
                crate::interrupt::check()?;
                match obj.body.try_next().await {
                    Ok(Some(chunk)) => {
                        out.write_all(&chunk)?;
                        bar.inc(chunk.len() as u64);
                        n += chunk.len() as u64;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Err(StoreError::DownloadCut {
                            url: ctx.url(key),
                            bytes: n,
                            why: root_cause(&e),
                        }
                        .into())
                    }
                }
            }
            Ok(n)
        }
        .await
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<ObjectInfo>> {
        let ctx = &self.ctx;
        async {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let res = ctx
                    .client
                    .list_objects_v2()
                    .bucket(&ctx.bucket)
                    .prefix(ctx.full(prefix))
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(|e| ctx.error(&format!("list {}", ctx.url(prefix)), &e))?;
                for o in res.contents() {
                    let Some(k) = o.key() else { continue };
                    let Some(rel) = k.strip_prefix(&ctx.prefix) else {
                        continue;
                    };
                    out.push(ObjectInfo {
                        key: rel.to_string(),
                        size: o.size().unwrap_or(0).max(0) as u64,
                        sha256: None,
                        modified: o
                            .last_modified()
                            .and_then(|t| std::time::SystemTime::try_from(*t).ok()),
                    });
                }
                match res.next_continuation_token() {
                    Some(t) if res.is_truncated() == Some(true) => token = Some(t.to_string()),
                    _ => break,
                }
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        }
        .await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let ctx = &self.ctx;
        async {
            match ctx
                .client
                .delete_object()
                .bucket(&ctx.bucket)
                .key(ctx.full(key))
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if classify(&e) == Class::NotFound => Ok(()),
                Err(e) => Err(ctx.error(&format!("delete {}", ctx.url(key)), &e)),
            }
        }
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_key_id_colon_secret() {
        assert_eq!(parse_token("AK:SK"), Some(("AK".into(), "SK".into(), None)));
        assert_eq!(
            parse_token("AK:SK:TOK:EN\n"),
            Some(("AK".into(), "SK".into(), Some("TOK:EN".into())))
        );
        assert_eq!(parse_token("just-a-token"), None);
        assert_eq!(parse_token(":SK"), None);
    }

    #[test]
    fn payload_signing_is_skipped_only_when_protected() {
        assert!(tuning::payload_protected(None));
        assert!(tuning::payload_protected(Some("https://s3.example.com")));
        assert!(tuning::payload_protected(Some("http://127.0.0.1:9000")));
        assert!(tuning::payload_protected(Some("http://localhost:9000/")));
        assert!(tuning::payload_protected(Some("http://[::1]:9000")));
        assert!(!tuning::payload_protected(Some(
            "http://minio.internal:9000"
        )));
        assert!(!tuning::payload_protected(Some("http://10.0.0.5")));
    }

    #[test]
    fn prefixes_end_with_one_slash() {
        assert_eq!(normalize_prefix(None), "");
        assert_eq!(normalize_prefix(Some("/")), "");
        assert_eq!(normalize_prefix(Some("hoist")), "hoist/");
        assert_eq!(normalize_prefix(Some("/a/b/")), "a/b/");
    }

    #[test]
    fn crc32c_matches_the_reference() {
        // CRC32C("123456789") = 0xE3069283
        assert_eq!(crc32c_b64(b"123456789"), "4waSgw==");
    }
}
