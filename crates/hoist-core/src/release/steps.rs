//! The pipeline steps several commands share: bundle a function with the
//! project's settings, name its version under its policy, and describe it in
//! a release manifest. `build`, `push` and `deploy` call these rather than
//! each other.

use crate::bundle::{BundleOptions, BundleOutput};
use crate::config::{Function, Project, VersionPolicy};
use crate::report::Reporter;
use crate::storage::layout;
use crate::storage::manifest::{self, BundleRef, GitInfo, ImageRef, ReleaseManifest};

/// A function bundled and versioned, ready to be pushed.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bundle: BundleOutput,
    pub version: hoist_api::names::Version,
}

impl Prepared {
    /// The entrypoint inside the bundle: where a deno graph bundle put it,
    /// else the function's own.
    pub fn entrypoint(&self, f: &Function) -> String {
        self.bundle
            .manifest
            .entrypoint
            .clone()
            .unwrap_or_else(|| f.entrypoint.clone())
    }
}

/// Bundle one function with the project's settings.
pub fn bundle_one(
    project: &Project,
    f: &Function,
    graphs: &Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<BundleOutput> {
    let opts = options(project, Some(f))?;
    let out_dir = project.state_dir().join("bundles").join(&f.name);
    let out = if f.runtime == crate::config::Runtime::Deno && !has_own_dockerfile(f) {
        let plan = graphs.plan(project, f, &opts)?;
        for w in &plan.warnings {
            printer.warn(w);
        }
        crate::bundle::bundle_plan(&f.name, &plan, &out_dir, &opts)?
    } else {
        crate::bundle::bundle_dir(&f.name, &f.dir, &out_dir, &opts)?
    };
    for w in &out.warnings {
        printer.warn(w);
    }
    // Said after the fact, so a bundle the cache answered is not
    // announced as being made.
    let m = &out.manifest;
    let files = crate::report::plural(m.file_count as usize, "file", "files");
    let size = crate::report::human_bytes(m.compressed_size);
    if out.cached {
        printer.step(
            "Cached",
            &format!(
                "{} ({}): {files}, {size}, unchanged since the last bundle",
                f.name,
                f.path.display()
            ),
        );
    } else {
        printer.step(
            "Bundled",
            &format!("{} ({}): {files}, {size}", f.name, f.path.display()),
        );
    }
    printer.detail(&format!("{} -> {}", f.name, out.archive.display()));
    Ok(out)
}

/// The module graphs of one command's deno functions: followed once,
/// before anything is written ([`check_graphs`]), and reused by every step
/// that bundles them. Made per command, so nothing outlives it.
#[derive(Debug, Default)]
pub struct Graphs {
    /// `--allow-unresolved`: unresolved specifiers are warnings.
    allow_unresolved: bool,
    /// The files the graphs read, parsed and resolved once.
    cache: crate::bundle::graph::Cache,
    plans: std::sync::Mutex<std::collections::HashMap<String, crate::bundle::graph::Plan>>,
}

impl Graphs {
    pub fn new(allow_unresolved: bool) -> Graphs {
        Graphs {
            allow_unresolved,
            plans: Default::default(),
            cache: Default::default(),
        }
    }

    /// How many modules this command parsed, and the parser's time.
    pub fn parse_stats(&self) -> (u64, std::time::Duration) {
        self.cache.parse_stats()
    }

    /// The graph of `f` and its bundle layout, followed on first use.
    pub(crate) fn plan(
        &self,
        project: &Project,
        f: &Function,
        opts: &BundleOptions,
    ) -> anyhow::Result<crate::bundle::graph::Plan> {
        let plans = || self.plans.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = plans().get(f.name.as_str()) {
            return Ok(p.clone());
        }
        let plan = crate::bundle::graph::plan_function(
            &project.root,
            f,
            self.allow_unresolved,
            opts,
            &self.cache,
        )?;
        plans().insert(f.name.to_string(), plan.clone());
        Ok(plan)
    }
}

/// A deno function with its own Dockerfile is bundled as a directory: its
/// Dockerfile says what the image needs.
fn has_own_dockerfile(f: &Function) -> bool {
    f.dir.join("Dockerfile").is_file()
}

/// Whether a function is bundled by following its module graph.
pub fn is_graph_bundle(f: &Function) -> bool {
    f.runtime == crate::config::Runtime::Deno && !has_own_dockerfile(f)
}

/// The module graph a deno function is bundled from (the plan
/// `check_graphs` made, reused), `None` for one bundled as its directory.
pub fn function_plan(
    project: &Project,
    f: &Function,
    graphs: &Graphs,
) -> anyhow::Result<Option<crate::bundle::graph::Plan>> {
    if !is_graph_bundle(f) {
        return Ok(None);
    }
    let opts = options(project, Some(f))?;
    graphs.plan(project, f, &opts).map(Some)
}

/// Follow the graph of every selected deno function before anything is
/// written, so one broken import leaves no partial work in `.hoist/`.
/// Returns the warnings of `--allow-unresolved`.
pub fn check_graphs(
    project: &Project,
    functions: &[&Function],
    graphs: &Graphs,
) -> anyhow::Result<Vec<String>> {
    let opts = options(project, None)?;
    let mut warnings = Vec::new();
    for f in functions.iter().filter(|f| is_graph_bundle(f)) {
        let opts = BundleOptions {
            include: f.include.clone(),
            exclude: f.exclude.clone(),
            ..opts.clone()
        };
        let plan = graphs.plan(project, f, &opts)?;
        warnings.extend(plan.warnings);
    }
    Ok(warnings)
}

pub(crate) fn options(project: &Project, f: Option<&Function>) -> anyhow::Result<BundleOptions> {
    Ok(BundleOptions {
        limit_bytes: project.config.bundle.limit_mb.saturating_mul(1024 * 1024),
        mtime: crate::clock::source_date_epoch(&project.env)?,
        // Without a function (the project image) there are no globs.
        include: f.into_iter().flat_map(|f| f.include.clone()).collect(),
        exclude: f.into_iter().flat_map(|f| f.exclude.clone()).collect(),
        keep_node_modules: f.is_some_and(|f| f.runtime.bundles_node_modules()),
        threads: 0,
        cache: crate::bundle::cache::enabled(&project.env),
        ignore_root: Some(project.root.clone()),
        required: f.into_iter().flat_map(required_files).collect(),
    })
}

/// The files a function cannot start without: its entrypoint and import map
/// (a `dockerfile` function says what it needs in its own Dockerfile).
fn required_files(f: &Function) -> Vec<String> {
    if f.runtime == crate::config::Runtime::Dockerfile {
        return Vec::new();
    }
    let mut out = vec![f.entrypoint.clone()];
    out.extend(f.import_map.clone());
    out
}

/// The version a function's build gets under its policy.
pub fn version_for(project: &Project, f: &Function, digest: &str) -> String {
    match &f.version {
        VersionPolicy::Content => crate::digest::short(digest),
        VersionPolicy::Literal(v) => v.clone(),
        VersionPolicy::Git => match crate::git::commit(&project.root) {
            Some(c) => {
                let short: String = c.chars().take(12).collect();
                if crate::git::dirty(&project.root) {
                    format!("{short}-dirty")
                } else {
                    short
                }
            }
            None => crate::digest::short(digest),
        },
    }
}

/// Bundle one function and name its version.
pub fn prepare(
    project: &Project,
    f: &Function,
    graphs: &Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<Prepared> {
    let bundle = bundle_one(project, f, graphs, printer)?;
    let version = layout::check_version(&version_for(project, f, &bundle.manifest.digest))?;
    Ok(Prepared { bundle, version })
}

/// The release manifest of a prepared function.
pub fn release_manifest(
    project: &Project,
    f: &Function,
    prepared: &Prepared,
    image: Option<ImageRef>,
) -> ReleaseManifest {
    let resources = match serde_json::to_value(&f.resources) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let git = crate::git::commit(&project.root).map(|commit| GitInfo {
        commit,
        dirty: crate::git::dirty(&project.root),
    });
    ReleaseManifest {
        schema: manifest::SCHEMA,
        function: f.name.clone(),
        version: prepared.version.clone(),
        bundle: BundleRef {
            key: layout::archive_key(&f.name, &prepared.version, &prepared.bundle.manifest.digest),
            digest: crate::digest::prefixed(&prepared.bundle.manifest.digest),
            size: prepared.bundle.manifest.compressed_size,
            media_type: "application/gzip".into(),
        },
        image,
        runtime: f.runtime.as_str().to_string(),
        entrypoint: prepared.entrypoint(f),
        import_map: prepared.bundle.manifest.import_map.clone(),
        verify_jwt: f.verify_jwt,
        resources,
        env_keys: f.env.keys().cloned().collect(),
        secret_keys: f.secrets.clone(),
        git,
        hoist_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: manifest::now_rfc3339(),
    }
}

/// [`prepare`] every function, up to one per core at once (each bundle
/// also compresses on every core, so more would only contend). Results
/// come back in `functions`' order; the first error in that order wins.
pub fn prepare_all(
    project: &Project,
    functions: &[Function],
    graphs: &Graphs,
    printer: &dyn Reporter,
) -> anyhow::Result<Vec<Prepared>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<anyhow::Result<Prepared>>>> =
        functions.iter().map(|_| Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(functions.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(f) = functions.get(i) else { return };
                let res = prepare(project, f, graphs, printer);
                let failed = res.is_err();
                *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(res);
                if failed {
                    // Stop handing out more work; what runs finishes.
                    next.store(functions.len(), Ordering::SeqCst);
                }
            });
        }
    });
    let results: Vec<Option<anyhow::Result<Prepared>>> = slots
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    // Work left undone (None) only follows an error, which is returned.
    let mut out = Vec::with_capacity(functions.len());
    let mut undone = false;
    for r in results {
        match r {
            Some(r) => out.push(r?),
            None => undone = true,
        }
    }
    if undone {
        anyhow::bail!("a function was not prepared");
    }
    Ok(out)
}
