//! The module graph against Deno's own, on real published code: 23 npm
//! packages (TypeScript sources with type-position imports, ESM builds,
//! CommonJS builds, `.d.ts` files, JSX), fetched once with `npm pack` into
//! the test target's temporary directory. Up to 200 source files per
//! package, spread evenly over each package's sorted file list, are
//! imported by one generated `root.ts`, so a single `deno info --json` run
//! gives every module Deno reaches and its dependencies; hoist's reading of
//! each of those modules ([`hoist_core::bundle::graph::module_imports`] and
//! [`hoist_core::bundle::graph::resolve_import`], what the graph walk uses) is
//! compared with it, module by module.
//!
//! Beside the packages, a small hand-written fixture (`pkgs/_fixture`)
//! holds one module per case the old tokenizer got wrong (a byte order
//! mark, type-position `import()`, computed `import()`s, `require()`,
//! `import x = require()`, regex-vs-division, JSX text), checked edge by
//! edge against Deno's graph.
//!
//! Must hold: no local file Deno reaches through a code edge that hoist
//! misses, and no module Deno loads that hoist refuses to read. What hoist
//! follows beyond Deno is counted by import kind and printed with examples
//! (docs/bundles.md, "How the graph is checked", keeps the figures).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use hoist_core::bundle::graph::parse::Kind;
use hoist_core::bundle::graph::resolve::Target;
use hoist_core::bundle::graph::{module_imports, resolve_import, Cache, Resolved};

/// Pinned, so the corpus (and the figures in docs/bundles.md) stay put.
const PACKAGES: &[&str] = &[
    "effect@3.10.0",
    "fp-ts@2.16.9",
    "rxjs@7.8.1",
    "@supabase/supabase-js@2.45.4",
    "@supabase/auth-js@2.65.0",
    "@supabase/postgrest-js@1.16.1",
    "immer@10.1.1",
    "mobx@6.13.2",
    "zod@3.23.8",
    "hono@4.6.3",
    "lodash-es@4.17.21",
    "preact@10.24.2",
    "svelte@5.0.0",
    "underscore@1.13.7",
    "date-fns@4.1.0",
    "axios@1.7.7",
    "express@4.21.0",
    "ramda@0.30.1",
    "@trpc/server@10.45.2",
    "type-fest@4.26.1",
    "io-ts@2.2.21",
    "d3-array@3.2.4",
    "uuid@10.0.0",
];

const PER_PACKAGE: usize = 200;
const SOURCES: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "mts", "cjs", "cts"];

fn tool(name: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("HOIST_TOOLS")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".cache/hoist-tools")))?;
    let local = tools.join("npm/node_modules/.bin").join(name);
    if local.is_file() {
        return Some(local);
    }
    let on_path = std::env::var_os("PATH")?;
    std::env::split_paths(&on_path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The unpacked packages under `<dir>/pkgs/`, fetched on the first run.
fn fetch(dir: &Path, npm: &Path) {
    let marker = dir.join("fetched");
    let want = PACKAGES.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == want) {
        return;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    let tgz = dir.join("tgz");
    std::fs::create_dir_all(&tgz).unwrap();
    let out = Command::new(npm)
        .args(["pack", "--silent", "--pack-destination"])
        .arg(&tgz)
        .args(PACKAGES)
        .output()
        .expect("runs npm");
    assert!(
        out.status.success(),
        "npm pack failed (the corpus comes from the npm registry): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for e in std::fs::read_dir(&tgz).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let into = dir.join("pkgs").join(stem);
        std::fs::create_dir_all(&into).unwrap();
        let st = Command::new("tar")
            .arg("xzf")
            .arg(&p)
            .arg("-C")
            .arg(&into)
            .arg("--strip-components=1")
            .status()
            .unwrap();
        assert!(st.success(), "tar could not unpack {}", p.display());
    }
    std::fs::write(&marker, want).unwrap();
}

fn sources_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            sources_under(&p, out);
        } else if ty.is_file()
            && p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| SOURCES.contains(&x))
        {
            out.push(p);
        }
    }
}

