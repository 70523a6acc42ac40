//! `hoist push`: bundle each selected function, name its version, and store
//! the archive and then the release manifest in the artifact store as an
//! immutable version. Pushing what is already stored is a no-op that uploads
//! nothing. The steps live in `release` (`prepare`, `publish`), shared with
//! `hoist deploy`; an image pushed with a version is named in its manifest
//! by digest.

use serde_json::json;

use crate::cli::PushArgs;
use crate::context::Context;
use crate::ui::{table, Printer};
use hoist_core::storage::OpenOptions;

pub(crate) async fn run(g: &Context<'_>, args: &PushArgs, printer: &Printer) -> anyhow::Result<()> {
    let project = super::project(g, printer)?;
    let functions = super::select(&project, &args.functions, printer)?;
    let graphs = super::check_graphs(&project, &functions, args.allow_unresolved)?;
    let opts = OpenOptions {
        profile: args.store.profile.clone(),
    };
    let store = hoist_core::storage::open(&project, &opts, printer).await?;
    // Leftovers of earlier interrupted pushes (stale multipart uploads,
    // temporary files) go first.
    for what in store
        .clean_uploads(hoist_core::storage::STALE_AFTER)
        .await?
    {
        printer.status("Cleaned", format!("stale upload {what}"));
    }
    let project_image = hoist_core::release::project::enabled(&project)
        && functions
            .iter()
            .any(|f| hoist_core::release::project::serves(&project, f));
    let mut pushed = Vec::new();
    for f in functions {
        let prepared = super::cpu(|| hoist_core::release::prepare(&project, f, &graphs, printer))?;
        pushed.push(
            hoist_core::release::publish(&project, f, store.as_ref(), &prepared, printer).await?,
        );
    }
    if project_image {
        if let Some(p) =
            hoist_core::image::oci::publish::push_project_image(&project, printer).await?
        {
            printer.status("Project image", p.pinned.clone());
        }
    }
    if printer.json() {
        printer.json_doc(&json!(pushed));
    } else {
        let rows: Vec<Vec<String>> = pushed
            .iter()
            .map(|p| {
                vec![
                    p.function.to_string(),
                    p.version.to_string(),
                    p.bundle_digest.chars().take(19).collect(),
                    p.status.to_string(),
                    hoist_core::report::human_bytes(p.uploaded_bytes),
                    p.archive_url.clone(),
                ]
            })
            .collect();
        printer.data(table(
            &[
                "FUNCTION", "VERSION", "BUNDLE", "STATUS", "UPLOADED", "ARCHIVE",
            ],
            &rows,
        ));
    }
    Ok(())
}
