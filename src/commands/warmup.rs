//! `hoist warmup <fn> --count N`: ask the target for N ready workers of the
//! active version and report each one's cold-start time.

use std::time::Duration;

use serde_json::json;

use crate::cli::WarmupArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::{table, Printer};

pub(crate) async fn run(
    g: &Context<'_>,
    args: &WarmupArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    super::known_function(&project, &args.function, printer)?;
    if args.count == 0 {
        return Err(UserError::usage("--count must be at least 1").into());
    }
    let target = super::target(&project, &args.target, printer)?;
    printer.status(
        "Warming",
        format!(
            "{} of {}",
            hoist_core::report::plural(args.count as usize, "worker", "workers"),
            args.function
        ),
    );
    let workers = target
        .warmup(
            &args.function,
            args.count,
            Duration::from_secs(args.timeout),
        )
        .await?;
    let ready = workers.iter().filter(|w| is_ready(&w.state)).count();
    printer.status(
        "Ready",
        format!(
            "{} of {}",
            hoist_core::report::plural(ready, "worker", "workers"),
            args.function
        ),
    );
    if printer.json() {
        printer.json_doc(&json!({ "function": args.function, "ready": ready, "workers": workers }));
    } else {
        let rows: Vec<Vec<String>> = workers
            .iter()
            .map(|w| {
                vec![
                    w.id.clone(),
                    w.version.clone(),
                    w.state.clone(),
                    w.cold_start_ms
                        .map(|ms| format!("{ms:.0} ms"))
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        printer.data(table(&["WORKER", "VERSION", "STATE", "COLD START"], &rows));
    }
    Ok(())
}

fn is_ready(state: &str) -> bool {
    matches!(state, "WARM" | "BUSY" | "IDLE" | "started")
}
