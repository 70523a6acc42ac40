//! `hoist prune <function> --keep N`: delete a function's old versions from
//! the artifact store, keeping the newest N, always the newest of all, and
//! every version a target reports active. Each version goes manifest first,
//! so it stops being a version before its archive disappears. Prune also
//! removes archives no manifest names (a push killed before its manifest,
//! the loser of a race) once they are older than an hour.

use std::collections::BTreeSet;

use serde_json::json;

use crate::cli::PruneArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::{table, Printer};
use hoist_core::config::Project;
use hoist_core::env::Env;
use hoist_core::report::plural;
use hoist_core::storage::manifest::time_key;
use hoist_core::storage::{layout, release, OpenOptions};

pub(crate) async fn run(
    g: &Context<'_>,
    args: &PruneArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    layout::check_function(&args.function)?;
    let store = hoist_core::storage::open(
        &project,
        &OpenOptions {
            profile: args.store.profile.clone(),
        },
        printer,
    )
    .await?;
    if !args.dry_run {
        clean_uploads(&g.env, store.as_ref(), args, printer).await?;
    }
    let Some(keep) = args.keep else {
        return Ok(());
    };
    remove_unreferenced(
        &g.env,
        store.as_ref(),
        &args.function,
        args.dry_run,
        printer,
    )
    .await?;
    let versions = release::list_versions(store.as_ref(), &args.function).await?;
    let active = active_versions(&project, &args.function)?;
    let plan = release::plan_prune(versions, keep, &active);
    let rows = plan_rows(&plan);

    if plan.delete.is_empty() {
        printer.status(
            "Nothing",
            format!(
                "to prune: {} has {}",
                args.function,
                plural(plan.keep.len(), "version", "versions")
            ),
        );
        report(args, &plan, &rows, false, printer);
        return Ok(());
    }
    if args.dry_run {
        printer.status(
            "Dry run",
            format!(
                "would delete {} of {} of {}",
                plan.delete.len(),
                plural(plan.delete.len() + plan.keep.len(), "version", "versions"),
                args.function
            ),
        );
        report(args, &plan, &rows, false, printer);
        return Ok(());
    }
    if !g.args.yes {
        confirm(g, args, &plan)?;
    }
    let deleted = delete_versions(store.as_ref(), &args.function, &plan, printer);
    // The index follows what is stored even when the loop stopped early.
    let reindexed = release::reindex(store.as_ref(), &args.function);
    deleted.await?;
    reindexed.await?;
    report(args, &plan, &rows, true, printer);
    Ok(())
}

/// Remove the leftovers of interrupted pushes: stale multipart uploads
/// (S3), temporary files of killed writers (local store).
async fn clean_uploads(
    env: &Env,
    store: &dyn hoist_core::storage::Store,
    args: &PruneArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let cleaned = store.clean_uploads(orphan_age(env)?).await?;
    for what in &cleaned {
        printer.status("Cleaned", format!("stale upload {what}"));
    }
    if cleaned.is_empty() && args.uploads {
        printer.status("Nothing", "to clean: no stale uploads");
    }
    Ok(())
}

/// The plan as table rows (version, created, action), newest first.
fn plan_rows(plan: &release::PrunePlan) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = plan
        .keep
        .iter()
        .map(|(e, why)| {
            (
                e.version.clone(),
                e.created_at.clone(),
                format!("keep ({why})"),
            )
        })
        .chain(
            plan.delete
                .iter()
                .map(|e| (e.version.clone(), e.created_at.clone(), "delete".into())),
        )
        .collect();
    rows.sort_by(|a, b| {
        time_key(&b.1)
            .cmp(&time_key(&a.1))
            .then_with(|| b.0.cmp(&a.0))
    });
    rows
}

