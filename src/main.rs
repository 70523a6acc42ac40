//! The hoist binary: parse arguments, run, exit with a stable code.

use clap::Parser;

fn main() {
    if let Err(e) = hoist::interrupt::install() {
        eprintln!(
            "warning: cannot handle Ctrl-C ({e}); it stops hoist without removing its temporary files"
        );
    }
    let cli = hoist::cli::Cli::parse();
    let code = hoist::run(cli);
    std::process::exit(code as i32);
}
