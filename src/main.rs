//! The hoist binary: parse arguments, run, exit with a stable code.

use clap::Parser;

fn main() {
    hoist::interrupt::install();
    let cli = hoist::cli::Cli::parse();
    let code = hoist::run(cli);
    std::process::exit(code as i32);
}
