//! Storing a prepared function as an immutable version: its image (when a
//! registry is configured) first, by digest, then its archive and release
//! manifest in the artifact store, then the image's version tag. Pushing what is already stored uploads nothing.
//! `push` and `deploy` both go through [`publish`].

use std::time::Duration;

use serde::Serialize;

use super::Prepared;
use crate::config::{Function, Project};
use crate::report::Reporter;
use crate::storage::manifest::{ImageRef, ReleaseManifest};
use crate::storage::release::{self, Outcome};
use crate::storage::{layout, Store};

/// What `hoist push` reports for one function.
#[derive(Debug, Clone, Serialize)]
pub struct Pushed {
    pub function: hoist_api::FunctionName,
    pub version: hoist_api::names::Version,
    pub bundle_digest: String,
    pub(crate) bundle_size: u64,
    pub image: Option<ImageRef>,
    pub status: crate::storage::release::Outcome,
    pub(crate) store: &'static str,
    pub archive_url: String,
    /// The archive's key in the store, as the version's manifest names it
    /// (what a target sharing the store fetches).
    pub archive_key: String,
    pub(crate) manifest_url: String,
    pub uploaded_bytes: u64,
    pub(crate) parts: usize,
    pub(crate) retries: usize,
    pub(crate) upload_seconds: f64,
    /// The image push (registry reference, digest, blob bytes uploaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) image_push: Option<crate::image::oci::publish::Pushed>,
}

/// Refuse a version stored with other content, push the image, then store
/// the archive and manifest.
pub async fn publish(
    project: &Project,
    f: &Function,
    store: &dyn Store,
    prepared: &Prepared,
    printer: &dyn Reporter,
) -> anyhow::Result<Pushed> {
    let digest = crate::digest::prefixed(&prepared.bundle.manifest.digest);
    // A version stored with other content is refused before anything,
    // image included, is sent.
    let mut manifest = super::release_manifest(project, f, prepared, None);
    release::check_version_free(store, &manifest).await?;
    // The image `hoist build` made for this version goes to the registry
    // first (when one is configured); the manifest names it.
    // Under `supabase.image: project` the function's image is the project's
    // (pushed once by `hoist push`), not its own.
    let image_push = if super::project::serves(project, f) {
        None
    } else {
        crate::image::oci::publish::push_function_of(
            project,
            f,
            &prepared.version,
            &digest,
            printer,
        )
        .await?
    };
    manifest.image = image_push.as_ref().map(|p| ImageRef {
        reference: p.pinned.clone(),
        digest: p.digest.clone(),
    });
    let mut one = push_one(f, store, prepared, &manifest, printer).await?;
    // The store kept this image for the version (a racing push with other
    // content was refused above): only now does the tag name it.
    if let Some(p) = &image_push {
        crate::image::oci::publish::tag_function_of(project, f, &prepared.version, p, printer)
            .await?;
    }
    one.image_push = image_push;
    Ok(one)
}

/// Store one prepared function (archive, then manifest, then index).
pub(crate) async fn push_one(
    f: &Function,
    store: &dyn Store,
    prepared: &Prepared,
    m: &ReleaseManifest,
    printer: &dyn Reporter,
) -> anyhow::Result<Pushed> {
    let bar = printer.progress(m.bundle.size, "Uploading");
    bar.set_message(format!("{} {}", f.name, m.version));
    let result = release::publish(store, m, &prepared.bundle.archive, &bar);
    bar.finish_and_clear();
    let published = result.await?;
    if let Some(note) = &published.note {
        printer.warn(note);
    }
    match published.outcome {
        Outcome::Unchanged => printer.step(
            "Unchanged",
            &format!("{} {} (already stored)", f.name, m.version),
        ),
        Outcome::Stored if published.uploaded_bytes == 0 => printer.step(
            "Stored",
            &format!("{} {} (archive was already uploaded)", f.name, m.version),
        ),
        Outcome::Stored => printer.step(
            "Stored",
            &format!(
                "{} {}: {} in {}{}",
                f.name,
                m.version,
                crate::report::human_bytes(published.uploaded_bytes),
                seconds(published.upload_time),
                rate(published.uploaded_bytes, published.upload_time),
            ),
        ),
    }
    if published.parts > 0 {
        printer.detail(&format!(
            "{} parts, {} part retries",
            published.parts, published.retries
        ));
    }
    Ok(Pushed {
        function: f.name.clone(),
        version: m.version.clone(),
        bundle_digest: m.bundle.digest.clone(),
        bundle_size: m.bundle.size,
        image: m.image.clone(),
        status: published.outcome,
        store: store.kind(),
        archive_url: published.archive_url,
        archive_key: published.archive_key,
        manifest_url: store.url(&layout::manifest_key(&f.name, &m.version)),
        uploaded_bytes: published.uploaded_bytes,
        parts: published.parts,
        retries: published.retries,
        upload_seconds: (published.upload_time.as_secs_f64() * 1000.0).round() / 1000.0,
        image_push: None,
    })
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn rate(bytes: u64, d: Duration) -> String {
    let s = d.as_secs_f64();
    if s <= 0.0 || bytes == 0 {
        return String::new();
    }
    format!(
        " ({}/s)",
        crate::report::human_bytes((bytes as f64 / s) as u64)
    )
}
