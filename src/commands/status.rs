//! `hoist status [fn...]`: each function's active version, its workers and
//! their states, and its health, as the target reports them.

use serde_json::json;

use crate::cli::StatusArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::http::ApiError;
use hoist_core::targets::Status;

pub(crate) async fn run(
    g: &Context<'_>,
    args: &StatusArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let target = super::target(&project, &args.target, printer)?;
    let mut all = Vec::new();
    for f in functions {
        match target.status(&f.name).await {
            Ok(s) => all.push(s),
            Err(e) if ApiError::find(&e).is_some_and(|a| a.status == 404) => all.push(Status {
                function: f.name.to_string(),
                active_version: None,
                health: "not deployed".into(),
                workers: Vec::new(),
            }),
            Err(e) => return Err(e),
        }
    }
    if printer.json() {
        printer.json_doc(&json!({ "target": target.describe(), "functions": all }));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|s| {
            let live: Vec<&str> = s
                .workers
                .iter()
                .filter(|w| w.state != "TERMINATED")
                .map(|w| w.state.as_str())
                .collect();
            let mut counts: Vec<String> = Vec::new();
            for state in ["STARTING", "WARM", "BUSY", "IDLE"] {
                let n = live.iter().filter(|s| **s == state).count();
                if n > 0 {
                    counts.push(format!("{n} {state}"));
                }
            }
            vec![
                s.function.clone(),
                s.active_version.clone().unwrap_or_else(|| "-".into()),
                s.health.clone(),
                if counts.is_empty() {
                    "-".into()
                } else {
                    counts.join(", ")
                },
            ]
        })
        .collect();
    printer.data(table(&["FUNCTION", "ACTIVE", "HEALTH", "WORKERS"], &rows));
    Ok(())
}
