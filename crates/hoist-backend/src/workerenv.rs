//! What a worker's environment holds besides the function's own env: a
//! documented allowlist of the machine's network settings (proxies, CA
//! certificates, the npm registry) so a function that fetches at run time
//! works behind a proxy with its own CA, plus the names an operator adds
//! with `--worker-env`. Everything else the backend runs with — its token,
//! its store credentials, any `HOIST_*` or `AWS_*` variable — never reaches
//! a worker. The list is read once, when the backend starts.

use std::ffi::OsString;

/// Passed to every worker when the backend has them (docs/backend.md).
pub const PASSED: [&str; 21] = [
    "PATH",
    "HOME",
    "LANG",
    "TZ",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "DENO_TLS_CA_STORE",
    "DENO_CERT",
    "NPM_CONFIG_REGISTRY",
    "npm_config_registry",
    "NPM_CONFIG_CAFILE",
    "npm_config_cafile",
];

/// Prefixes of the backend's own settings and credentials: never passed,
/// not even when named with `--worker-env`.
const NEVER: [&str; 2] = ["HOIST_", "AWS_"];

/// A `--worker-env` name the backend will not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("--worker-env `{0}` is not an environment variable name (letters, digits and _, not starting with a digit)")]
    NotAName(String),
    #[error("--worker-env `{0}` names one of the backend's own settings or credentials ({1}*), which never reach a worker")]
    BackendOwn(String, &'static str),
}

/// The variables every worker of this backend starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerEnv {
    vars: Vec<(String, OsString)>,
}

impl WorkerEnv {
    /// The allowlist and `extra` names, with the values `lookup` gives
    /// (the backend's environment), and the CA file made known to each
    /// runtime: `SSL_CERT_FILE` becomes Deno's `DENO_CERT` and Node's and
    /// Bun's `NODE_EXTRA_CA_CERTS` where those are not set.
    pub fn capture(
        extra: &[String],
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<WorkerEnv, Refused> {
        for name in extra {
            check_name(name)?;
        }
        let mut vars: Vec<(String, OsString)> = Vec::new();
        for name in PASSED
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
        {
            if vars.iter().any(|(k, _)| k == name) {
                continue;
            }
            if let Some(v) = lookup(name).filter(|v| !v.is_empty()) {
                vars.push((name.to_string(), v));
            }
        }
        let ca = vars
            .iter()
            .find(|(k, _)| k == "SSL_CERT_FILE")
            .map(|(_, v)| v.clone());
        if let Some(ca) = ca {
            for derived in ["DENO_CERT", "NODE_EXTRA_CA_CERTS"] {
                if !vars.iter().any(|(k, _)| k == derived) {
                    vars.push((derived.to_string(), ca.clone()));
                }
            }
        }
        Ok(WorkerEnv { vars })
    }

    /// The variables, in the order they were found.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &OsString)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value of `name`, when workers get it.
    pub fn get(&self, name: &str) -> Option<&OsString> {
        self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Their names, for `backend status` and the start-up log.
    pub fn names(&self) -> Vec<&str> {
        self.vars.iter().map(|(k, _)| k.as_str()).collect()
    }
}

fn check_name(name: &str) -> Result<(), Refused> {
    let valid = !name.is_empty()
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(Refused::NotAName(name.to_string()));
    }
    match NEVER
        .iter()
        .find(|p| name.to_ascii_uppercase().starts_with(*p))
    {
        Some(p) => Err(Refused::BackendOwn(name.to_string(), p)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn network_settings_pass_and_the_backends_own_do_not() {
        let machine = [
            ("PATH", "/usr/bin"),
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("no_proxy", "localhost"),
            ("HOIST_BACKEND_TOKEN", "secret"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("EDITOR", "vi"),
        ];
        let w = WorkerEnv::capture(&[], env(&machine)).unwrap();
        assert_eq!(w.names(), ["PATH", "HTTPS_PROXY", "no_proxy"]);
    }

    #[test]
    fn the_machines_ca_file_is_given_to_every_runtime() {
        let machine = [("SSL_CERT_FILE", "/etc/ca.pem"), ("DENO_CERT", "/own.pem")];
        let w = WorkerEnv::capture(&[], env(&machine)).unwrap();
        let got: Vec<(&str, &OsString)> = w.vars().collect();
        assert!(got.contains(&("DENO_CERT", &OsString::from("/own.pem"))));
        assert!(got.contains(&("NODE_EXTRA_CA_CERTS", &OsString::from("/etc/ca.pem"))));
    }

    #[test]
    fn worker_env_adds_names_but_never_the_backends_secrets() {
        let machine = [("EDITOR", "vi"), ("HOIST_TOKEN", "t")];
        let w = WorkerEnv::capture(&["EDITOR".into()], env(&machine)).unwrap();
        assert_eq!(w.names(), ["EDITOR"]);
        for bad in ["HOIST_TOKEN", "hoist_token", "AWS_PROFILE"] {
            let e = WorkerEnv::capture(&[bad.into()], env(&machine)).unwrap_err();
            assert!(matches!(e, Refused::BackendOwn(..)), "{bad}: {e}");
        }
        for bad in ["", "1X", "A-B", "A=B"] {
            let e = WorkerEnv::capture(&[bad.into()], env(&machine)).unwrap_err();
            assert!(matches!(e, Refused::NotAName(_)), "{bad}: {e}");
        }
    }
}
