//! Rendering Dockerfile templates with minijinja: choosing the template
//! (function Dockerfile, project override, built-in), the variables a template
//! sees, the `quote` and `exec_form` filters that keep values from breaking
//! Dockerfile syntax, and turning template errors into usage errors that name
//! the file and line. Undefined variables are errors (`UndefinedBehavior::Strict`),
//! so a typo in a template fails the build instead of producing an empty value.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use super::{RenderContext, Rendered, TemplateSource};
use crate::config::{Function, Project, Runtime};
use crate::image::ImageError;

/// The variables every Dockerfile template gets (docs/templates.md).
pub(crate) const TEMPLATE_VARIABLES: &[&str] = &[
    "name",
    "runtime",
    "entrypoint",
    "port",
    "base_image",
    "app_version",
    "revision",
    "created",
    "source",
    "context_dir",
    "env",
    "labels",
    "import_map",
    "resources",
    "function_path",
    "main_service",
    "entry_index",
    "verify_jwt",
];

/// Built-in templates, by runtime.
fn builtin(runtime: Runtime) -> Option<&'static str> {
    match runtime {
        Runtime::Deno => Some(include_str!(
            "../../../../templates/dockerfiles/deno.Dockerfile.j2"
        )),
        Runtime::Bun => Some(include_str!(
            "../../../../templates/dockerfiles/bun.Dockerfile.j2"
        )),
        Runtime::Node => Some(include_str!(
            "../../../../templates/dockerfiles/node.Dockerfile.j2"
        )),
        Runtime::Dart => Some(include_str!(
            "../../../../templates/dockerfiles/dart.Dockerfile.j2"
        )),
        Runtime::Dockerfile => None,
    }
}

/// Prefix of the names built-in templates are rendered under, so that errors
/// can tell them from project templates.
const BUILTIN_PREFIX: &str = "builtin/";

fn template_file(runtime: Runtime) -> String {
    format!("{}.Dockerfile.j2", runtime.as_str())
}

/// The values a template renders with. Every key is always present (unset
/// ones are `none`), so strict undefined checks catch only real typos.
#[derive(Debug, Serialize)]
struct Vars<'a> {
    name: &'a str,
    runtime: &'static str,
    /// Relative to the bundle's root (the function directory, or the
    /// workspace root of a function in a package-manager workspace).
    entrypoint: String,
    port: u16,
    base_image: String,
    app_version: &'a str,
    revision: Option<&'a str>,
    created: &'a str,
    source: Option<&'a str>,
    context_dir: &'a str,
    env: &'a BTreeMap<String, String>,
    labels: BTreeMap<&'static str, String>,
    import_map: Option<String>,
    resources: ResourceVars,
    function_path: String,
    /// Deno: the directory edge-runtime serves, inside the image.
    main_service: Option<String>,
    /// Deno: the generated `index.ts` edge-runtime serves when the
    /// entrypoint has another name (`src` in the context, `dest` in the image).
    entry_index: Option<EntryIndexVars>,
    /// supabase/config.toml `verify_jwt`, when set.
    verify_jwt: Option<bool>,
}

#[derive(Debug, Serialize)]
struct EntryIndexVars {
    src: String,
    dest: String,
}

#[derive(Debug, Serialize)]
struct ResourceVars {
    memory_mb: Option<u32>,
    cpus: Option<f32>,
    timeout_seconds: Option<u32>,
    max_concurrent: Option<u32>,
    warm_workers: Option<u32>,
}

