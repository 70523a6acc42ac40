//! When and how long to wait before sending a request again: which answers
//! are worth a retry, jittered exponential backoff, and `Retry-After`.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// Whether an answer with `status` may succeed if sent again: 408, 429 and
/// every 5xx.
pub(crate) fn transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// Pause before attempt `n` (1-based): the base (200 ms, or what
/// [`set_base_ms`] set) doubling per attempt, at most 5 s, with up to a
/// quarter of it added at random so that many clients do not retry in step.
pub(crate) fn backoff(n: u32) -> Duration {
    let ms = (base_ms() << n.min(5)).min(5000);
    Duration::from_millis(ms + jitter(ms / 4))
}

/// The first pause when nothing else was set: 200 ms.
pub const DEFAULT_BASE_MS: u64 = 200;

static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// Set the first pause for this process (the binary does, from
/// `HOIST_RETRY_BASE_MS`, which tests shorten); only the first call counts.
pub fn set_base_ms(ms: u64) {
    if BASE.set(ms).is_err() {
        debug_assert!(false, "the retry base is set once, at start");
    }
}

fn base_ms() -> u64 {
    *BASE.get_or_init(|| DEFAULT_BASE_MS)
}

/// A number in `0..=max` that differs between calls and processes.
fn jitter(max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    random() % (max + 1)
}

/// A number that differs between calls and processes (not for secrets).
pub(crate) fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// The server's `Retry-After` in seconds, capped at 30 s.
pub(crate) fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let secs: u64 = h
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(30)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        assert!(backoff(1) >= Duration::from_millis(400));
        assert!(backoff(1) <= Duration::from_millis(500));
        assert!(backoff(9) <= Duration::from_millis(6250));
        assert!(transient(StatusCode::REQUEST_TIMEOUT));
        assert!(transient(StatusCode::BAD_GATEWAY));
        assert!(!transient(StatusCode::CONFLICT));
    }
}
