//! Upload tuning of the S3 store: multipart threshold, part size,
//! concurrency and attempts (measured defaults, `HOIST_S3_*` overrides),
//! and whether payloads are signed or sent as UNSIGNED-PAYLOAD.

use super::*;

/// Upload tuning; defaults measured against s3s-fs on 2 cores
/// (docs/benchmarks.md), overridable through `HOIST_S3_*` variables.
#[derive(Debug, Clone)]
pub(crate) struct Tuning {
    /// Archives larger than this go multipart.
    pub(crate) threshold: u64,
    pub(crate) part_size: u64,
    /// Parts in flight at once (each holds one part in memory).
    pub(crate) concurrency: usize,
    /// Attempts per part before the upload is aborted.
    pub(crate) part_attempts: u32,
    /// Sign payloads (SigV4 sha256 of the body) instead of UNSIGNED-PAYLOAD.
    pub(crate) sign_payload: bool,
}

fn env_u64(env: &Env, name: &str) -> anyhow::Result<Option<u64>> {
    match env.var(name) {
        Some(v) if !v.trim().is_empty() => v.trim().parse::<u64>().map(Some).map_err(|_| {
            StoreError::NotANumber {
                name: name.to_string(),
                value: v.clone(),
            }
            .into()
        }),
        _ => Ok(None),
    }
}

impl Tuning {
    pub(super) fn from_env(env: &Env, endpoint: Option<&str>) -> anyhow::Result<Tuning> {
        let part_size = env_u64(env, "HOIST_S3_PART_SIZE_MB")?.map_or(16 * MIB, |m| m * MIB);
        if part_size < MIN_PART {
            return Err(StoreError::PartTooSmall.into());
        }
        let threshold =
            env_u64(env, "HOIST_S3_MULTIPART_THRESHOLD_MB")?.map_or(part_size, |m| m * MIB);
        let concurrency = env_u64(env, "HOIST_S3_CONCURRENCY")?
            .unwrap_or(4)
            .clamp(1, 64) as usize;
        let part_attempts = env_u64(env, "HOIST_S3_PART_ATTEMPTS")?
            .unwrap_or(5)
            .clamp(1, 20) as u32;
        let sign_payload = match env.var("HOIST_S3_SIGN_PAYLOAD").as_deref() {
            Some("always") | Some("1") | Some("true") => true,
            Some("never") | Some("0") | Some("false") => false,
            Some("auto") | Some("") | None => !payload_protected(endpoint),
            Some(other) => {
                return Err(StoreError::SignPayload {
                    value: other.to_string(),
                }
                .into())
            }
        };
        Ok(Tuning {
            threshold,
            part_size,
            concurrency,
            part_attempts,
            sign_payload,
        })
    }
}

/// Whether the connection itself protects the payload, so that SigV4 need
/// not hash it: TLS (https, the default for AWS), or loopback.
pub(super) fn payload_protected(endpoint: Option<&str>) -> bool {
    let Some(ep) = endpoint else { return true };
    if ep.starts_with("https://") {
        return true;
    }
    let host = ep
        .strip_prefix("http://")
        .unwrap_or(ep)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