/// Hand-written modules beside the packages, one per case the old
/// tokenizer got wrong, so Deno's graph of exactly those is compared too.
const FIXTURE: &[(&str, &str)] = &[
    ("a.ts", "export const a = 1;\n"),
    ("types.ts", "export type T = 1;\n"),
    ("only-type.ts", "export type Y = 2;\n"),
    (
        "type-position.ts",
        "type Fs = typeof import('node:fs');\ntype NotAny<T> = T;\ntype X = NotAny<import('./types.ts').T>;\nlet v: import('./only-type.ts').Y | undefined;\nexport const x: Fs | X | typeof v = 1 as never;\n",
    ),
    ("bom.ts", "\u{feff}import { a } from './a.ts';\nexport const b = a;\n"),
    ("routes/one.ts", "export default 1;\n"),
    ("routes/deep/two.ts", "export default 2;\n"),
    ("routes/notes.json", "{}\n"),
    (
        "template.ts",
        "const name = String(Date.now());\nexport const m = () => import(`./routes/${name}.ts`);\n",
    ),
    (
        "concat.ts",
        "const name = String(Date.now());\nexport const m = () => import('./routes/' + name + '.ts');\n",
    ),
    ("helper.cjs", "module.exports = 1;\n"),
    ("required.cjs", "module.exports = require('./helper.cjs') + 1;\n"),
    ("import-equals.ts", "import h = require('./helper.cjs');\nexport const v = h;\n"),
    (
        "regex-division.ts",
        "const a = 4, b = 2, c = 1;\nconst r = a / b / c; const re = /'/g;\nimport { a as z } from './a.ts';\nexport const q = `import('./nope.ts')` + r + re.source + z;\n",
    ),
    (
        "jsx-text.tsx",
        "/** @jsxImportSource npm:preact */\nimport { a } from './a.ts';\nexport const C = () => <p>it's import('./nope.ts') / \"quoted</p>;\nexport const d = a;\n",
    ),
];

