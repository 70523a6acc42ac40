//! Which token the selfhosted target sends: `HOIST_SELFHOSTED_TOKEN`, the
//! local backend's own token while `hoist backend start` runs it at the
//! target's loopback address (found by port, whatever its data directory),
//! else the stored one, else on loopback the local data directory's.

use std::path::PathBuf;

use crate::env::Env;

/// The local backend's data directory (`HOIST_BACKEND_DIR`, else the one
/// `hoist backend` uses by default).
pub(crate) fn local_data_dir(env: &Env) -> PathBuf {
    env.var_os("HOIST_BACKEND_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::localbackend::default_data_dir(env))
}

/// The token for the backend at `url`: `HOIST_SELFHOSTED_TOKEN`; else the
/// local backend's own token when `url` is where `hoist backend start`
/// runs it; else the stored one (`hoist login selfhosted`); else, on
/// loopback, the local data directory's token (a backend served from it in
/// the foreground).
pub(super) fn token_for(env: &Env, url: &str) -> anyhow::Result<Option<crate::auth::Secret>> {
    let stored = crate::auth::token(env, "selfhosted")?;
    if let Some((t, crate::auth::Source::Env(_))) = stored {
        return Ok(Some(t));
    }
    let local = |data: &std::path::Path| {
        std::fs::read_to_string(crate::localbackend::token_file(data))
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(crate::auth::Secret::new)
    };
    if !is_loopback(url) {
        return Ok(stored.map(|(t, _)| t));
    }
    // The backend `hoist backend start` runs on this port, whatever its
    // data directory.
    let port = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.port_or_known_default());
    let noted = port.and_then(|p| crate::localbackend::noted_data_dir(env, p));
    for data in noted.iter().chain(std::iter::once(&local_data_dir(env))) {
        if runs_here(port, data) {
            if let Some(t) = local(data) {
                return Ok(Some(t));
            }
        }
    }
    Ok(match stored {
        Some((t, _)) => Some(t),
        None => local(&local_data_dir(env)),
    })
}

/// Whether the local backend of `data` is running with its data directory's
/// token and listening on `port`.
fn runs_here(port: Option<u16>, data: &std::path::Path) -> bool {
    crate::localbackend::running_pid(data).is_some()
        && crate::localbackend::own_token_marker(data).exists()
        && crate::localbackend::recorded_addr(data).is_some_and(|a| Some(a.port()) == port)
}

/// Whether `url` names this machine: host `localhost` or a loopback
/// address, and no user info (`http://127.0.0.1@elsewhere/` is elsewhere).
pub(super) fn is_loopback(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    if !u.username().is_empty() || u.password().is_some() {
        return false;
    }
    let Some(host) = u.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_means_this_machine_only() {
        for u in [
            "http://127.0.0.1:7878",
            "http://localhost:7878/",
            "http://LOCALHOST:7878",
            "http://[::1]:7878",
            "http://127.0.0.2",
        ] {
            assert!(is_loopback(u), "{u}");
        }
        for u in [
            "http://127.0.0.1@evil.example:7878",
            "http://localhost.evil.example:7878",
            "http://user:pw@localhost:7878",
            "http://127.0.0.1.evil.example",
            "https://example.com",
            "not a url",
        ] {
            assert!(!is_loopback(u), "{u}");
        }
    }
}
