//! A stateful emulator of Fly.io's Machines API (`/v1/...`) and logs API
//! (`/api/v1/apps/{app}/logs`) for hoist's tests and offline rehearsals: one
//! axum server on a free loopback port, its own tokio runtime in a background
//! thread, machines that move through states on timers, leases, checks,
//! secrets, faults on demand and a check of every `/v1` request against the
//! OpenAPI spec. Include it with
//! `#[path = "support/fly/mod.rs"] mod fly_emulator;`.

#![allow(dead_code)]

mod actions;
mod apps;
mod faults;
mod lifecycle;
mod logs;
mod machines;
mod server;
mod spec;
mod state;
mod util;

pub use faults::Fired;
use serde_json::Value;
use state::{Lease, State};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How the emulator behaves; `Options::default()` suits most tests.
#[derive(Clone, Debug)]
pub struct Options {
    /// Time from `starting` to `started` (stops and destroys take half).
    pub boot_ms: u64,
    /// Sleep before answering each request.
    pub latency_ms: u64,
    /// Time after `started` until checks flip critical -> passing.
    pub checks_pass_ms: u64,
    /// Accepted raw tokens (after the `Bearer`/`FlyV1` schemes).
    pub tokens: Vec<String>,
    /// The org the tokens belong to; apps elsewhere answer 403.
    pub org: String,
    /// A registry (`http://127.0.0.1:5000`) create/update check images in.
    pub registry: Option<String>,
    /// Per-action rate limits (1 rps burst 3; GET machine 5 rps burst 10).
    pub rate_limit: bool,
    /// The loopback port to listen on; 0 picks a free one.
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            boot_ms: 100,
            latency_ms: 0,
            checks_pass_ms: 200,
            tokens: vec!["test-token".to_string()],
            org: "personal".to_string(),
            registry: None,
            rate_limit: false,
            port: 0,
        }
    }
}

/// One state change of a machine (checks flipping to passing is recorded
/// too, as a change with the same state and `healthy` true).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Milliseconds since the emulator started.
    pub at_ms: u64,
    pub machine: String,
    pub state: String,
    pub image: String,
    pub version: String,
    /// `started` with every check passing (or no checks).
    pub healthy: bool,
}

/// One request the emulator answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub at_ms: u64,
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub opts: Options,
    pub started: Instant,
    pub changed: tokio::sync::watch::Sender<u64>,
    pub spec: Option<spec::Spec>,
    pub http: reqwest::Client,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Wake long-polls: something changed.
    pub fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }
}

