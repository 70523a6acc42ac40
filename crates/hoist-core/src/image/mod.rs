//! Container images for functions: the Dockerfile each one is built from and
//! the files its build context needs. A Dockerfile comes from, in order, the
//! function's own `Dockerfile` (used verbatim), the project's templates
//! directory (`templates:` in hoist.yaml, `<runtime>.Dockerfile.j2`) or the
//! built-in template embedded from `templates/dockerfiles/`. Rendering prints
//! nothing: what deserves a warning comes back in [`Rendered::warnings`].
//! docs/templates.md describes the templates and the variables they get.

pub(crate) mod build_info;
mod dockerfile;
mod error;
pub mod oci;
pub(crate) mod project;
mod scaffold;

use std::path::PathBuf;

use crate::config::{Function, Project, Runtime};

pub use error::ImageError;
pub use scaffold::{render_scaffold, scaffold_files};

/// The directory inside a build context that holds the bundle's files.
pub(crate) const CONTEXT_APP_DIR: &str = "app";

/// Values that go into a rendered Dockerfile besides the function itself.
#[derive(Debug, Clone, Default)]
pub struct RenderContext {
    /// Version the image is built for (ARG APP_VERSION default, ENV VERSION).
    pub app_version: String,
    /// Git commit of the project, when it is a git checkout.
    pub revision: Option<String>,
    /// RFC 3339 creation time (from SOURCE_DATE_EPOCH, else the epoch).
    pub created: String,
    /// Source URL (git remote), when known.
    pub source: Option<String>,
    /// Directory inside the build context that holds the bundle's files.
    pub context_dir: String,
}

/// Where a rendered Dockerfile came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum TemplateSource {
    /// The template embedded in hoist for the function's runtime.
    Builtin(Runtime),
    /// `<runtime>.Dockerfile.j2` in the project's templates directory.
    Project(PathBuf),
    /// The function's own Dockerfile, used verbatim.
    Function(PathBuf),
}

impl std::fmt::Display for TemplateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateSource::Builtin(r) => write!(f, "built-in {} template", r.as_str()),
            TemplateSource::Project(p) => write!(f, "template {}", p.display()),
            TemplateSource::Function(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A Dockerfile ready to be written into a build context.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub source: TemplateSource,
    /// Directory, relative to the build context, that the Dockerfile's COPY
    /// sources are relative to. Empty for templates (they COPY from
    /// `{{ context_dir }}/`); `ctx.context_dir` for a function's own
    /// Dockerfile, which was written against the function directory, so the
    /// builder must use that directory as the context.
    pub context_root: String,
    /// Things the user should hear about (moving base image tags, env keys
    /// that shadow the ones hoist sets), one sentence each.
    pub warnings: Vec<String>,
    /// Generated files the Dockerfile COPYs besides the bundle, as (path in
    /// the build context, bytes): a deno entrypoint's `index.ts`.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Render the Dockerfile for `function`; see [`render`] for the details that
/// this shorthand drops (warnings, source, context root).
pub fn render_dockerfile(
    project: &Project,
    function: &Function,
    ctx: &RenderContext,
) -> anyhow::Result<String> {
    Ok(render(project, function, ctx)?.text)
}

/// Render the Dockerfile for `function`, choosing the function's own
/// Dockerfile, then the project's template, then the built-in one.
///
/// A template that does not parse or render is a usage error naming the file
/// and line. Rendering is deterministic: the same inputs give the same bytes.
pub fn render(
    project: &Project,
    function: &Function,
    ctx: &RenderContext,
) -> anyhow::Result<Rendered> {
    dockerfile::render(project, function, ctx)
}

/// The pinned base image of deno functions (and of the project image).
pub(crate) const DENO_BASE_IMAGE: &str = "supabase/edge-runtime:v1.67.4";

/// The pinned base image a runtime's built-in template starts from; `None`
/// for `dockerfile`, whose Dockerfile names its own.
pub fn default_base_image(runtime: Runtime) -> Option<&'static str> {
    match runtime {
        Runtime::Deno => Some(DENO_BASE_IMAGE),
        Runtime::Bun => Some("oven/bun:1.2.19-slim"),
        Runtime::Node => Some("node:20.19.4-bookworm-slim"),
        Runtime::Dart => Some("dart:3.8.1"),
        Runtime::Dockerfile => None,
    }
}

