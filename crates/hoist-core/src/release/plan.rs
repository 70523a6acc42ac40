//! The plan of a deploy: for each function, what hoist.yaml and the bundle
//! want (version, code digest, configured env, settings) against what the
//! target runs (its active state). Functions whose code, env and settings
//! all match drop out, so an unchanged deploy sends nothing; `--dry-run`
//! prints the plan and stops.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::targets::{env_digest, Active, FunctionSettings};

/// What a deploy wants for one function.
#[derive(Debug, Clone)]
pub struct Desired {
    pub function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    /// `sha256:<hex>` of the bundle.
    pub digest: String,
    pub env: BTreeMap<String, String>,
    pub settings: FunctionSettings,
}

impl Desired {
    pub fn env_digest(&self) -> String {
        env_digest(&self.env)
    }

    pub fn config_digest(&self) -> anyhow::Result<String> {
        config_digest(&self.settings)
    }
}

/// sha256 of the settings as JSON, `sha256:<hex>`.
pub(crate) fn config_digest(s: &FunctionSettings) -> anyhow::Result<String> {
    let bytes = serde_json::to_vec(s).map_err(|e| {
        anyhow::anyhow!("cannot write the settings of {:?} as JSON: {e}", s.runtime)
    })?;
    Ok(crate::digest::Digest::of(bytes).to_string())
}

/// Refuse, before anything is built or sent, functions whose runtime the
/// target does not run: exit 2 naming each with its runtime, what the
/// target runs, and the functions that can go.
pub fn check_runtimes(
    target: &dyn crate::targets::Target,
    functions: &[&crate::config::Function],
) -> anyhow::Result<()> {
    let Some(runs) = target.runtimes() else {
        return Ok(());
    };
    let (bad, good): (Vec<&crate::config::Function>, Vec<&crate::config::Function>) = functions
        .iter()
        .partition(|f| !runs.contains(&f.runtime.as_str()));
    if bad.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = bad
        .iter()
        .map(|f| format!("{} ({})", f.name, f.runtime.as_str()))
        .collect();
    Err(crate::release::ReleaseError::Runtimes {
        target: target.describe(),
        runs: runs.iter().map(|r| r.to_string()).collect(),
        named,
        others: good.iter().map(|f| f.name.to_string()).collect(),
    }
    .into())
}

/// One setting that changes.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SettingChange {
    pub(crate) key: String,
    pub(crate) from: serde_json::Value,
    pub(crate) to: serde_json::Value,
}

/// What a deploy does to one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Never deployed to this target.
    Create,
    /// Deployed, and something changed (code, env or settings).
    Update,
    /// Deployed as wanted: nothing is sent.
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The plan for one function.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub function: hoist_api::FunctionName,
    pub action: Action,
    pub version: hoist_api::names::Version,
    pub previous_version: Option<hoist_api::names::Version>,
    pub(crate) digest: String,
    pub(crate) previous_digest: Option<String>,
    pub code_changed: bool,
    pub(crate) env_added: Vec<String>,
    pub(crate) env_removed: Vec<String>,
    /// Configured env whose keys stay but whose values change (values are
    /// never shown: only that the env digest differs).
    pub(crate) env_changed: bool,
    pub(crate) settings: Vec<SettingChange>,
    /// The target's settings before, when this step changes them (for the
    /// undo to put them back).
    #[serde(skip)]
    pub previous_settings: Option<FunctionSettings>,
}

impl Step {
    pub fn changes(&self) -> bool {
        self.action != Action::Unchanged
    }

    /// One line for people: `code a1b2c3d4 → e5f6a7b8; env +FOO -BAR; memory_mb 128 → 256`.
    pub fn summary(&self) -> String {
        let short = crate::digest::short;
        let mut parts = Vec::new();
        if self.action == Action::Create {
            parts.push(format!("new function, code {}", short(&self.digest)));
        } else if self.code_changed {
            parts.push(format!(
                "code {} → {}",
                self.previous_digest
                    .as_deref()
                    .map(short)
                    .unwrap_or_else(|| "-".into()),
                short(&self.digest)
            ));
        }
        if !self.env_added.is_empty() || !self.env_removed.is_empty() || self.env_changed {
            let mut e: Vec<String> = self.env_added.iter().map(|k| format!("+{k}")).collect();
            e.extend(self.env_removed.iter().map(|k| format!("-{k}")));
            if e.is_empty() {
                e.push("values changed".into());
            }
            parts.push(format!("env {}", e.join(" ")));
        }
        for s in &self.settings {
            parts.push(format!("{} {} → {}", s.key, s.from, s.to));
        }
        if parts.is_empty() {
            "unchanged".into()
        } else {
            parts.join("; ")
        }
    }
}

