//! Choosing what goes into a bundle: an `ignore`-crate walk of the function
//! directory that honours `.gitignore` (in the directory, its sub-directories
//! and the directories up to the project root, never above it, with or
//! without a git repository) and `.hoistignore`
//! (same syntax, takes precedence), includes hidden files, never follows
//! symlinks, and always leaves out:
//!
//! * `.git` and `.hoist` (version control and hoist's own state);
//! * `node_modules`, unless the runtime needs it at run time;
//! * files that usually hold secrets, matched without regard to case:
//!   `.env`, `.env.*`, `*.env`, `.envrc`, `.dev.vars`, private keys and
//!   key stores (`*.pem`, `*.key`, `*.p12`, `*.pfx`, `*.jks`, `*.keystore`,
//!   `*.ppk`, `id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*`,
//!   `deploy_key*`), credential files (`.npmrc`, `.netrc`, `.pypirc`,
//!   `.pgpass`, `.s3cfg`, `.boto`, `.git-credentials`, `credentials.json`,
//!   `service-account.json`, `kubeconfig`, `.htpasswd`) and the
//!   directories `.aws`, `.docker`,
//!   `.kube` and `.ssh`. Secrets belong in the target's
//!   secret store (`secrets:` in hoist.yaml), never in an artifact.
//!
//! The user's global gitignore and `.git/info/exclude` are not read: they
//! differ between machines and the bundle must not. The function's `exclude`
//! globs (gitignore syntax) drop matching paths; its `include` globs, when
//! given, keep only matching files (and the directories leading to them).
//!
//! Symlinks are kept as links when their target resolves inside the function
//! directory; a link leading outside, or nowhere, is refused. Sockets, FIFOs
//! and devices are refused. The result is sorted by raw path bytes so the
//! order never depends on the filesystem.

use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::WalkBuilder;

use super::error::BundleError;
use super::BundleOptions;

/// The ignore file that only hoist reads.
pub(crate) const HOISTIGNORE: &str = ".hoistignore";

/// What an entry is, with what the archive needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File { size: u64, executable: bool },
    Symlink { target: PathBuf },
}

/// One path to archive, relative to the function directory.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) rel: PathBuf,
    pub(crate) kind: Kind,
    /// What the walk's `lstat` said, kept for the bundle cache's key (so the
    /// tree is not stat-ed twice); `None` for entries made by hand.
    pub(crate) meta: Option<fs::Metadata>,
}

impl Entry {
    /// The raw bytes of the relative path, `/`-separated; the sort key.
    pub(crate) fn key(&self) -> Vec<u8> {
        path_bytes(&self.rel)
    }
}

#[cfg(unix)]
pub(crate) fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
pub(crate) fn path_bytes(p: &Path) -> Vec<u8> {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/").into_bytes()
}

#[cfg(unix)]
pub(crate) fn name_bytes(name: &OsStr) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes()
}

#[cfg(not(unix))]
pub(crate) fn name_bytes(name: &OsStr) -> &[u8] {
    name.to_str().map(str::as_bytes).unwrap_or(&[])
}

/// Whether a file name is on the built-in list of secret-looking names,
/// compared without regard to ASCII case (`.ENV`, `server.PEM`).
pub(crate) fn is_secret_name(name: &[u8]) -> bool {
    const EXACT: [&[u8]; 14] = [
        b".env",
        b".envrc",
        b".dev.vars",
        b".npmrc",
        b".netrc",
        b".pypirc",
        b".pgpass",
        b".s3cfg",
        b".boto",
        b".git-credentials",
        b"credentials.json",
        b"service-account.json",
        b"kubeconfig",
        b".htpasswd",
    ];
    const PREFIX: [&[u8]; 6] = [
        b".env.",
        b"id_rsa",
        b"id_dsa",
        b"id_ecdsa",
        b"id_ed25519",
        b"deploy_key",
    ];
    const SUFFIX: [&[u8]; 8] = [
        b".env",
        b".pem",
        b".key",
        b".p12",
        b".pfx",
        b".jks",
        b".keystore",
        b".ppk",
    ];
    let lower = name.to_ascii_lowercase();
    let name = lower.as_slice();
    EXACT.contains(&name)
        || PREFIX.iter().any(|p| name.starts_with(p))
        || SUFFIX
            .iter()
            .any(|s| name.len() > s.len() && name.ends_with(s))
}

