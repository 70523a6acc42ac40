//! The `deno.json` Deno reads when it runs a function, and what hoist takes
//! from it beyond an import map: a workspace and the JSX runtime.
//!
//! Deno starts from the function's import map when that is a `deno.json`
//! (hoist passes it as `--config`), else from the nearest `deno.json` or
//! `deno.jsonc` upward from the entrypoint. When that file has `workspace`,
//! or a `deno.json` above it has one listing its directory as a member, the
//! function is in a Deno workspace: each member's own `imports` apply to
//! the files under it, the root's to every file, and a member's `name`
//! (`@acme/shared`, also as `jsr:@acme/shared`) resolves through its
//! `exports`. `compilerOptions.jsxImportSource` (with `jsx` set to
//! `react-jsx` or `precompile`, or `react-jsxdev`) makes
//! `<source>/jsx-runtime` (`jsx-dev-runtime`) a dependency of every `.jsx`
//! and `.tsx` module without a `@jsxImportSource` pragma; a member's setting
//! wins for its files. When either is in use, the configuration files go
//! into the bundle beside the modules, at the same relative places, so Deno
//! resolves the unpacked bundle as it resolves the project.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::importmap::{self, ImportMap, MapError};
use super::resolve::{normalize, Target, Unresolved};

/// The configuration a function runs with, when it declares a workspace or
/// a JSX runtime (otherwise hoist needs nothing from it).
#[derive(Debug, Clone)]
pub struct DenoConfig {
    /// The file Deno starts from (absolute).
    pub(crate) start: PathBuf,
    /// Its own imports and scopes.
    pub(crate) start_map: ImportMap,
    /// Its JSX runtime setting.
    jsx: Option<Jsx>,
    pub(crate) workspace: Option<Workspace>,
    /// Things the user should know (a deno.json left out of a workspace).
    pub(crate) notes: Vec<String>,
}

/// A Deno workspace: its root configuration and members.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The root `deno.json` (absolute).
    pub(crate) config: PathBuf,
    /// The root's imports and scopes, which apply to every file.
    pub(crate) map: ImportMap,
    jsx: Option<Jsx>,
    members: Vec<Member>,
}

/// One member of a workspace.
#[derive(Debug, Clone)]
struct Member {
    dir: PathBuf,
    config: PathBuf,
    name: Option<String>,
    /// Subpath (`.`, `./util`) → target relative to `dir`.
    exports: Vec<(String, String)>,
    map: ImportMap,
    jsx: Option<Jsx>,
}

/// `compilerOptions.jsxImportSource` and the module it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Jsx {
    /// `<source>/jsx-runtime` or `<source>/jsx-dev-runtime`.
    pub(crate) specifier: String,
    /// The configuration file and line that set it.
    pub(crate) config: PathBuf,
    pub(crate) line: Option<usize>,
}

fn is_config(file: &Path) -> bool {
    matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("deno.json") | Some("deno.jsonc")
    )
}

/// The `deno.json` (else `deno.jsonc`) in `dir`.
fn config_in(dir: &Path) -> Option<PathBuf> {
    ["deno.json", "deno.jsonc"]
        .iter()
        .map(|n| dir.join(n))
        .find(|f| f.is_file())
}

/// Whether `map` came from a `deno.json` (its own imports, or the file its
/// `importMap` names): such a map is the configuration, not a separate
/// `--import-map`.
pub(crate) fn map_is_config(map: &ImportMap) -> bool {
    map.config.is_some() || is_config(&map.file)
}

/// The file Deno starts from: the import map when it is a deno.json, else
/// the nearest one upward from `entry_dir`, never above `tree`.
fn start_file(entry_dir: &Path, map: Option<&ImportMap>, tree: &Path) -> Option<PathBuf> {
    if let Some(m) = map.filter(|m| map_is_config(m)) {
        return Some(m.config.clone().unwrap_or_else(|| m.file.clone()));
    }
    entry_dir
        .ancestors()
        .take_while(|d| d.starts_with(tree))
        .find_map(config_in)
}

