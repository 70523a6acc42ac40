//! `hoist bundle`: bundle each selected function into
//! `.hoist/bundles/<fn>/<sha256>.tar.gz` and print the digests; with `-v`
//! (as text, or as `modules` in `--output json`) each deno function's
//! module graph too: every module, its imports with their kind and where
//! they led, and the graph's warnings (always in the JSON).

use serde_json::json;

use crate::cli::BundleArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::bundle::graph::Plan;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &BundleArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let graphs = super::check_graphs(&project, &functions, args.allow_unresolved)?;
    let mut rows = Vec::new();
    let mut docs = Vec::new();
    let mut listed = Vec::new();
    for f in functions {
        let out = super::cpu(|| hoist_core::release::bundle_one(&project, f, &graphs, printer))?;
        let plan = hoist_core::release::steps::function_plan(&project, f, &graphs)?;
        rows.push(vec![
            f.name.to_string(),
            out.manifest.digest.clone(),
            hoist_core::report::human_bytes(out.manifest.compressed_size),
            out.manifest.file_count.to_string(),
        ]);
        let mut warnings: Vec<String> = plan.iter().flat_map(|p| p.warnings.clone()).collect();
        warnings.extend(out.warnings.iter().cloned());
        docs.push(json!({
            "function": f.name,
            "digest": hoist_core::digest::prefixed(&out.manifest.digest),
            "archive": out.archive,
            "manifest": out.manifest_path,
            "compressed_size": out.manifest.compressed_size,
            "total_size": out.manifest.total_size,
            "file_count": out.manifest.file_count,
            "cached": out.cached,
            // Large (every import of every module): asked for with -v.
            "modules": plan.as_ref().filter(|_| printer.level >= 1).map(modules_json),
            "warnings": warnings,
        }));
        if let Some(p) = plan {
            listed.push((f.name.clone(), p));
        }
    }
    let (parsed, took) = graphs.parse_stats();
    if parsed > 0 {
        printer.debug(format!(
            "module graphs: {parsed} files parsed in {:.1} ms",
            took.as_secs_f64() * 1000.0
        ));
    }
    if printer.json() {
        printer.json_doc(&json!(docs));
    } else {
        printer.data(table(
            &["FUNCTION", "DIGEST (sha256)", "SIZE", "FILES"],
            &rows,
        ));
        if printer.level >= 1 {
            for (name, p) in &listed {
                printer.data(listing(name, p));
            }
        }
    }
    Ok(())
}

/// A plan's modules as JSON: path, then each import's specifier, kind,
/// position and targets.
fn modules_json(p: &Plan) -> serde_json::Value {
    let modules: Vec<serde_json::Value> = p
        .modules
        .iter()
        .map(|m| {
            let imports: Vec<serde_json::Value> = m
                .imports
                .iter()
                .map(|e| {
                    json!({
                        "specifier": e.specifier,
                        "kind": e.kind.name(),
                        "line": e.line,
                        "column": e.column,
                        "targets": e.targets,
                    })
                })
                .collect();
            json!({ "path": m.path, "imports": imports })
        })
        .collect();
    json!(modules)
}

/// The `-v` listing of one function's graph.
fn listing(name: &str, p: &Plan) -> String {
    let mut out = format!(
        "\n{name}: {} modules, {} remote\n",
        p.modules.len(),
        p.remote.len()
    );
    for m in p.modules.iter() {
        out.push_str(&format!("  {}\n", m.path));
        for e in m.imports.iter() {
            let to = match (e.targets.as_slice(), e.kind.is_runtime()) {
                (_, false) => "(not followed: erased before the code runs)".to_string(),
                ([], true) => "(nothing bundled; see the warnings)".to_string(),
                (t, true) => format!("→ {}", t.join(", ")),
            };
            out.push_str(&format!(
                "    {:<8} {:<11} {} {to}\n",
                format!("{}:{}", e.line, e.column),
                e.kind.name(),
                e.specifier
            ));
        }
    }
    if !p.warnings.is_empty() {
        out.push_str("  warnings:\n");
        for w in &p.warnings {
            out.push_str(&format!("    {w}\n"));
        }
    }
    out
}
