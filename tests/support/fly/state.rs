//! The emulator's world, behind one mutex: apps (with their secrets),
//! machines (config, versions, events, checks, lease, pending timed steps),
//! the timeline of state changes, the request log, spec violations, faults
//! and log lines; plus how a machine is rendered as the API's JSON.

use super::faults::Faults;
use super::logs::LogLine;
use super::util::{self, Ids};
use super::{Change, Request};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};

pub struct Secret {
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
}

pub struct App {
    pub name: String,
    pub org: String,
    pub id: String,
    pub numeric_id: u64,
    pub secrets: BTreeMap<String, Secret>,
    pub secrets_version: u64,
    pub ips: Vec<Value>,
}

#[derive(Clone)]
pub struct Lease {
    pub nonce: String,
    pub owner: String,
    pub description: String,
    /// Unix milliseconds.
    pub expires_ms: u64,
    pub version: String,
}

impl Lease {
    pub fn data(&self) -> Value {
        json!({"nonce": self.nonce, "expires_at": self.expires_ms / 1000, "owner": self.owner,
               "description": self.description, "version": self.version})
    }
}

pub struct Check {
    pub name: String,
    pub status: String,
    pub output: String,
    pub updated_at: String,
}

/// A timed step a machine takes when its time comes (emulator ms).
#[derive(Clone, Debug)]
pub enum Step {
    /// Enter a plain state (starting, stopped, suspended, destroyed, ...).
    Enter(&'static str),
    /// Enter `started`: start event, log line, checks, crash/exit schedule.
    Started,
    /// The main process exits; `restarting` boots it again.
    Exit { code: i64, restarting: bool },
    /// Checks flip critical -> passing.
    ChecksPass,
}

pub struct Machine {
    pub id: String,
    pub app: String,
    pub name: String,
    pub region: String,
    pub state: String,
    pub version: String,
    pub private_ip: String,
    pub created_at: String,
    pub updated_at: String,
    pub config: Value,
    /// Oldest first; rendered newest first.
    pub events: Vec<Value>,
    pub checks: Vec<Check>,
    pub cordoned: bool,
    pub lease: Option<Lease>,
    /// (version, config), oldest first.
    pub versions: Vec<(String, Value)>,
    pub plan: VecDeque<(u64, Step)>,
    pub secrets_version: Option<u64>,
    pub skip_secrets: bool,
    pub restart_count: u64,
    pub boot_began_ms: u64,
    /// The host is unreachable: `host_status` says so and `config` is null.
    pub unreachable: bool,
}

impl Machine {
    pub fn image(&self) -> String {
        self.config
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }

    pub fn env(&self, key: &str) -> Option<String> {
        self.config
            .get("env")?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    pub fn healthy(&self) -> bool {
        self.state == "started" && self.checks.iter().all(|c| c.status == "passing")
    }

    /// The lease, if one is live at `now_unix_ms`.
    pub fn live_lease(&self, now_unix_ms: u64) -> Option<&Lease> {
        self.lease.as_ref().filter(|l| l.expires_ms > now_unix_ms)
    }

    /// Names of the checks the config declares: `servicecheck-NN-<type>-<port>`
    /// for service checks, the key for top-level checks.
    pub fn check_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut n = 0;
        if let Some(services) = self.config.get("services").and_then(Value::as_array) {
            for s in services {
                for c in s
                    .get("checks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let kind = c.get("type").and_then(Value::as_str).unwrap_or("tcp");
                    let port = c
                        .get("port")
                        .and_then(Value::as_i64)
                        .or_else(|| s.get("internal_port").and_then(Value::as_i64))
                        .unwrap_or(0);
                    names.push(format!("servicecheck-{n:02}-{kind}-{port}"));
                    n += 1;
                }
            }
        }
        if let Some(checks) = self.config.get("checks").and_then(Value::as_object) {
            names.extend(checks.keys().cloned());
        }
        names
    }

