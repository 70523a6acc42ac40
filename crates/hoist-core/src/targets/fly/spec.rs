//! What one function is on Fly, resolved before any API call: its app name
//! (a DNS label), strategy, machines per region, guest, HTTP service,
//! checks and restart policy, from hoist.yaml's `fly:` block over the
//! function's fly.toml over hoist's defaults; and the machine config a
//! version runs with. An impossible guest or a bad app name is an error
//! here, so nothing reaches the API.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::fly::{Checks, Concurrency, FlyFunction, Guest, HttpService, Restart, Strategy};
use crate::config::schema::FlyConfig;
use crate::config::{Function, Project};
use crate::targets::TargetError;

/// The resolved Fly settings of one function.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Spec {
    #[serde(skip)]
    pub(crate) function: String,
    pub(crate) app: String,
    pub(crate) strategy: Strategy,
    pub(crate) max_unavailable: f64,
    /// Machines per region, in region order.
    pub(crate) regions: Vec<(String, u32)>,
    pub(crate) cpu_kind: String,
    pub(crate) cpus: u32,
    pub(crate) memory_mb: u32,
    pub(crate) internal_port: u16,
    pub(crate) http: HttpService,
    /// HTTP check path and timings, when the function has a health path.
    pub(crate) check: Option<Checks>,
    pub(crate) restart: Restart,
    pub(crate) auto_destroy: bool,
    #[serde(skip)]
    pub(crate) wait_timeout: Duration,
    /// `[env]` of the function's fly.toml (hoist.yaml's env wins).
    pub(crate) toml_env: BTreeMap<String, String>,
    /// fly.toml keys hoist does not use, for a note.
    #[serde(skip)]
    pub(crate) unsupported: Vec<String>,
}

/// A DNS label from a function name: lowercase, `_` and `.` to `-`.
pub(crate) fn dns_label(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '_' | '.' => '-',
            c => c,
        })
        .collect()
}

/// Whether `s` can be a Fly app name (a DNS label, at most 63 bytes).
pub(crate) fn valid_app_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Parse a Go-style duration (`15s`, `500ms`, `1m`, `1m30s`).
pub(crate) fn duration(s: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let Ok(value) = rest[..n].parse::<f64>() else {
            return None;
        };
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        rest = &rest[u..];
        total += Duration::from_secs_f64(value * unit);
    }
    Some(total)
}

fn bad(f: &str, msg: String, hint: &'static str) -> anyhow::Error {
    TargetError::FlySetting {
        function: f.to_string(),
        message: msg,
        hint,
    }
    .into()
}

/// Check a guest against Fly's sizes.
pub(crate) fn check_guest(f: &str, kind: &str, cpus: u32, memory_mb: u32) -> anyhow::Result<()> {
    let hint = "see docs/fly.md#guest: shared 1/2/4/6/8 CPUs with 256 MB steps (256–2048 MB per CPU), performance 1/2/4/8/16 CPUs with 1024 MB steps (2048–8192 MB per CPU)";
    let (cpu_ok, step, min, max) = match kind {
        "shared" => (matches!(cpus, 1 | 2 | 4 | 6 | 8), 256, 256, 2048),
        "performance" => (matches!(cpus, 1 | 2 | 4 | 8 | 16), 1024, 2048, 8192),
        other => {
            return Err(bad(
                f,
                format!("fly guest cpu_kind `{other}` is not `shared` or `performance`"),
                hint,
            ))
        }
    };
    if !cpu_ok {
        return Err(bad(
            f,
            format!("fly guest: {kind} machines cannot have {cpus} CPUs"),
            hint,
        ));
    }
    if memory_mb < min * cpus || memory_mb > max * cpus {
        return Err(bad(
            f,
            format!(
                "fly guest: {memory_mb} MB is outside {}–{} MB for {cpus} {kind} CPU(s)",
                min * cpus,
                max * cpus
            ),
            hint,
        ));
    }
    if !memory_mb.is_multiple_of(step) {
        return Err(bad(
            f,
            format!("fly guest: {memory_mb} MB is not a multiple of {step} MB"),
            hint,
        ));
    }
    Ok(())
}

