//! The Dockerfile parser and word expansion: any text parses or is refused
//! with a line error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(df) = hoist::image::oci::parse::parse(text, "Dockerfile") {
        let vars = hoist::image::oci::parse::global_defaults(&df);
        let _ = hoist::image::oci::parse::words(text, Some(&vars), '\\');
    }
    let _ = hoist::image::oci::parse::duration_ns(text);
});
