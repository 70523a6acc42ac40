//! One release of a target at a time, across the checkouts and machines
//! that share an artifact store: a lease object `releases/lease/<target>`
//! written create-only into the store. The holder deletes it when done; a
//! holder that died leaves it, and the next deploy takes it over when the
//! holder's process is gone (same host and boot) or it is older than
//! [`ABANDONED_AFTER`] (elsewhere; long enough for any deploy). Only one
//! process can take over a given lease: it must first create a claim named
//! by that lease's token. Others wait, saying for whom, until it is free.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::record::host;
use crate::env::Env;
use crate::storage::{Created, Store};
use crate::targets::Reporter;

/// Key prefix of the leases.
pub(crate) const PREFIX: &str = "releases/lease/";

/// A lease held this long by another host is taken to be abandoned.
pub(crate) const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a deploy or rollback waits for the lease:
/// `HOIST_LEASE_WAIT_SECONDS`, default 15 minutes. A value that is not a
/// number of seconds is said through `warn` and the default applies.
pub fn wait_for(env: &Env, warn: impl Fn(String)) -> Duration {
    const DEFAULT: Duration = Duration::from_secs(15 * 60);
    let Some(v) = env.var_os("HOIST_LEASE_WAIT_SECONDS") else {
        return DEFAULT;
    };
    match v.to_str().map(|v| v.trim().parse::<u64>()) {
        Some(Ok(secs)) => Duration::from_secs(secs),
        _ => {
            warn(format!(
                "HOIST_LEASE_WAIT_SECONDS={} is not a number of seconds; waiting 15 minutes",
                v.to_string_lossy()
            ));
            DEFAULT
        }
    }
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
    /// The holder's host's boot (a pid means nothing after a reboot).
    #[serde(default)]
    boot: String,
}

/// This boot of this host (Linux). Empty where it cannot be read (other
/// systems): that turns the boot check off, and the pid check decides.
fn boot_id() -> String {
    match std::fs::read_to_string("/proc/sys/kernel/random/boot_id") {
        Ok(s) => s.trim().to_string(),
        Err(_) => String::new(),
    }
}

impl Holder {
    fn abandoned(&self, my_token: &str) -> bool {
        if self.host == host() {
            if !self.boot.is_empty() && self.boot != boot_id() {
                return true;
            }
            // Our own pid under another token: a process before us (in a
            // container, pids repeat).
            if self.pid == std::process::id() {
                return self.token != my_token;
            }
            return !crate::leftovers::alive(self.pid);
        }
        now_secs().saturating_sub(self.since) >= ABANDONED_AFTER.as_secs()
    }
}

/// A key-safe form of a lease token.
fn hex_of(token: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(token.as_bytes())[..16])
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A held lease. [`Lease::release`] gives it back; the command that took
/// it calls that on every way out, failures included. A lease dropped
/// without it (a panic) is said to be left, for the next deploy to take
/// over once this process is gone.
pub struct Lease<'a> {
    store: &'a dyn Store,
    /// Where a lease that could not be given back is said.
    r: &'a dyn Reporter,
    key: String,
    token: String,
    released: bool,
}

impl Lease<'_> {
    /// Give the lease back; a lease that could not be is said, not
    /// returned: the command's own outcome stands.
    pub async fn release(mut self) {
        self.released = true;
        if let Err(e) = self.give_back().await {
            self.r.warn(&format!(
                "the lease {} was not given back ({e:#}); {LEFT}",
                self.key
            ));
        }
    }

    async fn give_back(&self) -> anyhow::Result<()> {
        // A lease that does not decode is not this process's (hoist
        // writes it whole), and is left to the next taker to replace.
        let ours = self.store.get(&self.key).await?.is_some_and(|b| {
            serde_json::from_slice::<Holder>(&b).is_ok_and(|h| h.token == self.token)
        });
        if ours {
            self.store.delete(&self.key).await?;
        }
        Ok(())
    }
}

/// What happens to a lease that was not given back.
const LEFT: &str = "the next deploy takes it over once this process is gone";

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if !self.released {
            self.r
                .warn(&format!("the lease {} was left held; {LEFT}", self.key));
        }
    }
}

/// Delete a takeover claim; one that cannot be deleted is reported (a
/// claim left there is dropped as stale after a minute).
async fn drop_claim(store: &dyn Store, claim: &str, r: &dyn Reporter) {
    if let Err(e) = store.delete(claim).await {
        r.warn(&format!(
            "cannot delete the lease takeover claim {claim} ({e:#}); it is dropped after a minute"
        ));
    }
}

