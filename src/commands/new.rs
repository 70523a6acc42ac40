//! `hoist new <name> --runtime X`: scaffold a working function from
//! `templates/functions/<runtime>/` and add it to hoist.yaml, keeping the
//! file's comments. Either both happen or neither does.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::NewArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::config::{self, Runtime};

pub(crate) async fn run(g: &Context<'_>, args: &NewArgs, printer: &Printer) -> anyhow::Result<()> {
    let name = &args.name;
    check_name(name)?;
    let runtime = super::runtime_of(args.runtime);
    let project = super::project(g, printer)?;
    let rel = destination(&project, args, runtime)?;
    let dir = project.root.join(&rel);

    // Render every file first, so a template problem writes nothing.
    let mut files = Vec::new();
    for (path, text) in hoist_core::image::scaffold_files(runtime) {
        files.push((
            dir.join(path),
            hoist_core::image::render_scaffold(text, name)?,
        ));
    }
    let new_yaml = add_function(
        &project.source,
        name,
        &rel,
        runtime,
        project.config.defaults.runtime,
    )
    .map_err(|why| {
        UserError::usage(why).with_hint(format!(
            "write `functions:` as a block (one `name:` per line below it), or add `{name}` to {} by hand",
            project.file.display()
        ))
    })?;

    let created_dir = !dir.exists();
    if let Err(e) = write_function(&project, name, &files, &new_yaml) {
        let written = files.iter().map(|(path, _)| path.as_path());
        undo(created_dir.then_some(dir.as_path()), written, printer);
        return Err(e);
    }
    let needs_builder = note_builder(&g.env, name, runtime, printer);
    let targets = note_targets(name, runtime, printer);
    if printer.json() {
        printer.json_doc(&json!({
            "targets": targets,
            "needs_external_builder": needs_builder,
            "function": name,
            "runtime": runtime.as_str(),
            "path": rel,
            "files": files.iter().map(|(p, _)| p.strip_prefix(&project.root).unwrap_or(p).to_path_buf()).collect::<Vec<_>>(),
            "config": project.file,
        }));
    } else {
        printer.data(format!(
            "Created {name} ({}) in {}",
            runtime.as_str(),
            rel.display()
        ));
        for (p, _) in &files {
            printer.data(format!(
                "  {}",
                p.strip_prefix(&project.root).unwrap_or(p).display()
            ));
        }
        printer.status("Next", format!("hoist build {name}"));
    }
    Ok(())
}

/// Refuse a name hoist.yaml (and Supabase) would not take.
fn check_name(name: &str) -> anyhow::Result<()> {
    if !config::valid_function_name(name) {
        return Err(
            UserError::usage(format!("`{name}` is not a valid function name"))
                .with_hint(
                    "start with a letter, then letters, digits, '_' and '-' (as Supabase allows), at most 128",
                )
                .into(),
        );
    }
    Ok(())
}

/// Where the new function goes, relative to the project root: `--path`, or
/// the default for its runtime. Refused when the name is taken, the path
/// leaves the project, or the directory already holds something.
fn destination(
    project: &config::Project,
    args: &NewArgs,
    runtime: Runtime,
) -> anyhow::Result<PathBuf> {
    let name = &args.name;
    if project.config.functions.contains_key(name) {
        return Err(UserError::usage(format!(
            "a function named `{name}` already exists in {}",
            project.file.display()
        ))
        .into());
    }
    let rel = args
        .path
        .clone()
        .unwrap_or_else(|| default_path(&project.root, name, runtime));
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(UserError::usage(format!(
            "--path {} leaves the project: a function lives below the directory of {}",
            rel.display(),
            project.file.display()
        ))
        .into());
    }
    let dir = project.root.join(&rel);
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            UserError::usage(format!("{} already exists and is not empty", dir.display()))
                .with_hint("choose another name or --path")
                .into(),
        );
    }
    Ok(rel)
}

