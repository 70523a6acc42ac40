//! Test-controlled faults and the optional rate limiter: canned failures for
//! the next matching requests (with or without the side effect happening),
//! 429 storms, regions without capacity, images whose checks never pass or
//! that crash-loop, and per-action token buckets (1 rps burst 3; GET machine
//! 5 rps burst 10).

use serde_json::Value;
use std::collections::HashMap;

pub struct FailRule {
    pub method: String,
    pub path_contains: String,
    pub status: u16,
    pub body: Value,
    pub left: usize,
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
    /// key -> (tokens, last refill in emulator ms)
    pub buckets: HashMap<String, (f64, u64)>,
}

fn take(rules: &mut Vec<FailRule>, method: &str, path: &str) -> Option<(u16, Value)> {
    let i = rules.iter().position(|r| {
        r.left > 0
            && (r.method == "*" || r.method.eq_ignore_ascii_case(method))
            && path.contains(r.path_contains.as_str())
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
    pub fn take_fail(&mut self, method: &str, path: &str) -> Option<(u16, Value)> {
        take(&mut self.fail_next, method, path)
    }

    pub fn take_after_effect(&mut self, method: &str, path: &str) -> Option<u16> {
        take(&mut self.after_effect, method, path).map(|(s, _)| s)
    }

    /// Whether a 429 storm swallows this request.
    pub fn take_storm(&mut self) -> bool {
        if self.storm > 0 {
            self.storm -= 1;
            true
        } else {
            false
        }
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