/// The ignore files (`.gitignore`, then `.hoistignore`, which wins) of the
/// directories from `root` down to the parent of `dir`, innermost first.
fn ancestor_ignores(dir: &Path, root: Option<&Path>) -> anyhow::Result<Vec<Gitignore>> {
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let Ok(below) = dir.strip_prefix(root) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut here = root.to_path_buf();
    let mut dirs = vec![here.clone()];
    let parts: Vec<_> = below.components().collect();
    for c in parts.iter().take(parts.len().saturating_sub(1)) {
        here.push(c);
        dirs.push(here.clone());
    }
    for d in dirs {
        let mut b = GitignoreBuilder::new(&d);
        let mut any = false;
        for name in [".gitignore", HOISTIGNORE] {
            let file = d.join(name);
            if file.is_file() {
                any = true;
                if let Some(e) = b.add(&file) {
                    return Err(BundleError::IgnoreFile { file, err: e }.into());
                }
            }
        }
        if any {
            out.push(b.build().map_err(|err| BundleError::IgnoreRules {
                dir: d.clone(),
                err,
            })?);
        }
    }
    out.reverse();
    Ok(out)
}

/// Whether the ignore files above the function directory leave `path` out:
/// the innermost file with a matching rule decides.
fn ignored_by_ancestors(outer: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    for g in outer {
        let m = g.matched_path_or_any_parents(path, is_dir);
        if m.is_ignore() {
            return true;
        }
        if m.is_whitelist() {
            return false;
        }
    }
    false
}

/// The ignore rules of a project tree, read once per directory: for files
/// a module graph reaches anywhere under the root, which the directory walk
/// never visits. The same built-in exclusions and secret names apply. A
/// file inside the project obeys the ignore files from the project root
/// down, as the directory walk does; one outside it (shared code elsewhere
/// in the repository) those from the tree's root down.
#[derive(Debug)]
pub(crate) struct TreeRules {
    root: PathBuf,
    project: PathBuf,
    dirs: std::collections::HashMap<PathBuf, Option<Gitignore>>,
}

impl TreeRules {
    /// The rules of the tree under `root` holding the project at `project`.
    pub(crate) fn new(root: &Path, project: &Path) -> Self {
        TreeRules {
            root: root.to_path_buf(),
            project: project.to_path_buf(),
            dirs: std::collections::HashMap::new(),
        }
    }

    fn rules_of(&mut self, dir: &Path) -> anyhow::Result<Option<&Gitignore>> {
        if !self.dirs.contains_key(dir) {
            let mut b = GitignoreBuilder::new(dir);
            let mut any = false;
            for name in [".gitignore", HOISTIGNORE] {
                let file = dir.join(name);
                if file.is_file() {
                    any = true;
                    if let Some(e) = b.add(&file) {
                        return Err(BundleError::IgnoreFile { file, err: e }.into());
                    }
                }
            }
            let g = if any {
                Some(b.build().map_err(|err| BundleError::IgnoreRules {
                    dir: dir.to_path_buf(),
                    err,
                })?)
            } else {
                None
            };
            self.dirs.insert(dir.to_path_buf(), g);
        }
        Ok(self.dirs.get(dir).and_then(Option::as_ref))
    }

    /// Why the file `path` (under the root) must not enter a bundle, or
    /// `None` when it may.
    pub(crate) fn refusal(&mut self, path: &Path) -> anyhow::Result<Option<String>> {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return Ok(Some(format!(
                "it lies outside {}, the highest directory hoist bundles from",
                self.root.display()
            )));
        };
        let parts: Vec<&OsStr> = rel.iter().collect();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if excluded_by_default(name_bytes(part), !last, false) {
                return Ok(Some(if last {
                    format!(
                        "`{}` looks like a secret, which hoist never puts in a bundle",
                        part.to_string_lossy()
                    )
                } else {
                    format!(
                        "it lies in `{}`, which hoist never bundles",
                        part.to_string_lossy()
                    )
                }));
            }
        }
        // Innermost directory first: the deepest file with a matching rule decides.
        let top = match path.starts_with(&self.project) {
            true => self.project.clone(),
            false => self.root.clone(),
        };
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut here = path.parent();
        while let Some(d) = here {
            if !d.starts_with(&top) {
                break;
            }
            dirs.push(d.to_path_buf());
            here = d.parent();
        }
        for d in dirs {
            if let Some(g) = self.rules_of(&d)? {
                let m = g.matched_path_or_any_parents(path, false);
                if m.is_ignore() {
                    return Ok(Some(format!(
                        "it is left out by an ignore rule in {}",
                        d.strip_prefix(&self.root)
                            .unwrap_or(&d)
                            .join(".gitignore or .hoistignore")
                            .display()
                    )));
                }
                if m.is_whitelist() {
                    return Ok(None);
                }
            }
        }
        Ok(None)
    }
}

