//! Node and Bun functions in an npm, pnpm or Bun workspace. The function's
//! `package.json` depends on `"@acme/shared": "workspace:*"`, and its
//! dependencies live wherever the package manager put them: hoisted to the
//! workspace root's `node_modules` (npm, Bun), or linked from the
//! function's own `node_modules` into `node_modules/.pnpm` (pnpm). Neither
//! is inside the function directory, so its bundle is laid out from the
//! workspace root instead: the function directory (walked as usual, its
//! `node_modules` aside), then every package its `package.json` reaches
//! through `dependencies`, `optionalDependencies` and `peerDependencies`,
//! found as Node finds them (`node_modules/<name>` in the package's
//! directory and each one above it, up to the workspace root), each with
//! its own dependencies in turn. A `node_modules` entry that is a link
//! stays a link (its target made relative, inside the bundle) beside the
//! files it leads to, so Node and Bun resolve the unpacked bundle exactly as
//! they resolve the workspace; a workspace package nothing links yet gets a
//! link in the `node_modules` of the package that depends on it. Workspace
//! packages are walked with the project's ignore rules, like the function;
//! installed packages are taken whole (secret-looking names aside). The
//! manifest's `entrypoint` is then the entrypoint's path from the root.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::error::BundleError;
use super::walk::{self, Entry, Kind};
use super::BundleOptions;

/// The package-manager workspace a function belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    /// The workspace root (absolute).
    pub(crate) root: PathBuf,
    /// The file that declares it (package.json or pnpm-workspace.yaml).
    pub(crate) declared_by: PathBuf,
    /// Name → directory of each workspace package.
    packages: BTreeMap<String, PathBuf>,
}

/// A problem with a workspace file, named with its place.
fn bad(file: &Path, line: Option<usize>, what: String, hint: &'static str) -> anyhow::Error {
    BundleError::Workspace {
        file: file.to_path_buf(),
        line,
        what,
        hint,
    }
    .into()
}

/// The 1-based line of the first `"key"` in `text`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|n| n + 1)
}

/// A package.json, parsed, with its text (for line numbers).
fn read_package(file: &Path) -> anyhow::Result<(Value, String)> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        bad(
            file,
            None,
            format!("cannot read it: {e}"),
            "check its permissions",
        )
    })?;
    let v = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        bad(
            file,
            Some(e.line()),
            format!("not valid JSON: {e}"),
            "fix the syntax there",
        )
    })?;
    Ok((v, text))
}

/// The member patterns a workspace root declares in `dir`, and the file.
fn declared(dir: &Path) -> anyhow::Result<Option<(PathBuf, Vec<String>)>> {
    let pnpm = dir.join("pnpm-workspace.yaml");
    if pnpm.is_file() {
        let text = std::fs::read_to_string(&pnpm).map_err(|e| {
            bad(
                &pnpm,
                None,
                format!("cannot read it: {e}"),
                "check its permissions",
            )
        })?;
        #[derive(serde::Deserialize)]
        struct Pnpm {
            #[serde(default)]
            packages: Vec<String>,
        }
        let p: Pnpm = serde_yaml_ng::from_str(&text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            bad(
                &pnpm,
                line,
                format!("not valid YAML: {e}"),
                "fix the syntax there",
            )
        })?;
        return Ok(Some((pnpm, p.packages)));
    }
    let pkg = dir.join("package.json");
    if !pkg.is_file() {
        return Ok(None);
    }
    let (v, _) = read_package(&pkg)?;
    let list = match v.get("workspaces") {
        None => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => match o.get("packages") {
            Some(Value::Array(a)) => a,
            _ => return Ok(None),
        },
        Some(_) => return Ok(None),
    };
    let patterns = list
        .iter()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    Ok(Some((pkg, patterns)))
}

/// The dependencies a package.json declares: (name, optional), sorted.
fn dependencies(v: &Value) -> Vec<(String, bool)> {
    let mut out = BTreeMap::new();
    for (field, optional) in [
        ("peerDependencies", true),
        ("optionalDependencies", true),
        ("dependencies", false),
    ] {
        if let Some(Value::Object(deps)) = v.get(field) {
            for name in deps.keys() {
                out.insert(name.clone(), optional);
            }
        }
    }
    out.into_iter().collect()
}

