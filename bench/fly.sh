#!/usr/bin/env bash
# Fly target benchmark, all in one run on this machine, against the Fly
# Machines emulator (examples/fly-emulator) with 100 ms added to every
# request and 1 s machine boots, and a real docker-registry for images:
#
#   1. A 20-function deploy (one machine each, --jobs 20) against a deploy
#      of one function (target: <= 1.5x), and against the same 20 done one
#      at a time (--jobs 1: flyctl's order, one app after the other).
#   2. A rolling deploy of one function on 10 machines (max_unavailable
#      0.33: one machine, then batches) against the same 10 replaced one at
#      a time (max_unavailable 1, flyctl's `--max-unavailable 1`).
#   3. An unchanged redeploy of the 20 functions: its time (it only plans;
#      `tests/it/fly.rs` asserts that it makes no mutating call).
#
#   bench/fly.sh                  # release build
#   PROFILE=debug bench/fly.sh    # the debug build (faster to build)
#
# Needs: cargo, python3, docker-registry (Debian package), curl.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
die() { echo "error: $*" >&2; exit 1; }
for tool in cargo python3 docker-registry curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

profile="${PROFILE:-release}"
echo "== building hoist and the emulator ($profile)" >&2
if [[ "$profile" == release ]]; then
    (cd "$repo" && cargo build --release --quiet --bin hoist --example fly-emulator)
else
    (cd "$repo" && cargo build --quiet --bin hoist --example fly-emulator)
fi
out="${CARGO_TARGET_DIR:-$repo/target}/$profile"
hoist="$out/hoist"
emulator="$out/examples/fly-emulator"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-bench-fly.XXXXXX")"
cleanup() {
    [[ -f "$work/pids" ]] && while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids"
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

reg_port="$(free_port)"
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$reg_port, secret: bench}
EOF
docker-registry serve "$work/registry.yml" 2>/dev/null &
echo $! >>"$work/pids"
emu_port="$(free_port)"
"$emulator" --port "$emu_port" --latency-ms 100 --boot-ms 1000 --token bench-token \
    --registry "http://127.0.0.1:$reg_port" >/dev/null 2>&1 &
echo $! >>"$work/pids"
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$reg_port/v2/" >/dev/null 2>&1 &&
        curl -s -o /dev/null "http://127.0.0.1:$emu_port/v1/apps" && break
    sleep 0.1
done

export FLY_API_TOKEN=bench-token
export FLY_FLAPS_BASE_URL="http://127.0.0.1:$emu_port"
export FLY_API_BASE_URL="http://127.0.0.1:$emu_port"
export FLY_REGISTRY_HOST="127.0.0.1:$reg_port"
export HOIST_CACHE_DIR="$work/cache"
export HOIST_CREDENTIALS=file HOIST_CONFIG_DIR="$work/config"

# project DIR N FLY_BLOCK: N dockerfile functions, images FROM scratch.
project() {
    local dir="$1" n="$2" fly="$3"
    mkdir -p "$dir"
    {
        echo "project: bench"
        echo "functions:"
        for i in $(seq -w 1 "$n"); do
            printf '  f%s:\n    runtime: dockerfile\n    health_path: /healthz\n    fly:\n%s\n' "$i" "$fly"
        done
        printf 'targets:\n  default: fly\n  fly:\n    org: personal\n'
    } >"$dir/hoist.yaml"
    for i in $(seq -w 1 "$n"); do
        mkdir -p "$dir/functions/f$i"
        printf 'FROM scratch\nCOPY app.txt /app.txt\n' >"$dir/functions/f$i/Dockerfile"
        echo "$dir $i $RANDOM" >"$dir/functions/f$i/app.txt"
    done
}
seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
timed() { # timed LABEL DIR ARGS...: prints seconds
    local label="$1" dir="$2"; shift 2
    local t0 t1
    t0="$(seconds)"
    (cd "$dir" && "$hoist" "$@" >/dev/null 2>"$work/last.err") || { cat "$work/last.err" >&2; die "$label failed"; }
    t1="$(seconds)"
    python3 -c "print(f'{$t1 - $t0:.2f}')"
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "== 1. twenty functions against one (100 ms per request, 1 s boot)" >&2
project "$work/one" 1 "      regions: {iad: 1}"
project "$work/many" 20 "      regions: {iad: 1}"
project "$work/seq" 20 "      regions: {iad: 1}"
sed -i 's/project: bench/project: seq/' "$work/seq/hoist.yaml"
sed -i 's/project: bench/project: one/' "$work/one/hoist.yaml"
# Images are built once before timing, so the deploys time the API work.
for d in one many seq; do (cd "$work/$d" && "$hoist" build >/dev/null 2>&1); done
t_one="$(timed "one function" "$work/one" deploy)"
t_many="$(timed "20 functions" "$work/many" deploy --jobs 20)"
t_seq="$(timed "20 functions one at a time" "$work/seq" deploy --jobs 1)"
echo "one function:                 ${t_one} s"
echo "20 functions (--jobs 20):     ${t_many} s  ($(ratio "$t_many" "$t_one")x one function; target <= 1.5x)"
echo "20 functions one at a time:   ${t_seq} s  (hoist is $(ratio "$t_seq" "$t_many")x faster)"

echo "== 2. rolling deploy of 10 machines" >&2
project "$work/roll" 1 "      regions: {iad: 10}
      max_unavailable: 0.33"
project "$work/roll1" 1 "      regions: {iad: 10}
      max_unavailable: 1"
sed -i 's/project: bench/project: rollone/' "$work/roll1/hoist.yaml"
for d in roll roll1; do (cd "$work/$d" && "$hoist" deploy --version v1 >/dev/null 2>&1); done
for d in roll roll1; do echo changed >"$work/$d/functions/f1/app.txt"; (cd "$work/$d" && "$hoist" build >/dev/null 2>&1); done
t_roll="$(timed "rolling" "$work/roll" deploy --version v2)"
t_roll1="$(timed "one at a time" "$work/roll1" deploy --version v2)"
echo "rolling, 10 machines (max_unavailable 0.33): ${t_roll} s"
echo "one machine at a time (max_unavailable 1):   ${t_roll1} s  (rolling is $(ratio "$t_roll1" "$t_roll")x faster)"

echo "== 3. unchanged redeploy of 20 functions" >&2
t_same="$(timed "unchanged" "$work/many" deploy --jobs 20)"
grep -q "Unchanged" "$work/last.err" || die "the redeploy was not unchanged"
echo "unchanged redeploy:           ${t_same} s (plan only; the tests assert it makes no mutating call)"
