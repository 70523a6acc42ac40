//! `hoist pull <function> <version|latest>`: download a version's archive
//! from the artifact store and refuse it unless its sha256 and size match
//! the release manifest. The file appears only once verified. `latest` is
//! the newest version stored (unless a version is literally named so).

use std::path::PathBuf;

use serde_json::json;

use crate::cli::PullArgs;
use crate::context::Context;
use crate::error::UserError;
use crate::ui::Printer;
use hoist_core::storage::{layout, release, OpenOptions};

pub(crate) async fn run(g: &Context<'_>, args: &PullArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    layout::check_function(&args.function)?;
    layout::check_version(&args.version)?;
    let store = hoist_core::storage::open(
        &project,
        &OpenOptions {
            profile: args.store.profile.clone(),
        },
        printer,
    )
    .await?;
    let version = if args.version == "latest" {
        let versions = release::list_versions(store.as_ref(), &args.function).await?;
        if versions.iter().any(|v| v.version == "latest") {
            "latest".to_string()
        } else {
            match versions.last() {
                Some(v) => v.version.clone(),
                None => {
                    return Err(UserError::failure(format!(
                        "no versions of {} in {}",
                        args.function,
                        store.url(&layout::function_dir(&args.function))
                    ))
                    .with_hint(format!("store one with `hoist push {}`", args.function))
                    .into())
                }
            }
        }
    } else {
        args.version.clone()
    };
    let args = &crate::cli::PullArgs {
        version,
        function: args.function.clone(),
        out: args.out.clone(),
        store: args.store.clone(),
    };
    let file_name = format!("{}-{}.tar.gz", args.function, args.version);
    let dest = match &args.out {
        // `-o some/dir/` puts the archive in that directory, as cp does.
        Some(out) if out.is_dir() => out.join(&file_name),
        Some(out) => out.clone(),
        None => PathBuf::from(file_name),
    };
    let bar = hoist_core::report::Reporter::progress(printer, 0, "Pulling");
    bar.set_message(format!("{} {}", args.function, args.version));
    let result = release::fetch(store.as_ref(), &args.function, &args.version, &dest, &bar);
    bar.finish_and_clear();
    let fetched = result.await?;
    printer.status(
        "Pulled",
        format!(
            "{} {} ({}, {} verified)",
            args.function,
            args.version,
            hoist_core::report::human_bytes(fetched.bytes),
            fetched.manifest.bundle.digest
        ),
    );
    if printer.json() {
        printer.json_doc(&json!({
            "function": args.function,
            "version": args.version,
            "path": fetched.path,
            "bundle_digest": fetched.manifest.bundle.digest,
            "size": fetched.bytes,
            "manifest": fetched.manifest,
        }));
    } else {
        printer.data(fetched.path.display().to_string());
    }
    Ok(())
}
