//! Daemonless OCI images for functions. `hoist build` calls
//! [`build_function`] once a function's build context is laid out: the
//! rendered Dockerfile is parsed ([`parse`]), built natively when it only
//! copies files and sets config ([`native`], on a base resolved and cached by
//! [`base`], with deterministic layers from [`layer`]), or handed to buildah,
//! podman or docker when it must run something ([`external`]). The result is
//! written to the project's OCI image layout ([`store`], `.hoist/oci/`) as
//! `<function>:<version>`, where `hoist push` finds it. docs/images.md is the
//! user-facing description.

pub mod base;
pub(crate) mod context;
pub mod external;
pub(crate) mod layer;
pub(crate) mod native;
pub mod parse;
pub mod publish;
pub(crate) mod spec;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{BuilderChoice, Function, Project};
use crate::env::Env;
use crate::image::ImageError;
use crate::report::Reporter;
use spec::{Descriptor, Platform};
use store::{BlobStore, Layout};

/// How to build.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) builder: BuilderChoice,
    pub(crate) platform: Platform,
    /// SOURCE_DATE_EPOCH or 0.
    pub(crate) epoch: u64,
    /// `registry.insecure`.
    pub(crate) insecure: bool,
    /// Host of `registry.url`.
    pub(crate) configured_registry: Option<String>,
    /// The context directory holding exactly a bundle's files, relative to
    /// the context, and the bundle digest (see [`native::Request::bundle`]).
    pub(crate) bundle: Option<(String, String)>,
    /// That bundle's archive and the size of its files, when the context
    /// does not hold them yet (see [`context::Bundle`]).
    pub(crate) bundle_archive: Option<(PathBuf, u64)>,
    /// The project's environment (credentials, the cache, PATH).
    pub(crate) env: Env,
}

/// An image in the project's layout.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Image {
    /// Name in the layout's index: `<function>:<version>`.
    pub(crate) name: String,
    /// Manifest digest.
    pub digest: String,
    /// Sum of config and layer sizes.
    pub(crate) size: u64,
    pub(crate) platform: String,
    /// `native`, `buildah`, `podman` or `docker`.
    pub(crate) builder: String,
    /// The layout directory.
    pub(crate) layout: PathBuf,
    /// The base image, pinned by digest, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) base: Option<String>,
}

/// The host part of `registry.url` (`127.0.0.1:5000/team` → `127.0.0.1:5000`).
pub(crate) fn registry_host(url: &str) -> String {
    let u = url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = u.split('/').next().unwrap_or(u);
    // Never the `user:password@` a mistyped url may hold.
    host.rsplit_once('@').map_or(host, |(_, h)| h).to_string()
}

/// Note on image `name`'s index entry in the layout at `layout_dir` which
/// bundle it was built from ([`spec::BUNDLE_DIGEST`]).
pub(crate) fn record_bundle(
    layout_dir: &Path,
    name: &str,
    bundle_digest: &str,
) -> anyhow::Result<()> {
    let layout = Layout::open(layout_dir)?;
    if let Some(mut desc) = layout.find(name)? {
        desc.annotations
            .insert(spec::BUNDLE_DIGEST.to_string(), bundle_digest.to_string());
        layout.tag(name, desc)?;
    }
    Ok(())
}

/// The name of a function's image in the layout.
pub(crate) fn layout_name(function: &str, version: &str) -> String {
    format!("{function}:{version}")
}

/// Build the image of the Dockerfile at `dockerfile`, COPY sources relative
/// to `context`, into `layout_dir` as `name`.
pub(crate) async fn build(
    dockerfile: &Path,
    context: &Path,
    name: &str,
    layout_dir: &Path,
    opts: &Options,
    reach: &base::Reachability,
    printer: &dyn Reporter,
) -> anyhow::Result<Image> {
    let text = std::fs::read_to_string(dockerfile)
        .with_context(|| format!("cannot read {}", dockerfile.display()))?;
    let file = dockerfile.display().to_string();
    let df = parse::parse(&text, &file)?;
    let layout = Layout::open(layout_dir)?;
    let bundle = match (&opts.bundle, &opts.bundle_archive) {
        (Some((rel, _)), Some((archive, size))) => Some(context::Bundle::new(
            archive.clone(),
            context.join(rel),
            *size,
        )),
        _ => None,
    };
    let res = build_with(&Job {
        df: &df,
        file: &file,
        dockerfile,
        context,
        name,
        layout: &layout,
        opts,
        bundle: bundle.as_ref(),
        reach,
        printer,
    })
    .await;
    // A build that stops at an unreachable base leaves a context any
    // builder can take (the caller says so).
    if let (Err(e), Some(b)) = (&res, &bundle) {
        if crate::registry::client::is_unreachable(e) {
            if let Err(u) = b.unpack() {
                printer.warn(&format!(
                    "the build context {} lacks the bundle's files: {u:#}",
                    context.display()
                ));
            }
        }
    }
    res
}

