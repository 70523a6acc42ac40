//! The module graph of a Deno function: from its entrypoint, every local
//! module its code reaches — `import`, `export … from`, `import('…')`,
//! `require()`, `import x = require()` and a `@jsxImportSource` runtime,
//! read with a JS/TS parser ([`parse`]) — resolved against the importing
//! file and the function's import map ([`importmap`], [`resolve`]).
//! Type-only imports and `/// <reference>`s are recorded, not followed:
//! Deno erases them and does not type-check at start, so no `.d.ts` is
//! bundled for them. An `import()` of a computed specifier
//! brings in the files under its literal prefix that match its literal
//! suffix ([`dynamic`]), with a warning naming the pattern; one with no
//! literal prefix is a warning that nothing could be added. A deno bundle
//! holds exactly these files (plus the import map, the deno.json that named
//! it, static files and `include:` globs), wherever they live in the
//! function's tree (the project, or the git repository or workspace holding
//! it: [`crate::bundle::tree`]), with paths relative to their common root so
//! every relative import still resolves once unpacked. In a Deno workspace,
//! members resolve by name and the workspace's `deno.json` files are
//! bundled at their places; a `compilerOptions.jsxImportSource` adds its
//! JSX runtime to `.jsx`/`.tsx` modules ([`denoconfig`]). Remote specifiers
//! are only listed.
//!
//! A specifier that leads nowhere (a missing file, a bare name no import map
//! maps, a scheme Deno cannot load, a path outside the tree) is an error
//! naming the importing file, its line and the specifier;
//! `--allow-unresolved` turns those into warnings. A file the graph reaches
//! that hoist never bundles (a secret, an ignored path) or that does not
//! parse is always an error. Cycles are fine: each file once.

pub mod denoconfig;
pub mod dynamic;
pub mod importmap;
pub mod npmrc;
pub mod parse;
pub mod resolve;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use self::denoconfig::DenoConfig;
use self::importmap::ImportMap;
use self::parse::{Import, Kind};
use self::resolve::{Scope, Target, Unresolved};
use crate::bundle::tree::Tree;
use crate::bundle::{BundleError, UnresolvedKind};

/// What to follow for one function.
#[derive(Debug, Clone)]
pub(crate) struct Inputs<'a> {
    pub(crate) name: &'a str,
    /// The project root: paths in messages are relative to it.
    pub(crate) root: &'a Path,
    /// Nothing outside it is bundled.
    pub(crate) tree: &'a Tree,
    /// The function directory (absolute).
    pub(crate) dir: &'a Path,
    /// The entrypoint (absolute).
    pub(crate) entry: &'a Path,
    /// The import map or deno.json used (absolute), if any.
    pub(crate) import_map: Option<&'a Path>,
    /// More files to bundle as they are (absolute): static files.
    pub(crate) extra: &'a [PathBuf],
    /// Report unresolved specifiers as warnings instead of an error.
    pub(crate) allow_unresolved: bool,
    /// What this command already read and resolved.
    pub(crate) cache: &'a Cache,
    /// Files the caller vetted that the secret-name rule would refuse
    /// (an `.npmrc` holding no token).
    pub(crate) vetted: &'a [PathBuf],
}

/// The files of a deno bundle and where things are inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The common root (absolute): bundle paths are relative to it.
    pub(crate) base: PathBuf,
    /// Files relative to `base`, sorted by their bytes.
    pub(crate) files: Vec<PathBuf>,
    /// The entrypoint inside the bundle, `/`-separated.
    pub(crate) entrypoint: String,
    /// The import map inside the bundle, `/`-separated.
    pub(crate) import_map: Option<String>,
    /// Remote specifiers, sorted and deduplicated.
    pub remote: Vec<String>,
    /// Unresolved specifiers let through by `allow_unresolved`, computed
    /// `import()`s and notes.
    pub warnings: Vec<String>,
    /// Every source module read, in the order the walk reached it, with
    /// its imports (`hoist bundle -v`); shared, as plans are cloned.
    pub modules: Arc<Vec<Module>>,
}

