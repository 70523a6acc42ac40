//! `hoist releases`: the release records in the artifact store, newest
//! first: id, status, which function went to which version, who and when.

use serde_json::json;

use crate::cli::ReleasesArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::release::record;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &ReleasesArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let store = super::store(&project, &args.store, printer).await?;
    let (records, bad) = record::list(store.as_ref(), args.limit).await?;
    for key in bad {
        printer.warn(format!(
            "{} is not a release record; skipped",
            store.url(&key)
        ));
    }
    if printer.json() {
        printer.json_doc(&json!({ "releases": records }));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let fns: Vec<String> = r
                .functions
                .iter()
                .map(|f| format!("{}@{}", f.function, f.version))
                .collect();
            vec![
                r.id.to_string(),
                r.status.as_str().to_string(),
                r.target.clone(),
                fns.join(", "),
                r.who.clone(),
                r.created_at.clone(),
                r.git_commit
                    .clone()
                    .map(|c| c.chars().take(12).collect())
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    printer.data(table(
        &[
            "RELEASE",
            "STATUS",
            "TARGET",
            "FUNCTIONS",
            "WHO",
            "WHEN",
            "COMMIT",
        ],
        &rows,
    ));
    Ok(())
}