impl Workspace {
    /// The workspace `dir` (a function directory with a package.json and
    /// no Dockerfile of its own) belongs to: the nearest root above it,
    /// inside its tree, that lists it as a package or holds a package it
    /// depends on. `None`: bundled as its directory.
    pub(crate) fn of(dir: &Path, project: &Path) -> anyhow::Result<Option<Workspace>> {
        let own = dir.join("package.json");
        if !own.is_file() || dir.join("Dockerfile").is_file() {
            return Ok(None);
        }
        let tree = super::tree::Tree::of(project, dir);
        for above in dir.ancestors().skip(1) {
            if !above.starts_with(&tree.root) {
                break;
            }
            let Some((declared_by, patterns)) = declared(above)? else {
                continue;
            };
            let mut packages = BTreeMap::new();
            for pattern in &patterns {
                for d in super::tree::dirs_matching(above, pattern) {
                    let pkg = d.join("package.json");
                    if !pkg.is_file() {
                        continue;
                    }
                    let (v, _) = read_package(&pkg)?;
                    if let Some(name) = v.get("name").and_then(Value::as_str) {
                        packages.insert(name.to_string(), d);
                    }
                }
            }
            let (v, _) = read_package(&own)?;
            let member = packages.values().any(|d| d == dir);
            let uses = dependencies(&v)
                .iter()
                .any(|(n, _)| packages.contains_key(n));
            if !(member || uses) {
                return Ok(None);
            }
            return Ok(Some(Workspace {
                root: above.to_path_buf(),
                declared_by,
                packages,
            }));
        }
        Ok(None)
    }

    /// Where the function's entrypoint sits in a bundle laid out from the
    /// workspace root, `/`-separated.
    pub(crate) fn entrypoint(&self, dir: &Path, entrypoint: &str) -> String {
        let under = dir.strip_prefix(&self.root).unwrap_or(dir);
        let mut p = under.to_string_lossy().replace('\\', "/");
        let e = entrypoint.trim_start_matches("./");
        if p.is_empty() {
            return e.to_string();
        }
        p.push('/');
        p.push_str(e);
        p
    }
}

/// The bundle of function `name` in `dir`: its base directory (the
/// workspace root, as the filesystem names it) and the entries under it.
pub(crate) fn entries(
    name: &str,
    dir: &Path,
    ws: &Workspace,
    opts: &BundleOptions,
) -> anyhow::Result<(PathBuf, Vec<Entry>)> {
    let base = std::fs::canonicalize(&ws.root).map_err(|err| BundleError::OpenWorkspace {
        path: ws.root.clone(),
        root: true,
        err,
    })?;
    let real_dir = std::fs::canonicalize(dir).map_err(|err| BundleError::OpenWorkspace {
        path: dir.to_path_buf(),
        root: false,
        err,
    })?;
    let project = match &opts.ignore_root {
        Some(p) => Some(real_path(p)?),
        None => None,
    };
    let mut c = Closure {
        name,
        ws,
        base,
        project,
        entries: BTreeMap::new(),
        done: BTreeSet::new(),
        queue: VecDeque::new(),
    };
    let own = walk::collect(
        dir,
        &BundleOptions {
            keep_node_modules: false,
            ..opts.clone()
        },
    )?;
    walk::check_required(name, dir, &own, &opts.required)?;
    c.add_walked(&real_dir, own)?;
    c.done.insert(real_dir.clone());
    c.queue.push_back(real_dir);
    while let Some(pkg) = c.queue.pop_front() {
        c.package_deps(&pkg, opts)?;
    }
    let mut dirs = BTreeSet::new();
    for rel in c.entries.values().map(|e| e.rel.clone()) {
        for a in rel.ancestors().skip(1) {
            if !a.as_os_str().is_empty() {
                dirs.insert(a.to_path_buf());
            }
        }
    }
    for d in dirs {
        let e = Entry {
            rel: d,
            kind: Kind::Dir,
            meta: None,
        };
        c.entries.entry(e.key()).or_insert(e);
    }
    Ok((c.base, c.entries.into_values().collect()))
}

/// The packages one function reaches, gathered from the workspace root.
struct Closure<'a> {
    name: &'a str,
    ws: &'a Workspace,
    /// The workspace root's real path: entries are relative to it.
    base: PathBuf,
    /// The project root's real path.
    project: Option<PathBuf>,
    /// By sort key, so the archive order is fixed.
    entries: BTreeMap<Vec<u8>, Entry>,
    /// Package directories (real paths) already taken.
    done: BTreeSet<PathBuf>,
    /// Packages whose dependencies are still to be read.
    queue: VecDeque<PathBuf>,
}