/// A settings block hoist.yaml left out: every setting at its default.
fn or_defaults<T: Clone + Default>(block: &Option<T>) -> T {
    match block {
        Some(b) => b.clone(),
        None => T::default(),
    }
}

/// Resolve `f`'s Fly settings.
pub(crate) fn resolve(project: &Project, cfg: &FlyConfig, f: &Function) -> anyhow::Result<Spec> {
    let mine = or_defaults(&f.fly);
    let (toml, toml_env, unsupported) = match &mine.toml {
        Some(path) => super::flytoml::read(&project.root.join(path), &f.name)?,
        None => (FlyFunction::default(), BTreeMap::new(), Vec::new()),
    };
    let m = over(&mine, &toml);
    let app = app_name(project, cfg, f, &m)?;
    let regions = regions(cfg, f, &m)?;
    let (cpu_kind, cpus, memory_mb) = guest(f, &m)?;
    let max_unavailable = m.max_unavailable.unwrap_or(0.33);
    if max_unavailable <= 0.0 {
        return Err(bad(
            &f.name,
            format!("fly max_unavailable {max_unavailable} must be above 0"),
            "a fraction below 1 (0.33 = a third of the machines) or a count from 1",
        ));
    }
    let check = check(f, &m)?;
    let restart = or_defaults(&m.restart);
    if let Some(p) = &restart.policy {
        if !matches!(p.as_str(), "no" | "always" | "on-failure") {
            return Err(bad(
                &f.name,
                format!("fly restart.policy `{p}` is not `no`, `always` or `on-failure`"),
                "see docs/fly.md",
            ));
        }
    }
    let http = or_defaults(&m.http);
    if let Some(a) = &http.auto_stop {
        if !matches!(a.as_str(), "off" | "stop" | "suspend") {
            return Err(bad(
                &f.name,
                format!("fly http.auto_stop `{a}` is not `off`, `stop` or `suspend`"),
                "see docs/fly.md",
            ));
        }
    }
    Ok(Spec {
        function: f.name.to_string(),
        app,
        strategy: m.strategy.or(cfg.strategy).unwrap_or(Strategy::Rolling),
        max_unavailable,
        regions,
        cpu_kind,
        cpus,
        memory_mb,
        internal_port: m.internal_port.unwrap_or(f.port),
        http,
        check,
        restart,
        auto_destroy: m.auto_destroy.unwrap_or(false),
        wait_timeout: Duration::from_secs(m.wait_timeout.unwrap_or(300).clamp(1, 3600)),
        toml_env,
        unsupported,
    })
}

/// `a`'s settings over `b`'s, key by key (a guest's fields one by one).
fn over(a: &FlyFunction, b: &FlyFunction) -> FlyFunction {
    FlyFunction {
        app: a.app.clone().or(b.app.clone()),
        toml: None,
        strategy: a.strategy.or(b.strategy),
        max_unavailable: a.max_unavailable.or(b.max_unavailable),
        regions: if a.regions.is_empty() {
            b.regions.clone()
        } else {
            a.regions.clone()
        },
        guest: match (&a.guest, &b.guest) {
            (Some(x), Some(y)) => Some(Guest {
                cpu_kind: x.cpu_kind.clone().or(y.cpu_kind.clone()),
                cpus: x.cpus.or(y.cpus),
                memory_mb: x.memory_mb.or(y.memory_mb),
            }),
            (x, y) => x.clone().or(y.clone()),
        },
        internal_port: a.internal_port.or(b.internal_port),
        http: a.http.clone().or(b.http.clone()),
        checks: a.checks.clone().or(b.checks.clone()),
        restart: a.restart.clone().or(b.restart.clone()),
        auto_destroy: a.auto_destroy.or(b.auto_destroy),
        wait_timeout: a.wait_timeout.or(b.wait_timeout),
    }
}

/// The app: `fly: {app: …}`, else the prefix (`targets.fly.app_prefix`,
/// else `<project>-`) and the function's DNS label.
fn app_name(
    project: &Project,
    cfg: &FlyConfig,
    f: &Function,
    m: &FlyFunction,
) -> anyhow::Result<String> {
    let prefix = cfg
        .app_prefix
        .clone()
        .unwrap_or_else(|| format!("{}-", dns_label(&project.config.project)));
    let app = m
        .app
        .clone()
        .unwrap_or_else(|| format!("{prefix}{}", f.dns_label));
    if !valid_app_name(&app) {
        return Err(bad(
            &f.name,
            format!("`{app}` cannot be a Fly app name"),
            "app names are lowercase letters, digits and `-`, at most 63 characters; set `fly: {app: …}` or `targets.fly.app_prefix`",
        ));
    }
    Ok(app)
}

