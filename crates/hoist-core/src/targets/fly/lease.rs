//! Machine leases for the length of one change: acquired before a machine
//! is touched (waiting while someone else holds one), refreshed in the
//! background every few seconds with the same nonce, and released at the
//! end, on errors and on Ctrl-C. A killed hoist's leases run out after
//! their short TTL, so the next deploy waits seconds, not minutes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api::FlyApi;
use crate::report::Reporter;
use crate::targets::TargetError;

/// Seconds a lease lives unless refreshed (flyctl's 13 s).
pub(crate) const TTL: u64 = 13;
/// How often held leases are refreshed.
const REFRESH: Duration = Duration::from_secs(4);

/// The leases one command holds on an app's machines.
pub(crate) struct Leases {
    api: FlyApi,
    app: String,
    description: String,
    held: Arc<Mutex<BTreeMap<String, String>>>,
    refresher: Option<tokio::task::JoinHandle<()>>,
    reporter: Arc<dyn Reporter>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Leases {
    pub(crate) fn new(
        api: &FlyApi,
        app: &str,
        description: &str,
        reporter: &Arc<dyn Reporter>,
    ) -> Leases {
        let held: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
        let refresher = {
            let reporter = reporter.clone();
            let api = api.clone();
            let app = app.to_string();
            let held = held.clone();
            let description = description.to_string();
            tokio::spawn(async move {
                // Machines whose failed refresh was reported (once each,
                // until a refresh works again).
                let mut warned: BTreeSet<String> = BTreeSet::new();
                loop {
                    tokio::time::sleep(REFRESH).await;
                    let now: Vec<(String, String)> = lock(&held)
                        .iter()
                        .map(|(a, b)| (a.clone(), b.clone()))
                        .collect();
                    for (id, nonce) in now {
                        let why = match api.lease(&app, &id, TTL, Some(&nonce), &description).await
                        {
                            Ok(Ok(_)) => {
                                warned.remove(&id);
                                continue;
                            }
                            Ok(Err(holder)) => format!("another client holds it: {holder}"),
                            Err(e) => format!("{e:#}"),
                        };
                        // Released or forgotten meanwhile: nothing to say.
                        if lock(&held).get(&id) != Some(&nonce) || !warned.insert(id.clone()) {
                            continue;
                        }
                        reporter.warn(&format!(
                            "the lease on machine {id} of {app} was not refreshed ({why}); \
                             it runs out within {TTL} s and another client may then change the machine"
                        ));
                    }
                }
            })
        };
        Leases {
            api: api.clone(),
            app: app.to_string(),
            description: description.to_string(),
            held,
            refresher: Some(refresher),
            reporter: reporter.clone(),
        }
    }

    /// Lease machine `id`, waiting up to `patience` while another holder
    /// has it.
    pub(crate) async fn acquire(&self, id: &str, patience: Duration) -> anyhow::Result<()> {
        if lock(&self.held).contains_key(id) {
            return Ok(());
        }
        let until = Instant::now() + patience;
        let mut said = false;
        loop {
            match self
                .api
                .lease(&self.app, id, TTL, None, &self.description)
                .await?
            {
                Ok(nonce) => {
                    lock(&self.held).insert(id.to_string(), nonce);
                    return Ok(());
                }
                Err(holder) => {
                    if Instant::now() >= until {
                        return Err(TargetError::Leased {
                            machine: id.to_string(),
                            app: self.app.to_string(),
                            holder,
                        }
                        .into());
                    }
                    if !said {
                        said = true;
                        self.reporter.step(
                            "Waiting",
                            &format!(
                                "machine {id} of {} is leased by another client; waiting up to {} s",
                                self.app,
                                patience.as_secs()
                            ),
                        );
                    }
                    crate::interrupt::check()?;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    pub(crate) fn nonce(&self, id: &str) -> Option<String> {
        lock(&self.held).get(id).cloned()
    }

    /// A machine that is gone holds no lease.
    pub(crate) fn forget(&self, id: &str) {
        lock(&self.held).remove(id);
    }

    /// Release every lease. One that cannot be released is reported: it
    /// runs out on its own after its TTL.
    pub(crate) async fn release_all(mut self) {
        if let Some(r) = self.refresher.take() {
            r.abort();
        }
        let all: Vec<(String, String)> =
            std::mem::take(&mut *lock(&self.held)).into_iter().collect();
        let futs = all
            .iter()
            .map(|(id, nonce)| self.api.release(&self.app, id, nonce));
        let done = futures_util::future::join_all(futs).await;
        for ((id, _), res) in all.iter().zip(done) {
            if let Err(e) = res {
                self.reporter.warn(&format!(
                    "the lease on machine {id} of {} was not released ({e:#}); it runs out within {TTL} s",
                    self.app
                ));
            }
        }
    }
}

impl Drop for Leases {
    fn drop(&mut self) {
        if let Some(r) = self.refresher.take() {
            r.abort();
        }
    }
}
