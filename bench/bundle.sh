#!/usr/bin/env bash
# Bundle benchmark: `hoist bundle` against `tar | gzip -6` and `tar | pigz -6`
# on the same generated tree (20000 files, 300 MiB, half incompressible), in
# one run. Prints best-of-N wall and CPU times (rounds interleaved, so a
# shared machine's load hits all three alike), their ratios, output sizes,
# hoist's peak RSS, and checks that the digest is the same across two runs
# and across a `cp -r` copy of the tree (other mtimes, same content).
#
#   bench/bundle.sh            # RUNS=3 by default
#   RUNS=5 bench/bundle.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
gen="$here/../../shared/tools/gen-tree.py"
runs="${RUNS:-3}"

die() { echo "error: $*" >&2; exit 1; }
[[ -f "$gen" ]] || die "tree generator not found at $gen (expected ../shared/tools/gen-tree.py next to the repo)"
for tool in python3 tar gzip pigz cargo; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

echo "== building hoist (release)" >&2
(cd "$repo" && cargo build --release --quiet)
hoist="${CARGO_TARGET_DIR:-$repo/target}/release/hoist"
[[ -x "$hoist" ]] || die "no binary at $hoist"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== generating the tree" >&2
python3 "$gen" "$work/tree" 20000 300 1 --binary-fraction 0.5 >&2
tree_bytes="$(du -sb "$work/tree" | cut -f1)"

# A project whose only function is the generated tree; runtime node with an
# existing file as entrypoint, so nothing has to be added to the tree.
project() { # project DIR TREE
    local entry
    entry="$(cd "$2" && find d0000 -type f | LC_ALL=C sort | head -n1)"
    mkdir -p "$1"
    cat >"$1/hoist.yaml" <<YAML
project: bench
bundle:
  limit_mb: 4096
functions:
  big:
    path: $2
    runtime: node
    entrypoint: $entry
YAML
}
project "$work/proj" "$work/tree"
# Every hoist run reads and compresses the whole tree, as tar|gzip and
# tar|pigz do: the bundle cache, which would answer an unchanged tree from
# the previous archive, is off.
export HOIST_BUNDLE_CACHE=0

bundle_json() { # bundle_json PROJECT_DIR -> the JSON document on stdout
    (cd "$1" && HOIST_CONFIG="$1/hoist.yaml" "$hoist" bundle --output json)
}
field() { # field KEY < JSON
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0][sys.argv[1]])' "$1"
}

hoist_cmd="cd '$work/proj' && '$hoist' bundle --output json >/dev/null"
gzip_cmd="tar -cf - -C '$work' tree | gzip -6 >'$work/gzip.tar.gz'"
pigz_cmd="tar -cf - -C '$work' tree | pigz -6 >'$work/pigz.tar.gz'"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Rounds are interleaved (hoist, gzip, pigz, then again) so that all three
# see the same background load on a shared machine; a warm-up round first.
# Each run records wall time and the CPU seconds (user + sys) of everything
# it started.
declare -A best cpu
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
timed() { # timed CMD -> sets $wall and $secs
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -f '%e %U %S' -o "$work/t.txt" bash -c "$1" || die "failed: $1"
        read -r wall secs < <(awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/t.txt")
    else
        local start="$EPOCHREALTIME"
        bash -c "$1" || die "failed: $1"
        wall="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
        secs=nan
    fi
}
echo "== timing: 1 warm-up round + $runs rounds, interleaved" >&2
for round in $(seq 0 "$runs"); do
    for name in hoist gzip pigz; do
        case "$name" in
            hoist) timed "$hoist_cmd" ;;
            gzip) timed "$gzip_cmd" ;;
            pigz) timed "$pigz_cmd" ;;
        esac
        echo "round $round  $name  wall ${wall}s  cpu ${secs}s" >&2
        (( round == 0 )) && continue
        if [[ -z "${best[$name]:-}" ]] || less "$wall" "${best[$name]}"; then best[$name]="$wall"; fi
        if [[ -z "${cpu[$name]:-}" ]] || less "$secs" "${cpu[$name]}"; then cpu[$name]="$secs"; fi
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== peak RSS and digests" >&2
if [[ -x /usr/bin/time ]]; then
    (cd "$work/proj" && /usr/bin/time -v "$hoist" bundle --output json >"$work/run1.json" 2>"$work/time.txt") \
        || { cat "$work/time.txt" >&2; die "hoist bundle failed"; }
    rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
else
    # Poll VmHWM while it runs.
    (cd "$work/proj" && exec "$hoist" bundle --output json >"$work/run1.json") &
    pid=$!
    rss_kb=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
        [[ -n "$hwm" && "$hwm" -gt "$rss_kb" ]] && rss_kb="$hwm"
        sleep 0.02
    done
    wait "$pid"
fi
d1="$(field digest <"$work/run1.json")"
d2="$(bundle_json "$work/proj" | field digest)"
cp -r "$work/tree" "$work/copy"
project "$work/proj-copy" "$work/copy"
d3="$(bundle_json "$work/proj-copy" | field digest)"
hoist_size="$(field compressed_size <"$work/run1.json")"
gzip_size="$(stat -c %s "$work/gzip.tar.gz")"
pigz_size="$(stat -c %s "$work/pigz.tar.gz")"

python3 - "$tree_bytes" "${best[hoist]}" "${best[gzip]}" "${best[pigz]}" \
    "$hoist_size" "$gzip_size" "$pigz_size" "$rss_kb" "$(nproc)" "$runs" \
    "${cpu[hoist]}" "${cpu[gzip]}" "${cpu[pigz]}" <<'PY'
import sys
tree, th, tg, tp, sh, sg, sp, rss, cores, runs, ch, cg, cp = sys.argv[1:]
tree, sh, sg, sp, rss = int(tree), int(sh), int(sg), int(sp), int(rss)
th, tg, tp = float(th), float(tg), float(tp)
mib = lambda b: b / 2**20
print(f"tree: {mib(tree):.1f} MiB on disk, {cores} cores, best of {runs} interleaved rounds")
print(f"{'tool':<16}{'best wall s':>12}{'MiB/s':>9}{'best cpu s':>12}{'output MiB':>12}")
for name, t, c, s in (("hoist bundle", th, ch, sh), ("tar | gzip -6", tg, cg, sg), ("tar | pigz -6", tp, cp, sp)):
    print(f"{name:<16}{t:>12.3f}{mib(tree)/t:>9.1f}{float(c):>12.2f}{mib(s):>12.2f}")
print(f"hoist/pigz wall: {th/tp:.3f}   (target <= 0.5)")
print(f"gzip/hoist wall: {tg/th:.2f}x faster than tar|gzip")
print(f"size hoist/pigz: {sh/sp:.4f}  (target <= 1.02)   hoist/gzip: {sh/sg:.4f}")
print(f"hoist peak RSS:  {rss/1024:.1f} MiB  (target <= 64)")
PY
echo "load average before/after timing: $load_before / $load_after (other work on the machine skews wall times)"
echo "digest run 1: $d1"
echo "digest run 2: $d2"
echo "digest copy:  $d3"
if [[ "$d1" == "$d2" && "$d1" == "$d3" ]]; then
    echo "digests: identical across runs and across a cp -r copy"
else
    die "digests differ"
fi
