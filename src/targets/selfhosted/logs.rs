//! Reading a function's logs from the backend: the history page by page
//! from a cursor, then with `follow` the ndjson stream, reconnected from the
//! last id seen after a drop, so no line is printed twice or skipped.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use super::{enc, Selfhosted};
use crate::targets::{LogEntry, LogQuery};

pub(super) fn read(
    sh: &Selfhosted,
    q: &LogQuery,
    sink: &mut dyn FnMut(&LogEntry) -> anyhow::Result<bool>,
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
    let query = |cursor: u64, follow: bool| {
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
    let mut cursor = 0u64;
    // History first, page by page.
    loop {
        let v = sh.get(&query(cursor, false))?;
        let entries: Vec<LogEntry> = v
            .get("entries")
            .cloned()
            .and_then(|e| serde_json::from_value(e).ok())
            .unwrap_or_default();
        if entries.is_empty() {
            break;
        }
        for e in &entries {
            cursor = cursor.max(e.id);
            if !sink(e)? {
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
        let res = sh.block(async {
            let resp = sh.api.request(Method::GET, &url).send().await?;
            if !resp.status().is_success() {
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let err: anyhow::Error =
                    anyhow::anyhow!("{status}: {}", text.chars().take(200).collect::<String>());
                return Ok::<_, anyhow::Error>(Err(err));
            }
            let mut resp = resp;
            let mut buf = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                buf.extend_from_slice(&chunk);
                while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=nl).collect();
                    let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                        continue;
                    };
                    if v.get("heartbeat").is_some() {
                        continue;
                    }
                    let Ok(e) = serde_json::from_value::<LogEntry>(v) else {
                        continue;
                    };
                    if e.id <= cursor {
                        continue;
                    }
                    cursor = e.id;
                    if !sink(&e)? {
                        return Ok(Ok(true));
                    }
                }
                if crate::interrupt::requested() {
                    return Ok(Ok(true));
                }
            }
            Ok(Ok(false))
        });
        match res {
            Ok(Ok(true)) => return crate::interrupt::check(),
            Ok(Ok(false)) => drops = 0,
            Ok(Err(e)) => return Err(e.context(format!("{} refused the log stream", sh.api.name))),
            Err(_) if drops < 30 => drops += 1,
            Err(e) => return Err(e),
        }
        std::thread::sleep(crate::http::retry::backoff(drops.min(3)));
    }
}
