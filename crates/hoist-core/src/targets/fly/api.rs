//! The Fly Machines API ("flaps") and the platform's logs endpoint, as
//! typed calls over `src/http`'s JSON client: apps, machines, leases, the
//! wait long-poll, metadata and app secrets. Credentials follow flyctl:
//! macaroon tokens (`fm1r_`, `fm1a_`, `fm2_`) go as `FlyV1`, others as
//! `Bearer`. Idempotent calls are retried on 408/429/5xx; a machine is
//! created under a launch id so a retry after a lost answer finds the
//! machine instead of creating a second one.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Secret;
use crate::http::api::{Auth, Body};
use crate::http::{Api, ApiError};
use crate::targets::TargetError;

/// The longest the server holds one wait request (seconds).
const WAIT_CAP: u64 = 60;

/// A machine as the API returns it (the fields hoist reads).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Machine {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) instance_id: String,
    #[serde(default)]
    pub(crate) config: Option<Value>,
    #[serde(default)]
    pub(crate) checks: Vec<Check>,
    #[serde(default)]
    pub(crate) events: Vec<Value>,
    #[serde(default)]
    pub(crate) updated_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Check {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) output: String,
}

/// The app secrets answer: names and digests, never values.
#[derive(Debug, Deserialize)]
struct AppSecrets {
    /// Absent or null on an app without secrets.
    #[serde(default)]
    secrets: Option<Vec<AppSecret>>,
}

#[derive(Debug, Deserialize)]
struct AppSecret {
    name: String,
}

