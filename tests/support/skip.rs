//! Skipping a test because something it needs is missing, loudly. Under CI
//! a missing tool is a failure (CI installs everything). Elsewhere it is a
//! failure too, naming the command that installs it, unless
//! `HOIST_ALLOW_SKIP=1` says skipping is wanted: then the test prints
//! `skipped: …` and returns. A plain `cargo test` therefore never reports
//! ok for tests that did not run.

/// Whether `CI` is set to something other than `false` / `0`.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// `what` is missing: panic, or (with `HOIST_ALLOW_SKIP=1`, outside CI)
/// say the test skipped. The caller returns after this.
pub fn missing(what: &str) {
    if ci() {
        panic!("{what}, and CI is set, so this is a failure (.ci/deps.sh installs what the tests need)");
    }
    if std::env::var("HOIST_ALLOW_SKIP").is_ok_and(|v| v == "1") {
        eprintln!("skipped: {what} (HOIST_ALLOW_SKIP=1)");
        return;
    }
    panic!(
        "{what}: run `bash .ci/test.sh` (it installs what the tests need), \
         or set HOIST_ALLOW_SKIP=1 to skip the tests that need it"
    );
}