impl DenoConfig {
    /// The configuration of a function whose entrypoint is in `entry_dir`
    /// and whose import map is `map`; `None` when it declares neither a
    /// workspace nor a JSX runtime.
    pub(crate) fn find(
        entry_dir: &Path,
        map: Option<&ImportMap>,
        tree: &Path,
        cache: &super::Cache,
    ) -> Result<Option<Arc<DenoConfig>>, MapError> {
        let Some(start) = start_file(entry_dir, map, tree) else {
            return Ok(None);
        };
        let key = (start, tree.to_path_buf());
        if let Some(hit) = super::lock(&cache.configs).get(&key) {
            return hit.clone();
        }
        let found = DenoConfig::load(&key.0, tree).map(|c| c.map(Arc::new));
        super::lock(&cache.configs).insert(key, found.clone());
        found
    }

    /// The configuration starting from `start`, read afresh.
    fn load(start: &Path, tree: &Path) -> Result<Option<DenoConfig>, MapError> {
        let start = start.to_path_buf();
        let v = importmap::read_json(&start)?;
        let jsx = jsx_of(&start, &v)?;
        let mut notes = Vec::new();
        let workspace = if v.get("workspace").is_some() {
            Some(Workspace::load(&start, &v)?)
        } else {
            enclosing(&start, tree, &mut notes)?
        };
        if workspace.is_none() && jsx.is_none() && notes.is_empty() {
            return Ok(None);
        }
        Ok(Some(DenoConfig {
            start_map: ImportMap::load(&start)?,
            start,
            jsx,
            workspace,
            notes,
        }))
    }

    /// Whether hoist takes anything from it: a workspace or a JSX runtime
    /// (otherwise it only had notes to give).
    pub(crate) fn in_use(&self) -> bool {
        self.workspace.is_some() || self.jsx.is_some()
    }

    /// The JSX runtime a `.jsx`/`.tsx` module `file` depends on: its
    /// member's setting, else the root's, else the starting file's.
    pub(crate) fn jsx_for(&self, file: &Path) -> Option<&Jsx> {
        if let Some(ws) = &self.workspace {
            let own = ws.member_of(file).and_then(|m| m.jsx.as_ref());
            return own.or(ws.jsx.as_ref()).or(self.jsx.as_ref());
        }
        self.jsx.as_ref()
    }

