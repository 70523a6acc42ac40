//! Reading a flyctl `fly.toml` as a function's Fly defaults, for users who
//! come from flyctl: `app`, `primary_region`, `[deploy]` strategy and
//! timings, `[env]`, `[http_service]` (ports, auto-stop, concurrency,
//! checks) and `[[vm]]`. Keys hoist does not use are listed, so the user
//! is told rather than surprised.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Value;

use crate::config::fly::{Checks, Concurrency, FlyFunction, Guest, HttpService, Strategy};
use crate::targets::TargetError;

/// Top-level keys hoist reads.
const KNOWN: &[&str] = &[
    "app",
    "primary_region",
    "deploy",
    "env",
    "http_service",
    "vm",
];

/// `(defaults, [env], unsupported keys)` of the fly.toml at `path`.
pub(crate) fn read(
    path: &Path,
    function: &str,
) -> anyhow::Result<(FlyFunction, BTreeMap<String, String>, Vec<String>)> {
    let text = std::fs::read_to_string(path).map_err(|e| TargetError::FlyTomlUnreadable {
        function: function.to_string(),
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    parse(&text, &path.display().to_string())
}

fn bad(file: &str, msg: String) -> anyhow::Error {
    TargetError::FlyTomlValue {
        file: file.to_string(),
        message: msg,
    }
    .into()
}

pub(crate) fn parse(
    text: &str,
    file: &str,
) -> anyhow::Result<(FlyFunction, BTreeMap<String, String>, Vec<String>)> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // An error without a position names no line.
        let at = match e.span() {
            Some(s) => {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            }
            None => String::new(),
        };
        TargetError::FlyTomlSyntax {
            file: file.to_string(),
            at,
            why: e.message().to_string(),
        }
    })?;
    let mut out = FlyFunction::default();
    let mut unsupported: Vec<String> = doc
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .cloned()
        .collect();
    out.app = str_of(doc.get("app"));
    if let Some(r) = str_of(doc.get("primary_region")) {
        out.regions.insert(r, 1);
    }
    if let Some(d) = doc.get("deploy").and_then(Value::as_table) {
        deploy_section(d, file, &mut out, &mut unsupported)?;
    }
    let env = match doc.get("env").and_then(Value::as_table) {
        Some(e) => env_section(e, file)?,
        None => BTreeMap::new(),
    };
    if let Some(h) = doc.get("http_service").and_then(Value::as_table) {
        http_section(h, file, &mut out, &mut unsupported)?;
    }
    if let Some(vm) = doc
        .get("vm")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_table)
    {
        out.guest = Some(vm_section(vm, file)?);
    }
    unsupported.sort();
    Ok((out, env, unsupported))
}

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// A count (a negative one is 0).
fn count_of(v: Option<&Value>) -> Option<u32> {
    v.and_then(Value::as_integer)
        .map(|i| u32::try_from(i.max(0)).unwrap_or(u32::MAX))
}

/// `[deploy]`: the strategy and its pace.
fn deploy_section(
    d: &toml::Table,
    file: &str,
    out: &mut FlyFunction,
    unsupported: &mut Vec<String>,
) -> anyhow::Result<()> {
    for (k, v) in d {
        match k.as_str() {
            "strategy" => {
                let name = v.as_str().ok_or_else(|| {
                    bad(
                        file,
                        format!("[deploy] strategy must be a string, not {}", v.type_str()),
                    )
                })?;
                out.strategy = Some(Strategy::parse(name).ok_or_else(|| {
                    bad(file, format!("[deploy] strategy `{name}` is not immediate, rolling, canary or bluegreen"))
                })?);
            }
            "max_unavailable" => {
                out.max_unavailable = v.as_float().or(v.as_integer().map(|i| i as f64))
            }
            "wait_timeout" => {
                out.wait_timeout = match v {
                    Value::Integer(i) => Some((*i).max(1) as u64),
                    Value::String(t) => super::spec::duration(t).map(|d| d.as_secs().max(1)),
                    _ => None,
                }
            }
            other => unsupported.push(format!("deploy.{other}")),
        }
    }

    Ok(())
}

