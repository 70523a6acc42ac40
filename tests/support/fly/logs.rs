//! The logs API (`GET /api/v1/apps/{app}/logs`): lines the emulator writes
//! itself (machine start, exit, crash, update) and lines tests add, each with
//! a nanosecond timestamp (strictly increasing, unless a test ties lines)
//! and an id of its own; pages of at most 100 entries strictly after
//! `next_token` (a timestamp), oldest first, as a JSON:API document. With
//! the `log_overlap` fault a page starts at the token's timestamp,
//! inclusive, so entries come again across page boundaries.

use super::state::State;
use super::util;
use serde_json::{json, Value};

pub const PAGE: usize = 100;

pub struct LogLine {
    pub ns: u128,
    /// Unique across the emulator: the entry's id with `ns`.
    pub seq: u64,
    pub message: String,
    pub instance: String,
    pub region: String,
    pub level: String,
}

impl State {
    /// Append a line for `app` now (timestamps strictly increase).
    pub fn log(&mut self, app: &str, instance: &str, region: &str, message: &str) {
        let ns = util::unix_ns().max(self.last_log_ns + 1);
        self.log_at(ns, app, instance, region, message);
    }

    /// Append a line with timestamp `ns` (not before the last line's).
    pub fn log_at(&mut self, ns: u128, app: &str, instance: &str, region: &str, message: &str) {
        let ns = ns.max(self.last_log_ns);
        self.last_log_ns = ns;
        self.log_seq += 1;
        let seq = self.log_seq;
        self.logs.entry(app.to_string()).or_default().push(LogLine {
            ns,
            seq,
            message: message.to_string(),
            instance: instance.to_string(),
            region: region.to_string(),
            level: "info".to_string(),
        });
    }

    /// The response document for one logs request.
    pub fn logs_page(&mut self, app: &str, query: &[(String, String)]) -> Value {
        let get = |k: &str| {
            query
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let token = get("next_token");
        let after: u128 = token.parse().unwrap_or(0);
        let (instance, region) = (get("instance"), get("region"));
        let lines: Vec<&LogLine> = self
            .logs
            .get(app)
            .into_iter()
            .flatten()
            .filter(|l| instance.is_empty() || l.instance == instance)
            .filter(|l| region.is_empty() || l.region == region)
            .collect();
        let overlap = self.faults.log_overlap && !token.is_empty();
        let new = lines.iter().any(|l| l.ns > after);
        let page: Vec<&LogLine> = lines
            .into_iter()
            .filter(|l| new && (l.ns > after || (overlap && l.ns == after)))
            .take(PAGE)
            .collect();
        let again = page.iter().any(|l| l.ns <= after);
        let next = page.last().map(|l| l.ns.to_string()).unwrap_or(token);
        let data: Vec<Value> = page
            .into_iter()
            .map(|l| {
                json!({"id": format!("{}-{}", l.ns, l.seq), "type": "logs", "attributes": {
                    "timestamp": util::rfc3339_nanos(l.ns), "message": l.message, "level": l.level,
                    "instance": l.instance, "region": l.region,
                    "meta": {"instance": l.instance, "region": l.region, "event": {"provider": "app"},
                             "http": {"request": {"id": "", "method": "", "version": ""}, "response": {"status_code": 0}},
                             "error": {"code": 0, "message": ""}, "url": {"full": ""}}}})
            })
            .collect();
        if again {
            self.faults
                .log_page_overlapped(&format!("/api/v1/apps/{app}/logs"));
        }
        json!({"data": data, "meta": {"next_token": next}})
    }
}
