//! One function's entry of hoist.yaml resolved into a [`Function`]: its
//! directory, entrypoint and import map (hoist.yaml's, or the ones its
//! supabase/config.toml table names), static files, DNS label, version,
//! env and secrets. Each part is checked by its own validator, which
//! returns the problems it found located by their key path; `resolve` in
//! the parent module runs this once per entry.

use super::resolve::parse_version;
use super::*;

/// What one function's entry gave: the function, unless the entry is
/// skipped (a problem or a warning says why), and what was found in it.
pub(super) struct Resolution {
    pub(crate) function: Option<Function>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
}

/// A function entry whose name, runtime and directory are usable: what
/// every later check of it reads.
struct Entry<'a> {
    name: &'a str,
    /// `name`, checked.
    function_name: hoist_api::FunctionName,
    f: &'a FunctionConfig,
    config: &'a ConfigFile,
    root: &'a Path,
    supa: Option<&'a supabase::SupabaseConfig>,
    /// Its `[functions.<name>]` table in supabase/config.toml (Deno only).
    table: Option<&'a supabase::FunctionToml>,
    runtime: Runtime,
    /// The directory as written (or the default `functions/<name>`).
    path: PathBuf,
    /// The directory, absolute.
    dir: PathBuf,
    /// The key a problem with the directory is reported at: `path` when
    /// hoist.yaml sets it, else the entry itself.
    path_key: &'static str,
    at: &'a At<'a>,
}

impl Entry<'_> {
    /// A problem at `functions.<name>.<key>` (the entry itself when `key`
    /// is empty).
    fn at(&self, key: &str, message: String, hint: Option<String>) -> Problem {
        (self.at)(&key_path(self.name, key), message, hint)
    }
}

fn key_path<'a>(name: &'a str, key: &'a str) -> Vec<&'a str> {
    if key.is_empty() {
        vec!["functions", name]
    } else {
        vec!["functions", name, key]
    }
}

/// Resolves the entry `name` of hoist.yaml, with the checks in the order
/// their problems are reported.
pub(super) fn resolve_function<'a>(
    config: &'a ConfigFile,
    name: &'a str,
    f: &'a FunctionConfig,
    root: &'a Path,
    env: &dyn Fn(&str) -> Option<String>,
    supa: Option<&'a supabase::SupabaseConfig>,
    at: &'a At<'a>,
) -> Resolution {
    let e = match admit(config, name, f, root, supa, at) {
        Ok(e) => e,
        Err(skipped) => {
            let (problems, warnings) = match skipped {
                Skip::Problem(p) => (vec![*p], Vec::new()),
                Skip::Disabled(w) => (Vec::new(), vec![*w]),
            };
            return Resolution {
                function: None,
                problems,
                warnings,
            };
        }
    };
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let (entrypoint, toml_entry, found) = entrypoint(&e);
    problems.extend(found);
    problems.extend(health_path(&e));
    let (import_map_file, found) = deno_import_map(&e);
    problems.extend(found);
    let (static_files, found, unmatched) = static_files(&e);
    problems.extend(found);
    warnings.extend(unmatched);
    let (label, found) = dns_label(&e);
    problems.extend(found);
    problems.extend(copied_import_map(&e));
    check::check_globs(
        &e.dir,
        &f.include,
        &["functions", name, "include"],
        at,
        &mut problems,
    );
    check::check_globs(
        &e.dir,
        &f.exclude,
        &["functions", name, "exclude"],
        at,
        &mut problems,
    );
    let (version, found) = version(&e);
    problems.extend(found);
    let resources_key = ["functions", name, "resources"];
    check::check_resources(&f.resources, &resources_key, at, &mut problems);
    let (merged_env, found) = merged_env(&e, env);
    problems.extend(found);
    problems.extend(secrets(&e, &merged_env));
    let (base_image, found) = base_image(&e);
    warnings.extend(found);
    problems.extend(port(&e));
    let entry_file = toml_entry
        .map(|(_, abs)| abs)
        .unwrap_or_else(|| e.dir.join(&entrypoint));
    let function = Function {
        name: e.function_name.clone(),
        runtime: e.runtime,
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
        verify_jwt: e.table.and_then(|t| t.verify_jwt),
        dns_label: label,
        dir: e.dir,
        path: e.path,
    };
    Resolution {
        function: Some(function),
        problems,
        warnings,
    }
}

/// Why an entry is left out: a problem, or a warning that it is disabled.
enum Skip {
    Problem(Box<Problem>),
    Disabled(Box<Problem>),
}

