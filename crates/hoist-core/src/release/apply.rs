//! Applying a plan as one release: every changed function is deployed (up
//! to `jobs` at once), each step journaled in the release record; if any
//! function fails its start or health gate, or the user interrupts, every
//! function this release made live goes back to the version it replaced
//! (or is retired when it had none), so all of it goes live or none of it
//! stays live. [`recover`] does the same for a release a killed hoist left
//! `in_progress`.

use crate::names::{FunctionName, ReleaseId};
use std::sync::atomic::{AtomicBool, Ordering};

use super::parallel;
use super::record::{FunctionRelease, FunctionState, JournalStep, ReleaseRecord, ReleaseStatus};
use crate::release::ReleaseError;
use crate::storage::Store;
use crate::targets::{DeployRequest, Deployed, Reporter, StartFailure, Target, UndoIncomplete};

/// One function to deploy in a release.
#[derive(Debug, Clone)]
pub struct Item {
    pub req: DeployRequest,
    pub previous_version: Option<hoist_api::names::Version>,
    pub entry: FunctionRelease,
}

/// What became of a release.
#[derive(Debug)]
pub struct Applied {
    pub record: ReleaseRecord,
    pub deployed: Vec<Deployed>,
}

/// Deploy `items` as the release `record` (already holding its target and
/// metadata), journaling to `store`. Every function is staged first
/// (registered and uploaded, nothing live yet), all of them at once, then
/// made live behind its gate, `jobs` at a time. Returns an error naming the
/// first function that failed (with its logs) after undoing the others.
pub async fn apply(
    target: &dyn Target,
    store: &dyn Store,
    mut record: ReleaseRecord,
    items: Vec<Item>,
    jobs: usize,
    r: &dyn Reporter,
) -> anyhow::Result<Applied> {
    record.functions = items.iter().map(|i| i.entry.clone()).collect();
    record.open(store).await?;
    let record = tokio::sync::Mutex::new(record);
    let failed = AtomicBool::new(false);
    let stop = || failed.load(Ordering::SeqCst) || crate::interrupt::requested();
    // Staging sends requests and waits on the network, not on the CPU.
    let stage_jobs = jobs.max(STAGE_JOBS);
    let staged = parallel::bounded(&items, stage_jobs, stop, |_, item| {
        let (record, failed) = (&record, &failed);
        async move {
            let res = target.stage(&item.req, r).await;
            if let Err(e) = &res {
                failed.store(true, Ordering::SeqCst);
                let (state, step) = (FunctionState::Failed, JournalStep::Failed);
                let detail = format!("{e:#}");
                journal(record, store, &item.req.function, state, step, detail, r).await;
            }
            res
        }
    })
    .await;
    let mut uploaded = vec![None; items.len()];
    let mut results: Vec<(usize, anyhow::Result<Deployed>)> = Vec::new();
    for (i, res) in staged {
        match res {
            Ok(bytes) => uploaded[i] = Some(bytes),
            Err(e) => results.push((i, Err(e))),
        }
    }
    let ready: Vec<(usize, u64)> = uploaded
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.map(|b| (i, b)))
        .collect();
    let activated = parallel::bounded(&ready, jobs, stop, |_, (i, bytes)| {
        let item = &items[*i];
        let (record, failed) = (&record, &failed);
        async move {
            let res = target.activate(&item.req, *bytes, r).await;
            let (state, step, detail) = match &res {
                Ok(d) => (
                    FunctionState::Live,
                    JournalStep::Deployed,
                    format!(
                        "{} live (was {})",
                        d.version,
                        item.previous_version.as_deref().unwrap_or("none")
                    ),
                ),
                Err(e) => {
                    failed.store(true, Ordering::SeqCst);
                    (FunctionState::Failed, JournalStep::Failed, format!("{e:#}"))
                }
            };
            journal(record, store, &item.req.function, state, step, detail, r).await;
            (*i, res)
        }
    })
    .await;
    results.extend(activated.into_iter().map(|(_, r)| r));
    results.sort_by_key(|(i, _)| *i);
    let record = record.into_inner();
    finish(target, store, record, &items, &uploaded, results, r).await
}

/// Functions staged at once, whatever `--jobs` says: staging is requests.
const STAGE_JOBS: usize = 32;

/// Note a function's new state in the record and save it; a save that
/// fails is said (the record is written again when the release ends).
async fn journal(
    record: &tokio::sync::Mutex<ReleaseRecord>,
    store: &dyn Store,
    function: &str,
    state: FunctionState,
    step: JournalStep,
    detail: String,
    r: &dyn Reporter,
) {
    let mut rec = record.lock().await;
    rec.set_state(function, state);
    rec.log(function, step, detail);
    if let Err(e) = rec.save(store).await {
        r.warn(&format!(
            "the release record could not be saved after {function} was {step} ({e:#}); \
             it is written again when the release ends"
        ));
    }
}

