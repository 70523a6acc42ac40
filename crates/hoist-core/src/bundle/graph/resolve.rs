//! Resolving one module specifier the way Deno does, without the network:
//! the import map first, then relative (`./`, `../`) and absolute paths
//! against the importing file, `file:` URLs as paths; `https:`, `http:`,
//! `npm:`, `jsr:`, `node:` and `data:` are remote and only recorded. Deno
//! adds no file extensions and no `index` files to an import, so neither
//! does this; a `require()` is resolved as CommonJS is (extensions, `index`
//! files, Node's built-in module names). Any other scheme (`bun:`,
//! `cloudflare:`) is one Deno cannot load. In a Deno workspace the
//! importing file's member's own `imports` come first and a member's name
//! resolves through its `exports` ([`super::denoconfig`]). A local target
//! must be a file inside the function's tree ([`crate::bundle::tree`]).

use std::path::{Component, Path, PathBuf};

use super::denoconfig::Workspace;
use super::importmap::ImportMap;

/// What one function's specifiers are resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The import map every module uses, if any.
    pub map: Option<&'a ImportMap>,
    /// The Deno workspace the function is in, if any.
    pub workspace: Option<&'a Workspace>,
    /// Nothing outside this directory resolves.
    pub root: &'a Path,
}

impl<'a> Scope<'a> {
    /// A scope with an import map and no workspace.
    pub fn new(map: Option<&'a ImportMap>, root: &'a Path) -> Scope<'a> {
        Scope {
            map,
            workspace: None,
            root,
        }
    }

    /// What an import map makes of `specifier` in `importer`: the
    /// importer's workspace member's own `imports` first, then the map.
    pub(crate) fn mapped(&self, specifier: &str, importer: &Path) -> Option<Target> {
        if let Some(t) = self
            .workspace
            .and_then(|w| w.member_mapped(specifier, importer))
        {
            return Some(t);
        }
        self.map.and_then(|m| m.resolve(specifier, importer))
    }
}

/// Where a specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file on disk (absolute, lexically normalized).
    Local(PathBuf),
    /// A module fetched at run time; the specifier as written.
    Remote(String),
}

/// Why a specifier did not resolve to a file in the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// A bare specifier no import map entry maps.
    Bare,
    /// The file it names does not exist (or is a directory).
    Missing(PathBuf),
    /// It leads outside the function's tree.
    Outside(PathBuf),
    /// A workspace member's name with a subpath its `exports` lack.
    NotExported {
        /// The member's deno.json.
        config: PathBuf,
        /// `.` or `./sub`.
        subpath: String,
        /// What the member does export.
        exported: Vec<String>,
    },
    /// A URL scheme Deno does not load (`bun:`, `cloudflare:`), with its
    /// colon.
    Scheme(String),
}

const REMOTE_SCHEMES: [&str; 6] = ["https:", "http:", "npm:", "jsr:", "node:", "data:"];

/// `p` with `.` and `..` removed lexically (never above the filesystem root).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path of a `file:` URL (percent-escapes of the common characters decoded).
fn file_url_path(url: &str) -> PathBuf {
    let rest = url.trim_start_matches("file:");
    let rest = rest.strip_prefix("//localhost").unwrap_or(rest);
    let rest = rest.trim_start_matches("//");
    let rest = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    };
    PathBuf::from(rest.replace("%20", " "))
}

/// Strip a query or fragment (`./a.ts?v=1`), which do not name a file.
fn without_query(s: &str) -> &str {
    let end = s.find(['?', '#']).unwrap_or(s.len());
    &s[..end]
}

/// The target of a URL-like specifier or import-map value, relative ones
/// taken from `dir`; bare names are not URL-like and come back as remote
/// only when they carry a remote scheme.
pub(crate) fn target_of(value: &str, dir: &Path) -> Target {
    if REMOTE_SCHEMES.iter().any(|s| value.starts_with(s)) {
        return Target::Remote(value.to_string());
    }
    if value.starts_with("file:") {
        return Target::Local(normalize(&file_url_path(without_query(value))));
    }
    Target::Local(normalize(&dir.join(without_query(value))))
}

fn url_like(s: &str) -> bool {
    s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("file:")
        || REMOTE_SCHEMES.iter().any(|p| s.starts_with(p))
}

/// The scheme of a URL-like specifier (`bun:`), colon included: at least
/// two letters, so a Windows drive is none.
fn scheme(s: &str) -> Option<&str> {
    let end = s.find(':')?;
    let name = &s[..end];
    let ok = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| &s[..=end])
}

/// Node's built-in modules, which `require('fs')` names without `node:`.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "assert/strict",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "dns/promises",
    "domain",
    "events",
    "fs",
    "fs/promises",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "path/posix",
    "path/win32",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "readline/promises",
    "repl",
    "stream",
    "stream/consumers",
    "stream/promises",
    "stream/web",
    "string_decoder",
    "sys",
    "timers",
    "timers/promises",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "util/types",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// What CommonJS tries after the name as written: these extensions, then
/// the directory's `index` file.
const REQUIRE_EXTENSIONS: [&str; 8] = ["js", "json", "cjs", "mjs", "ts", "cts", "mts", "node"];