pub(super) fn render(
    project: &Project,
    function: &Function,
    ctx: &RenderContext,
) -> anyhow::Result<Rendered> {
    if let Some(path) = own_dockerfile(function) {
        return verbatim(project, function, ctx, &path);
    }
    check_env(function)?;
    let deno = deno_layout(project, function)?;
    // The generated index is the one support file, for a deno function
    // whose entrypoint is not served as it is.
    let files: Vec<(String, Vec<u8>)> = deno
        .as_ref()
        .and_then(|d| d.entry_index.as_ref())
        .map(|e| {
            (
                super::DENO_ENTRY_INDEX.to_string(),
                e.source.clone().into_bytes(),
            )
        })
        .into_iter()
        .collect();
    let vars = vars(project, function, ctx, deno)?;
    let mut warnings = env_warnings(function);

    if let Some(dir) = &project.config.templates {
        let dir = project.root.join(dir);
        let shown_dir = shown(project, &dir);
        if !dir.is_dir() {
            return Err(ImageError::NoTemplatesDir {
                dir: shown_dir.to_path_buf(),
                config: project.file.clone(),
            }
            .into());
        }
        let file = template_file(function.runtime);
        let path = dir.join(&file);
        if path.is_file() {
            let source = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let text = render_str(&file, source, &vars, &shown_dir)?;
            let shown_file = shown_dir.join(&file);
            warnings.extend(from_warnings(&text, &shown_file.display().to_string()));
            return Ok(Rendered {
                text,
                source: TemplateSource::Project(shown_file),
                context_root: String::new(),
                warnings,
                files,
            });
        }
    }

    let Some(source) = builtin(function.runtime) else {
        return Err(ImageError::NoDockerfile {
            function: function.name.to_string(),
        }
        .into());
    };
    let name = format!("{BUILTIN_PREFIX}{}", template_file(function.runtime));
    let text = render_str(&name, source.to_string(), &vars, Path::new(""))?;
    Ok(Rendered {
        text,
        source: TemplateSource::Builtin(function.runtime),
        context_root: String::new(),
        warnings,
        files,
    })
}

/// The function's own Dockerfile, when it has one: the entrypoint for runtime
/// `dockerfile`, else `Dockerfile` in its directory.
fn own_dockerfile(function: &Function) -> Option<PathBuf> {
    if function.runtime == Runtime::Dockerfile {
        return Some(function.dir.join(&function.entrypoint));
    }
    let path = function.dir.join("Dockerfile");
    path.is_file().then_some(path)
}

fn verbatim(
    project: &Project,
    function: &Function,
    ctx: &RenderContext,
    path: &Path,
) -> anyhow::Result<Rendered> {
    let shown_path = shown(project, path);
    let text = std::fs::read_to_string(path).map_err(|err| ImageError::UnreadableDockerfile {
        path: shown_path.to_path_buf(),
        function: function.name.to_string(),
        err,
    })?;
    let warnings = from_warnings(&text, &shown_path.display().to_string());
    Ok(Rendered {
        text,
        source: TemplateSource::Function(shown_path),
        context_root: ctx.context_dir.clone(),
        warnings,
        files: Vec::new(),
    })
}

/// `path` relative to the project root when it is inside it.
fn shown(project: &Project, path: &Path) -> PathBuf {
    path.strip_prefix(&project.root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn vars<'a>(
    project: &Project,
    function: &'a Function,
    ctx: &'a RenderContext,
    deno: Option<DenoLayout>,
) -> anyhow::Result<Vars<'a>> {
    let mut labels = BTreeMap::new();
    labels.insert("org.opencontainers.image.title", function.name.to_string());
    labels.insert("org.opencontainers.image.version", ctx.app_version.clone());
    if !ctx.created.is_empty() {
        labels.insert("org.opencontainers.image.created", ctx.created.clone());
    }
    if let Some(rev) = &ctx.revision {
        labels.insert("org.opencontainers.image.revision", rev.clone());
    }
    if let Some(src) = &ctx.source {
        labels.insert("org.opencontainers.image.source", src.clone());
    }
    let r = &function.resources;
    Ok(Vars {
        name: &function.name,
        runtime: function.runtime.as_str(),
        entrypoint: bundle_entrypoint(project, function)?,
        port: function.port,
        base_image: super::base_image_for(project, function),
        app_version: &ctx.app_version,
        revision: ctx.revision.as_deref(),
        created: &ctx.created,
        source: ctx.source.as_deref(),
        context_dir: ctx.context_dir.trim_end_matches('/'),
        env: &function.env,
        labels,
        import_map: match &deno {
            Some(d) => d.import_map.clone(),
            None => import_map(function)?,
        },
        resources: ResourceVars {
            memory_mb: r.memory_mb,
            cpus: r.cpus,
            timeout_seconds: r.timeout_seconds,
            max_concurrent: r.max_concurrent,
            warm_workers: r.warm_workers,
        },
        function_path: function.path.to_string_lossy().replace('\\', "/"),
        main_service: deno.as_ref().map(|d| d.main_service.clone()),
        entry_index: deno.as_ref().and_then(|d| {
            d.entry_index.as_ref().map(|_| EntryIndexVars {
                src: super::DENO_ENTRY_INDEX.to_string(),
                dest: format!("{}/index.ts", d.main_service),
            })
        }),
        verify_jwt: function.verify_jwt,
    })
}