/// A source module of the graph and what it imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Relative to the project root, `/`-separated (`../` for one above it).
    pub path: String,
    /// Shared by every function reaching the module.
    pub imports: Arc<Vec<Edge>>,
}

/// One import of a module and where it led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub specifier: String,
    pub kind: Kind,
    pub line: usize,
    pub column: usize,
    /// Files (project-relative) or the remote specifier it led to; empty
    /// when not followed (type-only) or unresolved.
    pub targets: Vec<String>,
}

/// JS/TS sources whose imports are followed; other files reached (JSON,
/// WASM, text) are bundled as they are.
const SOURCES: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "mts", "cjs", "cts"];

/// Why a reached file's imports could not be read.
#[derive(Debug, Clone)]
enum Unreadable {
    /// Not readable, binary or not UTF-8: said as is.
    File(String),
    /// Not valid JavaScript or TypeScript.
    Syntax(parse::ParseError),
}

type Parsed = Arc<Result<Vec<Import>, Unreadable>>;

/// The deno.json a function starts from and its tree's root → what it
/// declares (read once per command for every function sharing it).
type Configs = HashMap<(PathBuf, PathBuf), Result<Option<Arc<DenoConfig>>, importmap::MapError>>;

/// A module, the import map, the tree's root and the deno.json the
/// function starts from: what its resolutions depend on.
type ResolutionKey = (PathBuf, Option<PathBuf>, PathBuf, Option<PathBuf>);