/// The entry with a valid name, a runtime and a non-empty directory, not
/// disabled in supabase/config.toml; or the one problem (or warning, for a
/// disabled function) that skips it.
fn admit<'a>(
    config: &'a ConfigFile,
    name: &'a str,
    f: &'a FunctionConfig,
    root: &'a Path,
    supa: Option<&'a supabase::SupabaseConfig>,
    at: &'a At<'a>,
) -> Result<Entry<'a>, Skip> {
    let skip = |p| Skip::Problem(Box::new(p));
    let here = |key| key_path(name, key);
    let Ok(function_name) = hoist_api::FunctionName::parse(name) else {
        return Err(skip(at(
            &here(""),
            format!(
                "function name `{}` is not a valid function name",
                check::shown(name)
            ),
            Some(
                "start with a letter, then letters, digits, '_' and '-' (as Supabase allows), at most 128"
                    .into(),
            ),
        )));
    };
    let Some(runtime) = f.runtime.or(config.defaults.runtime) else {
        return Err(skip(at(
            &here(""),
            format!("function `{name}` has no runtime"),
            Some("set `runtime: deno|bun|node|dart|dockerfile` on it or under `defaults`".into()),
        )));
    };
    let path = f
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from("functions").join(name));
    let dir = root.join(&path);
    let path_key = if f.path.is_some() { "path" } else { "" };
    if !dir.is_dir() {
        return Err(skip(at(
            &here(path_key),
            format!(
                "function `{name}`: directory {} does not exist",
                path.display()
            ),
            Some(format!("create it, or set `path:` for `{name}`")),
        )));
    }
    if std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
    {
        return Err(skip(at(
            &here(path_key),
            format!("function `{name}`: directory {} is empty", path.display()),
            Some(format!(
                "add the function's code, e.g. `hoist new {name} --runtime {}`",
                runtime.as_str()
            )),
        )));
    }
    let table = supa
        .filter(|_| runtime == Runtime::Deno)
        .and_then(|s| s.functions.get(name));
    if table.and_then(|t| t.enabled) == Some(false) {
        return Err(Skip::Disabled(Box::new(at(
            &here(""),
            format!("function `{name}` is skipped: `enabled = false` in supabase/config.toml"),
            None,
        ))));
    }
    Ok(Entry {
        name,
        function_name,
        f,
        config,
        root,
        supa,
        table,
        runtime,
        path,
        dir,
        path_key,
        at,
    })
}

/// The entrypoint, relative to the function directory:
/// supabase/config.toml's when hoist.yaml sets none (returned too, as
/// written and absolute), else hoist.yaml's or the runtime's default.
/// When hoist.yaml's is refused, supabase/config.toml's, which takes over
/// once it is removed, is checked too.
fn entrypoint(e: &Entry) -> (String, Option<(String, PathBuf)>, Vec<Problem>) {
    let toml_entry = e
        .table
        .and_then(|t| t.entrypoint.as_ref())
        .filter(|_| e.f.entrypoint.is_none())
        .zip(e.supa)
        .map(|(ep, s)| (ep.clone(), normalize(&s.dir.join(ep))));
    let entrypoint = match &toml_entry {
        Some((_, abs)) => supabase::relative(&e.dir, abs),
        None => e.f.entrypoint.clone().unwrap_or_else(|| match e.runtime {
            Runtime::Node => node_entrypoint(&e.dir),
            _ => e.runtime.default_entrypoint().to_string(),
        }),
    };
    let mut problems = Vec::new();
    if let Some((ep, abs)) = &toml_entry {
        problems.extend(toml_entry_problem(e, ep, abs));
    } else {
        problems.extend(yaml_entry_problem(e, &entrypoint));
        if let (false, Some(ep), Some(s)) = (
            problems.is_empty(),
            e.table.and_then(|t| t.entrypoint.as_ref()),
            e.supa,
        ) {
            problems.extend(toml_entry_problem(e, ep, &normalize(&s.dir.join(ep))));
        }
    }
    (entrypoint, toml_entry, problems)
}

/// The problem with hoist.yaml's (or the default) `entrypoint`: outside
/// the function directory, or missing.
fn yaml_entry_problem(e: &Entry, entrypoint: &str) -> Option<Problem> {
    let name = e.name;
    if let Some(why) = check::escape(Path::new(entrypoint)) {
        return Some(e.at(
            "entrypoint",
            format!(
                "function `{name}`: entrypoint `{}` {why}, outside the function directory {}",
                check::shown(entrypoint),
                e.path.display()
            ),
            Some("write a path relative to the function directory, without `..`".into()),
        ));
    }
    if e.dir.join(entrypoint).is_file() {
        return None;
    }
    let key = if e.f.entrypoint.is_some() {
        "entrypoint"
    } else {
        e.path_key
    };
    Some(e.at(
        key,
        format!(
            "function `{name}`: entrypoint {} not found in {}",
            check::shown(entrypoint),
            e.path.display()
        ),
        Some("create the file, or set `entrypoint:` to the file that serves requests".into()),
    ))
}