/// The entrypoint as the bundle lays it out: from the workspace root for a
/// Node or Bun function in a package-manager workspace
/// ([`crate::bundle::packages`]), else as hoist.yaml names it.
fn bundle_entrypoint(project: &Project, function: &Function) -> anyhow::Result<String> {
    if matches!(function.runtime, Runtime::Node | Runtime::Bun) {
        if let Some(ws) = crate::bundle::packages::Workspace::of(&function.dir, &project.root)? {
            return Ok(ws.entrypoint(&function.dir, &function.entrypoint));
        }
    }
    Ok(function.entrypoint.clone())
}

/// Where the built-in deno image keeps the bundle.
const DENO_HOME: &str = "/home/deno/functions";

/// Where a deno graph bundle's files sit in the image.
struct DenoLayout {
    /// The entrypoint's directory, which edge-runtime serves.
    main_service: String,
    /// The import map's absolute path in the image.
    import_map: Option<String>,
    /// The `index.ts` to generate beside an entrypoint of another name.
    entry_index: Option<super::EntryIndex>,
}

/// The layout of a deno function's graph bundle in the image (its files
/// under `/home/deno/functions/`, paths as in the bundle); `None` for
/// other runtimes. An
/// entrypoint not named `index.*` gets a generated `index.ts` beside it
/// ([`super::entry_index`]); one whose directory already bundles an index
/// file is refused.
fn deno_layout(project: &Project, function: &Function) -> anyhow::Result<Option<DenoLayout>> {
    if function.runtime != Runtime::Deno {
        return Ok(None);
    }
    let plan = super::deno_plan(project, function)?;
    let entry_index = super::entry_index(&function.name, &plan)?;
    let dir = match plan.entrypoint.rsplit_once('/') {
        Some((d, _)) => format!("{DENO_HOME}/{d}"),
        None => DENO_HOME.to_string(),
    };
    Ok(Some(DenoLayout {
        main_service: dir,
        import_map: plan.import_map.map(|m| format!("{DENO_HOME}/{m}")),
        entry_index,
    }))
}

/// The import map, relative to the function directory: `import_map:` when
/// set; for deno, else `deno.json`, else `import_map.json` when present.
fn import_map(function: &Function) -> anyhow::Result<Option<String>> {
    if let Some(map) = &function.import_map {
        return normalize_relative(map).map(Some).ok_or_else(|| {
            ImageError::ImportMapOutside {
                function: function.name.to_string(),
                map: map.to_string(),
            }
            .into()
        });
    }
    if function.runtime == Runtime::Deno {
        for candidate in ["deno.json", "import_map.json"] {
            if function.dir.join(candidate).is_file() {
                return Ok(Some(candidate.to_string()));
            }
        }
    }
    Ok(None)
}

/// A relative path with `/` separators and no `.` parts, or `None` when it is
/// absolute or climbs out with `..`.
fn normalize_relative(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for c in Path::new(&path.replace('\\', "/")).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Env values become `ENV KEY="value"` lines, which cannot hold a line break.
fn check_env(function: &Function) -> anyhow::Result<()> {
    for (key, value) in &function.env {
        if value.contains(['\n', '\r']) {
            return Err(ImageError::MultilineEnv {
                function: function.name.to_string(),
                key: key.to_string(),
            }
            .into());
        }
    }
    Ok(())
}

/// Env keys in hoist.yaml that replace values the templates set themselves.
fn env_warnings(function: &Function) -> Vec<String> {
    let mut out = Vec::new();
    if function.env.contains_key("VERSION") {
        out.push(format!(
            "function `{}`: env `VERSION` replaces the image version hoist sets there",
            function.name
        ));
    }
    let sets_port = matches!(
        function.runtime,
        Runtime::Bun | Runtime::Node | Runtime::Dart
    );
    if let Some(p) = function.env.get("PORT").filter(|_| sets_port) {
        if p.trim() != function.port.to_string() {
            out.push(format!(
                "function `{}`: env PORT={p} differs from port {}; the image exposes {} \
                 (set `port:` instead of env PORT)",
                function.name, function.port, function.port
            ));
        }
    }
    out
}

/// Warnings for `FROM` lines whose image can move under us (no tag, or
/// `latest`). Stage names, `scratch` and `$VAR` references are skipped.
pub(super) fn from_warnings(dockerfile: &str, shown: &str) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, line) in dockerfile.lines().enumerate() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let mut words = words.skip_while(|w| w.starts_with("--"));
        let Some(image) = words.next() else { continue };
        let lower = image.to_ascii_lowercase();
        let moving = !(lower == "scratch" || image.contains('$') || stages.contains(&lower));
        if let (Some(as_kw), Some(stage)) = (words.next(), words.next()) {
            if as_kw.eq_ignore_ascii_case("AS") {
                stages.push(stage.to_ascii_lowercase());
            }
        }
        if let Some(w) = crate::config::image_warning(image).filter(|_| moving) {
            out.push(format!("{shown}:{}: {w}", i + 1));
        }
    }
    out
}

