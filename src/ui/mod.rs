//! Everything the user sees apart from errors: the printer that separates data
//! (stdout) from progress and diagnostics (stderr), progress bars, and prompts.

// The one place the binary writes to the terminal.
#![allow(clippy::print_stderr, clippy::print_stdout)]

mod printer;
mod prompt;

pub(crate) use printer::{table, Printer};
pub(crate) use prompt::{prompter, Prompter};
