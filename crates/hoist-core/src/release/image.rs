//! Building a function's image: bundle it, lay out its build context under
//! `.hoist/build/<fn>/` (support files, the rendered Dockerfile, build.json;
//! the bundle's files under `app/` when a builder needs them on disk), then
//! build the image into the project's OCI layout. The context directory is
//! replaced as a whole, so an interrupted build leaves the previous one
//! intact. `build` and `deploy` (for targets that run images) both go
//! through [`build`].

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{BuilderChoice, Function, Project};
use crate::image::build_info::{self, BuildInfo};
use crate::image::oci::base::Reachability;
use crate::image::{RenderContext, CONTEXT_APP_DIR};
use crate::report::Reporter;

/// What a build produced for one function.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Built {
    pub function: String,
    pub version: String,
    pub bundle_digest: String,
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    /// The image in the project's OCI layout (docs/images.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::image::oci::Image>,
    /// Why no image was built, when it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_skipped: Option<String>,
    /// The base image's registry that could not be reached, when the
    /// image was skipped for that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) unreachable_registry: Option<String>,
    /// The project image (`supabase.image: project`): the functions it
    /// serves; `function` is then the project's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub functions: Option<Vec<String>>,
}

/// Build `f`'s context and image for `platform` (`os/arch`) with `builder`
/// (default: hoist.yaml's `builder:`). `reach` is the command's record of
/// unreachable registries; an image skipped for one is not warned about
/// here: the caller says it once for all ([`report_skipped`]).
pub async fn build(
    project: &Project,
    f: &Function,
    builder: Option<BuilderChoice>,
    platform: &str,
    reach: &Reachability,
    graphs: &crate::release::steps::Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<Built> {
    check_template(project, f)?;
    // Bundling is CPU work: the runtime moves its other tasks away.
    let bundle =
        tokio::task::block_in_place(|| crate::release::bundle_one(project, f, graphs, printer))?;
    let digest = bundle.manifest.digest.clone();
    let version = crate::release::version_for(project, f, &digest);
    let ctx = RenderContext {
        app_version: version.clone(),
        revision: crate::git::commit(&project.root),
        created: crate::clock::rfc3339(crate::clock::source_date_epoch(&project.env)?),
        source: crate::git::source_url(&project.root),
        context_dir: CONTEXT_APP_DIR.to_string(),
    };
    let rendered = crate::image::render(project, f, &ctx)?;

    for w in &rendered.warnings {
        printer.warn(&format!("{}: {w}", f.name));
    }
    let info = BuildInfo {
        bundle_digest: Some(crate::digest::prefixed(&digest)),
        function: Some(f.name.to_string()),
        functions: None,
        project: None,
        runtime: Some(f.runtime),
        version: version.clone(),
    };
    let mut support: Vec<(String, Vec<u8>)> = crate::image::support_files(f.runtime)
        .into_iter()
        .map(|(p, b)| (p.to_string(), b.to_vec()))
        .collect();
    support.extend(rendered.files.iter().cloned());
    let (dest, _lock) = lay_out_function(project, f, &support, &rendered.text, &info, printer)?;
    let image = crate::image::oci::build_function(
        project,
        f,
        &version,
        &dest,
        &rendered.context_root,
        (&bundle.archive, bundle.manifest.total_size),
        builder,
        platform,
        reach,
        printer,
    )
    .await?;
    let unreachable_registry = match &image {
        crate::image::oci::Outcome::Built(_) => {
            printer.step(
                "Built",
                &format!(
                    "{} {} -> {}",
                    f.name,
                    version,
                    dest.join("Dockerfile").display()
                ),
            );
            None
        }
        crate::image::oci::Outcome::Skipped { host, .. } => Some(host.clone()),
    };
    Ok(Built {
        function: f.name.to_string(),
        version,
        bundle_digest: crate::digest::prefixed(&digest),
        dockerfile: dest.join("Dockerfile"),
        context: dest,
        image: image.built().cloned(),
        image_skipped: image.skipped().map(str::to_string),
        unreachable_registry,
        functions: None,
    })
}

/// Render `f`'s Dockerfile once with placeholder values before bundling,
/// so a broken template fails fast and leaves nothing behind in .hoist/.
fn check_template(project: &Project, f: &Function) -> anyhow::Result<()> {
    crate::image::render_dockerfile(
        project,
        f,
        &RenderContext {
            app_version: "0".into(),
            created: crate::clock::rfc3339(0),
            context_dir: CONTEXT_APP_DIR.to_string(),
            ..RenderContext::default()
        },
    )?;
    Ok(())
}

/// Lay out `f`'s build context in `.hoist/build/<fn>/` (leftovers of
/// killed builds removed first), under the lock that keeps it until the
/// caller drops it.
fn lay_out_function(
    project: &Project,
    f: &Function,
    support: &[(String, Vec<u8>)],
    dockerfile: &str,
    info: &BuildInfo,
    printer: &dyn Reporter,
) -> anyhow::Result<(PathBuf, crate::lockfile::FileLock)> {
    let build_root = project.state_dir().join("build");
    let dest = build_root.join(&f.name);
    // One build of a function at a time: its context (and an `app/`
    // written into it later) must stay the one its build.json names until
    // the image is built.
    std::fs::create_dir_all(&build_root)
        .with_context(|| format!("cannot create {}", build_root.display()))?;
    let lock = crate::lockfile::FileLock::exclusive(&build_root.join(format!(".{}.lock", f.name)))?;
    // Staging directories of killed builds of this function go first
    // (`.<function>.stage-<pid>-*`; function names hold no `.`).
    let base = format!(".{}.stage-", f.name);
    crate::leftovers::clean(&build_root, &base, false);
    crate::fsx::clean_temps(&dest);
    crate::leftovers::clean(&dest, crate::image::oci::context::STAGE_BASE, false);
    lay_out(
        &f.name,
        &build_root,
        &base,
        &dest,
        support,
        dockerfile,
        info,
        printer,
    )?;
    Ok((dest, lock))
}

/// Say once per unreachable registry which builds rendered their
/// Dockerfile but got no image (`-v` names each function and its context).
pub fn report_skipped(built: &[&Built], printer: &dyn Reporter) {
    let mut by_host: std::collections::BTreeMap<&str, Vec<&Built>> = Default::default();
    for b in built {
        if let (None, Some(host)) = (&b.image, &b.unreachable_registry) {
            by_host.entry(host.as_str()).or_default().push(b);
        }
    }
    for (host, skipped) in by_host {
        let who = match skipped.as_slice() {
            [one] => one.function.clone(),
            many => format!("{} functions", many.len()),
        };
        printer.warn(&format!(
            "{who}: Dockerfile rendered; image not built: base image registry {host} unreachable \
             (the build context is ready under .hoist/build/; run `hoist build` again once {host} \
             answers or the base image is in the cache{})",
            if skipped.len() > 1 {
                "; -v lists the functions"
            } else {
                ""
            }
        ));
        for b in skipped {
            printer.detail(&format!(
                "not built ({host} unreachable): {} {} -> {}",
                b.function,
                b.version,
                b.context.display()
            ));
        }
    }
}

/// Lay out a build context at `dest` (`files`, the Dockerfile, then
/// build.json last), unless it already holds exactly that. The bundle's
/// files join it under `app/` only when a build needs them on disk
/// ([`crate::image::oci::context`]). The context is staged beside `dest`
/// (names starting with `base`) and moved into place whole.
#[allow(clippy::too_many_arguments)]
pub(super) fn lay_out(
    name: &str,
    build_root: &Path,
    base: &str,
    dest: &Path,
    files: &[(String, Vec<u8>)],
    dockerfile: &str,
    info: &BuildInfo,
    printer: &dyn Reporter,
) -> anyhow::Result<()> {
    if context_is_current(dest, &info.to_bytes()?, dockerfile, files) {
        printer.detail(&format!(
            "{name}: build context {} is up to date",
            dest.display()
        ));
        return Ok(());
    }
    std::fs::create_dir_all(build_root)
        .with_context(|| format!("cannot create {}", build_root.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(&crate::leftovers::prefix(base))
        .tempdir_in(build_root)
        .with_context(|| {
            format!(
                "cannot create a staging directory in {}",
                build_root.display()
            )
        })?;
    for (path, bytes) in files {
        crate::fsx::write_atomic(&staging.path().join(path), bytes)?;
    }
    std::fs::write(staging.path().join("Dockerfile"), dockerfile)?;
    // Written last: its presence says the context is complete.
    info.write(staging.path())?;
    crate::interrupt::check()?;
    replace_dir(staging.keep(), dest, printer)
}

/// Whether `dest` already holds the context this build would lay out: the
/// same bundle (so any `app/` there holds its files), version, Dockerfile
/// and support files. The context is
/// hoist's own output under `.hoist/`, replaced as a whole on every change.
pub(super) fn context_is_current(
    dest: &Path,
    info: &[u8],
    dockerfile: &str,
    support: &[(String, Vec<u8>)],
) -> bool {
    let same = |rel: &str, want: &[u8]| std::fs::read(dest.join(rel)).is_ok_and(|b| b == want);
    same(build_info::FILE_NAME, info)
        && same("Dockerfile", dockerfile.as_bytes())
        && support.iter().all(|(path, bytes)| same(path, bytes))
}

/// Move `new` into place at `dest`, replacing what was there.
/// An old copy that cannot be removed afterwards is a warning: the new one
/// is in place.
pub(super) fn replace_dir(new: PathBuf, dest: &Path, printer: &dyn Reporter) -> anyhow::Result<()> {
    if dest.exists() {
        let old = dest.with_extension(format!("old-{}", std::process::id()));
        std::fs::rename(dest, &old)
            .with_context(|| format!("cannot move {} aside", dest.display()))?;
        if let Err(e) = std::fs::rename(&new, dest) {
            let mut err =
                anyhow::Error::from(e).context(format!("cannot replace {}", dest.display()));
            if let Err(back) = std::fs::rename(&old, dest) {
                err = err.context(format!(
                    "{} is left at {} ({back})",
                    dest.display(),
                    old.display()
                ));
            }
            if let Err(rm) = crate::fsx::remove_dir_all(&new) {
                err = err.context(format!("{rm:#}"));
            }
            return Err(err);
        }
        if let Err(e) = crate::fsx::remove_dir_all(&old) {
            printer.warn(&format!(
                "{e:#}; the old copy of {} is left there",
                dest.display()
            ));
        }
    } else {
        std::fs::rename(&new, dest).with_context(|| format!("cannot create {}", dest.display()))?;
    }
    Ok(())
}