/// The environment every Dockerfile template renders in.
pub(super) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("quote", quote);
    env.add_filter("exec_form", exec_form);
    env
}

fn render_str(
    name: &str,
    source: String,
    vars: &Vars<'_>,
    shown_dir: &Path,
) -> anyhow::Result<String> {
    let mut env = environment();
    let shown_name = |n: &str| -> String {
        match n.strip_prefix(BUILTIN_PREFIX) {
            Some(b) => format!("built-in template {b}"),
            None => shown_dir.join(n).display().to_string(),
        }
    };
    let result = env
        .add_template_owned(name.to_string(), source)
        .and_then(|()| env.get_template(name))
        .and_then(|t| t.render(vars));
    result.map_err(|e| template_error(&e, name, &shown_name))
}

/// A usage error for a template that failed: `file:line: what`, the line
/// itself, and a hint suited to the kind of failure.
fn template_error(err: &Error, main: &str, shown_name: &dyn Fn(&str) -> String) -> anyhow::Error {
    let file = shown_name(err.name().unwrap_or(main));
    let what = match err.detail() {
        Some(d) => format!("{}: {d}", err.kind()),
        None => err.kind().to_string(),
    };
    let source_line = match (err.line(), err.template_source()) {
        (Some(line), Some(src)) => src.lines().nth(line.saturating_sub(1)),
        _ => None,
    };
    // The names the failing line uses that no variable has (the error's span
    // may point at a filter rather than at the undefined name).
    let unknown: Vec<String> = source_line
        .into_iter()
        .flat_map(names_in)
        .filter(|n| !TEMPLATE_VARIABLES.contains(&n.as_str()))
        .collect();
    let mut message = match err.line() {
        Some(line) => format!("{file}:{line}: {what}"),
        None => format!("{file}: {what}"),
    };
    if let ([name], ErrorKind::UndefinedError) = (unknown.as_slice(), err.kind()) {
        message.push_str(&format!(" `{name}`"));
    }
    if let (Some(line), Some(text)) = (err.line(), source_line) {
        message.push_str(&format!("\n  {line} | {}", text.trim_end()));
    }
    let hint = match err.kind() {
        ErrorKind::UndefinedError => {
            let suggestion = unknown
                .iter()
                .find_map(|c| crate::config::nearest(c, TEMPLATE_VARIABLES));
            match suggestion {
                Some(s) => {
                    format!("did you mean `{s}`? (variables are listed in docs/templates.md)")
                }
                None => format!(
                    "templates can use: {} (see docs/templates.md)",
                    TEMPLATE_VARIABLES.join(", ")
                ),
            }
        }
        ErrorKind::SyntaxError => {
            "templates use Jinja syntax: {{ value }}, {% if x %}...{% endif %}, {# comment #}"
                .into()
        }
        ErrorKind::UnknownFilter => {
            "filters: quote, exec_form and minijinja's built-ins (see docs/templates.md)".into()
        }
        _ => "fix the template, then run `hoist build` again (see docs/templates.md)".into(),
    };
    ImageError::Template { message, hint }.into()
}

