//! Building the project image of a Supabase project (`supabase: { image:
//! project }`, docs/supabase.md): every deno function's graph in one
//! bundle (the union, under the functions' common root), a generated
//! router as edge-runtime's main service, and one image in the project's
//! OCI layout named `<project>:<version>`, the version being the first 12
//! hex digits of the sha256 of what goes into the image besides the base.
//! Same inputs, same bundle, same context, same image digest.

use crate::image::ImageError;
use sha2::{Digest, Sha256};

use super::image::Built;
use crate::config::{BuilderChoice, Function, Project, SupabaseImage};
use crate::image::build_info::BuildInfo;
use crate::image::oci::{self, spec::Platform, store};
use crate::image::project::{self as proj, STATE_NAME};
use crate::image::{RenderContext, CONTEXT_APP_DIR};
use crate::report::Reporter;

/// Whether hoist.yaml asks for one image for the whole project.
pub fn enabled(project: &Project) -> bool {
    project.config.supabase.image == SupabaseImage::Project
}

/// The functions the project image serves: every deno function bundled
/// by its module graph (not those with their own Dockerfile).
pub(crate) fn members(project: &Project) -> Vec<&Function> {
    project
        .functions
        .iter()
        .filter(|f| super::steps::is_graph_bundle(f))
        .collect()
}

/// Whether `f` is served by the project image rather than its own.
pub fn serves(project: &Project, f: &Function) -> bool {
    enabled(project) && super::steps::is_graph_bundle(f)
}

/// The project image's port: the members' port when they agree, else 8000.
fn port(members: &[&Function]) -> u16 {
    match members.first() {
        Some(f) if members.iter().all(|m| m.port == f.port) => f.port,
        _ => 8000,
    }
}

