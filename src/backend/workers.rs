//! The worker supervisor: one OS process per warm slot, each serving one
//! invocation at a time on a loopback port. A pool per function holds the
//! active `Spec` (version, env, limits; a new generation on each deploy or
//! restart) and its workers; `acquire` hands out a ready idle worker, spawns
//! one below `max_concurrent_executions`, or queues until the timeout (429).
//! Readiness polls the worker over HTTP every 25 ms; old generations are
//! drained (in-flight finish, then SIGTERM, SIGKILL after 5 s).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Notify;

use super::errors::{ApiError, ApiResult};
use super::logs::{level_of, LogLine, Logs};

/// What the workers of one generation run.
#[derive(Debug, Clone)]
pub struct Spec {
    pub gen: u64,
    pub function: String,
    pub version: String,
    pub runtime: String,
    pub runtime_bin: PathBuf,
    pub dir: PathBuf,
    pub entrypoint: String,
    pub import_map: Option<String>,
    pub handler: String,
    pub env: BTreeMap<String, String>,
    pub memory_mb: i64,
    pub timeout: Duration,
    pub max_concurrent: usize,
    pub warm_workers: usize,
    pub health_path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
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
pub struct Worker {
    pub id: String,
    pub version: String,
    pub gen: u64,
    pub port: u16,
    pub started_at: String,
    spawned: Instant,
    inner: Mutex<WInner>,
}

/// A worker as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerView {
    pub id: String,
    pub version: String,
    pub pid: Option<u32>,
    pub state: &'static str,
    pub port: u16,
    pub started_at: String,
    pub cold_start_ms: Option<u64>,
    pub invocations: u64,
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
    pub fn pid(&self) -> Option<u32> {
        lock(&self.inner).pid
    }
    pub fn view(&self) -> WorkerView {
        let i = lock(&self.inner);
        let state = match i.state {
            State::Starting => "STARTING",
            State::Warm if i.last_used.elapsed() > Duration::from_secs(60) => "IDLE",
            State::Warm => "WARM",
            State::Busy => "BUSY",
            State::Terminated => "TERMINATED",
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
pub struct Pool {
    pub name: String,
    inner: Mutex<PoolInner>,
    notify: Notify,
    /// Held for the whole of a deploy, rollback or restart.
    pub deploy_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct PoolInner {
    active: Option<Arc<Spec>>,
    workers: Vec<Arc<Worker>>,
}

impl Pool {
    pub fn active(&self) -> Option<Arc<Spec>> {
        lock(&self.inner).active.clone()
    }
    /// Workers, newest last; terminated ones are kept for 10 minutes.
    pub fn workers(&self) -> Vec<Arc<Worker>> {
        let mut inner = lock(&self.inner);
        inner.workers.retain(|w| {
            lock(&w.inner)
                .terminated_at
                .is_none_or(|t| t.elapsed() < Duration::from_secs(600))
        });
        inner.workers.clone()
    }
    /// Ready workers of the active generation.
    pub fn ready_count(&self) -> usize {
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
pub struct Supervisor {
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    pub logs: Logs,
    http: reqwest::Client,
    next_gen: AtomicU64,
    pub shutting_down: AtomicBool,
    shims: PathBuf,
    data: PathBuf,
}

/// A function's answer to a forwarded request.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: bytes::Bytes,
    pub duration_ms: f64,
}

impl Supervisor {
    pub fn new(logs: Logs, shims: PathBuf, data: PathBuf) -> anyhow::Result<Supervisor> {
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
        })
    }

    pub fn next_gen(&self) -> u64 {
        self.next_gen.fetch_add(1, Ordering::SeqCst)
    }

    pub fn pool(&self, name: &str) -> Arc<Pool> {
        lock(&self.pools)
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(Pool {
                    name: name.to_string(),
                    inner: Mutex::new(PoolInner::default()),
                    notify: Notify::new(),
                    deploy_lock: tokio::sync::Mutex::new(()),
                })
            })
            .clone()
    }

    /// Make `spec` the active generation and drain every older worker.
    pub fn activate(&self, pool: &Pool, spec: Arc<Spec>) {
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

    /// Forget the active spec and stop every worker; returns how many ran.
    pub fn clear(&self, pool: &Pool) -> usize {
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
    pub fn terminate(&self, pool: &Pool, w: &Arc<Worker>, grace: Duration) {
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
        signal(pid, libc::SIGTERM);
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
                signal(pid, libc::SIGKILL);
            }
        });
    }