/// One page of the logs endpoint (a JSON:API document).
#[derive(Debug, Deserialize)]
pub(crate) struct LogPage {
    pub(crate) data: Vec<LogItem>,
    /// Absent when the server names no next token: the next page is asked
    /// for with the same one.
    #[serde(default)]
    pub(crate) meta: Option<LogMeta>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogMeta {
    #[serde(default)]
    pub(crate) next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogItem {
    /// Entries without an id cannot be told apart from repeats; each one
    /// is shown.
    #[serde(default)]
    pub(crate) id: Option<String>,
    pub(crate) attributes: LogAttributes,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogAttributes {
    pub(crate) timestamp: String,
    pub(crate) message: String,
    /// Absent: `info`.
    #[serde(default)]
    pub(crate) level: Option<String>,
    #[serde(default)]
    pub(crate) region: Option<String>,
    #[serde(default)]
    pub(crate) instance: Option<String>,
}

impl Machine {
    pub(crate) fn meta(&self, key: &str) -> Option<&str> {
        self.config.as_ref()?.get("metadata")?.get(key)?.as_str()
    }

    /// Whether hoist (or flyctl) manages it: platform v2, not a canary,
    /// not on its way out.
    pub(crate) fn is_managed(&self) -> bool {
        self.meta("fly_platform_version") == Some("v2")
            && self.meta("fly_canary").is_none()
            && !matches!(self.state.as_str(), "destroyed" | "destroying")
    }

    /// Checks exist and all pass.
    pub(crate) fn checks_pass(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.status == "passing")
    }

    /// The most recent events, newest first, as one line each.
    pub(crate) fn last_events(&self, n: usize) -> Vec<String> {
        self.events
            .iter()
            .take(n)
            .map(|e| {
                // An event that is no exit has no exit code to show.
                let exit = e
                    .pointer("/request/exit_event/exit_code")
                    .and_then(Value::as_i64)
                    .map_or(String::new(), |c| format!(" exit_code={c}"));
                format!(
                    "{} {}{exit}",
                    e["type"].as_str().unwrap_or("?"),
                    e["status"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    /// Whether the latest exit says the machine is crashing (restarting
    /// after a non-zero exit more than once), as flyctl's smoke check.
    pub(crate) fn crashing(&self) -> bool {
        self.events
            .iter()
            .find(|e| e["type"] == "exit")
            .is_some_and(|e| {
                let r = &e["request"];
                let code = r
                    .pointer("/exit_event/exit_code")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let restarting = r
                    .pointer("/exit_event/restarting")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let count = r["restart_count"].as_i64().unwrap_or(0);
                code != 0 && restarting && count > 1
            })
    }
}

/// The two APIs a Fly target talks to.
#[derive(Clone)]
pub(crate) struct FlyApi {
    pub(crate) machines: Api,
    pub(crate) platform: Api,
}

/// How flyctl sends a token: macaroons as `FlyV1 <m1>,<m2>`, anything
/// else as `Bearer`.
pub(crate) fn auth_for(token: &Secret) -> Auth {
    let mut t = token.expose().trim();
    loop {
        let before = t;
        for scheme in ["Bearer ", "FlyV1 "] {
            if let Some(rest) = t.strip_prefix(scheme) {
                t = rest.trim();
            }
        }
        if t == before {
            break;
        }
    }
    let parts: Vec<&str> = t.split(',').map(str::trim).collect();
    let macaroons: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| {
            matches!(
                p.split('_').next(),
                Some("fm1r") | Some("fm1a") | Some("fm2")
            )
        })
        .collect();
    if macaroons.is_empty() {
        Auth::Bearer(Secret::new(t.to_string()))
    } else {
        Auth::Scheme("FlyV1", Secret::new(macaroons.join(",")))
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The lease header of a call: none when no lease is held.
fn nonce_header(nonce: Option<&str>) -> Vec<(&'static str, String)> {
    nonce
        .into_iter()
        .map(|n| ("fly-machine-lease-nonce", n.to_string()))
        .collect()
}

pub(crate) fn status_of(err: &anyhow::Error) -> Option<u16> {
    ApiError::find(err).map(|e| e.status)
}

fn message_of(err: &anyhow::Error) -> String {
    ApiError::find(err)
        .map(|e| e.message.clone())
        .unwrap_or_else(|| format!("{err:#}"))
}

impl FlyApi {
    pub(crate) async fn app(&self, app: &str) -> anyhow::Result<Option<Value>> {
        match self.machines.get(&format!("/v1/apps/{}", enc(app))).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if status_of(&e) == Some(404) => Ok(None),
            Err(e) if status_of(&e) == Some(403) => Err(TargetError::AppElsewhere {
                app: app.to_string(),
            }
            .into()),
            Err(e) => Err(e),
        }
    }

    /// Create `app` in `org`; a name taken elsewhere is a clear error.
    pub(crate) async fn create_app(&self, app: &str, org: &str) -> anyhow::Result<()> {
        let body = json!({"name": app, "org_slug": org});
        match self.machines.post("/v1/apps", &body, false).await {
            Ok(_) => Ok(()),
            Err(e) if ApiError::find(&e).is_some_and(|a| a.code == "name_taken") => {
                Err(TargetError::AppTaken {
                    app: app.to_string(),
                }
                .into())
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn delete_app(&self, app: &str) -> anyhow::Result<()> {
        match self
            .machines
            .delete(&format!("/v1/apps/{}", enc(app)))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every machine of `app` (an unknown app has none).
    pub(crate) async fn machines(&self, app: &str) -> anyhow::Result<Vec<Machine>> {
        self.list(&format!("/v1/apps/{}/machines", enc(app))).await
    }

    async fn list(&self, path: &str) -> anyhow::Result<Vec<Machine>> {
        match self.machines.get(path).await {
            Ok(v) => self.machines.decode(&Method::GET, path, v),
            Err(e) if status_of(&e) == Some(404) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn machine(&self, app: &str, id: &str) -> anyhow::Result<Machine> {
        let path = format!("/v1/apps/{}/machines/{id}", enc(app));
        let v = self.machines.get(&path).await?;
        self.machines.decode(&Method::GET, &path, v)
    }

    /// Create a machine; `launch_id` (stamped into its metadata) lets a
    /// retry after a lost answer find it instead of creating another.
    pub(crate) async fn create_machine(
        &self,
        app: &str,
        region: &str,
        config: &Value,
        launch_id: &str,
        skip_launch: bool,
        cordoned: bool,
    ) -> anyhow::Result<Machine> {
        let path = format!("/v1/apps/{}/machines", enc(app));
        let mut body = json!({"config": config, "region": region, "skip_secrets": false});
        if skip_launch {
            body["skip_launch"] = json!(true);
        }
        if cordoned {
            body["skip_service_registration"] = json!(true);
        }
        let mut n = 0;
        loop {
            n += 1;
            match self.machines.post(&path, &body, false).await {
                Ok(v) => return self.machines.decode(&Method::POST, &path, v),
                Err(e) => {
                    let status = status_of(&e);
                    let transient = matches!(status, Some(408 | 429 | 500..=599) | None);
                    if !transient || n >= 5 {
                        return Err(e);
                    }
                    crate::interrupt::check()?;
                    tokio::time::sleep(crate::http::retry::backoff(n)).await;
                    if status != Some(429) {
                        let q = format!(
                            "/v1/apps/{}/machines?metadata.hoist_launch_id={}",
                            enc(app),
                            enc(launch_id)
                        );
                        if let Some(m) = self.list(&q).await?.into_iter().next() {
                            return Ok(m);
                        }
                    }
                }
            }
        }
    }

    /// Replace a machine's whole config (a new version).
    pub(crate) async fn update_machine(
        &self,
        app: &str,
        id: &str,
        config: &Value,
        nonce: Option<&str>,
        skip_launch: bool,
    ) -> anyhow::Result<Machine> {
        let mut body = json!({"config": config, "skip_secrets": false});
        if skip_launch {
            body["skip_launch"] = json!(true);
        }
        let path = format!("/v1/apps/{}/machines/{id}", enc(app));
        let v = self
            .machines
            .call_with(
                Method::POST,
                &path,
                Body::Json(&body),
                true,
                &nonce_header(nonce),
            )
            .await?;
        self.machines.decode(&Method::POST, &path, v)
    }

    /// Destroy a machine (gone already counts as done).
    pub(crate) async fn destroy(
        &self,
        app: &str,
        id: &str,
        nonce: Option<&str>,
    ) -> anyhow::Result<()> {
        let r = self
            .machines
            .call_with(
                Method::DELETE,
                &format!("/v1/apps/{}/machines/{id}?kill=true", enc(app)),
                Body::Empty,
                true,
                &nonce_header(nonce),
            )
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// POST an action (`start`, `stop`, `cordon`, `uncordon`) to a machine.
    pub(crate) async fn action(
        &self,
        app: &str,
        id: &str,
        action: &str,
        nonce: Option<&str>,
    ) -> anyhow::Result<Value> {
        let body = json!({});
        self.machines
            .call_with(
                Method::POST,
                &format!("/v1/apps/{}/machines/{id}/{action}", enc(app)),
                if action == "stop" {
                    Body::Json(&body)
                } else {
                    Body::Empty
                },
                true,
                &nonce_header(nonce),
            )
            .await
    }

    /// Wait until machine `id` reaches `state` (`version` pins one
    /// version), looping over the server's 60 s long-poll until `deadline`.
    pub(crate) async fn wait(
        &self,
        app: &str,
        id: &str,
        state: &str,
        version: Option<&str>,
        deadline: Instant,
    ) -> anyhow::Result<()> {
        let mut n = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TargetError::StateTimeout {
                    machine: id.to_string(),
                    app: app.to_string(),
                    state: state.to_string(),
                }
                .into());
            }
            let secs = left.as_secs().clamp(1, WAIT_CAP);
            let mut path = format!(
                "/v1/apps/{}/machines/{id}/wait?state={state}&timeout={secs}",
                enc(app)
            );
            if let Some(v) = version {
                path.push_str(&format!("&version={}", enc(v)));
            }
            let r = self
                .machines
                .call_with(Method::GET, &path, Body::Empty, false, &[])
                .await;
            match r {
                Ok(_) => return Ok(()),
                Err(e) => {
                    let msg = message_of(&e);
                    if msg.contains("failed to reach desired state") {
                        return Err(TargetError::StateFailed {
                            machine: id.to_string(),
                            app: app.to_string(),
                            state: state.to_string(),
                        }
                        .into());
                    }
                    if state == "destroyed" && status_of(&e) == Some(404) {
                        return Ok(());
                    }
                    match status_of(&e) {
                        Some(408) => {}
                        Some(429 | 500..=599) | None => {
                            n += 1;
                            if n > 8 {
                                return Err(e);
                            }
                            crate::interrupt::check()?;
                            tokio::time::sleep(crate::http::retry::backoff(n)).await;
                        }
                        _ => return Err(e),
                    }
                }
            }
            crate::interrupt::check()?;
        }
    }

    /// Acquire (or, with `nonce`, refresh) a lease for `ttl` seconds.
    /// `Ok(Err(holder))` when someone else holds it.
    pub(crate) async fn lease(
        &self,
        app: &str,
        id: &str,
        ttl: u64,
        nonce: Option<&str>,
        description: &str,
    ) -> anyhow::Result<Result<String, String>> {
        let body = json!({"ttl": ttl, "description": description});
        let r = self
            .machines
            .call_with(
                Method::POST,
                &format!("/v1/apps/{}/machines/{id}/lease", enc(app)),
                Body::Json(&body),
                true,
                &nonce_header(nonce),
            )
            .await;
        match r {
            Ok(v) => v
                .pointer("/data/nonce")
                .and_then(Value::as_str)
                .map(|n| Ok(n.to_string()))
                .ok_or_else(|| anyhow::anyhow!("the lease answer of machine {id} has no nonce")),
            Err(e) if status_of(&e) == Some(409) => Ok(Err(message_of(&e))),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn release(&self, app: &str, id: &str, nonce: &str) -> anyhow::Result<()> {
        let r = self
            .machines
            .call_with(
                Method::DELETE,
                &format!("/v1/apps/{}/machines/{id}/lease", enc(app)),
                Body::Empty,
                true,
                &nonce_header(Some(nonce)),
            )
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// App secrets: names and digests, never values.
    pub(crate) async fn secrets(&self, app: &str) -> anyhow::Result<Vec<String>> {
        let path = format!("/v1/apps/{}/secrets", enc(app));
        match self.machines.get(&path).await {
            Ok(v) => {
                let list: AppSecrets = self.machines.decode(&Method::GET, &path, v)?;
                Ok(list.secrets.into_iter().flatten().map(|s| s.name).collect())
            }
            Err(e) if status_of(&e) == Some(404) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn set_secrets(
        &self,
        app: &str,
        values: &[(String, Secret)],
    ) -> anyhow::Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let map: serde_json::Map<String, Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), json!(v.expose())))
            .collect();
        self.machines
            .post(
                &format!("/v1/apps/{}/secrets", enc(app)),
                &json!({"values": map}),
                true,
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn unset_secret(&self, app: &str, name: &str) -> anyhow::Result<()> {
        match self
            .machines
            .delete(&format!("/v1/apps/{}/secrets/{}", enc(app), enc(name)))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One page of logs after `next_token`.
    pub(crate) async fn logs(
        &self,
        app: &str,
        next_token: &str,
        region: Option<&str>,
        instance: Option<&str>,
    ) -> anyhow::Result<LogPage> {
        let mut path = format!(
            "/api/v1/apps/{}/logs?next_token={}",
            enc(app),
            enc(next_token)
        );
        if let Some(r) = region {
            path.push_str(&format!("&region={}", enc(r)));
        }
        if let Some(i) = instance {
            path.push_str(&format!("&instance={}", enc(i)));
        }
        let v = self.platform.get(&path).await?;
        self.platform.decode(&Method::GET, &path, v)
    }
}

/// Sleep helper for loops that poll.
pub(crate) async fn pause(d: Duration) {
    tokio::time::sleep(d).await
}
