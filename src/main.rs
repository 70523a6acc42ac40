//! The hoist binary: parse arguments, run, exit with a stable code.

use clap::Parser;

fn main() {
    if let Err(e) = hoist_core::interrupt::install() {
        eprintln!(
            "warning: cannot handle Ctrl-C ({e}); it stops hoist without removing its temporary files"
        );
    }
    let cli = hoist::cli::Cli::parse();
    // The one async runtime.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .thread_name("hoist")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(hoist::error::Exit::Failure as i32);
        }
    };
    // The one place hoist blocks on a future: every command is async.
    let code = rt.block_on(hoist::run(cli));
    // Tasks still running (a worker's cleanup in the backend) get a moment.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    std::process::exit(code as i32);
}
