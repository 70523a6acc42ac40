//! Apps (list, create, get, delete), app secrets with their version counter,
//! IP assignments, and the logs endpoint's access rules.

use super::server::{Req, Resp};
use super::state::{Secret, State};
use super::util;
use super::Shared;
use serde_json::{json, Value};
use sha2::Digest;
use std::sync::Arc;

/// 404 for an unknown app, 403 for an app in another org.
pub fn gate(sh: &Shared, st: &State, app: &str) -> Result<(), Resp> {
    match st.apps.get(app) {
        None => Err(Resp::err(404, "Could not find App")),
        Some(a) if a.org != sh.opts.org => Err(Resp::err(403, "Not authorized to access this App")),
        Some(_) => Ok(()),
    }
}

pub async fn apps(sh: &Arc<Shared>, r: &Req) -> Resp {
    let mut st = sh.lock();
    if r.method == "GET" {
        let org = r
            .q("org_slug")
            .filter(|s| !s.is_empty())
            .unwrap_or(&sh.opts.org)
            .to_string();
        let list: Vec<Value> = st
            .apps
            .values()
            .filter(|a| a.org == org)
            .map(|a| st.app_json(a))
            .collect();
        return Resp::json(200, json!({"apps": list, "total_apps": list.len()}));
    }
    let body = match r.json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let name = body
        .get("name")
        .or_else(|| body.get("app_name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Resp::err(422, "Validation failed: Name can't be blank");
    }
    if st.apps.contains_key(&name) {
        return Resp::json(
            422,
            json!({"error": "Validation failed: Name has already been taken", "status": "name_taken"}),
        );
    }
    let org = body
        .get("org_slug")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(&sh.opts.org)
        .to_string();
    st.add_app(&name, &org);
    let out = st.app_json(&st.apps[&name]);
    Resp::json(201, out)
}

pub fn app(sh: &Arc<Shared>, r: &Req, app: &str) -> Resp {
    let mut st = sh.lock();
    if let Err(e) = gate(sh, &st, app) {
        return e;
    }
    match r.method.as_str() {
        "GET" => Resp::json(200, st.app_json(&st.apps[app])),
        "DELETE" => {
            st.apps.remove(app);
            st.machines.retain(|m| m.app != app);
            st.logs.remove(app);
            drop(st);
            sh.bump();
            Resp::empty(202)
        }
        _ => Resp::err(405, "method not allowed"),
    }
}

fn secret_json(name: &str, s: &Secret, show: bool) -> Value {
    let mut v = json!({"name": name, "digest": hex::encode(sha2::Sha256::digest(s.value.as_bytes())),
                       "created_at": s.created_at, "updated_at": s.updated_at});
    if show {
        v["value"] = json!(s.value);
    }
    v
}

pub fn secrets(sh: &Arc<Shared>, r: &Req, app: &str, name: Option<&str>) -> Resp {
    let mut st = sh.lock();
    if let Err(e) = gate(sh, &st, app) {
        return e;
    }
    let a = st.apps.get_mut(app).expect("gated");
    let show = r.flag("show_secrets");
    let now = util::now_rfc3339();
    let body = match r.json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    match (r.method.as_str(), name) {
        ("GET", None) => {
            let list: Vec<Value> = a
                .secrets
                .iter()
                .map(|(n, s)| secret_json(n, s, show))
                .collect();
            Resp::json(200, json!({"secrets": list, "version": a.secrets_version}))
        }
        ("POST", None) => {
            let Some(values) = body.get("values").and_then(Value::as_object) else {
                return Resp::err(400, "values is required");
            };
            for (k, v) in values {
                match v.as_str() {
                    None => {
                        a.secrets.remove(k);
                    }
                    Some(val) => {
                        let created = a
                            .secrets
                            .get(k)
                            .map(|s| s.created_at.clone())
                            .unwrap_or(now.clone());
                        a.secrets.insert(
                            k.clone(),
                            Secret {
                                value: val.to_string(),
                                created_at: created,
                                updated_at: now.clone(),
                            },
                        );
                    }
                }
            }
            a.secrets_version += 1;
            let list: Vec<Value> = a
                .secrets
                .iter()
                .map(|(n, s)| secret_json(n, s, false))
                .collect();
            Resp::json(
                200,
                json!({"secrets": list, "version": a.secrets_version, "Version": a.secrets_version}),
            )
        }
        ("GET", Some(n)) => match a.secrets.get(n) {
            Some(s) => Resp::json(200, secret_json(n, s, show)),
            None => Resp::err(404, "secret not found"),
        },
        ("POST", Some(n)) => {
            let Some(val) = body.get("value").and_then(Value::as_str) else {
                return Resp::err(400, "value is required");
            };
            let created = a
                .secrets
                .get(n)
                .map(|s| s.created_at.clone())
                .unwrap_or(now.clone());
            a.secrets.insert(
                n.to_string(),
                Secret {
                    value: val.to_string(),
                    created_at: created,
                    updated_at: now,
                },
            );
            a.secrets_version += 1;
            let mut out = secret_json(n, &a.secrets[n], true);
            out["version"] = json!(a.secrets_version);
            Resp::json(201, out)
        }
        ("DELETE", Some(n)) => {
            if a.secrets.remove(n).is_none() {
                return Resp::err(404, "secret not found");
            }
            a.secrets_version += 1;
            Resp::json(200, json!({"version": a.secrets_version}))
        }
        _ => Resp::err(405, "method not allowed"),
    }
}

pub fn ips(sh: &Arc<Shared>, r: &Req, app: &str) -> Resp {
    let mut st = sh.lock();
    if let Err(e) = gate(sh, &st, app) {
        return e;
    }
    let body = match r.json() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let a = st.apps.get_mut(app).expect("gated");
    if r.method == "GET" {
        return Resp::json(200, json!({"ips": a.ips}));
    }
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("v6");
    let n = a.ips.len() + 1;
    let ip = if kind.contains("v4") {
        format!("66.241.124.{n}")
    } else {
        format!("2a09:8280:1::{n:x}")
    };
    let entry = json!({"ip": ip, "region": "global", "shared": kind == "shared_v4",
                       "created_at": util::now_rfc3339(), "service_name": ""});
    a.ips.push(entry.clone());
    Resp::json(200, entry)
}

pub fn logs(sh: &Arc<Shared>, r: &Req, app: &str) -> Resp {
    let mut st = sh.lock();
    if let Err(e) = gate(sh, &st, app) {
        return e;
    }
    Resp::json(200, st.logs_page(app, &r.query))
}