impl Closure<'_> {
    /// `path` (a real path) relative to the base, or an error when a
    /// dependency leads outside the workspace.
    fn rel(&self, path: &Path, why: &str) -> anyhow::Result<PathBuf> {
        match path.strip_prefix(&self.base) {
            Ok(r) => Ok(r.to_path_buf()),
            Err(_) => Err(BundleError::DependencyOutside {
                function: self.name.to_string(),
                why: why.to_string(),
                path: path.to_path_buf(),
                root: self.base.clone(),
            }
            .into()),
        }
    }

    /// Entries walked under the real directory `dir`, moved under the base.
    fn add_walked(&mut self, dir: &Path, walked: Vec<Entry>) -> anyhow::Result<()> {
        let at = self.rel(dir, "a workspace package")?;
        for mut e in walked {
            e.rel = at.join(&e.rel);
            self.entries.insert(e.key(), e);
        }
        Ok(())
    }

    /// Take each dependency of the package in `pkg` (a real path).
    fn package_deps(&mut self, pkg: &Path, opts: &BundleOptions) -> anyhow::Result<()> {
        let file = pkg.join("package.json");
        if !file.is_file() {
            return Ok(());
        }
        let (v, text) = read_package(&file)?;
        for (dep, optional) in dependencies(&v) {
            let found = match self.lookup(pkg, &dep) {
                Some(link) => link,
                None => match self.ws.packages.get(&dep) {
                    // Not linked yet: link it where Node looks first.
                    Some(target) => {
                        self.link(&pkg.join("node_modules").join(&dep), target)?;
                        self.take(target, opts)?;
                        continue;
                    }
                    None if optional => continue,
                    None => {
                        return Err(bad(
                            &file,
                            line_of(&text, &dep),
                            format!(
                                "function `{}` needs the dependency `{dep}`, which is not installed \
                                 (no node_modules/{dep} from {} up to the workspace root {}, which {} declares)",
                                self.name,
                                pkg.display(),
                                self.ws.root.display(),
                                self.ws.declared_by.display()
                            ),
                            "install the workspace's dependencies at its root (npm install, pnpm install or bun install) before bundling",
                        ))
                    }
                },
            };
            let real = real_path(&found)?;
            if found
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                self.link(&found, &real)?;
            }
            self.take(&real, opts)?;
        }
        Ok(())
    }

    /// `node_modules/<dep>` as Node looks it up from `pkg`: in `pkg` and
    /// each directory above it, up to the workspace root.
    fn lookup(&self, pkg: &Path, dep: &str) -> Option<PathBuf> {
        for a in pkg.ancestors() {
            if !a.starts_with(&self.base) {
                break;
            }
            if a.file_name().is_some_and(|n| n == "node_modules") {
                continue;
            }
            let c = a.join("node_modules").join(dep);
            if c.exists() {
                return Some(c);
            }
        }
        None
    }

    /// A link at `at` (its parent's real path taken) to the directory
    /// `target`, stored relative.
    fn link(&mut self, at: &Path, target: &Path) -> anyhow::Result<()> {
        let parent = at.parent().unwrap_or(&self.base);
        // A link hoist adds sits in a `node_modules` that may not exist yet,
        // under a package directory that is a real path already.
        let parent = match parent.exists() {
            true => real_path(parent)?,
            false => parent.to_path_buf(),
        };
        let Some(name) = at.file_name() else {
            anyhow::bail!("{} names no node_modules entry", at.display());
        };
        let real_target = real_path(target)?;
        let rel = self.rel(&parent.join(name), "a node_modules link")?;
        self.rel(&real_target, &format!("the link {}", at.display()))?;
        let e = Entry {
            rel,
            kind: Kind::Symlink {
                target: walk::relative_path(&parent, &real_target),
            },
            meta: None,
        };
        self.entries.insert(e.key(), e);
        Ok(())
    }

    /// The files of the package in `real` (once), and its dependencies
    /// queued: installed packages whole, workspace packages walked.
    fn take(&mut self, real: &Path, opts: &BundleOptions) -> anyhow::Result<()> {
        let real = real_path(real)?;
        if !self.done.insert(real.clone()) {
            return Ok(());
        }
        let at = self.rel(&real, "a dependency")?;
        let installed = at
            .components()
            .any(|c| matches!(c, Component::Normal(n) if n == "node_modules"));
        let walked = if installed {
            installed_files(&real, &self.base)?
        } else {
            // Ignore files count from the project root down inside the
            // project, from the workspace root down outside it.
            let inside = self.project.as_deref().filter(|p| real.starts_with(p));
            let o = BundleOptions {
                include: Vec::new(),
                exclude: Vec::new(),
                keep_node_modules: false,
                required: Vec::new(),
                ignore_root: Some(inside.unwrap_or(&self.base).to_path_buf()),
                ..opts.clone()
            };
            walk::collect(&real, &o)?
        };
        self.add_walked(&real, walked)?;
        self.queue.push_back(real);
        Ok(())
    }
}