/// What one command learns about the files it reads, so functions sharing
/// code read, parse and resolve it once: each file's imports, their
/// resolutions per root and import map, the deno.json files (workspaces)
/// functions start from, which paths are files, and the parser's time. Made per command (it lives in the command's `Graphs`),
/// so nothing learnt outlives it and an edited file is read again by the
/// next command.
#[derive(Debug, Default)]
pub struct Cache {
    parsed: Mutex<HashMap<PathBuf, Parsed>>,
    resolutions: Mutex<HashMap<ResolutionKey, Arc<Resolutions>>>,
    configs: Mutex<Configs>,
    pub(crate) files: resolve::Probes,
    pub(crate) dirs: resolve::Probes,
    parsed_files: AtomicU64,
    parse_nanos: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Cache {
    /// The imports of `path`, read and parsed on first use.
    fn parsed(&self, path: &Path) -> Parsed {
        if let Some(hit) = lock(&self.parsed).get(path) {
            return Arc::clone(hit);
        }
        let res = Arc::new(self.read_imports(path));
        lock(&self.parsed).insert(path.to_path_buf(), Arc::clone(&res));
        res
    }

    /// How many modules this command parsed, and how long the parser took
    /// (`hoist bundle -v` says it).
    pub fn parse_stats(&self) -> (u64, std::time::Duration) {
        (
            self.parsed_files.load(Ordering::Relaxed),
            std::time::Duration::from_nanos(self.parse_nanos.load(Ordering::Relaxed)),
        )
    }

    /// [`parse::imports`], counted and timed for [`Cache::parse_stats`].
    fn timed_parse(&self, path: &Path, text: &str) -> Result<Vec<Import>, parse::ParseError> {
        let t0 = std::time::Instant::now();
        let out = parse::imports(path, text);
        self.parsed_files.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.parse_nanos.fetch_add(nanos, Ordering::Relaxed);
        out
    }

    fn read_imports(&self, path: &Path) -> Result<Vec<Import>, Unreadable> {
        let bytes =
            std::fs::read(path).map_err(|e| Unreadable::File(format!("cannot read it: {e}")))?;
        if bytes.contains(&0) {
            return Err(Unreadable::File(
                "it is a binary file, not a JavaScript or TypeScript module".into(),
            ));
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Unreadable::File(format!(
                "it is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        self.timed_parse(path, text).map_err(Unreadable::Syntax)
    }
}

fn is_source(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCES.contains(&e))
}

/// `path` relative to `root`, `/`-separated, for messages and bundle
/// paths; one above `root` climbs with `../`.
pub(crate) fn rel(root: &Path, path: &Path) -> String {
    let mut up = String::new();
    for a in root.ancestors() {
        if let Ok(r) = path.strip_prefix(a) {
            return format!("{up}{}", r.to_string_lossy().replace('\\', "/"));
        }
        up.push_str("../");
    }
    path.to_string_lossy().replace('\\', "/")
}

/// Where a file was first reached from: importer, line, specifier.
type Origin = Option<(PathBuf, usize, String)>;

fn at(root: &Path, origin: &Origin) -> String {
    match origin {
        Some((imp, line, spec)) => format!("{}:{line}: `{spec}`", rel(root, imp)),
        None => "the function's own files".into(),
    }
}

fn map_error(name: &str, root: &Path, e: importmap::MapError) -> anyhow::Error {
    let mut pos = rel(root, &e.file);
    if let Some(l) = e.line {
        pos.push_str(&format!(":{l}"));
        if let Some(c) = e.column {
            pos.push_str(&format!(":{c}"));
        }
    }
    BundleError::ImportMap {
        function: name.to_string(),
        at: pos,
        message: e.message,
        hint: e.hint,
    }
    .into()
}

/// Load the import map a function uses.
pub(crate) fn load_map(name: &str, root: &Path, file: &Path) -> anyhow::Result<ImportMap> {
    ImportMap::load(file).map_err(|e| map_error(name, root, e))
}

/// The graph of a configured deno function: its entrypoint and import map,
/// plus its `include` globs (files under its directory read at run time)
/// and supabase/config.toml `static_files`, added as they are.
pub(crate) fn plan_function(
    root: &Path,
    f: &crate::config::Function,
    allow_unresolved: bool,
    opts: &super::BundleOptions,
    cache: &Cache,
) -> anyhow::Result<Plan> {
    let mut extra = f.static_files.clone();
    let mut notes = Vec::new();
    if !f.include.is_empty() {
        let mut included = Vec::new();
        for e in super::walk::collect(&f.dir, opts)? {
            if matches!(e.kind, super::walk::Kind::File { .. }) {
                included.push(e.rel.clone());
                extra.push(f.dir.join(&e.rel));
            }
        }
        notes.extend(unmatched_includes(f, &included));
    }
    let mut vetted = Vec::new();
    if let Some(npmrc) = npmrc::of(root, &f.dir) {
        match npmrc::token_line(&npmrc)? {
            None => {
                extra.push(npmrc.clone());
                vetted.push(npmrc);
            }
            Some(line) => notes.push(format!(
                "function `{}`: {}:{line} holds a registry token, so it is kept out of the bundle and image; \
                 write the token as ${{NPM_TOKEN}} there (Deno reads it from the environment) and add NPM_TOKEN to `secrets:`",
                f.name,
                rel(root, &npmrc)
            )),
        }
    }
    let tree = Tree::of(root, &f.dir);
    let mut out = plan(&Inputs {
        name: &f.name,
        root,
        tree: &tree,
        dir: &f.dir,
        entry: &f.entry_file,
        import_map: f.import_map_file.as_deref(),
        extra: &extra,
        allow_unresolved,
        vetted: &vetted,
        cache,
    })?;
    out.warnings.extend(notes);
    Ok(out)
}

/// A warning for each `include:` glob of `f` that matched no file (the
/// graph cannot see what it meant to add).
fn unmatched_includes(f: &crate::config::Function, included: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for g in &f.include {
        let mut b = ignore::gitignore::GitignoreBuilder::new(&f.dir);
        // Validated with the configuration (config::check::check_globs).
        let built = match b.add_line(None, g) {
            Err(e) => Err(e.to_string()),
            Ok(_) => b.build().map_err(|e| e.to_string()),
        };
        let hit = match built {
            Ok(m) => included
                .iter()
                .any(|p| m.matched_path_or_any_parents(p, false).is_ignore()),
            Err(e) => {
                out.push(format!(
                    "function `{}`: include glob `{g}` is not usable: {e}",
                    f.name
                ));
                continue;
            }
        };
        if !hit {
            out.push(format!(
                "function `{}`: include glob `{g}` matches no file under {}",
                f.name,
                f.dir.display()
            ));
        }
    }
    out
}

/// Follow the graph of one function and lay out its bundle.
pub(crate) fn plan(inp: &Inputs<'_>) -> anyhow::Result<Plan> {
    let root = inp.root;
    let map = match inp.import_map {
        Some(f) => Some(load_map(inp.name, root, f)?),
        None => None,
    };
    let entry_dir = inp.entry.parent().unwrap_or(inp.dir);
    let deno = DenoConfig::find(entry_dir, map.as_ref(), &inp.tree.root, inp.cache)
        .map_err(|e| map_error(inp.name, root, e))?;
    let mut notes: Vec<String> = deno
        .iter()
        .flat_map(|d| {
            d.notes
                .iter()
                .map(|n| format!("function `{}`: {n}", inp.name))
        })
        .collect();
    let deno = deno.filter(|d| d.in_use());
    let mut w = Walk {
        inp,
        scope: scope_of(inp, map.as_ref(), deno.as_deref()),
        deno: deno.as_deref(),
        rules: super::walk::TreeRules::new(&inp.tree.root, root),
        seen: BTreeSet::new(),
        remote: BTreeSet::new(),
        unresolved: Vec::new(),
        notes: Vec::new(),
        modules: Vec::new(),
        queue: starting_files(inp, map.as_ref()),
    };
    while let Some((file, origin)) = w.queue.pop_front() {
        if !w.seen.insert(file.clone()) {
            continue;
        }
        check_bundleable(inp, &mut w.rules, &file, &origin)?;
        if is_source(&file) {
            w.module(&file, &origin)?;
        }
    }
    if let Some(d) = &deno {
        // Deno reads them to resolve the bundle as it resolves the project.
        for c in d.files_for(w.seen.iter()) {
            if !w.seen.contains(&c) {
                check_bundleable(inp, &mut w.rules, &c, &None)?;
                w.seen.insert(c);
            }
        }
    }
    let mut warnings = unresolved_warnings(inp, &w.unresolved, &notes)?;
    notes.append(&mut w.notes);
    warnings.extend(notes);
    let base = common_root(&inp.tree.root, inp.dir, &w.seen);
    let rel_of = |p: &Path| rel(&base, p);
    let mut files: Vec<PathBuf> = w
        .seen
        .iter()
        .map(|p| p.strip_prefix(&base).unwrap_or(p).to_path_buf())
        .collect();
    files.sort_by_key(|p| super::walk::path_bytes(p));
    Ok(Plan {
        entrypoint: rel_of(inp.entry),
        import_map: map.as_ref().map(|m| rel_of(&m.file)),
        base,
        files,
        remote: w.remote.into_iter().collect(),
        warnings,
        modules: Arc::new(w.modules),
    })
}

/// What a function's modules resolve against: the workspace's root
/// `imports` (or, without a workspace, those of the deno.json Deno starts
/// from) when the function's import map is that configuration or it has
/// none; a separate import map file replaces them, as `--import-map` does.
fn scope_of<'i>(
    inp: &'i Inputs<'_>,
    map: Option<&'i ImportMap>,
    deno: Option<&'i DenoConfig>,
) -> Scope<'i> {
    let Some(d) = deno else {
        return Scope::new(map, &inp.tree.root);
    };
    let configured = match &d.workspace {
        Some(ws) => &ws.map,
        None => &d.start_map,
    };
    let map = match map {
        Some(m) if !denoconfig::map_is_config(m) => m,
        _ => configured,
    };
    Scope {
        map: Some(map),
        workspace: d.workspace.as_ref(),
        root: &inp.tree.root,
    }
}

/// The state of one function's walk.
struct Walk<'i, 'a> {
    inp: &'i Inputs<'a>,
    scope: Scope<'i>,
    deno: Option<&'i DenoConfig>,
    rules: super::walk::TreeRules,
    seen: BTreeSet<PathBuf>,
    remote: BTreeSet<String>,
    unresolved: Vec<String>,
    /// Warnings that never fail the bundle (computed `import()`s).
    notes: Vec<String>,
    modules: Vec<Module>,
    queue: VecDeque<(PathBuf, Origin)>,
}

impl Walk<'_, '_> {
    /// Read one source module and queue what its code reaches.
    fn module(&mut self, file: &Path, origin: &Origin) -> anyhow::Result<()> {
        let root = self.inp.root;
        let found = self.inp.cache.parsed(file);
        let imports = match found.as_ref() {
            Ok(i) => i,
            Err(Unreadable::File(why)) => {
                return Err(BundleError::Unloadable {
                    function: self.inp.name.to_string(),
                    origin: at(root, origin),
                    file: rel(root, file),
                    why: why.to_string(),
                }
                .into())
            }
            Err(Unreadable::Syntax(e)) => {
                return Err(BundleError::Syntax {
                    function: self.inp.name.to_string(),
                    file: rel(root, file),
                    line: e.line,
                    column: e.column,
                    message: e.message.to_string(),
                    from: origin.as_ref().map(|_| at(root, origin)),
                }
                .into());
            }
        };
        let with_jsx;
        let imports = match self.jsx_import(file, imports) {
            Some(jsx) => {
                with_jsx = [imports.as_slice(), &[jsx]].concat();
                &with_jsx
            }
            None => imports,
        };
        let res = self.resolutions(file, imports)?;
        for (imp, (r, skipped)) in imports.iter().zip(res.resolved.iter()) {
            self.follow(file, imp, r, *skipped);
        }
        self.modules.push(Module {
            path: rel(root, file),
            imports: Arc::clone(&res.edges),
        });
        Ok(())
    }

