//! The completions and man pages checked into the repo match the CLI.
//! Run with UPDATE_GENERATED=1 to rewrite them after changing a flag.

use std::path::Path;

#[test]
fn generated_files_match_the_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    assert!(
        !(update && std::env::var_os("CI").is_some()),
        "UPDATE_GENERATED is refused under CI: regenerate locally and commit"
    );
    let mut stale = Vec::new();
    for (rel, bytes) in hoist::commands::completions::generated_files().unwrap() {
        let path = root.join(&rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            stale.push(rel.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are out of date: {stale:?}; run `UPDATE_GENERATED=1 cargo test --test it generated::` and commit them"
    );
}
