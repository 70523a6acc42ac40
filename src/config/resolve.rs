//! Turning a parsed hoist.yaml into functions: defaults applied, paths,
//! entrypoints, import maps, names and values checked, supabase/config.toml
//! merged; every problem collected with its key path, and warnings kept.

use super::*;

pub(super) fn resolve(
    config: &ConfigFile,
    source: &str,
    root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    supa: Option<&supabase::SupabaseConfig>,
) -> Resolved {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
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
        &at,
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
    check::check_storage(config, &at, &mut problems);
    check::check_registry(config, &at, &mut problems);
    check::check_targets(config, &at, &mut problems);
    check::check_paths(config, root, &at, &mut problems);

    let mut functions = Vec::new();
    for (name, f) in &config.functions {
        let here = |key: &'static str| -> Vec<&str> {
            if key.is_empty() {
                vec!["functions", name.as_str()]
            } else {
                vec!["functions", name.as_str(), key]
            }
        };
        if !valid_function_name(name) {
            problems.push(at(
                &here(""),
                format!(
                    "function name `{}` is not a valid function name",
                    check::shown(name)
                ),
                Some(
                    "start with a letter, then letters, digits, '_' and '-' (as Supabase allows), at most 128"
                        .into(),
                ),
            ));
            continue;
        }
        let Some(runtime) = f.runtime.or(config.defaults.runtime) else {
            problems.push(at(
                &here(""),
                format!("function `{name}` has no runtime"),
                Some(
                    "set `runtime: deno|bun|node|dart|dockerfile` on it or under `defaults`".into(),
                ),
            ));
            continue;
        };
        let path = f
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from("functions").join(name));
        let dir = root.join(&path);
        let path_key = if f.path.is_some() { "path" } else { "" };
        if !dir.is_dir() {
            problems.push(at(
                &here(path_key),
                format!(
                    "function `{name}`: directory {} does not exist",
                    path.display()
                ),
                Some(format!("create it, or set `path:` for `{name}`")),
            ));
            continue;
        }
        if std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
        {
            problems.push(at(
                &here(path_key),
                format!("function `{name}`: directory {} is empty", path.display()),
                Some(format!(
                    "add the function's code, e.g. `hoist new {name} --runtime {}`",
                    runtime.as_str()
                )),
            ));
            continue;
        }
        let table = supa
            .filter(|_| runtime == Runtime::Deno)
            .and_then(|s| s.functions.get(name.as_str()));
        if table.and_then(|t| t.enabled) == Some(false) {
            warnings.push(at(
                &here(""),
                format!("function `{name}` is skipped: `enabled = false` in supabase/config.toml"),
                None,
            ));
            continue;
        }
        let toml_entry = table
            .and_then(|t| t.entrypoint.as_ref())
            .filter(|_| f.entrypoint.is_none())
            .zip(supa)
            .map(|(ep, s)| (ep.clone(), normalize(&s.dir.join(ep))));
        let entrypoint = match &toml_entry {
            Some((_, abs)) => supabase::relative(&dir, abs),
            None => f.entrypoint.clone().unwrap_or_else(|| match runtime {
                Runtime::Node => node_entrypoint(&dir),
                _ => runtime.default_entrypoint().to_string(),
            }),
        };
        let entry_escape = check::escape(Path::new(&entrypoint));
        let before = problems.len();
        if let Some((ep, abs)) = &toml_entry {
            problems.extend(toml_entry_problem(
                name,
                ep,
                abs,
                root,
                &at,
                &here(path_key),
            ));
        } else if let Some(why) = entry_escape {
            problems.push(at(
                &here("entrypoint"),
                format!(
                    "function `{name}`: entrypoint `{}` {why}, outside the function directory {}",
                    check::shown(&entrypoint),
                    path.display()
                ),
                Some("write a path relative to the function directory, without `..`".into()),
            ));
        } else if !dir.join(&entrypoint).is_file() {
            let key = if f.entrypoint.is_some() {
                "entrypoint"
            } else {
                path_key
            };
            problems.push(at(
                &here(key),
                format!(
                    "function `{name}`: entrypoint {} not found in {}",
                    check::shown(&entrypoint),
                    path.display()
                ),
                Some(
                    "create the file, or set `entrypoint:` to the file that serves requests".into(),
                ),
            ));
        }
        // hoist.yaml's entrypoint was refused: supabase/config.toml's, which
        // takes over once it is removed, is checked now too.
        if let (true, Some(ep), Some(s)) = (
            toml_entry.is_none() && problems.len() > before,
            table.and_then(|t| t.entrypoint.as_ref()),
            supa,
        ) {
            let abs = normalize(&s.dir.join(ep));
            problems.extend(toml_entry_problem(
                name,
                ep,
                &abs,
                root,
                &at,
                &here(path_key),
            ));
        }
        if let Some(hp) = &f.health_path {
            if !hp.starts_with('/') || hp.chars().any(|c| c.is_whitespace() || c.is_control()) {
                problems.push(at(
                    &here("health_path"),
                    format!(
                        "function `{name}`: health_path `{}` is not a URL path",
                        check::shown(hp)
                    ),
                    Some("write a path starting with `/`, such as `/healthz`".into()),
                ));
            }
        }
        let mut import_map_file = None;
        if let (Some(map), Runtime::Deno) = (&f.import_map, runtime) {
            let abs = normalize(&dir.join(map));
            if Path::new(map).is_absolute() {
                problems.push(at(
                    &here("import_map"),
                    format!(
                        "function `{name}`: import map `{}` is absolute; write it relative to the function directory",
                        check::shown(map)
                    ),
                    Some("write a path relative to the function directory that stays inside the project".into()),
                ));
            } else if !abs.starts_with(root) {
                problems.push(at(
                    &here("import_map"),
                    format!(
                        "function `{name}`: import map `{}` is outside the project",
                        check::shown(map)
                    ),
                    Some("write a path relative to the function directory that stays inside the project".into()),
                ));
            } else if !abs.is_file() {
                problems.push(at(
                    &here("import_map"),
                    format!(
                        "function `{name}`: import map {map} not found (relative to {})",
                        path.display()
                    ),
                    None,
                ));
            }
            import_map_file = Some(abs);
        } else if runtime == Runtime::Deno {
            import_map_file = supabase::import_map_for(root, &dir, table);
            if let (Some(m), Some(t)) = (&import_map_file, table) {
                if t.import_map.is_some() && (!m.is_file() || !m.starts_with(root)) {
                    problems.push(at(
                        &here(""),
                        format!(
                            "function `{name}`: import_map `{}` in supabase/config.toml ({}) does not exist inside the project",
                            check::shown(t.import_map.as_deref().unwrap_or_default()),
                            m.display()
                        ),
                        Some(format!("fix `import_map` under [functions.{name}] in supabase/config.toml (it is relative to supabase/)")),
                    ));
                }
            }
        }
        let mut static_files = Vec::new();
        if let (Some(t), Some(s)) = (table, supa) {
            match supabase::static_files(&s.dir, &t.static_files) {
                Ok((files, unmatched)) => {
                    static_files = files.into_iter().filter(|p| p.starts_with(root)).collect();
                    for g in unmatched {
                        warnings.push(at(
                            &here(""),
                            format!("function `{name}`: static_files glob `{g}` in supabase/config.toml matches no file"),
                            None,
                        ));
                    }
                }
                Err(e) => problems.push(at(
                    &here(""),
                    format!("function `{name}`: {e} (supabase/config.toml)"),
                    None,
                )),
            }
        }
        let label = match &f.dns_label {
            Some(l) if !is_dns_label(l) => {
                problems.push(at(
                    &here("dns_label"),
                    format!("function `{name}`: dns_label `{}` is not a DNS label", check::shown(l)),
                    Some("use 1-63 lowercase letters, digits and '-', not starting or ending with '-'".into()),
                ));
                l.clone()
            }
            Some(l) => l.clone(),
            None => dns_label(name),
        };
        if let Some(map) = f.import_map.as_ref().filter(|_| runtime != Runtime::Deno) {
            if let Some(why) = check::escape(Path::new(map)) {
                problems.push(at(
                    &here("import_map"),
                    format!(
                        "function `{name}`: import map `{}` {why}, outside the function directory {}",
                        check::shown(map),
                        path.display()
                    ),
                    Some("write a path relative to the function directory, without `..`".into()),
                ));
            } else if !dir.join(map).is_file() {
                problems.push(at(
                    &here("import_map"),
                    format!(
                        "function `{name}`: import map {map} not found in {}",
                        path.display()
                    ),
                    None,
                ));
            }
        }
        check::check_globs(
            &dir,
            &f.include,
            &["functions", name.as_str(), "include"],
            &at,
            &mut problems,
        );
        check::check_globs(
            &dir,
            &f.exclude,
            &["functions", name.as_str(), "exclude"],
            &at,
            &mut problems,
        );
        let version = match f.version.as_deref().or(config.defaults.version.as_deref()) {
            None => VersionPolicy::Content,
            Some(v) => match parse_version(v) {
                Ok(p) => p,
                Err(m) => {
                    problems.push(at(&here("version"), m, None));
                    VersionPolicy::Content
                }
            },
        };
        check::check_resources(
            &f.resources,
            &["functions", name.as_str(), "resources"],
            &at,
            &mut problems,
        );
        let mut merged_env = BTreeMap::new();
        for (k, v) in config
            .defaults
            .env
            .iter()
            .map(|e| (e, true))
            .chain(f.env.iter().map(|e| (e, false)))
        {
            let (key, value) = k;
            let loc: Vec<&str> = if v {
                vec!["defaults", "env", key.as_str()]
            } else {
                vec!["functions", name.as_str(), "env", key.as_str()]
            };
            if !interp::valid_name(key) {
                problems.push(at(
                    &loc,
                    format!(
                        "env key `{}` is not a valid variable name",
                        check::shown(key)
                    ),
                    Some("use letters, digits and '_', not starting with a digit".into()),
                ));
                continue;
            }
            match interp::interpolate(value, env) {
                Ok(v) => {
                    merged_env.insert(key.clone(), v);
                }
                Err(e) => problems.push(at(
                    &loc,
                    match e {
                        interp::InterpError::Unset(var) => format!(
                            "env `{key}` refers to ${{{var}}}, which is not set in the environment"
                        ),
                        interp::InterpError::Unclosed => {
                            format!("env `{key}`: `${{` without a closing `}}`")
                        }
                        interp::InterpError::BadName(n) => {
                            format!("env `{key}`: `${{{n}}}` is not a valid variable name")
                        }
                        interp::InterpError::NestedDefault(n) => format!(
                            "env `{key}`: the default of ${{{n}:-…}} holds a `$`; defaults are literal text"
                        ),
                    },
                    Some(
                        "export the variable, use ${VAR:-default}, or write $$ for a literal $"
                            .into(),
                    ),
                )),
            }
        }
        for s in &f.secrets {
            if !interp::valid_name(s) {
                problems.push(at(
                    &here("secrets"),
                    format!(
                        "secret name `{}` is not a valid variable name",
                        check::shown(s)
                    ),
                    None,
                ));
            } else if merged_env.contains_key(s) {
                problems.push(at(
                    &here("secrets"),
                    format!("`{s}` is both a plain env value and a secret"),
                    Some("keep secret values out of hoist.yaml: remove it from env".into()),
                ));
            }
        }
        let base_image = f
            .base_image
            .clone()
            .or_else(|| config.defaults.base_images.get(&runtime).cloned());
        if let (Some(img), Some(_)) = (&base_image, &f.base_image) {
            if let Some(w) = image_warning(img) {
                warnings.push(at(&here("base_image"), w, None));
            }
        }
        let entry_file = toml_entry
            .map(|(_, abs)| abs)
            .unwrap_or_else(|| dir.join(&entrypoint));
        functions.push(Function {
            name: name.clone(),
            dir,
            path,
            runtime,
            entrypoint,
            version,
            env: merged_env,
            secrets: f.secrets.clone(),
            resources: f.resources.or(&config.defaults.resources),
            include: f.include.clone(),
            exclude: f.exclude.clone(),
            import_map: f.import_map.clone(),
            base_image,
            port: f.port.unwrap_or(8000),
            health_path: f.health_path.clone(),
            fly: f.fly.clone(),
            entry_file,
            import_map_file,
            static_files,
            verify_jwt: table.and_then(|t| t.verify_jwt),
            dns_label: label,
        });
        if f.port == Some(0) {
            problems.push(at(
                &here("port"),
                format!("function `{name}`: port must be between 1 and 65535"),
                None,
            ));
        }
    }
    // Two functions with one DNS label would share an image repository.
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &functions {
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
    (functions, problems, warnings)
}

/// The problem with supabase/config.toml's `entrypoint` for function
/// `name` (`abs`, absolute): missing, or outside the project.
fn toml_entry_problem(
    name: &str,
    ep: &str,
    abs: &Path,
    root: &Path,
    at: &At<'_>,
    key: &[&str],
) -> Option<Problem> {
    if abs.starts_with(root) && abs.is_file() {
        return None;
    }
    Some(at(
        key,
        format!(
            "function `{name}`: entrypoint `{}` in supabase/config.toml ({}) {}",
            check::shown(ep),
            abs.display(),
            if abs.starts_with(root) {
                "does not exist"
            } else {
                "is outside the project"
            }
        ),
        Some(format!(
            "fix `entrypoint` under [functions.{name}] in supabase/config.toml (it is relative to supabase/)"
        )),
    ))
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