    /// The JSX runtime a `.jsx`/`.tsx` module without a `@jsxImportSource`
    /// pragma imports because the deno.json says so, as an import on its
    /// first line.
    fn jsx_import(&self, file: &Path, imports: &[Import]) -> Option<Import> {
        let jsx = self.deno?.jsx_for(file)?;
        let is_jsx = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("jsx") | Some("tsx")
        );
        let pragma = imports.iter().any(|i| {
            i.kind == Kind::Static
                && (i.specifier.ends_with("/jsx-runtime")
                    || i.specifier.ends_with("/jsx-dev-runtime"))
        });
        (is_jsx && !pragma).then(|| Import {
            specifier: jsx.specifier.clone(),
            line: 1,
            column: 1,
            kind: Kind::Static,
            parts: Vec::new(),
        })
    }

    /// The imports of `file` resolved for this tree, import map and
    /// deno.json, computed once per command for every function that
    /// reaches it; the files a computed `import()` matches are those hoist
    /// may bundle.
    fn resolutions(&mut self, file: &Path, imports: &[Import]) -> anyhow::Result<Arc<Resolutions>> {
        let root = self.inp.root;
        let cache = self.inp.cache;
        let key = (
            file.to_path_buf(),
            self.scope.map.map(|m| m.file.clone()),
            self.scope.root.to_path_buf(),
            self.deno.map(|d| d.start.clone()),
        );
        if let Some(hit) = lock(&cache.resolutions).get(&key) {
            return Ok(Arc::clone(hit));
        }
        let mut resolved = Vec::with_capacity(imports.len());
        let mut edges = Vec::with_capacity(imports.len());
        for imp in imports {
            let mut r = resolve_in(file, imp, &self.scope, cache);
            let mut skipped = 0usize;
            if let Resolved::Pattern(Ok((_, files))) = &mut r {
                let mut kept = Vec::with_capacity(files.len());
                for p in files.drain(..) {
                    if self.rules.refusal(&p)?.is_some() {
                        skipped += 1;
                    } else {
                        kept.push(p);
                    }
                }
                *files = kept;
            }
            let targets = match &r {
                Resolved::Target(Ok(Target::Local(p))) => vec![rel(root, p)],
                Resolved::Target(Ok(Target::Remote(s))) => vec![s.clone()],
                Resolved::Pattern(Ok((_, files))) => files.iter().map(|p| rel(root, p)).collect(),
                _ => Vec::new(),
            };
            edges.push(Edge {
                specifier: imp.specifier.clone(),
                kind: imp.kind,
                line: imp.line,
                column: imp.column,
                targets,
            });
            resolved.push((r, skipped));
        }
        let out = Arc::new(Resolutions {
            resolved,
            edges: Arc::new(edges),
        });
        lock(&cache.resolutions).insert(key, Arc::clone(&out));
        Ok(out)
    }