    pub fn json(&self, summary: bool, include_lease: bool, now_unix_ms: u64) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("name".into(), json!(self.name));
        m.insert("state".into(), json!(self.state));
        m.insert("region".into(), json!(self.region));
        m.insert("instance_id".into(), json!(self.version));
        m.insert("version".into(), json!(self.version));
        m.insert("private_ip".into(), json!(self.private_ip));
        m.insert("created_at".into(), json!(self.created_at));
        m.insert("updated_at".into(), json!(self.updated_at));
        m.insert("image_ref".into(), util::image_ref_json(&self.image()));
        m.insert("cordoned".into(), json!(self.cordoned));
        if !summary {
            if self.unreachable {
                m.insert("config".into(), Value::Null);
                m.insert("incomplete_config".into(), self.config.clone());
            } else {
                m.insert("config".into(), self.config.clone());
                m.insert("incomplete_config".into(), Value::Null);
            }
            let events: Vec<Value> = self.events.iter().rev().cloned().collect();
            m.insert("events".into(), Value::Array(events));
            let checks: Vec<Value> = self
                .checks
                .iter()
                .map(|c| json!({"name": c.name, "status": c.status, "output": c.output, "updated_at": c.updated_at}))
                .collect();
            m.insert("checks".into(), Value::Array(checks));
            let host = if self.unreachable {
                "unreachable"
            } else {
                "ok"
            };
            m.insert("host_status".into(), json!(host));
            m.insert("containers".into(), json!([]));
        }
        if include_lease {
            if let Some(l) = self.live_lease(now_unix_ms) {
                m.insert(
                    "lease".into(),
                    json!({"owner": l.owner, "expires_at": l.expires_ms / 1000, "description": l.description, "nonce": l.nonce, "version": l.version}),
                );
            }
        }
        Value::Object(m)
    }
}

pub struct State {
    pub ids: Ids,
    pub apps: BTreeMap<String, App>,
    /// In creation order; destroyed machines stay (state `destroyed`).
    pub machines: Vec<Machine>,
    pub timeline: Vec<(String, Change)>,
    pub requests: Vec<Request>,
    pub violations: Vec<String>,
    pub faults: Faults,
    pub logs: BTreeMap<String, Vec<LogLine>>,
    pub last_log_ns: u128,
    pub log_seq: u64,
    pub boot_ms: u64,
    pub checks_pass_ms: u64,
}

impl State {
    pub fn new(boot_ms: u64, checks_pass_ms: u64) -> State {
        State {
            ids: Ids::new(),
            apps: BTreeMap::new(),
            machines: Vec::new(),
            timeline: Vec::new(),
            requests: Vec::new(),
            violations: Vec::new(),
            faults: Faults::default(),
            logs: BTreeMap::new(),
            last_log_ns: 0,
            log_seq: 0,
            boot_ms,
            checks_pass_ms,
        }
    }

    pub fn add_app(&mut self, name: &str, org: &str) {
        self.ids.counter += 1;
        let app = App {
            name: name.to_string(),
            org: org.to_string(),
            id: format!("app_{}", self.ids.ulid().to_lowercase()),
            numeric_id: 1000 + self.ids.counter,
            secrets: BTreeMap::new(),
            secrets_version: 0,
            ips: Vec::new(),
        };
        self.apps.insert(name.to_string(), app);
    }

    pub fn app_json(&self, app: &App) -> Value {
        let live = self
            .machines
            .iter()
            .filter(|m| m.app == app.name && m.state != "destroyed")
            .count();
        json!({
            "id": app.id, "name": app.name,
            "status": if live > 0 { "deployed" } else { "pending" },
            "network": "default", "internal_numeric_id": app.numeric_id,
            "machine_count": live, "volume_count": 0,
            "organization": {"name": app.org, "slug": app.org, "internal_numeric_id": 1},
            "app_role": "", "cname_target": format!("{}.fly.dev", app.name),
        })
    }

    /// Index of a machine of `app` that is not destroyed.
    pub fn find(&self, app: &str, id: &str) -> Option<usize> {
        self.machines
            .iter()
            .position(|m| m.app == app && m.id == id && m.state != "destroyed")
    }

    /// Index of a machine of `app`, destroyed or not.
    pub fn find_any(&self, app: &str, id: &str) -> Option<usize> {
        self.machines
            .iter()
            .position(|m| m.app == app && m.id == id)
    }

    /// Append an event (newest last internally).
    pub fn event(&mut self, idx: usize, kind: &str, status: &str, source: &str, request: Value) {
        let id = self.ids.ulid();
        let ev = json!({"id": id, "type": kind, "status": status, "source": source,
                        "timestamp": util::unix_ms(), "request": request});
        self.machines[idx].events.push(ev);
    }

    /// Record the machine's current state (and health) in the timeline.
    pub fn record(&mut self, idx: usize, now_ms: u64) {
        let m = &self.machines[idx];
        let change = Change {
            at_ms: now_ms,
            machine: m.id.clone(),
            state: m.state.clone(),
            image: m.image(),
            version: m.version.clone(),
            healthy: m.healthy(),
        };
        self.timeline.push((m.app.clone(), change));
    }

    /// Move a machine to `state` now, recording it.
    pub fn set_state(&mut self, idx: usize, state: &str, now_ms: u64) {
        let m = &mut self.machines[idx];
        m.state = state.to_string();
        m.updated_at = util::now_rfc3339();
        if state != "started" {
            m.checks.clear();
        }
        if state == "destroyed" {
            m.lease = None;
            m.plan.clear();
        }
        self.record(idx, now_ms);
    }
}