/// Put back the settings of functions staged that did not go live (a
/// failed one, or one whose gate never ran), and note the failed ones that
/// could not put back what they changed; returns the functions whose undo
/// is incomplete.
async fn undo_not_live(
    target: &dyn Target,
    record: &mut ReleaseRecord,
    items: &[Item],
    staged: &[Option<u64>],
    results: &[(usize, anyhow::Result<Deployed>)],
) -> Vec<FunctionName> {
    let mut undo_errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let went_live = results.iter().any(|(j, d)| *j == i && d.is_ok());
        let touched = staged[i].is_some() || results.iter().any(|(j, _)| *j == i);
        if went_live || !touched {
            continue;
        }
        let f = &item.req.function;
        if let Err(e) = restore_settings(target, &item.entry).await {
            record.log(f, JournalStep::UndoFailed, format!("{e:#}"));
            undo_errors.push(f.clone());
        }
    }
    for (i, res) in results {
        let Err(e) = res else { continue };
        if let Some(u) = e.downcast_ref::<UndoIncomplete>() {
            let f = &items[*i].req.function;
            record.set_state(f, FunctionState::Failed);
            record.log(f, JournalStep::UndoFailed, u.detail.clone());
            undo_errors.push(f.clone());
        }
    }
    undo_errors
}

/// Close a release whose every function went live, or undo the ones that
/// did and restore the settings of every function that was staged.
async fn finish(
    target: &dyn Target,
    store: &dyn Store,
    mut record: ReleaseRecord,
    items: &[Item],
    staged: &[Option<u64>],
    mut results: Vec<(usize, anyhow::Result<Deployed>)>,
    r: &dyn Reporter,
) -> anyhow::Result<Applied> {
    let interrupted = crate::interrupt::requested();
    let first_error = results.iter().position(|(_, r)| r.is_err());
    let all_live = results.len() == items.len() && results.iter().all(|(_, d)| d.is_ok());
    if first_error.is_none() && !interrupted && all_live {
        record.finish(ReleaseStatus::Live);
        record.close(store).await?;
        let deployed = results.into_iter().filter_map(|(_, d)| d.ok()).collect();
        return Ok(Applied { record, deployed });
    }
    // Undo what went live, newest first; the record says so first, so a
    // recovery never takes a half-undone release for a live one.
    record.log(
        "",
        JournalStep::Undoing,
        "the release failed or was interrupted",
    );
    if let Err(e) = record.save(store).await {
        r.warn(&format!(
            "the release record could not be saved before the undo ({e:#}); the undo goes on"
        ));
    }
    let live: Vec<&Item> = results
        .iter()
        .filter(|(_, d)| d.is_ok())
        .map(|(i, _)| &items[*i])
        .rev()
        .collect();
    let mut undo_errors = undo(target, store, &mut record, &live, r).await;
    undo_errors.extend(undo_not_live(target, &mut record, items, staged, &results).await);
    let cause = match first_error {
        Some(i) => results.swap_remove(i).1.err(),
        None => None,
    };
    record.error = cause.as_ref().map(|e| format!("{e:#}"));
    let status = if undo_errors.is_empty() {
        ReleaseStatus::RolledBack
    } else {
        ReleaseStatus::Failed
    };
    record.finish(status);
    if status == ReleaseStatus::RolledBack {
        record.close(store).await?;
    } else {
        // The open marker stays: the next deploy finishes the undo.
        record.save(store).await?;
    }
    let mut hint = undone_hint(&live, &record.id);
    if !undo_errors.is_empty() {
        hint = format!(
            "undoing failed for {}: run `hoist deploy` again to finish the undo (release {})",
            undo_errors.join(", "),
            record.id
        );
    }
    match cause {
        Some(e) => {
            let logs = e
                .chain()
                .find_map(|c| c.downcast_ref::<StartFailure>())
                .map_or_else(Vec::new, |f| f.logs.clone());
            Err(ReleaseError::Failed {
                release: record.id.to_string(),
                cause: e.to_string(),
                logs,
                undone: hint,
            }
            .into())
        }
        None => Err(ReleaseError::Interrupted { undone: hint }.into()),
    }
}

