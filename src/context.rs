//! What every command is given besides its own flags: the global flags and
//! the environment hoist started in, read once, in `lib.rs`. Below this
//! nothing reads `std::env`: the engine gets the [`Env`] (through the
//! loaded project, or passed in) and a test gives one of its own.

use hoist_core::env::Env;

use crate::cli::GlobalArgs;

/// The global flags and the environment of one run.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) args: &'a GlobalArgs,
    pub(crate) env: Env,
}

impl Context<'_> {
    /// `CI` is set to something true: no prompts, no progress bars.
    pub(crate) fn ci(&self) -> bool {
        is_ci(&self.env)
    }
}

/// Whether `env` says hoist runs in CI (`CI` set, and not `false`/`0`).
pub(crate) fn is_ci(env: &Env) -> bool {
    env.var("CI")
        .is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}
