//! `hoist build`: build each function's context, Dockerfile and image
//! (src/release/image.rs) and print what was built. One function failing
//! does not stop the others: every result is printed (table or JSON), each
//! failure is reported on stderr, and the exit code says some failed
//! (docs/exit-codes.md).

use serde_json::json;

use crate::cli::BuildArgs;
use crate::context::Context;
use crate::error::{Exit, UserError};
use crate::ui::{table, Printer};
use hoist_core::release::image::Built;

/// Each function's (or the project image's) name and what its build gave.
type Results = Vec<(String, Result<Built, anyhow::Error>)>;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &BuildArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let graphs = super::check_graphs(&project, &functions, args.allow_unresolved)?;
    let mut results = build_all(&project, &functions, args, &graphs, printer).await?;
    let built: Vec<&Built> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .collect();
    hoist_core::release::image::report_skipped(&built, printer);
    // A single function keeps its own error (and exit code) as it is.
    if results.len() == 1 && results[0].1.is_err() {
        return results.remove(0).1.map(|_| ());
    }
    print_results(&results, &project.root, printer);
    failures(&results, printer)
}

/// Build every selected function, and the project image when it serves
/// some of them; one failing does not stop the others. An interrupt
/// stops them all and is the error.
async fn build_all(
    project: &hoist_core::config::Project,
    functions: &[&hoist_core::config::Function],
    args: &BuildArgs,
    graphs: &hoist_core::release::steps::Graphs,
    printer: &Printer,
) -> anyhow::Result<Results> {
    let mut results: Results = Vec::new();
    // A base registry found unreachable is not asked again by this command.
    let reach = hoist_core::image::oci::base::Reachability::default();
    // `supabase: { image: project }`: the deno functions share one image.
    let project_image = hoist_core::release::project::enabled(project)
        && functions
            .iter()
            .any(|f| hoist_core::release::project::serves(project, f));
    for f in functions {
        if hoist_core::release::project::serves(project, f) {
            continue;
        }
        let res = hoist_core::release::image::build(
            project,
            f,
            args.builder.map(crate::cli::BuilderArg::choice),
            &args.platform,
            &reach,
            graphs,
            printer,
        )
        .await;
        if interrupted(&res) {
            return res.map(|_| Vec::new());
        }
        results.push((f.name.to_string(), res));
    }
    if project_image {
        let res = hoist_core::release::project::build(
            project,
            args.builder.map(crate::cli::BuilderArg::choice),
            &args.platform,
            &reach,
            graphs,
            printer,
        )
        .await;
        if interrupted(&res) {
            return res.map(|_| Vec::new());
        }
        results.push((project.config.project.clone(), res));
    }
    Ok(results)
}

/// Print every result: a JSON document each (a failure as its error's),
/// or one table.
fn print_results(results: &Results, root: &std::path::Path, printer: &Printer) {
    if printer.json() {
        let docs: Vec<serde_json::Value> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(b) => json!(b),
                Err(e) => {
                    let mut doc = crate::error::to_json(e).unwrap_or_else(|| json!({}));
                    doc["function"] = json!(name);
                    doc
                }
            })
            .collect();
        printer.json_doc(&json!(docs));
    } else {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|(name, r)| match r {
                Ok(b) => row(b, root),
                Err(_) => vec![
                    name.clone(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "failed".into(),
                ],
            })
            .collect();
        printer.data(table(
            &["FUNCTION", "VERSION", "BUNDLE", "DOCKERFILE", "IMAGE"],
            &rows,
        ));
    }
}

/// Report each failure on stderr, then fail with one error naming them
/// all; `Ok` when none failed.
fn failures(results: &Results, printer: &Printer) -> anyhow::Result<()> {
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| n.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    for (name, r) in results {
        if let Err(e) = r {
            printer.error(&crate::error::render_of(e, printer.color, Some(name)));
        }
    }
    let mut err = UserError::failure(format!(
        "{} of {} functions failed to build: {}",
        failed.len(),
        results.len(),
        failed.join(", ")
    ))
    .with_hint("the others were built; their results are listed above");
    if printer.json() {
        err = err.reported();
    }
    Err(err.into())
}

/// A table row for a function that built (its image maybe skipped).
fn row(b: &Built, root: &std::path::Path) -> Vec<String> {
    vec![
        b.function.clone(),
        b.version.clone(),
        b.bundle_digest.chars().take(19).collect(),
        b.dockerfile
            .strip_prefix(root)
            .unwrap_or(&b.dockerfile)
            .display()
            .to_string(),
        match (&b.image, &b.image_skipped) {
            (Some(i), _) => i.digest.chars().take(19).collect(),
            (None, Some(_)) => "not built".into(),
            (None, None) => "-".into(),
        },
    ]
}

/// Whether a build ended because the user interrupted it: then nothing
/// else is built.
fn interrupted<T>(res: &anyhow::Result<T>) -> bool {
    res.as_ref()
        .is_err_and(|e| crate::error::exit_code(e) == Exit::Interrupted)
}
