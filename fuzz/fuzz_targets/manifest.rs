//! The readers of stored documents: release manifests, version indexes
//! and OCI layout indexes parse or are refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = hoist::storage::release::parse_manifest(data, "api", "v1") {
        let _ = m.bundle_hex();
        let _ = hoist::storage::layout::is_archive_key("api", "v1", &m.bundle.key);
    }
    let _ = hoist::storage::release::parse_index(data, "api");
    let _ = hoist::image::oci::store::parse_index(data);
});
