//! Moving one function's machines to a new config under its strategy, with
//! automatic rollback. `immediate` changes every machine at once;
//! `rolling` changes one machine alone, then `max_unavailable` at a time;
//! `canary` proves the config on one extra machine first; `bluegreen`
//! starts a full set of new machines and retires the old ones only once
//! every new one passes its checks. Every machine is leased while it is
//! changed. If any machine fails to start or pass its checks, every
//! machine this rollout changed goes back to its previous config (machines
//! it created are destroyed) and the error names the failed machine with
//! its last events. Machines already on the wanted config are left alone,
//! so a rollout cut short by a kill is finished by the next one.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::Value;

use super::api::{pause, FlyApi, Machine};
use super::lease::Leases;
use super::spec::Spec;
use crate::config::fly::Strategy;
use crate::env::Env;
use crate::targets::TargetError;
use crate::targets::{Reporter, StartFailure};

/// How long a machine without checks must stay up without crashing.
const SMOKE: Duration = Duration::from_secs(3);
/// How long a rollout waits for another client's lease
/// (`HOIST_FLY_LEASE_WAIT` seconds; unset or empty: 90). A value that is
/// not a whole number of seconds is an error.
pub(crate) fn lease_patience(env: &Env) -> anyhow::Result<Duration> {
    let secs = match env.var_os("HOIST_FLY_LEASE_WAIT") {
        Some(v) if !v.to_string_lossy().trim().is_empty() => {
            let v = v.to_string_lossy();
            v.trim()
                .parse::<u64>()
                .map_err(|_| TargetError::LeaseWait {
                    value: v.to_string(),
                })?
        }
        _ => 90,
    };
    Ok(Duration::from_secs(secs))
}

/// What a rollout changed, to undo it.
enum Change {
    Updated {
        id: String,
        previous: Value,
        was_started: bool,
    },
    Created {
        id: String,
    },
}

pub(crate) struct Rollout<'a> {
    pub(crate) api: &'a FlyApi,
    pub(crate) spec: &'a Spec,
    pub(crate) leases: &'a Leases,
    pub(crate) r: &'a dyn Reporter,
    /// How long to wait for another client's lease.
    pub(crate) lease_wait: Duration,
    /// `metadata.hoist_config` of the wanted config.
    pub(crate) wanted_digest: String,
    pub(crate) config: Value,
}

fn config_digest(m: &Machine) -> Option<&str> {
    m.meta("hoist_config")
}

