#!/bin/sh
# Run each fuzz target for SECONDS (default 60) under libFuzzer, JOBS at a
# time (default 1), with the working corpus in fuzz/corpus/<target> (kept
# out of git) seeded from fuzz/seeds/<target>. Prints one line per target:
# runs, corpus size, coverage and crashes; a crash input is left in
# fuzz/artifacts/<target>/ and the script exits 1. Needs nightly and
# cargo-fuzz (`cargo install cargo-fuzz`). CI replays the seeds and seeded
# mutations of them through the same checks (tests/it/fuzz.rs).
#   fuzz/run.sh [SECONDS] [JOBS] [TARGET...]
set -eu
secs="${1:-60}"
jobs="${2:-1}"
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
cd "$(dirname "$0")"
targets="${*:-config dockerfile unpack manifest}"
cargo +nightly fuzz build >&2
logs="$(mktemp -d)"
run() {
    t="$1"
    mkdir -p "corpus/$t" "artifacts/$t"
    cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -max_len=65536 -print_final_stats=1 >"$logs/$t.log" 2>&1 || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log")
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$logs/$t.log")
    cov=$(grep -Eo 'cov: [0-9]+' "$logs/$t.log" | tail -n 1 | cut -d' ' -f2)
    crashes=$(find "artifacts/$t" -type f | wc -l)
    echo "$t: ${secs}s, ${runs:-?} runs, corpus $(find "corpus/$t" -type f | wc -l) inputs, cov ${cov:-?}, peak RSS ${peak:-?} MB, crashes $crashes"
    if [ "$crashes" -gt 0 ]; then
        grep -E "panicked|ERROR|SUMMARY" "$logs/$t.log" | head -n 5
    fi
}
running=0
for t in $targets; do
    run "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait
rm -rf "$logs"
if [ -n "$(find artifacts -type f 2>/dev/null)" ]; then
    echo "fuzz: crash inputs in fuzz/artifacts/" >&2
    exit 1
fi
