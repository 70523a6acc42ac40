//! The bundle unpacker: any bytes as a .tar.gz unpack or are refused, and
//! nothing is ever written outside the destination.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("in.tar.gz");
    std::fs::write(&archive, data).expect("write archive");
    let dest = dir.path().join("out");
    let _ = hoist::bundle::unpack::unpack(&archive, &dest);
    // Only `in.tar.gz` and `out/` may exist beside each other.
    for entry in std::fs::read_dir(dir.path()).expect("read dir") {
        let name = entry.expect("entry").file_name();
        assert!(
            name == "in.tar.gz" || name == "out",
            "unpack wrote {name:?} outside its destination"
        );
    }
});