/// Refuse a bundle that leaves out a file the function needs to start.
pub(crate) fn check_required(
    name: &str,
    dir: &Path,
    entries: &[Entry],
    required: &[String],
) -> anyhow::Result<()> {
    for r in required {
        let want = Path::new(r.trim_start_matches("./"));
        if entries.iter().any(|e| e.rel == want) {
            continue;
        }
        if !dir.join(want).exists() {
            // Reported by the config check, with its line.
            continue;
        }
        return Err(BundleError::RequiredIgnored {
            function: name.to_string(),
            dir: dir.to_path_buf(),
            want: want.to_path_buf(),
        }
        .into());
    }
    Ok(())
}

/// Whether the built-in rules leave this directory entry out.
pub(crate) fn excluded_by_default(name: &[u8], is_dir: bool, keep_node_modules: bool) -> bool {
    name == b".git"
        || name == b".hoist"
        // Cloud and container credentials directories.
        || (is_dir && (name == b".aws" || name == b".docker" || name == b".kube" || name == b".ssh"))
        || (is_dir && name == b"node_modules" && !keep_node_modules)
        || (!is_dir && is_secret_name(name))
}

fn globs(root: &Path, globs: &[String], what: &'static str) -> anyhow::Result<Gitignore> {
    let mut b = GitignoreBuilder::new(root);
    for g in globs {
        b.add_line(None, g).map_err(|err| BundleError::Glob {
            what,
            glob: g.clone(),
            err,
        })?;
    }
    Ok(b.build().map_err(|err| BundleError::Globs { what, err })?)
}

/// Walk `dir` and return the entries to archive, sorted by raw path bytes.
pub(crate) fn collect(dir: &Path, opts: &BundleOptions) -> anyhow::Result<Vec<Entry>> {
    let root_canon = fs::canonicalize(dir).map_err(|err| BundleError::OpenDir {
        dir: dir.to_path_buf(),
        err,
    })?;
    if !root_canon.is_dir() {
        return Err(BundleError::NotADirectory {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    let exclude = Arc::new(globs(dir, &opts.exclude, "exclude")?);
    let include = globs(dir, &opts.include, "include")?;
    let keep_nm = opts.keep_node_modules;

    let outer = Arc::new(ancestor_ignores(dir, opts.ignore_root.as_deref())?);
    let mut wb = WalkBuilder::new(dir);
    wb.hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .add_custom_ignore_filename(HOISTIGNORE);
    let filter_exclude = Arc::clone(&exclude);
    wb.filter_entry(move |e| {
        if e.depth() == 0 {
            return true;
        }
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        !excluded_by_default(name_bytes(e.file_name()), is_dir, keep_nm)
            && !filter_exclude.matched(e.path(), is_dir).is_ignore()
            && !ignored_by_ancestors(&outer, e.path(), is_dir)
    });

    let mut entries = Vec::new();
    for item in wb.build() {
        crate::interrupt::check()?;
        let e = item.map_err(|err| BundleError::Walk { err })?;
        if e.depth() == 0 {
            continue;
        }
        let path = e.path();
        let rel = path
            .strip_prefix(dir)
            .map_err(|_| anyhow::anyhow!("walked outside {}: {}", dir.display(), path.display()))?
            .to_path_buf();
        let meta = fs::symlink_metadata(path).map_err(|err| BundleError::Unreadable {
            path: path.to_path_buf(),
            err,
        })?;
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File {
                size: meta.len(),
                executable: is_executable(&meta),
            }
        } else if ft.is_symlink() {
            Kind::Symlink {
                target: symlink_target(dir, &root_canon, path, &rel)?,
            }
        } else {
            return Err(BundleError::SpecialFile {
                path: path.to_path_buf(),
                rel,
                kind: special_kind(&ft),
            }
            .into());
        };
        if !matches!(kind, Kind::Dir)
            && !opts.include.is_empty()
            && !include.matched_path_or_any_parents(path, false).is_ignore()
        {
            continue;
        }
        entries.push(Entry {
            rel,
            kind,
            meta: Some(meta),
        });
    }

    if !opts.include.is_empty() {
        keep_needed_dirs(&mut entries);
    }
    let mut keyed: Vec<(Vec<u8>, Entry)> = entries.into_iter().map(|e| (e.key(), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, e)| e).collect())
}

/// With `include` globs, keep only the directories that lead to a kept file.
fn keep_needed_dirs(entries: &mut Vec<Entry>) {
    let needed: std::collections::HashSet<PathBuf> = entries
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Dir))
        .flat_map(|e| e.rel.ancestors().skip(1).map(Path::to_path_buf))
        .collect();
    entries.retain(|e| !matches!(e.kind, Kind::Dir) || needed.contains(&e.rel));
}