/// `[env]`: values as strings.
fn env_section(e: &toml::Table, file: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    for (k, v) in e {
        let value = match v {
            Value::String(t) => t.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Boolean(b) => b.to_string(),
            other => {
                return Err(bad(
                    file,
                    format!(
                        "[env] {k} must be a string, number or boolean, not {}",
                        other.type_str()
                    ),
                ))
            }
        };
        env.insert(k.clone(), value);
    }

    Ok(env)
}

/// `[http_service]`: the port, the proxy's settings and the first check.
fn http_section(
    h: &toml::Table,
    file: &str,
    out: &mut FlyFunction,
    unsupported: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut http = HttpService::default();
    for (k, v) in h {
        match k.as_str() {
            "internal_port" => out.internal_port = v.as_integer().map(|p| p as u16),
            "force_https" => http.force_https = v.as_bool(),
            "auto_stop_machines" => {
                http.auto_stop = match v {
                    Value::Boolean(true) => Some("stop".into()),
                    Value::Boolean(false) => Some("off".into()),
                    Value::String(t) => Some(t.clone()),
                    _ => None,
                }
            }
            "auto_start_machines" => http.auto_start = v.as_bool(),
            "min_machines_running" => http.min_machines_running = count_of(Some(v)),
            "concurrency" => {
                let c = v.as_table().ok_or_else(|| {
                    bad(
                        file,
                        format!(
                            "[http_service] concurrency must be a table, not {}",
                            v.type_str()
                        ),
                    )
                })?;
                http.concurrency = Some(Concurrency {
                    kind: str_of(c.get("type")),
                    soft_limit: count_of(c.get("soft_limit")),
                    hard_limit: count_of(c.get("hard_limit")),
                });
            }
            "checks" => {
                let not_checks = |what: &str| {
                    bad(
                        file,
                        format!("[[http_service.checks]] must be a list of tables, not {what}"),
                    )
                };
                let list = v.as_array().ok_or_else(|| not_checks(v.type_str()))?;
                // An empty list sets no check field; the first check is
                // the one hoist uses.
                let empty = toml::Table::new();
                let first = match list.first() {
                    Some(c) => c
                        .as_table()
                        .ok_or_else(|| not_checks(&format!("a list holding {}", c.type_str())))?,
                    None => &empty,
                };
                out.checks = Some(Checks {
                    path: str_of(first.get("path")),
                    interval: str_of(first.get("interval")),
                    timeout: str_of(first.get("timeout")),
                    grace_period: str_of(first.get("grace_period")),
                });
            }
            other => unsupported.push(format!("http_service.{other}")),
        }
    }
    out.http = Some(http);

    Ok(())
}

/// The first `[[vm]]`: a preset size, or CPU kind, CPUs and memory.
fn vm_section(vm: &toml::Table, file: &str) -> anyhow::Result<Guest> {
    let mut g = Guest::default();
    if let Some(size) = str_of(vm.get("size")) {
        let (kind, n) = preset(&size, file)?;
        g.cpu_kind = Some(kind.into());
        g.cpus = Some(n);
        g.memory_mb = Some(if kind == "shared" { 256 * n } else { 2048 * n });
    }
    if let Some(k) = str_of(vm.get("cpu_kind")) {
        g.cpu_kind = Some(k);
    }
    if let Some(c) = count_of(vm.get("cpus")) {
        g.cpus = Some(c);
    }
    if let Some(m) = vm.get("memory").or(vm.get("memory_mb")) {
        g.memory_mb = Some(memory(m, file)?);
    }
    Ok(g)
}

/// `shared-cpu-2x` → ("shared", 2); anything else is an error.
fn preset(size: &str, file: &str) -> anyhow::Result<(&'static str, u32)> {
    let not_preset = || {
        bad(
            file,
            format!("[[vm]] size `{size}` is not a Fly preset such as shared-cpu-1x"),
        )
    };
    let (kind, rest) = if let Some(r) = size.strip_prefix("shared-cpu-") {
        ("shared", r)
    } else if let Some(r) = size.strip_prefix("performance-") {
        ("performance", r)
    } else {
        return Err(not_preset());
    };
    let n = rest.strip_suffix('x').ok_or_else(not_preset)?;
    Ok((kind, n.parse::<u32>().map_err(|_| not_preset())?))
}