fn write_fixture(dir: &Path) {
    let base = dir.join("pkgs/_fixture");
    for (rel, text) in FIXTURE {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// The sampled files of every package, evenly spread.
fn sample(dir: &Path) -> Vec<PathBuf> {
    let mut pkgs: Vec<PathBuf> = std::fs::read_dir(dir.join("pkgs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pkgs.sort();
    let mut out = Vec::new();
    for p in pkgs {
        let mut files = Vec::new();
        sources_under(&p, &mut files);
        files.sort();
        let step = (files.len() / PER_PACKAGE).max(1);
        out.extend(files.into_iter().step_by(step).take(PER_PACKAGE));
    }
    out
}

fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let b = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// What Deno made of one local module.
#[derive(Debug)]
enum DenoModule {
    /// Loaded: its code dependencies that are local files, with the
    /// specifier as written.
    Loaded(Vec<(String, PathBuf)>),
    /// Not found (a specifier naming no file): nothing to compare.
    Missing,
    /// Found but refused (it does not parse): the message.
    Refused(String),
}

fn deno_graph(deno: &Path, dir: &Path) -> BTreeMap<PathBuf, DenoModule> {
    let out = Command::new(deno)
        .args([
            "info",
            "--json",
            "--no-config",
            "--no-lock",
            "--no-remote",
            "--no-npm",
        ])
        .arg(dir.join("root.ts"))
        .env("DENO_DIR", dir.join("deno-dir"))
        .env("DENO_NO_UPDATE_CHECK", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs deno");
    assert!(
        out.status.success(),
        "deno info failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("deno info JSON");
    let mut graph = BTreeMap::new();
    for m in doc["modules"].as_array().expect("modules") {
        let Some(path) = m["specifier"].as_str().and_then(file_url_path) else {
            continue;
        };
        let state = match m["error"].as_str() {
            // A specifier naming no file, or a directory.
            Some(e)
                if e.starts_with("Module not found")
                    || e.contains("ERR_UNSUPPORTED_DIR_IMPORT") =>
            {
                DenoModule::Missing
            }
            Some(e) => DenoModule::Refused(e.to_string()),
            None => {
                let mut deps = Vec::new();
                for d in m["dependencies"].as_array().into_iter().flatten() {
                    let target = d["code"]["specifier"].as_str().and_then(file_url_path);
                    if let Some(t) = target {
                        deps.push((d["specifier"].as_str().unwrap_or("").to_string(), t));
                    }
                }
                DenoModule::Loaded(deps)
            }
        };
        graph.insert(path, state);
    }
    graph
}

/// The graph cache of this test, as one command would hold it.
fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// hoist's runtime targets of one module: local file → the import kinds
/// that led there.
fn hoist_targets(file: &Path, root: &Path) -> Result<BTreeMap<PathBuf, BTreeSet<Kind>>, String> {
    let mut out: BTreeMap<PathBuf, BTreeSet<Kind>> = BTreeMap::new();
    for imp in module_imports(file, cache())? {
        let files = match resolve_import(file, &imp, None, root, cache()) {
            Resolved::Target(Ok(Target::Local(p))) => vec![p],
            Resolved::Pattern(Ok((_, files))) => files,
            _ => Vec::new(),
        };
        for f in files {
            out.entry(f).or_default().insert(imp.kind);
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Tally {
    modules: usize,
    deno_edges: usize,
    hoist_edges: usize,
    both_refuse: Vec<String>,
    deno_only_refuses: Vec<String>,
    refusals: Vec<String>,
    misses: Vec<String>,
    extra: BTreeMap<&'static str, Vec<String>>,
    /// Imports read in the compared modules, by kind.
    kinds: BTreeMap<&'static str, usize>,
}

#[test]
fn graph_matches_deno_info_on_published_code() {
    let (Some(deno), Some(npm)) = (tool("deno"), tool("npm")) else {
        crate::support::skip::missing("deno or npm is not installed (the graph corpus needs both)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph-corpus");
    fetch(&dir, &npm);
    write_fixture(&dir);
    let files = sample(&dir);
    let root_ts: String = files
        .iter()
        .map(|f| {
            format!(
                "import \"./{}\";\n",
                f.strip_prefix(&dir).unwrap().display()
            )
        })
        .collect();
    std::fs::write(dir.join("root.ts"), root_ts).unwrap();
    let t0 = std::time::Instant::now();
    let graph = deno_graph(&deno, &dir);
    let deno_s = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let mut t = Tally::default();
    for (path, state) in &graph {
        if !path.starts_with(dir.join("pkgs")) {
            continue;
        }
        let shown = path.strip_prefix(&dir).unwrap().display().to_string();
        let hoist = hoist_targets(path, &dir);
        let deps = match (state, hoist) {
            (DenoModule::Missing, _) => continue,
            (DenoModule::Refused(d), Err(h)) => {
                t.both_refuse
                    .push(format!("{shown}: deno: {}; hoist: {h}", first_line(d)));
                continue;
            }
            (DenoModule::Refused(e), Ok(_)) => {
                t.deno_only_refuses
                    .push(format!("{shown}: {}", first_line(e)));
                continue;
            }
            (DenoModule::Loaded(_), Err(e)) => {
                t.refusals.push(format!("{shown}: {e}"));
                continue;
            }
            (DenoModule::Loaded(deps), Ok(h)) => (deps, h),
        };
        let (deps, hoist) = deps;
        t.modules += 1;
        for i in module_imports(path, cache()).into_iter().flatten() {
            *t.kinds.entry(i.kind.name()).or_default() += 1;
        }
        let loaded: BTreeSet<&PathBuf> = deps
            .iter()
            .filter(|(_, p)| matches!(graph.get(p), Some(DenoModule::Loaded(_))))
            .map(|(_, p)| p)
            .collect();
        t.deno_edges += loaded.len();
        t.hoist_edges += hoist.len();
        for (spec, p) in deps {
            if loaded.contains(p) && !hoist.contains_key(p) {
                t.misses
                    .push(format!("{shown}: `{spec}` → {}", p.display()));
            }
        }
        for (p, kinds) in &hoist {
            if loaded.contains(p) {
                continue;
            }
            // deno info resolves a require() argument as an ES specifier
            // (`./function` names no file); Deno's CommonJS loader adds
            // the extension or `/index.js` when the line runs, as hoist does.
            let commonjs_lookup = kinds.contains(&Kind::Require)
                && deps
                    .iter()
                    .any(|(_, d)| p.with_extension("") == *d || p.parent() == Some(d.as_path()));
            let why = if commonjs_lookup {
                "require() found by CommonJS lookup"
            } else {
                kinds.iter().next().map_or("?", |k| k.name())
            };
            let to = p.strip_prefix(&dir).unwrap_or(p).display().to_string();
            t.extra
                .entry(why)
                .or_default()
                .push(format!("{shown} → {to}"));
        }
    }
    report(&t, files.len(), deno_s, t1.elapsed().as_secs_f64());
    check_fixture(&dir, &graph);
    assert!(t.modules >= 3000, "only {} modules compared", t.modules);
    assert!(
        t.refusals.is_empty(),
        "hoist refuses {} module(s) Deno loads:\n{}",
        t.refusals.len(),
        t.refusals.join("\n")
    );
    let unexplained: Vec<&String> = t
        .extra
        .iter()
        .filter(|(why, _)| **why != "require() found by CommonJS lookup")
        .flat_map(|(_, v)| v)
        .collect();
    assert!(
        unexplained.is_empty(),
        "hoist follows {} edge(s) Deno does not, for no known reason: {unexplained:#?}",
        unexplained.len()
    );
    assert!(
        t.misses.is_empty(),
        "hoist misses {} code edge(s) Deno follows:\n{}",
        t.misses.len(),
        t.misses.join("\n")
    );
}

/// The fixture's cases, as both graphs must see them.
fn check_fixture(dir: &Path, graph: &BTreeMap<PathBuf, DenoModule>) {
    let base = dir.join("pkgs/_fixture");
    let local = |rel: &str| -> (BTreeSet<PathBuf>, BTreeSet<PathBuf>) {
        let file = base.join(rel);
        let deno = match graph.get(&file) {
            Some(DenoModule::Loaded(deps)) => deps.iter().map(|(_, p)| p.clone()).collect(),
            other => panic!("deno did not load {rel}: {other:?}"),
        };
        let hoist = hoist_targets(&file, dir).unwrap().into_keys().collect();
        (deno, hoist)
    };
    let routes: BTreeSet<PathBuf> = ["routes/deep/two.ts", "routes/one.ts"]
        .iter()
        .map(|r| base.join(r))
        .collect();
    for rel in ["template.ts", "concat.ts"] {
        let (deno, hoist) = local(rel);
        assert_eq!(deno, routes, "deno, {rel}");
        assert_eq!(hoist, routes, "hoist, {rel}");
    }
    let one = |r: &str| BTreeSet::from([base.join(r)]);
    assert_eq!(local("type-position.ts").1, BTreeSet::new());
    assert_eq!(local("bom.ts"), (one("a.ts"), one("a.ts")));
    assert_eq!(
        local("required.cjs"),
        (one("helper.cjs"), one("helper.cjs"))
    );
    assert_eq!(
        local("import-equals.ts"),
        (one("helper.cjs"), one("helper.cjs"))
    );
    assert_eq!(local("regex-division.ts"), (one("a.ts"), one("a.ts")));
    assert_eq!(local("jsx-text.tsx"), (one("a.ts"), one("a.ts")));
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn report(t: &Tally, roots: usize, deno_s: f64, hoist_s: f64) {
    // HOIST_CORPUS_ALL=1 prints every difference, not the first five.
    let shown = if std::env::var("HOIST_CORPUS_ALL").is_ok_and(|v| v == "1") {
        usize::MAX
    } else {
        5
    };
    eprintln!(
        "graph corpus: {} packages, {roots} sampled files, {} modules Deno loads compared \
         (deno info {deno_s:.2} s, hoist {hoist_s:.2} s)",
        PACKAGES.len(),
        t.modules
    );
    eprintln!(
        "  local code edges: deno {}, hoist {}; misses {}, refusals {}",
        t.deno_edges,
        t.hoist_edges,
        t.misses.len(),
        t.refusals.len()
    );
    let kinds: Vec<String> = t.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    eprintln!("  imports read: {}", kinds.join(", "));
    eprintln!(
        "  both refuse to read: {}; only Deno refuses: {}",
        t.both_refuse.len(),
        t.deno_only_refuses.len()
    );
    for e in t.both_refuse.iter().take(shown) {
        eprintln!("    {e}");
    }
    for e in t.deno_only_refuses.iter().take(shown) {
        eprintln!("    {e}");
    }
    for (kind, v) in &t.extra {
        eprintln!("  followed by hoist, not by Deno ({kind}): {}", v.len());
        for e in v.iter().take(shown) {
            eprintln!("    {e}");
        }
    }
}
