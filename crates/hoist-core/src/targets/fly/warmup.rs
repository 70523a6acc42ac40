//! `hoist warmup` on Fly: start stopped or suspended machines, create
//! more from the live config when there are fewer than asked, and wait
//! until each is started and passing its checks.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::api::Machine;
use super::lease::Leases;
use super::rollout::Rollout;
use super::state::active_of;
use super::{new_id, Fly};
use crate::targets::TargetError;
use crate::targets::Worker;

impl Fly {
    pub(super) async fn warm(
        &self,
        function: &str,
        count: u32,
        deadline: Duration,
    ) -> anyhow::Result<Vec<Worker>> {
        self.need_token()?;
        let spec = self.spec(function)?;
        let until = Instant::now() + deadline;
        async {
            let ms = self.current(spec).await?;
            let Some(template) = active_of(&ms)?.and_then(|m| m.config.clone()) else {
                return Err(TargetError::NoMachines {
                    function: function.to_string(),
                    plain_env: false,
                }
                .into());
            };
            let started = Instant::now();
            let mut chosen: Vec<Machine> = Vec::new();
            for m in ms.iter().take(count as usize) {
                if m.state != "started" {
                    self.api.action(&spec.app, &m.id, "start", None).await?;
                }
                chosen.push(m.clone());
            }
            let region = spec.regions[0].0.clone();
            while chosen.len() < count as usize {
                let mut config = template.clone();
                let launch = new_id();
                config["metadata"]["hoist_launch_id"] = Value::from(launch.clone());
                let m = self
                    .api
                    .create_machine(&spec.app, &region, &config, &launch, false, false)
                    .await?;
                chosen.push(m);
            }
            let leases = Leases::new(&self.api, &spec.app, "hoist warmup", &self.reporter);
            let roll = Rollout {
                api: &self.api,
                spec,
                leases: &leases,
                r: &self.no_report(),
                lease_wait: self.lease_wait,
                wanted_digest: String::new(),
                config: Value::Null,
            };
            let waits = chosen.iter().map(|m| async {
                let fresh = Machine {
                    instance_id: String::new(),
                    ..m.clone()
                };
                roll.healthy(&fresh, until).await?;
                let took = started.elapsed().as_secs_f64() * 1000.0;
                Ok::<_, anyhow::Error>(Worker {
                    id: m.id.clone(),
                    version: m.meta("hoist_version").unwrap_or("?").to_string(),
                    state: "started".into(),
                    cold_start_ms: Some(took),
                })
            });
            let res: anyhow::Result<Vec<Worker>> = futures_util::future::join_all(waits)
                .await
                .into_iter()
                .collect();
            leases.release_all().await;
            res
        }
        .await
    }
}
