//! How machines move between states over time: the actions handlers start
//! (boot, stop, suspend, restart, update, destroy) schedule timed steps, and
//! `tick` (run every few ms) applies the steps whose time has come: entering
//! `started` fills in checks and may schedule a crash or an exit, checks flip
//! to passing after `checks_pass_ms`, exits restart or stop the machine, and
//! stopped `auto_destroy` machines are destroyed.

use super::state::{Check, State, Step};
use super::util;
use serde_json::{json, Value};

/// States a machine passes through; `settled` means none of these.
pub const TRANSIENT: &[&str] = &[
    "creating",
    "starting",
    "stopping",
    "restarting",
    "suspending",
    "destroying",
    "updating",
    "replacing",
    "launch_failed",
];

impl State {
    fn half(&self) -> u64 {
        (self.boot_ms / 2).max(1)
    }

    fn crashes(&self, idx: usize) -> bool {
        let m = &self.machines[idx];
        let image = m.image();
        m.env("EMULATOR_CHECKS").as_deref() == Some("crash")
            || self.faults.crash.iter().any(|s| image.contains(s.as_str()))
    }

    fn checks_fail(&self, idx: usize) -> bool {
        let m = &self.machines[idx];
        let image = m.image();
        self.crashes(idx)
            || m.env("EMULATOR_CHECKS").as_deref() == Some("fail")
            || self
                .faults
                .never_pass
                .iter()
                .any(|s| image.contains(s.as_str()))
    }

    /// Schedule `starting` now and `started` after boot_ms.
    pub fn boot(&mut self, idx: usize, now: u64) {
        let boot = self.boot_ms;
        let m = &mut self.machines[idx];
        m.boot_began_ms = now;
        m.plan.clear();
        if m.state != "starting" {
            m.plan.push_back((now, Step::Enter("starting")));
        }
        m.plan.push_back((now + boot, Step::Started));
    }

    /// `POST /start`: returns the previous state.
    pub fn start(&mut self, idx: usize, now: u64) -> String {
        let prev = self.machines[idx].state.clone();
        if matches!(
            prev.as_str(),
            "stopped" | "suspended" | "created" | "failed"
        ) {
            self.set_state(idx, "starting", now);
            self.boot(idx, now);
        }
        prev
    }

    pub fn stop(&mut self, idx: usize, now: u64, suspend: bool) {
        let state = self.machines[idx].state.clone();
        if !matches!(
            state.as_str(),
            "started" | "starting" | "restarting" | "replacing"
        ) {
            return;
        }
        let (kind, via, end) = if suspend {
            ("suspend", "suspending", "suspended")
        } else {
            ("stop", "stopping", "stopped")
        };
        self.event(idx, kind, via, "user", json!({}));
        self.set_state(idx, via, now);
        let at = now + self.half();
        let m = &mut self.machines[idx];
        m.plan.clear();
        m.plan.push_back((at, Step::Enter(end)));
    }

    pub fn restart(&mut self, idx: usize, now: u64) {
        self.event(idx, "restart", "restarting", "user", json!({}));
        self.set_state(idx, "restarting", now);
        let at = now + self.boot_ms;
        let m = &mut self.machines[idx];
        m.boot_began_ms = now;
        m.plan.clear();
        m.plan.push_back((at, Step::Started));
    }

    pub fn destroy(&mut self, idx: usize, now: u64) {
        self.event(idx, "destroy", "destroying", "user", json!({}));
        self.set_state(idx, "destroying", now);
        let at = now + self.half();
        let m = &mut self.machines[idx];
        m.plan.clear();
        m.plan.push_back((at, Step::Enter("destroyed")));
    }

    /// Replace the config with a new version; boot it unless `skip_launch`.
    pub fn update(&mut self, idx: usize, config: Value, skip_launch: bool, now: u64) {
        let version = self.ids.ulid();
        let prev = self.machines[idx].state.clone();
        {
            let m = &mut self.machines[idx];
            m.version = version.clone();
            m.config = config.clone();
            m.versions.push((version.clone(), config));
            m.restart_count = 0;
        }
        self.event(idx, "update", "replacing", "user", json!({}));
        self.set_state(idx, "replacing", now);
        let (id, region, image) = {
            let m = &self.machines[idx];
            (m.id.clone(), m.region.clone(), m.image())
        };
        let app = self.machines[idx].app.clone();
        self.log(
            &app,
            &id,
            &region,
            &format!("Machine updated to version {version} (image {image})"),
        );
        let (half, boot) = (self.half(), self.boot_ms);
        let m = &mut self.machines[idx];
        m.plan.clear();
        if skip_launch {
            let end = if prev == "created" {
                "created"
            } else {
                "stopped"
            };
            m.plan.push_back((now + half, Step::Enter(end)));
        } else {
            m.boot_began_ms = now;
            m.plan.push_back((now + half, Step::Enter("starting")));
            m.plan.push_back((now + boot.max(half + 1), Step::Started));
        }
    }

