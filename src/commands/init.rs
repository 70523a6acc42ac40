//! `hoist init`: write a commented hoist.yaml for the current directory,
//! detecting function directories (`functions/<name>/` and the Supabase
//! layout `supabase/functions/<name>/index.ts`).

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::InitArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::config::{self, Runtime};

/// A function directory found on disk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Detected {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) runtime: Runtime,
    pub(crate) entrypoint: Option<String>,
    pub(crate) import_map: Option<String>,
    /// Comment lines written in the function's entry, each for a
    /// supabase/config.toml setting not written as a key (a file it
    /// names is missing, or a path hoist.yaml cannot hold) and why.
    pub(crate) comments: Vec<String>,
    /// Why the function is written as a comment only: it has no
    /// directory and its config.toml entrypoint is missing.
    pub(crate) left_out: Option<String>,
}

pub(crate) async fn run(g: &Context<'_>, args: &InitArgs, printer: &Printer) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let file = g
        .args
        .config
        .clone()
        .unwrap_or_else(|| cwd.join(config::FILE_NAME));
    if file.exists() && !args.force {
        return Err(
            UserError::usage(format!("{} already exists", file.display()))
                .with_hint("edit it, or pass --force to overwrite it")
                .into(),
        );
    }
    let root = file.parent().map(Path::to_path_buf).unwrap_or(cwd.clone());
    let prompter = crate::ui::prompter(g.args.yes, g.ci());
    let name = project_name(args, prompter.as_ref(), &root)?;
    let (mut found, skipped) = detect(&root);
    for s in &skipped {
        printer.warn(s);
    }
    if prompter.interactive() && !found.is_empty() && !confirm_detected(prompter.as_ref(), &found)?
    {
        found.clear();
    }
    let default_runtime = args.runtime.map(super::runtime_of).or_else(|| {
        let first = found.first().map(|d| d.runtime)?;
        found.iter().all(|d| d.runtime == first).then_some(first)
    });
    let text = render(&name, default_runtime, &found);
    hoist_core::fsx::write_atomic(&file, text.as_bytes())?;
    // Check what was written, so init never leaves a file that fails to
    // load; a function whose supabase/config.toml names a missing file
    // loads as broken, and the user is told why.
    let project = hoist_core::config::load(&file, &g.env)?;
    let (left_out, written): (Vec<&Detected>, Vec<&Detected>) =
        found.iter().partition(|d| d.left_out.is_some());
    for d in &left_out {
        if let Some(why) = &d.left_out {
            printer.warn(format!(
                "{}: function `{}` not added: {why}",
                file.display(),
                d.name
            ));
        }
    }
    warn_broken(&project, printer);
    report(&file, &project, &name, &left_out, &written, printer);
    Ok(())
}

/// The project's name: `--name`, else asked (defaulting to the directory's
/// name); refused unless it is a DNS label.
fn project_name(
    args: &InitArgs,
    prompter: &dyn crate::ui::Prompter,
    root: &Path,
) -> anyhow::Result<String> {
    let default_name = sanitize(
        root.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "app".into())
            .as_str(),
    );
    let name = match &args.name {
        Some(n) => n.clone(),
        None => prompter.input("Project name", &default_name)?,
    };
    if !config::is_dns_label(&name) {
        return Err(
            UserError::usage(format!("project name `{name}` is not a DNS label"))
                .with_hint("use lowercase letters, digits and '-', at most 63 characters")
                .into(),
        );
    }
    Ok(name)
}

/// Ask whether to add the detected functions (listed by name, runtime and
/// path).
fn confirm_detected(
    prompter: &dyn crate::ui::Prompter,
    found: &[Detected],
) -> anyhow::Result<bool> {
    let list: Vec<String> = found
        .iter()
        .map(|d| format!("{} ({}, {})", d.name, d.runtime.as_str(), d.path.display()))
        .collect();
    prompter.confirm(
        &format!(
            "Add {}?\n  {}\n",
            hoist_core::report::plural(found.len(), "detected function", "detected functions"),
            list.join("\n  ")
        ),
        true,
    )
}

