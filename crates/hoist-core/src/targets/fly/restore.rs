//! Putting a function's machines back on an earlier config: `hoist
//! rollback` (a version from the machines' history) and the undo of a
//! release (the config that release replaced), both rolled out with the
//! function's strategy.

use super::*;

impl Fly {
    pub(super) async fn roll_back_to(
        &self,
        function: &str,
        to: Option<&str>,
        r: &dyn Reporter,
    ) -> anyhow::Result<Deployed> {
        self.need_token()?;
        let spec = self.spec(function)?;
        async {
            let ms = self.current(spec).await?;
            let Some(now) = active_of(&ms)? else {
                return Err(TargetError::NoMachines {
                    function: function.to_string(),
                    plain_env: false,
                }
                .into());
            };
            let current = now.meta("hoist_version").map(str::to_string);
            let history = history_of(now)?;
            let pick = history.iter().position(|h| match to {
                Some(v) => meta_of(h, "hoist_version") == Some(v),
                None => meta_of(h, "hoist_version") != current.as_deref(),
            });
            let Some(i) = pick else {
                let known: Vec<&str> = history
                    .iter()
                    .filter_map(|h| meta_of(h, "hoist_version"))
                    .collect();
                return Err(TargetError::NoEarlier {
                    function: function.to_string(),
                    version: to.map(|v| v.to_string()),
                    known: known.iter().map(|k| k.to_string()).collect(),
                }
                .into());
            };
            let target = history[i].clone();
            let version = meta_of(&target, "hoist_version").unwrap_or("?").to_string();
            // The rolled-back config's history: what is live now first.
            let mut rest = Vec::new();
            if let Some(c) = &now.config {
                rest.push(entry_of(c));
            }
            rest.extend(
                history
                    .into_iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, h)| h),
            );
            let config = stamp(spec, target, rest);
            r.step(
                "Rolling back",
                &format!("{function} to {version} on {}", spec.app),
            );
            self.roll(spec, config, r).await?;
            let from = "a Fly machine's hoist_version";
            Ok(Deployed {
                function: crate::names::checked(function, "the command")?,
                version: crate::names::checked(&version, from)?,
                previous_version: crate::names::checked_opt(current.as_deref(), from)?,
                deployment: String::new(),
                uploaded_bytes: 0,
            })
        }
        .await
    }

    /// Put back the config release `release` replaced (its history's
    /// first entry), on every machine, whatever version it had: an
    /// env-only change is undone too.
    pub(super) async fn restore_before_release(
        &self,
        function: &str,
        release: &str,
        prev: &str,
        r: &dyn Reporter,
    ) -> anyhow::Result<()> {
        self.need_token()?;
        let spec = self.spec(function)?;
        let restored = async {
            let ms = self.current(spec).await?;
            let Some(by_release) = ms.iter().find(|m| m.meta("hoist_release") == Some(release))
            else {
                r.detail(&format!(
                    "{function}: no machine runs release {release}; nothing to undo"
                ));
                return Ok(true);
            };
            let history = history_of(by_release)?;
            let Some(before) = history
                .first()
                .filter(|h| meta_of(h, "hoist_release") != Some(release))
                .cloned()
            else {
                return Ok(false);
            };
            let mut rest = Vec::new();
            if let Some(c) = &by_release.config {
                rest.push(entry_of(c));
            }
            rest.extend(history.into_iter().skip(1));
            r.step(
                "Rolling back",
                &format!("{function} to {prev} on {}", spec.app),
            );
            self.roll(spec, stamp(spec, before, rest), r).await?;
            anyhow::Ok(true)
        }
        .await?;
        if restored {
            return Ok(());
        }
        // No config recorded before the release: its version's.
        self.rollback(function, Some(prev), r).await.map(|_| ())
    }
}
