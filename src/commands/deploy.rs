//! `hoist deploy`: plan, then apply as one release. Each selected function
//! is bundled and versioned; its desired state (code digest, configured env,
//! settings) is compared with what the target runs, and unchanged functions
//! drop out (an unchanged deploy uploads nothing and changes nothing).
//! `--dry-run` prints the plan. Otherwise the changed functions are stored
//! in the artifact store and deployed together: all go live or none stays.

use std::fs::File;

use anyhow::Context as _;
use serde_json::json;

use crate::cli::DeployArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::config::{Function, Project, VersionPolicy};
use hoist_core::names::ReleaseId;
use hoist_core::release::apply::{self, Item};
use hoist_core::release::plan::{self, Desired, Step};
use hoist_core::release::record::{FunctionRelease, FunctionState, ReleaseRecord};
use hoist_core::release::steps::Graphs;
use hoist_core::storage::layout;
use hoist_core::storage::Store;
use hoist_core::targets::{DeployRequest, FunctionSettings, Target};

pub(crate) async fn run(
    g: &Context<'_>,
    args: &DeployArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let graphs = super::check_graphs(&project, &functions, args.allow_unresolved)?;
    if let Some(v) = &args.version {
        layout::check_version(v)?;
    }
    let target = super::target(&project, &args.target, printer)?;
    plan::check_runtimes(target.as_ref(), &functions)?;
    let store = super::store(&project, &args.store, printer).await?;
    let (target, store) = (target.as_ref(), store.as_ref());
    let held = hold(&project, target, store, args.dry_run, printer).await?;
    let functions: Vec<Function> = functions
        .iter()
        .map(|f| with_version(f, args.version.as_deref()))
        .collect();
    let res = plan_and_release(&project, functions, target, store, &graphs, args, printer).await;
    // Given back however the release ended.
    if let Some((_lock, lease)) = held {
        lease.release().await;
    }
    res
}

/// Everything a deploy does while it holds the target: plan, and apply
/// what changed as one release.
async fn plan_and_release(
    project: &Project,
    functions: Vec<Function>,
    target: &dyn Target,
    store: &dyn Store,
    graphs: &Graphs,
    args: &DeployArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let planned = plan_all(project, functions, target, graphs, printer).await?;
    if args.dry_run {
        print_plan(
            &planned.iter().map(|p| &p.step).collect::<Vec<_>>(),
            printer,
        );
        return Ok(());
    }
    let changed: Vec<&Planned> = planned.iter().filter(|p| p.step.changes()).collect();
    if changed.is_empty() {
        printer.status(
            "Unchanged",
            "every function already runs this code, env and settings",
        );
        print_result(&planned, None, printer);
        return Ok(());
    }
    // The release id is known before any request is built.
    let record = ReleaseRecord::new(
        target.kind(),
        &project.config.project,
        hoist_core::git::commit(&project.root),
        &project.env,
    );
    let deploying = Deploying {
        project,
        target,
        store,
        graphs,
        args,
        printer,
    };
    let items = store_all(&deploying, &changed, &record.id).await?;
    let applied = release(target, store, record, items, args.jobs, printer).await?;
    print_result(&planned, Some(&applied), printer);
    Ok(())
}

/// What a deploy holds while it runs: this checkout's lock and the
/// target's lease in the store. A release a killed hoist left unfinished
/// is undone first (a dry run holds nothing and only reports it).
async fn hold<'a>(
    project: &Project,
    target: &dyn Target,
    store: &'a dyn Store,
    dry_run: bool,
    printer: &'a Printer,
) -> anyhow::Result<Option<(File, hoist_core::release::lease::Lease<'a>)>> {
    if dry_run {
        for r in hoist_core::release::record::open_records(store, false).await? {
            printer.warn(format!(
                "release {} ({}) is unfinished; the next deploy recovers it",
                r.id, r.created_at
            ));
        }
        return Ok(None);
    }
    let lock = lock(project, printer)?;
    // One release of the target at a time among the checkouts and
    // machines sharing this store (held until this command ends).
    let lease = hoist_core::release::lease::acquire(
        store,
        target.kind(),
        "deploy",
        hoist_core::release::lease::wait_for(&project.env, |w| printer.warn(w)),
        printer,
    )
    .await?;
    let recovered = match apply::recover(target, store, printer).await {
        Ok(r) => r,
        Err(e) => {
            lease.release().await;
            return Err(e);
        }
    };
    for (id, status) in recovered {
        if status == hoist_core::release::record::ReleaseStatus::Live {
            printer.warn(format!(
                "release {id} had gone live without its record being closed; it is recorded live"
            ));
        } else {
            printer.warn(format!(
                "release {id} had been left unfinished; it is rolled back"
            ));
        }
    }
    Ok(Some((lock, lease)))
}

