//! One module per command. Each takes the global flags, its own arguments and
//! the `Printer`, and returns `anyhow::Result<()>`; shared lookups live here.

pub mod backend;
pub mod build;
pub mod bundle;
pub mod completions;
pub mod config;
pub mod init;
pub mod login;
pub mod new;
pub mod prune;
pub mod pull;
pub mod push;
pub mod versions;

use crate::cli::GlobalArgs;
use crate::config::Project;
use crate::ui::Printer;

/// Find and load hoist.yaml, printing its warnings on stderr.
pub fn project(g: &GlobalArgs, printer: &Printer) -> anyhow::Result<Project> {
    let cwd = std::env::current_dir()?;
    let file = crate::config::discover(g.config.as_deref(), &cwd)?;
    let project = crate::config::load(&file)?;
    for w in &project.warnings {
        let at = w.line.map(|l| format!(":{l}")).unwrap_or_default();
        printer.warn(format!("{}{at}: {}", project.file.display(), w.message));
    }
    Ok(project)
}

/// SOURCE_DATE_EPOCH when set and valid, else 0: the time written into
/// archives and image metadata so that builds are reproducible.
pub fn source_date_epoch() -> anyhow::Result<u64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.is_empty() => v.trim().parse::<u64>().map_err(|_| {
            crate::error::UserError::usage(format!(
                "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds"
            ))
            .with_hint("unset it, or set it to a unix timestamp such as the last commit time")
            .into()
        }),
        _ => Ok(0),
    }
}

/// A human size: 1.2 MiB.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