    /// Queue the local files one import of `file` leads to, record a remote
    /// one, and note what did not resolve.
    fn follow(&mut self, file: &Path, imp: &Import, r: &Resolved, skipped: usize) {
        let root = self.inp.root;
        let resolved = match r {
            Resolved::NotFollowed => return,
            Resolved::Pattern(found) => return self.computed(file, imp, found, skipped),
            Resolved::Target(t) => t,
        };
        match resolved {
            Ok(Target::Local(p)) => self.reach(p, file, imp),
            Ok(Target::Remote(s)) => {
                self.remote.insert(s.clone());
            }
            Err(Unresolved::Scheme(scheme)) if imp.kind == Kind::Dynamic => {
                // Deno fails only when that import() runs (often behind a
                // runtime check): say so, do not refuse the function.
                self.notes.push(format!(
                    "function `{}`: {}:{}: `import('{}')` uses the `{scheme}` scheme, which Deno cannot load; it fails if that line runs",
                    self.inp.name,
                    rel(root, file),
                    imp.line,
                    imp.specifier
                ));
            }
            Err(why) => {
                let mut line = describe(self.inp, file, imp, why, self.scope.map);
                if let Some(jsx) = self.deno.and_then(|d| d.jsx_for(file)) {
                    if imp.specifier == jsx.specifier && (imp.line, imp.column) == (1, 1) {
                        let at = match jsx.line {
                            Some(l) => format!("{}:{l}", rel(root, &jsx.config)),
                            None => rel(root, &jsx.config),
                        };
                        line.push_str(&format!(
                            " (the JSX runtime `compilerOptions.jsxImportSource` names in {at})"
                        ));
                    }
                }
                if imp.kind == Kind::Require {
                    // Deno resolves a require() when the line runs, and
                    // code often wraps it in try/catch: warn, do not refuse.
                    self.notes.push(format!(
                        "function `{}`: {line} (a require(), so bundled without it)",
                        self.inp.name
                    ));
                } else {
                    self.unresolved.push(line);
                }
            }
        }
    }