/// Bundle and version each function and compare it with what the target
/// runs.
async fn plan_all(
    project: &Project,
    functions: Vec<Function>,
    target: &dyn Target,
    graphs: &Graphs,
    printer: &Printer,
) -> anyhow::Result<Vec<Planned>> {
    let prepared = super::cpu(|| {
        hoist_core::release::steps::prepare_all(project, &functions, graphs, printer)
    })?;
    let names: Vec<String> = functions.iter().map(|f| f.name.to_string()).collect();
    let actual = target.active_all(&names).await?;
    let mut planned = Vec::new();
    for ((function, prepared), have) in functions.into_iter().zip(prepared).zip(actual) {
        let want = Desired {
            function: function.name.clone(),
            version: prepared.version.clone(),
            digest: hoist_core::digest::prefixed(&prepared.bundle.manifest.digest),
            env: function.env.clone(),
            settings: FunctionSettings {
                target: target.settings_digest(&function.name),
                ..FunctionSettings::of(&function)
            },
        };
        let step = plan::step(&want, have.as_ref());
        planned.push(Planned {
            function,
            prepared,
            want,
            step,
        });
    }
    Ok(planned)
}

/// Store every changed function: images first where the target runs them
/// (built when missing, one at a time: builds share the project's image
/// layout), then images and archives, `--jobs` functions at a time.
async fn store_all(
    d: &Deploying<'_>,
    changed: &[&Planned],
    release_id: &ReleaseId,
) -> anyhow::Result<Vec<Item>> {
    let Deploying {
        project,
        target,
        store,
        graphs,
        args,
        printer,
    } = *d;
    let mut dests = Vec::new();
    let reach = hoist_core::image::oci::base::Reachability::default();
    let mut built = Vec::new();
    for p in changed {
        let f = &p.function;
        printer.status("Planned", format!("{}: {}", f.name, p.step.summary()));
        let dest = target.image_destination(&f.name)?;
        if dest.is_some() {
            built.push(
                hoist_core::release::image::build(
                    project,
                    f,
                    None,
                    "linux/amd64",
                    &reach,
                    graphs,
                    printer,
                )
                .await?,
            );
        }
        dests.push(dest);
    }
    hoist_core::release::image::report_skipped(&built.iter().collect::<Vec<_>>(), printer);
    let results = hoist_core::release::parallel::bounded(
        changed,
        args.jobs,
        hoist_core::interrupt::requested,
        |i, p| {
            stage(
                project,
                store,
                p,
                dests[i].as_ref(),
                release_id,
                args,
                printer,
            )
        },
    )
    .await;
    hoist_core::interrupt::check()?;
    results.into_iter().map(|(_, r)| r).collect()
}

/// Apply the stored functions as one release and say how it ended.
async fn release(
    target: &dyn Target,
    store: &dyn Store,
    record: ReleaseRecord,
    items: Vec<Item>,
    jobs: usize,
    printer: &Printer,
) -> anyhow::Result<apply::Applied> {
    printer.status(
        "Releasing",
        format!(
            "{} as {} to {}",
            plural(items.len(), "function"),
            record.id,
            target.describe()
        ),
    );
    let applied = apply::apply(target, store, record, items, jobs, printer).await?;
    printer.status(
        "Live",
        format!(
            "release {} ({})",
            applied.record.id,
            plural(applied.deployed.len(), "function")
        ),
    );
    Ok(applied)
}

/// `f` with its version policy replaced by `--version`.
fn with_version(f: &Function, version: Option<&str>) -> Function {
    let mut f = f.clone();
    if let Some(v) = version {
        f.version = VersionPolicy::Literal(v.to_string());
    }
    f
}

fn lock(project: &Project, printer: &Printer) -> anyhow::Result<File> {
    let dir = project.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("deploy.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        printer.status(
            "Waiting",
            format!(
                "for another hoist deploy in this project ({})",
                path.display()
            ),
        );
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
    }
    Ok(file)
}

fn plural(n: usize, word: &str) -> String {
    hoist_core::report::plural(n, word, &format!("{word}s"))
}

fn print_plan(steps: &[&Step], printer: &Printer) {
    if printer.json() {
        printer.json_doc(&json!({ "dry_run": true, "plan": steps }));
        return;
    }
    let rows: Vec<Vec<String>> = steps
        .iter()
        .map(|s| {
            vec![
                s.function.to_string(),
                s.action.to_string(),
                s.previous_version
                    .as_ref()
                    .map_or_else(|| "-".into(), |v| v.to_string()),
                s.version.to_string(),
                s.summary(),
            ]
        })
        .collect();
    printer.data(table(
        &["FUNCTION", "ACTION", "FROM", "TO", "CHANGES"],
        &rows,
    ));
}

