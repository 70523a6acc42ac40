//! Per-machine actions: start/stop/suspend/restart/cordon/uncordon/signal
//! (all lease-gated), the wait long-poll (woken by state changes, 408 on
//! timeout), leases (acquire, refresh, read, release), metadata, events and
//! versions.

use super::lifecycle::TRANSIENT;
use super::machines::{held, locate, nonce_gate, not_found, NONCE_HEADER};
use super::server::{Req, Resp};
use super::state::Lease;
use super::util;
use super::Shared;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

pub fn verb(sh: &Arc<Shared>, r: &Req, app: &str, id: &str, verb: &str) -> Result<Resp, Resp> {
    if !matches!(
        verb,
        "start" | "stop" | "suspend" | "restart" | "cordon" | "uncordon" | "signal"
    ) {
        return Err(Resp::err(
            501,
            &format!("the Fly emulator does not implement POST {}", r.path),
        ));
    }
    let now = sh.now_ms();
    let mut st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    nonce_gate(&st, idx, r)?;
    let body = r.json()?;
    let out = match verb {
        "start" => {
            let prev = st.start(idx, now);
            json!({"previous_state": prev, "migrated": false, "new_host": ""})
        }
        "stop" => {
            st.stop(idx, now, false);
            json!({"ok": true})
        }
        "suspend" => {
            st.stop(idx, now, true);
            json!({"ok": true})
        }
        "restart" => {
            if st.machines[idx].state == "started" {
                st.restart(idx, now);
            }
            json!({"ok": true})
        }
        "cordon" | "uncordon" => {
            st.machines[idx].cordoned = verb == "cordon";
            json!({"ok": true})
        }
        _ => {
            if !(body["signal"].is_i64() || body["signal"].is_string()) {
                return Err(Resp::err(400, "signal is required"));
            }
            json!({"ok": true})
        }
    };
    drop(st);
    sh.bump();
    Ok(Resp::json(200, out))
}

pub async fn wait(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let mut targets: Vec<String> = r
        .query
        .iter()
        .filter(|(k, _)| k == "state")
        .flat_map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    if targets.is_empty() {
        targets.push("started".into());
    }
    let secs = r
        .q("timeout")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(60)
        .clamp(1, 60);
    let version = r
        .q("version")
        .or(r.q("instance_id"))
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut rx = sh.changed.subscribe();
    let mut first = true;
    loop {
        {
            let st = sh.lock();
            super::apps::gate(sh, &st, app)?;
            let idx = st.find_any(app, id).ok_or_else(|| not_found(id))?;
            let m = &st.machines[idx];
            if first && m.state == "destroyed" {
                return Err(not_found(id));
            }
            if let Some(v) = &version {
                if *v != m.version {
                    if m.versions.iter().any(|(old, _)| old == v) {
                        return Err(Resp::err(
                            400,
                            &format!(
                                "machine {id} version {v} is currently replaced by version {}",
                                m.version
                            ),
                        ));
                    }
                    return Err(Resp::err(404, &format!("machine {id} has no version {v}")));
                }
            }
            let state = m.state.as_str();
            let reached = targets.iter().any(|t| {
                t == state
                    || (t == "stopped" && state == "created")
                    || (t == "settled" && !TRANSIENT.contains(&state))
            });
            if reached {
                let event = m
                    .events
                    .last()
                    .map(|e| e["id"].clone())
                    .unwrap_or(Value::Null);
                return Ok(Resp::json(
                    200,
                    json!({"ok": true, "state": state, "version": m.version, "event_id": event}),
                ));
            }
            if state == "failed" {
                return Err(Resp::err(400, "machine failed to reach desired state"));
            }
            if state == "destroyed" {
                return Err(not_found(id));
            }
        }
        first = false;
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => continue,
            _ => {
                return Err(Resp::err(
                    408,
                    "deadline exceeded waiting for machine state",
                ))
            }
        }
    }
}

fn envelope(data: Value) -> Value {
    json!({"status": "success", "data": data})
}

