//! Env and secrets of a function on Fly: secrets through the app secrets
//! API (names only ever listed), plain env in the machines' config (kept
//! across deploys in `hoist_env_extra`), and restarts that replace every
//! machine with the function's strategy so they read both afresh.

use anyhow::Context;
use serde_json::{json, Value};

use super::state::{active_of, extra_env, history_of, stamp};
use super::{new_id, Fly};
use crate::targets::TargetError;
use crate::targets::{EnvSet, EnvVar};

impl Fly {
    pub(super) async fn list_env(&self, function: &str) -> anyhow::Result<Vec<EnvVar>> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let ms = self.current(spec).await?;
            let now = active_of(&ms)?;
            let extra = extra_env(now)?;
            let mut out: Vec<EnvVar> = Vec::new();
            if let Some(c) = now.and_then(|m| m.config.as_ref()) {
                if let Some(env) = c["env"].as_object() {
                    for (k, v) in env {
                        if matches!(k.as_str(), "FLY_PROCESS_GROUP" | "PRIMARY_REGION" | "PORT") {
                            continue;
                        }
                        out.push(EnvVar {
                            key: k.clone(),
                            value: v.as_str().map(str::to_string),
                            is_secret: false,
                            source: if extra.contains_key(k) {
                                "api"
                            } else {
                                "config"
                            }
                            .into(),
                        });
                    }
                }
            }
            for name in self.api.secrets(&spec.app).await? {
                out.push(EnvVar {
                    key: name,
                    value: None,
                    is_secret: true,
                    source: "secret".into(),
                });
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        }
        .await
    }

    pub(super) async fn update_env(
        &self,
        function: &str,
        set: &[EnvSet],
        unset: &[String],
    ) -> anyhow::Result<Vec<EnvVar>> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            self.ensure_app(&spec.app, &self.no_report()).await?;
            let secrets: Vec<(String, crate::auth::Secret)> = set
                .iter()
                .filter(|s| s.is_secret)
                .map(|s| (s.key.clone(), s.value.clone()))
                .collect();
            self.api.set_secrets(&spec.app, &secrets).await?;
            let existing = self.api.secrets(&spec.app).await?;
            for k in unset.iter().filter(|k| existing.contains(k)) {
                self.api.unset_secret(&spec.app, k).await?;
            }
            let plain: Vec<&EnvSet> = set.iter().filter(|s| !s.is_secret).collect();
            let ms = self.current(spec).await?;
            let now = active_of(&ms)?;
            let mut extra = extra_env(now)?;
            let before = extra.clone();
            for s in &plain {
                extra.insert(s.key.clone(), s.value.expose().to_string());
            }
            for k in unset {
                extra.remove(k);
            }
            if extra != before {
                if let Some(c) = now.and_then(|m| m.config.clone()) {
                    let mut c = c;
                    if let Some(env) = c["env"].as_object_mut() {
                        for k in before.keys() {
                            env.remove(k);
                        }
                        for (k, v) in &extra {
                            env.insert(k.clone(), json!(v));
                        }
                    }
                    c["metadata"]["hoist_env_extra"] = Value::from(
                        serde_json::to_string(&extra)
                            .context("cannot encode the env set with `hoist env`")?,
                    );
                    let history = history_of(now.expect("a config implies a machine"))?;
                    let config = stamp(spec, c, history);
                    self.roll(spec, config, &self.no_report()).await?;
                } else if !plain.is_empty() {
                    return Err(TargetError::NoMachines {
                        function: function.to_string(),
                        plain_env: true,
                    }
                    .into());
                }
            }
            anyhow::Ok(())
        }
        .await?;
        self.list_env(function).await
    }

    pub(super) async fn restart_all(&self, function: &str) -> anyhow::Result<u64> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let ms = self.current(spec).await?;
            let Some(now) = active_of(&ms)? else {
                return Ok(0);
            };
            let Some(mut c) = now.config.clone() else {
                return Ok(0);
            };
            // A new restart stamp makes every machine a stale one, so the
            // strategy replaces each with its secrets read afresh.
            c["metadata"]["hoist_restart"] = Value::from(new_id());
            let config = stamp(spec, c, history_of(now)?);
            self.roll(spec, config, &self.no_report()).await?;
            Ok(ms.len() as u64)
        }
        .await
    }
}
