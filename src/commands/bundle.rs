//! `hoist bundle`: bundle each selected function into
//! `.hoist/bundles/<fn>/<sha256>.tar.gz` and print the digests.

use serde_json::json;

use crate::cli::BundleArgs;
use crate::context::Context;
use crate::ui::{table, Printer};

pub fn run(g: &Context<'_>, args: &BundleArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let graphs = super::check_graphs(&project, &functions, args.allow_unresolved)?;
    let mut rows = Vec::new();
    let mut docs = Vec::new();
    for f in functions {
        let out = hoist_core::release::bundle_one(&project, f, &graphs, printer)?;
        rows.push(vec![
            f.name.clone(),
            out.manifest.digest.clone(),
            hoist_core::report::human_bytes(out.manifest.compressed_size),
            out.manifest.file_count.to_string(),
        ]);
        docs.push(json!({
            "function": f.name,
            "digest": hoist_core::digest::prefixed(&out.manifest.digest),
            "archive": out.archive,
            "manifest": out.manifest_path,
            "compressed_size": out.manifest.compressed_size,
            "total_size": out.manifest.total_size,
            "file_count": out.manifest.file_count,
            "cached": out.cached,
        }));
    }
    if printer.json() {
        printer.json_doc(&json!(docs));
    } else {
        printer.data(table(
            &["FUNCTION", "DIGEST (sha256)", "SIZE", "FILES"],
            &rows,
        ));
    }
    Ok(())
}
