//! The module graph of a Deno function: from its entrypoint, every local
//! module reached through `import`, `export … from` and `import('…')` with
//! a literal ([`lex`]), resolved against the importing file and the
//! function's import map ([`importmap`], [`resolve`]). A deno bundle holds
//! exactly these files (plus the import map, the deno.json that named it,
//! and any static files), wherever they live under the project root, with
//! paths relative to their common root so every relative import still
//! resolves once unpacked. Remote specifiers are only listed.
//!
//! A specifier that leads nowhere (a missing file, a bare name no import map
//! maps, a path outside the project) is an error naming the importing file,
//! its line and the specifier; `--allow-unresolved` turns those into
//! warnings. A file the graph reaches that hoist never bundles (a secret, an
//! ignored path) is always an error. Cycles are fine: each file once.

pub(crate) mod importmap;
pub(crate) mod lex;
pub(crate) mod npmrc;
pub(crate) mod resolve;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use self::importmap::ImportMap;
use self::lex::Import;
use self::resolve::{Target, Unresolved};
use crate::error::UserError;

/// What to follow for one function.
#[derive(Debug, Clone)]
pub(crate) struct Inputs<'a> {
    pub(crate) name: &'a str,
    /// The project root: nothing outside it is bundled.
    pub(crate) root: &'a Path,
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
    /// Files the caller vetted that the secret-name rule would refuse
    /// (an `.npmrc` holding no token).
    pub(crate) vetted: &'a [PathBuf],
}

/// The files of a deno bundle and where things are inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The common root (absolute): bundle paths are relative to it.
    pub(crate) base: PathBuf,
    /// Files relative to `base`, sorted by their bytes.
    pub(crate) files: Vec<PathBuf>,
    /// The entrypoint inside the bundle, `/`-separated.
    pub(crate) entrypoint: String,
    /// The import map inside the bundle, `/`-separated.
    pub(crate) import_map: Option<String>,
    /// Remote specifiers, sorted and deduplicated.
    pub(crate) remote: Vec<String>,
    /// Unresolved specifiers let through by `allow_unresolved`.
    pub(crate) warnings: Vec<String>,
}

/// JS/TS sources whose imports are followed; other files reached (JSON,
/// WASM, text) are bundled as they are.
const SOURCES: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "mts", "cjs", "cts"];

type Lexed = Arc<Result<Vec<Import>, String>>;

/// Specifiers of each file read in this process: functions sharing code
/// read and tokenize it once per run.
fn lexed(path: &Path) -> Lexed {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Lexed>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        return Arc::clone(hit);
    }
    let res = match std::fs::read(path) {
        Err(e) => Err(format!("cannot read it: {e}")),
        Ok(bytes) if bytes.contains(&0) => {
            Err("it is a binary file, not a JavaScript or TypeScript module".into())
        }
        Ok(bytes) => Ok(lex::imports(&bytes)),
    };
    let res = Arc::new(res);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.to_path_buf(), Arc::clone(&res));
    res
}

fn is_source(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCES.contains(&e))
}

/// `path` relative to `root`, `/`-separated, for messages and bundle paths.
pub(crate) fn rel(root: &Path, path: &Path) -> String {
    let r = path.strip_prefix(root).unwrap_or(path);
    r.to_string_lossy().replace('\\', "/")
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
    UserError::usage(format!(
        "function `{name}`: import map {pos}: {}",
        e.message
    ))
    .with_hint(e.hint)
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
) -> anyhow::Result<Plan> {
    let mut extra = f.static_files.clone();
    if !f.include.is_empty() {
        for e in super::walk::collect(&f.dir, opts)? {
            if matches!(e.kind, super::walk::Kind::File { .. }) {
                extra.push(f.dir.join(&e.rel));
            }
        }
    }
    let mut vetted = Vec::new();
    let mut notes = Vec::new();
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
    let mut out = plan(&Inputs {
        name: &f.name,
        root,
        dir: &f.dir,
        entry: &f.entry_file,
        import_map: f.import_map_file.as_deref(),
        extra: &extra,
        allow_unresolved,
        vetted: &vetted,
    })?;
    out.warnings.extend(notes);
    Ok(out)
}

