//! The checks of hoist.yaml that serde cannot make and that concern one
//! section each: a function's resources, the storage backend, the
//! registry and the targets (values in range, names well formed, URLs
//! without credentials). Each adds [`Problem`]s located by the caller's
//! [`At`]; `resolve` in the parent module runs them.

use super::schema::*;
use super::{At, Problem};

pub(super) fn check_resources(
    r: &Resources,
    path: &[&str],
    at: &At<'_>,
    problems: &mut Vec<Problem>,
) {
    let mut bad = |key: &str, msg: String| {
        let mut p = path.to_vec();
        p.push(key);
        problems.push(at(&p, msg, None));
    };
    if r.memory_mb.is_some_and(|m| !(64..=131072).contains(&m)) {
        bad(
            "memory_mb",
            "memory_mb must be between 64 and 131072".into(),
        );
    }
    if r.cpus.is_some_and(|c| !(c > 0.0 && c <= 64.0)) {
        bad("cpus", "cpus must be greater than 0 and at most 64".into());
    }
    if r.timeout_seconds.is_some_and(|t| t == 0 || t > 86_400) {
        bad(
            "timeout_seconds",
            "timeout_seconds must be between 1 and 86400".into(),
        );
    }
    if r.max_concurrent == Some(0) {
        bad("max_concurrent", "max_concurrent must be at least 1".into());
    }
}

pub(super) fn check_storage(config: &ConfigFile, at: &At<'_>, problems: &mut Vec<Problem>) {
    let s = &config.storage;
    match (s.backend, &s.s3) {
        (StorageBackend::S3, None) => problems.push(at(
            &["storage", "backend"],
            "storage.backend is s3 but storage.s3 is missing".into(),
            Some("add `s3: { bucket: NAME, region: REGION }` under storage".into()),
        )),
        (_, Some(s3)) => {
            if s3.bucket.len() < 3
                || s3.bucket.len() > 63
                || !s3
                    .bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            {
                problems.push(at(
                    &["storage", "s3", "bucket"],
                    format!("`{}` is not a valid bucket name", s3.bucket),
                    Some("3-63 lowercase letters, digits, '-' and '.'".into()),
                ));
            }
            if let Some(ep) = &s3.endpoint {
                if has_userinfo(ep) {
                    problems.push(credentials_in_url(at, &["storage", "s3", "endpoint"], "s3"));
                } else if !(ep.starts_with("http://") || ep.starts_with("https://")) {
                    problems.push(at(
                        &["storage", "s3", "endpoint"],
                        format!("endpoint `{ep}` must start with http:// or https://"),
                        None,
                    ));
                }
            }
        }
        _ => {}
    }
}

/// Whether a URL (or `host/path`) carries `user[:password]@`.
fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

/// The problem for a URL with credentials in it; the URL is not repeated.
fn credentials_in_url(at: &At<'_>, key: &[&str], target: &str) -> Problem {
    at(
        key,
        format!("{} holds credentials (`user:password@`); hoist.yaml must not", key.join(".")),
        Some(format!(
            "remove them, and give them with `hoist login {target}` or the environment (see docs/credentials.md)"
        )),
    )
}

pub(super) fn check_registry(config: &ConfigFile, at: &At<'_>, problems: &mut Vec<Problem>) {
    if let Some(url) = &config.registry.url {
        if has_userinfo(url) {
            problems.push(credentials_in_url(at, &["registry", "url"], "registry"));
        }
    }
}

pub(super) fn check_targets(config: &ConfigFile, at: &At<'_>, problems: &mut Vec<Problem>) {
    let t = &config.targets;
    if let Some(d) = &t.default {
        let configured = match d.as_str() {
            "fly" => t.fly.is_some(),
            "selfhosted" => t.selfhosted.is_some(),
            _ => {
                problems.push(at(
                    &["targets", "default"],
                    format!("unknown target `{d}`"),
                    Some("expected `fly` or `selfhosted`".into()),
                ));
                true
            }
        };
        if !configured {
            problems.push(at(
                &["targets", "default"],
                format!("default target `{d}` is not configured under targets"),
                None,
            ));
        }
    }
    if let Some(fly) = &t.fly {
        if fly.org.is_empty() {
            problems.push(at(
                &["targets", "fly", "org"],
                "targets.fly.org must not be empty".into(),
                None,
            ));
        }
        if let Some(url) = &fly.api_url {
            if has_userinfo(url) {
                problems.push(credentials_in_url(
                    at,
                    &["targets", "fly", "api_url"],
                    "fly",
                ));
            } else if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push(at(
                    &["targets", "fly", "api_url"],
                    format!("api_url `{url}` must start with http:// or https://"),
                    None,
                ));
            }
        }
    }
    if let Some(sh) = &t.selfhosted {
        if has_userinfo(&sh.url) {
            problems.push(credentials_in_url(
                at,
                &["targets", "selfhosted", "url"],
                "selfhosted",
            ));
        } else if !(sh.url.starts_with("http://") || sh.url.starts_with("https://")) {
            problems.push(at(
                &["targets", "selfhosted", "url"],
                format!("url `{}` must start with http:// or https://", sh.url),
                None,
            ));
        }
    }
}