/// One image build: the parsed Dockerfile (`file` names it in messages),
/// its context and where the image goes.
struct Job<'a> {
    df: &'a parse::Dockerfile,
    file: &'a str,
    dockerfile: &'a Path,
    context: &'a Path,
    name: &'a str,
    layout: &'a Layout,
    opts: &'a Options,
    bundle: Option<&'a context::Bundle>,
    reach: &'a base::Reachability,
    printer: &'a dyn Reporter,
}

/// What a builder put in the layout: the image's descriptor, the builder's
/// name and the base image, when the builder tells.
type Produced = (Descriptor, String, Option<String>);

async fn build_with(job: &Job<'_>) -> anyhow::Result<Image> {
    // ADD may unpack archives, which is judged on disk.
    if let Some(b) = job.bundle {
        if job
            .df
            .stages
            .iter()
            .flat_map(|s| &s.instructions)
            .any(|i| i.keyword == "ADD")
        {
            b.unpack()?;
        }
    }
    let (desc, builder, base) = match choose_tool(job)? {
        None => build_native(job).await?,
        Some(t) => build_external(job, t).await?,
    };
    let layout = job.layout;
    let manifest: spec::Manifest = serde_json::from_slice(&layout.blobs.read(&desc.digest)?)?;
    let size = manifest.config.size + manifest.layers.iter().map(|l| l.size).sum::<u64>();
    Ok(Image {
        name: job.name.to_string(),
        digest: desc.digest,
        size,
        platform: job.opts.platform.to_string(),
        builder,
        layout: layout.dir().to_path_buf(),
        base,
    })
}

/// The external builder to use (`None`: the native one), from the builder
/// asked for and whether the Dockerfile needs one the native builder
/// cannot be; an error when the one it needs is refused or not installed.
fn choose_tool(job: &Job) -> anyhow::Result<Option<external::Tool>> {
    let file = job.file;
    let needs = native::needs_builder(job.df, job.context);
    Ok(match (job.opts.builder, &needs) {
        (BuilderChoice::Native, Some((line, inst, why))) => {
            return Err(ImageError::NotNative {
                file: file.to_string(),
                line: *line,
                instruction: inst.to_string(),
                why: why.to_string(),
            }
            .into())
        }
        (BuilderChoice::Native, None) | (BuilderChoice::Auto, None) => None,
        (BuilderChoice::Auto, Some((line, inst, why))) => match external::detect(&job.opts.env) {
            Some(t) => Some(t),
            None => {
                return Err(ImageError::NeedsBuilder {
                    file: file.to_string(),
                    line: *line,
                    instruction: inst.to_string(),
                    why: why.to_string(),
                }
                .into())
            }
        },
        (choice, _) => external::Tool::from_choice(choice),
    })
}

impl Job<'_> {
    /// The registry access of this build: its settings, and the record of
    /// registries already found unreachable by this command.
    fn net(&self) -> anyhow::Result<base::Net<'_>> {
        base::Net::new(
            self.opts.insecure,
            self.opts.configured_registry.clone(),
            self.printer,
            self.reach,
            &self.opts.env,
        )
    }
}

/// Build with the native builder, then copy its layers from the cache and
/// its config and manifest into the layout, tagged as the job's name. The
/// build runs on this thread, marked as blocking (it is CPU and disk
/// work); a base image it needs that is not in the cache stops it, is
/// fetched here, and the build runs again (what it built is cached).
async fn build_native(job: &Job<'_>) -> anyhow::Result<Produced> {
    let opts = job.opts;
    let net = job.net()?;
    let req = native::Request {
        dockerfile: job.df,
        file: job.file,
        context: job.context,
        platform: &opts.platform,
        epoch: opts.epoch,
        build_args: &parse::Vars::new(),
        bundle: opts.bundle.clone(),
        files: job.bundle,
    };
    let built = loop {
        let res = tokio::task::block_in_place(|| native::build(&req, &net));
        let missing = match &res {
            Err(e) => e.chain().find_map(|c| c.downcast_ref::<base::NotFetched>()),
            Ok(_) => None,
        };
        match missing {
            Some(m) => net
                .fetch(m)
                .await
                .map_err(|fe| fe.context(top_message(&res)))?,
            None => break res?,
        }
    };
    let layout = job.layout;
    let cache = BlobStore::cache(net.env);
    for d in &built.layers {
        layout.blobs.import(&cache, &d.digest)?;
    }
    layout.blobs.put_bytes(&built.config_bytes)?;
    layout.blobs.put_bytes(&built.manifest)?;
    let mut desc = Descriptor::new(
        spec::OCI_MANIFEST,
        built.manifest_digest.clone(),
        built.manifest.len() as u64,
    );
    desc.platform = Some(opts.platform.clone());
    layout.tag(job.name, desc.clone())?;
    Ok((
        desc,
        "native".to_string(),
        built.base.map(|b| b.to_string()),
    ))
}

