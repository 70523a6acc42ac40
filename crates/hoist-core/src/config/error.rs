//! What loading hoist.yaml fails with: no file to load, a file that cannot
//! be read, problems found in it (each with its file:line:column), and a
//! command naming a function the file lacks or cannot use. Exit codes and
//! hints are decided here, in one `match`.

use std::path::PathBuf;

use super::{nearest, Problems, FILE_NAME};
use crate::error::{Classified, Exit};

/// Why a project's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` or HOIST_CONFIG names a file that does not exist.
    #[error("config file {} not found", path.display())]
    NotFound { path: PathBuf },
    /// No hoist.yaml in the directory or any parent.
    #[error("no {FILE_NAME} found in {} or any parent directory", start.display())]
    NoConfig { start: PathBuf },
    /// The file cannot be read.
    #[error("cannot read {}: {err}", file.display())]
    Unreadable { file: PathBuf, err: std::io::Error },
    /// Problems found in the file, one line each.
    #[error("{0}")]
    Invalid(Problems),
    /// The file declares no function.
    #[error("{} declares no functions", file.display())]
    NoFunctions { file: PathBuf },
    /// The command names a function the file does not declare.
    #[error("no function named `{name}` in {}", file.display())]
    UnknownFunction {
        name: String,
        file: PathBuf,
        known: Vec<String>,
    },
    /// The command needs functions whose configuration has problems
    /// (`every`: it works on every function, none was named).
    #[error("{}:\n{problems}", unusable_head(functions, problems, *every))]
    Unusable {
        functions: Vec<String>,
        every: bool,
        problems: Problems,
    },
}

/// The first line of [`ConfigError::Unusable`].
fn unusable_head(functions: &[String], problems: &Problems, every: bool) -> String {
    let list: Vec<String> = functions.iter().map(|n| format!("`{n}`")).collect();
    let file = problems.file.display();
    match (list.len(), every) {
        (1, false) => format!("function {} in {file} cannot be used", list[0]),
        (_, false) => format!("functions {} in {file} cannot be used", list.join(", ")),
        (1, true) => format!(
            "function {} in {file} cannot be used, and this command works on every function",
            list[0]
        ),
        (n, true) => format!(
            "{n} functions in {file} cannot be used ({}), and this command works on every function",
            list.join(", ")
        ),
    }
}

/// The hint of [`ConfigError::Unusable`]: one problem's own hint is not in
/// its line (see [`Problems`]).
fn unusable_hint(functions: &[String], problems: &Problems, every: bool) -> String {
    let own = match problems.problems.as_slice() {
        [one] => one.hint.clone(),
        _ => None,
    };
    match (own, every) {
        (Some(h), true) => format!("{h}; or name only the other functions on the command line"),
        (Some(h), false) => h,
        (None, true) if functions.len() == 1 => {
            "fix it, or name only the other functions on the command line".into()
        }
        (None, true) => "fix them, or name only the other functions on the command line".into(),
        (None, false) => {
            "fix what is listed (`hoist config validate` checks every function)".into()
        }
    }
}

impl Classified for ConfigError {
    fn exit(&self) -> Exit {
        use ConfigError::*;
        match self {
            NotFound { .. }
            | NoConfig { .. }
            | Unreadable { .. }
            | Invalid(_)
            | NoFunctions { .. }
            | UnknownFunction { .. }
            | Unusable { .. } => Exit::Usage,
        }
    }

    fn hint(&self) -> Option<String> {
        use ConfigError::*;
        match self {
            NotFound { .. } => Some("check the --config path or HOIST_CONFIG".into()),
            NoConfig { .. } => Some("run `hoist init` to create one, or pass --config PATH".into()),
            Unreadable { .. } => None,
            Invalid(p) => {
                let own = match p.problems.as_slice() {
                    [one] => one.hint.clone(),
                    _ => None,
                };
                own.or_else(|| Some("fix the lines above, then run `hoist config validate`".into()))
            }
            NoFunctions { .. } => Some("add one with `hoist new <name> --runtime deno`".into()),
            UnknownFunction { name, known, .. } => {
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                Some(match nearest(name, &known) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("known functions: {}", known.join(", ")),
                })
            }
            Unusable {
                functions,
                every,
                problems,
            } => Some(unusable_hint(functions, problems, *every)),
        }
    }
}