    /// Start one worker process of `spec` (state STARTING).
    pub fn spawn(&self, pool: &Arc<Pool>, spec: &Arc<Spec>) -> ApiResult<Arc<Worker>> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| ApiError::internal(format!("cannot pick a port: {e}")))?
            .port();
        let id = format!("w-{}", super::rand_hex(6));
        let entry = spec.dir.join(&spec.entrypoint);
        let import_map = spec.import_map.as_ref().map(|m| spec.dir.join(m));
        let mut cmd = tokio::process::Command::new(&spec.runtime_bin);
        cmd.args(super::shims::args(
            &spec.runtime,
            &self.shims,
            &entry,
            spec.memory_mb,
            import_map.as_deref(),
        ))
        .current_dir(&spec.dir)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
        // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe; a worker dies
        // with the backend even when the backend is SIGKILLed.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        for k in ["PATH", "HOME", "LANG", "TZ", "SSL_CERT_FILE"] {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        cmd.env("DENO_DIR", self.data.join("cache/deno"))
            .env("DENO_NO_UPDATE_CHECK", "1")
            .envs(&spec.env)
            .env("PORT", port.to_string())
            .env("HOIST_FUNCTION", &spec.function)
            .env("HOIST_VERSION", &spec.version)
            .env("HOIST_WORKER", &id)
            .env("HOIST_HANDLER", &spec.handler);
        let mut child = cmd.spawn().map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "start_failed",
                format!("cannot start {}: {e}", spec.runtime_bin.display()),
            )
        })?;
        let pid = child.id();
        if let Some(pid) = pid {
            super::cgroup::limit(&self.data, pid, spec.memory_mb);
        }
        let w = Arc::new(Worker {
            id: id.clone(),
            version: spec.version.clone(),
            gen: spec.gen,
            port,
            started_at: super::now(),
            spawned: Instant::now(),
            inner: Mutex::new(WInner {
                state: State::Starting,
                pid,
                exited: false,
                draining: false,
                cold_start_ms: None,
                invocations: 0,
                last_used: Instant::now(),
                terminated_at: None,
            }),
        });
        lock(&pool.inner).workers.push(w.clone());
        self.logs.system(
            &spec.function,
            Some(&spec.version),
            Some(&id),
            format!("worker spawned (pid {}, port {port})", pid.unwrap_or(0)),
        );
        let streams = [
            child.stdout.take().map(|s| {
                (
                    Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                    "stdout",
                )
            }),
            child.stderr.take().map(|s| {
                (
                    Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                    "stderr",
                )
            }),
        ];
        for (reader, stream) in streams.into_iter().flatten() {
            let logs = self.logs.clone();
            let (f, v, wid) = (spec.function.clone(), spec.version.clone(), id.clone());
            tokio::spawn(async move {
                let mut r = BufReader::new(reader);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.read_until(b'\n', &mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                    logs.line(LogLine {
                        function: f.clone(),
                        version: Some(v.clone()),
                        worker: Some(wid.clone()),
                        stream,
                        level: level_of(stream, &line),
                        message: line,
                    });
                }
            });
        }
        let (logs, wc, poolc, f) = (
            self.logs.clone(),
            w.clone(),
            pool.clone(),
            spec.function.clone(),
        );
        tokio::spawn(async move {
            let status = child.wait().await;
            {
                let mut i = lock(&wc.inner);
                i.exited = true;
                if i.state != State::Terminated {
                    i.state = State::Terminated;
                    i.terminated_at = Some(Instant::now());
                }
            }
            let how = match status {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            };
            logs.system(
                &f,
                Some(&wc.version),
                Some(&wc.id),
                format!("worker exited ({how})"),
            );
            poolc.notify.notify_waiters();
        });
        Ok(w)
    }

    /// Poll until the worker answers (or its `health_path` answers 2xx).
    pub async fn wait_ready(
        &self,
        w: &Arc<Worker>,
        spec: &Spec,
        deadline: Instant,
    ) -> ApiResult<()> {
        wait_ready(&self.http, &self.logs, w, spec, deadline).await
    }

    /// Spawn `n` workers of `spec` and wait until all are ready; on failure
    /// every one of them is killed.
    pub async fn start_generation(
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
    pub fn discard(&self, pool: &Pool, ws: &[Arc<Worker>]) {
        self.kill_all(pool, ws)
    }

    fn kill_all(&self, pool: &Pool, ws: &[Arc<Worker>]) {
        for w in ws {
            self.terminate(pool, w, Duration::from_millis(500));
        }
    }

    /// Make sure `count` workers of the active generation are ready.
    pub async fn warmup(&self, pool: &Arc<Pool>, count: usize, deadline: Instant) -> ApiResult<()> {
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
        let _ = futures_join(waits).await;
        while pool.ready_count() < count {
            if Instant::now() >= deadline {
                return Err(ApiError::timeout(format!(
                    "{} of {count} workers ready before the deadline",
                    pool.ready_count()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(())
    }

    /// A worker of the active version for one invocation.
    pub async fn acquire(&self, pool: &Arc<Pool>) -> ApiResult<(Arc<Worker>, Arc<Spec>)> {
        let start = Instant::now();
        loop {
            if self.shutting_down.load(Ordering::SeqCst) {
                return Err(ApiError::unavailable("the backend is shutting down"));
            }
            let fresh = {
                let inner = lock(&pool.inner);
                let spec = inner.active.clone().ok_or_else(|| {
                    ApiError::conflict(format!("{} has no active version", pool.name))
                })?;
                if let Some(w) = inner
                    .workers
                    .iter()
                    .find(|w| w.gen == spec.gen && w.try_claim())
                {
                    return Ok((w.clone(), spec));
                }
                let live = inner
                    .workers
                    .iter()
                    .filter(|w| w.gen == spec.gen && w.live())
                    .count();
                if live < spec.max_concurrent {
                    drop(inner);
                    Some((self.spawn(pool, &spec)?, spec))
                } else if start.elapsed() >= spec.timeout {
                    return Err(ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many_requests",
                        format!("every worker of {} is busy", pool.name),
                    )
                    .with_hint("raise max_concurrent_executions, or retry later"));
                } else {
                    None
                }
            };
            if let Some((w, spec)) = fresh {
                let deadline = Instant::now() + spec.timeout.max(Duration::from_secs(30));
                if let Err(e) = self.wait_ready(&w, &spec, deadline).await {
                    self.terminate(pool, &w, Duration::from_millis(500));
                    return Err(ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        "worker_failed",
                        e.message,
                    ));
                }
                if w.try_claim() {
                    return Ok((w, spec));
                }
                continue;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), pool.notify.notified()).await;
        }
    }

    /// Hand a worker back after an invocation.
    pub fn release(&self, pool: &Pool, w: &Arc<Worker>) {
        let draining = {
            let mut i = lock(&w.inner);
            i.invocations += 1;
            i.last_used = Instant::now();
            if i.state == State::Busy {
                i.state = State::Warm;
            }
            i.draining
        };
        if draining {
            self.terminate(pool, w, Duration::from_secs(5));
        }
        pool.notify.notify_waiters();
    }

    /// Send one request to a worker, with the function's timeout.
    pub async fn forward(
        &self,
        pool: &Arc<Pool>,
        w: &Arc<Worker>,
        spec: &Spec,
        req: reqwest::Request,
    ) -> ApiResult<Answer> {
        let started = Instant::now();
        let res = tokio::time::timeout(spec.timeout, async {
            let r = self.http.execute(req).await?;
            let status = r.status().as_u16();
            let headers = r
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
                .collect();
            let body = r.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        })
        .await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        match res {
            Ok(Ok((status, headers, body))) => {
                self.release(pool, w);
                Ok(Answer {
                    status,
                    headers,
                    body,
                    duration_ms,
                })
            }
            Ok(Err(e)) => {
                lock(&w.inner).invocations += 1;
                self.terminate(pool, w, Duration::from_millis(500));
                self.logs.system(
                    &spec.function,
                    Some(&spec.version),
                    Some(&w.id),
                    format!("invocation failed: {e}"),
                );
                Err(ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "worker_failed",
                    format!("worker {} failed: {e}", w.id),
                ))
            }
            Err(_) => {
                lock(&w.inner).invocations += 1;
                self.terminate(pool, w, Duration::ZERO);
                self.logs.system(
                    &spec.function,
                    Some(&spec.version),
                    Some(&w.id),
                    format!(
                        "invocation timed out after {} s; worker killed",
                        spec.timeout.as_secs()
                    ),
                );
                self.replace(pool.clone());
                Err(ApiError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "timeout",
                    format!(
                        "the invocation passed the function's timeout ({} s)",
                        spec.timeout.as_secs()
                    ),
                ))
            }
        }
    }

    /// Start a worker in the background (replacing a killed one).
    fn replace(&self, pool: Arc<Pool>) {
        let Some(spec) = pool.active() else { return };
        let Ok(w) = self.spawn(&pool, &spec) else {
            return;
        };
        let (http, logs) = (self.http.clone(), self.logs.clone());
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            let _ = wait_ready(&http, &logs, &w, &spec, deadline).await;
            pool.notify.notify_waiters();
        });
    }

    /// Stop every worker of every pool; waits up to 5 s for them to exit.
    pub async fn shutdown(&self) {
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

/// Poll a worker every 25 ms until it answers: any HTTP answer to
/// `/__hoist/ready`, or a 2xx from `health_path` when the function has one.
async fn wait_ready(
    http: &reqwest::Client,
    logs: &Logs,
    w: &Arc<Worker>,
    spec: &Spec,
    deadline: Instant,
) -> ApiResult<()> {
    let path = spec
        .health_path
        .clone()
        .unwrap_or_else(|| "/__hoist/ready".into());
    let url = format!("http://127.0.0.1:{}{}", w.port, path);
    loop {
        if lock(&w.inner).state == State::Terminated {
            return Err(start_failed(format!(
                "worker {} exited before it was ready",
                w.id
            )));
        }
        if let Ok(r) = http.get(&url).timeout(Duration::from_secs(1)).send().await {
            if spec.health_path.is_none() || r.status().is_success() {
                break;
            }
        }
        if Instant::now() >= deadline {
            return Err(ApiError::timeout(format!(
                "worker {} was not ready in time (no answer, or no 2xx from {path})",
                w.id
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let ms = w.spawned.elapsed().as_millis() as u64;
    {
        let mut i = lock(&w.inner);
        if i.state == State::Starting {
            i.state = State::Warm;
            i.cold_start_ms = Some(ms);
            i.last_used = Instant::now();
        }
    }
    logs.system(
        &spec.function,
        Some(&spec.version),
        Some(&w.id),
        format!("worker ready in {ms} ms"),
    );
    Ok(())
}

fn start_failed(msg: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "start_failed", msg)
}

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill(2) on the worker's own process group (spawned with
    // process_group(0), so its pgid is its pid); no memory is shared.
    unsafe {
        libc::kill(-(pid as libc::pid_t), sig);
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
