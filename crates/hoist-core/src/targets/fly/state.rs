//! hoist's state in a function's machines: the metadata a config is
//! stamped with (`hoist_config` digest, `hoist_history` of earlier configs
//! for rollback, env set through `hoist env`), and which machines' version
//! counts as live when a cut-short rollout left them disagreeing.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::api::Machine;
use super::spec::Spec;
use crate::targets::TargetError;

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

/// The earlier configs a machine's `hoist_history` names, newest first
/// (none on a machine without one). History that does not decode is an
/// error naming the machine.
pub(super) fn history_of(m: &Machine) -> anyhow::Result<Vec<Value>> {
    match m.meta("hoist_history") {
        Some(h) => decode_meta(m, "hoist_history", h),
        None => Ok(Vec::new()),
    }
}

/// Metadata `key` of machine `m` (JSON text) as a `T`; text that does not
/// fit is an error naming the machine, the key and the field.
pub(super) fn decode_meta<T: DeserializeOwned>(
    m: &Machine,
    key: &str,
    text: &str,
) -> anyhow::Result<T> {
    let fail = |field: String, e: serde_json::Error| {
        let mut e = anyhow::Error::new(e);
        if !field.is_empty() {
            e = e.context(format!("at `{field}`"));
        }
        e.context(TargetError::BadMetadata {
            machine: m.id.clone(),
            key: key.to_string(),
        })
    };
    let v: Value = serde_json::from_str(text).map_err(|e| fail(String::new(), e))?;
    serde_path_to_error::deserialize(v).map_err(|e| fail(e.path().to_string(), e.into_inner()))
}

pub(super) fn meta_of<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config["metadata"][key].as_str()
}

/// The version machines run; when a rollout was cut short and machines
/// disagree, the older one (the one the newer machines' history names).
/// A machine whose history does not decode is an error (which machine is
/// live cannot be told without it).
pub(super) fn active_of(ms: &[Machine]) -> anyhow::Result<Option<&Machine>> {
    let Some(first) = ms.first() else {
        return Ok(None);
    };
    let versions: std::collections::BTreeSet<&str> =
        ms.iter().filter_map(|m| m.meta("hoist_version")).collect();
    if versions.len() <= 1 {
        return Ok(Some(first));
    }
    let histories = ms
        .iter()
        .map(|o| Ok((o.meta("hoist_version"), history_of(o)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(ms
        .iter()
        .find(|m| {
            let v = m.meta("hoist_version");
            histories.iter().any(|(ov, history)| {
                history
                    .iter()
                    .any(|h| meta_of(h, "hoist_version") == v && *ov != v)
            })
        })
        .or(Some(first)))
}

/// The config a machine runs with `metadata` stamped and the hoist_config
/// digest over everything that shapes it.
pub(super) fn stamp(spec: &Spec, mut config: Value, history: Vec<Value>) -> Value {
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
    let digest = crate::digest::Digest::of(format!(
        "{}{}",
        shape, // a Value's Display is its compact JSON
        spec.digest()
    ))
    .to_string();
    config["metadata"]["hoist_config"] = Value::from(digest);
    let history: Vec<Value> = history.into_iter().take(HISTORY).collect();
    config["metadata"]["hoist_history"] = Value::from(Value::Array(history).to_string());
    config
}

/// Env values set with `hoist env set` (kept across deploys): none without
/// a machine or its `hoist_env_extra`; metadata that does not decode is an
/// error, never an empty set (a deploy would drop them).
pub(super) fn extra_env(m: Option<&Machine>) -> anyhow::Result<BTreeMap<String, String>> {
    match m.and_then(|m| Some((m, m.meta("hoist_env_extra")?))) {
        Some((m, text)) => decode_meta(m, "hoist_env_extra", text),
        None => Ok(BTreeMap::new()),
    }
}