/// Compare what is wanted with what runs.
pub fn step(want: &Desired, have: Option<&Active>) -> Step {
    let live = have.filter(|a| a.version.is_some());
    let Some(a) = live else {
        return Step {
            function: want.function.clone(),
            action: Action::Create,
            version: want.version.clone(),
            previous_version: None,
            digest: want.digest.clone(),
            previous_digest: None,
            code_changed: true,
            env_added: want.env.keys().cloned().collect(),
            env_removed: Vec::new(),
            env_changed: false,
            settings: Vec::new(),
            previous_settings: None,
        };
    };
    let code_changed = a.digest.as_deref() != Some(want.digest.as_str())
        || a.version.as_deref() != Some(want.version.as_str());
    let env_added: Vec<String> = want
        .env
        .keys()
        .filter(|k| !a.env_keys.contains(k))
        .cloned()
        .collect();
    let env_removed: Vec<String> = a
        .env_keys
        .iter()
        .filter(|k| !want.env.contains_key(*k))
        .cloned()
        .collect();
    let env_changed = a.env_digest.as_deref() != Some(want.env_digest().as_str());
    // A target that does not report settings has none to compare.
    let settings = match &a.settings {
        Some(s) => setting_changes(s, &want.settings),
        None => Vec::new(),
    };
    let changed = code_changed || env_changed || !settings.is_empty();
    Step {
        function: want.function.clone(),
        action: if changed {
            Action::Update
        } else {
            Action::Unchanged
        },
        version: want.version.clone(),
        previous_version: a.version.clone(),
        digest: want.digest.clone(),
        previous_digest: a.digest.clone(),
        code_changed,
        env_added,
        env_removed,
        env_changed: env_changed && !code_changed,
        previous_settings: a.settings.clone().filter(|_| !settings.is_empty()),
        settings,
    }
}

fn setting_changes(have: &FunctionSettings, want: &FunctionSettings) -> Vec<SettingChange> {
    let (Ok(serde_json::Value::Object(h)), Ok(serde_json::Value::Object(w))) =
        (serde_json::to_value(have), serde_json::to_value(want))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, to) in &w {
        let from = h.get(k).cloned().unwrap_or(serde_json::Value::Null);
        let same = match (from.as_f64(), to.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-6,
            _ => &from == to,
        };
        if !same {
            out.push(SettingChange {
                key: k.clone(),
                from,
                to: to.clone(),
            });
        }
    }
    for (k, from) in &h {
        if !w.contains_key(k) && !from.is_null() {
            out.push(SettingChange {
                key: k.clone(),
                from: from.clone(),
                to: serde_json::Value::Null,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> FunctionSettings {
        FunctionSettings {
            runtime: "node".into(),
            memory_mb: 128,
            cpus: 0.5,
            timeout_seconds: 5,
            max_concurrent: 10,
            warm_workers: 0,
            health_path: None,
            target: None,
        }
    }

    fn want() -> Desired {
        Desired {
            function: "api".parse().unwrap(),
            version: "v2".parse().unwrap(),
            digest: "sha256:bb".into(),
            env: BTreeMap::from([("A".into(), "1".into())]),
            settings: settings(),
        }
    }

    #[test]
    fn unchanged_when_everything_matches() {
        let w = want();
        let a = Active {
            version: Some("v2".parse().unwrap()),
            digest: Some("sha256:bb".into()),
            env_digest: Some(w.env_digest()),
            env_keys: vec!["A".into()],
            settings: Some(settings()),
        };
        let s = step(&w, Some(&a));
        assert!(!s.changes(), "{}", s.summary());
    }

    #[test]
    fn changes_are_named() {
        let w = want();
        let mut old = settings();
        old.memory_mb = 256;
        let a = Active {
            version: Some("v1".parse().unwrap()),
            digest: Some("sha256:aa".into()),
            env_digest: Some("sha256:x".into()),
            env_keys: vec!["B".into()],
            settings: Some(old),
        };
        let s = step(&w, Some(&a));
        assert_eq!(s.action, Action::Update);
        assert!(s.code_changed);
        assert_eq!(s.env_added, vec!["A"]);
        assert_eq!(s.env_removed, vec!["B"]);
        assert_eq!(s.settings.len(), 1);
        assert_eq!(s.summary(), "code aa → bb; env +A -B; memory_mb 256 → 128");
        assert_eq!(step(&w, None).action, Action::Create);
    }
}
