//! Where the S3 store's credentials come from (hoist's own settings before
//! the ambient AWS chain), named for messages without ever showing them,
//! and the HTTP client handed to the SDK.

use super::*;
use crate::env::Env;

/// Where the credentials came from, for messages (never the keys).
#[derive(Debug, Clone)]
pub(super) struct CredSource(pub(super) String);

/// Resolve credentials, first match wins:
/// `--profile`, `HOIST_S3_ACCESS_KEY_ID`/`HOIST_S3_SECRET_ACCESS_KEY`,
/// `hoist login s3` (HOIST_S3_TOKEN, keyring, file), `storage.s3.profile`,
/// then the standard AWS chain (`None`).
pub(super) fn resolve_credentials(
    cfg: &S3Config,
    opts: &OpenOptions,
    http: &aws_sdk_s3::config::SharedHttpClient,
    vars: &Env,
) -> anyhow::Result<(Option<SharedCredentialsProvider>, CredSource)> {
    let profile = |name: &str| {
        let pc = aws_config::provider_config::ProviderConfig::without_region()
            .with_http_client(http.clone());
        SharedCredentialsProvider::new(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(&pc)
                .profile_name(name)
                .build(),
        )
    };
    if let Some(p) = &opts.profile {
        return Ok((
            Some(profile(p)),
            CredSource(format!("AWS profile `{p}` (--profile)")),
        ));
    }
    let env = |k: &str| vars.non_empty(k);
    match (
        env("HOIST_S3_ACCESS_KEY_ID"),
        env("HOIST_S3_SECRET_ACCESS_KEY"),
    ) {
        (Some(ak), Some(sk)) => {
            let creds = Credentials::new(ak, sk, env("HOIST_S3_SESSION_TOKEN"), None, "hoist-env");
            return Ok((
                Some(SharedCredentialsProvider::new(creds)),
                CredSource(
                    "environment variables HOIST_S3_ACCESS_KEY_ID/HOIST_S3_SECRET_ACCESS_KEY"
                        .into(),
                ),
            ));
        }
        (Some(_), None) | (None, Some(_)) => return Err(StoreError::HalfCredentials.into()),
        (None, None) => {}
    }
    if let Some((secret, source)) = crate::auth::token(vars, "s3")? {
        match parse_token(secret.expose()) {
            Some((ak, sk, token)) => {
                let creds = Credentials::new(ak, sk, token, None, "hoist-login");
                return Ok((
                    Some(SharedCredentialsProvider::new(creds)),
                    CredSource(format!("`hoist login s3` ({source})")),
                ));
            }
            // HOIST_TOKEN is shared by every target; it may be another's.
            None if source == crate::auth::Source::Env("HOIST_TOKEN".into()) => {}
            None => {
                return Err(StoreError::CredentialForm {
                    from: source.to_string(),
                }
                .into())
            }
        }
    }
    if let Some(p) = &cfg.profile {
        return Ok((
            Some(profile(p)),
            CredSource(format!("AWS profile `{p}` (storage.s3.profile)")),
        ));
    }
    Ok((
        None,
        CredSource(
            "the standard AWS chain (AWS_* variables, ~/.aws files, web identity, ECS/EC2)".into(),
        ),
    ))
}

/// `ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]`.
pub fn parse_token(t: &str) -> Option<(String, String, Option<String>)> {
    let mut it = t.trim().splitn(3, ':');
    let ak = it.next()?.trim();
    let sk = it.next()?.trim();
    let token = it
        .next()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    (!ak.is_empty() && !sk.is_empty()).then(|| (ak.to_string(), sk.to_string(), token))
}

/// The HTTP client handed to the SDK: hyper + rustls (ring) with the
/// system's root certificates (rustls-native-certs, which honours
/// SSL_CERT_FILE and SSL_CERT_DIR). AWS_CA_BUNDLE is not read: the Rust SDK
/// does not support it, and it must not break anything when set. When no
/// root certificate can be loaded (a broken SSL_CERT_FILE), https endpoints
/// fail to verify, with an error, rather than the client refusing to start.
pub(super) fn http_client(printer: &dyn Reporter) -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let native = rustls_native_certs::load_native_certs();
    let trust = if native.certs.is_empty() {
        printer.detail(&format!(
            "no system root certificates found ({} errors); https endpoints will not verify",
            native.errors.len()
        ));
        tls::TrustStore::empty().with_native_roots(false)
    } else {
        tls::TrustStore::default()
    };
    let ctx = match tls::TlsContext::builder().with_trust_store(trust).build() {
        Ok(ctx) => ctx,
        Err(e) => {
            printer.warn(&format!(
                "cannot set up TLS with the system's root certificates ({e}); using the built-in defaults"
            ));
            tls::TlsContext::default()
        }
    };
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(ctx)
        .build_https()
}
