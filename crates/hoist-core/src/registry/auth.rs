//! Registry credentials and challenges. Credentials for a registry host come
//! from, in order: hoist's own store for the configured registry (`hoist
//! login registry`, `HOIST_REGISTRY_TOKEN`; user `HOIST_REGISTRY_USERNAME`,
//! else `x` as Fly's registry wants), Fly's token for `registry.fly.io`, then
//! docker's `~/.docker/config.json` (`credHelpers`, `credsStore`, `auths`),
//! else none (anonymous). Every credential carries a description of where it
//! came from, shown in errors instead of the secret. This module also parses
//! `WWW-Authenticate` challenges for the Basic and Bearer schemes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::Context;
use base64::Engine;

use crate::auth::Secret;
use crate::env::Env;

/// A credential for one registry.
#[derive(Clone)]
pub(crate) enum Credential {
    Basic {
        user: String,
        password: Secret,
    },
    /// docker's `identitytoken`: an OAuth2 refresh token for the token server.
    IdentityToken(Secret),
}

/// A credential and where it came from.
#[derive(Clone)]
pub struct Creds {
    pub(crate) credential: Credential,
    /// Human description of the source, never the secret.
    pub(crate) source: String,
}

impl std::fmt::Debug for Creds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Creds({})", self.source)
    }
}

impl Creds {
    /// The user name, when the credential has one (for messages).
    pub(crate) fn user(&self) -> Option<&str> {
        match &self.credential {
            Credential::Basic { user, .. } => Some(user),
            Credential::IdentityToken(_) => None,
        }
    }

    /// `Basic base64(user:password)` for the Basic scheme and token servers.
    pub(crate) fn basic_header(&self) -> Option<String> {
        match &self.credential {
            Credential::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()))
            )),
            Credential::IdentityToken(_) => None,
        }
    }
}

/// The user name sent with a hoist-stored registry token.
pub(crate) fn hoist_user(env: &Env) -> String {
    env.non_empty("HOIST_REGISTRY_USERNAME")
        .unwrap_or_else(|| "x".to_string())
}

