//! The tree a function's bundle may take files from. A monorepo keeps
//! shared code beside the project, not inside it (`shared/` at the
//! repository root while hoist.yaml sits in `apps/api/`), so the boundary
//! is the highest of: the project root (where hoist.yaml is), the root of
//! the git repository holding it (the nearest directory upward with a
//! `.git` entry, so a submodule or a worktree is its own repository), and
//! the root of a workspace holding the function (a `deno.json`/`deno.jsonc`
//! with `workspace`, a `package.json` with `workspaces`, a
//! `pnpm-workspace.yaml`). An import leading above it is an error naming the
//! importing file and line. Only the files a function reaches are bundled,
//! whatever the boundary: a higher one lets more resolve, it adds nothing.

use std::path::{Path, PathBuf};

use super::graph::resolve::normalize;

/// Why the boundary is where it is (said in errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The project root: no repository or workspace above it.
    Project,
    /// The root of the git repository holding the project.
    Git,
    /// The root of the workspace that file (a deno.json, package.json or
    /// pnpm-workspace.yaml) declares.
    Workspace(PathBuf),
}

/// The highest directory a function's bundle may take files from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    /// Absolute, lexically normalized.
    pub(crate) root: PathBuf,
    pub(crate) reason: Reason,
}

impl Tree {
    /// The boundary for a function in `dir` of the project at `project`.
    pub(crate) fn of(project: &Path, dir: &Path) -> Tree {
        let mut tree = Tree {
            root: project.to_path_buf(),
            reason: Reason::Project,
        };
        let git = git_root(project);
        if let Some(g) = &git {
            tree.raise(g, Reason::Git);
        }
        // A workspace root above the repository would be another project's.
        let stop = git.as_deref();
        if let Some(ws) = workspace_root(dir, stop) {
            if let Some(parent) = ws.parent() {
                tree.raise(parent, Reason::Workspace(ws.clone()));
            }
        }
        tree
    }

    /// Move the boundary up to `dir` when it is an ancestor of it.
    fn raise(&mut self, dir: &Path, reason: Reason) {
        if self.root.starts_with(dir) && self.root != dir {
            self.root = dir.to_path_buf();
            self.reason = reason;
        }
    }

    /// What the boundary is, for an error message (`…, outside <this>`).
    pub(crate) fn describe(&self, project: &Path) -> String {
        match &self.reason {
            Reason::Project => format!(
                "the project root {} (no git repository or workspace holds it)",
                self.root.display()
            ),
            Reason::Git => format!(
                "the git repository {} that holds the project",
                self.root.display()
            ),
            Reason::Workspace(file) => format!(
                "the workspace root {} ({} declares it)",
                self.root.display(),
                super::graph::rel(project, file)
            ),
        }
    }
}

/// The nearest directory at or above `dir` holding a `.git` entry.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

/// The nearest workspace declaration at or above `dir`, never above
/// `stop`: the file that declares it.
fn workspace_root(dir: &Path, stop: Option<&Path>) -> Option<PathBuf> {
    for d in dir.ancestors() {
        for name in ["deno.json", "deno.jsonc"] {
            let f = d.join(name);
            if declares(&f, "workspace") {
                return Some(f);
            }
        }
        let pkg = d.join("package.json");
        if declares(&pkg, "workspaces") {
            return Some(pkg);
        }
        let pnpm = d.join("pnpm-workspace.yaml");
        if pnpm.is_file() {
            return Some(pnpm);
        }
        if stop == Some(d) {
            break;
        }
    }
    None
}

/// Whether the JSON(C) file `f` exists and has the top-level key `key`. A
/// file that does not read or parse declares nothing here: the module
/// graph reports it where it is used.
fn declares(f: &Path, key: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(f) else {
        return false;
    };
    let text = super::graph::importmap::strip_jsonc(text.trim_start_matches('\u{feff}'));
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => v.get(key).is_some(),
        Err(_) => false,
    }
}

/// The directories a workspace entry (`./packages/shared`, `packages/*`,
/// `apps/**`) names under `root`, sorted: each `/`-separated part is a
/// name, a pattern where `*` is any run of characters and `?` any one, or
/// `**`, any depth of directories (not entering `node_modules` or hidden
/// ones). A negated entry (`!…`) names none.
pub(crate) fn dirs_matching(root: &Path, pattern: &str) -> Vec<PathBuf> {
    if pattern.starts_with('!') {
        return Vec::new();
    }
    let mut dirs = vec![root.to_path_buf()];
    for part in pattern.split('/') {
        dirs = match part {
            "" | "." => dirs,
            ".." => dirs.iter().map(|d| normalize(&d.join(".."))).collect(),
            "**" => {
                let mut all = Vec::new();
                for d in &dirs {
                    below(d, &mut all);
                }
                all
            }
            p if p.contains(['*', '?']) => dirs
                .iter()
                .flat_map(|d| subdirs(d).into_iter().filter(|s| name_matches(p, s)))
                .collect(),
            p => dirs.iter().map(|d| d.join(p)).collect(),
        };
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The sub-directories of `dir`, sorted.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// `dir` and every directory below it, `node_modules` and hidden ones left
/// out.
fn below(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    for s in subdirs(dir) {
        let name = s.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n != "node_modules" && !n.starts_with('.')) {
            below(&s, out);
        }
    }
}

/// Whether the last component of `path` matches `pattern`.
fn name_matches(pattern: &str, path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    name.is_some_and(|n| wildcard(pattern, &n))
}

/// Whether `name` matches `pattern`, where `*` is any run of characters
/// and `?` any one.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_directories() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for d in [
            "packages/a",
            "packages/b/node_modules/x",
            "apps/web/deep",
            "apps/.cache",
        ] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        assert_eq!(
            dirs_matching(r, "./packages/*"),
            vec![r.join("packages/a"), r.join("packages/b")]
        );
        assert_eq!(
            dirs_matching(r, "apps/**"),
            vec![r.join("apps"), r.join("apps/web"), r.join("apps/web/deep")]
        );
        assert_eq!(dirs_matching(r, "packages/a"), vec![r.join("packages/a")]);
        assert!(dirs_matching(r, "!packages/a").is_empty());
        assert!(wildcard("a?c*", "abcdef"));
        assert!(!wildcard("a?c", "ac"));
    }

    #[test]
    fn highest_of_project_git_and_workspace() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        let project = repo.join("apps/api");
        let dir = project.join("supabase/functions/hello");
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(Tree::of(&project, &dir).reason, Reason::Project);
        std::fs::write(repo.join("apps/package.json"), "{\"workspaces\": []}").unwrap();
        let tree = Tree::of(&project, &dir);
        assert_eq!(tree.root, repo.join("apps"));
        assert!(matches!(tree.reason, Reason::Workspace(_)));
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        let tree = Tree::of(&project, &dir);
        assert_eq!((tree.root, tree.reason), (repo.clone(), Reason::Git));
        // Not above the repository, whatever declares a workspace there.
        std::fs::write(t.path().join("deno.json"), "{\"workspace\": []}").unwrap();
        assert_eq!(Tree::of(&project, &dir).root, repo);
    }
}
