//! The hoist.yaml loader: any bytes written as hoist.yaml are accepted or
//! refused with problems, never a panic, in bounded time and memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let file = dir.path().join("hoist.yaml");
    std::fs::write(&file, data).expect("write hoist.yaml");
    let _ = hoist::config::check(&file, |_| None);
});
