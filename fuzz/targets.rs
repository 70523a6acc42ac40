//! What each fuzz target checks, as plain functions: the cargo-fuzz bins in
//! `fuzz_targets/` call them under libFuzzer, and `tests/it/fuzz.rs` runs
//! them on the seed corpus and seeded mutations of it in every test run.
//! Each may return early on input it refuses; a panic is the failure.

// Each fuzz bin uses one of these.
#![allow(dead_code)]

use std::io::Write;
use std::sync::OnceLock;

/// The hoist.yaml loader: any bytes written as hoist.yaml are accepted or
/// refused with problems, never a panic.
pub fn config(data: &[u8]) {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    // One file per thread: the in-process replay runs targets in parallel.
    let file = dir
        .path()
        .join(format!("{:?}", std::thread::current().id()).replace(['(', ')'], ""))
        .join("hoist.yaml");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, data).expect("write hoist.yaml");
    let _ = hoist_core::config::check(&file, &hoist_core::env::Env::default());
}

/// The Dockerfile parser and word expansion: any text parses or is refused
/// with a line error, never a panic.
pub fn dockerfile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(df) = hoist_core::image::oci::parse::parse(text, "Dockerfile") {
        let vars = hoist_core::image::oci::parse::global_defaults(&df);
        let _ = hoist_core::image::oci::parse::words(text, Some(&vars), '\\');
    }
    let _ = hoist_core::image::oci::parse::duration_ns(text);
}

/// The bundle unpacker: any bytes unpack or are refused, and nothing is
/// ever written outside the destination. Input that is not gzip is
/// gzipped first, so mutations reach the tar layer.
pub fn unpack(data: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("in.tar.gz");
    if data.starts_with(&[0x1f, 0x8b]) {
        std::fs::write(&archive, data).expect("write archive");
    } else {
        let file = std::fs::File::create(&archive).expect("create archive");
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(data).expect("gzip");
        gz.finish().expect("gzip");
    }
    let dest = dir.path().join("out");
    let _ = hoist_core::bundle::unpack::unpack(&archive, &dest);
    // Only `in.tar.gz` and `out/` may exist beside each other.
    for entry in std::fs::read_dir(dir.path()).expect("read dir") {
        let name = entry.expect("entry").file_name();
        assert!(
            name == "in.tar.gz" || name == "out",
            "unpack wrote {name:?} outside its destination"
        );
    }
}

/// The readers of stored documents: release manifests, version indexes
/// and OCI layout indexes parse or are refused, never a panic.
pub fn manifest(data: &[u8]) {
    if let Ok(m) = hoist_core::storage::release::parse_manifest(data, "api", "v1") {
        let _ = m.bundle_hex();
        let _ = hoist_core::storage::layout::is_archive_key("api", "v1", &m.bundle.key);
    }
    let _ = hoist_core::storage::release::parse_index(data, "api");
    let _ = hoist_core::image::oci::store::parse_index(data);
}