/// Why a path written in hoist.yaml would leave the directory it is
/// relative to: it is absolute, or it has a `..` component.
pub(super) fn escape(p: &std::path::Path) -> Option<&'static str> {
    use std::path::Component;
    if p.is_absolute() || p.has_root() {
        Some("is absolute")
    } else if p.components().any(|c| matches!(c, Component::ParentDir)) {
        Some("goes up with `..`")
    } else {
        None
    }
}

/// A value as echoed in a message: at most 80 characters, `…` after a cut.
pub(crate) fn shown(v: &str) -> String {
    const MAX: usize = 80;
    match v.char_indices().nth(MAX) {
        None => v.to_string(),
        Some((i, _)) => format!("{}…", &v[..i]),
    }
}

/// The project-level path keys: `templates` must stay inside the project
/// and exist; `storage.path` and `registry.layout` may be absolute (a
/// directory the user chose) but a relative one must not climb out with `..`.
pub(super) fn check_paths(
    config: &ConfigFile,
    root: &std::path::Path,
    at: &At<'_>,
    problems: &mut Vec<Problem>,
) {
    if let Some(t) = &config.templates {
        let shown_t = shown(&t.to_string_lossy());
        if let Some(why) = escape(t) {
            problems.push(at(
                &["templates"],
                format!("templates `{shown_t}` {why}; it must be a directory inside the project"),
                Some("write a path relative to hoist.yaml's directory, without `..`".into()),
            ));
        } else if !root.join(t).is_dir() {
            problems.push(at(
                &["templates"],
                format!("templates directory {shown_t} does not exist"),
                Some("create it, or remove `templates:` to use the built-in templates".into()),
            ));
        }
    }
    let outputs: [(&[&str], &Option<std::path::PathBuf>); 2] = [
        (&["storage", "path"], &config.storage.path),
        (&["registry", "layout"], &config.registry.layout),
    ];
    for (key, value) in outputs {
        let Some(p) = value else { continue };
        if !p.is_absolute()
            && p.components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            problems.push(at(
                key,
                format!(
                    "{} `{}` goes up with `..`",
                    key.join("."),
                    shown(&p.to_string_lossy())
                ),
                Some("write a path inside the project, or an absolute path".into()),
            ));
        }
    }
}

/// A function's `include`/`exclude` globs: gitignore syntax that compiles,
/// without `..` segments (a glob only ever matches inside the function).
pub(super) fn check_globs(
    dir: &std::path::Path,
    globs: &[String],
    key: &[&str],
    at: &At<'_>,
    problems: &mut Vec<Problem>,
) {
    for g in globs {
        let what = key.last().copied().unwrap_or("glob");
        if g.split(['/', '\\']).any(|s| s == "..") {
            problems.push(at(
                key,
                format!("{what} glob `{}` goes up with `..`", shown(g)),
                Some("globs match paths inside the function directory only".into()),
            ));
            continue;
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(dir);
        let built = if unclosed_class(g) {
            // The gitignore matcher takes a lone `[` literally and then
            // matches nothing: refuse it here rather than mislead later.
            Err("a `[` without its closing `]`".to_string())
        } else {
            match b.add_line(None, g) {
                Err(e) => Err(e.to_string()),
                Ok(_) => b.build().map(|_| ()).map_err(|e| e.to_string()),
            }
        };
        if let Err(e) = built {
            problems.push(at(
                key,
                format!("invalid {what} glob `{}`: {}", shown(g), shown(&e)),
                Some("globs use .gitignore syntax, e.g. `src/**/*.ts` or `tests/`".into()),
            ));
        }
    }
}

/// Whether a glob has a `[` (not escaped with a backslash) that no `]` closes.
/// A `]` right after `[` or `[!` belongs to the class.
fn unclosed_class(glob: &str) -> bool {
    let b = glob.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                let mut j = i + 1;
                if b.get(j) == Some(&b'!') || b.get(j) == Some(&b'^') {
                    j += 1;
                }
                if b.get(j) == Some(&b']') {
                    j += 1;
                }
                match b[j.min(b.len())..].iter().position(|&c| c == b']') {
                    Some(k) => i = j + k + 1,
                    None => return true,
                }
            }
            _ => i += 1,
        }
    }
    false
}
