//! hoist as a library: the command dispatcher and the modules behind it.
//! `main.rs` only parses arguments and turns the result into an exit code.

pub mod auth;
pub mod backend;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod error;
pub mod fsx;
pub mod git;
pub mod http;
pub mod image;
pub mod interrupt;
pub mod leftovers;
pub mod localbackend;
pub mod lockfile;
pub mod registry;
pub mod release;
pub mod rt;
pub mod storage;
pub mod targets;
pub mod ui;

use cli::{Cli, Command};
use error::Exit;
use ui::Printer;

/// Run one command and return its exit code; errors are rendered on stderr.
pub fn run(cli: Cli) -> Exit {
    let printer = Printer::from_args(&cli.global);
    match dispatch(&cli, &printer) {
        Ok(()) => Exit::Ok,
        Err(err) => {
            eprint!("{}", error::render(&err, printer.color));
            if printer.json() {
                if let Some(doc) = error::to_json(&err) {
                    printer.json_doc(&doc);
                }
            }
            error::exit_code(&err)
        }
    }
}

fn dispatch(cli: &Cli, printer: &Printer) -> anyhow::Result<()> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => commands::init::run(g, args, printer),
        Command::New(args) => commands::new::run(g, args, printer),
        Command::Bundle(args) => commands::bundle::run(g, args, printer),
        Command::Build(args) => commands::build::run(g, args, printer),
        Command::Config(cmd) => commands::config::run(g, cmd, printer),
        Command::Push(args) => commands::push::run(g, args, printer),
        Command::Versions(args) => commands::versions::run(g, args, printer),
        Command::Pull(args) => commands::pull::run(g, args, printer),
        Command::Prune(args) => commands::prune::run(g, args, printer),
        Command::Login(args) => commands::login::login(g, args, printer),
        Command::Logout(args) => commands::login::logout(args, printer),
        Command::Completions(args) => commands::completions::run(args, printer),
        Command::Deploy(args) => commands::deploy::run(g, args, printer),
        Command::Rollback(args) => commands::rollback::run(g, args, printer),
        Command::Warmup(args) => commands::warmup::run(g, args, printer),
        Command::Logs(args) => commands::logs::run(g, args, printer),
        Command::Env(cmd) => commands::env::run(g, cmd, printer),
        Command::Status(args) => commands::status::run(g, args, printer),
        Command::Invoke(args) => commands::invoke::run(g, args, printer),
        Command::Delete(args) => commands::delete::run(g, args, printer),
        Command::Releases(args) => commands::releases::run(g, args, printer),
        Command::Backend(cmd) => commands::backend::run(cmd, printer),
    }
}
