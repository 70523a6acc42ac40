//! `hoist bundle`: bundle each selected function into
//! `.hoist/bundles/<fn>/<sha256>.tar.gz` and print the digests.

use serde_json::json;

use crate::bundle::{BundleOptions, BundleOutput};
use crate::cli::{BundleArgs, GlobalArgs};
use crate::config::{Function, Project};
use crate::ui::{table, Printer};

pub fn run(g: &GlobalArgs, args: &BundleArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = project.select(&args.functions)?;
    let mut rows = Vec::new();
    let mut docs = Vec::new();
    for f in functions {
        let out = bundle_one(&project, f, printer)?;
        rows.push(vec![
            f.name.clone(),
            out.manifest.digest.clone(),
            super::human_bytes(out.manifest.compressed_size),
            out.manifest.file_count.to_string(),
        ]);
        docs.push(json!({
            "function": f.name,
            "digest": format!("sha256:{}", out.manifest.digest),
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

/// Bundle one function with the project's settings.
pub fn bundle_one(
    project: &Project,
    f: &Function,
    printer: &Printer,
) -> anyhow::Result<BundleOutput> {
    let opts = BundleOptions {
        limit_bytes: project.config.bundle.limit_mb.saturating_mul(1024 * 1024),
        mtime: super::source_date_epoch()?,
        include: f.include.clone(),
        exclude: f.exclude.clone(),
        keep_node_modules: f.runtime.bundles_node_modules(),
        threads: 0,
        cache: crate::bundle::cache::enabled(),
        ignore_root: Some(project.root.clone()),
        required: required_files(f),
    };
    let out_dir = project.state_dir().join("bundles").join(&f.name);
    printer.status("Bundling", format!("{} ({})", f.name, f.path.display()));
    let out = crate::bundle::bundle_dir(&f.name, &f.dir, &out_dir, &opts)?;
    if out.cached {
        printer.debug(format!(
            "{}: no file changed since the last bundle, reusing {}",
            f.name,
            out.archive.display()
        ));
    } else {
        printer.debug(format!("{} -> {}", f.name, out.archive.display()));
    }
    Ok(out)
}

/// The files a function cannot start without: its entrypoint and import map
/// (a `dockerfile` function says what it needs in its own Dockerfile).
fn required_files(f: &Function) -> Vec<String> {
    if f.runtime == crate::config::Runtime::Dockerfile {
        return Vec::new();
    }
    let mut out = vec![f.entrypoint.clone()];
    out.extend(f.import_map.clone());
    out
}