/// Follow the graph of one function and lay out its bundle.
pub(crate) fn plan(inp: &Inputs<'_>) -> anyhow::Result<Plan> {
    let root = inp.root;
    let map = match inp.import_map {
        Some(f) => Some(load_map(inp.name, root, f)?),
        None => None,
    };
    let mut rules = super::walk::TreeRules::new(root);
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    let mut remote: BTreeSet<String> = BTreeSet::new();
    let mut unresolved: Vec<String> = Vec::new();
    let mut queue = starting_files(inp, map.as_ref());
    while let Some((file, origin)) = queue.pop_front() {
        if !seen.insert(file.clone()) {
            continue;
        }
        check_bundleable(inp, &mut rules, &file, &origin)?;
        if !is_source(&file) {
            continue;
        }
        let found = lexed(&file);
        let imports = match found.as_ref() {
            Ok(i) => i,
            Err(why) => {
                return Err(UserError::usage(format!(
                    "function `{}`: {} reaches {}, but {why}",
                    inp.name,
                    at(root, &origin),
                    rel(root, &file)
                ))
                .with_hint("fix the file or the import")
                .into())
            }
        };
        for imp in imports {
            match resolve::resolve(&imp.specifier, &file, map.as_ref(), root) {
                Ok(Target::Local(p)) => {
                    if !seen.contains(&p) {
                        queue.push_back((p, Some((file.clone(), imp.line, imp.specifier.clone()))));
                    }
                }
                Ok(Target::Remote(s)) => {
                    remote.insert(s);
                }
                Err(why) => unresolved.push(describe(
                    root,
                    &file,
                    imp,
                    &why,
                    map.as_ref().map(|m| m.file.as_path()),
                )),
            }
        }
    }
    let warnings = unresolved_warnings(inp, &unresolved)?;
    let base = common_root(root, inp.dir, &seen);
    let rel_of = |p: &Path| rel(&base, p);
    let mut files: Vec<PathBuf> = seen
        .iter()
        .map(|p| p.strip_prefix(&base).unwrap_or(p).to_path_buf())
        .collect();
    files.sort_by_key(|p| super::walk::path_bytes(p));
    Ok(Plan {
        entrypoint: rel_of(inp.entry),
        import_map: map.as_ref().map(|m| rel_of(&m.file)),
        base,
        files,
        remote: remote.into_iter().collect(),
        warnings,
    })
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
        return Err(UserError::usage(format!(
            "function `{}`: {what}, which cannot be bundled: {why}",
            inp.name,
        ))
        .with_hint("import it from somewhere hoist bundles, or drop the import (secrets belong in `secrets:`)")
        .into());
    }
    Ok(())
}

/// The imports that did not resolve, as warnings under
/// `--allow-unresolved`, else as the error.
fn unresolved_warnings(inp: &Inputs<'_>, unresolved: &[String]) -> anyhow::Result<Vec<String>> {
    if unresolved.is_empty() {
        return Ok(Vec::new());
    }
    let lines: Vec<String> = unresolved
        .iter()
        .map(|u| format!("function `{}`: {u}", inp.name))
        .collect();
    if inp.allow_unresolved {
        return Ok(lines);
    }
    let hint = if unresolved.iter().any(|u| u.contains("no import map")) {
        "map the name in the function's import map (deno.json `imports` or import_map.json), \
         or pass --allow-unresolved to bundle anyway"
    } else {
        "fix the import, or pass --allow-unresolved to bundle what resolves"
    };
    Err(UserError::usage(lines.join("\n")).with_hint(hint).into())
}

/// The deepest directory holding every file and the function directory's
/// parent (so the function's own directory keeps its name in the bundle),
/// never above the project root.
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

fn describe(
    root: &Path,
    file: &Path,
    imp: &Import,
    why: &Unresolved,
    map: Option<&Path>,
) -> String {
    let pos = format!("{}:{}", rel(root, file), imp.line);
    let spec = &imp.specifier;
    match why {
        Unresolved::Bare => match map {
            Some(m) => format!(
                "{pos}: bare specifier `{spec}` is not mapped by the import map {}",
                rel(root, m)
            ),
            None => format!("{pos}: bare specifier `{spec}` and no import map to resolve it"),
        },
        Unresolved::Missing(p) => format!(
            "{pos}: cannot resolve `{spec}`: {} does not exist",
            rel(root, p)
        ),
        Unresolved::Outside(p) => format!(
            "{pos}: `{spec}` leads to {}, outside the project root {}",
            p.display(),
            root.display()
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