impl Rollout<'_> {
    fn app(&self) -> &str {
        &self.spec.app
    }

    /// Run the strategy over `machines` (the function's current machines).
    pub(crate) async fn run(&self, machines: Vec<Machine>) -> anyhow::Result<()> {
        let mut changes = Vec::new();
        let res = self.strategy(machines, &mut changes).await;
        if let Err(e) = res {
            self.r.step(
                "Rolling back",
                &format!(
                    "{}: {} back to their previous config",
                    self.spec.function,
                    crate::report::plural(changes.len(), "machine", "machines")
                ),
            );
            let stuck = self.undo(changes).await;
            if !stuck.is_empty() {
                return Err(e.context(crate::targets::UndoIncomplete {
                    function: self.spec.function.clone(),
                    detail: format!(
                        "{} could not be put back ({})",
                        crate::report::plural(stuck.len(), "machine", "machines"),
                        stuck.join(", ")
                    ),
                }));
            }
            return Err(e);
        }
        Ok(())
    }

    async fn strategy(
        &self,
        machines: Vec<Machine>,
        changes: &mut Vec<Change>,
    ) -> anyhow::Result<()> {
        let plan = self.placement(&machines);
        match self.spec.strategy {
            Strategy::Bluegreen if !machines.is_empty() => {
                return self.bluegreen(&machines, changes).await;
            }
            Strategy::Canary if !plan.stale.is_empty() => {
                self.canary().await?;
            }
            _ => {}
        }
        // New machines first: they add capacity.
        let mut created = Vec::new();
        for region in &plan.create {
            let one = self.create(region, false).await?;
            changes.push(Change::Created { id: one.id.clone() });
            created.push(one);
        }
        if self.spec.strategy != Strategy::Immediate {
            for m in &created {
                self.healthy(m, self.deadline()).await?;
            }
        }
        self.update_stale(&plan, &mut created, changes).await?;
        if self.spec.strategy == Strategy::Immediate {
            let deadline = self.deadline();
            for res in join_all(created.iter().map(|m| self.healthy(m, deadline))).await {
                res?;
            }
        }
        for m in plan.extra {
            self.destroy(&m.id).await?;
        }
        Ok(())
    }

    /// Which machines stay (updated in place), which go, which regions
    /// need new ones, and which of those staying run another config.
    fn placement<'m>(&self, machines: &'m [Machine]) -> Placement<'m> {
        let mut by_region: BTreeMap<&str, Vec<&Machine>> = BTreeMap::new();
        for m in machines {
            by_region.entry(m.region.as_str()).or_default().push(m);
        }
        let mut keep: Vec<&Machine> = Vec::new();
        let mut extra: Vec<&Machine> = Vec::new();
        let mut create: Vec<String> = Vec::new();
        for (region, want) in &self.spec.regions {
            // A region without machines yet has none to keep.
            let mut have: Vec<&Machine> = by_region
                .remove(region.as_str())
                .into_iter()
                .flatten()
                .collect();
            let want = *want as usize;
            // Machines already on the wanted config stay first.
            have.sort_by_key(|m| (config_digest(m) != Some(&self.wanted_digest), m.id.clone()));
            for (i, m) in have.into_iter().enumerate() {
                if i < want {
                    keep.push(m);
                } else {
                    extra.push(m);
                }
            }
            let kept = keep.iter().filter(|m| m.region == *region).count();
            create.extend(std::iter::repeat_n(
                region.clone(),
                want.saturating_sub(kept),
            ));
        }
        extra.extend(by_region.into_values().flatten());
        let stale: Vec<&Machine> = keep
            .iter()
            .copied()
            .filter(|m| config_digest(m) != Some(&self.wanted_digest))
            .collect();
        Placement {
            kept: keep.len(),
            extra,
            create,
            stale,
        }
    }

    /// Update the machines on another config: the first alone, then in
    /// batches, each batch healthy before the next (immediate: all at
    /// once, their health checked with the new machines').
    async fn update_stale(
        &self,
        plan: &Placement<'_>,
        created: &mut Vec<Machine>,
        changes: &mut Vec<Change>,
    ) -> anyhow::Result<()> {
        let batch = match self.spec.strategy {
            Strategy::Immediate => plan.stale.len().max(1),
            _ => self.spec.batch(plan.kept),
        };
        let mut rest: &[&Machine] = &plan.stale;
        let mut first = self.spec.strategy != Strategy::Immediate;
        while !rest.is_empty() {
            let n = if first { 1 } else { batch.min(rest.len()) };
            first = false;
            let (now, later) = rest.split_at(n);
            rest = later;
            let updated = join_all(now.iter().map(|m| self.update(m))).await;
            let mut failure = None;
            let mut waits = Vec::new();
            for (m, res) in now.iter().zip(updated) {
                match res {
                    Ok((new, started)) => {
                        changes.push(Change::Updated {
                            id: m.id.clone(),
                            previous: m.config.clone().unwrap_or(Value::Null),
                            was_started: started,
                        });
                        if started {
                            waits.push(new);
                        }
                    }
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
            if self.spec.strategy == Strategy::Immediate {
                created.extend(waits);
                continue;
            }
            let deadline = self.deadline();
            for res in join_all(waits.iter().map(|m| self.healthy(m, deadline))).await {
                res?;
            }
        }
        Ok(())
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.spec.wait_timeout
    }

    /// One extra machine with the new config: it must start and pass its
    /// checks, then it goes.
    async fn canary(&self) -> anyhow::Result<()> {
        let region = self.spec.regions[0].0.clone();
        let mut config = self.config.clone();
        config["metadata"]["fly_canary"] = Value::from("true");
        let m = self.create_with(&region, config, false).await?;
        self.r.step(
            "Canary",
            &format!("{} on machine {} in {region}", self.spec.function, m.id),
        );
        let res = self.healthy(&m, self.deadline()).await;
        let gone = self.destroy(&m.id).await;
        res?;
        gone
    }

    /// Green machines next to the blue ones; blues go once every green
    /// passes. A failure before that destroys the greens only.
    async fn bluegreen(&self, blue: &[Machine], changes: &mut Vec<Change>) -> anyhow::Result<()> {
        let mut green = Vec::new();
        for (region, n) in &self.spec.regions {
            for _ in 0..*n {
                let m = self.create(region, true).await?;
                changes.push(Change::Created { id: m.id.clone() });
                green.push(m);
            }
        }
        let deadline = self.deadline();
        for res in join_all(green.iter().map(|m| self.healthy(m, deadline))).await {
            res?;
        }
        for m in &green {
            self.api
                .action(
                    self.app(),
                    &m.id,
                    "uncordon",
                    self.leases.nonce(&m.id).as_deref(),
                )
                .await?;
        }
        // The greens serve now: nothing below is undone.
        changes.clear();
        for m in blue {
            if let Err(e) = self.destroy(&m.id).await {
                self.r.step(
                    "Warning",
                    &format!("old machine {} was not destroyed: {e:#}", m.id),
                );
            }
        }
        Ok(())
    }

    async fn create(&self, region: &str, cordoned: bool) -> anyhow::Result<Machine> {
        self.create_with(region, self.config.clone(), cordoned)
            .await
    }

    async fn create_with(
        &self,
        region: &str,
        mut config: Value,
        cordoned: bool,
    ) -> anyhow::Result<Machine> {
        let patience = self.lease_wait;
        let launch = super::new_id();
        config["metadata"]["hoist_launch_id"] = Value::from(launch.clone());
        let m = self
            .api
            .create_machine(self.app(), region, &config, &launch, false, cordoned)
            .await?;
        self.leases.acquire(&m.id, patience).await?;
        self.r
            .detail(&format!("created machine {} in {region}", m.id));
        Ok(m)
    }

    /// Update in place; machines that were not running stay stopped.
    async fn update(&self, m: &Machine) -> anyhow::Result<(Machine, bool)> {
        let started = matches!(
            m.state.as_str(),
            "started" | "starting" | "failed" | "replacing" | "updating"
        );
        let nonce = self.leases.nonce(&m.id);
        let new = self
            .api
            .update_machine(self.app(), &m.id, &self.config, nonce.as_deref(), !started)
            .await?;
        self.r
            .detail(&format!("updated machine {} ({})", m.id, m.region));
        Ok((new, started))
    }

    /// Destroy a machine and wait until it is gone, so that what the
    /// rollout reports is what the app runs.
    async fn destroy(&self, id: &str) -> anyhow::Result<()> {
        let nonce = self.leases.nonce(id);
        self.api.destroy(self.app(), id, nonce.as_deref()).await?;
        self.leases.forget(id);
        self.api
            .wait(self.app(), id, "destroyed", None, self.deadline())
            .await
    }

    /// Wait until `m` (its version from the update) is started and, when
    /// checks exist, passing them; without checks, until it has stayed up
    /// for a short smoke window without crashing.
    pub(crate) async fn healthy(&self, m: &Machine, deadline: Instant) -> anyhow::Result<()> {
        let fail = |m: &Machine, reason: String| -> anyhow::Error {
            let mut logs = m.last_events(5);
            logs.extend(
                m.checks
                    .iter()
                    .map(|c| format!("check {}: {} {}", c.name, c.status, c.output)),
            );
            anyhow::Error::new(StartFailure {
                function: self.spec.function.clone(),
                reason: format!("machine {} ({}) {reason}", m.id, m.region),
                logs,
            })
        };
        let version = (!m.instance_id.is_empty()).then_some(m.instance_id.as_str());
        if let Err(e) = self
            .api
            .wait(self.app(), &m.id, "started", version, deadline)
            .await
        {
            let now = self
                .api
                .machine(self.app(), &m.id)
                .await
                .unwrap_or(m.clone());
            return Err(fail(&now, format!("did not start: {e:#}")));
        }
        let smoke_until = Instant::now() + SMOKE;
        loop {
            let now = self.api.machine(self.app(), &m.id).await?;
            if now.crashing() {
                return Err(fail(&now, "is crashing (it exits and restarts)".into()));
            }
            if matches!(now.state.as_str(), "failed" | "stopped" | "destroyed") {
                return Err(fail(&now, format!("went to `{}`", now.state)));
            }
            if self.spec.has_checks() {
                if now.checks_pass() {
                    return Ok(());
                }
            } else if now.state == "started" && Instant::now() >= smoke_until {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let why = if self.spec.has_checks() {
                    format!(
                        "did not pass its checks within {} s",
                        self.spec.wait_timeout.as_secs()
                    )
                } else {
                    "did not stay started".into()
                };
                return Err(fail(&now, why));
            }
            crate::interrupt::check()?;
            pause(Duration::from_millis(200)).await;
        }
    }

    /// Put every changed machine back (newest change first); errors are
    /// reported, not raised: the original error is what the user needs.
    /// Returns the machines that could not be put back.
    async fn undo(&self, changes: Vec<Change>) -> Vec<String> {
        let mut stuck = Vec::new();
        for c in changes.into_iter().rev() {
            let res = match &c {
                Change::Created { id } => self.destroy(id).await,
                Change::Updated {
                    id,
                    previous,
                    was_started,
                } => {
                    let nonce = self.leases.nonce(id);
                    match self
                        .api
                        .update_machine(self.app(), id, previous, nonce.as_deref(), !was_started)
                        .await
                    {
                        Ok(m) if *was_started => {
                            let deadline = Instant::now() + self.spec.wait_timeout;
                            let version =
                                (!m.instance_id.is_empty()).then_some(m.instance_id.clone());
                            self.api
                                .wait(self.app(), id, "started", version.as_deref(), deadline)
                                .await
                        }
                        Ok(_) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(e) = res {
                let id = match &c {
                    Change::Created { id } | Change::Updated { id, .. } => id,
                };
                self.r.step(
                    "Warning",
                    &format!("machine {id} could not be put back: {e:#}"),
                );
                stuck.push(id.clone());
            }
        }
        stuck
    }
}

/// Where a rollout puts the function's machines.
struct Placement<'m> {
    /// Machines that stay (updated in place when stale).
    kept: usize,
    /// Machines beyond what the regions want: destroyed last.
    extra: Vec<&'m Machine>,
    /// A region for each machine to create.
    create: Vec<String>,
    /// Staying machines on another config.
    stale: Vec<&'m Machine>,
}
