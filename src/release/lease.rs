//! One release of a target at a time, across checkouts and machines: a
//! lease object `releases/lease/<target>` written create-only into the
//! artifact store every deploy and rollback of that target shares. The
//! holder deletes it when done; a holder that died leaves it, and the next
//! deploy takes it over when the holder's process is gone (same host) or
//! it is older than [`ABANDONED_AFTER`] (elsewhere). Others wait, saying
//! for whom, until it is free.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::record::host;
use crate::storage::{Created, Store};
use crate::targets::Reporter;

/// Key prefix of the leases.
pub const PREFIX: &str = "releases/lease/";

/// A lease held this long by another host is taken to be abandoned.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);

/// How long a deploy or rollback waits for the lease:
/// `HOIST_LEASE_WAIT_SECONDS`, default 15 minutes.
pub fn wait() -> Duration {
    std::env::var("HOIST_LEASE_WAIT_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(15 * 60), Duration::from_secs)
}

/// How often a waiting deploy looks again.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Holder {
    /// What holds it (`deploy`, `rollback`).
    command: String,
    host: String,
    pid: u32,
    /// Seconds since the epoch.
    since: u64,
    /// Unique to the holding process.
    token: String,
}

impl Holder {
    fn abandoned(&self) -> bool {
        if self.host == host() {
            return self.pid != std::process::id()
                && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists();
        }
        now_secs().saturating_sub(self.since) >= ABANDONED_AFTER.as_secs()
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A held lease; [`Lease::release`] gives it back (dropping it does too,
/// best effort).
pub struct Lease<'a> {
    store: &'a dyn Store,
    key: String,
    token: String,
    released: bool,
}

impl Lease<'_> {
    /// Delete the lease if it is still this process's.
    pub fn release(mut self) -> anyhow::Result<()> {
        self.released = true;
        self.give_back()
    }

    fn give_back(&self) -> anyhow::Result<()> {
        let ours = self
            .store
            .get(&self.key)?
            .and_then(|b| serde_json::from_slice::<Holder>(&b).ok())
            .is_some_and(|h| h.token == self.token);
        if ours {
            self.store.delete(&self.key)?;
        }
        Ok(())
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if !self.released {
            let _ = self.give_back();
        }
    }
}

/// Take the lease of `target` for `command`, waiting while another live
/// process holds it (at most `wait`; Ctrl-C stops the wait).
pub fn acquire<'a>(
    store: &'a dyn Store,
    target: &str,
    command: &str,
    wait: Duration,
    r: &dyn Reporter,
) -> anyhow::Result<Lease<'a>> {
    let key = format!("{PREFIX}{target}");
    let token = format!(
        "{}-{}-{}",
        host(),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let me = Holder {
        command: command.to_string(),
        host: host(),
        pid: std::process::id(),
        since: now_secs(),
        token: token.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&me)?;
    let started = Instant::now();
    let mut said = false;
    loop {
        crate::interrupt::check()?;
        if store.put(&key, &bytes, true)? == Created::Created {
            // A store without atomic create-only writes may let two in:
            // whoever's lease is there now holds it.
            let held = store
                .get(&key)?
                .and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
            if held.as_ref().is_some_and(|h| h.token == token) {
                return Ok(Lease {
                    store,
                    key,
                    token,
                    released: false,
                });
            }
            continue;
        }
        let holder = match store.get(&key)? {
            // Given back meanwhile: try again.
            None => continue,
            Some(b) => match serde_json::from_slice::<Holder>(&b) {
                Ok(h) => h,
                // Not a lease hoist wrote whole: replaced.
                Err(_) => {
                    store.delete(&key)?;
                    continue;
                }
            },
        };
        match holder {
            h if h.abandoned() => {
                // Delete only the lease judged abandoned, not one another
                // process took over meanwhile.
                let still = store
                    .get(&key)?
                    .and_then(|b| serde_json::from_slice::<Holder>(&b).ok())
                    .is_some_and(|now| now.token == h.token);
                if still {
                    r.step(
                        "Taking",
                        &format!(
                            "over the {target} lease of a {} that is gone (pid {} on {})",
                            h.command, h.pid, h.host
                        ),
                    );
                    store.delete(&key)?;
                }
                continue;
            }
            h => {
                if started.elapsed() >= wait {
                    return Err(crate::error::UserError::failure(format!(
                        "another {} (pid {} on {}) is releasing to {target}",
                        h.command, h.pid, h.host
                    ))
                    .with_hint(format!(
                        "run again when it is done; a lease whose process is gone is taken over (on another host after {} minutes)",
                        ABANDONED_AFTER.as_secs() / 60
                    ))
                    .into());
                }
                if !said {
                    r.step(
                        "Waiting",
                        &format!(
                            "for a {} releasing to {target} (pid {} on {})",
                            h.command, h.pid, h.host
                        ),
                    );
                    said = true;
                }
                std::thread::sleep(POLL);
            }
        }
    }
}
