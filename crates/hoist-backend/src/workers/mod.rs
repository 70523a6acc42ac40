//! The worker supervisor: one OS process per warm slot, each serving one
//! invocation at a time on a loopback port. A pool per function holds the
//! active `Spec` (version, env, limits; a new generation on each deploy or
//! restart) and its workers; `acquire` hands out a ready idle worker, spawns
//! one below `max_concurrent_executions`, or queues until the timeout (429).
//! A new worker is ready when it answers HTTP, checked as soon as its shim
//! says it listens and every 25 ms otherwise (`ready`); old generations
//! are drained (in-flight finish, then SIGTERM, SIGKILL after 5 s).

mod dispatch;
mod ports;
mod process;
mod ready;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hoist_api::{Worker as WorkerView, WorkerState};
use tokio::sync::Notify;

use super::errors::{ApiError, ApiResult};
use super::logs::Logs;

/// What the workers of one generation run.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) gen: u64,
    pub(crate) function: String,
    pub(crate) version: String,
    pub(crate) runtime: String,
    pub(crate) runtime_bin: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) entrypoint: String,
    pub(crate) import_map: Option<String>,
    pub(crate) handler: String,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) memory_mb: i64,
    pub(crate) timeout: Duration,
    pub(crate) max_concurrent: usize,
    pub(crate) warm_workers: usize,
    pub(crate) health_path: Option<String>,
    /// What node workers get as `NODE_EXTRA_CA_CERTS` (see `nodeca`).
    pub(crate) node_ca: crate::nodeca::NodeExtraCa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Starting,
    Warm,
    Busy,
    Terminated,
}

struct WInner {
    state: State,
    pid: Option<u32>,
    exited: bool,
    draining: bool,
    cold_start_ms: Option<u64>,
    invocations: u64,
    last_used: Instant,
    terminated_at: Option<Instant>,
}

/// One worker process.
pub(crate) struct Worker {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) gen: u64,
    pub(crate) port: u16,
    pub(crate) started_at: String,
    spawned: Instant,
    /// What the worker said on its ready pipe.
    ready: tokio::sync::watch::Receiver<ready::Signal>,
    inner: Mutex<WInner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Worker {
    fn live(&self) -> bool {
        lock(&self.inner).state != State::Terminated
    }
    fn ready(&self) -> bool {
        matches!(lock(&self.inner).state, State::Warm | State::Busy)
    }
    fn try_claim(&self) -> bool {
        let mut i = lock(&self.inner);
        if i.state == State::Warm && !i.draining {
            i.state = State::Busy;
            return true;
        }
        false
    }
    /// Mark a warm, unclaimed worker unused for `idle` as draining, so no
    /// invocation can claim it; true when it may now be terminated.
    fn try_retire(&self, idle: Duration) -> bool {
        let mut i = lock(&self.inner);
        if i.state == State::Warm && !i.draining && i.last_used.elapsed() > idle {
            i.draining = true;
            return true;
        }
        false
    }
    pub(crate) fn view(&self) -> WorkerView {
        let i = lock(&self.inner);
        let state = match i.state {
            State::Starting => WorkerState::Starting,
            State::Warm if i.last_used.elapsed() > Duration::from_secs(60) => WorkerState::Idle,
            State::Warm => WorkerState::Warm,
            State::Busy => WorkerState::Busy,
            State::Terminated => WorkerState::Terminated,
        };
        WorkerView {
            id: self.id.clone(),
            version: self.version.clone(),
            pid: i.pid,
            state,
            port: self.port,
            started_at: self.started_at.clone(),
            cold_start_ms: i.cold_start_ms,
            invocations: i.invocations,
        }
    }
}

/// The workers of one function.
pub(crate) struct Pool {
    pub(crate) name: String,
    inner: Mutex<PoolInner>,
    notify: Notify,
    /// Held for the whole of a deploy, rollback or restart.
    pub(crate) deploy_lock: tokio::sync::Mutex<()>,
    spawn_gate: Mutex<()>,
}

#[derive(Default)]
struct PoolInner {
    active: Option<Arc<Spec>>,
    workers: Vec<Arc<Worker>>,
}

impl Pool {
    pub(crate) fn active(&self) -> Option<Arc<Spec>> {
        lock(&self.inner).active.clone()
    }
    /// Workers, newest last; terminated ones are kept for 10 minutes.
    pub(crate) fn workers(&self) -> Vec<Arc<Worker>> {
        let mut inner = lock(&self.inner);
        inner.workers.retain(|w| {
            lock(&w.inner)
                .terminated_at
                .is_none_or(|t| t.elapsed() < Duration::from_secs(600))
        });
        inner.workers.clone()
    }
    /// Ready workers of the active generation.
    pub(crate) fn ready_count(&self) -> usize {
        let inner = lock(&self.inner);
        let Some(gen) = inner.active.as_ref().map(|s| s.gen) else {
            return 0;
        };
        inner
            .workers
            .iter()
            .filter(|w| w.gen == gen && w.ready())
            .count()
    }
}

