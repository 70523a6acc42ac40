//! Ports for new workers. A port found by binding port 0 comes from the
//! kernel's ephemeral range, the range every outgoing connection on the
//! machine also takes its local port from (the backend's own readiness
//! checks and invocations among them); one could take the port between the
//! pick and the worker's listen, and the worker would fail its gate with
//! EADDRINUSE. Workers get ports from just below that range instead, in
//! turn from a random start, each checked free by a bind. When the range
//! leaves no room below it, the kernel picks (port 0), as before.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// At most this many ports below the ephemeral range are used.
const SPAN: u16 = 10_000;
/// No port below this one.
const FLOOR: u16 = 10_000;
/// Ports tried in turn before falling back to port 0.
const TRIES: u32 = 64;

/// The ports workers take in turn (`None` when there is no room), and
/// where the turn is.
struct Range {
    first: u16,
    len: u16,
}

static RANGE: OnceLock<Option<Range>> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Where the kernel's ephemeral range starts. Without the file (or with
/// one this code does not understand) the kernel keeps picking: `None`.
fn ephemeral_start() -> Option<u16> {
    let text = match std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range") {
        Ok(t) => t,
        Err(_) => return None,
    };
    let first = text.split_whitespace().next()?;
    first.parse::<u16>().ok() // silent: an unknown format leaves the pick to the kernel
}

/// The ports below the ephemeral range's start.
fn range() -> Option<&'static Range> {
    RANGE
        .get_or_init(|| {
            let lo = ephemeral_start()?;
            let first = lo.saturating_sub(SPAN).max(FLOOR);
            let len = lo.checked_sub(first).filter(|n| *n >= 1000)?;
            // Backends on one machine start their turns apart.
            let start = RandomState::new().build_hasher().finish();
            NEXT.store(start as u32, Ordering::Relaxed);
            Some(Range { first, len })
        })
        .as_ref()
}

/// A free loopback port for a new worker.
pub(super) fn pick() -> std::io::Result<u16> {
    if let Some(r) = range() {
        for _ in 0..TRIES {
            let n = NEXT.fetch_add(1, Ordering::Relaxed) % u32::from(r.len);
            let port = r.first + n as u16;
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Ok(port);
            }
        }
    }
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_from_below_the_ephemeral_range_in_turn() {
        let a = pick().unwrap();
        let b = pick().unwrap();
        assert_ne!(a, b);
        if let Some(r) = range() {
            for p in [a, b] {
                assert!((r.first..r.first + r.len).contains(&p), "{p}");
            }
        }
    }
}