/// `[[vm]] memory` in MB: a number of MB, or a size such as `512mb` or
/// `1gb`; anything else is an error.
fn memory(v: &Value, file: &str) -> anyhow::Result<u32> {
    let not_size = || {
        bad(
            file,
            format!("[[vm]] memory {v:?} is not a size such as 512mb or 1gb"),
        )
    };
    match v {
        Value::Integer(i) => u32::try_from(*i).map_err(|_| not_size()),
        Value::String(t) => {
            let t = t.trim().to_ascii_lowercase();
            let (number, mb_per) = match t.strip_suffix("gb") {
                Some(g) => (g, 1024),
                None => (t.strip_suffix("mb").unwrap_or(&t), 1),
            };
            let n = number.trim().parse::<u32>().map_err(|_| not_size())?;
            n.checked_mul(mb_per).ok_or_else(not_size)
        }
        _ => Err(not_size()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flyctl_toml_becomes_defaults() {
        let (f, env, unsupported) = parse(
            r#"
app = "receptor-api"
primary_region = "ams"
kill_signal = "SIGINT"

[deploy]
  strategy = "bluegreen"
  release_command = "migrate"

[env]
  LOG_LEVEL = "info"
  WORKERS = 4

[http_service]
  internal_port = 8080
  force_https = true
  auto_stop_machines = "suspend"
  auto_start_machines = true
  min_machines_running = 1
  [http_service.concurrency]
    type = "requests"
    soft_limit = 200
    hard_limit = 250
  [[http_service.checks]]
    interval = "10s"
    timeout = "2s"
    grace_period = "5s"
    method = "GET"
    path = "/healthz"

[[vm]]
  size = "shared-cpu-2x"
  memory = "1gb"

[metrics]
  port = 9091
  path = "/metrics"
"#,
            "fly.toml",
        )
        .unwrap();
        assert_eq!(f.app.as_deref(), Some("receptor-api"));
        assert_eq!(f.strategy, Some(Strategy::Bluegreen));
        assert_eq!(f.regions.get("ams"), Some(&1));
        assert_eq!(f.internal_port, Some(8080));
        let g = f.guest.unwrap();
        assert_eq!((g.cpus, g.memory_mb), (Some(2), Some(1024)));
        assert_eq!(f.checks.unwrap().path.as_deref(), Some("/healthz"));
        assert_eq!(f.http.unwrap().auto_stop.as_deref(), Some("suspend"));
        assert_eq!(env["WORKERS"], "4");
        assert_eq!(
            unsupported,
            ["deploy.release_command", "kill_signal", "metrics"]
        );
    }

    #[test]
    fn keys_of_the_wrong_shape_are_errors_not_defaults() {
        for (text, says) in [
            ("[deploy]\nstrategy = 1\n", "strategy must be a string"),
            (
                "[http_service]\nconcurrency = 5\n",
                "concurrency must be a table",
            ),
            ("[http_service]\nchecks = [1]\n", "a list holding integer"),
            ("[[vm]]\nsize = \"shared-cpu-zx\"\n", "not a Fly preset"),
            ("[[vm]]\nmemory = -1\n", "not a size"),
            ("[[vm]]\nmemory = \"5000000gb\"\n", "not a size"),
        ] {
            let e = parse(text, "fly.toml").unwrap_err();
            assert!(format!("{e:#}").contains(says), "{text}: {e:#}");
        }
        let (f, _, _) = parse("[http_service]\nchecks = []\n", "fly.toml").unwrap();
        assert_eq!(f.checks.unwrap().path, None);
    }

    #[test]
    fn broken_toml_names_its_line() {
        let e = parse("app = \"x\"\n[deploy\n", "fly.toml").unwrap_err();
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
    }
}