/// The problem with supabase/config.toml's `entrypoint` `ep` (`abs`,
/// absolute): missing, or outside the project.
fn toml_entry_problem(e: &Entry, ep: &str, abs: &Path) -> Option<Problem> {
    if abs.starts_with(e.root) && abs.is_file() {
        return None;
    }
    let name = e.name;
    Some(e.at(
        e.path_key,
        format!(
            "function `{name}`: entrypoint `{}` in supabase/config.toml ({}) {}",
            check::shown(ep),
            abs.display(),
            if abs.starts_with(e.root) {
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

/// `health_path` must be a URL path.
fn health_path(e: &Entry) -> Option<Problem> {
    let hp = e.f.health_path.as_ref()?;
    if hp.starts_with('/') && !hp.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some(e.at(
        "health_path",
        format!(
            "function `{}`: health_path `{}` is not a URL path",
            e.name,
            check::shown(hp)
        ),
        Some("write a path starting with `/`, such as `/healthz`".into()),
    ))
}

/// A Deno function's import map (absolute): hoist.yaml's, which must stay
/// inside the project and exist, else the one supabase/config.toml or the
/// function directory gives. `None` for other runtimes.
fn deno_import_map(e: &Entry) -> (Option<PathBuf>, Option<Problem>) {
    if e.runtime != Runtime::Deno {
        return (None, None);
    }
    let name = e.name;
    let Some(map) = &e.f.import_map else {
        let file = supabase::import_map_for(e.root, &e.dir, e.table);
        let problem = match (&file, e.table) {
            (Some(m), Some(t))
                if t.import_map.is_some() && (!m.is_file() || !m.starts_with(e.root)) =>
            {
                Some(e.at(
                    "",
                    format!(
                        "function `{name}`: import_map `{}` in supabase/config.toml ({}) does not exist inside the project",
                        check::shown(t.import_map.as_deref().unwrap_or("")),
                        m.display()
                    ),
                    Some(format!("fix `import_map` under [functions.{name}] in supabase/config.toml (it is relative to supabase/)")),
                ))
            }
            _ => None,
        };
        return (file, problem);
    };
    let abs = normalize(&e.dir.join(map));
    let inside = "write a path relative to the function directory that stays inside the project";
    let problem = if Path::new(map).is_absolute() {
        Some(e.at(
            "import_map",
            format!(
                "function `{name}`: import map `{}` is absolute; write it relative to the function directory",
                check::shown(map)
            ),
            Some(inside.into()),
        ))
    } else if !abs.starts_with(e.root) {
        Some(e.at(
            "import_map",
            format!(
                "function `{name}`: import map `{}` is outside the project",
                check::shown(map)
            ),
            Some(inside.into()),
        ))
    } else if !abs.is_file() {
        Some(e.at(
            "import_map",
            format!(
                "function `{name}`: import map {map} not found (relative to {})",
                e.path.display()
            ),
            None,
        ))
    } else {
        None
    };
    (Some(abs), problem)
}

/// The `static_files` of the function's supabase/config.toml table that
/// lie inside the project; a problem when the globs cannot be read, and a
/// warning for each glob that matches nothing.
fn static_files(e: &Entry) -> (Vec<PathBuf>, Option<Problem>, Vec<Problem>) {
    let (Some(t), Some(s)) = (e.table, e.supa) else {
        return (Vec::new(), None, Vec::new());
    };
    let name = e.name;
    match supabase::static_files(&s.dir, &t.static_files) {
        Ok((files, unmatched)) => {
            let files = files
                .into_iter()
                .filter(|p| p.starts_with(e.root))
                .collect();
            let warnings = unmatched
                .into_iter()
                .map(|g| {
                    e.at(
                        "",
                        format!("function `{name}`: static_files glob `{g}` in supabase/config.toml matches no file"),
                        None,
                    )
                })
                .collect();
            (files, None, warnings)
        }
        Err(err) => {
            let problem = e.at(
                "",
                format!("function `{name}`: {err} (supabase/config.toml)"),
                None,
            );
            (Vec::new(), Some(problem), Vec::new())
        }
    }
}

/// The function's DNS label: `dns_label:` (which must be one), else the
/// one derived from its name.
fn dns_label(e: &Entry) -> (String, Option<Problem>) {
    match &e.f.dns_label {
        Some(l) if !is_dns_label(l) => {
            let problem = e.at(
                "dns_label",
                format!(
                    "function `{}`: dns_label `{}` is not a DNS label",
                    e.name,
                    check::shown(l)
                ),
                Some(
                    "use 1-63 lowercase letters, digits and '-', not starting or ending with '-'"
                        .into(),
                ),
            );
            (l.clone(), Some(problem))
        }
        Some(l) => (l.clone(), None),
        None => (super::dns_label(e.name), None),
    }
}

/// A non-Deno function's `import_map` is a file copied from the function
/// directory: it must be inside it and exist.
fn copied_import_map(e: &Entry) -> Option<Problem> {
    let map =
        e.f.import_map
            .as_ref()
            .filter(|_| e.runtime != Runtime::Deno)?;
    let name = e.name;
    if let Some(why) = check::escape(Path::new(map)) {
        return Some(e.at(
            "import_map",
            format!(
                "function `{name}`: import map `{}` {why}, outside the function directory {}",
                check::shown(map),
                e.path.display()
            ),
            Some("write a path relative to the function directory, without `..`".into()),
        ));
    }
    (!e.dir.join(map).is_file()).then(|| {
        e.at(
            "import_map",
            format!(
                "function `{name}`: import map {map} not found in {}",
                e.path.display()
            ),
            None,
        )
    })
}

/// The version policy: the function's `version`, else `defaults.version`,
/// else content (also when the one given is refused).
fn version(e: &Entry) -> (VersionPolicy, Option<Problem>) {
    let written =
        e.f.version
            .as_deref()
            .or(e.config.defaults.version.as_deref());
    match written.map(parse_version) {
        None => (VersionPolicy::Content, None),
        Some(Ok(p)) => (p, None),
        Some(Err(m)) => (VersionPolicy::Content, Some(e.at("version", m, None))),
    }
}

/// `defaults.env` then the function's `env`, with names checked and
/// `${VAR}` references interpolated from `env`.
fn merged_env(
    e: &Entry,
    env: &dyn Fn(&str) -> Option<String>,
) -> (BTreeMap<String, String>, Vec<Problem>) {
    let mut merged = BTreeMap::new();
    let mut problems = Vec::new();
    let defaults = e.config.defaults.env.iter().map(|kv| (kv, true));
    for ((key, value), from_defaults) in defaults.chain(e.f.env.iter().map(|kv| (kv, false))) {
        let loc: Vec<&str> = if from_defaults {
            vec!["defaults", "env", key.as_str()]
        } else {
            vec!["functions", e.name, "env", key.as_str()]
        };
        if !interp::valid_name(key) {
            problems.push((e.at)(
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
                merged.insert(key.clone(), v);
            }
            Err(err) => problems.push((e.at)(
                &loc,
                interp_message(key, err),
                Some(
                    "export the variable, use ${VAR:-default}, or write $$ for a literal $".into(),
                ),
            )),
        }
    }
    (merged, problems)
}

/// Why env `key`'s value could not be interpolated.
fn interp_message(key: &str, err: interp::InterpError) -> String {
    match err {
        interp::InterpError::Unset(var) => {
            format!("env `{key}` refers to ${{{var}}}, which is not set in the environment")
        }
        interp::InterpError::Unclosed => format!("env `{key}`: `${{` without a closing `}}`"),
        interp::InterpError::BadName(n) => {
            format!("env `{key}`: `${{{n}}}` is not a valid variable name")
        }
        interp::InterpError::NestedDefault(n) => format!(
            "env `{key}`: the default of ${{{n}:-…}} holds a `$`; defaults are literal text"
        ),
    }
}

/// The base image: the function's `base_image` (warned about when it can
/// move), else the one `defaults.base_images` gives its runtime.
fn base_image(e: &Entry) -> (Option<String>, Option<Problem>) {
    let Some(img) = &e.f.base_image else {
        let img = e.config.defaults.base_images.get(&e.runtime).cloned();
        return (img, None);
    };
    let warning = image_warning(img).map(|w| e.at("base_image", w, None));
    (Some(img.clone()), warning)
}

/// `port` 0 is refused.
fn port(e: &Entry) -> Option<Problem> {
    (e.f.port == Some(0)).then(|| {
        e.at(
            "port",
            format!("function `{}`: port must be between 1 and 65535", e.name),
            None,
        )
    })
}

/// Secret names must be variable names, and not also plain env values.
fn secrets(e: &Entry, env: &BTreeMap<String, String>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for s in &e.f.secrets {
        if !interp::valid_name(s) {
            problems.push(e.at(
                "secrets",
                format!(
                    "secret name `{}` is not a valid variable name",
                    check::shown(s)
                ),
                None,
            ));
        } else if env.contains_key(s) {
            problems.push(e.at(
                "secrets",
                format!("`{s}` is both a plain env value and a secret"),
                Some("keep secret values out of hoist.yaml: remove it from env".into()),
            ));
        }
    }
    problems
}
