//! Machine collection and item routes: list (filters, pagination), create,
//! get (`?version=`), update (nonce, `current_version`, new version) and
//! destroy; the lease-nonce gate every mutating call passes; and the image
//! check against `Options::registry`.

use super::actions;
use super::apps::gate;
use super::server::{Req, Resp};
use super::state::{Lease, Machine, State};
use super::util;
use super::Shared;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;

pub const NONCE_HEADER: &str = "fly-machine-lease-nonce";

pub fn not_found(id: &str) -> Resp {
    Resp::err(404, &format!("machine {id} not found: machine not found"))
}

pub fn held(id: &str, lease: &Lease) -> Resp {
    Resp::err(
        409,
        &format!(
            "machine ID {id} lease currently held by {}, expires at {}",
            lease.owner,
            util::rfc3339_secs(lease.expires_ms / 1000)
        ),
    )
}

/// 409 when the machine is leased and the request lacks its nonce.
pub fn nonce_gate(st: &State, idx: usize, r: &Req) -> Result<(), Resp> {
    let m = &st.machines[idx];
    match m.live_lease(util::unix_ms()) {
        Some(l) if r.header(NONCE_HEADER) != Some(l.nonce.as_str()) => Err(held(&m.id, l)),
        _ => Ok(()),
    }
}

/// 422 when a registry is configured and the image's manifest is not there.
async fn check_image(sh: &Shared, image: &str) -> Result<(), Resp> {
    let Some(registry) = &sh.opts.registry else {
        return Ok(());
    };
    let parsed = util::parse_image(image);
    if parsed.host.is_none() {
        return Ok(());
    }
    let reference = if parsed.digest.is_empty() {
        parsed.tag.clone()
    } else {
        parsed.digest.clone()
    };
    let url = format!(
        "{}/v2/{}/manifests/{reference}",
        registry.trim_end_matches('/'),
        parsed.repository
    );
    let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
                  application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";
    let found = match sh.http.get(&url).header("accept", accept).send().await {
        Ok(resp) => resp.status().is_success(),
        Err(_) => false,
    };
    if found {
        Ok(())
    } else {
        Err(Resp::err(
            422,
            &format!("failed to resolve image {image}: manifest unknown"),
        ))
    }
}

fn secrets_gate(st: &State, app: &str, body: &Value) -> Result<(), Resp> {
    let want = body
        .get("min_secrets_version")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let have = st.apps.get(app).map(|a| a.secrets_version).unwrap_or(0);
    if want > have {
        return Err(Resp::err(
            400,
            &format!("min_secrets_version {want} is newer than the app's secrets version {have}"),
        ));
    }
    Ok(())
}

fn config_of(body: &Value) -> Result<Value, Resp> {
    let config = body
        .get("config")
        .filter(|c| c.is_object())
        .cloned()
        .unwrap_or(json!({}));
    if config
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        return Err(Resp::err(422, "invalid config.image: an image is required"));
    }
    Ok(config)
}

pub async fn collection(sh: &Arc<Shared>, r: &Req, app: &str) -> Resp {
    match r.method.as_str() {
        "GET" => list(sh, r, app),
        "POST" => match create(sh, r, app).await {
            Ok(resp) | Err(resp) => resp,
        },
        _ => Resp::err(405, "method not allowed"),
    }
}