/// Resolve a `require()` (or `import x = require()`) argument: a built-in
/// module name is remote (`node:fs`), a path gets CommonJS's extension and
/// `index` lookup when the name itself is not a file.
pub fn resolve_require(
    specifier: &str,
    importer: &Path,
    scope: &Scope<'_>,
    cache: &super::Cache,
) -> Result<Target, Unresolved> {
    if NODE_BUILTINS.contains(&specifier) {
        return Ok(Target::Remote(format!("node:{specifier}")));
    }
    let root = scope.root;
    let first = resolve(specifier, importer, scope, cache);
    let Err(Unresolved::Missing(path)) = &first else {
        return first;
    };
    let name = path.file_name().map(|n| n.to_os_string());
    let mut tries = Vec::new();
    if let Some(name) = name {
        for ext in REQUIRE_EXTENSIONS {
            let mut n = name.clone();
            n.push(format!(".{ext}"));
            tries.push(path.with_file_name(n));
        }
    }
    for ext in ["js", "json", "cjs", "ts"] {
        tries.push(path.join(format!("index.{ext}")));
    }
    for t in tries {
        if let Some(real) = probe(cache, &t) {
            if let Some(real_root) = probe_dir(cache, root) {
                if !real.starts_with(&real_root) {
                    return Err(Unresolved::Outside(real));
                }
            }
            return Ok(Target::Local(t));
        }
    }
    first
}

/// Resolve `specifier` written in `importer` (an absolute file path).
pub(crate) fn resolve(
    specifier: &str,
    importer: &Path,
    scope: &Scope<'_>,
    cache: &super::Cache,
) -> Result<Target, Unresolved> {
    let root = scope.root;
    let dir = importer.parent().unwrap_or(root);
    let by_name = || scope.workspace.and_then(|w| w.by_name(specifier));
    let target = match scope.mapped(specifier, importer) {
        Some(t) => t,
        None => match by_name() {
            Some(found) => found?,
            None if url_like(specifier) => target_of(specifier, dir),
            None => match scheme(specifier) {
                Some(s) => return Err(Unresolved::Scheme(s.to_string())),
                None => return Err(Unresolved::Bare),
            },
        },
    };
    let Target::Local(path) = target else {
        return Ok(target);
    };
    if !path.starts_with(root) {
        return Err(Unresolved::Outside(path));
    }
    let Some(real) = probe(cache, &path) else {
        return Err(Unresolved::Missing(path));
    };
    // A symlink inside the tree may still lead out of it.
    if let Some(real_root) = probe_dir(cache, root) {
        if !real.starts_with(&real_root) {
            return Err(Unresolved::Outside(real));
        }
    }
    Ok(Target::Local(path))
}

pub(crate) type Probes = std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>;

/// The real path of `path` when it is a file, remembered for the command:
/// functions sharing modules ask about the same files again and again.
fn probe(cache: &super::Cache, path: &Path) -> Option<PathBuf> {
    cached(&cache.files, path, |p| {
        p.is_file().then(|| std::fs::canonicalize(p).ok()).flatten()
    })
}

/// The real path of a directory, remembered for the command.
fn probe_dir(cache: &super::Cache, path: &Path) -> Option<PathBuf> {
    cached(&cache.dirs, path, |p| std::fs::canonicalize(p).ok())
}

fn cached(
    cache: &Probes,
    path: &Path,
    f: impl FnOnce(&Path) -> Option<PathBuf>,
) -> Option<PathBuf> {
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        return hit.clone();
    }
    let v = f(path);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.to_path_buf(), v.clone());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("f/hello")).unwrap();
        std::fs::create_dir_all(root.join("f/_shared")).unwrap();
        std::fs::write(root.join("f/_shared/cors.ts"), "").unwrap();
        let imp = root.join("f/hello/index.ts");
        assert_eq!(
            resolve(
                "../_shared/cors.ts",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Ok(Target::Local(root.join("f/_shared/cors.ts")))
        );
        assert_eq!(
            resolve(
                "../_shared/cors.ts?x=1",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Ok(Target::Local(root.join("f/_shared/cors.ts")))
        );
        assert_eq!(
            resolve(
                "npm:zod@3",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Ok(Target::Remote("npm:zod@3".into()))
        );
        assert_eq!(
            resolve(
                "zod",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Err(Unresolved::Bare)
        );
        assert!(matches!(
            resolve(
                "./nope.ts",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Err(Unresolved::Missing(_))
        ));
        assert!(matches!(
            resolve(
                "../../../x.ts",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Err(Unresolved::Outside(_))
        ));
        assert!(matches!(
            resolve(
                "/etc/passwd",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Err(Unresolved::Outside(_))
        ));
        assert!(matches!(
            resolve(
                "../_shared",
                &imp,
                &Scope::new(None, root),
                &crate::bundle::graph::Cache::default()
            ),
            Err(Unresolved::Missing(_))
        ));
    }

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(
            file_url_path("file:///tmp/a%20b.ts"),
            PathBuf::from("/tmp/a b.ts")
        );
    }
}
