//! The project-wide image of a Supabase project (`supabase: { image:
//! project }` in hoist.yaml, seed 000's Phase 2 Dockerfile): one
//! supabase/edge-runtime image holding the union of every deno function's
//! bundle under their common root, plus a generated `main` router service
//! (templates/runtime/deno-main.ts) that runs each function in its own
//! edge-runtime user worker. Everything here is a pure function of the
//! functions' graphs and settings, so the same project gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::bundle::graph::Plan;
use crate::config::{Function, Project};
use crate::image::ImageError;

/// Where the union of the bundles sits in the image.
pub(crate) const FUNCTIONS_HOME: &str = "/home/deno/functions";
/// The router's directory in the image (edge-runtime's `--main-service`).
/// Outside [`FUNCTIONS_HOME`], so no function directory can collide with it.
pub(crate) const ROUTER_HOME: &str = "/home/deno/main";
/// The router inside the build context.
pub(crate) const ROUTER_SRC: &str = "hoist/main/index.ts";
/// Name of the project image's build context under `.hoist/build/` and of
/// its union bundle under `.hoist/bundles/` (function names start with a
/// letter, so no function can take it).
pub(crate) const STATE_NAME: &str = "_project";
/// edge-runtime's defaults for a user worker, as Supabase's main uses them.
const DEFAULT_MEMORY_MB: u32 = 150;
const DEFAULT_TIMEOUT_MS: u64 = 5 * 60 * 1000;

/// How one function is served by the router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Route {
    /// The entrypoint's directory in the image.
    pub(crate) service_path: String,
    /// The import map's path in the image.
    pub(crate) import_map_path: Option<String>,
    /// supabase/config.toml `verify_jwt`; unset: the `VERIFY_JWT` env.
    pub(crate) verify_jwt: Option<bool>,
    pub(crate) memory_limit_mb: u32,
    pub(crate) worker_timeout_ms: u64,
    /// The function's `env:` from hoist.yaml, over the container's env.
    pub(crate) env: BTreeMap<String, String>,
}

