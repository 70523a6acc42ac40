//! One module per command. Each takes the global flags, its own arguments and
//! the `Printer`, and returns `anyhow::Result<()>`; shared lookups live here.

pub(crate) mod backend;
pub(crate) mod build;
pub(crate) mod bundle;
pub mod completions;
pub(crate) mod config;
pub(crate) mod delete;
pub(crate) mod deploy;
pub(crate) mod env;
pub(crate) mod init;
pub(crate) mod invoke;
pub(crate) mod login;
pub(crate) mod logs;
pub(crate) mod new;
pub(crate) mod prune;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod releases;
pub(crate) mod rollback;
pub(crate) mod status;
pub(crate) mod versions;
pub(crate) mod warmup;

use crate::cli::{StoreArgs, TargetArgs};
use crate::context::Context;
use crate::ui::Printer;
use hoist_core::config::Project;
use hoist_core::release::steps::Graphs;

/// Find and load hoist.yaml, printing its warnings on stderr.
pub(crate) fn project(g: &Context<'_>, printer: &Printer) -> anyhow::Result<Project> {
    let cwd = std::env::current_dir()?;
    let file = hoist_core::config::discover(g.args.config.as_deref(), &cwd)?;
    let project = hoist_core::config::load(&file, &g.env)?;
    for w in &project.warnings {
        let at = w.line_suffix();
        printer.warn(format!("{}{at}: {}", project.file.display(), w.message));
    }
    Ok(project)
}

/// The target a command talks to (`--target`, else hoist.yaml's default).
pub(crate) fn target(
    project: &Project,
    args: &TargetArgs,
    printer: &Printer,
) -> anyhow::Result<Box<dyn hoist_core::targets::Target>> {
    let t = hoist_core::targets::open(project, args.target.as_deref(), printer)?;
    printer.debug(format!("target: {}", t.describe()));
    Ok(t)
}

/// The artifact store hoist.yaml configures.
pub(crate) async fn store(
    project: &Project,
    args: &StoreArgs,
    printer: &Printer,
) -> anyhow::Result<Box<dyn hoist_core::storage::Store>> {
    let opts = hoist_core::storage::OpenOptions {
        profile: args.profile.clone(),
    };
    hoist_core::storage::open(project, &opts, printer).await
}

/// The functions a command works on (`names`, else every one), warning
/// about the broken functions it leaves out unchecked.
pub(crate) fn select<'a>(
    project: &'a Project,
    names: &[String],
    printer: &Printer,
) -> anyhow::Result<Vec<&'a hoist_core::config::Function>> {
    let selected = project.select(names)?;
    for w in project.skipped(names) {
        printer.warn(w);
    }
    Ok(selected)
}

/// Refuse a function hoist.yaml does not name, suggesting the closest.
pub(crate) fn known_function<'a>(
    project: &'a Project,
    name: &str,
    printer: &Printer,
) -> anyhow::Result<&'a hoist_core::config::Function> {
    select(project, &[name.to_string()], printer)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no function named `{name}`"))
}

/// The runtime a `--runtime` flag names.
pub(crate) fn runtime_of(r: crate::cli::RuntimeArg) -> hoist_core::config::Runtime {
    use crate::cli::RuntimeArg;
    use hoist_core::config::Runtime;
    match r {
        RuntimeArg::Deno => Runtime::Deno,
        RuntimeArg::Bun => Runtime::Bun,
        RuntimeArg::Node => Runtime::Node,
        RuntimeArg::Dart => Runtime::Dart,
    }
}

/// Follow every selected deno function's module graph before any work, so a
/// broken import fails the command with nothing written; the warnings
/// `--allow-unresolved` lets through are printed when each is bundled. The
/// graphs are the command's, for every step that bundles.
fn check_graphs(
    project: &hoist_core::config::Project,
    functions: &[&hoist_core::config::Function],
    allow_unresolved: bool,
) -> anyhow::Result<Graphs> {
    let graphs = Graphs::new(allow_unresolved);
    cpu(|| hoist_core::release::steps::check_graphs(project, functions, &graphs))?;
    Ok(graphs)
}

/// Run CPU-bound work (reading module graphs, bundling, compressing) off
/// the runtime's async threads: the runtime moves its other tasks away
/// while `f` runs here.
pub(crate) fn cpu<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}