/// Write the scaffolded `files`, then hoist.yaml as `new_yaml` once that
/// text is known to load with `name` in it. On an error the caller takes
/// back what was written ([`undo`]).
fn write_function(
    project: &config::Project,
    name: &str,
    files: &[(PathBuf, String)],
    new_yaml: &str,
) -> anyhow::Result<()> {
    for (path, text) in files {
        hoist_core::fsx::write_atomic(path, text.as_bytes())?;
    }
    // Load the new text before replacing hoist.yaml, so a bad edit never lands.
    let tmp = tempfile::Builder::new()
        .prefix(".hoist-new-")
        .suffix(".yaml")
        .tempfile_in(&project.root)?;
    std::fs::write(tmp.path(), new_yaml)?;
    config::load(tmp.path(), &project.env)
        .and_then(|p| p.select(&[name.to_string()]).map(|_| ()))
        .map_err(|e| {
            anyhow::Error::from(
                UserError::usage(format!(
                    "hoist new could not add `{name}` to {} without breaking it; nothing was changed",
                    project.file.display()
                ))
                .with_hint("add the function by hand (see docs/config.md)"),
            )
            .context(format!("{e:#}"))
        })?;
    hoist_core::fsx::write_atomic(&project.file, new_yaml.as_bytes())
}

/// Say, for a runtime whose Dockerfile hoist's native builder cannot build,
/// which external builder it needs; whether it needs one.
fn note_builder(
    env: &hoist_core::env::Env,
    name: &str,
    runtime: Runtime,
    printer: &Printer,
) -> bool {
    // Said now rather than at the first `hoist build`: the dart Dockerfile
    // runs `dart pub get` and `dart compile exe`, which hoist's native
    // builder cannot, so it needs an external one.
    let needs_builder = runtime == Runtime::Dart;
    if needs_builder {
        let why = format!(
            "{name}: its Dockerfile runs `dart pub get` and `dart compile exe`, so `hoist build` needs buildah, podman or docker"
        );
        match hoist_core::image::oci::external::detect(env) {
            Some(t) => printer.status("Note", format!("{why} ({} is installed)", t.name())),
            None => printer.warn(format!(
                "{why}, and none is installed: {}",
                hoist_core::image::oci::external::install_hint()
            )),
        }
    }
    needs_builder
}

/// Which targets can run `runtime`, said when not all of them can, before
/// the first deploy would find out.
fn note_targets(name: &str, runtime: Runtime, printer: &Printer) -> Vec<&'static str> {
    let targets = hoist_core::targets::kinds_running(runtime.as_str());
    if targets.len() < hoist_core::targets::KINDS.len() {
        printer.status(
            "Note",
            format!(
                "{name}: {} functions deploy to {} only (the self-hosted backend runs {})",
                runtime.as_str(),
                targets.join(", "),
                hoist_core::targets::selfhosted::RUNTIMES.join(", ")
            ),
        );
    }
    targets
}

/// Take back what a failed `hoist new` wrote: the directory it created,
/// or else the files it wrote into an existing one. What cannot be removed
/// is said, as it is left behind.
fn undo<'a>(created: Option<&Path>, files: impl Iterator<Item = &'a Path>, printer: &Printer) {
    let res: Vec<anyhow::Result<()>> = match created {
        Some(dir) => vec![hoist_core::fsx::remove_dir_all(dir)],
        None => files.map(hoist_core::fsx::remove_file).collect(),
    };
    for e in res.into_iter().filter_map(Result::err) {
        printer.warn(format!("{e:#}; it is left behind"));
    }
}

fn default_path(root: &Path, name: &str, runtime: Runtime) -> PathBuf {
    if runtime == Runtime::Deno && root.join("supabase/functions").is_dir() {
        PathBuf::from("supabase/functions").join(name)
    } else {
        PathBuf::from("functions").join(name)
    }
}