/// Find credentials for `host`. `configured` is the host of hoist.yaml's
/// `registry.url`, the only registry hoist's own token is ever sent to.
pub(crate) fn lookup(
    env: &Env,
    host: &str,
    configured: Option<&str>,
) -> anyhow::Result<Option<Creds>> {
    if configured == Some(host) {
        if let Some((token, source)) = crate::auth::token(env, "registry")? {
            return Ok(Some(Creds {
                credential: Credential::Basic {
                    user: hoist_user(env),
                    password: token,
                },
                source: format!("hoist's registry token ({source})"),
            }));
        }
    }
    if host == "registry.fly.io" {
        if let Some((token, source)) = crate::auth::token(env, "fly")? {
            return Ok(Some(Creds {
                credential: Credential::Basic {
                    user: "x".into(),
                    password: token,
                },
                source: format!("the Fly token ({source})"),
            }));
        }
    }
    docker_config(env, host)
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub(crate) fn docker_config_path(env: &Env) -> Option<PathBuf> {
    if let Some(dir) = env.var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    dirs::home_dir().map(|h| h.join(".docker").join("config.json"))
}

/// The keys docker may have used for `host` in `auths`.
fn auth_keys(host: &str) -> Vec<String> {
    let mut keys = vec![
        host.to_string(),
        format!("https://{host}"),
        format!("http://{host}"),
        format!("https://{host}/v1/"),
        format!("https://{host}/v2/"),
        format!("http://{host}/v2/"),
    ];
    if host == super::reference::DOCKER_HUB || host == "registry-1.docker.io" {
        keys.insert(0, "https://index.docker.io/v1/".into());
        keys.push("index.docker.io".into());
        keys.push("docker.io".into());
    }
    keys
}

fn docker_config(env: &Env, host: &str) -> anyhow::Result<Option<Creds>> {
    let Some(path) = docker_config_path(env) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let keys = auth_keys(host);
    // A helper named for this registry wins, then the default store.
    if let Some(helpers) = doc.get("credHelpers").and_then(|v| v.as_object()) {
        for k in &keys {
            if let Some(helper) = helpers.get(k).and_then(|v| v.as_str()) {
                return helper_get(helper, k, &path);
            }
        }
    }
    if let Some(store) = doc.get("credsStore").and_then(|v| v.as_str()) {
        for k in &keys {
            if let Some(c) = helper_get(store, k, &path)? {
                return Ok(Some(c));
            }
        }
    }
    let Some(auths) = doc.get("auths").and_then(|v| v.as_object()) else {
        return Ok(None);
    };
    for k in &keys {
        let Some(entry) = auths.get(k) else { continue };
        let source = format!("{} (auths.\"{k}\")", path.display());
        if let Some(t) = entry
            .get("identitytoken")
            .and_then(|v| v.as_str())
            .filter(|t| !t.is_empty())
        {
            return Ok(Some(Creds {
                credential: Credential::IdentityToken(Secret::new(t)),
                source,
            }));
        }
        if let Some(a) = entry
            .get("auth")
            .and_then(|v| v.as_str())
            .filter(|a| !a.is_empty())
        {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(a.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .with_context(|| format!("{source}: `auth` is not base64 of user:password"))?;
            let (user, pass) = raw
                .split_once(':')
                .with_context(|| format!("{source}: `auth` is not base64 of user:password"))?;
            return Ok(Some(Creds {
                credential: Credential::Basic {
                    user: user.to_string(),
                    password: Secret::new(pass),
                },
                source,
            }));
        }
        if let (Some(u), Some(p)) = (
            entry.get("username").and_then(|v| v.as_str()),
            entry.get("password").and_then(|v| v.as_str()),
        ) {
            return Ok(Some(Creds {
                credential: Credential::Basic {
                    user: u.to_string(),
                    password: Secret::new(p),
                },
                source,
            }));
        }
    }
    Ok(None)
}

/// Ask `docker-credential-<helper> get` for `server`'s credentials.
fn helper_get(
    helper: &str,
    server: &str,
    config: &std::path::Path,
) -> anyhow::Result<Option<Creds>> {
    let program = format!("docker-credential-{helper}");
    let mut child = match Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(crate::registry::RegistryError::HelperMissing {
                config: config.to_path_buf(),
                helper: helper.to_string(),
                program,
            }
            .into())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot run {program}")),
    };
    // The helper's stdin is closed once written, so it sees its input end.
    let fed = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(server.as_bytes()),
        None => Ok(()),
    };
    let out = child
        .wait_with_output()
        .with_context(|| format!("cannot run {program}"))?;
    match fed {
        // A helper that exits without reading closes the pipe first: its
        // status says what it found.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(e).with_context(|| format!("cannot send the server name to {program}"));
        }
        _ => {}
    }
    if !out.status.success() {
        // "credentials not found in native keychain" is not an error: the
        // helper has nothing for this server.
        return Ok(None);
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("{program} get printed something that is not JSON"))?;
    let user = doc.get("Username").and_then(|v| v.as_str()).unwrap_or("");
    let secret = doc.get("Secret").and_then(|v| v.as_str()).unwrap_or("");
    if secret.is_empty() {
        return Ok(None);
    }
    let source = format!("credential helper {program} (from {})", config.display());
    let credential = if user == "<token>" {
        Credential::IdentityToken(Secret::new(secret))
    } else {
        Credential::Basic {
            user: user.to_string(),
            password: Secret::new(secret),
        }
    };
    Ok(Some(Creds { credential, source }))
}

/// One parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parse a `WWW-Authenticate` header value (`Bearer realm="…",service="…"`).
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        Some(Challenge::Basic)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Challenge::Bearer {
            realm: get("realm")?,
            service: get("service"),
            scope: get("scope"),
        })
    } else {
        None
    }
}

/// `k="v", k2=v2` pairs; quoted values may hold commas and `\"`.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    _ => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge_with_commas_in_scope() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull,push".into()),
            }
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="test-registry""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
    }

    #[test]
    fn docker_hub_keys_include_the_index_url() {
        assert_eq!(auth_keys("docker.io")[0], "https://index.docker.io/v1/");
        assert!(auth_keys("127.0.0.1:5000").contains(&"127.0.0.1:5000".to_string()));
    }
}
