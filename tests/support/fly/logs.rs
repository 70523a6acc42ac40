//! The logs API (`GET /api/v1/apps/{app}/logs`): lines the emulator writes
//! itself (machine start, exit, crash, update) and lines tests add, each with
//! a strictly increasing nanosecond timestamp; pages of at most 100 entries
//! strictly after `next_token`, oldest first, as a JSON:API document.

use super::state::State;
use super::util;
use serde_json::{json, Value};

pub const PAGE: usize = 100;

pub struct LogLine {
    pub ns: u128,
    pub message: String,
    pub instance: String,
    pub region: String,
    pub level: String,
}

impl State {
    /// Append a line for `app` now (timestamps strictly increase).
    pub fn log(&mut self, app: &str, instance: &str, region: &str, message: &str) {
        let ns = util::unix_ns().max(self.last_log_ns + 1);
        self.last_log_ns = ns;
        self.logs.entry(app.to_string()).or_default().push(LogLine {
            ns,
            message: message.to_string(),
            instance: instance.to_string(),
            region: region.to_string(),
            level: "info".to_string(),
        });
    }

    /// The response document for one logs request.
    pub fn logs_page(&self, app: &str, query: &[(String, String)]) -> Value {
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
        let data: Vec<Value> = self
            .logs
            .get(app)
            .into_iter()
            .flatten()
            .filter(|l| l.ns > after)
            .filter(|l| instance.is_empty() || l.instance == instance)
            .filter(|l| region.is_empty() || l.region == region)
            .take(PAGE)
            .map(|l| {
                json!({"id": format!("{}", l.ns), "type": "logs", "attributes": {
                    "timestamp": util::rfc3339_nanos(l.ns), "message": l.message, "level": l.level,
                    "instance": l.instance, "region": l.region,
                    "meta": {"instance": l.instance, "region": l.region, "event": {"provider": "app"},
                             "http": {"request": {"id": "", "method": "", "version": ""}, "response": {"status_code": 0}},
                             "error": {"code": 0, "message": ""}, "url": {"full": ""}}}})
            })
            .collect();
        let next = data
            .last()
            .and_then(|d| d["id"].as_str().map(str::to_string))
            .unwrap_or(token);
        json!({"data": data, "meta": {"next_token": next}})
    }
}