    /// Queue `p`, reached from `file` through `imp`, unless seen.
    fn reach(&mut self, p: &Path, file: &Path, imp: &Import) {
        if !self.seen.contains(p) {
            let origin = Some((file.to_path_buf(), imp.line, imp.specifier.clone()));
            self.queue.push_back((p.to_path_buf(), origin));
        }
    }

    /// A computed `import()`: bundle the files its pattern can name (those
    /// hoist may bundle), with a warning saying what was done.
    fn computed(
        &mut self,
        file: &Path,
        imp: &Import,
        found: &Result<(PathBuf, Vec<PathBuf>), String>,
        skipped: usize,
    ) {
        let root = self.inp.root;
        let pos = format!("{}:{}", rel(root, file), imp.line);
        let name = self.inp.name;
        let (dir, matched) = match found {
            Ok(x) => x,
            Err(why) => {
                self.notes.push(format!(
                    "function `{name}`: {pos}: `import()` of a computed specifier (`{}`): {why}, so hoist added no file for it; \
                     list the files it loads under the function's `include:` globs in hoist.yaml",
                    imp.specifier
                ));
                return;
            }
        };
        for p in matched {
            self.reach(p, file, imp);
        }
        let skipped = match skipped {
            0 => String::new(),
            n => format!(" ({n} more matching files are ignored or secret-looking and left out)"),
        };
        self.notes.push(format!(
            "function `{name}`: {pos}: `import()` of a computed specifier: bundled the {} file(s) under {}/ matching `{}`{skipped}; \
             add any other file it loads to the function's `include:` globs",
            matched.len(),
            rel(root, dir),
            imp.specifier
        ));
    }
}