    /// Apply every step that is due; true when anything changed.
    pub fn tick(&mut self, now: u64) -> bool {
        let mut changed = false;
        for idx in 0..self.machines.len() {
            loop {
                let due = self.machines[idx]
                    .plan
                    .iter()
                    .enumerate()
                    .filter(|(_, (at, _))| *at <= now)
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(i, _)| i);
                let Some(i) = due else { break };
                let (_, step) = self.machines[idx].plan.remove(i).expect("step");
                self.apply(idx, step, now);
                changed = true;
            }
        }
        changed
    }

    fn apply(&mut self, idx: usize, step: Step, now: u64) {
        match step {
            Step::Enter(state) => {
                self.set_state(idx, state, now);
                if state == "stopped" {
                    let exit = json!({"exit_event": {"exit_code": 0, "guest_exit_code": 0, "oom_killed": false,
                        "requested_stop": true, "restarting": false, "signal": -1, "exited_at": util::now_rfc3339()},
                        "restart_count": self.machines[idx].restart_count});
                    self.event(idx, "exit", "stopped", "flyd", exit);
                    self.after_stop(idx, now);
                }
            }
            Step::Started => self.started(idx, now),
            Step::Exit { code, restarting } => self.exited(idx, code, restarting, now),
            Step::ChecksPass => {
                if self.machines[idx].state == "started" {
                    let at = util::now_rfc3339();
                    for c in &mut self.machines[idx].checks {
                        c.status = "passing".into();
                        c.output = "OK".into();
                        c.updated_at = at.clone();
                    }
                    self.record(idx, now);
                }
            }
        }
    }

    fn started(&mut self, idx: usize, now: u64) {
        if self.machines[idx].env("EMULATOR_LAUNCH").as_deref() == Some("fail") {
            self.event(idx, "launch", "failed", "flyd", json!({}));
            self.set_state(idx, "failed", now);
            return;
        }
        let fail = self.checks_fail(idx);
        let crash = self.crashes(idx);
        let app = self.machines[idx].app.clone();
        let secrets = self.apps.get(&app).map(|a| a.secrets_version);
        let (pass_ms, boot) = (self.checks_pass_ms, self.boot_ms);
        let at = util::now_rfc3339();
        let m = &mut self.machines[idx];
        m.state = "started".into();
        m.updated_at = at.clone();
        m.checks = m
            .check_names()
            .into_iter()
            .map(|name| Check {
                name,
                status: "critical".into(),
                output: "connection refused".into(),
                updated_at: at.clone(),
            })
            .collect();
        if !m.skip_secrets {
            m.secrets_version = secrets;
        }
        if !m.checks.is_empty() && !fail {
            m.plan.push_back((now + pass_ms, Step::ChecksPass));
        }
        let exit_code = m
            .env("EMULATOR_EXIT_CODE")
            .and_then(|c| c.parse::<i64>().ok());
        let auto_destroy = m.config.get("auto_destroy").and_then(Value::as_bool) == Some(true);
        if crash {
            m.plan.push_back((
                now + boot,
                Step::Exit {
                    code: 1,
                    restarting: true,
                },
            ));
        } else if exit_code.is_some() || auto_destroy {
            m.plan.push_back((
                now + boot,
                Step::Exit {
                    code: exit_code.unwrap_or(0),
                    restarting: false,
                },
            ));
        }
        let took = now.saturating_sub(m.boot_began_ms);
        let (id, region) = (m.id.clone(), m.region.clone());
        self.event(idx, "start", "started", "flyd", json!({}));
        self.record(idx, now);
        self.log(&app, &id, &region, &format!("Machine started in {took}ms"));
    }

    fn exited(&mut self, idx: usize, code: i64, restarting: bool, now: u64) {
        let (app, id, region) = {
            let m = &mut self.machines[idx];
            if restarting {
                m.restart_count += 1;
            }
            (m.app.clone(), m.id.clone(), m.region.clone())
        };
        let count = self.machines[idx].restart_count;
        let exit = json!({"exit_event": {"exit_code": code, "guest_exit_code": code, "oom_killed": false,
            "requested_stop": false, "restarting": restarting, "signal": -1, "exited_at": util::now_rfc3339()},
            "restart_count": count});
        self.event(
            idx,
            "exit",
            if restarting { "starting" } else { "stopped" },
            "flyd",
            exit,
        );
        if code == 0 {
            self.log(
                &app,
                &id,
                &region,
                "Main child exited normally with code: 0",
            );
        } else {
            self.log(
                &app,
                &id,
                &region,
                &format!("Main child exited with code: {code}"),
            );
        }
        if restarting {
            self.log(
                &app,
                &id,
                &region,
                &format!("Machine crashed; restarting (restart_count {count})"),
            );
            self.set_state(idx, "starting", now);
            let at = now + self.boot_ms;
            let m = &mut self.machines[idx];
            m.boot_began_ms = now;
            m.plan.clear();
            m.plan.push_back((at, Step::Started));
        } else {
            self.set_state(idx, "stopped", now);
            self.after_stop(idx, now);
        }
    }

    fn after_stop(&mut self, idx: usize, now: u64) {
        let auto = self.machines[idx]
            .config
            .get("auto_destroy")
            .and_then(Value::as_bool)
            == Some(true);
        if auto {
            self.set_state(idx, "destroying", now);
            let at = now + self.half();
            self.machines[idx]
                .plan
                .push_back((at, Step::Enter("destroyed")));
        }
    }
}
