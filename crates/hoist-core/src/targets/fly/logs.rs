//! Fly logs by polling the platform's logs endpoint with `next_token`, as
//! flyctl does without NATS: a page with entries is followed at once by
//! the next one; an empty page backs off from 64 ms to 4 s. Entries are
//! never shown twice (their ids are remembered across a page boundary).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use super::api::FlyApi;
use crate::targets::TargetError;
use crate::targets::{LogEntry, LogQuery, LogSink};

/// Ids remembered to drop repeats.
const SEEN: usize = 4096;

pub(crate) async fn follow(
    api: &FlyApi,
    app: &str,
    q: &LogQuery,
    sink: &mut LogSink<'_>,
) -> anyhow::Result<()> {
    // Without `--since`, an empty token: the server starts from its own
    // recent lines.
    let mut token = match q.since.as_deref() {
        Some(s) => since_ns(s)
            .ok_or_else(|| TargetError::Since {
                since: s.to_string(),
            })?
            .to_string(),
        None => String::new(),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut order: VecDeque<String> = VecDeque::new();
    let mut wait = Duration::from_millis(64);
    let mut n: i64 = 0;
    loop {
        let page = api
            .logs(app, &token, q.region.as_deref(), q.worker.as_deref())
            .await?;
        let data = page.data;
        // No next token named: the next page is asked for with this one.
        if let Some(t) = page.meta.and_then(|m| m.next_token) {
            if !t.is_empty() {
                token = t;
            }
        }
        let mut shown = 0;
        for d in &data {
            // An entry without an id cannot be told from a repeat: shown.
            if let Some(id) = d.id.as_deref().filter(|id| !id.is_empty()) {
                if !seen.insert(id.to_string()) {
                    continue;
                }
                order.push_back(id.to_string());
                if order.len() > SEEN {
                    if let Some(old) = order.pop_front() {
                        seen.remove(&old);
                    }
                }
            }
            let a = &d.attributes;
            let level = a.level.as_deref().unwrap_or("info").to_string();
            if let Some(want) = &q.level {
                if rank(&level) < rank(want) {
                    continue;
                }
            }
            n += 1;
            shown += 1;
            let entry = LogEntry {
                id: n,
                time: a.timestamp.clone(),
                version: None,
                worker: Some(format!(
                    "{}/{}",
                    a.region.as_deref().unwrap_or("?"),
                    a.instance.as_deref().unwrap_or("?")
                )),
                stream: "stdout".into(),
                level,
                message: a.message.clone(),
            };
            if !sink(&entry)? {
                return Ok(());
            }
        }
        if data.is_empty() {
            if !q.follow {
                return Ok(());
            }
            crate::interrupt::check()?;
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(4096));
        } else {
            wait = Duration::from_millis(64);
            if !q.follow && shown == 0 && data.is_empty() {
                return Ok(());
            }
        }
    }
}

fn rank(level: &str) -> u8 {
    match level.to_ascii_lowercase().as_str() {
        "debug" | "trace" => 0,
        "info" | "notice" => 1,
        "warn" | "warning" => 2,
        _ => 3,
    }
}

/// `--since` as a nanosecond timestamp: an RFC 3339 time or a duration
/// back from now (`10m`, `1h`).
fn since_ns(s: &str) -> Option<u128> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    if let Some(d) = super::spec::duration(s) {
        return Some(now.saturating_sub(d).as_nanos());
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(t.unix_timestamp_nanos().max(0) as u128)
}
