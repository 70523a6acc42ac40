//! Reading a function's logs from the backend: the history page by page
//! from a cursor, then with `follow` the ndjson stream, reconnected from the
//! last id seen after a drop, so no line is printed twice or skipped.

use std::collections::BTreeMap;

use hoist_api as api;
use reqwest::Method;

use super::{enc, Selfhosted};
use crate::targets::{LogEntry, LogQuery, LogSink};

fn entry(e: api::LogEntry) -> LogEntry {
    LogEntry {
        id: e.id,
        time: e.time,
        version: e.version,
        worker: e.worker,
        stream: e.stream.as_str().to_string(),
        level: e.level.as_str().to_string(),
        message: e.message,
    }
}

pub(super) async fn read(
    sh: &Selfhosted,
    q: &LogQuery,
    sink: &mut LogSink<'_>,
) -> anyhow::Result<()> {
    let mut params = BTreeMap::new();
    if let Some(s) = &q.since {
        params.insert("since", s.clone());
    }
    if let Some(v) = &q.version {
        params.insert("version", v.clone());
    }
    if let Some(l) = &q.level {
        params.insert("level", l.clone());
    }
    let base = Selfhosted::path(&q.function, "/logs");
    let query = |cursor: i64, follow: bool| {
        let mut p: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        p.push(format!("cursor={cursor}"));
        if follow {
            p.push("follow=true".into());
        } else {
            p.push("limit=500".into());
        }
        format!("{base}?{}", p.join("&"))
    };
    let mut cursor = 0i64;
    // History first, page by page.
    loop {
        let page: api::LogPage = sh.get(&query(cursor, false)).await?;
        if page.entries.is_empty() {
            break;
        }
        for e in page.entries {
            cursor = cursor.max(e.id);
            if !sink(&entry(e))? {
                return Ok(());
            }
        }
    }
    if !q.follow {
        return Ok(());
    }
    // Then the live stream, resumed from the last id after a drop.
    let mut drops = 0u32;
    loop {
        crate::interrupt::check()?;
        let url = query(cursor, true);
        let res = async {
            let resp = sh.api.request(Method::GET, &url).send().await?;
            if !resp.status().is_success() {
                let status = resp.status();
                let err: anyhow::Error = match resp.text().await {
                    Ok(text) => {
                        anyhow::anyhow!("{status}: {}", text.chars().take(200).collect::<String>())
                    }
                    Err(e) => anyhow::anyhow!("{status} (its body could not be read: {e})"),
                };
                return Ok::<_, anyhow::Error>(Err(err));
            }
            let mut resp = resp;
            let mut buf = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                buf.extend_from_slice(&chunk);
                while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=nl).collect();
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let Some(e) = stream_line(sh, &url, &line)? else {
                        continue;
                    };
                    if e.id <= cursor {
                        continue;
                    }
                    cursor = e.id;
                    if !sink(&entry(e))? {
                        return Ok(Ok(true));
                    }
                }
                if crate::interrupt::requested() {
                    return Ok(Ok(true));
                }
            }
            Ok(Ok(false))
        }
        .await;
        match res {
            Ok(Ok(true)) => return crate::interrupt::check(),
            Ok(Ok(false)) => drops = 0,
            Ok(Err(e)) => return Err(e.context(format!("{} refused the log stream", sh.api.name))),
            Err(_) if drops < 30 => drops += 1,
            Err(e) => return Err(e),
        }
        tokio::time::sleep(crate::http::retry::backoff(drops.min(3))).await;
    }
}

/// A line of the follow stream: an entry, `None` for a heartbeat, or an
/// error naming what did not fit (a line hoist cannot read is never
/// skipped in silence).
fn stream_line(sh: &Selfhosted, url: &str, line: &[u8]) -> anyhow::Result<Option<api::LogEntry>> {
    let v: serde_json::Value = serde_json::from_slice(line).map_err(|e| {
        anyhow::anyhow!(
            "{} sent a log line that is not JSON on GET {url}: {e}",
            sh.api.name
        )
    })?;
    if v.get("heartbeat").is_some_and(serde_json::Value::is_i64) {
        return Ok(None);
    }
    sh.api.decode(&Method::GET, url, v).map(Some)
}