/// Top-level names used inside `{{ }}` and `{% %}` in `line`: not
/// attributes (`.x`), filters or tests (`|x`, `is x`), keywords or
/// variables the template set itself on that line.
fn names_in(line: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "in",
        "endfor",
        "set",
        "endset",
        "not",
        "and",
        "or",
        "is",
        "none",
        "None",
        "true",
        "false",
        "True",
        "False",
        "loop",
        "recursive",
        "with",
        "endwith",
        "filter",
        "endfilter",
        "macro",
        "endmacro",
        "call",
        "endcall",
    ];
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['{']) {
        let after = &rest[start + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let body = &after[1..];
        let end = body.find(close).unwrap_or(body.len());
        let expr = &body[..end];
        rest = &body[end..];
        let mut prev = ' ';
        let mut prev_word = String::new();
        let mut chars = expr.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' || c == '\'' {
                // Skip string literals.
                for (_, d) in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                prev = c;
                continue;
            }
            if c.is_ascii_alphabetic() || c == '_' {
                let mut j = i + c.len_utf8();
                while let Some(&(k, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        chars.next();
                        j = k + d.len_utf8();
                    } else {
                        break;
                    }
                }
                let word = &expr[i..j];
                let skip =
                    prev == '.' || prev == '|' || prev_word == "is" || KEYWORDS.contains(&word);
                if !skip && !out.iter().any(|w| w == word) {
                    out.push(word.to_string());
                }
                prev_word = word.to_string();
                prev = 'a';
                continue;
            }
            if !c.is_whitespace() {
                prev = c;
                prev_word.clear();
            }
        }
    }
    out
}

/// `quote`: a double-quoted Dockerfile word for ENV, ARG and LABEL values,
/// with `\`, `"` and `$` escaped so the value arrives exactly as written.
fn quote(value: &Value) -> Result<String, Error> {
    let text = scalar(value, "quote")?;
    if text.contains(['\n', '\r']) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "quote: a Dockerfile value cannot hold a line break",
        ));
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// `exec_form`: a list as a Dockerfile exec-form JSON array, e.g.
/// `["node", "dist/index.js"]`, for ENTRYPOINT, CMD, RUN and HEALTHCHECK.
fn exec_form(value: &Value) -> Result<String, Error> {
    let mut words = Vec::new();
    for item in value.try_iter()? {
        let word = scalar(&item, "exec_form")?;
        words.push(
            serde_json::to_string(&word)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("exec_form: {e}")))?,
        );
    }
    Ok(format!("[{}]", words.join(", ")))
}

/// A string or number as text; anything else is an error naming `filter`.
fn scalar(value: &Value, filter: &str) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    if let Some(s) = value.as_str() {
        return Ok(s.to_string());
    }
    if value.is_number() {
        return Ok(value.to_string());
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "{filter}: expected a string or a number, got {}",
            value.kind()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_what_docker_would_expand() {
        let v = Value::from(r#"a "b" $HOME \x"#);
        assert_eq!(quote(&v).unwrap(), r#""a \"b\" \$HOME \\x""#);
        assert_eq!(quote(&Value::from(8000)).unwrap(), "\"8000\"");
        assert!(quote(&Value::from("a\nb")).is_err());
        assert!(quote(&Value::from(())).is_err());
    }

    #[test]
    fn exec_form_is_json() {
        let v = Value::from(vec![
            Value::from("node"),
            Value::from("a \"b\""),
            Value::from(1),
        ]);
        assert_eq!(exec_form(&v).unwrap(), r#"["node", "a \"b\"", "1"]"#);
    }

    #[test]
    fn names_in_expressions() {
        assert_eq!(names_in("LABEL a={{ nmae|quote }}"), ["nmae"]);
        assert_eq!(
            names_in("{% for k, v in env|dictsort %}{{ k ~ 'x y' }}{{ resources.memroy }}"),
            ["k", "v", "env", "resources"]
        );
        assert_eq!(names_in("{% if x is defined %}FROM a{% endif %}"), ["x"]);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            normalize_relative("./a/b.json").as_deref(),
            Some("a/b.json")
        );
        assert_eq!(normalize_relative("../x.json"), None);
        assert_eq!(normalize_relative("/x.json"), None);
    }

    #[test]
    fn from_lines_with_moving_tags_warn() {
        let df = "FROM node AS build\nFROM build\nFROM scratch\nFROM --platform=$P alpine:latest\nFROM ${BASE}\nFROM a@sha256:00\n";
        let w = from_warnings(df, "Dockerfile");
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("Dockerfile:1:"));
        assert!(w[1].starts_with("Dockerfile:4:"));
    }
}