/// Build with external tool `t`, once every base's registry answers; the
/// bundle's files go on disk first, as the tool reads them there.
async fn build_external(job: &Job<'_>, t: external::Tool) -> anyhow::Result<Produced> {
    let opts = job.opts;
    // Fail (or skip, under `auto`) as a native build would when a
    // base's registry cannot be reached, before the tool tries.
    let net = job.net()?;
    for r in external_bases(job.df) {
        let client = net.client(&r.registry)?;
        net.reach
            .ask(&r.registry, client.ping())
            .await
            .with_context(|| format!("cannot fetch base image {r}"))?;
    }
    if let Some(b) = job.bundle {
        b.unpack()?;
    }
    job.printer
        .step("Building", &format!("{} with {}", job.name, t.name()));
    let insecure = opts.insecure || bases_are_loopback(job.df);
    let desc = tokio::task::block_in_place(|| {
        external::build(
            &external::Job {
                tool: t,
                dockerfile: job.dockerfile,
                context: job.context,
                platform: &opts.platform,
                epoch: opts.epoch,
                insecure,
                ref_name: job.name,
                reporter: job.printer,
                env: &opts.env,
            },
            job.layout,
        )
    })?;
    Ok((desc, t.name().to_string(), None))
}

/// The images (not scratch, not a stage) the Dockerfile names in FROM and
/// `COPY --from`, with global ARG defaults substituted, as written.
fn image_names(df: &parse::Dockerfile) -> Vec<String> {
    let vars = parse::global_defaults(df);
    let mut out: Vec<String> = Vec::new();
    for (i, s) in df.stages.iter().enumerate() {
        let named = std::iter::once(s.base.as_str())
            .chain(s.instructions.iter().filter_map(|inst| inst.flag("from")));
        for name in named {
            let name = parse::expand(name, &vars, df.escape).unwrap_or_else(|_| name.to_string());
            let lower = name.to_ascii_lowercase();
            let is_stage = df.stages[..i]
                .iter()
                .any(|p| p.name.as_deref() == Some(lower.as_str()))
                || lower.parse::<usize>().is_ok_and(|n| n < i);
            if lower == "scratch" || is_stage || out.contains(&name) {
                continue;
            }
            out.push(name);
        }
    }
    out
}