/// Whether a file's mode has an execute bit (stored as 0755 then).
pub(crate) fn executable(meta: &fs::Metadata) -> bool {
    is_executable(meta)
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn special_kind(ft: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a named pipe"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "an unknown file type"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &fs::FileType) -> &'static str {
    "an unknown file type"
}

/// The target to store for the symlink at `path` (`rel` inside the function
/// directory): as written when it is relative and stays inside, otherwise
/// (absolute, or leaving and re-entering the directory) the equivalent
/// relative path, so the bundle does not depend on where the tree lives.
/// Links that resolve outside the directory, or to nothing, are refused.
fn symlink_target(
    dir: &Path,
    root_canon: &Path,
    path: &Path,
    rel: &Path,
) -> anyhow::Result<PathBuf> {
    let target = fs::read_link(path).map_err(|err| BundleError::ReadLink {
        path: path.to_path_buf(),
        err,
    })?;
    let parent = path.parent().unwrap_or(dir);
    let resolved =
        fs::canonicalize(parent.join(&target)).map_err(|err| BundleError::DanglingLink {
            path: path.to_path_buf(),
            rel: rel.to_path_buf(),
            target: target.clone(),
            err,
        })?;
    if !resolved.starts_with(root_canon) {
        return Err(BundleError::LinkEscapes {
            path: path.to_path_buf(),
            rel: rel.to_path_buf(),
            target,
            resolved,
            dir: dir.to_path_buf(),
        }
        .into());
    }
    let rel_parent = rel.parent().unwrap_or(Path::new(""));
    if target.is_relative() && stays_inside(rel_parent, &target) {
        return Ok(target);
    }
    let from = root_canon.join(rel_parent);
    let from = fs::canonicalize(&from).unwrap_or(from);
    Ok(relative_path(&from, &resolved))
}

/// Whether `target`, taken lexically from `rel_parent` (relative to the
/// function root), never climbs above the root.
fn stays_inside(rel_parent: &Path, target: &Path) -> bool {
    let mut depth: usize = rel_parent
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// The relative path from directory `from` to `to` (both absolute).
pub(crate) fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            ".env",
            ".env.local",
            "server.pem",
            "tls.key",
            "id_rsa",
            "id_ed25519.pub",
            ".npmrc",
            "credentials.json",
            "cert.p12",
            ".envrc",
            ".dev.vars",
            "release.jks",
            "service-account.json",
            ".ENV",
            "server.PEM",
            "Prod.Env",
            "prod.env",
            "deploy_key",
            "deploy_key.pub",
            ".PGPASS",
            "putty.ppk",
        ] {
            assert!(is_secret_name(n.as_bytes()), "{n}");
        }
        for n in [
            "env.ts",
            "envrc.md",
            "key.ts",
            "keys",
            ".pem",
            "index.js",
            "monkey",
            "ENV.ts",
            "environment.ts",
        ] {
            assert!(!is_secret_name(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn default_excludes() {
        assert!(excluded_by_default(b".git", true, false));
        assert!(excluded_by_default(b".git", false, false));
        assert!(excluded_by_default(b".hoist", true, true));
        assert!(excluded_by_default(b"node_modules", true, false));
        assert!(!excluded_by_default(b"node_modules", true, true));
        assert!(!excluded_by_default(b".github", true, false));
    }

    #[test]
    fn lexical_containment() {
        assert!(stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(stays_inside(Path::new("a"), Path::new("./x/../y")));
        assert!(!stays_inside(Path::new(""), Path::new("../x")));
        assert!(!stays_inside(Path::new("a"), Path::new("../../x")));
        assert!(!stays_inside(Path::new("a"), Path::new("/etc/passwd")));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/r/a/b"), Path::new("/r/c/d")),
            PathBuf::from("../../c/d")
        );
        assert_eq!(
            relative_path(Path::new("/r"), Path::new("/r/x")),
            PathBuf::from("x")
        );
        assert_eq!(
            relative_path(Path::new("/r"), Path::new("/r")),
            PathBuf::from(".")
        );
    }
}
