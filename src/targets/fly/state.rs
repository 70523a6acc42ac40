//! hoist's state in a function's machines: the metadata a config is
//! stamped with (`hoist_config` digest, `hoist_history` of earlier configs
//! for rollback, env set through `hoist env`), and which machines' version
//! counts as live when a cut-short rollout left them disagreeing.

use std::collections::BTreeMap;

use serde_json::Value;

use super::api::Machine;
use super::spec::Spec;

/// Earlier configs kept in each machine's metadata for `rollback`.
const HISTORY: usize = 3;

/// The history entry of a machine's config (its metadata's own history
/// left out).
pub(super) fn entry_of(config: &Value) -> Value {
    let mut c = config.clone();
    if let Some(m) = c["metadata"].as_object_mut() {
        m.remove("hoist_history");
        m.remove("hoist_launch_id");
    }
    c
}

pub(super) fn history_of(m: &Machine) -> Vec<Value> {
    m.meta("hoist_history")
        .and_then(|h| serde_json::from_str::<Vec<Value>>(h).ok())
        .unwrap_or_default()
}

pub(super) fn meta_of<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config["metadata"][key].as_str()
}

/// The version machines run; when a rollout was cut short and machines
/// disagree, the older one (the one the newer machines' history names).
pub(super) fn active_of(ms: &[Machine]) -> Option<&Machine> {
    let first = ms.first()?;
    let versions: std::collections::BTreeSet<&str> =
        ms.iter().filter_map(|m| m.meta("hoist_version")).collect();
    if versions.len() <= 1 {
        return Some(first);
    }
    ms.iter()
        .find(|m| {
            let v = m.meta("hoist_version");
            ms.iter().any(|o| {
                history_of(o)
                    .iter()
                    .any(|h| meta_of(h, "hoist_version") == v && o.meta("hoist_version") != v)
            })
        })
        .or(Some(first))
}

/// The config a machine runs with `metadata` stamped and the hoist_config
/// digest over everything that shapes it.
pub(super) fn stamp(spec: &Spec, mut config: Value, history: Vec<Value>) -> Value {
    use sha2::{Digest, Sha256};
    if let Some(m) = config["metadata"].as_object_mut() {
        m.remove("hoist_config");
        m.remove("hoist_history");
        m.remove("hoist_launch_id");
        m.remove("fly_canary");
    }
    let mut shape = config.clone();
    if let Some(m) = shape["metadata"].as_object_mut() {
        m.remove("hoist_release");
    }
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(
            format!(
                "{}{}",
                serde_json::to_string(&shape).unwrap_or_default(),
                spec.digest()
            )
            .as_bytes()
        ))
    );
    config["metadata"]["hoist_config"] = Value::from(digest);
    let history: Vec<Value> = history.into_iter().take(HISTORY).collect();
    config["metadata"]["hoist_history"] =
        Value::from(serde_json::to_string(&history).unwrap_or_else(|_| "[]".into()));
    config
}

/// Env values set with `hoist env set` (kept across deploys).
pub(super) fn extra_env(m: Option<&Machine>) -> BTreeMap<String, String> {
    m.and_then(|m| m.meta("hoist_env_extra"))
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}