/// Print what was written to `file`: the functions added (with their problems, in
/// JSON) and those left out, and what to do next when there are none.
fn report(
    file: &Path,
    project: &config::Project,
    name: &str,
    left_out: &[&Detected],
    written: &[&Detected],
    printer: &Printer,
) {
    if printer.json() {
        printer.json_doc(&json!({
            "file": file,
            "project": name,
            "functions": written.iter().map(|d| json!({
                "name": d.name, "runtime": d.runtime.as_str(), "path": d.path,
                "problems": project.broken.iter().find(|b| b.name == d.name).map(|b| &b.problems),
            })).collect::<Vec<_>>(),
            "not_added": left_out.iter().map(|d| json!({
                "name": d.name, "reason": d.left_out,
            })).collect::<Vec<_>>(),
        }));
    } else {
        printer.data(format!(
            "Wrote {} with {} function{}",
            file.display(),
            written.len(),
            if written.len() == 1 { "" } else { "s" }
        ));
        for d in written {
            printer.data(format!(
                "  {:<24} {:<8} {}",
                d.name,
                d.runtime.as_str(),
                d.path.display()
            ));
        }
        if written.is_empty() && left_out.is_empty() {
            printer.status(
                "Next",
                "add a function with `hoist new hello --runtime deno`",
            );
        }
    }
}

/// Tell the user which written functions cannot be used yet and why
/// (every problem of each), and what still works.
fn warn_broken(project: &hoist_core::config::Project, printer: &Printer) {
    for b in &project.broken {
        let lines = hoist_core::config::Problems {
            file: project.file.clone(),
            problems: b.problems.clone(),
        };
        printer.warn(format!(
            "function `{}` needs a fix before hoist can use it:\n{lines}",
            b.name
        ));
    }
    if !project.broken.is_empty() {
        printer.warn(format!(
            "commands naming other functions skip {} with a warning; commands over every function refuse until it is fixed",
            if project.broken.len() == 1 { "it" } else { "them" }
        ));
    }
}

/// Lowercase, non-label characters turned into '-', trimmed to 63.
pub(crate) fn sanitize(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(63);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "app".into()
    } else {
        s
    }
}

/// Look for functions: the Supabase layout as the Supabase CLI finds it
/// (`supabase/functions/<name>/index.ts` and `[functions.<name>]` in
/// supabase/config.toml, names `^[A-Za-z][A-Za-z0-9_-]*$`, each with the
/// import map it resolves to), then directories under `functions/`.
/// Returns the functions and notes about what was left out.
pub(crate) fn detect(root: &Path) -> (Vec<Detected>, Vec<String>) {
    let mut found: Vec<Detected> = Vec::new();
    let mut skipped = Vec::new();
    let supa = match config::supabase::load(root) {
        Ok(s) => s,
        Err(p) => {
            let file = p
                .file
                .clone()
                .unwrap_or_else(|| root.join("supabase/config.toml"));
            skipped.push(format!(
                "{}:{}: {} (functions listed only there are not detected)",
                file.display(),
                p.line.unwrap_or(0),
                p.message
            ));
            None
        }
    };
    let (supabase_fns, notes) = config::supabase::discover(root, supa.as_ref());
    skipped.extend(notes);
    for s in supabase_fns {
        let table = supa.as_ref().and_then(|c| c.functions.get(&s.name));
        found.push(supabase_function(root, s, supa.as_ref(), table));
    }
    let parent = "functions";
    let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
        return (found, skipped);
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Some(base) = dir.file_name().map(|n| n.to_string_lossy().to_string()) else {
            continue;
        };
        // Shared code (`_shared`): bundled where a function imports it.
        if base.starts_with('_') || base.starts_with('.') {
            continue;
        }
        let rel = Path::new(parent).join(&base);
        let Some((runtime, entrypoint)) = classify(&dir, false) else {
            skipped.push(format!(
                "skipped {}: no entrypoint hoist recognises",
                rel.display()
            ));
            continue;
        };
        if !config::valid_function_name(&base) {
            skipped.push(format!(
                "skipped {}: `{base}` is not a function name (a letter, then letters, digits, '_' and '-'); rename the directory or add it by hand",
                rel.display()
            ));
            continue;
        }
        if found.iter().any(|d: &Detected| d.name == base) {
            skipped.push(format!(
                "skipped {}: a function named `{base}` was already found",
                rel.display()
            ));
            continue;
        }
        let import_map = if runtime == Runtime::Deno {
            config::supabase::import_map_for(root, &dir, None)
                .map(|m| config::supabase::relative(&dir, &m))
        } else {
            None
        };
        found.push(Detected {
            name: base,
            path: rel,
            runtime,
            entrypoint,
            import_map,
            comments: Vec::new(),
            left_out: None,
        });
    }
    (found, skipped)
}