/// Machines per region: the function's, else one in the target's primary
/// region (`iad` by default). Codes must look like Fly's and ask for at
/// least one machine in all.
fn regions(cfg: &FlyConfig, f: &Function, m: &FlyFunction) -> anyhow::Result<Vec<(String, u32)>> {
    let primary = cfg.region.clone().unwrap_or_else(|| "iad".into());
    let regions: Vec<(String, u32)> = if m.regions.is_empty() {
        vec![(primary, 1)]
    } else {
        m.regions.iter().map(|(r, n)| (r.clone(), *n)).collect()
    };
    for (r, _) in &regions {
        if r.len() != 3 || !r.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(bad(
                &f.name,
                format!("`{r}` is not a Fly region code"),
                "regions are three-letter codes such as iad, ams, syd (fly platform regions)",
            ));
        }
    }
    if regions.iter().map(|r| r.1).sum::<u32>() == 0 {
        return Err(bad(
            &f.name,
            "fly regions ask for no machines".into(),
            "give at least one region a count of 1 or more",
        ));
    }
    Ok(regions)
}

/// The guest (CPU kind, CPUs, memory in MB): the `guest` block's values,
/// else the smallest guest that holds the function's resources; checked
/// against Fly's sizes when anything was asked for.
fn guest(f: &Function, m: &FlyFunction) -> anyhow::Result<(String, u32, u32)> {
    let g = or_defaults(&m.guest);
    let explicit = m.guest.is_some();
    let cpu_kind = g.cpu_kind.unwrap_or_else(|| "shared".into());
    let cpus = g.cpus.unwrap_or_else(|| {
        let want = f.resources.cpus.unwrap_or(0.5).ceil().max(1.0) as u32;
        [1, 2, 4, 6, 8]
            .into_iter()
            .find(|c| *c >= want)
            .unwrap_or(8)
    });
    let memory_mb = g.memory_mb.unwrap_or_else(|| {
        let want = f.resources.memory_mb.unwrap_or(256).max(256 * cpus);
        want.div_ceil(256) * 256
    });
    if explicit || f.resources.cpus.is_some() || f.resources.memory_mb.is_some() {
        check_guest(&f.name, &cpu_kind, cpus, memory_mb)?;
    }
    Ok((cpu_kind, cpus, memory_mb))
}

/// The HTTP check: the `checks` block (its path defaulting to the
/// function's health path), else one on the health path; its durations
/// must parse.
fn check(f: &Function, m: &FlyFunction) -> anyhow::Result<Option<Checks>> {
    let check = match (&m.checks, &f.health_path) {
        (Some(c), hp) => Some(Checks {
            path: c.path.clone().or(hp.clone()),
            ..c.clone()
        }),
        (None, Some(hp)) => Some(Checks {
            path: Some(hp.clone()),
            ..Checks::default()
        }),
        (None, None) => None,
    };
    if let Some(c) = &check {
        for (key, v) in [
            ("interval", &c.interval),
            ("timeout", &c.timeout),
            ("grace_period", &c.grace_period),
        ] {
            if let Some(v) = v {
                if duration(v).is_none() {
                    return Err(bad(
                        &f.name,
                        format!("fly checks.{key} `{v}` is not a duration"),
                        "write durations like 15s, 500ms or 1m",
                    ));
                }
            }
        }
    }
    Ok(check)
}

impl Spec {
    /// sha256 of the settings that shape a machine, so a deploy sees a
    /// changed guest, region count or check as a change.
    pub(crate) fn digest(&self) -> String {
        let text = match serde_json::to_string(self) {
            Ok(t) => t,
            // Strings, numbers and string-keyed maps always serialize; were
            // one to fail, the Debug form still names every setting.
            Err(_) => format!("{self:?}"),
        };
        crate::digest::Digest::of(text.as_bytes()).to_string()
    }