/// What the undo did to each function that had gone live: back on the
/// version it replaced, or retired when the release had created it.
fn undone_hint(live: &[&Item], release: &str) -> String {
    if live.is_empty() {
        return "nothing else had gone live; the previous versions still serve".to_string();
    }
    let (back, new): (Vec<&&Item>, Vec<&&Item>) = live
        .iter()
        .partition(|i| i.entry.previous_version.is_some());
    let names = |v: &[&&Item]| -> String {
        v.iter()
            .map(|i| i.req.function.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !back.is_empty() {
        parts.push(format!(
            "{} went back to the version it replaced",
            names(&back)
        ));
    }
    if !new.is_empty() {
        parts.push(format!(
            "{} (new in this release) were retired",
            names(&new)
        ));
    }
    format!("{}; release {release} is rolled back", parts.join("; "))
}

/// The settings `entry`'s release changed, put back (where the target keeps
/// them apart from deployments).
async fn restore_settings(target: &dyn Target, entry: &FunctionRelease) -> anyhow::Result<()> {
    match &entry.previous_settings {
        Some(s) => target.restore_settings(&entry.function, s).await,
        None => Ok(()),
    }
}

/// Put each of `live` back on the version it replaced (or retire it).
/// Returns the functions whose undo failed.
async fn undo(
    target: &dyn Target,
    store: &dyn Store,
    record: &mut ReleaseRecord,
    live: &[&Item],
    r: &dyn Reporter,
) -> Vec<FunctionName> {
    let mut errors = Vec::new();
    for item in live {
        let f = &item.req.function;
        let res = match restore_settings(target, &item.entry).await {
            Ok(()) => {
                target
                    .undo(f, &record.id, item.previous_version.as_deref(), r)
                    .await
            }
            Err(e) => Err(e),
        };
        let res = res.map(|_| match &item.previous_version {
            Some(prev) => format!("back on {prev}"),
            None => "retired (it had no previous version)".to_string(),
        });
        match res {
            Ok(detail) => {
                record.set_state(f, FunctionState::RolledBack);
                record.log(f, JournalStep::RolledBack, detail);
            }
            Err(e) => {
                record.log(f, JournalStep::UndoFailed, format!("{e:#}"));
                errors.push(f.clone());
            }
        }
        if let Err(e) = record.save(store).await {
            r.warn(&format!(
                "the release record could not be saved after undoing {f} ({e:#}); \
                 it is written again when the release ends"
            ));
        }
    }
    errors
}

/// Undo every release of this target that a killed hoist left
/// `in_progress`: functions found running that release's version go back
/// to the version they replaced; a release whose every function went live
/// (only its closing write was lost) is recorded live. The caller holds the
/// target's lease. Returns the ids recovered and how each ended.
pub async fn recover(
    target: &dyn Target,
    store: &dyn Store,
    r: &dyn Reporter,
) -> anyhow::Result<Vec<(ReleaseId, ReleaseStatus)>> {
    let mut done = Vec::new();
    for mut rec in super::record::open_records(store, true).await? {
        if rec.target != target.kind() {
            continue;
        }
        // The caller holds the target's lease; a release still in progress
        // under a process that may be alive (one that never took the
        // lease) is left alone.
        if rec.status == ReleaseStatus::InProgress && !rec.abandoned() {
            r.step(
                "Skipping",
                &format!(
                    "release {} (pid {} on {}) is unfinished and may still be running",
                    rec.id, rec.pid, rec.host
                ),
            );
            continue;
        }
        let undoing = rec.journal.iter().any(|j| j.step == JournalStep::Undoing);
        if rec.status == ReleaseStatus::InProgress
            && !undoing
            && rec.functions.iter().all(|f| f.state == FunctionState::Live)
        {
            // Every function went live; only the closing write was lost.
            rec.log("", JournalStep::Recovered, "every function had gone live");
            rec.finish(ReleaseStatus::Live);
            rec.close(store).await?;
            done.push((rec.id.clone(), ReleaseStatus::Live));
            continue;
        }
        r.step(
            "Recovering",
            &format!("unfinished release {} from {}", rec.id, rec.created_at),
        );
        let mut errors = Vec::new();
        for f in rec.functions.clone() {
            // The target judges what the release changed (machines or a
            // deployment of this release, a half-rolled app included); a
            // first deploy is retired only when it is what runs.
            if let Err(e) = restore_settings(target, &f).await {
                rec.log(&f.function, JournalStep::UndoFailed, format!("{e:#}"));
                errors.push(f.function.clone());
                continue;
            }
            let res = match f.previous_version.as_deref() {
                Some(prev) => target.undo(&f.function, &rec.id, Some(prev), r).await,
                None => {
                    let active = target.active(&f.function).await?.and_then(|a| a.version);
                    if active.as_deref() != Some(f.version.as_str()) {
                        continue;
                    }
                    target.retire(&f.function).await
                }
            };
            match res {
                Ok(()) => {
                    rec.set_state(&f.function, FunctionState::RolledBack);
                    rec.log(
                        &f.function,
                        JournalStep::Recovered,
                        "undone by a later deploy",
                    );
                }
                Err(e) => {
                    rec.log(&f.function, JournalStep::UndoFailed, format!("{e:#}"));
                    errors.push(f.function.clone());
                }
            }
        }
        if errors.is_empty() {
            rec.finish(ReleaseStatus::RolledBack);
            rec.close(store).await?;
        } else {
            rec.save(store).await?;
        }
        if !errors.is_empty() {
            return Err(ReleaseError::UndoFailed {
                release: rec.id.clone(),
                functions: errors,
            }
            .into());
        }
        done.push((rec.id.clone(), ReleaseStatus::RolledBack));
    }
    Ok(done)
}