/// A function of the Supabase layout as hoist.yaml can hold it. What
/// supabase/config.toml says is written as a key only when hoist.yaml's
/// validator takes it: an entrypoint or import map naming a missing file,
/// or an entrypoint outside the function directory (hoist reads that from
/// config.toml itself), becomes a comment saying why.
fn supabase_function(
    root: &Path,
    s: config::supabase::Found,
    supa: Option<&config::supabase::SupabaseConfig>,
    table: Option<&config::supabase::FunctionToml>,
) -> Detected {
    let in_toml = |key: &str, value: &str, abs: &Path| {
        let shown = abs.strip_prefix(root).unwrap_or(abs).display().to_string();
        format!("{key}: `{value}` in supabase/config.toml ({shown})")
    };
    let toml_ep = table
        .and_then(|t| t.entrypoint.as_deref())
        .zip(supa)
        .map(|(ep, c)| (ep, config::normalize(&c.dir.join(ep))));
    let mut comments = Vec::new();
    let mut left_out = None;
    let dir = root.join(&s.path);
    let (path, entrypoint) = match &toml_ep {
        Some((ep, abs)) if !abs.is_file() => {
            let why = format!(
                "{}: the file does not exist",
                in_toml("entrypoint", ep, abs)
            );
            if !dir.is_dir() {
                left_out = Some(why.clone());
            }
            comments.push(format!("{why}; fix it there"));
            (s.path.clone(), None)
        }
        Some((ep, abs)) if !dir.is_dir() => {
            // The function lives where its entrypoint is.
            let parent = abs.parent().unwrap_or(root);
            let rel = parent.strip_prefix(root).unwrap_or(parent).to_path_buf();
            let file = abs
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| ep.to_string());
            (rel, (file != "index.ts").then_some(file))
        }
        Some((ep, abs)) if s.entrypoint.as_deref().is_some_and(|e| e.contains("..")) => {
            comments.push(format!(
                "{}: outside the function directory, so hoist reads it there",
                in_toml("entrypoint", ep, abs)
            ));
            (s.path.clone(), None)
        }
        _ => (s.path.clone(), s.entrypoint.clone()),
    };
    let fdir = root.join(&path);
    let import_map = match config::supabase::import_map_for(root, &fdir, table) {
        Some(m) if m.is_file() => Some(config::supabase::relative(&fdir, &m)),
        Some(m) => {
            let named = table.and_then(|t| t.import_map.as_deref()).unwrap_or("");
            comments.push(format!(
                "{}: the file does not exist; fix it there",
                in_toml("import_map", named, &m)
            ));
            None
        }
        None => None,
    };
    Detected {
        name: s.name,
        path,
        runtime: Runtime::Deno,
        entrypoint,
        import_map,
        comments,
        left_out,
    }
}

/// The runtime and (non-default) entrypoint of a function directory.
fn classify(dir: &Path, supabase: bool) -> Option<(Runtime, Option<String>)> {
    let has = |f: &str| dir.join(f).is_file();
    if has("pubspec.yaml") {
        return Some((
            Runtime::Dart,
            (!has("bin/main.dart")).then(|| first_dart(dir)).flatten(),
        ));
    }
    if supabase || has("deno.json") || has("deno.jsonc") {
        // edge-runtime serves the function directory's index file.
        for ep in ["index.ts", "index.tsx", "index.js", "index.jsx"] {
            if has(ep) {
                return Some((Runtime::Deno, (ep != "index.ts").then(|| ep.to_string())));
            }
        }
    }
    if has("bunfig.toml") || has("bun.lockb") || has("bun.lock") {
        for ep in ["index.ts", "index.js", "src/index.ts"] {
            if has(ep) {
                return Some((Runtime::Bun, (ep != "index.ts").then(|| ep.to_string())));
            }
        }
    }
    if has("package.json") {
        let main = std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("main").and_then(|m| m.as_str()).map(str::to_string));
        let ep = main.filter(|m| has(m)).or_else(|| {
            ["index.js", "src/index.js", "dist/index.js", "server.js"]
                .into_iter()
                .find(|e| has(e))
                .map(str::to_string)
        })?;
        // Written out (so hoist.yaml shows it) unless it is the plain default.
        return Some((Runtime::Node, (ep != "index.js").then_some(ep)));
    }
    if has("Dockerfile") {
        return Some((Runtime::Dockerfile, None));
    }
    if has("index.ts") {
        return Some((Runtime::Deno, None));
    }
    None
}