/// One module's imports resolved for a project root and import map: per
/// import, where it leads (and, for a computed `import()`, how many
/// matching files hoist may not bundle), and the listing's edges.
#[derive(Debug)]
struct Resolutions {
    resolved: Vec<(Resolved, usize)>,
    edges: Arc<Vec<Edge>>,
}

/// Where one import of `file` leads.
#[derive(Debug)]
pub enum Resolved {
    /// Not a runtime dependency (type-only, a reference): not followed.
    NotFollowed,
    /// A file, a remote module, or why neither.
    Target(Result<Target, Unresolved>),
    /// A computed `import()`: the directory its prefix names and the files
    /// matching it, or why none can be told.
    Pattern(Result<(PathBuf, Vec<PathBuf>), String>),
}

/// Resolve one import of `file` (absolute) the way the graph walk does:
/// by its kind, against the import map, inside `root`.
pub fn resolve_import(
    file: &Path,
    imp: &Import,
    map: Option<&ImportMap>,
    root: &Path,
    cache: &Cache,
) -> Resolved {
    resolve_in(file, imp, &Scope::new(map, root), cache)
}

/// [`resolve_import`] against a function's whole [`Scope`] (its
/// workspace included).
pub fn resolve_in(file: &Path, imp: &Import, scope: &Scope<'_>, cache: &Cache) -> Resolved {
    match imp.kind {
        k if !k.is_runtime() => Resolved::NotFollowed,
        Kind::NonLiteral => Resolved::Pattern(dynamic::expand(&imp.parts, file, scope)),
        Kind::Require => {
            Resolved::Target(resolve::resolve_require(&imp.specifier, file, scope, cache))
        }
        _ => Resolved::Target(resolve::resolve(&imp.specifier, file, scope, cache)),
    }
}

/// The imports of one source file (read and parsed once per command), or
/// why they cannot be read: `line:column: message` for a syntax error.
pub fn module_imports(file: &Path, cache: &Cache) -> Result<Vec<Import>, String> {
    match cache.parsed(file).as_ref() {
        Ok(i) => Ok(i.clone()),
        Err(Unreadable::File(why)) => Err(why.clone()),
        Err(Unreadable::Syntax(e)) => Err(format!("{}:{}: {}", e.line, e.column, e.message)),
    }
}

/// Where the walk starts: the entrypoint, the extra files, the import map
/// and the configuration file it came from.
fn starting_files(inp: &Inputs<'_>, map: Option<&ImportMap>) -> VecDeque<(PathBuf, Origin)> {
    let mut queue: VecDeque<(PathBuf, Origin)> = VecDeque::new();
    queue.push_back((inp.entry.to_path_buf(), None));
    for f in inp.extra {
        queue.push_back((f.clone(), None));
    }
    if let Some(m) = map {
        queue.push_back((m.file.clone(), None));
        if let Some(c) = &m.config {
            queue.push_back((c.clone(), None));
        }
    }
    queue
}

/// Refuse `file` (reached from `origin`) when the tree rules keep it out
/// of a bundle, unless the caller vetted it already.
fn check_bundleable(
    inp: &Inputs<'_>,
    rules: &mut super::walk::TreeRules,
    file: &Path,
    origin: &Origin,
) -> anyhow::Result<()> {
    let root = inp.root;
    let refused = if inp.vetted.iter().any(|v| v == file) {
        None
    } else {
        rules.refusal(file)?
    };
    if let Some(why) = refused {
        let what = match origin {
            Some(_) => format!("{} reaches {}", at(root, origin), rel(root, file)),
            None => rel(root, file),
        };
        return Err(BundleError::Refused {
            function: inp.name.to_string(),
            what,
            why: why.to_string(),
        }
        .into());
    }
    Ok(())
}