/// The files and routes of the project image.
#[derive(Debug, Clone)]
pub(crate) struct ProjectLayout {
    /// The union's files, as a bundle plan (relative to their common root).
    pub(crate) plan: Plan,
    /// Routes by function name.
    pub(crate) routes: BTreeMap<String, Route>,
    /// Generated `index.ts` files (path in the context, path in the image,
    /// text), for entrypoints not named `index.*`.
    pub(crate) indexes: Vec<(String, String, String)>,
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The union of `plans` (each function's graph, as its bundle lays it out)
/// under their common root, and how the router serves each. Two entrypoints
/// needing a generated `index.ts` in one directory, or one whose directory
/// holds another function's index file, are refused.
pub(crate) fn layout(
    project: &Project,
    functions: &[(&Function, Plan)],
) -> anyhow::Result<ProjectLayout> {
    let mut base: Option<PathBuf> = None;
    for (_, plan) in functions {
        let mut b = base.take().unwrap_or_else(|| plan.base.clone());
        while !plan.base.starts_with(&b) {
            if !b.pop() {
                break;
            }
        }
        base = Some(b);
    }
    let base = base.unwrap_or_else(|| project.root.clone());
    let mut files = BTreeSet::new();
    let mut remote = BTreeSet::new();
    let mut routes = BTreeMap::new();
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (f, plan) in functions {
        let prefix = slash(plan.base.strip_prefix(&base).unwrap_or(Path::new("")));
        for file in &plan.files {
            files.insert(join(&prefix, &slash(file)));
        }
        remote.extend(plan.remote.iter().cloned());
        let entry = join(&prefix, &plan.entrypoint);
        let dir = entry.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        if let Some(index) = super::entry_index(&f.name, plan)? {
            let at = join(dir, "index.ts");
            if let Some((other, _)) = wanted.get(&at) {
                return Err(ImageError::SharedDirectory {
                    first: other.to_string(),
                    second: f.name.to_string(),
                    dir: dir.to_string(),
                }
                .into());
            }
            wanted.insert(at, (f.name.to_string(), index.source));
        }
        routes.insert(
            f.name.to_string(),
            Route {
                service_path: join(FUNCTIONS_HOME, dir),
                import_map_path: plan
                    .import_map
                    .as_ref()
                    .map(|m| join(FUNCTIONS_HOME, &join(&prefix, m))),
                verify_jwt: f.verify_jwt,
                memory_limit_mb: f.resources.memory_mb.unwrap_or(DEFAULT_MEMORY_MB),
                worker_timeout_ms: f
                    .resources
                    .timeout_seconds
                    .map(|s| u64::from(s) * 1000)
                    .unwrap_or(DEFAULT_TIMEOUT_MS),
                env: f.env.clone(),
            },
        );
    }
    let mut indexes = Vec::new();
    for (i, (at, (name, source))) in wanted.into_iter().enumerate() {
        let dir = at.trim_end_matches("index.ts").trim_end_matches('/');
        if let Some(taken) = super::DENO_SERVED
            .iter()
            .map(|s| join(dir, s))
            .find(|p| files.contains(p))
        {
            return Err(ImageError::ProjectEntrypointShadowed {
                function: name.to_string(),
                taken,
            }
            .into());
        }
        indexes.push((
            format!("hoist/index/{i}.ts"),
            join(FUNCTIONS_HOME, &at),
            source,
        ));
    }
    let mut files: Vec<PathBuf> = files.into_iter().map(PathBuf::from).collect();
    files.sort_by_key(|p| crate::bundle::walk::path_bytes(p));
    Ok(ProjectLayout {
        plan: Plan {
            base,
            files,
            entrypoint: String::new(),
            import_map: None,
            remote: remote.into_iter().collect(),
            warnings: Vec::new(),
            // The union of the members' graphs; each member lists its own.
            modules: std::sync::Arc::new(Vec::new()),
        },
        routes,
        indexes,
    })
}

/// The router's TypeScript source for `routes`.
pub(crate) fn router_source(routes: &BTreeMap<String, Route>) -> String {
    let table = serde_json::to_string_pretty(routes).unwrap_or_else(|_| "{}".into());
    include_str!("../../../../templates/runtime/deno-main.ts").replace("__HOIST_ROUTES__", &table)
}

#[derive(Serialize)]
struct DockerfileVars<'a> {
    project: &'a str,
    base_image: String,
    context_dir: &'a str,
    entry_indexes: Vec<BTreeMap<&'static str, String>>,
    router_src: &'static str,
    router_home: &'static str,
    app_version: &'a str,
    labels: BTreeMap<&'static str, String>,
    port: u16,
}

/// The project image's Dockerfile (templates/dockerfiles/deno-project.Dockerfile.j2).
pub(crate) fn dockerfile(
    project: &Project,
    layout: &ProjectLayout,
    ctx: &super::RenderContext,
    port: u16,
) -> anyhow::Result<String> {
    let mut labels = BTreeMap::new();
    labels.insert(
        "org.opencontainers.image.title",
        project.config.project.clone(),
    );
    labels.insert("org.opencontainers.image.version", ctx.app_version.clone());
    if !ctx.created.is_empty() {
        labels.insert("org.opencontainers.image.created", ctx.created.clone());
    }
    if let Some(rev) = &ctx.revision {
        labels.insert("org.opencontainers.image.revision", rev.clone());
    }
    if let Some(src) = &ctx.source {
        labels.insert("org.opencontainers.image.source", src.clone());
    }
    let base_image = match project
        .config
        .defaults
        .base_images
        .get(&crate::config::Runtime::Deno)
    {
        Some(image) => image.clone(),
        None => super::DENO_BASE_IMAGE.to_string(),
    };
    let vars = DockerfileVars {
        project: &project.config.project,
        base_image,
        context_dir: ctx.context_dir.trim_end_matches('/'),
        entry_indexes: layout
            .indexes
            .iter()
            .map(|(src, dest, _)| BTreeMap::from([("src", src.clone()), ("dest", dest.clone())]))
            .collect(),
        router_src: ROUTER_SRC,
        router_home: ROUTER_HOME,
        app_version: &ctx.app_version,
        labels,
        port,
    };
    let env = super::dockerfile::environment();
    let text = env
        .render_str(
            include_str!("../../../../templates/dockerfiles/deno-project.Dockerfile.j2"),
            &vars,
        )
        .map_err(|e| anyhow::anyhow!("built-in template deno-project.Dockerfile.j2: {e}"))?;
    Ok(text)
}
