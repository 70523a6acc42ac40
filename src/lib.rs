//! The `hoist` command line: arguments (`cli`), one module per command
//! (`commands`), and everything the user sees (`ui`, `error`). The work
//! itself is done by `hoist_core` (config, bundles, images, stores,
//! releases, targets) and, for `hoist backend`, `hoist_backend`; neither
//! knows about the terminal. `main.rs` only parses arguments and turns the
//! result into an exit code.

#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod cli;
pub mod commands;
pub(crate) mod context;
pub mod error;
pub mod ui;

use cli::{Cli, Command};
use context::Context;
use error::Exit;
use hoist_core::env::Env;
use ui::Printer;

/// Run one command and return its exit code; errors are rendered on stderr.
pub async fn run(cli: Cli) -> Exit {
    // The one read of the environment: everything below is given it.
    let cx = Context {
        args: &cli.global,
        env: Env::capture(),
    };
    let printer = Printer::from_args(&cli.global, &cx.env);
    settings(&cx.env, &printer);
    match dispatch(&cli, &cx, &printer).await {
        Ok(()) => Exit::Ok,
        Err(err) => {
            printer.error(&error::render(&err, printer.color));
            if printer.json() {
                if let Some(doc) = error::to_json(&err) {
                    printer.json_doc(&doc);
                }
            }
            error::exit_code(&err)
        }
    }
}

/// Process-wide settings read from the environment once, here.
fn settings(env: &Env, printer: &Printer) {
    // The first pause between retries (tests shorten it).
    if let Some(v) = env.var("HOIST_RETRY_BASE_MS") {
        match v.trim().parse::<u64>() {
            Ok(ms) => hoist_core::http::retry::set_base_ms(ms),
            Err(e) => printer.warn(format!(
                "HOIST_RETRY_BASE_MS={v:?} is not a number of milliseconds ({e}); {} is used",
                hoist_core::http::retry::DEFAULT_BASE_MS
            )),
        }
    }
}

async fn dispatch(cli: &Cli, g: &Context<'_>, printer: &Printer) -> anyhow::Result<()> {
    match &cli.command {
        Command::Init(args) => commands::init::run(g, args, printer).await,
        Command::New(args) => commands::new::run(g, args, printer).await,
        Command::Bundle(args) => commands::bundle::run(g, args, printer).await,
        Command::Build(args) => commands::build::run(g, args, printer).await,
        Command::Config(cmd) => commands::config::run(g, cmd, printer).await,
        Command::Push(args) => commands::push::run(g, args, printer).await,
        Command::Versions(args) => commands::versions::run(g, args, printer).await,
        Command::Pull(args) => commands::pull::run(g, args, printer).await,
        Command::Prune(args) => commands::prune::run(g, args, printer).await,
        Command::Login(args) => commands::login::login(g, args, printer).await,
        Command::Logout(args) => commands::login::logout(g, args, printer).await,
        Command::Completions(args) => commands::completions::run(args, printer).await,
        Command::Deploy(args) => commands::deploy::run(g, args, printer).await,
        Command::Rollback(args) => commands::rollback::run(g, args, printer).await,
        Command::Warmup(args) => commands::warmup::run(g, args, printer).await,
        Command::Logs(args) => commands::logs::run(g, args, printer).await,
        Command::Env(cmd) => commands::env::run(g, cmd, printer).await,
        Command::Status(args) => commands::status::run(g, args, printer).await,
        Command::Invoke(args) => commands::invoke::run(g, args, printer).await,
        Command::Delete(args) => commands::delete::run(g, args, printer).await,
        Command::Releases(args) => commands::releases::run(g, args, printer).await,
        Command::Backend(cmd) => commands::backend::run(g, cmd, printer).await,
    }
}
