//! Credentials: API tokens per target, kept in the OS keyring (the kernel
//! keyutils store on Linux), with a 0600 file written atomically as the
//! fallback, and environment variables that override both. A token is never
//! printed, logged or put in an error message.

use std::fmt;
use std::path::PathBuf;

use anyhow::Context;

use crate::env::Env;

const SERVICE: &str = "hoist";

/// A secret string whose Debug and Display never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Where a token came from; shown to users instead of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Env(String),
    Keyring,
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(v) => write!(f, "environment variable {v}"),
            Source::Keyring => f.write_str("OS keyring"),
            Source::File(p) => write!(f, "credentials file {}", p.display()),
        }
    }
}

/// Which store `save` used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The OS keyring; `warning` says what could not be cleaned up (an
    /// older copy of the token left in the credentials file).
    Keyring { warning: Option<String> },
    /// The file, and why not the keyring.
    File { path: PathBuf, why: String },
}

/// Environment variables that override stored tokens for `target`, most
/// specific first.
pub fn env_vars(target: &str) -> Vec<String> {
    let mut vars = vec![format!("HOIST_{}_TOKEN", target.to_ascii_uppercase())];
    if target == "fly" {
        vars.push("FLY_API_TOKEN".into());
        vars.push("FLY_ACCESS_TOKEN".into());
    }
    vars.push("HOIST_TOKEN".into());
    vars
}

/// Which stores are used: `HOIST_CREDENTIALS=file` skips the keyring (for
/// machines whose keyring is unusable), `keyring` refuses the file fallback.
fn mode(env: &Env) -> String {
    env.var("HOIST_CREDENTIALS")
        .unwrap_or_else(|| "auto".into())
}

/// The credentials file: `$HOIST_CONFIG_DIR/credentials.json`, else the
/// user config dir.
pub(crate) fn credentials_file(env: &Env) -> PathBuf {
    let base = env
        .var_os("HOIST_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("hoist")))
        .unwrap_or_else(|| PathBuf::from(".hoist-credentials"));
    base.join("credentials.json")
}

fn read_file(env: &Env) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let path = credentials_file(env);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let v: serde_json::Value = serde_json::from_str(&text).with_context(|| {
                format!("credentials file {} is not valid JSON", path.display())
            })?;
            match v {
                serde_json::Value::Object(map) => Ok(map),
                _ => anyhow::bail!(
                    "credentials file {} is not a JSON object of tokens",
                    path.display()
                ),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_file(
    env: &Env,
    map: &serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<PathBuf> {
    let path = credentials_file(env);
    let text = serde_json::to_string_pretty(map)?;
    crate::fsx::write_atomic_mode(&path, text.as_bytes(), Some(0o600))?;
    Ok(path)
}

fn keyring_entry(env: &Env, target: &str) -> Option<keyring::Entry> {
    if mode(env) == "file" {
        return None;
    }
    keyring::Entry::new(SERVICE, target).ok()
}

/// Look up the token for `target`: env vars, then keyring, then file.
pub(crate) fn token(env: &Env, target: &str) -> anyhow::Result<Option<(Secret, Source)>> {
    for var in env_vars(target) {
        if let Some(v) = env.non_empty(&var) {
            return Ok(Some((Secret(v), Source::Env(var))));
        }
    }
    if let Some(entry) = keyring_entry(env, target) {
        if let Ok(v) = entry.get_password() {
            return Ok(Some((Secret(v), Source::Keyring)));
        }
    }
    let map = read_file(env)?;
    Ok(map
        .get(target)
        .and_then(|v| v.as_str())
        .map(|v| (Secret(v.to_string()), Source::File(credentials_file(env)))))
}

/// Store `token` for `target`: the keyring when it works, else the file
/// (and say why the keyring was not used).
pub fn save(env: &Env, target: &str, token: &Secret) -> anyhow::Result<Stored> {
    let why = if mode(env) == "file" {
        "HOIST_CREDENTIALS=file".to_string()
    } else {
        match keyring::Entry::new(SERVICE, target) {
            Err(e) => format!("the OS keyring is not usable here ({})", refusal(&e)),
            Ok(entry) => {
                match entry.set_password(token.expose()) {
                    Err(e) => format!("the OS keyring could not store it ({})", refusal(&e)),
                    // Read back: some keyrings accept a write and lose it (no session).
                    Ok(()) if entry.get_password().ok().as_deref() == Some(token.expose()) => {
                        // A stale file copy would shadow nothing, but it is a
                        // plaintext token the user now expects in the keyring.
                        let warning = remove_from_file(env, target).err().map(|e| {
                        format!("an older copy of the token may be left in the credentials file: {e:#}")
                    });
                        return Ok(Stored::Keyring { warning });
                    }
                    Ok(()) => {
                        "the OS keyring accepted the token but did not keep it (no session keyring)"
                            .to_string()
                    }
                }
            }
        }
    };
    if mode(env) == "keyring" {
        anyhow::bail!("{why}, and HOIST_CREDENTIALS=keyring forbids the file fallback");
    }
    let mut map = read_file(env)?;
    map.insert(
        target.to_string(),
        serde_json::Value::String(token.expose().to_string()),
    );
    Ok(Stored::File {
        path: write_file(env, &map)?,
        why,
    })
}

/// The keyring's error in words. keyring-rs reports a keyring hoist may
/// not use (access refused, or the keyring revoked or expired) as "no
/// matching entry", which reads as if only the token were missing.
fn refusal(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoEntry => {
            "the keyring refused access, or was revoked or expired".to_string()
        }
        e => e.to_string(),
    }
}

fn remove_from_file(env: &Env, target: &str) -> anyhow::Result<bool> {
    let mut map = read_file(env)?;
    if map.remove(target).is_some() {
        write_file(env, &map)?;
        return Ok(true);
    }
    Ok(false)
}

/// Forget the stored token for `target`; true when something was removed.
pub fn delete(env: &Env, target: &str) -> anyhow::Result<bool> {
    let mut removed = false;
    if let Some(entry) = keyring_entry(env, target) {
        removed |= entry.delete_credential().is_ok();
    }
    removed |= remove_from_file(env, target)?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let s = Secret::new("tok-123");
        assert_eq!(format!("{s} {s:?}"), "**** Secret(****)");
    }

    #[test]
    fn fly_token_env_vars() {
        assert_eq!(
            env_vars("fly"),
            [
                "HOIST_FLY_TOKEN",
                "FLY_API_TOKEN",
                "FLY_ACCESS_TOKEN",
                "HOIST_TOKEN"
            ]
        );
    }
}
