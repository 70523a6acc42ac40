//! `hoist deploy`: plan, then apply as one release. Each selected function
//! is bundled and versioned; its desired state (code digest, configured env,
//! settings) is compared with what the target runs, and unchanged functions
//! drop out (an unchanged deploy uploads nothing and changes nothing).
//! `--dry-run` prints the plan. Otherwise the changed functions are stored
//! in the artifact store and deployed together: all go live or none stays.

use std::fs::File;

use anyhow::Context;
use serde_json::json;

use crate::cli::{DeployArgs, GlobalArgs};
use crate::config::{Function, Project, VersionPolicy};
use crate::release::apply::{self, Item};
use crate::release::plan::{self, Desired, Step};
use crate::release::record::{FunctionRelease, FunctionState, ReleaseRecord};
use crate::storage::layout;
use crate::targets::{DeployRequest, FunctionSettings};
use crate::ui::{table, Printer};

pub fn run(g: &GlobalArgs, args: &DeployArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    super::check_graphs(&project, &functions, args.allow_unresolved)?;
    if let Some(v) = &args.version {
        layout::check_version(v)?;
    }
    let target = super::target(&project, &args.target, printer)?;
    plan::check_runtimes(target.as_ref(), &functions)?;
    let store = super::store(&project, &args.store, printer)?;

    // One deploy at a time per checkout; a release a killed hoist left
    // unfinished is undone before planning (a dry run only reports it).
    let mut _lease = None;
    let _lock = if args.dry_run {
        for r in crate::release::record::open_records(store.as_ref(), false)? {
            printer.warn(format!(
                "release {} ({}) is unfinished; the next deploy recovers it",
                r.id, r.created_at
            ));
        }
        None
    } else {
        let lock = lock(&project, printer)?;
        // One release of the target at a time among the checkouts and
        // machines sharing this store (held until this command ends).
        _lease = Some(crate::release::lease::acquire(
            store.as_ref(),
            target.kind(),
            "deploy",
            crate::release::lease::wait(),
            printer,
        )?);
        for (id, status) in apply::recover(target.as_ref(), store.as_ref(), printer)? {
            if status == crate::release::record::ReleaseStatus::Live {
                printer.warn(format!(
                    "release {id} had gone live without its record being closed; it is recorded live"
                ));
            } else {
                printer.warn(format!(
                    "release {id} had been left unfinished; it is rolled back"
                ));
            }
        }
        Some(lock)
    };

    // Plan: bundle and version each function, read the target's state.
    let functions: Vec<Function> = functions
        .iter()
        .map(|f| with_version(f, args.version.as_deref()))
        .collect();
    let prepared = crate::release::steps::prepare_all(&project, &functions, printer)?;
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let actual = target.active_all(&names)?;
    let mut planned = Vec::new();
    for ((f, prepared), have) in functions.into_iter().zip(prepared).zip(actual) {
        let want = Desired {
            function: f.name.clone(),
            version: prepared.version.clone(),
            digest: format!("sha256:{}", prepared.bundle.manifest.digest),
            env: f.env.clone(),
            settings: FunctionSettings {
                target: target.settings_digest(&f.name),
                ..FunctionSettings::of(&f)
            },
        };
        let step = plan::step(&want, have.as_ref());
        planned.push((f, prepared, want, step));
    }
    let steps: Vec<&Step> = planned.iter().map(|p| &p.3).collect();
    if args.dry_run {
        print_plan(&steps, printer);
        return Ok(());
    }
    let changed = steps.iter().filter(|s| s.changes()).count();
    if changed == 0 {
        printer.status(
            "Unchanged",
            "every function already runs this code, env and settings",
        );
        print_result(&planned, None, printer);
        return Ok(());
    }

    // Targets that run images get each version's image, built when missing
    // (one at a time: builds share the project's image layout).
    let changed: Vec<&Planned> = planned.iter().filter(|p| p.3.changes()).collect();
    let mut dests = Vec::new();
    let reach = crate::image::oci::base::Reachability::default();
    let mut built = Vec::new();
    for (f, _, _, step) in &changed {
        printer.status("Planned", format!("{}: {}", f.name, step.summary()));
        let dest = target.image_destination(&f.name)?;
        if dest.is_some() {
            built.push(crate::release::image::build(
                &project,
                f,
                None,
                "linux/amd64",
                &reach,
                printer,
            )?);
        }
        dests.push(dest);
    }
    crate::release::image::report_skipped(&built.iter().collect::<Vec<_>>(), printer);
    // Then images and archives are stored, `--jobs` functions at a time.
    let jobs = args.jobs.clamp(1, changed.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, anyhow::Result<Item>)>> = Default::default();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(p) = changed.get(i) else { return };
                if crate::interrupt::requested() {
                    return;
                }
                let one = stage(
                    &project,
                    store.as_ref(),
                    p,
                    dests[i].as_ref(),
                    args,
                    printer,
                );
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, one));
            });
        }
    });
    crate::interrupt::check()?;
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|r| r.0);
    let mut items = Vec::new();
    for (_, r) in results {
        items.push(r?);
    }
    let record = ReleaseRecord::new(
        target.kind(),
        &project.config.project,
        crate::git::commit(&project.root),
    );
    for item in &mut items {
        item.req.release_id = record.id.clone();
    }
    printer.status(
        "Releasing",
        format!(
            "{} as {} to {}",
            plural(items.len(), "function"),
            record.id,
            target.describe()
        ),
    );
    let applied = apply::apply(
        target.as_ref(),
        store.as_ref(),
        record,
        items,
        args.jobs,
        printer,
    )?;
    printer.status(
        "Live",
        format!(
            "release {} ({})",
            applied.record.id,
            plural(applied.deployed.len(), "function")
        ),
    );
    print_result(&planned, Some(&applied), printer);
    Ok(())
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
    crate::ui::plural(n, word, &format!("{word}s"))
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
                s.function.clone(),
                s.action.to_string(),
                s.previous_version.clone().unwrap_or_else(|| "-".into()),
                s.version.clone(),
                s.summary(),
            ]
        })
        .collect();
    printer.data(table(
        &["FUNCTION", "ACTION", "FROM", "TO", "CHANGES"],
        &rows,
    ));
}

