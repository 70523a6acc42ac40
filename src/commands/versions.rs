//! `hoist versions <function>`: the versions of a function in the artifact
//! store, newest first, as a table or JSON. Keys in the store are the truth;
//! the per-function index only saves reading every manifest.

use serde_json::json;

use crate::cli::{GlobalArgs, VersionsArgs};
use crate::storage::{layout, release, OpenOptions};
use crate::ui::{table, Printer};

pub fn run(g: &GlobalArgs, args: &VersionsArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    layout::check_function(&args.function)?;
    let store = crate::storage::open(
        &project,
        &OpenOptions {
            profile: args.store.profile.clone(),
        },
        printer,
    )?;
    let mut versions = release::list_versions(store.as_ref(), &args.function)?;
    versions.reverse();
    let at = store.url(&layout::function_dir(&args.function));
    if printer.json() {
        printer.json_doc(&json!({
            "function": args.function,
            "store": store.kind(),
            "url": at,
            "versions": versions,
        }));
        return Ok(());
    }
    if versions.is_empty() {
        printer.warn(format!("no versions of {} in {at}", args.function));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            vec![
                v.version.clone(),
                v.created_at.clone(),
                v.bundle_digest.chars().take(19).collect(),
                crate::ui::human_bytes(v.size),
                v.image_digest
                    .as_deref()
                    .map(|d| d.chars().take(19).collect())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    printer.data(table(
        &["VERSION", "CREATED", "BUNDLE", "SIZE", "IMAGE"],
        &rows,
    ));
    Ok(())
}