/// The imports that did not resolve, as warnings under
/// `--allow-unresolved`, else as the error; `notes` (about the deno.json
/// the function runs with) join the error, as they may explain it.
fn unresolved_warnings(
    inp: &Inputs<'_>,
    unresolved: &[String],
    notes: &[String],
) -> anyhow::Result<Vec<String>> {
    if unresolved.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines: Vec<String> = unresolved
        .iter()
        .map(|u| format!("function `{}`: {u}", inp.name))
        .collect();
    if inp.allow_unresolved {
        return Ok(lines);
    }
    lines.extend(notes.iter().cloned());
    let kind = if unresolved.iter().any(|u| u.contains("no import map")) {
        UnresolvedKind::NoImportMap
    } else if unresolved.iter().any(|u| u.contains(OUTSIDE)) {
        UnresolvedKind::Outside
    } else {
        UnresolvedKind::Other
    };
    Err(BundleError::Unresolved { lines, kind }.into())
}

/// The deepest directory holding every file and the function directory's
/// parent (so the function's own directory keeps its name in the bundle),
/// never above the tree's root.
fn common_root(root: &Path, dir: &Path, files: &BTreeSet<PathBuf>) -> PathBuf {
    let start = if dir == root {
        dir
    } else {
        dir.parent().unwrap_or(root)
    };
    let mut base = start.to_path_buf();
    for f in files {
        while !f.starts_with(&base) {
            if !base.pop() {
                break;
            }
        }
    }
    if !base.starts_with(root) {
        return root.to_path_buf();
    }
    base
}

/// Said of an import leading above the tree, and looked for by the hint.
const OUTSIDE: &str = ", which is outside ";

fn describe(
    inp: &Inputs<'_>,
    file: &Path,
    imp: &Import,
    why: &Unresolved,
    map: Option<&ImportMap>,
) -> String {
    let root = inp.root;
    let pos = format!("{}:{}:{}", rel(root, file), imp.line, imp.column);
    let spec = &imp.specifier;
    match why {
        Unresolved::Bare => match map {
            Some(m) => format!(
                "{pos}: bare specifier `{spec}` is not mapped by the import map {}",
                rel(root, &m.file)
            ),
            None => format!("{pos}: bare specifier `{spec}` and no import map to resolve it"),
        },
        Unresolved::Missing(p) => format!(
            "{pos}: cannot resolve `{spec}`: {} does not exist",
            rel(root, p)
        ),
        Unresolved::Outside(p) => format!(
            "{pos}: `{spec}` leads to {}{OUTSIDE}{}",
            p.display(),
            inp.tree.describe(root)
        ),
        Unresolved::NotExported {
            config,
            subpath,
            exported,
        } => format!(
            "{pos}: `{spec}` names `{subpath}` of the workspace member {}, whose `exports` list only {}",
            rel(root, config),
            if exported.is_empty() {
                "nothing".to_string()
            } else {
                exported.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            }
        ),
        Unresolved::Scheme(scheme) => format!(
            "{pos}: `{spec}` uses the `{scheme}` scheme, which Deno cannot load (a module of another runtime: load it with import() behind a runtime check, or map it in the import map)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_roots() {
        let root = Path::new("/p");
        let dir = Path::new("/p/supabase/functions/hello");
        let mut files = BTreeSet::new();
        files.insert(PathBuf::from("/p/supabase/functions/hello/index.ts"));
        assert_eq!(
            common_root(root, dir, &files),
            PathBuf::from("/p/supabase/functions")
        );
        files.insert(PathBuf::from("/p/supabase/functions/_shared/a.ts"));
        assert_eq!(
            common_root(root, dir, &files),
            PathBuf::from("/p/supabase/functions")
        );
        files.insert(PathBuf::from("/p/supabase/types/x.ts"));
        assert_eq!(common_root(root, dir, &files), PathBuf::from("/p/supabase"));
        assert_eq!(common_root(root, root, &files), PathBuf::from("/p"));
    }
}
