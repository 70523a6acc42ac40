//! Image references as docker writes them (`node:20`, `ghcr.io/o/r@sha256:…`,
//! `127.0.0.1:5000/base:1`), normalised the way docker does: a first path
//! component with a dot, a colon or `localhost` is a registry host, anything
//! else lives on Docker Hub (and a single name under `library/`).

use std::fmt;

use crate::registry::RegistryError;

/// Docker Hub's name in references and in ~/.docker/config.json.
pub(crate) const DOCKER_HUB: &str = "docker.io";
/// The host that serves Docker Hub's registry API.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Reference {
    /// Registry host with optional port, `docker.io` for Docker Hub.
    pub(crate) registry: String,
    /// Repository path inside the registry, e.g. `library/node`.
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    /// `sha256:<hex>` when pinned.
    pub(crate) digest: Option<String>,
}

impl Reference {
    /// Parse `text` as docker does; a usage error names what is wrong.
    pub(crate) fn parse(text: &str) -> Result<Reference, RegistryError> {
        let bad = |why: &str| RegistryError::InvalidReference {
            text: without_userinfo(text),
            why: why.to_string(),
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => {
                validate_digest(d).map_err(|w| bad(&w))?;
                (r, Some(d.to_string()))
            }
            None => (text, None),
        };
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                if tag.is_empty()
                    || tag.len() > 128
                    || !tag
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    || tag.starts_with(['.', '-'])
                {
                    return Err(bad(&format!("tag `{tag}` is not valid")));
                }
                (&rest[..last_slash + i], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), path.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty()
            || !repository.split('/').all(|c| {
                !c.is_empty()
                    && c.chars().all(|ch| {
                        ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch)
                    })
                    && !c.starts_with(['.', '_', '-'])
            })
        {
            return Err(bad(
                "repository names are lowercase letters, digits and `._-`, separated by `/`",
            ));
        }
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host to talk to for this reference's registry API.
    #[cfg(test)]
    pub(crate) fn api_host(&self) -> &str {
        api_host(&self.registry)
    }

    /// What to ask the registry for: the digest when pinned, else the tag
    /// (`latest` when neither is given).
    pub(crate) fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

/// The API host for a registry name: Docker Hub's API lives elsewhere.
pub(crate) fn api_host(registry: &str) -> &str {
    if registry == DOCKER_HUB {
        DOCKER_HUB_API
    } else {
        registry
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Check `sha256:<64 lowercase hex>`.
pub(crate) fn validate_digest(d: &str) -> Result<(), String> {
    match d.split_once(':') {
        Some(("sha256", hex))
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(())
        }
        _ => Err(format!("`{d}` is not a sha256 digest")),
    }
}

/// `text` for messages: a `user:password@` before the host (which a
/// reference never holds, but a mistyped `registry.url` may) becomes
/// `***@`, and a scheme's is dropped likewise. An `@` followed by a digest
/// (`name@sha256:…`) is left alone.
pub(crate) fn without_userinfo(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    let is_digest = |after: &str| {
        after.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty()
                && alg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
    };
    match rest.rsplit_once('@') {
        Some((_, after)) if !is_digest(after) => format!("{scheme}***@{after}"),
        _ => text.to_string(),
    }
}

/// Whether a registry host is on this machine, where docker (and hoist)
/// talk plain HTTP.
pub(crate) fn is_loopback(host: &str) -> bool {
    let h = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    h == "localhost" || h == "::1" || h.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_names_are_normalised() {
        let r = Reference::parse("node:20").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/node")
        );
        assert_eq!(r.tag.as_deref(), Some("20"));
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = Reference::parse("oven/bun").unwrap();
        assert_eq!(r.repository, "oven/bun");
        assert_eq!(r.manifest_ref(), "latest");
    }

    #[test]
    fn hosts_ports_and_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("127.0.0.1:5000/team/base:1@{d}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "team/base");
        assert_eq!(r.tag.as_deref(), Some("1"));
        assert_eq!(r.manifest_ref(), d);
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/team/base:1@{d}"));
        let r = Reference::parse("localhost/x").unwrap();
        assert_eq!((r.registry.as_str(), r.tag), ("localhost", None));
    }

    #[test]
    fn bad_references_are_refused() {
        for bad in ["", "Upper/case", "x:", "x@sha256:12", "a//b", "x:-bad"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_never_echo_userinfo() {
        for text in [
            "alice:s3cretpw@127.0.0.1:5000/m-app",
            "https://alice:s3cretpw@registry.example/m-app:1",
            "alice:s3cretpw@registry.example",
        ] {
            let err = Reference::parse(text).unwrap_err().to_string();
            assert!(!err.contains("s3cretpw") && !err.contains("alice"), "{err}");
            assert!(err.contains("***@"), "{err}");
        }
        let err = Reference::parse("node@sha256:12").unwrap_err().to_string();
        assert!(err.contains("`node@sha256:12`"), "{err}");
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.fly.io"));
        assert!(!is_loopback("ghcr.io"));
    }
}