/// Bundle every member, lay out the project image's context under
/// `.hoist/build/_project/` and build the image.
pub async fn build(
    project: &Project,
    builder: Option<BuilderChoice>,
    platform: &str,
    reach: &oci::base::Reachability,
    graphs: &super::steps::Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<Built> {
    let name = &project.config.project;
    let members = checked_members(project)?;
    let layout = member_layout(project, &members, graphs, printer)?;
    let router = proj::router_source(&layout.routes);

    printer.step(
        "Bundling",
        &format!("{name} (project image: {} functions)", members.len()),
    );
    let mut opts = super::steps::options(project, None)?;
    // The union of bundles that each passed the limit.
    opts.limit_bytes = u64::MAX;
    let out_dir = project.state_dir().join("bundles").join(STATE_NAME);
    let bundle = tokio::task::block_in_place(|| {
        crate::bundle::bundle_plan(STATE_NAME, &layout.plan, &out_dir, &opts)
    })?;
    let digest = bundle.manifest.digest.clone();
    let version = version(&digest, &router, &layout);

    let context = Context::new(project, &layout, router, &version, &digest, port(&members))?;
    // Held until the image is built: the context stays the one laid out.
    let (dest, _lock) = lay_out(project, &context, printer)?;

    let builder = builder.unwrap_or(project.config.builder);
    let opts = oci::Options {
        builder,
        platform: Platform::parse(platform).map_err(|why| ImageError::Platform { why })?,
        epoch: crate::clock::source_date_epoch(&project.env)?,
        insecure: project.config.registry.insecure,
        configured_registry: project
            .config
            .registry
            .url
            .as_deref()
            .map(oci::registry_host),
        bundle: Some((
            CONTEXT_APP_DIR.to_string(),
            crate::digest::prefixed(&digest),
        )),
        bundle_archive: Some((bundle.archive.clone(), bundle.manifest.total_size)),
        env: project.env.clone(),
    };
    let (image, skipped) =
        build_image(project, &dest, &version, &digest, &opts, reach, printer).await?;
    printer.step(
        "Built",
        &format!(
            "{name} {version} (project image) -> {}",
            dest.join("Dockerfile").display()
        ),
    );
    Ok(Built {
        function: name.clone(),
        version,
        bundle_digest: crate::digest::prefixed(&digest),
        dockerfile: dest.join("Dockerfile"),
        context: dest,
        image,
        image_skipped: skipped,
        unreachable_registry: None,
        functions: Some(context.functions),
    })
}

/// The members, once the project is checked fit for one image: every
/// function usable, at least one member, and no function named like the
/// project (whose name the image takes in the OCI layout).
fn checked_members(project: &Project) -> anyhow::Result<Vec<&Function>> {
    let name = &project.config.project;
    // The image serves every function: none may be left out unchecked.
    project.all_usable()?;
    let members = members(project);
    if members.is_empty() {
        return Err(crate::release::ReleaseError::NoProjectMembers.into());
    }
    if let Some(f) = project.functions.iter().find(|f| f.name == *name) {
        return Err(crate::release::ReleaseError::ProjectNameTaken {
            function: f.name.to_string(),
        }
        .into());
    }
    Ok(members)
}

/// Each member's module graph (its warnings printed), laid out as one
/// union under the members' common root.
fn member_layout(
    project: &Project,
    members: &[&Function],
    graphs: &super::steps::Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<proj::ProjectLayout> {
    let mut plans = Vec::new();
    for f in members {
        let opts = super::steps::options(project, Some(f))?;
        let plan = graphs.plan(project, f, &opts)?;
        for w in &plan.warnings {
            printer.warn(w);
        }
        plans.push((*f, plan));
    }
    proj::layout(project, &plans)
}

/// The project image's version: the first 12 hex digits of the sha256 of
/// the bundle digest, the router and the generated index files.
fn version(digest: &str, router: &str, layout: &proj::ProjectLayout) -> String {
    let mut sha = Sha256::new();
    sha.update(digest.as_bytes());
    sha.update([0]);
    sha.update(router.as_bytes());
    for (src, dest, text) in &layout.indexes {
        for part in [src, dest, text] {
            sha.update([0]);
            sha.update(part.as_bytes());
        }
    }
    crate::digest::Digest::finish(sha).short().to_string()
}

/// What the project image's build context holds besides the bundle.
struct Context {
    dockerfile: String,
    /// build.json.
    info: BuildInfo,
    /// The router and the generated index files, by path in the context.
    files: Vec<(String, Vec<u8>)>,
    /// The functions the image serves.
    functions: Vec<String>,
}

impl Context {
    fn new(
        project: &Project,
        layout: &proj::ProjectLayout,
        router: String,
        version: &str,
        digest: &str,
        port: u16,
    ) -> anyhow::Result<Context> {
        let ctx = RenderContext {
            app_version: version.to_string(),
            revision: crate::git::commit(&project.root),
            created: crate::clock::rfc3339(crate::clock::source_date_epoch(&project.env)?),
            source: crate::git::source_url(&project.root),
            context_dir: CONTEXT_APP_DIR.to_string(),
        };
        let dockerfile = proj::dockerfile(project, layout, &ctx, port)?;
        let functions: Vec<String> = layout.routes.keys().cloned().collect();
        let info = BuildInfo {
            bundle_digest: Some(crate::digest::prefixed(digest)),
            function: None,
            functions: Some(functions.clone()),
            project: Some(project.config.project.clone()),
            runtime: None,
            version: version.to_string(),
        };
        let mut files: Vec<(String, Vec<u8>)> =
            vec![(proj::ROUTER_SRC.to_string(), router.into_bytes())];
        for (src, _, text) in &layout.indexes {
            files.push((src.clone(), text.clone().into_bytes()));
        }
        Ok(Context {
            dockerfile,
            info,
            files,
            functions,
        })
    }
}

/// Lay the context out in `.hoist/build/_project/` (leftovers of killed
/// builds removed first), under the lock that keeps it until the caller
/// drops it.
fn lay_out(
    project: &Project,
    context: &Context,
    printer: &dyn Reporter,
) -> anyhow::Result<(std::path::PathBuf, crate::lockfile::FileLock)> {
    let build_root = project.state_dir().join("build");
    let dest = build_root.join(STATE_NAME);
    std::fs::create_dir_all(&build_root)?;
    let lock =
        crate::lockfile::FileLock::exclusive(&build_root.join(format!(".{STATE_NAME}.lock")))?;
    let base = format!(".{STATE_NAME}.stage-");
    crate::leftovers::clean(&build_root, &base, false);
    crate::leftovers::clean(&dest, oci::context::STAGE_BASE, false);
    super::image::lay_out(
        &project.config.project,
        &build_root,
        &base,
        &dest,
        &context.files,
        &context.dockerfile,
        &context.info,
        printer,
    )?;
    Ok((dest, lock))
}

/// Build the image from the context in `dest` into the project's OCI
/// layout. With the automatic builder, an unreachable registry skips the
/// image with a warning: `(None, Some(reason))`.
async fn build_image(
    project: &Project,
    dest: &std::path::Path,
    version: &str,
    digest: &str,
    opts: &oci::Options,
    reach: &oci::base::Reachability,
    printer: &dyn Reporter,
) -> anyhow::Result<(Option<oci::Image>, Option<String>)> {
    let image_name = oci::layout_name(&project.config.project, version);
    let layout_dir = store::layout_dir(project);
    let res = oci::build(
        &dest.join("Dockerfile"),
        dest,
        &image_name,
        &layout_dir,
        opts,
        reach,
        printer,
    )
    .await;
    match res {
        Ok(img) => {
            oci::record_bundle(&layout_dir, &image_name, &crate::digest::prefixed(digest))?;
            printer.step(
                "Image",
                &format!(
                    "{image_name} {} ({}, {})",
                    img.digest, img.platform, img.builder
                ),
            );
            Ok((Some(img), None))
        }
        Err(e)
            if opts.builder == BuilderChoice::Auto
                && crate::registry::client::is_unreachable(&e) =>
        {
            let reason = e
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            printer.warn(&format!(
                "no image for {image_name}: {reason}; the build context is ready in {}",
                dest.display()
            ));
            Ok((None, Some(reason)))
        }
        Err(e) => Err(e),
    }
}
