//! Test-controlled faults and the optional rate limiter: canned failures for
//! the next matching requests (with or without the side effect happening,
//! optionally only for bodies holding a given value), 429 storms, regions
//! without capacity, images whose checks never pass or that crash-loop,
//! log pages that overlap, and per-action token buckets (1 rps burst 3; GET
//! machine 5 rps burst 10). Every fault that fires is recorded, so a test
//! can assert that the fault it set up happened.

use serde_json::Value;
use std::collections::HashMap;

pub struct FailRule {
    pub method: String,
    pub path_contains: String,
    /// Only requests whose JSON body holds this string at this pointer.
    pub body_has: Option<(String, String)>,
    pub status: u16,
    pub body: Value,
    pub left: usize,
}

/// One fault that fired.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    /// `storm`, `fail_next`, `after_effect` or `log_overlap`.
    pub fault: &'static str,
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Default)]
pub struct Faults {
    /// Answer instead of handling (no side effect).
    pub fail_next: Vec<FailRule>,
    /// Handle, then replace the answer (`body` unused).
    pub after_effect: Vec<FailRule>,
    pub storm: usize,
    pub retry_after: Option<u64>,
    pub no_capacity: Vec<String>,
    pub never_pass: Vec<String>,
    pub crash: Vec<String>,
    /// Log pages after the first start at `next_token`'s timestamp,
    /// inclusive: the entries at it are sent again.
    pub log_overlap: bool,
    pub fired: Vec<Fired>,
    /// key -> (tokens, last refill in emulator ms)
    pub buckets: HashMap<String, (f64, u64)>,
}

fn body_matches(rule: &FailRule, body: &[u8]) -> bool {
    let Some((pointer, want)) = &rule.body_has else {
        return true;
    };
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .is_some_and(|v| &v == want)
}

fn take(rules: &mut Vec<FailRule>, method: &str, path: &str, body: &[u8]) -> Option<(u16, Value)> {
    let i = rules.iter().position(|r| {
        r.left > 0
            && (r.method == "*" || r.method.eq_ignore_ascii_case(method))
            && path.contains(r.path_contains.as_str())
            && body_matches(r, body)
    })?;
    let r = &mut rules[i];
    r.left -= 1;
    let out = (r.status, r.body.clone());
    if r.left == 0 {
        rules.remove(i);
    }
    Some(out)
}

impl Faults {
    fn fire(&mut self, fault: &'static str, method: &str, path: &str, status: u16) {
        self.fired.push(Fired {
            fault,
            method: method.to_string(),
            path: path.to_string(),
            status,
        });
    }

    pub fn take_fail(&mut self, method: &str, path: &str, body: &[u8]) -> Option<(u16, Value)> {
        let hit = take(&mut self.fail_next, method, path, body)?;
        self.fire("fail_next", method, path, hit.0);
        Some(hit)
    }

    pub fn take_after_effect(&mut self, method: &str, path: &str, body: &[u8]) -> Option<u16> {
        let (status, _) = take(&mut self.after_effect, method, path, body)?;
        self.fire("after_effect", method, path, status);
        Some(status)
    }

    /// Whether a 429 storm swallows this request.
    pub fn take_storm(&mut self, method: &str, path: &str) -> bool {
        if self.storm > 0 {
            self.storm -= 1;
            self.fire("storm", method, path, 429);
            true
        } else {
            false
        }
    }

    /// A log page sent entries again (`log_overlap`).
    pub fn log_page_overlapped(&mut self, path: &str) {
        self.fire("log_overlap", "GET", path, 200);
    }

    /// Token bucket per action key; false = rate limited.
    pub fn allow(&mut self, key: &str, get_machine: bool, now_ms: u64) -> bool {
        let (rate, burst) = if get_machine { (5.0, 10.0) } else { (1.0, 3.0) };
        let entry = self
            .buckets
            .entry(key.to_string())
            .or_insert((burst, now_ms));
        let elapsed = now_ms.saturating_sub(entry.1) as f64 / 1000.0;
        entry.0 = (entry.0 + elapsed * rate).min(burst);
        entry.1 = now_ms;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            true
        } else {
            false
        }
    }
}
