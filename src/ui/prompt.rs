//! Prompts behind a trait: an interactive side (dialoguer, only on a TTY) and a
//! non-interactive side that takes defaults, so commands never block in CI.

use std::io::IsTerminal;

pub(crate) trait Prompter {
    /// Whether this prompter really asks.
    fn interactive(&self) -> bool;
    fn confirm(&self, question: &str, default: bool) -> anyhow::Result<bool>;
    fn input(&self, question: &str, default: &str) -> anyhow::Result<String>;
    fn password(&self, question: &str) -> anyhow::Result<Option<String>>;
}

struct Interactive;

/// A prompt that could not be answered: Ctrl-C (the terminal read is
/// interrupted) is the interrupted exit, 130, like Ctrl-C anywhere else.
fn answer_error(e: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted || hoist_core::interrupt::requested() {
        return crate::error::UserError::interrupted().into();
    }
    anyhow::Error::new(io).context("cannot read the answer from the terminal")
}
struct Defaults;

impl Prompter for Interactive {
    fn interactive(&self) -> bool {
        true
    }
    fn confirm(&self, question: &str, default: bool) -> anyhow::Result<bool> {
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(default)
            .interact()
            .map_err(answer_error)
    }
    fn input(&self, question: &str, default: &str) -> anyhow::Result<String> {
        dialoguer::Input::<String>::new()
            .with_prompt(question)
            .default(default.to_string())
            .interact_text()
            .map_err(answer_error)
    }
    fn password(&self, question: &str) -> anyhow::Result<Option<String>> {
        Ok(Some(
            dialoguer::Password::new()
                .with_prompt(question)
                .interact()
                .map_err(answer_error)?,
        ))
    }
}

impl Prompter for Defaults {
    fn interactive(&self) -> bool {
        false
    }
    fn confirm(&self, _: &str, default: bool) -> anyhow::Result<bool> {
        Ok(default)
    }
    fn input(&self, _: &str, default: &str) -> anyhow::Result<String> {
        Ok(default.to_string())
    }
    fn password(&self, _: &str) -> anyhow::Result<Option<String>> {
        Ok(None)
    }
}

/// The prompter for this run: interactive only when stdin and stderr are
/// terminals, CI is unset and `--yes` was not given.
/// An interactive prompter only on a terminal, without `--yes` and outside
/// CI (`ci`: see `crate::context::is_ci`).
pub(crate) fn prompter(yes: bool, ci: bool) -> Box<dyn Prompter> {
    if !yes && !ci && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        Box::new(Interactive)
    } else {
        Box::new(Defaults)
    }
}