fn print_result(planned: &[Planned], applied: Option<&apply::Applied>, printer: &Printer) {
    let uploaded = |name: &str| {
        applied
            .and_then(|a| a.deployed.iter().find(|d| d.function == name))
            .map(|d| d.uploaded_bytes)
            .unwrap_or(0)
    };
    if printer.json() {
        let functions: Vec<_> = planned
            .iter()
            .map(
                |Planned {
                     function: f,
                     want,
                     step,
                     ..
                 }| {
                    json!({
                        "function": f.name,
                        "version": want.version,
                        "previous_version": step.previous_version,
                        "digest": want.digest,
                        "status": if step.changes() { "deployed" } else { "unchanged" },
                        "uploaded_bytes": uploaded(&f.name),
                    })
                },
            )
            .collect();
        printer.json_doc(&json!({
            "release": applied.map(|a| a.record.id.clone()),
            "functions": functions,
        }));
        return;
    }
    let rows: Vec<Vec<String>> = planned
        .iter()
        .map(
            |Planned {
                 function: f,
                 want,
                 step,
                 ..
             }| {
                vec![
                    f.name.to_string(),
                    want.version.to_string(),
                    step.previous_version
                        .as_ref()
                        .map_or_else(|| "-".into(), |v| v.to_string()),
                    if step.changes() {
                        "deployed"
                    } else {
                        "unchanged"
                    }
                    .to_string(),
                    hoist_core::report::human_bytes(uploaded(&f.name)),
                ]
            },
        )
        .collect();
    printer.data(table(
        &["FUNCTION", "VERSION", "PREVIOUS", "STATUS", "UPLOADED"],
        &rows,
    ));
}

/// What storing the changed functions works with.
#[derive(Clone, Copy)]
struct Deploying<'a> {
    project: &'a Project,
    target: &'a dyn Target,
    store: &'a dyn Store,
    graphs: &'a Graphs,
    args: &'a DeployArgs,
    printer: &'a Printer,
}

/// One planned function.
struct Planned {
    function: Function,
    prepared: hoist_core::release::Prepared,
    want: Desired,
    step: Step,
}

/// Store one changed function (its image where the target takes one, then
/// its archive and manifest) and make its deploy request.
async fn stage(
    project: &Project,
    store: &dyn hoist_core::storage::Store,
    Planned {
        function: f,
        prepared,
        want,
        step,
    }: &Planned,
    dest: Option<&hoist_core::image::oci::publish::Destination>,
    release_id: &ReleaseId,
    args: &DeployArgs,
    printer: &Printer,
) -> anyhow::Result<Item> {
    let image = match dest {
        Some(dest) => Some(
            hoist_core::image::oci::publish::push_to(
                project,
                f,
                &prepared.version,
                &want.digest,
                dest,
                printer,
            )
            .await?,
        ),
        None => None,
    };
    let pushed = hoist_core::release::publish(project, f, store, prepared, printer).await?;
    // Tagged once the store holds the version (the deploy uses the digest).
    if let (Some(dest), Some(p)) = (dest, &image) {
        hoist_core::image::oci::publish::tag(project, dest, p, &prepared.version, printer).await?;
    }
    let image = image.map(|p| p.pinned);
    Ok(Item {
        req: DeployRequest {
            function: f.name.clone(),
            version: prepared.version.clone(),
            digest: want.digest.clone(),
            archive: prepared.bundle.archive.clone(),
            // The key the version's manifest names: this push's
            // content-addressed archive, or the one stored earlier.
            archive_key: pushed.archive_key.clone(),
            store_url: store.url(""),
            // A deno graph bundle says where its entrypoint and import map
            // sit inside it.
            entrypoint: prepared.entrypoint(f),
            import_map: prepared
                .bundle
                .manifest
                .import_map
                .clone()
                .or_else(|| f.import_map.clone()),
            settings: want.settings.clone(),
            env: want.env.clone(),
            release_id: release_id.clone(),
            health_timeout: std::time::Duration::from_secs(args.health_timeout),
            new_code: step.code_changed,
            image: image.clone(),
        },
        previous_version: step.previous_version.clone(),
        entry: FunctionRelease {
            function: f.name.clone(),
            version: prepared.version.clone(),
            bundle_digest: want.digest.clone(),
            image_digest: image
                .as_deref()
                .and_then(|i| i.split_once('@'))
                .map(|(_, d)| d.to_string())
                .or_else(|| pushed.image.as_ref().map(|i| i.digest.clone())),
            env_digest: want.env_digest(),
            config_digest: want.config_digest()?,
            previous_version: step.previous_version.clone(),
            previous_settings: step.previous_settings.clone(),
            state: FunctionState::Pending,
        },
    })
}