/// Take the lease of `target` for `command`, waiting while another live
/// process holds it (at most `wait`; Ctrl-C stops the wait).
pub async fn acquire<'a>(
    store: &'a dyn Store,
    target: &str,
    command: &str,
    wait: Duration,
    r: &'a dyn Reporter,
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
    let started = Instant::now();
    let mut said = false;
    loop {
        crate::interrupt::check()?;
        let me = Holder {
            command: command.to_string(),
            host: host(),
            pid: std::process::id(),
            since: now_secs(),
            token: token.clone(),
            boot: boot_id(),
        };
        match create(store, &key, &me).await? {
            Some(true) => {
                return Ok(Lease {
                    store,
                    r,
                    key,
                    token,
                    released: false,
                })
            }
            Some(false) => continue,
            None => {}
        }
        // Given back meanwhile, or not whole: try again.
        let Some(h) = holder(store, &key).await? else {
            continue;
        };
        if h.abandoned(&token) {
            take_over(store, &key, target, &h, &token, r).await?;
            continue;
        }
        if started.elapsed() >= wait {
            return Err(crate::release::ReleaseError::Leased {
                command: h.command.to_string(),
                pid: h.pid,
                host: h.host.to_string(),
                target: target.to_string(),
                key: key.to_string(),
                abandoned_after_hours: ABANDONED_AFTER.as_secs() / 3600,
            }
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
        tokio::time::sleep(POLL).await;
    }
}

/// Write `me` as the lease at `key` unless one is there: `None` when one
/// was, else whether `me` holds it once a racing write would have landed.
async fn create(store: &dyn Store, key: &str, me: &Holder) -> anyhow::Result<Option<bool>> {
    if store
        .put(key, &serde_json::to_vec_pretty(me)?, true)
        .await?
        != Created::Created
    {
        return Ok(None);
    }
    // A store without atomic create-only writes may let two in:
    // once a racing write would have landed, whoever's lease is
    // there holds it.
    if let Some(wait) = store.settle() {
        tokio::time::sleep(wait).await;
    }
    // One that does not decode is not ours: the next turn
    // replaces it.
    let ours = store
        .get(key)
        .await?
        .is_some_and(|b| serde_json::from_slice::<Holder>(&b).is_ok_and(|h| h.token == me.token));
    Ok(Some(ours))
}

/// Who holds the lease at `key`; `None` when it was given back meanwhile,
/// or was not a lease hoist wrote whole (it is deleted then).
async fn holder(store: &dyn Store, key: &str) -> anyhow::Result<Option<Holder>> {
    let Some(b) = store.get(key).await? else {
        return Ok(None);
    };
    match serde_json::from_slice::<Holder>(&b) {
        Ok(h) => Ok(Some(h)),
        // Not a lease hoist wrote whole: replaced.
        Err(_) => {
            store.delete(key).await?;
            Ok(None)
        }
    }
}

/// Take over the lease at `key` that `h` abandoned, when this process is
/// the one that creates its takeover claim; else wait a turn (dropping a
/// claim left by a claimer that died). The caller tries to take the lease
/// again either way.
async fn take_over(
    store: &dyn Store,
    key: &str,
    target: &str,
    h: &Holder,
    token: &str,
    r: &dyn Reporter,
) -> anyhow::Result<()> {
    // One process takes over this lease: the one that creates
    // its claim. It deletes the lease only if it is still the
    // abandoned one.
    let claim = format!("{key}.takeover-{}", hex_of(&h.token));
    if store.put(&claim, token.as_bytes(), true).await? != Created::Created {
        // A claimer that died between its claim and the
        // takeover leaves the claim: it is dropped after a
        // minute.
        let stale = store
            .head(&claim)
            .await?
            .and_then(|i| i.modified)
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= Duration::from_secs(60));
        if stale {
            drop_claim(store, &claim, r).await;
        }
        tokio::time::sleep(POLL).await;
        return Ok(());
    }
    // Replaced meanwhile (by a whole lease or not): not ours to
    // delete.
    let still = store.get(key).await?.is_some_and(|b| {
        serde_json::from_slice::<Holder>(&b).is_ok_and(|now| now.token == h.token)
    });
    if still {
        r.step(
            "Taking",
            &format!(
                "over the {target} lease of a {} that is gone (pid {} on {})",
                h.command, h.pid, h.host
            ),
        );
        store.delete(key).await?;
    }
    drop_claim(store, &claim, r).await;
    Ok(())
}
