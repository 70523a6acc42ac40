//! When a new worker is ready. Each worker inherits the write end of a pipe
//! (its number in `HOIST_READY_FD`); the shim writes `ready` there once its
//! server listens, or closes it when it cannot tell (a program that listens
//! by itself). What makes a worker ready is still an HTTP answer from it:
//! the backend asks as soon as the worker says it listens, and otherwise
//! every 25 ms, until `/__hoist/ready` answers (or `health_path` answers
//! 2xx) or the deadline passes. The pipe only spares the wait for the next
//! poll.

use std::io::{PipeReader, PipeWriter};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use hoist_api::ErrorCode;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::watch;

use super::{lock, Spec, State, Worker};
use crate::errors::{ApiError, ApiResult};
use crate::logs::Logs;

/// How long the backend waits between two HTTP checks of a new worker.
const POLL: Duration = Duration::from_millis(25);

/// What a worker said on its ready pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Nothing yet.
    Pending,
    /// Its server listens.
    Ready,
    /// It closed the pipe (or exited) without saying so: it is polled.
    Closed,
}

/// The pipe one worker tells its readiness on.
pub(super) struct ReadyPipe {
    reader: PipeReader,
    writer: PipeWriter,
}

impl ReadyPipe {
    pub(super) fn new() -> std::io::Result<ReadyPipe> {
        let (reader, writer) = std::io::pipe()?;
        // A backend started with stdio closed could get 0-2 here, which the
        // child's own stdio replaces: move it above them.
        let writer = if writer.as_raw_fd() < 3 {
            // SAFETY: fcntl(F_DUPFD_CLOEXEC) on an fd this function owns; the
            // new fd is owned by the OwnedFd made from it.
            let fd = unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
            if fd == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: `fd` is a fresh descriptor nobody else owns.
            PipeWriter::from(unsafe { OwnedFd::from_raw_fd(fd) })
        } else {
            writer
        };
        Ok(ReadyPipe { reader, writer })
    }

    /// The descriptor the worker inherits. Both ends are close-on-exec in
    /// the backend; the worker's `pre_exec` clears the flag on this one in
    /// the child only, so no other process keeps it open.
    pub(super) fn child_fd(&self) -> RawFd {
        self.writer.as_raw_fd()
    }

    /// Once the worker is spawned: close the backend's write end (the read
    /// end then ends when the worker closes or exits) and watch what the
    /// worker says.
    pub(super) fn watch(self, worker: &str) -> watch::Receiver<Signal> {
        drop(self.writer);
        let (tx, rx) = watch::channel(Signal::Pending);
        match tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(self.reader)) {
            Ok(pipe) => {
                tokio::spawn(async move {
                    let said = read_signal(pipe).await;
                    tx.send_replace(said);
                });
            }
            Err(e) => {
                eprintln!(
                    "hoist backend: worker {worker} is polled for readiness every {} ms: \
                     its ready pipe cannot be watched: {e}",
                    POLL.as_millis()
                );
                tx.send_replace(Signal::Closed);
            }
        }
        rx
    }
}

/// The first line on the pipe: `ready`, or anything else (EOF included).
async fn read_signal(pipe: tokio::net::unix::pipe::Receiver) -> Signal {
    let mut line = Vec::new();
    let mut r = BufReader::new(pipe.take(64));
    match r.read_until(b'\n', &mut line).await {
        Ok(_) if line.trim_ascii() == b"ready" => Signal::Ready,
        Ok(_) => Signal::Closed,
        // A pipe that cannot be read says nothing: the worker is polled.
        Err(_) => Signal::Closed,
    }
}

/// Until the next check, returning what the worker has said by then: at
/// once when it said something new since `last`, else the poll interval,
/// cut short when it speaks.
async fn pause(rx: &mut watch::Receiver<Signal>, last: Signal) -> Signal {
    let now = *rx.borrow();
    if now != last {
        return now;
    }
    if now == Signal::Pending {
        match tokio::time::timeout(POLL, rx.changed()).await {
            Ok(Ok(())) | Err(_) => return *rx.borrow(),
            // The watcher ended without a word (it always says something
            // first): wait out the interval.
            Ok(Err(_)) => {}
        }
    }
    tokio::time::sleep(POLL).await;
    *rx.borrow()
}

/// Whether the worker answers now: any HTTP answer to `url` from this
/// worker's shim, a 2xx when the function has a `health_path`.
async fn answers(http: &reqwest::Client, url: &str, w: &Worker, spec: &Spec) -> bool {
    let Ok(r) = http.get(url).timeout(Duration::from_secs(1)).send().await else {
        return false;
    };
    // A shim names its worker: an answer from another process that took
    // the port (this worker having died) is not readiness.
    let theirs = r
        .headers()
        .get("x-hoist-worker")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.is_empty() && v != w.id);
    !theirs
        && (spec.health_path.is_none() || r.status().is_success())
        && lock(&w.inner).state != State::Terminated
}

/// Wait until the worker answers (see the module doc), then mark it warm.
pub(super) async fn wait_ready(
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
    let mut said = w.ready.clone();
    let mut last = Signal::Pending;
    loop {
        // A worker just spawned is not listening yet: wait first.
        last = pause(&mut said, last).await;
        if lock(&w.inner).state == State::Terminated {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::HealthCheckFailed,
                format!("worker {} exited before it was ready", w.id),
            ));
        }
        if answers(http, &url, w, spec).await {
            break;
        }
        if Instant::now() >= deadline {
            return Err(ApiError::timeout(format!(
                "worker {} was not ready in time (no answer, or no 2xx from {path})",
                w.id
            )));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a child running `script` (with the pipe's write end as
    /// `$HOIST_READY_FD`) says.
    async fn said(script: &str) -> Signal {
        let pipe = ReadyPipe::new().unwrap();
        let fd = pipe.child_fd();
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .env("HOIST_READY_FD", fd.to_string());
        // SAFETY: fcntl(F_SETFD) is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().unwrap();
        let mut rx = pipe.watch("w-test");
        assert!(child.wait().await.unwrap().success());
        let got = tokio::time::timeout(
            Duration::from_secs(10),
            rx.wait_for(|s| *s != Signal::Pending),
        )
        .await
        .expect("the watcher answers once the child is gone")
        .unwrap();
        *got
    }

    #[tokio::test]
    async fn a_worker_says_it_is_ready_or_is_polled() {
        assert_eq!(
            said("printf 'ready\\n' > /dev/fd/$HOIST_READY_FD").await,
            Signal::Ready
        );
        // Closed unsaid (a program that listens by itself), or anything
        // else on the pipe: polled.
        assert_eq!(said("true").await, Signal::Closed);
        assert_eq!(
            said("printf 'listening\\n' > /dev/fd/$HOIST_READY_FD").await,
            Signal::Closed
        );
    }
}
