#!/bin/sh
# Run every fuzz target for SECONDS each (default 60), one after the other,
# with the corpus kept in fuzz/corpus/<target>. Needs nightly and
# cargo-fuzz (`cargo install cargo-fuzz`). Not run by .ci/run: CI runs the
# bad-input corpus (tests/it/corpus.rs) instead.
set -eu
secs="${1:-60}"
cd "$(dirname "$0")/.."
for t in config dockerfile unpack manifest; do
    mkdir -p "fuzz/corpus/$t"
    echo "== $t: ${secs}s"
    cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 2>&1 |
        grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|panicked|SUMMARY|crash-" || true
done