    /// The configuration files a bundle holding `files` needs: the
    /// starting file, the root's, each member's whose directory holds one
    /// of `files`, and the import maps they name.
    pub(crate) fn files_for<'f>(&self, files: impl Iterator<Item = &'f PathBuf>) -> Vec<PathBuf> {
        let mut out = vec![self.start.clone(), self.start_map.file.clone()];
        if let Some(ws) = &self.workspace {
            out.push(ws.config.clone());
            out.push(ws.map.file.clone());
            let mut used = std::collections::BTreeSet::new();
            for f in files {
                if let Some(i) = ws.members.iter().position(|m| f.starts_with(&m.dir)) {
                    used.insert(i);
                }
            }
            for i in used {
                out.push(ws.members[i].config.clone());
                out.push(ws.members[i].map.file.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The workspace above `start` (a deno.json without `workspace`) that lists
/// its directory as a member. One that does not list it is ignored, as
/// Deno ignores it, with a note saying so.
fn enclosing(
    start: &Path,
    tree: &Path,
    notes: &mut Vec<String>,
) -> Result<Option<Workspace>, MapError> {
    let Some(dir) = start.parent() else {
        return Ok(None);
    };
    for above in dir.ancestors().skip(1).take_while(|d| d.starts_with(tree)) {
        let Some(root) = config_in(above) else {
            continue;
        };
        let v = importmap::read_json(&root)?;
        if v.get("workspace").is_none() {
            continue;
        }
        let ws = Workspace::load(&root, &v)?;
        if ws.members.iter().any(|m| m.dir == dir) {
            return Ok(Some(ws));
        }
        notes.push(format!(
            "{} is not a member of the Deno workspace {}, so Deno ignores that workspace for this function and so does hoist; \
             add `./{}` to its `workspace` to use it",
            start.display(),
            root.display(),
            dir.strip_prefix(above).unwrap_or(dir).display()
        ));
        return Ok(None);
    }
    Ok(None)
}

fn problem(file: &Path, key: &str, message: String, hint: &str) -> MapError {
    MapError {
        file: file.to_path_buf(),
        line: importmap::line_of_key(file, key),
        column: None,
        message,
        hint: hint.into(),
    }
}

/// `compilerOptions.jsxImportSource` of the config `file` (parsed as `v`).
fn jsx_of(file: &Path, v: &Value) -> Result<Option<Jsx>, MapError> {
    let opts = v.get("compilerOptions");
    let Some(source) = opts
        .and_then(|o| o.get("jsxImportSource"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let module = match opts.and_then(|o| o.get("jsx")).and_then(Value::as_str) {
        Some("react-jsx") | Some("precompile") => "jsx-runtime",
        Some("react-jsxdev") => "jsx-dev-runtime",
        other => {
            return Err(problem(
                file,
                "jsxImportSource",
                format!(
                    "`compilerOptions.jsxImportSource` is set while `jsx` is {}; Deno refuses that configuration",
                    other.map_or("unset".to_string(), |o| format!("`{o}`"))
                ),
                "set `\"jsx\": \"react-jsx\"` (or `precompile`, `react-jsxdev`) beside it, or remove `jsxImportSource`",
            ))
        }
    };
    Ok(Some(Jsx {
        specifier: format!("{source}/{module}"),
        config: file.to_path_buf(),
        line: importmap::line_of_key(file, "jsxImportSource"),
    }))
}

impl Workspace {
    /// The workspace the root config `file` (parsed as `v`) declares.
    fn load(file: &Path, v: &Value) -> Result<Workspace, MapError> {
        let dir = file.parent().unwrap_or(Path::new("/"));
        let entries = match v.get("workspace") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Object(o)) => match o.get("members") {
                Some(Value::Array(a)) => a.clone(),
                _ => Vec::new(),
            },
            _ => return Err(problem(
                file,
                "workspace",
                "`workspace` is neither a list of member directories nor { \"members\": [...] }"
                    .into(),
                "write it as \"workspace\": [\"./packages/shared\"]",
            )),
        };
        let mut members = Vec::new();
        for e in &entries {
            let Some(pattern) = e.as_str() else {
                return Err(problem(
                    file,
                    "workspace",
                    format!("a `workspace` entry is not a string: {e}"),
                    "list member directories as strings, e.g. \"./packages/shared\"",
                ));
            };
            for d in crate::bundle::tree::dirs_matching(dir, pattern) {
                if let Some(m) = Member::load(file, &d)? {
                    members.push(m);
                }
            }
        }
        // The deepest member directory first: it is the one a file is in.
        members.sort_by_key(|m| std::cmp::Reverse(m.dir.components().count()));
        Ok(Workspace {
            config: file.to_path_buf(),
            map: ImportMap::load(file)?,
            jsx: jsx_of(file, v)?,
            members,
        })
    }

    /// The member whose directory holds `file`.
    fn member_of(&self, file: &Path) -> Option<&Member> {
        self.members.iter().find(|m| file.starts_with(&m.dir))
    }

    /// The imports of the member holding `importer`, applied first.
    pub(crate) fn member_mapped(&self, specifier: &str, importer: &Path) -> Option<Target> {
        self.member_of(importer)?.map.resolve(specifier, importer)
    }

    /// Where a member's name (`@acme/shared`, `@acme/shared/util`,
    /// `jsr:@acme/shared@^1/util`) leads, through its `exports`; `None`
    /// when `specifier` names no member.
    pub(crate) fn by_name(&self, specifier: &str) -> Option<Result<Target, Unresolved>> {
        let (jsr, bare) = match specifier.strip_prefix("jsr:") {
            Some(rest) => (true, rest.trim_start_matches('/')),
            None => (false, specifier),
        };
        for m in &self.members {
            let Some(name) = &m.name else { continue };
            let Some(mut rest) = bare.strip_prefix(name.as_str()) else {
                continue;
            };
            if jsr && rest.starts_with('@') {
                // A version requirement: the member is that package.
                rest = rest.find('/').map_or("", |i| &rest[i..]);
            }
            let sub = match rest {
                "" => ".".to_string(),
                r if r.starts_with('/') => format!(".{r}"),
                _ => continue,
            };
            return Some(match m.exports.iter().find(|(k, _)| *k == sub) {
                Some((_, v)) => Ok(Target::Local(normalize(&m.dir.join(v)))),
                None => Err(Unresolved::NotExported {
                    config: m.config.clone(),
                    subpath: sub,
                    exported: m.exports.iter().map(|(k, _)| k.clone()).collect(),
                }),
            });
        }
        None
    }
}

impl Member {
    /// The member in `dir`, listed by the root config `root`: `None` for a
    /// directory that does not exist (Deno skips it) or holds only a
    /// package.json (an npm package, not resolved by name here).
    fn load(root: &Path, dir: &Path) -> Result<Option<Member>, MapError> {
        if !dir.is_dir() {
            return Ok(None);
        }
        let Some(config) = config_in(dir) else {
            if dir.join("package.json").is_file() {
                return Ok(None);
            }
            return Err(problem(
                root,
                "workspace",
                format!(
                    "the workspace member {} has no deno.json, deno.jsonc or package.json",
                    dir.display()
                ),
                "add a deno.json to the member, or remove it from `workspace`",
            ));
        };
        let v = importmap::read_json(&config)?;
        let exports = match v.get("exports") {
            Some(Value::String(s)) => vec![(".".to_string(), s.clone())],
            Some(Value::Object(o)) => o
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Some(Member {
            name: v.get("name").and_then(Value::as_str).map(str::to_string),
            exports,
            map: ImportMap::load(&config)?,
            jsx: jsx_of(&config, &v)?,
            dir: dir.to_path_buf(),
            config,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn members_by_name_and_exports() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        write(
            r,
            "deno.json",
            r#"{"workspace": ["./packages/*", "./gone"]}"#,
        );
        write(
            r,
            "packages/shared/deno.json",
            r#"{"name": "@acme/shared", "exports": {".": "./mod.ts", "./util": "./util.ts"}, "imports": {"h": "./h.ts"}}"#,
        );
        write(r, "packages/npm/package.json", "{}");
        let dir = r.join("fn");
        std::fs::create_dir_all(&dir).unwrap();
        let c = DenoConfig::find(&dir, None, r, &crate::bundle::graph::Cache::default())
            .unwrap()
            .unwrap();
        let ws = c.workspace.as_ref().unwrap();
        let shared = r.join("packages/shared");
        assert_eq!(
            ws.by_name("@acme/shared"),
            Some(Ok(Target::Local(shared.join("mod.ts"))))
        );
        assert_eq!(
            ws.by_name("jsr:@acme/shared@^0.1/util"),
            Some(Ok(Target::Local(shared.join("util.ts"))))
        );
        assert!(matches!(
            ws.by_name("@acme/shared/nope"),
            Some(Err(Unresolved::NotExported { .. }))
        ));
        assert_eq!(ws.by_name("@acme/sharedx"), None);
        assert_eq!(
            ws.member_mapped("h", &shared.join("mod.ts")),
            Some(Target::Local(shared.join("h.ts")))
        );
        assert_eq!(ws.member_mapped("h", &dir.join("index.ts")), None);
    }

    #[test]
    fn jsx_needs_an_automatic_runtime() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        write(
            r,
            "deno.json",
            "{\n \"compilerOptions\": {\n  \"jsx\": \"react-jsxdev\",\n  \"jsxImportSource\": \"npm:preact\"\n }\n}\n",
        );
        let c = DenoConfig::find(r, None, r, &crate::bundle::graph::Cache::default())
            .unwrap()
            .unwrap();
        let jsx = c.jsx_for(&r.join("a.tsx")).unwrap();
        assert_eq!(jsx.specifier, "npm:preact/jsx-dev-runtime");
        assert_eq!(jsx.line, Some(4));
        write(
            r,
            "deno.json",
            "{\"compilerOptions\": {\"jsxImportSource\": \"x\"}}",
        );
        let e = DenoConfig::find(r, None, r, &crate::bundle::graph::Cache::default()).unwrap_err();
        assert!(e.message.contains("`jsx` is unset"), "{}", e.message);
        write(r, "deno.json", "{\"imports\": {}}");
        assert!(
            DenoConfig::find(r, None, r, &crate::bundle::graph::Cache::default())
                .unwrap()
                .is_none()
        );
    }
}