pub fn lease(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let mut st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    let now = util::unix_ms();
    let live = st.machines[idx].live_lease(now).cloned();
    let sent = r.header(NONCE_HEADER).map(str::to_string);
    match r.method.as_str() {
        "GET" => live
            .map(|l| Resp::json(200, envelope(l.data())))
            .ok_or_else(|| Resp::err(404, "lease not found")),
        "DELETE" => {
            let l = live.ok_or_else(|| Resp::err(404, "lease not found"))?;
            if sent.as_deref() != Some(l.nonce.as_str()) {
                return Err(held(id, &l));
            }
            st.machines[idx].lease = None;
            Ok(Resp::json(200, envelope(json!({"ok": true}))))
        }
        "POST" => {
            let body = r.json()?;
            let ttl = r
                .q("ttl")
                .and_then(|t| t.parse::<u64>().ok())
                .or_else(|| body.get("ttl").and_then(Value::as_u64))
                .filter(|t| *t > 0)
                .unwrap_or(30);
            let description = body
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let version = st.machines[idx].version.clone();
            let lease = match live {
                Some(l) if sent.as_deref() == Some(l.nonce.as_str()) => Lease {
                    expires_ms: now + ttl * 1000,
                    version,
                    ..l
                },
                Some(l) => return Err(held(id, &l)),
                None => Lease {
                    nonce: st.ids.nonce(),
                    owner: "user@example.com".to_string(),
                    description,
                    expires_ms: now + ttl * 1000,
                    version,
                },
            };
            let data = lease.data();
            st.machines[idx].lease = Some(lease);
            Ok(Resp::json(201, envelope(data)))
        }
        _ => Err(Resp::err(405, "method not allowed")),
    }
}

pub fn metadata(
    sh: &Arc<Shared>,
    r: &Req,
    app: &str,
    id: &str,
    key: Option<&str>,
) -> Result<Resp, Resp> {
    let mut st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    let body = r.json()?;
    let m = &mut st.machines[idx];
    if !m.config.get("metadata").is_some_and(Value::is_object) {
        m.config["metadata"] = json!({});
    }
    let version = m.version.clone();
    let md: &mut Map<String, Value> = m.config["metadata"].as_object_mut().expect("object");
    match (r.method.as_str(), key) {
        ("GET", None) => Ok(Resp::json(200, Value::Object(md.clone()))),
        ("GET", Some(k)) => md
            .get(k)
            .map(|v| Resp::json(200, json!({"key": k, "value": v})))
            .ok_or_else(|| Resp::err(404, "metadata key not found")),
        ("POST", Some(k)) => {
            let v = body
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(|| Resp::err(400, "value is required"))?;
            md.insert(k.to_string(), json!(v));
            Ok(Resp::empty(204))
        }
        ("DELETE", Some(k)) => {
            md.remove(k);
            Ok(Resp::empty(204))
        }
        ("PATCH" | "PUT", None) => {
            if let Some(mv) = body
                .get("machine_version")
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
            {
                if mv != version {
                    return Err(Resp::err(
                        412,
                        &format!("machine_version {mv} is not the current version {version}"),
                    ));
                }
            }
            for (k, v) in body
                .get("metadata")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                match v.as_str() {
                    Some(s) => md.insert(k.clone(), json!(s)),
                    None => md.remove(k),
                };
            }
            Ok(Resp::empty(204))
        }
        _ => Err(Resp::err(405, "method not allowed")),
    }
}

pub fn events(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    let limit = r
        .q("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 50);
    let events: Vec<Value> = st.machines[idx]
        .events
        .iter()
        .rev()
        .take(limit)
        .cloned()
        .collect();
    Ok(Resp::json(200, Value::Array(events)))
}

pub fn versions(sh: &Arc<Shared>, app: &str, id: &str) -> Result<Resp, Resp> {
    let st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    let list: Vec<Value> = st.machines[idx]
        .versions
        .iter()
        .rev()
        .map(|(v, c)| json!({"version": v, "user_config": c}))
        .collect();
    Ok(Resp::json(200, Value::Array(list)))
}
