//! Turning a parsed hoist.yaml into functions: the project-wide sections
//! checked, each function entry resolved (by [`super::function`]), DNS
//! labels kept apart; every problem collected with its key path, and
//! warnings kept. Also the version policy and base-image checks shared
//! with other modules.

use super::*;

pub(super) fn resolve(
    config: &ConfigFile,
    source: &str,
    root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    supa: Option<&supabase::SupabaseConfig>,
) -> Resolved {
    let at = |path: &[&str], message: String, hint: Option<String>| {
        let (line, column) = locate(source, path).map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let function = match path {
            ["functions", name, ..] => Some(name.to_string()),
            _ => None,
        };
        Problem {
            function,
            ..Problem::new(line, column, message, hint)
        }
    };
    let (mut problems, mut warnings) = project_problems(config, root, &at);
    let mut functions = Vec::new();
    for (name, f) in &config.functions {
        let found = function::resolve_function(config, name, f, root, env, supa, &at);
        functions.extend(found.function);
        problems.extend(found.problems);
        warnings.extend(found.warnings);
    }
    problems.extend(label_clashes(&functions, &at));
    (functions, problems, warnings)
}

/// The problems and warnings of the project-wide sections: the project
/// name, `bundle`, `defaults`, `storage`, `registry`, `targets` and the
/// project's paths.
fn project_problems(config: &ConfigFile, root: &Path, at: &At<'_>) -> (Vec<Problem>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    if !is_dns_label(&config.project) {
        problems.push(at(
            &["project"],
            format!(
                "project name `{}` is not a DNS label",
                check::shown(&config.project)
            ),
            Some("use lowercase letters, digits and '-', at most 63 characters".into()),
        ));
    }
    if config.bundle.limit_mb == 0 {
        problems.push(at(
            &["bundle", "limit_mb"],
            "bundle.limit_mb must be at least 1".into(),
            None,
        ));
    }
    check::check_resources(
        &config.defaults.resources,
        &["defaults", "resources"],
        at,
        &mut problems,
    );
    if let Some(v) = &config.defaults.version {
        if let Err(m) = parse_version(v) {
            problems.push(at(&["defaults", "version"], m, None));
        }
    }
    for (runtime, image) in &config.defaults.base_images {
        if let Some(w) = image_warning(image) {
            warnings.push(at(&["defaults", "base_images", runtime.as_str()], w, None));
        }
    }
    check::check_storage(config, at, &mut problems);
    check::check_registry(config, at, &mut problems);
    check::check_targets(config, at, &mut problems);
    check::check_paths(config, root, at, &mut problems);
    (problems, warnings)
}

/// Two functions with one DNS label would share an image repository.
fn label_clashes(functions: &[Function], at: &At<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for f in functions {
        if let Some(other) = seen.insert(&f.dns_label, &f.name) {
            problems.push(at(
                &["functions", f.name.as_str()],
                format!(
                    "functions `{other}` and `{}` both have the DNS label `{}` (used for image repositories)",
                    f.name, f.dns_label
                ),
                Some(format!(
                    "rename one, or give one its own label, e.g. `dns_label: {}` under `{}` \
                     (hoist adds no suffix by itself: it would rename the other function's repository)",
                    suffixed_label(&f.name),
                    f.name
                )),
            ));
        }
    }
    problems
}

pub(super) fn parse_version(v: &str) -> Result<VersionPolicy, String> {
    match v {
        "content" => Ok(VersionPolicy::Content),
        "git" => Ok(VersionPolicy::Git),
        "index.json" => Err(
            "version `index.json` is the name of a function's version index in the store; choose another tag".into(),
        ),
        other
            if !other.is_empty()
                && other.len() <= 128
                && other
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
                && other.as_bytes()[0].is_ascii_alphanumeric() =>
        {
            Ok(VersionPolicy::Literal(other.to_string()))
        }
        other => Err(format!(
            "version `{}` is neither `content`, `git` nor a tag (letters, digits, '.', '-', '_')",
            check::shown(other)
        )),
    }
}

/// A warning for an image reference that can move under us.
pub fn image_warning(image: &str) -> Option<String> {
    if image.contains("@sha256:") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some(format!(
            "base image `{image}` has no tag: builds are not reproducible; pin it by digest"
        )),
        Some((_, "latest")) => Some(format!(
            "base image `{image}` uses the moving tag `latest`: pin it by digest (name@sha256:...)"
        )),
        Some(_) => None,
    }
}