/// Insert a function entry into hoist.yaml's text, keeping everything else
/// (comments included) as it was.
/// `Err` (with what to do) when the map is not written in block style.
pub(crate) fn add_function(
    source: &str,
    name: &str,
    path: &Path,
    runtime: Runtime,
    default: Option<Runtime>,
) -> Result<String, String> {
    // The commented example `hoist init` left under an empty `functions:`
    // goes once there is a real function.
    let without_example = source.replacen(hoist_core::config::HELLO_EXAMPLE, "", 1);
    let source = without_example.as_str();
    let lines: Vec<&str> = source.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("functions:"));
    // Entries keep the indentation the file already uses.
    let unit = header
        .and_then(|h| {
            lines.iter().skip(h + 1).find_map(|l| {
                let t = l.trim_start_matches(' ');
                let n = l.len() - t.len();
                (n > 0 && !t.is_empty() && !t.starts_with('#')).then_some(n)
            })
        })
        .unwrap_or(2);
    let (one, two) = (" ".repeat(unit), " ".repeat(unit * 2));
    let mut entry = format!("{one}{name}:\n{two}path: {}\n", path.display());
    if default != Some(runtime) {
        entry.push_str(&format!("{two}runtime: {}\n", runtime.as_str()));
    }
    if let Some(h) = header {
        let rest = lines[h]["functions:".len()..]
            .split(" #")
            .next()
            .unwrap_or("")
            .trim();
        if !rest.is_empty() && rest != "{}" {
            return Err(format!(
                "hoist.yaml writes `functions:` on one line (`{}`); `hoist new` only adds to a block map",
                lines[h].trim()
            ));
        }
    }
    let Some(h) = header else {
        let mut out = source.to_string();
        if !out.ends_with('\n') && !out.is_empty() {
            out.push('\n');
        }
        out.push_str("functions:\n");
        out.push_str(&entry);
        return Ok(out);
    };
    let mut out: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == h {
            // `functions: {}` or `functions:` (with an optional comment).
            out.push("functions:".to_string());
            continue;
        }
        out.push((*l).to_string());
    }
    // The block ends at the next line that starts at column 0 and is not a
    // comment; insert before it (and before comments directly above it).
    let mut end = out.len();
    for (i, l) in out.iter().enumerate().skip(h + 1) {
        if !l.is_empty() && !l.starts_with(' ') && !l.starts_with('#') {
            end = i;
            break;
        }
    }
    let mut insert_at = end;
    while insert_at > h + 1
        && (out[insert_at - 1].trim().is_empty() || out[insert_at - 1].starts_with('#'))
    {
        insert_at -= 1;
    }
    let mut result = out[..insert_at].join("\n");
    result.push('\n');
    result.push_str(&entry);
    if insert_at < out.len() {
        result.push_str(&out[insert_at..].join("\n"));
        result.push('\n');
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_to_an_empty_map_and_keeps_comments() {
        let src = "project: p\n# the functions\nfunctions: {}\n#  hello:\n\n# storage\nstorage:\n  backend: local\n";
        let out = add_function(src, "api", Path::new("functions/api"), Runtime::Bun, None).unwrap();
        assert_eq!(
            out,
            "project: p\n# the functions\nfunctions:\n  api:\n    path: functions/api\n    runtime: bun\n#  hello:\n\n# storage\nstorage:\n  backend: local\n"
        );
    }

    #[test]
    fn appends_after_existing_functions() {
        let src = "project: p\nfunctions:\n  a:\n    path: functions/a\n";
        let out = add_function(
            src,
            "b",
            Path::new("functions/b"),
            Runtime::Deno,
            Some(Runtime::Deno),
        )
        .unwrap();
        assert_eq!(
            out,
            "project: p\nfunctions:\n  a:\n    path: functions/a\n  b:\n    path: functions/b\n"
        );
    }

    #[test]
    fn keeps_the_indentation_and_refuses_flow_maps() {
        let src = "project: p\nfunctions:\n    a:\n        path: functions/a\n";
        let out = add_function(src, "b", Path::new("functions/b"), Runtime::Deno, None).unwrap();
        assert!(
            out.ends_with("    b:\n        path: functions/b\n        runtime: deno\n"),
            "{out}"
        );
        let flow = "project: p\nfunctions: {a: {path: functions/a}}\n";
        assert!(add_function(flow, "b", Path::new("functions/b"), Runtime::Deno, None).is_err());
    }
}
