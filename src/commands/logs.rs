//! `hoist logs <fn> [-f]`: a function's log lines as text
//! (`time version/worker level message`) or, with `--output json`, one JSON
//! object per line. With `-f` it keeps following; a dropped stream is
//! resumed from the last line seen, without duplicates or gaps.

use std::io::Write;

use crate::cli::LogsArgs;
use crate::context::Context;
use crate::ui::Printer;
use hoist_core::targets::LogQuery;

pub(crate) async fn run(g: &Context<'_>, args: &LogsArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    super::known_function(&project, &args.function, printer)?;
    let target = super::target(&project, &args.target, printer)?;
    let q = LogQuery {
        function: args.function.clone(),
        since: args.since.clone(),
        version: args.version.clone(),
        level: args.level.clone(),
        follow: args.follow,
        region: args.region.clone(),
        worker: args.machine.clone(),
    };
    let json = printer.json();
    let stdout = std::io::stdout();
    let mut sink = |e: &hoist_core::targets::LogEntry| -> anyhow::Result<bool> {
        let mut out = stdout.lock();
        let line = if json {
            serde_json::to_string(e)?
        } else {
            let who = match (&e.version, &e.worker) {
                (Some(v), Some(w)) => format!("{v}/{w}"),
                (Some(v), None) => v.clone(),
                (None, Some(w)) => w.clone(),
                (None, None) => "-".to_string(),
            };
            format!("{} {who} {:5} {}", e.time, e.level, e.message)
        };
        // A closed pipe (`hoist logs -f | head`) ends the command quietly.
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return Ok(false);
        }
        Ok(true)
    };
    target.logs(&q, &mut sink).await
}
