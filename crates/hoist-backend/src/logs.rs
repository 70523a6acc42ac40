//! Function logs: worker stdout/stderr lines and the backend's own lines
//! about a function go through a channel to one writer thread that inserts
//! them into SQLite in batches (one transaction per batch). A line is
//! `info` on stdout, `error` on stderr, unless it is JSON with a `level`.
//! Env values and the bearer token are never written here.

use std::path::Path;
use std::sync::mpsc;

use anyhow::Context;
use hoist_api::{LogEntry, LogLevel, LogStream};
use rusqlite::params;

use super::db::Db;

/// One line to store.
#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    pub(crate) function: String,
    pub(crate) version: Option<String>,
    pub(crate) worker: Option<String>,
    pub(crate) stream: LogStream,
    pub(crate) level: LogLevel,
    pub(crate) message: String,
}

enum Msg {
    Line(LogLine),
    Flush(mpsc::Sender<()>),
}

/// A cheap handle to the writer thread.
#[derive(Clone)]
pub(crate) struct Logs {
    tx: mpsc::Sender<Msg>,
}

/// Level of a worker line: JSON `level` wins, else by stream. A line that
/// only looks like JSON is a plain line.
pub(crate) fn level_of(stream: LogStream, line: &str) -> LogLevel {
    let t = line.trim_start();
    if t.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
            if let Some(l) = v.get("level").and_then(|l| l.as_str()) {
                return match l.to_ascii_lowercase().as_str() {
                    "debug" | "trace" => LogLevel::Debug,
                    "info" | "log" => LogLevel::Info,
                    "warn" | "warning" => LogLevel::Warn,
                    _ => LogLevel::Error,
                };
            }
        }
    }
    if stream == LogStream::Stderr {
        LogLevel::Error
    } else {
        LogLevel::Info
    }
}

/// Numeric rank of a level for `level=` filters (as the SQL ranks them).
pub(crate) fn rank(level: &str) -> Option<i64> {
    LogLevel::parse(level).map(|l| match l {
        LogLevel::Debug => 0,
        LogLevel::Info => 1,
        LogLevel::Warn => 2,
        LogLevel::Error => 3,
    })
}

fn stream_of(s: &str) -> Option<LogStream> {
    [LogStream::Stdout, LogStream::Stderr, LogStream::System]
        .into_iter()
        .find(|x| x.as_str() == s)
}

impl Logs {
    /// Start the writer thread on its own connection to `db`.
    pub(crate) fn start(db: &Path) -> anyhow::Result<Logs> {
        let conn = super::db::connect(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let (tx, rx) = mpsc::channel::<Msg>();
        std::thread::Builder::new()
            .name("hoist-logs".into())
            .spawn(move || writer(conn, rx))
            .context("cannot start the log writer")?;
        Ok(Logs { tx })
    }

    pub(crate) fn line(&self, line: LogLine) {
        if self.tx.send(Msg::Line(line)).is_err() {
            eprintln!("hoist backend: the log writer has stopped; a log line was not kept");
        }
    }

    /// A backend line about a function (`stream: system`).
    pub(crate) fn system(
        &self,
        function: &str,
        version: Option<&str>,
        worker: Option<&str>,
        msg: String,
    ) {
        self.line(LogLine {
            function: function.to_string(),
            version: version.map(str::to_string),
            worker: worker.map(str::to_string),
            stream: LogStream::System,
            level: LogLevel::Info,
            message: msg,
        });
    }

    /// Wait until every line sent so far is in the database.
    pub(crate) fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.tx.send(Msg::Flush(tx)).is_err() {
            eprintln!("hoist backend: the log writer has stopped; recent log lines were not kept");
            return;
        }
        if rx.recv_timeout(std::time::Duration::from_secs(5)).is_err() {
            eprintln!(
                "hoist backend: log lines were not all written after 5s; going on without them"
            );
        }
    }
}

fn writer(mut conn: rusqlite::Connection, rx: mpsc::Receiver<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 500 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut waiters = Vec::new();
        let now = super::now();
        let res = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            for m in batch {
                match m {
                    Msg::Line(l) => {
                        tx.execute(
                            "INSERT INTO logs (time, function, version, worker, stream, level, message)
                             VALUES (?1,?2,?3,?4,?5,?6,?7)",
                            params![now, l.function, l.version, l.worker, l.stream.as_str(), l.level.as_str(), l.message],
                        )?;
                    }
                    Msg::Flush(w) => waiters.push(w),
                }
            }
            tx.commit()
        })();
        if let Err(e) = res {
            eprintln!("hoist backend: cannot write logs: {e}");
        }
        for w in waiters {
            if w.send(()).is_err() {
                // That flush gave up waiting (and said so); nothing is lost.
            }
        }
    }
}

/// Filters of `GET .../logs`.
#[derive(Debug, Clone)]
pub(crate) struct LogQuery {
    pub(crate) function: String,
    pub(crate) cursor: i64,
    pub(crate) since: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) min_level: i64,
    pub(crate) limit: i64,
}

impl Db {
    pub(crate) fn logs(&self, q: &LogQuery) -> rusqlite::Result<Vec<LogEntry>> {
        let c = self.c();
        let mut st = c.prepare(
            "SELECT id, time, function, version, worker, stream, level, message FROM logs
             WHERE function = ?1 AND id > ?2 AND (?3 IS NULL OR time >= ?3)
             AND (?4 IS NULL OR version = ?4) AND
             (CASE level WHEN 'debug' THEN 0 WHEN 'info' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END) >= ?5
             ORDER BY id LIMIT ?6",
        )?;
        let rows = st.query_map(
            params![
                q.function,
                q.cursor,
                q.since,
                q.version,
                q.min_level,
                q.limit
            ],
            |r| {
                let text = |i: usize, what: &str, v: String| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        format!("unknown log {what} `{v}`").into(),
                    )
                };
                let stream: String = r.get(5)?;
                let level: String = r.get(6)?;
                Ok(LogEntry {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    function: r.get(2)?,
                    version: r.get(3)?,
                    worker: r.get(4)?,
                    stream: stream_of(&stream).ok_or_else(|| text(5, "stream", stream.clone()))?,
                    level: LogLevel::parse(&level)
                        .ok_or_else(|| text(6, "level", level.clone()))?,
                    message: r.get(7)?,
                })
            },
        )?;
        rows.collect()
    }

    /// The last `n` log messages of a function, oldest first.
    pub(crate) fn tail(&self, function: &str, n: i64) -> rusqlite::Result<Vec<String>> {
        let c = self.c();
        let mut st = c.prepare(
            "SELECT stream, message FROM (SELECT id, stream, message FROM logs WHERE function = ?1
             ORDER BY id DESC LIMIT ?2) ORDER BY id",
        )?;
        let rows = st.query_map(params![function, n], |r| {
            Ok(format!(
                "[{}] {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })?;
        rows.collect()
    }
}