/// Print what was (`deleted`) or would be done: the JSON document, or the
/// table of `rows`.
fn report(
    args: &PruneArgs,
    plan: &release::PrunePlan,
    rows: &[(String, String, String)],
    deleted: bool,
    printer: &Printer,
) {
    if printer.json() {
        printer.json_doc(&json!({
            "function": args.function,
            "dry_run": args.dry_run,
            "deleted": if deleted { plan.delete.iter().map(|e| e.version.clone()).collect::<Vec<_>>() } else { Vec::new() },
            "would_delete": if deleted { Vec::new() } else { plan.delete.iter().map(|e| e.version.clone()).collect::<Vec<_>>() },
            "kept": plan.keep.iter().map(|(e, why)| json!({"version": e.version, "reason": why})).collect::<Vec<_>>(),
        }));
    } else if !rows.is_empty() {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|(v, c, a)| vec![v.clone(), c.clone(), a.clone()])
            .collect();
        printer.data(table(&["VERSION", "CREATED", "ACTION"], &cells));
    }
}

/// Ask before deleting versions (without --yes); refused when nobody can
/// be asked, or when the answer is no.
fn confirm(g: &Context<'_>, args: &PruneArgs, plan: &release::PrunePlan) -> anyhow::Result<()> {
    let prompter = crate::ui::prompter(false, g.ci());
    if !prompter.interactive() {
        return Err(UserError::usage(format!(
            "refusing to delete {} of {} without confirmation",
            plural(plan.delete.len(), "version", "versions"),
            args.function
        ))
        .with_hint("pass --yes to delete, or --dry-run to see what would go")
        .into());
    }
    let q = format!(
        "Delete {} of {} ({})?",
        plural(plan.delete.len(), "version", "versions"),
        args.function,
        plan.delete
            .iter()
            .map(|e| e.version.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !prompter.confirm(&q, false)? {
        return Err(UserError::usage("prune cancelled; nothing was deleted").into());
    }
    Ok(())
}

/// Delete the plan's versions one by one, stopping at the first failure
/// or an interrupt.
async fn delete_versions(
    store: &dyn hoist_core::storage::Store,
    function: &str,
    plan: &release::PrunePlan,
    printer: &Printer,
) -> anyhow::Result<()> {
    for e in &plan.delete {
        hoist_core::interrupt::check()?;
        release::delete_version(store, function, &e.version).await?;
        printer.status("Deleted", format!("{function} {}", e.version));
    }
    Ok(())
}

/// How old an unreferenced archive must be before prune removes it:
/// `HOIST_PRUNE_ORPHAN_MINUTES`, default 60 (a push may be about to name a
/// younger one).
fn orphan_age(env: &Env) -> anyhow::Result<std::time::Duration> {
    let minutes = match env.var("HOIST_PRUNE_ORPHAN_MINUTES") {
        Some(v) if !v.trim().is_empty() => v.trim().parse::<u64>().map_err(|_| {
            UserError::usage(format!(
                "HOIST_PRUNE_ORPHAN_MINUTES=`{v}` is not a whole number of minutes"
            ))
        })?,
        _ => 60,
    };
    Ok(std::time::Duration::from_secs(minutes * 60))
}

/// Delete (or, on a dry run, list) the function's archives that no
/// manifest names. They are never a version, so no confirmation is asked.
async fn remove_unreferenced(
    env: &Env,
    store: &dyn hoist_core::storage::Store,
    function: &str,
    dry_run: bool,
    printer: &Printer,
) -> anyhow::Result<()> {
    for o in release::unreferenced_archives(store, function, orphan_age(env)?).await? {
        if dry_run {
            printer.status(
                "Dry run",
                format!("would remove unreferenced {}", store.url(&o.key)),
            );
        } else {
            hoist_core::interrupt::check()?;
            store.delete(&o.key).await?;
            printer.status("Removed", format!("unreferenced {}", store.url(&o.key)));
        }
    }
    Ok(())
}

/// Versions a target reports active for `function`; prune never deletes
/// them. No target is implemented yet, so this is empty and prune relies on
/// always keeping the newest version.
fn active_versions(_project: &Project, _function: &str) -> anyhow::Result<BTreeSet<String>> {
    Ok(BTreeSet::new())
}