fn list(sh: &Arc<Shared>, r: &Req, app: &str) -> Resp {
    let st = sh.lock();
    if let Err(e) = gate(sh, &st, app) {
        return e;
    }
    let states: Vec<&str> = r
        .q("state")
        .map(|s| s.split(',').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let deleted = r.flag("include_deleted");
    let now = util::unix_ms();
    let all: Vec<&Machine> = st
        .machines
        .iter()
        .filter(|m| m.app == app && (deleted || m.state != "destroyed"))
        .filter(|m| r.q("region").is_none_or(|g| g.is_empty() || m.region == g))
        .filter(|m| states.is_empty() || states.contains(&m.state.as_str()))
        .filter(|m| {
            r.query
                .iter()
                .filter(|(k, _)| k.starts_with("metadata."))
                .all(|(k, v)| {
                    m.config
                        .get("metadata")
                        .and_then(|md| md.get(&k["metadata.".len()..]))
                        .and_then(Value::as_str)
                        == Some(v)
                })
        })
        .collect();
    let start: usize = r.q("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let limit: usize = r
        .q("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(|m| m.json(r.flag("summary"), r.flag("include_leases"), now))
        .collect();
    let mut resp = Resp::json(200, Value::Array(page));
    if start.saturating_add(limit) < all.len() {
        resp.headers
            .push(("fly-next-cursor".into(), (start + limit).to_string()));
    }
    resp
}

async fn create(sh: &Arc<Shared>, r: &Req, app: &str) -> Result<Resp, Resp> {
    let body = r.json()?;
    let config = config_of(&body)?;
    let region = body
        .get("region")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("iad")
        .to_string();
    {
        let st = sh.lock();
        gate(sh, &st, app)?;
        if st.faults.no_capacity.contains(&region) {
            return Err(Resp::json(
                422,
                json!({
                "error": format!("failed to launch VM: insufficient capacity in region {region} (could not reserve resource for machine)"),
                "status": "insufficient_capacity"}),
            ));
        }
        secrets_gate(&st, app, &body)?;
    }
    check_image(sh, config["image"].as_str().unwrap_or("")).await?;
    let now = sh.now_ms();
    let mut st = sh.lock();
    gate(sh, &st, app)?;
    let id = st.ids.machine_id();
    let version = st.ids.ulid();
    let flag = |k: &str| body.get(k).and_then(Value::as_bool) == Some(true);
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let name = name.unwrap_or_else(|| st.ids.name());
    let n = st.machines.len() + 2;
    let lease = body
        .get("lease_ttl")
        .and_then(Value::as_u64)
        .filter(|t| *t > 0)
        .map(|ttl| Lease {
            nonce: st.ids.nonce(),
            owner: "user@example.com".to_string(),
            description: String::new(),
            expires_ms: util::unix_ms() + ttl * 1000,
            version: version.clone(),
        });
    let nonce = lease.as_ref().map(|l| l.nonce.clone());
    let at = util::now_rfc3339();
    st.machines.push(Machine {
        id: id.clone(),
        app: app.to_string(),
        name,
        region,
        state: "created".into(),
        version: version.clone(),
        private_ip: format!("fdaa:0:1:a7b:1::{n:x}"),
        created_at: at.clone(),
        updated_at: at,
        versions: vec![(version, config.clone())],
        config,
        events: Vec::new(),
        checks: Vec::new(),
        cordoned: flag("skip_service_registration"),
        lease,
        plan: VecDeque::new(),
        secrets_version: None,
        skip_secrets: flag("skip_secrets"),
        restart_count: 0,
        boot_began_ms: now,
        unreachable: false,
    });
    let idx = st.machines.len() - 1;
    st.event(idx, "launch", "created", "user", json!({}));
    st.record(idx, now);
    if !flag("skip_launch") {
        st.boot(idx, now);
    }
    let mut out = st.machines[idx].json(false, false, util::unix_ms());
    if let Some(nonce) = nonce {
        out["nonce"] = json!(nonce);
    }
    drop(st);
    sh.bump();
    Ok(Resp::json(200, out))
}

pub async fn one(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Resp {
    let result = match r.method.as_str() {
        "GET" => get(sh, r, app, id),
        "POST" => update(sh, r, app, id).await,
        "DELETE" => destroy(sh, r, app, id),
        _ => Err(Resp::err(405, "method not allowed")),
    };
    match result {
        Ok(resp) | Err(resp) => resp,
    }
}

/// Gate the app and find a live machine.
pub fn locate(sh: &Shared, st: &State, app: &str, id: &str) -> Result<usize, Resp> {
    gate(sh, st, app)?;
    st.find(app, id).ok_or_else(|| not_found(id))
}

fn get(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    let m = &st.machines[idx];
    let mut out = m.json(false, r.flag("include_leases"), util::unix_ms());
    if let Some(v) = r.q("version").filter(|v| !v.is_empty() && *v != m.version) {
        let (_, config) = m
            .versions
            .iter()
            .find(|(ver, _)| ver == v)
            .ok_or_else(|| Resp::err(404, "machine version not found"))?;
        out["version"] = json!(v);
        out["instance_id"] = json!(v);
        out["config"] = config.clone();
    }
    Ok(Resp::json(200, out))
}

async fn update(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let body = r.json()?;
    let config = config_of(&body)?;
    {
        let st = sh.lock();
        let idx = locate(sh, &st, app, id)?;
        nonce_gate(&st, idx, r)?;
        if let Some(cv) = body
            .get("current_version")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            if cv != st.machines[idx].version {
                return Err(Resp::err(
                    409,
                    &format!(
                        "current_version {cv} does not match the machine's version {}",
                        st.machines[idx].version
                    ),
                ));
            }
        }
        secrets_gate(&st, app, &body)?;
    }
    check_image(sh, config["image"].as_str().unwrap_or("")).await?;
    let now = sh.now_ms();
    let mut st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    nonce_gate(&st, idx, r)?;
    let skip = body.get("skip_launch").and_then(Value::as_bool) == Some(true);
    st.machines[idx].skip_secrets = body.get("skip_secrets").and_then(Value::as_bool) == Some(true);
    st.update(idx, config, skip, now);
    let out = st.machines[idx].json(false, false, util::unix_ms());
    drop(st);
    sh.bump();
    Ok(Resp::json(200, out))
}

fn destroy(sh: &Arc<Shared>, r: &Req, app: &str, id: &str) -> Result<Resp, Resp> {
    let now = sh.now_ms();
    let mut st = sh.lock();
    let idx = locate(sh, &st, app, id)?;
    nonce_gate(&st, idx, r)?;
    if st.machines[idx].state != "destroying" {
        st.destroy(idx, now);
    }
    drop(st);
    sh.bump();
    Ok(Resp::json(200, json!({"ok": true})))
}

pub async fn action(sh: &Arc<Shared>, r: &Req, app: &str, id: &str, rest: &[&str]) -> Resp {
    let result = match (r.method.as_str(), rest) {
        ("GET", ["wait"]) => actions::wait(sh, r, app, id).await,
        (_, ["lease"]) => actions::lease(sh, r, app, id),
        (_, ["metadata", ..]) => actions::metadata(sh, r, app, id, rest.get(1).copied()),
        ("GET", ["events"]) => actions::events(sh, r, app, id),
        ("GET", ["versions"]) => actions::versions(sh, app, id),
        ("POST", [verb]) => actions::verb(sh, r, app, id, verb),
        _ => Err(Resp::err(
            501,
            &format!(
                "the Fly emulator does not implement {} {}",
                r.method, r.path
            ),
        )),
    };
    match result {
        Ok(resp) | Err(resp) => resp,
    }
}
