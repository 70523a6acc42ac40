//! `hoist completions <shell>` and the generated files checked into the repo
//! (completions/ and docs/man/), which a test keeps in step with the CLI.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};
use crate::ui::Printer;

/// Print the completion script; with `--output json`, one document holding
/// the shell's name and the script.
pub(crate) async fn run(args: &CompletionsArgs, printer: &Printer) -> anyhow::Result<()> {
    if printer.json() {
        let mut buf = Vec::new();
        clap_complete::generate(args.shell, &mut Cli::command(), "hoist", &mut buf);
        printer.json_doc(&serde_json::json!({
            "shell": args.shell.to_string(),
            "script": String::from_utf8_lossy(&buf),
        }));
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "hoist", &mut out);
    Ok(())
}

/// Every generated file, as (path relative to the repo root, bytes).
pub fn generated_files() -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "hoist.bash"),
        (Shell::Zsh, "_hoist"),
        (Shell::Fish, "hoist.fish"),
        (Shell::PowerShell, "_hoist.ps1"),
        (Shell::Elvish, "hoist.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "hoist", &mut buf);
        files.push((PathBuf::from("completions").join(name), buf));
    }
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    files.push((PathBuf::from("docs/man/hoist.1"), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("hoist-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        files.push((PathBuf::from(format!("docs/man/{name}.1")), buf));
    }
    Ok(files)
}