    /// Machines wanted in all.
    pub(crate) fn count(&self) -> u32 {
        self.regions.iter().map(|r| r.1).sum()
    }

    /// How many machines a rolling deploy replaces at once.
    pub(crate) fn batch(&self, n: usize) -> usize {
        let k = if self.max_unavailable < 1.0 {
            (n as f64 * self.max_unavailable).ceil() as usize
        } else {
            self.max_unavailable as usize
        };
        k.clamp(1, n.max(1))
    }

    pub(crate) fn has_checks(&self) -> bool {
        self.check.is_some()
    }

    /// The machine config for `image` with `env` and `metadata`.
    pub(crate) fn machine_config(
        &self,
        image: &str,
        env: &BTreeMap<String, String>,
        metadata: &BTreeMap<String, String>,
    ) -> Value {
        let mut full_env = self.toml_env.clone();
        full_env.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
        full_env.insert("FLY_PROCESS_GROUP".into(), "app".into());
        if let Some((primary, _)) = self.regions.first() {
            full_env.insert("PRIMARY_REGION".into(), primary.clone());
        }
        full_env.insert("PORT".into(), self.internal_port.to_string());
        let mut metadata = metadata.clone();
        metadata.insert("fly_platform_version".into(), "v2".into());
        metadata.insert("fly_process_group".into(), "app".into());
        let h = &self.http;
        let mut service = json!({
            "protocol": "tcp",
            "internal_port": self.internal_port,
            "autostart": h.auto_start.unwrap_or(true),
            "autostop": h.auto_stop.clone().unwrap_or_else(|| "off".into()),
            "min_machines_running": h.min_machines_running.unwrap_or(0),
            "ports": [
                {"port": 80, "handlers": ["http"], "force_https": h.force_https.unwrap_or(true)},
                {"port": 443, "handlers": ["tls", "http"]}
            ],
        });
        if let Some(c) = &h.concurrency {
            let Concurrency {
                kind,
                soft_limit,
                hard_limit,
            } = c;
            service["concurrency"] = json!({
                "type": kind.clone().unwrap_or_else(|| "requests".into()),
                "soft_limit": soft_limit.unwrap_or(20),
                "hard_limit": hard_limit.unwrap_or(25),
            });
        }
        if let Some(c) = &self.check {
            service["checks"] = json!([{
                "type": "http",
                "port": self.internal_port,
                "method": "GET",
                "path": c.path.clone().unwrap_or_else(|| "/".into()),
                "protocol": "http",
                "interval": c.interval.clone().unwrap_or_else(|| "15s".into()),
                "timeout": c.timeout.clone().unwrap_or_else(|| "2s".into()),
                "grace_period": c.grace_period.clone().unwrap_or_else(|| "5s".into()),
            }]);
        }
        json!({
            "image": image,
            "env": full_env,
            "init": {},
            "guest": {"cpu_kind": self.cpu_kind, "cpus": self.cpus, "memory_mb": self.memory_mb},
            "metadata": metadata,
            "services": [service],
            "restart": {
                "policy": self.restart.policy.clone().unwrap_or_else(|| "on-failure".into()),
                "max_retries": self.restart.max_retries.unwrap_or(10),
            },
            "auto_destroy": self.auto_destroy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(duration("15s"), Some(Duration::from_secs(15)));
        assert_eq!(duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(duration("soon"), None);
        assert_eq!(duration(""), None);
    }

    #[test]
    fn guests_follow_fly_sizes() {
        assert!(check_guest("f", "shared", 1, 256).is_ok());
        assert!(check_guest("f", "shared", 2, 256).is_err());
        assert!(check_guest("f", "performance", 1, 1024).is_err());
        assert!(check_guest("f", "performance", 2, 4096).is_ok());
        assert!(check_guest("f", "shared", 3, 768).is_err());
        assert!(check_guest("f", "shared", 1, 300).is_err());
        assert!(check_guest("f", "gpu", 1, 256).is_err());
    }

    #[test]
    fn labels_and_app_names() {
        assert_eq!(dns_label("update_User"), "update-user");
        assert!(valid_app_name("shop-update-user"));
        assert!(!valid_app_name("-a"));
        assert!(!valid_app_name("A"));
        assert!(!valid_app_name(&"a".repeat(64)));
    }
}
