//! What a release fails with as a whole: a function that did not go live
//! (the release rolled back, with the start logs), Ctrl-C during it, an
//! unfinished release that could not be undone, another deploy holding the
//! lease, functions the target cannot run, and a project image that cannot
//! be assembled. Exit codes and hints are decided here, in one `match`.

use crate::error::{Classified, Exit};

/// Why a release failed.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A function failed to go live; `undone` says what the undo did.
    #[error("release {release} failed: {cause}{}", log_lines(logs))]
    Failed {
        release: String,
        cause: String,
        logs: Vec<String>,
        undone: String,
    },
    /// Ctrl-C during the release; `undone` says what the undo did.
    #[error("interrupted")]
    Interrupted { undone: String },
    /// An unfinished release found at the start could not be undone.
    #[error("could not undo the unfinished release {release} for {}", functions.join(", "))]
    UndoFailed {
        release: crate::names::ReleaseId,
        functions: Vec<crate::names::FunctionName>,
    },
    /// Another process holds the release lease of the target.
    #[error("another {command} (pid {pid} on {host}) is releasing to {target}")]
    Leased {
        command: String,
        pid: u32,
        host: String,
        target: String,
        key: String,
        abandoned_after_hours: u64,
    },
    /// Functions whose runtime the target does not run (`named`: each with
    /// its runtime; `others`: the functions it runs).
    #[error("{target} runs {}, not {}", runs.join(", "), named.join(", "))]
    Runtimes {
        target: String,
        runs: Vec<String>,
        named: Vec<String>,
        others: Vec<String>,
    },
    /// `supabase: { image: project }` with no deno function.
    #[error("`supabase: {{ image: project }}` is set, but the project has no deno function to put in it")]
    NoProjectMembers,
    /// A function has the project's name, which the project image takes.
    #[error("function `{function}` has the project's name, which the project image takes in the OCI layout")]
    ProjectNameTaken { function: String },
}

/// The start logs of a failed function, one indented line each.
fn log_lines(logs: &[String]) -> String {
    if logs.is_empty() {
        return String::new();
    }
    format!("\nlast log lines:\n  {}", logs.join("\n  "))
}

impl Classified for ReleaseError {
    fn exit(&self) -> Exit {
        use ReleaseError::*;
        match self {
            Interrupted { .. } => Exit::Interrupted,
            Failed { .. } | UndoFailed { .. } | Leased { .. } => Exit::Failure,
            Runtimes { .. } | NoProjectMembers | ProjectNameTaken { .. } => Exit::Usage,
        }
    }

    fn hint(&self) -> Option<String> {
        use ReleaseError::*;
        match self {
            Failed { undone, .. } | Interrupted { undone } => Some(undone.clone()),
            UndoFailed { .. } => {
                Some("check the target (`hoist status`), then run the command again".into())
            }
            Leased { key, abandoned_after_hours, .. } => Some(format!(
                "run again when it is done. A lease whose process is gone is taken over at once on its host, after {abandoned_after_hours} hours from another; to free it sooner, delete `{key}` from the artifact store"
            )),
            Runtimes { others, .. } => {
                let mut hint = String::new();
                if !others.is_empty() {
                    hint.push_str(&format!("deploy the others: `hoist deploy {}`; ", others.join(" ")));
                }
                hint.push_str("a target that runs images (fly) runs every runtime");
                Some(hint)
            }
            NoProjectMembers => None,
            ProjectNameTaken { .. } => {
                Some("rename the function or the project (`project:` in hoist.yaml)".into())
            }
        }
    }
}
