//! `hoist config validate` (every problem, with its line) and
//! `hoist config show` (the resolved configuration, secret-looking values
//! masked).

use serde_json::{json, Value};

use crate::cli::ConfigCommand;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::config::{self, Project};

pub(crate) async fn run(
    g: &Context<'_>,
    cmd: &ConfigCommand,
    printer: &Printer,
) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Validate { allow_unresolved } => validate(g, *allow_unresolved, printer),
        ConfigCommand::Show => show(g, printer),
    }
}

fn validate(g: &Context<'_>, allow_unresolved: bool, printer: &Printer) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let file = config::discover(g.args.config.as_deref(), &cwd)?;
    match config::check(&file, &g.env)? {
        Ok(project) => {
            let all: Vec<&config::Function> = project.functions.iter().collect();
            let graphs = hoist_core::release::steps::Graphs::new(allow_unresolved);
            let graph_warnings =
                super::cpu(|| hoist_core::release::steps::check_graphs(&project, &all, &graphs))?;
            for w in &graph_warnings {
                printer.warn(w);
            }
            for note in hoist_core::targets::check(&project)? {
                printer.warn(note);
            }
            if printer.json() {
                printer.json_doc(&json!({
                    "file": project.file,
                    "valid": true,
                    "functions": project.functions.len(),
                    "problems": [],
                    "warnings": project.warnings,
                }));
            } else {
                for w in &project.warnings {
                    let at = w.line_suffix();
                    printer.warn(format!("{}{at}: {}", project.file.display(), w.message));
                }
                printer.data(format!(
                    "{} is valid: {} function{}",
                    project.file.display(),
                    project.functions.len(),
                    if project.functions.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ));
            }
            Ok(())
        }
        Err(err) => {
            let count = err.problems.len();
            if printer.json() {
                printer.json_doc(&json!({
                    "file": err.file,
                    "valid": false,
                    "problems": err.problems,
                }));
                Err(UserError::usage(format!(
                    "{} has {count} problem{}",
                    err.file.display(),
                    if count == 1 { "" } else { "s" }
                ))
                .reported()
                .into())
            } else {
                Err(err.into_error())
            }
        }
    }
}

/// Whether an env key names something that should not be shown.
pub(crate) fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "KEY",
        "CREDENTIAL",
        "PRIVATE",
        "AUTH",
        "DSN",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn masked_env(env: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        env.iter()
            .map(|(k, v)| {
                let shown = if looks_secret(k) || v.contains("://") && v.contains('@') {
                    "****".to_string()
                } else {
                    v.clone()
                };
                (k.clone(), Value::String(shown))
            })
            .collect(),
    )
}

/// The resolved configuration as JSON, masked.
pub(crate) fn resolved(project: &Project) -> anyhow::Result<Value> {
    let functions: Vec<Value> = project
        .functions
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("env".into(), masked_env(&f.env));
                obj.insert("path".into(), json!(f.path));
                obj.remove("dir");
                obj.remove("entry_file");
                let rel =
                    |p: &std::path::Path| p.strip_prefix(&project.root).unwrap_or(p).to_path_buf();
                obj.insert(
                    "import_map_file".into(),
                    json!(f.import_map_file.as_deref().map(rel)),
                );
                obj.insert(
                    "static_files".into(),
                    json!(f.static_files.iter().map(|p| rel(p)).collect::<Vec<_>>()),
                );
            }
            v
        })
        .collect();
    let c = &project.config;
    Ok(json!({
        "file": project.file,
        "project": c.project,
        "functions": functions,
        "bundle": c.bundle,
        "templates": c.templates,
        "storage": c.storage,
        "registry": c.registry,
        "builder": c.builder,
        "targets": c.targets,
    }))
}

fn show(g: &Context<'_>, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    project.all_usable()?;
    let doc = resolved(&project)?;
    if printer.json() {
        printer.json_doc(&doc);
    } else {
        printer.data(serde_yaml_ng::to_string(&doc)?);
    }
    Ok(())
}