/// The real path of `p`, or an error naming it.
fn real_path(p: &Path) -> anyhow::Result<PathBuf> {
    std::fs::canonicalize(p).map_err(|err| {
        BundleError::Unresolvable {
            path: p.to_path_buf(),
            err,
        }
        .into()
    })
}

/// Every file of an installed package, as its package manager wrote it:
/// no ignore rules (its own `.gitignore` describes its sources, not what
/// was published), but never a nested `node_modules` (dependencies are
/// taken by name), `.git`, or a secret-looking name. A link to a file is
/// stored as that file, and refused when it leads outside `base`.
fn installed_files(dir: &Path, base: &Path) -> anyhow::Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        let list = |err| BundleError::List {
            dir: here.clone(),
            err,
        };
        let rd = std::fs::read_dir(&here).map_err(list)?;
        for item in rd {
            let item = item.map_err(list)?;
            let name = item.file_name();
            let path = item.path();
            // Links inside a package are followed; a dangling one (a
            // package's broken `bin` link, say) has nothing to bundle.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let is_dir = meta.is_dir();
            if walk::excluded_by_default(walk::name_bytes(&name), is_dir, false) {
                continue;
            }
            let r = rel.join(&name);
            if item.file_type().is_ok_and(|t| t.is_symlink()) {
                if is_dir {
                    continue;
                }
                let real = real_path(&path)?;
                if !real.starts_with(base) {
                    return Err(BundleError::PackageLinkOutside {
                        path,
                        real,
                        root: base.to_path_buf(),
                    }
                    .into());
                }
            }
            if is_dir {
                stack.push(r.clone());
                out.push(Entry {
                    rel: r,
                    kind: Kind::Dir,
                    meta: None,
                });
            } else if meta.is_file() {
                out.push(Entry {
                    rel: r,
                    kind: Kind::File {
                        size: meta.len(),
                        executable: walk::executable(&meta),
                    },
                    meta: Some(meta),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn opts(project: &Path) -> BundleOptions {
        BundleOptions {
            limit_bytes: u64::MAX,
            mtime: 0,
            include: Vec::new(),
            exclude: Vec::new(),
            keep_node_modules: true,
            threads: 1,
            cache: false,
            ignore_root: Some(project.to_path_buf()),
            required: vec!["index.js".into()],
        }
    }

    #[test]
    fn an_installed_link_leading_out_of_the_workspace_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path().join("ws");
        write(&r, "package.json", r#"{"workspaces": ["fn"]}"#);
        write(
            &r,
            "fn/package.json",
            r#"{"name": "fn", "dependencies": {"dep": "1"}}"#,
        );
        write(&r, "fn/index.js", "");
        write(&r, "node_modules/dep/package.json", "{}");
        write(t.path(), "outside.txt", "not yours");
        std::os::unix::fs::symlink(
            t.path().join("outside.txt"),
            r.join("node_modules/dep/leak.txt"),
        )
        .unwrap();
        let dir = r.join("fn");
        let ws = Workspace::of(&dir, &r).unwrap().unwrap();
        assert_eq!(ws.entrypoint(&dir, "./index.js"), "fn/index.js");
        let e = entries("fn", &dir, &ws, &opts(&r)).unwrap_err();
        assert!(
            format!("{e:#}").contains("outside the workspace root"),
            "{e:#}"
        );
        std::fs::remove_file(r.join("node_modules/dep/leak.txt")).unwrap();
        let (_, got) = entries("fn", &dir, &ws, &opts(&r)).unwrap();
        let paths: Vec<String> = got
            .iter()
            .filter(|e| !matches!(e.kind, Kind::Dir))
            .map(|e| e.rel.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            paths,
            [
                "fn/index.js",
                "fn/package.json",
                "node_modules/dep/package.json"
            ]
        );
    }

    #[test]
    fn a_directory_in_no_workspace_is_bundled_as_it_is() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        write(r, "fn/package.json", r#"{"name": "fn"}"#);
        assert!(Workspace::of(&r.join("fn"), r).unwrap().is_none());
        // A workspace it neither belongs to nor uses.
        write(r, "package.json", r#"{"workspaces": ["packages/*"]}"#);
        write(r, "packages/a/package.json", r#"{"name": "a"}"#);
        assert!(Workspace::of(&r.join("fn"), r).unwrap().is_none());
        write(
            r,
            "fn/package.json",
            r#"{"name": "fn", "dependencies": {"a": "*"}}"#,
        );
        assert!(Workspace::of(&r.join("fn"), r).unwrap().is_some());
        write(r, "fn/Dockerfile", "FROM scratch\n");
        assert!(Workspace::of(&r.join("fn"), r).unwrap().is_none());
    }
}