/// The images the stages start FROM (not scratch, not a stage), with
/// global ARG defaults substituted.
fn external_bases(df: &parse::Dockerfile) -> Vec<crate::registry::Reference> {
    let vars = parse::global_defaults(df);
    let mut out = Vec::new();
    for (i, s) in df.stages.iter().enumerate() {
        let base = parse::expand(&s.base, &vars, df.escape).unwrap_or_else(|_| s.base.clone());
        let is_stage = df.stages[..i]
            .iter()
            .any(|p| p.name.as_deref() == Some(base.to_ascii_lowercase().as_str()));
        if base == "scratch" || is_stage {
            continue;
        }
        if let Ok(r) = crate::registry::Reference::parse(&base) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// Whether every image the Dockerfile pulls (FROM and `COPY --from`, not
/// scratch, not a stage) is on a loopback registry, so an external builder
/// may talk plain HTTP to them. One image elsewhere, or one hoist cannot
/// parse, keeps TLS verification on for all.
fn bases_are_loopback(df: &parse::Dockerfile) -> bool {
    let names = image_names(df);
    !names.is_empty()
        && names.iter().all(|n| {
            crate::registry::Reference::parse(n)
                .is_ok_and(|r| crate::registry::reference::is_loopback(&r.registry))
        })
}

/// The outermost message of a failed build (where in the Dockerfile it
/// stopped), to put over the error of the fetch that stopped it.
fn top_message<T>(res: &anyhow::Result<T>) -> String {
    match res {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    }
}

/// What became of a function's image.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Built(Image),
    /// Not built (only with `builder: auto` when a base image's registry
    /// cannot be reached and the cache does not have it): the registry's
    /// host and the whole reason.
    Skipped {
        host: String,
        reason: String,
    },
}

impl Outcome {
    pub(crate) fn built(&self) -> Option<&Image> {
        match self {
            Outcome::Built(i) => Some(i),
            Outcome::Skipped { .. } => None,
        }
    }
    pub(crate) fn skipped(&self) -> Option<&str> {
        match self {
            Outcome::Built(_) => None,
            Outcome::Skipped { reason, .. } => Some(reason),
        }
    }
}

/// Build the image for function `f` whose context `hoist build` laid out
/// in `context_dir` (Dockerfile at its root, COPY sources relative to
/// `context_dir/context_root`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn build_function(
    project: &Project,
    f: &Function,
    version: &str,
    context_dir: &Path,
    context_root: &str,
    archive: (&Path, u64),
    builder: Option<BuilderChoice>,
    platform: &str,
    reach: &base::Reachability,
    printer: &dyn Reporter,
) -> anyhow::Result<Outcome> {
    let platform = Platform::parse(platform).map_err(|why| ImageError::Platform { why })?;
    let builder = builder.unwrap_or(project.config.builder);
    // `hoist build` recorded the bundle's digest in build.json; its files
    // belong in `<context>/app`, written there only when needed
    // (`archive`: the bundle and the size of its files).
    let bundle_digest =
        crate::image::build_info::BuildInfo::read(context_dir)?.and_then(|info| info.bundle_digest);
    let bundle_dir = crate::image::CONTEXT_APP_DIR;
    let bundle_rel = if context_root == bundle_dir {
        Some(String::new())
    } else if context_root.is_empty() {
        Some(bundle_dir.to_string())
    } else {
        None
    };
    let opts = Options {
        builder,
        platform,
        epoch: crate::clock::source_date_epoch(&project.env)?,
        insecure: project.config.registry.insecure,
        configured_registry: project.config.registry.url.as_deref().map(registry_host),
        bundle: bundle_rel.clone().zip(bundle_digest.clone()),
        bundle_archive: Some((archive.0.to_path_buf(), archive.1)),
        env: project.env.clone(),
    };
    if bundle_rel.is_none() {
        // A context root elsewhere in the bundle: its files go on disk.
        context::Bundle::new(
            archive.0.to_path_buf(),
            context_dir.join(bundle_dir),
            archive.1,
        )
        .unpack()?;
    }
    let name = layout_name(&f.name, version);
    let context = if context_root.is_empty() {
        context_dir.to_path_buf()
    } else {
        context_dir.join(context_root)
    };
    let started = std::time::Instant::now();
    let res = build(
        &context_dir.join("Dockerfile"),
        &context,
        &name,
        &store::layout_dir(project),
        &opts,
        reach,
        printer,
    )
    .await;
    match res {
        Ok(img) => {
            if let Some(d) = &bundle_digest {
                record_bundle(&store::layout_dir(project), &name, d)?;
            }
            printer.detail(&format!(
                "image step for {name}: {:.3} s",
                started.elapsed().as_secs_f64()
            ));
            printer.step(
                "Image",
                &format!("{name} {} ({}, {})", img.digest, img.platform, img.builder),
            );
            Ok(Outcome::Built(img))
        }
        Err(e) if builder == BuilderChoice::Auto && crate::registry::client::is_unreachable(&e) => {
            let reason = e
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            let host = e
                .chain()
                .find_map(|c| c.downcast_ref::<crate::registry::client::Unreachable>())
                .map(|u| u.registry.clone())
                .unwrap_or_else(|| "its registry".into());
            // The caller says it in one line; the whole reason is for -v.
            printer.detail(&format!(
                "no image for {name}: {reason}; the build context is ready in {} (a base image that is cached or reachable lets hoist build it)",
                context_dir.display()
            ));
            Ok(Outcome::Skipped { host, reason })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(text: &str) -> bool {
        bases_are_loopback(&parse::parse(text, "Dockerfile").unwrap())
    }

    #[test]
    fn tls_is_skipped_only_when_every_image_is_on_loopback() {
        assert!(loopback("FROM 127.0.0.1:5000/base:1\nCOPY . /app\n"));
        assert!(loopback(
            "FROM 127.0.0.1:5000/base:1 AS b\nFROM b\nCOPY --from=0 /x /x\n"
        ));
        assert!(!loopback(
            "FROM 127.0.0.1:5000/base:1 AS b\nFROM docker.io/library/node:20\nCOPY --from=b /x /x\n"
        ));
        assert!(!loopback(
            "FROM 127.0.0.1:5000/base:1\nCOPY --from=ghcr.io/o/tools:1 /t /t\n"
        ));
        assert!(!loopback(
            "ARG BASE=node:20\nFROM localhost:5000/a:1 AS a\nFROM ${BASE}\n"
        ));
        assert!(loopback(
            "ARG BASE=localhost:5000/n:20\nFROM scratch AS a\nFROM ${BASE}\n"
        ));
        assert!(!loopback("FROM scratch\nCOPY . /\n"));
    }
}
