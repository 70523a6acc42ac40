//! One module per command. Each takes the global flags, its own arguments and
//! the `Printer`, and returns `anyhow::Result<()>`; shared lookups live here.

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
