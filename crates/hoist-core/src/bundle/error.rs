//! What bundling a function fails with: a file or link of the function
//! directory that cannot be read or leads outside it, ignore rules and globs
//! that do not parse, imports that do not resolve or parse, a workspace
//! package that is missing, and a bundle over its size limit. Each variant
//! carries the path, line or function it is about; its exit code and hint
//! are decided here, in one `match`.

use std::path::PathBuf;

use crate::error::{Classified, Exit};

use super::walk::HOISTIGNORE;

/// The hint shared by the globs of `include:` and `exclude:`.
const GLOB_HINT: &str = "globs use .gitignore syntax, e.g. `src/**/*.ts` or `tests/`";

/// Why bundling a function failed.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file or directory of the function cannot be read.
    #[error("cannot read {}: {err}", path.display())]
    Unreadable { path: PathBuf, err: std::io::Error },
    /// A `.gitignore` or `.hoistignore` cannot be read.
    #[error("cannot read {}: {err}", file.display())]
    IgnoreFile { file: PathBuf, err: ignore::Error },
    /// The rules of a directory's ignore files do not build.
    #[error("invalid ignore rules in {}: {err}", dir.display())]
    IgnoreRules { dir: PathBuf, err: ignore::Error },
    /// One `include:` or `exclude:` glob does not parse.
    #[error("invalid {what} glob `{glob}`: {err}")]
    Glob {
        what: &'static str,
        glob: String,
        err: ignore::Error,
    },
    /// The `include:` or `exclude:` globs do not build together.
    #[error("invalid {what} globs: {err}")]
    Globs {
        what: &'static str,
        err: ignore::Error,
    },
    /// The function directory itself cannot be opened.
    #[error("cannot open function directory {}: {err}", dir.display())]
    OpenDir { dir: PathBuf, err: std::io::Error },
    /// The function's path is a file, not a directory.
    #[error("{} is not a directory", dir.display())]
    NotADirectory { dir: PathBuf },
    /// Walking the function directory failed part way.
    #[error("cannot read the function directory: {err}")]
    Walk { err: ignore::Error },
    /// A file changed size while it was being archived.
    #[error("{} shrank while it was being bundled", path.display())]
    Shrank { path: PathBuf },
    /// Nothing is left to bundle.
    #[error("function `{function}`: {} is empty{why}, nothing to bundle", dir.display())]
    Empty {
        function: String,
        dir: PathBuf,
        why: &'static str,
    },
    /// The compressed bundle is over `bundle.limit_mb`.
    #[error(
        "the bundle of function `{function}` is larger than the limit of {limit} (compressed)"
    )]
    TooLarge { function: String, limit: String },
    /// A file the function needs to start is ignored.
    #[error("function `{function}`: {} is left out of the bundle by an ignore rule, so the function could not start", dir.join(want).display())]
    RequiredIgnored {
        function: String,
        dir: PathBuf,
        want: PathBuf,
    },
    /// A fifo, socket or device in the function directory.
    #[error("{} is not a regular file, directory or symlink ({kind}), so it cannot be bundled", path.display())]
    SpecialFile {
        path: PathBuf,
        rel: PathBuf,
        kind: &'static str,
    },
    /// A symlink whose target cannot be read.
    #[error("cannot read symlink {}: {err}", path.display())]
    ReadLink { path: PathBuf, err: std::io::Error },
    /// A symlink that leads nowhere.
    #[error("symlink {} points to {}, which cannot be resolved: {err}", path.display(), target.display())]
    DanglingLink {
        path: PathBuf,
        rel: PathBuf,
        target: PathBuf,
        err: std::io::Error,
    },
    /// A symlink that leads outside the function directory.
    #[error("symlink {} points to {} ({}), outside the function directory {}", path.display(), target.display(), resolved.display(), dir.display())]
    LinkEscapes {
        path: PathBuf,
        rel: PathBuf,
        target: PathBuf,
        resolved: PathBuf,
        dir: PathBuf,
    },
    /// A problem in a workspace file (package.json, pnpm-workspace.yaml).
    #[error("{}{}: {what}", file.display(), at_line(*line))]
    Workspace {
        file: PathBuf,
        line: Option<usize>,
        what: String,
        hint: &'static str,
    },
    /// The workspace root or a directory in it cannot be opened.
    #[error("cannot open {}{}: {err}", if *root { "the workspace root " } else { "" }, path.display())]
    OpenWorkspace {
        path: PathBuf,
        root: bool,
        err: std::io::Error,
    },
    /// A link of an installed package does not resolve.
    #[error("cannot resolve {}: {err}", path.display())]
    Unresolvable { path: PathBuf, err: std::io::Error },
    /// A package directory cannot be listed.
    #[error("cannot list {}: {err}", dir.display())]
    List { dir: PathBuf, err: std::io::Error },
    /// A dependency of the function resolves outside the workspace.
    #[error("function `{function}`: {why} leads to {}, outside the workspace root {}", path.display(), root.display())]
    DependencyOutside {
        function: String,
        why: String,
        path: PathBuf,
        root: PathBuf,
    },
    /// A link inside an installed package leads outside the workspace.
    #[error("{} is a link to {}, outside the workspace root {}", path.display(), real.display(), root.display())]
    PackageLinkOutside {
        path: PathBuf,
        real: PathBuf,
        root: PathBuf,
    },
    /// The function's import map is invalid (`at` is its file:line:column).
    #[error("function `{function}`: import map {at}: {message}")]
    ImportMap {
        function: String,
        at: String,
        message: String,
        hint: String,
    },
    /// A module the function reaches cannot be read.
    #[error("function `{function}`: {origin} reaches {file}, but {why}")]
    Unloadable {
        function: String,
        origin: String,
        file: String,
        why: String,
    },
    /// A module the function reaches does not parse.
    #[error("function `{function}`: {file}:{line}:{column}: {message}{}", reached_from(from.as_deref()))]
    Syntax {
        function: String,
        file: String,
        line: usize,
        column: usize,
        message: String,
        from: Option<String>,
    },
    /// A module the function reaches is kept out of bundles (a secret, an
    /// ignored file).
    #[error("function `{function}`: {what}, which cannot be bundled: {why}")]
    Refused {
        function: String,
        what: String,
        why: String,
    },
    /// Imports that did not resolve, one line each (with notes that may
    /// explain them).
    #[error("{}", lines.join("\n"))]
    Unresolved {
        lines: Vec<String>,
        kind: UnresolvedKind,
    },
}