/// The base image `function` is built from: its `base_image`, else
/// `defaults.base_images.<runtime>`, else the runtime's pinned default. Empty
/// for a `dockerfile` function without `base_image` (its Dockerfile decides).
#[allow(
    clippy::manual_unwrap_or_default,
    reason = "the match says what no base image means"
)]
pub fn base_image_for(project: &Project, function: &Function) -> String {
    let configured = function.base_image.clone().or_else(|| {
        project
            .config
            .defaults
            .base_images
            .get(&function.runtime)
            .cloned()
    });
    match configured.or_else(|| default_base_image(function.runtime).map(str::to_owned)) {
        Some(image) => image,
        // Only a `dockerfile` function has no default: its Dockerfile decides.
        None => String::new(),
    }
}

/// Path, inside the build context, of the Bun server that serves a
/// function's default-exported handler.
pub(crate) const BUN_SERVER_PATH: &str = "hoist/bun-server.ts";

/// Files a runtime's template needs in the build context besides the bundle,
/// as (path in the context, bytes).
pub fn support_files(runtime: Runtime) -> Vec<(&'static str, &'static [u8])> {
    match runtime {
        Runtime::Bun => vec![(
            BUN_SERVER_PATH,
            include_bytes!("../../../../templates/runtime/bun-server.ts").as_slice(),
        )],
        Runtime::Deno | Runtime::Node | Runtime::Dart | Runtime::Dockerfile => Vec::new(),
    }
}

/// Path, inside a deno function's build context, of the generated
/// `index.ts` that edge-runtime serves when the entrypoint has another name.
pub(crate) const DENO_ENTRY_INDEX: &str = "hoist/deno-index.ts";

/// The files edge-runtime looks for in a service directory.
pub(crate) const DENO_SERVED: [&str; 4] = ["index.ts", "index.tsx", "index.js", "index.jsx"];

/// A generated `index.ts` beside a deno entrypoint not named `index.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryIndex {
    /// The entrypoint's directory inside the bundle (`""`: its root).
    pub(crate) dir: String,
    /// The module's text.
    pub(crate) source: String,
}

/// The graph of a deno function as its bundle lays it out (unresolved
/// imports allowed: the bundle step decides about those); a graph that
/// cannot be followed at all is the render's error too.
pub(crate) fn deno_plan(
    project: &Project,
    function: &Function,
) -> anyhow::Result<crate::bundle::graph::Plan> {
    let opts = crate::bundle::BundleOptions {
        limit_bytes: u64::MAX,
        mtime: 0,
        include: function.include.clone(),
        exclude: function.exclude.clone(),
        keep_node_modules: false,
        threads: 1,
        cache: false,
        ignore_root: Some(project.root.clone()),
        required: Vec::new(),
    };
    let cache = crate::bundle::graph::Cache::default();
    crate::bundle::graph::plan_function(&project.root, function, true, &opts, &cache)
}

/// edge-runtime serves a directory's `index.ts` (`.tsx`, `.js`, `.jsx`) and
/// has no flag naming another file. For an entrypoint of another name
/// (supabase/config.toml `entrypoint = "./functions/x/main.ts"`) the image
/// gets a generated `index.ts` beside it that re-exports it (which runs it,
/// `Deno.serve` included); its text depends on the file name alone. `None`
/// when the entrypoint is an index file; an error when the entrypoint's
/// directory bundles an index file of its own, which edge-runtime would
/// serve instead.
pub(crate) fn entry_index(
    name: &str,
    plan: &crate::bundle::graph::Plan,
) -> anyhow::Result<Option<EntryIndex>> {
    let (dir, file) = match plan.entrypoint.rsplit_once('/') {
        Some((d, f)) => (d.to_string(), f.to_string()),
        None => (String::new(), plan.entrypoint.clone()),
    };
    if DENO_SERVED.contains(&file.as_str()) {
        return Ok(None);
    }
    let in_dir = |f: &str| {
        if dir.is_empty() {
            f.to_string()
        } else {
            format!("{dir}/{f}")
        }
    };
    if let Some(taken) = DENO_SERVED.iter().map(|f| in_dir(f)).find(|p| {
        plan.files
            .iter()
            .any(|b| b.to_string_lossy().replace('\\', "/") == *p)
    }) {
        return Err(ImageError::EntrypointShadowed {
            function: name.to_string(),
            entrypoint: plan.entrypoint.to_string(),
            taken,
        }
        .into());
    }
    let spec = serde_json::to_string(&format!("./{file}"))
        .map_err(|e| anyhow::anyhow!("cannot quote the entrypoint for the generated index: {e}"))?;
    let source = format!(
        "// Generated by hoist: edge-runtime serves index.ts, and this function's\n\
         // entrypoint is {file}. Importing it runs it (Deno.serve included).\n\
         export * from {spec};\n"
    );
    Ok(Some(EntryIndex { dir, source }))
}