/// A running emulator; the server stops when this is dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    pub fn start(opts: Options) -> Emulator {
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", opts.port)).expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(opts.boot_ms, opts.checks_pass_ms)),
            started: Instant::now(),
            changed: tokio::sync::watch::channel(0).0,
            spec: spec::Spec::load(),
            http,
            opts,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let sh = shared.clone();
        let thread = std::thread::spawn(move || server::run(sh, listener, stopped));
        Emulator {
            shared,
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The first accepted token.
    pub fn token(&self) -> String {
        self.shared.opts.tokens.first().cloned().unwrap_or_default()
    }

    /// Milliseconds since the emulator started (the timeline's clock).
    pub fn now_ms(&self) -> u64 {
        self.shared.now_ms()
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    // ---- faults ----

    /// The next `count` requests whose method matches (`*` = any) and whose
    /// path contains `path_contains` answer `status` + `body`, untouched.
    pub fn fail_next(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        body: Value,
        count: usize,
    ) {
        self.st().faults.fail_next.push(faults::FailRule {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            body_has: None,
            status,
            body,
            left: count,
        });
    }

    /// As [`Emulator::fail_next`], for requests whose JSON body holds the
    /// string `value` at `pointer` (`/config/metadata/hoist_version`) only.
    pub fn fail_next_where(
        &self,
        method: &str,
        path_contains: &str,
        (pointer, value): (&str, &str),
        status: u16,
        body: Value,
        count: usize,
    ) {
        self.st().faults.fail_next.push(faults::FailRule {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            body_has: Some((pointer.to_string(), value.to_string())),
            status,
            body,
            left: count,
        });
    }

    /// The next `count` matching requests take effect, then answer `status`.
    pub fn fail_next_after_effect(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        count: usize,
    ) {
        self.st().faults.after_effect.push(faults::FailRule {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            body_has: None,
            status,
            body: Value::Null,
            left: count,
        });
    }

    /// The next `count` requests of any kind answer 429.
    pub fn storm_429(&self, count: usize, retry_after_secs: Option<u64>) {
        let mut st = self.st();
        st.faults.storm = count;
        st.faults.retry_after = retry_after_secs;
    }

    /// Log pages asked for with a `next_token` start at its timestamp,
    /// inclusive, as a server paging by time does: the entries at the
    /// token's timestamp (the previous page's last, and any tied with it)
    /// come again, so a client must drop repeats by id. A page with nothing
    /// after the token is empty.
    pub fn log_pages_overlap(&self) {
        self.st().faults.log_overlap = true;
    }

    /// Every fault that fired so far, in order.
    pub fn fired(&self) -> Vec<Fired> {
        self.st().faults.fired.clone()
    }

    /// How many times `fault` (`storm`, `fail_next`, `after_effect`,
    /// `log_overlap`) fired on a path containing `path_contains`.
    pub fn fired_count(&self, fault: &str, path_contains: &str) -> usize {
        self.fired()
            .iter()
            .filter(|f| f.fault == fault && f.path.contains(path_contains))
            .count()
    }

    /// Creating a machine in `region` answers 422 insufficient_capacity.
    pub fn no_capacity(&self, region: &str) {
        self.st().faults.no_capacity.push(region.to_string());
    }

    /// Machines whose image contains this keep their checks critical.
    pub fn checks_never_pass(&self, image_contains: &str) {
        self.st().faults.never_pass.push(image_contains.to_string());
    }

    /// Machines whose image contains this start, then exit with code 1 and
    /// restart, again and again.
    pub fn crash_loop(&self, image_contains: &str) {
        self.st().faults.crash.push(image_contains.to_string());
    }

    /// Someone else holds a lease on the machine (ttl 60 s).
    pub fn hold_lease(&self, app: &str, machine_id: &str, owner: &str) {
        let mut st = self.st();
        let nonce = st.ids.nonce();
        if let Some(idx) = st.find(app, machine_id) {
            let version = st.machines[idx].version.clone();
            st.machines[idx].lease = Some(Lease {
                nonce,
                owner: owner.to_string(),
                description: "held by the test".to_string(),
                expires_ms: util::unix_ms() + 60_000,
                version,
            });
        }
    }

    /// The machine's host becomes unreachable: GET shows `host_status`
    /// `unreachable`, `config` null and the config in `incomplete_config`.
    pub fn unreachable(&self, app: &str, machine_id: &str) {
        let mut st = self.st();
        if let Some(idx) = st.find(app, machine_id) {
            st.machines[idx].unreachable = true;
        }
    }

    /// An app that exists before the test (in `org`).
    pub fn create_app(&self, name: &str, org: &str) {
        self.st().add_app(name, org);
    }

    pub fn add_logs(&self, app: &str, machine_id: &str, region: &str, lines: &[&str]) {
        let mut st = self.st();
        for line in lines {
            st.log(app, machine_id, region, line);
        }
    }

    /// Lines that all carry one timestamp (each its own id), as lines
    /// written in the same nanosecond do. Without
    /// [`Emulator::log_pages_overlap`] a page boundary inside the group
    /// drops the rest of it, as a server paging strictly after a timestamp
    /// would.
    pub fn add_logs_tied(&self, app: &str, machine_id: &str, region: &str, lines: &[&str]) {
        let mut st = self.st();
        let ns = util::unix_ns().max(st.last_log_ns + 1);
        for line in lines {
            st.log_at(ns, app, machine_id, region, line);
        }
    }

    // ---- observation ----

    /// The app's machines that are not destroyed, as GET returns them.
    pub fn machines(&self, app: &str) -> Vec<Value> {
        let st = self.st();
        let now = util::unix_ms();
        st.machines
            .iter()
            .filter(|m| m.app == app && m.state != "destroyed")
            .map(|m| m.json(false, false, now))
            .collect()
    }

    pub fn apps(&self) -> Vec<String> {
        self.st().apps.keys().cloned().collect()
    }

    /// Every config the machine has had (its versions), oldest first.
    pub fn config_history(&self, app: &str, id: &str) -> Vec<Value> {
        let st = self.st();
        st.find_any(app, id)
            .map(|i| {
                st.machines[i]
                    .versions
                    .iter()
                    .map(|(_, c)| c.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn timeline(&self, app: &str) -> Vec<Change> {
        self.st()
            .timeline
            .iter()
            .filter(|(a, _)| a == app)
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// For each moment in `[from_ms, to_ms]` (the state at `from_ms`
    /// first), `count` of the latest change of every machine of `app`.
    fn each_moment(
        &self,
        app: &str,
        from_ms: u64,
        to_ms: u64,
        count: impl Fn(&Change) -> bool,
    ) -> Vec<usize> {
        let changes = self.timeline(app);
        let mut latest = std::collections::BTreeMap::<String, Change>::new();
        let n = |latest: &std::collections::BTreeMap<String, Change>| {
            latest.values().filter(|c| count(c)).count()
        };
        let mut i = 0;
        while i < changes.len() && changes[i].at_ms <= from_ms {
            latest.insert(changes[i].machine.clone(), changes[i].clone());
            i += 1;
        }
        let mut out = vec![n(&latest)];
        while i < changes.len() && changes[i].at_ms <= to_ms {
            let at = changes[i].at_ms;
            while i < changes.len() && changes[i].at_ms == at {
                latest.insert(changes[i].machine.clone(), changes[i].clone());
                i += 1;
            }
            out.push(n(&latest));
        }
        out
    }

    /// The fewest machines of `app` that were `started` and healthy (checks
    /// all passing, or none) at any moment in `[from_ms, to_ms]`.
    pub fn min_started_during(&self, app: &str, from_ms: u64, to_ms: u64) -> usize {
        let counts = self.each_moment(app, from_ms, to_ms, |c| c.healthy);
        counts.into_iter().min().unwrap_or(0)
    }

    /// The most machines of `app` on their way up at one moment in
    /// `[from_ms, to_ms]`: `created`, `replacing`, `starting`, or `started`
    /// with checks not yet passing.
    pub fn most_starting_during(&self, app: &str, from_ms: u64, to_ms: u64) -> usize {
        let up = |c: &Change| {
            matches!(c.state.as_str(), "created" | "replacing" | "starting")
                || (c.state == "started" && !c.healthy)
        };
        let counts = self.each_moment(app, from_ms, to_ms, up);
        counts.into_iter().max().unwrap_or(0)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.st().requests.clone()
    }

    /// Non-GET requests to `/v1` (secrets writes included).
    pub fn mutating_requests(&self) -> usize {
        self.st()
            .requests
            .iter()
            .filter(|r| r.method != "GET" && r.path.starts_with("/v1/"))
            .count()
    }

    /// Spec violations seen (each was answered 400).
    pub fn violations(&self) -> Vec<String> {
        self.st().violations.clone()
    }

    /// Ids of the app's machines with a live lease.
    pub fn leases_held(&self, app: &str) -> Vec<String> {
        let now = util::unix_ms();
        self.st()
            .machines
            .iter()
            .filter(|m| {
                m.app == app
                    && !matches!(m.state.as_str(), "destroyed" | "destroying")
                    && m.live_lease(now).is_some()
            })
            .map(|m| m.id.clone())
            .collect()
    }

    /// The app secrets version the machine last booted with.
    pub fn machine_secrets_version(&self, app: &str, id: &str) -> Option<u64> {
        let st = self.st();
        st.find_any(app, id)
            .and_then(|i| st.machines[i].secrets_version)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