/// What the unresolved imports of a function have in common, for the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnresolvedKind {
    /// A bare name with no import map to map it.
    NoImportMap,
    /// A relative import leading outside the bundled directory.
    Outside,
    /// Anything else.
    Other,
}

/// `:line` when the line is known.
fn at_line(line: Option<usize>) -> String {
    match line {
        Some(l) => format!(":{l}"),
        None => String::new(),
    }
}

/// ` (reached from …)` when the module was reached from another.
fn reached_from(from: Option<&str>) -> String {
    match from {
        Some(f) => format!(" (reached from {f})"),
        None => String::new(),
    }
}

impl Classified for BundleError {
    fn exit(&self) -> Exit {
        use BundleError::*;
        match self {
            Shrank { .. } => Exit::Failure,
            Unreadable { .. }
            | IgnoreFile { .. }
            | IgnoreRules { .. }
            | Glob { .. }
            | Globs { .. }
            | OpenDir { .. }
            | NotADirectory { .. }
            | Walk { .. }
            | Empty { .. }
            | TooLarge { .. }
            | RequiredIgnored { .. }
            | SpecialFile { .. }
            | ReadLink { .. }
            | DanglingLink { .. }
            | LinkEscapes { .. }
            | Workspace { .. }
            | OpenWorkspace { .. }
            | Unresolvable { .. }
            | List { .. }
            | DependencyOutside { .. }
            | PackageLinkOutside { .. }
            | ImportMap { .. }
            | Unloadable { .. }
            | Syntax { .. }
            | Refused { .. }
            | Unresolved { .. } => Exit::Usage,
        }
    }

    fn hint(&self) -> Option<String> {
        use BundleError::*;
        let fixed = |s: &str| Some(s.to_string());
        match self {
            Unreadable { .. } => fixed("fix its permissions, or leave it out with .hoistignore"),
            Glob { .. } | Globs { .. } => fixed(GLOB_HINT),
            Walk { .. } => fixed("fix the permissions, or leave the path out with .hoistignore"),
            Shrank { .. } => {
                fixed("run the command again once nothing is writing to the function directory")
            }
            Empty { .. } => Some(format!(
                "add the function's code, or check .gitignore, {HOISTIGNORE} and the function's include/exclude globs"
            )),
            TooLarge { .. } => Some(format!(
                "leave out files the function does not need at run time with {HOISTIGNORE} or `exclude:`, \
                 or raise `bundle.limit_mb` in hoist.yaml"
            )),
            RequiredIgnored { dir, want, .. } => Some(format!(
                "add a line `!/{}` (and `!/` lines for the directories above it) to {}/{HOISTIGNORE}, or fix the function's include/exclude globs",
                want.display(),
                dir.display()
            )),
            SpecialFile { rel, .. } => Some(format!(
                "remove it, or leave it out with a line `/{}` in {HOISTIGNORE}",
                rel.display()
            )),
            DanglingLink { rel, .. } => Some(format!(
                "fix or remove the link, or leave it out with a line `/{}` in {HOISTIGNORE}",
                rel.display()
            )),
            LinkEscapes { rel, .. } => Some(format!(
                "bundles only contain the function directory: copy the file in, or leave the \
                 link out with a line `/{}` in {HOISTIGNORE}",
                rel.display()
            )),
            Workspace { hint, .. } => fixed(hint),
            Unresolvable { .. } => {
                fixed("fix or remove the link, then install the workspace's dependencies again")
            }
            DependencyOutside { .. } => {
                fixed("install the package inside the workspace (its node_modules), or vendor it")
            }
            PackageLinkOutside { .. } => fixed("reinstall the package, or remove the link"),
            ImportMap { hint, .. } => Some(hint.clone()),
            Unloadable { .. } => fixed("fix the file or the import"),
            Syntax { .. } => fixed(
                "fix the syntax error (Deno could not load this module either), or drop the import",
            ),
            Refused { .. } => fixed(
                "import it from somewhere hoist bundles, or drop the import (secrets belong in `secrets:`)",
            ),
            Unresolved { kind, .. } => fixed(match kind {
                UnresolvedKind::NoImportMap => {
                    "map the name in the function's import map (deno.json `imports` or import_map.json), \
                     or pass --allow-unresolved to bundle anyway"
                }
                UnresolvedKind::Outside => {
                    "move the file inside that directory (or keep a copy there), or load it with an npm:, jsr: or https: specifier; \
                     pass --allow-unresolved to bundle what resolves"
                }
                UnresolvedKind::Other => {
                    "fix the import, or pass --allow-unresolved to bundle what resolves"
                }
            }),
            IgnoreFile { .. } | IgnoreRules { .. } | OpenDir { .. } | NotADirectory { .. }
            | ReadLink { .. } | OpenWorkspace { .. } | List { .. } => None,
        }
    }
}