fn print_result(
    planned: &[(Function, crate::release::Prepared, Desired, Step)],
    applied: Option<&apply::Applied>,
    printer: &Printer,
) {
    let uploaded = |name: &str| {
        applied
            .and_then(|a| a.deployed.iter().find(|d| d.function == name))
            .map(|d| d.uploaded_bytes)
            .unwrap_or(0)
    };
    if printer.json() {
        let functions: Vec<_> = planned
            .iter()
            .map(|(f, _, want, step)| {
                json!({
                    "function": f.name,
                    "version": want.version,
                    "previous_version": step.previous_version,
                    "digest": want.digest,
                    "status": if step.changes() { "deployed" } else { "unchanged" },
                    "uploaded_bytes": uploaded(&f.name),
                })
            })
            .collect();
        printer.json_doc(&json!({
            "release": applied.map(|a| a.record.id.clone()),
            "functions": functions,
        }));
        return;
    }
    let rows: Vec<Vec<String>> = planned
        .iter()
        .map(|(f, _, want, step)| {
            vec![
                f.name.clone(),
                want.version.clone(),
                step.previous_version.clone().unwrap_or_else(|| "-".into()),
                if step.changes() {
                    "deployed"
                } else {
                    "unchanged"
                }
                .to_string(),
                crate::ui::human_bytes(uploaded(&f.name)),
            ]
        })
        .collect();
    printer.data(table(
        &["FUNCTION", "VERSION", "PREVIOUS", "STATUS", "UPLOADED"],
        &rows,
    ));
}

/// One planned function: (function, prepared bundle, desired state, plan step).
type Planned = (Function, crate::release::Prepared, Desired, Step);

/// Store one changed function (its image where the target takes one, then
/// its archive and manifest) and make its deploy request.
fn stage(
    project: &Project,
    store: &dyn crate::storage::Store,
    (f, prepared, want, step): &Planned,
    dest: Option<&crate::image::oci::publish::Destination>,
    args: &DeployArgs,
    printer: &Printer,
) -> anyhow::Result<Item> {
    let image = match dest {
        Some(dest) => Some(crate::image::oci::publish::push_to(
            project,
            f,
            &prepared.version,
            &want.digest,
            dest,
            printer,
        )?),
        None => None,
    };
    let pushed = crate::release::publish(project, f, store, prepared, printer)?;
    // Tagged once the store holds the version (the deploy uses the digest).
    if let (Some(dest), Some(p)) = (dest, &image) {
        crate::image::oci::publish::tag(project, dest, p, &prepared.version, printer)?;
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
            release_id: String::new(),
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
