//! `hoist rollback <fn> [--to VERSION]`: make an earlier version live again
//! with the env recorded at its deployment (default: the version deployed
//! before the active one), recorded as a release of its own.

use serde_json::json;

use crate::cli::RollbackArgs;
use crate::context::Context;
use crate::ui::Printer;
use hoist_core::release::record::{
    FunctionRelease, FunctionState, JournalStep, ReleaseRecord, ReleaseStatus,
};

pub(crate) async fn run(
    g: &Context<'_>,
    args: &RollbackArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    super::known_function(&project, &args.function, printer)?;
    if let Some(v) = &args.to {
        hoist_core::storage::layout::check_version(v)?;
    }
    let target = super::target(&project, &args.target, printer)?;
    let store = super::store(&project, &args.store, printer).await?;
    // Not while a deploy (or another rollback) releases to this target.
    let lease = hoist_core::release::lease::acquire(
        store.as_ref(),
        target.kind(),
        "rollback",
        hoist_core::release::lease::wait_for(&project.env, |w| printer.warn(w)),
        printer,
    )
    .await?;
    let res = roll_back(&project, target.as_ref(), store.as_ref(), args, printer).await;
    lease.release().await;
    let (deployed, before, record) = res?;
    printer.status(
        "Rolled back",
        format!(
            "{} to {} (was {})",
            args.function,
            deployed.version,
            before.as_deref().unwrap_or("none")
        ),
    );
    if printer.json() {
        printer.json_doc(&json!({
            "function": args.function,
            "version": deployed.version,
            "previous_version": before,
            "deployment": deployed.deployment,
            "release": record.id,
        }));
    } else {
        printer.data(format!("{} {}\n", args.function, deployed.version));
    }
    Ok(())
}

/// Make the version live and record it as a release (the caller holds the
/// target's lease): what went live, what was live before, the record.
async fn roll_back(
    project: &hoist_core::config::Project,
    target: &dyn hoist_core::targets::Target,
    store: &dyn hoist_core::storage::Store,
    args: &RollbackArgs,
    printer: &Printer,
) -> anyhow::Result<(
    hoist_core::targets::Deployed,
    Option<hoist_core::names::Version>,
    ReleaseRecord,
)> {
    let before = target.active(&args.function).await?.and_then(|a| a.version);
    let deployed = target
        .rollback(&args.function, args.to.as_deref(), printer)
        .await?;
    // The rollback is a release like any other: `hoist releases` shows it.
    let mut record = ReleaseRecord::new(
        target.kind(),
        &project.config.project,
        hoist_core::git::commit(&project.root),
        &project.env,
    );
    record.functions.push(FunctionRelease {
        function: deployed.function.clone(),
        version: deployed.version.clone(),
        bundle_digest: String::new(),
        image_digest: None,
        env_digest: String::new(),
        config_digest: String::new(),
        previous_version: before.clone(),
        previous_settings: None,
        state: FunctionState::Live,
    });
    record.log(
        &args.function,
        JournalStep::RolledBack,
        format!(
            "{} live (was {})",
            deployed.version,
            before.as_deref().unwrap_or("none")
        ),
    );
    record.finish(ReleaseStatus::Live);
    if let Err(e) = record.save(store).await {
        printer.warn(format!(
            "the rollback is live, but its release record was not written: {e:#}"
        ));
    }
    Ok((deployed, before, record))
}