fn first_dart(dir: &Path) -> Option<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir.join("bin"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".dart"))
        .collect();
    files.sort();
    files.first().map(|f| format!("bin/{f}"))
}

/// The commented hoist.yaml text. Every commented key block in it parses
/// when uncommented (tests/it/commands.rs checks each one).
pub(crate) fn render(name: &str, default_runtime: Option<Runtime>, found: &[Detected]) -> String {
    let mut s = String::new();
    s.push_str("# hoist.yaml: what hoist bundles, builds and deploys.\n");
    s.push_str(
        "# Every key is described in docs/config.md; `hoist config validate` checks this file.\n\n",
    );
    s.push_str(&format!("# Project name: prefixes image repositories and app names on targets.\nproject: {name}\n\n"));
    s.push_str("# Settings every function inherits unless it sets its own.\ndefaults:\n");
    match default_runtime {
        Some(r) => s.push_str(&format!("  runtime: {}\n", r.as_str())),
        None => s.push_str("  # runtime: deno          # deno | bun | node | dart | dockerfile\n"),
    }
    s.push_str(
        "  # version: content       # content (bundle digest) | git (commit) | a fixed tag\n",
    );
    s.push_str("  resources:\n");
    s.push_str("    memory_mb: 256\n    timeout_seconds: 30\n");
    s.push_str("    # cpus: 1\n    # max_concurrent: 10\n    # warm_workers: 0\n");
    s.push_str("  # env:                   # plain values; ${VAR} reads your environment\n");
    s.push_str("  #   LOG_LEVEL: info\n\n");
    s.push_str("# One entry per function; the key is its name (a letter, then letters, digits, '_', '-').\n");
    if found.is_empty() {
        // `functions:` with nothing under it is an empty map; the example
        // below it parses as it is once uncommented (a test checks).
        s.push_str("functions:\n");
        s.push_str(config::HELLO_EXAMPLE);
    } else {
        s.push_str("functions:\n");
        for d in found {
            if let Some(why) = &d.left_out {
                s.push_str(&format!("  # {}: not added: {why}\n", d.name));
                continue;
            }
            s.push_str(&format!("  {}:\n    path: {}\n", d.name, d.path.display()));
            for c in &d.comments {
                s.push_str(&format!("    # {c}\n"));
            }
            let label = config::dns_label(&d.name);
            if label != d.name {
                s.push_str(&format!("    # DNS label (image repository): {label}\n"));
            }
            if default_runtime != Some(d.runtime) {
                s.push_str(&format!("    runtime: {}\n", d.runtime.as_str()));
            }
            if let Some(ep) = &d.entrypoint {
                s.push_str(&format!("    entrypoint: {ep}\n"));
            }
            if let Some(m) = &d.import_map {
                s.push_str(&format!("    import_map: {m}\n"));
            }
        }
    }
    s.push_str(
        "\n# Bundles larger than this (compressed) are refused.\nbundle:\n  limit_mb: 50\n\n",
    );
    s.push_str("# Where archives and release manifests go: a local directory by default.\n");
    s.push_str("storage:\n  backend: local           # local | s3 (then set s3: below)\n");
    s.push_str("  # path: .hoist/store\n");
    s.push_str("  # s3: { bucket: my-artifacts, region: us-east-1, endpoint: https://s3.example.com, path_style: true }\n\n");
    s.push_str(
        "# Where images go: a local OCI layout under .hoist/oci unless a registry is set.\n",
    );
    s.push_str("# registry:\n#   url: registry.fly.io\n\n");
    s.push_str("# Control planes to deploy to.\n");
    s.push_str("# targets:\n#   fly: { org: personal, region: ams }\n#   selfhosted: { url: https://functions.example.com }\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_directory_names() {
        assert_eq!(sanitize("My_App"), "my-app");
        assert_eq!(sanitize("--"), "app");
    }
}