/// Every pool, the log sink and the HTTP client to workers.
pub(crate) struct Supervisor {
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    pub(crate) logs: Logs,
    http: reqwest::Client,
    next_gen: AtomicU64,
    pub(crate) shutting_down: AtomicBool,
    shims: PathBuf,
    data: PathBuf,
    /// The machine's settings every worker gets (see `workerenv`).
    env: crate::workerenv::WorkerEnv,
    /// Node's extra CA file, worked out once (see `nodeca`).
    node_ca: crate::nodeca::NodeCa,
}

impl Supervisor {
    pub(crate) fn new(
        logs: Logs,
        shims: PathBuf,
        data: PathBuf,
        env: crate::workerenv::WorkerEnv,
    ) -> anyhow::Result<Supervisor> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Supervisor {
            pools: Mutex::new(HashMap::new()),
            logs,
            http,
            next_gen: AtomicU64::new(1),
            shutting_down: AtomicBool::new(false),
            shims,
            data,
            env,
            node_ca: crate::nodeca::NodeCa::default(),
        })
    }

    pub(crate) fn next_gen(&self) -> u64 {
        self.next_gen.fetch_add(1, Ordering::SeqCst)
    }

    pub(crate) fn pool(&self, name: &str) -> Arc<Pool> {
        lock(&self.pools)
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(Pool {
                    name: name.to_string(),
                    inner: Mutex::new(PoolInner::default()),
                    notify: Notify::new(),
                    deploy_lock: tokio::sync::Mutex::new(()),
                    spawn_gate: Mutex::new(()),
                })
            })
            .clone()
    }

    /// Make `spec` the active generation and drain every older worker.
    pub(crate) fn activate(&self, pool: &Pool, spec: Arc<Spec>) {
        let old: Vec<Arc<Worker>> = {
            let mut inner = lock(&pool.inner);
            inner.active = Some(spec.clone());
            inner
                .workers
                .iter()
                .filter(|w| w.gen != spec.gen)
                .cloned()
                .collect()
        };
        for w in old {
            self.drain(pool, &w);
        }
        pool.notify.notify_waiters();
    }

    /// Stop workers of the active generation left unused for `idle`, oldest
    /// use first, keeping the function's `warm_workers` ready.
    pub(crate) fn reap_idle(&self, idle: Duration) {
        let pools: Vec<Arc<Pool>> = lock(&self.pools).values().cloned().collect();
        for pool in pools {
            let (keep, mut ready): (usize, Vec<Arc<Worker>>) = {
                let inner = lock(&pool.inner);
                let Some(spec) = inner.active.as_ref() else {
                    continue;
                };
                let ready = inner
                    .workers
                    .iter()
                    .filter(|w| w.gen == spec.gen && w.ready())
                    .cloned()
                    .collect();
                (spec.warm_workers, ready)
            };
            ready.sort_by_key(|w| lock(&w.inner).last_used);
            let mut spare = ready.len().saturating_sub(keep);
            for w in ready {
                if spare == 0 {
                    break;
                }
                if w.try_retire(idle) {
                    self.logs.system(
                        &pool.name,
                        Some(&w.version),
                        Some(&w.id),
                        format!("worker {} stopped: idle for {}s", w.id, idle.as_secs()),
                    );
                    self.terminate(&pool, &w, Duration::from_secs(5));
                    spare -= 1;
                }
            }
        }
    }

    /// New limits of `f` for workers spawned from now on (same generation).
    pub(crate) fn update_limits(&self, pool: &Pool, f: &crate::db::FunctionRow) {
        let mut inner = lock(&pool.inner);
        if let Some(spec) = &inner.active {
            let mut s = (**spec).clone();
            s.handler = f.handler.clone();
            s.memory_mb = f.memory_mb;
            s.timeout = Duration::from_secs(f.timeout_seconds.max(1) as u64);
            s.max_concurrent = f.max_concurrent_executions.max(1) as usize;
            s.warm_workers = f.warm_workers.max(0) as usize;
            s.health_path = f.health_path.clone();
            inner.active = Some(Arc::new(s));
        }
    }

    /// Forget the active spec and stop every worker; returns how many ran.
    pub(crate) fn clear(&self, pool: &Pool) -> usize {
        let ws: Vec<Arc<Worker>> = {
            let mut inner = lock(&pool.inner);
            inner.active = None;
            inner.workers.clone()
        };
        let live = ws.iter().filter(|w| w.live()).count();
        for w in ws {
            self.terminate(pool, &w, Duration::from_secs(5));
        }
        pool.notify.notify_waiters();
        live
    }

    fn drain(&self, pool: &Pool, w: &Arc<Worker>) {
        let busy = {
            let mut i = lock(&w.inner);
            i.draining = true;
            i.state == State::Busy
        };
        if !busy {
            self.terminate(pool, w, Duration::from_secs(5));
        }
    }

    /// SIGTERM the worker's process group, SIGKILL after `grace`.
    pub(crate) fn terminate(&self, pool: &Pool, w: &Arc<Worker>, grace: Duration) {
        let pid = {
            let mut i = lock(&w.inner);
            if i.state != State::Terminated {
                i.state = State::Terminated;
                i.terminated_at = Some(Instant::now());
            }
            if i.exited {
                None
            } else {
                i.pid
            }
        };
        pool.notify.notify_waiters();
        let Some(pid) = pid else { return };
        process::signal(pid, libc::SIGTERM);
        let w = w.clone();
        tokio::spawn(async move {
            let end = Instant::now() + grace;
            while Instant::now() < end {
                if lock(&w.inner).exited {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if !lock(&w.inner).exited {
                process::signal(pid, libc::SIGKILL);
            }
        });
    }

    /// Wait until the worker answers (or its `health_path` answers 2xx).
    pub(crate) async fn wait_ready(
        &self,
        w: &Arc<Worker>,
        spec: &Spec,
        deadline: Instant,
    ) -> ApiResult<()> {
        ready::wait_ready(&self.http, &self.logs, w, spec, deadline).await
    }

    /// Spawn `n` workers of `spec` and wait until all are ready; on failure
    /// every one of them is killed.
    pub(crate) async fn start_generation(
        &self,
        pool: &Arc<Pool>,
        spec: &Arc<Spec>,
        n: usize,
        deadline: Instant,
    ) -> ApiResult<Vec<Arc<Worker>>> {
        let mut ws = Vec::new();
        for _ in 0..n {
            match self.spawn(pool, spec) {
                Ok(w) => ws.push(w),
                Err(e) => {
                    self.kill_all(pool, &ws);
                    return Err(e);
                }
            }
        }
        let waits = ws.iter().map(|w| self.wait_ready(w, spec, deadline));
        for r in futures_join(waits).await {
            if let Err(e) = r {
                self.kill_all(pool, &ws);
                return Err(e);
            }
        }
        Ok(ws)
    }

    /// Kill workers that will not be used (a failed gate or record).
    pub(crate) fn discard(&self, pool: &Pool, ws: &[Arc<Worker>]) {
        self.kill_all(pool, ws)
    }

    fn kill_all(&self, pool: &Pool, ws: &[Arc<Worker>]) {
        for w in ws {
            self.terminate(pool, w, Duration::from_millis(500));
        }
    }

    /// Make sure `count` workers of the active generation are ready.
    pub(crate) async fn warmup(
        &self,
        pool: &Arc<Pool>,
        count: usize,
        deadline: Instant,
    ) -> ApiResult<()> {
        let spec = pool
            .active()
            .ok_or_else(|| ApiError::conflict("no version is active"))?;
        let live = {
            let inner = lock(&pool.inner);
            inner
                .workers
                .iter()
                .filter(|w| w.gen == spec.gen && w.live())
                .count()
        };
        let mut fresh = Vec::new();
        for _ in live..count {
            fresh.push(self.spawn(pool, &spec)?);
        }
        let waits = fresh.iter().map(|w| self.wait_ready(w, &spec, deadline));
        // A worker that fails may be replaced in time: the count below
        // decides, and the first failure says why when it falls short.
        let first_failure = futures_join(waits)
            .await
            .into_iter()
            .find_map(Result::err)
            .map_or_else(String::new, |e| format!(" (first failure: {})", e.message));
        while pool.ready_count() < count {
            if Instant::now() >= deadline {
                return Err(ApiError::timeout(format!(
                    "{} of {count} workers ready before the deadline{first_failure}",
                    pool.ready_count()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(())
    }

    /// Stop every worker of every pool; waits up to 5 s for them to exit.
    pub(crate) async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let pools: Vec<Arc<Pool>> = lock(&self.pools).values().cloned().collect();
        let mut all = Vec::new();
        for p in &pools {
            all.extend(p.workers());
            self.clear(p);
        }
        let end = Instant::now() + Duration::from_secs(6);
        while Instant::now() < end && all.iter().any(|w| !lock(&w.inner).exited) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Await every future, in order, concurrently.
async fn futures_join<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = fs.map(Box::pin).collect();
    let mut out = Vec::with_capacity(handles.len());
    // Polling in sequence is fine: each future only waits on its own worker,
    // and they all run against the same deadline.
    for h in handles {
        out.push(h.await);
    }
    out
}
