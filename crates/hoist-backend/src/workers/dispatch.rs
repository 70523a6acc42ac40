//! Handing workers to invocations: `acquire` (an idle ready worker of the
//! active version, else a new one below the concurrency limit, else a queue
//! until the timeout), `forward` (one request with the function's timeout;
//! a timed-out worker is killed and replaced) and `release`.

use hoist_api::ErrorCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use std::sync::atomic::Ordering;

use super::{lock, ready, Pool, Spec, State, Supervisor, Worker};
use crate::errors::{ApiError, ApiResult};

/// A function's answer to a forwarded request.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: bytes::Bytes,
    pub(crate) duration_ms: f64,
}

impl Supervisor {
    /// A worker of the active version for one invocation.
    pub(crate) async fn acquire(&self, pool: &Arc<Pool>) -> ApiResult<(Arc<Worker>, Arc<Spec>)> {
        let start = Instant::now();
        loop {
            if self.shutting_down.load(Ordering::SeqCst) {
                return Err(ApiError::unavailable("the backend is shutting down"));
            }
            let fresh = {
                // Counting and spawning under one gate keeps concurrent
                // acquires from overshooting max_concurrent_executions.
                let _gate = lock(&pool.spawn_gate);
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
                        ErrorCode::TooManyRequests,
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
                    // A deploy that switched versions meanwhile drains the
                    // old generation, starting workers included: take a
                    // worker of the new one instead of failing the call.
                    let superseded =
                        lock(&w.inner).draining || pool.active().map(|s| s.gen) != Some(spec.gen);
                    self.terminate(pool, &w, Duration::from_millis(500));
                    if superseded {
                        continue;
                    }
                    return Err(ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        ErrorCode::WorkerFailed,
                        e.message,
                    ));
                }
                if w.try_claim() {
                    return Ok((w, spec));
                }
                continue;
            }
            let woken = tokio::time::timeout(Duration::from_millis(50), pool.notify.notified());
            if woken.await.is_err() {
                // No worker freed up within 50ms: look again all the same.
            }
        }
    }

    /// Hand a worker back after an invocation.
    pub(crate) fn release(&self, pool: &Pool, w: &Arc<Worker>) {
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
    pub(crate) async fn forward(
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
                    ErrorCode::WorkerFailed,
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
                    ErrorCode::Timeout,
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
            if let Err(e) = ready::wait_ready(&http, &logs, &w, &spec, deadline).await {
                logs.system(
                    &spec.function,
                    Some(&spec.version),
                    Some(&w.id),
                    format!("a replacement worker did not become ready: {}", e.message),
                );
            }
            pool.notify.notify_waiters();
        });
    }
}
