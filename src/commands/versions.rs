//! `hoist versions [function]`: the versions of a function in the artifact
//! store (of every function in hoist.yaml when none is named), newest
//! first, as a table or JSON. Keys in the store are the truth; the
//! per-function index only saves reading every manifest.

use serde_json::json;

use crate::cli::VersionsArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::storage::{layout, release, OpenOptions};

pub(crate) async fn run(
    g: &Context<'_>,
    args: &VersionsArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let names: Vec<String> = match &args.function {
        Some(f) => vec![f.clone()],
        None => project
            .select(&[])?
            .iter()
            .map(|f| f.name.to_string())
            .collect(),
    };
    for n in &names {
        layout::check_function(n)?;
    }
    let store = hoist_core::storage::open(
        &project,
        &OpenOptions {
            profile: args.store.profile.clone(),
        },
        printer,
    )
    .await?;
    let mut listed = Vec::new();
    for name in &names {
        let mut versions = release::list_versions(store.as_ref(), name).await?;
        versions.reverse();
        listed.push((name, store.url(&layout::function_dir(name)), versions));
    }
    if printer.json() {
        let mut docs: Vec<serde_json::Value> = listed
            .iter()
            .map(|(name, at, versions)| {
                json!({"function": name, "store": store.kind(), "url": at, "versions": versions})
            })
            .collect();
        // One function named: its document; none named: a list, one per function.
        if args.function.is_some() && docs.len() == 1 {
            printer.json_doc(&docs.remove(0));
        } else {
            printer.json_doc(&json!(docs));
        }
        return Ok(());
    }
    let all = args.function.is_none();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (name, at, versions) in &listed {
        if versions.is_empty() {
            printer.warn(format!("no versions of {name} in {at}"));
        }
        for v in versions {
            let mut row = vec![
                v.version.clone(),
                v.created_at.clone(),
                v.bundle_digest.chars().take(19).collect(),
                hoist_core::report::human_bytes(v.size),
                v.image_digest
                    .as_deref()
                    .map(|d| d.chars().take(19).collect())
                    .unwrap_or_else(|| "-".into()),
            ];
            if all {
                row.insert(0, name.to_string());
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut header = vec!["VERSION", "CREATED", "BUNDLE", "SIZE", "IMAGE"];
    if all {
        header.insert(0, "FUNCTION");
    }
    printer.data(table(&header, &rows));
    Ok(())
}
