//! The Fly Machines API emulator on its own, for rehearsing `hoist` against
//! Fly offline: `cargo run --example fly-emulator -- --port P
//! [--latency-ms N] [--boot-ms N] [--token T]`. Prints the base URL and runs
//! until Ctrl-C.

#[path = "../tests/support/fly/mod.rs"]
mod fly;

fn usage() -> ! {
    eprintln!("usage: fly-emulator [--port P] [--latency-ms N] [--boot-ms N] [--checks-pass-ms N] [--token T]... [--org SLUG] [--registry URL] [--rate-limit]");
    std::process::exit(2);
}

fn main() {
    let mut opts = fly::Options::default();
    let mut port: u16 = 0;
    let mut tokens = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .unwrap_or_else(|| usage())
        };
        let number = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--latency-ms" => opts.latency_ms = number(value()),
            "--boot-ms" => opts.boot_ms = number(value()),
            "--checks-pass-ms" => opts.checks_pass_ms = number(value()),
            "--token" => tokens.push(value()),
            "--org" => opts.org = value(),
            "--registry" => opts.registry = Some(value()),
            "--rate-limit" => opts.rate_limit = true,
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    if !tokens.is_empty() {
        opts.tokens = tokens;
    }
    opts.port = port;
    let emu = fly::Emulator::start(opts);
    println!("{}", emu.url());
    eprintln!("fly emulator: token {:?}; point FLY_API_BASE_URL and FLY_FLAPS_BASE_URL at {}; Ctrl-C stops it", emu.token(), emu.url());
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .expect("Ctrl-C handler");
    let _ = rx.recv();
    drop(emu);
}
