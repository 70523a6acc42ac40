#!/usr/bin/env bash
# Storage benchmark: upload one 256 MiB incompressible archive to a local
# s3s-fs (SigV4 checked) with `hoist push`, `rclone copyto` and `aws s3 cp`,
# plus a single `curl` PUT with UNSIGNED-PAYLOAD as the floor, all in one
# run against the same server and the same file. Then a re-push of the same
# version, which must upload 0 bytes. Prints wall times, ratios against
# rclone, the server's CPU time per upload, and checks every stored copy
# byte for byte.
#
# What is timed for hoist (see docs/benchmarks.md):
#   - "hoist upload": the store upload inside `hoist push` (multipart create,
#     parts, complete), as hoist reports it in `upload_seconds`;
#   - "hoist push": the whole command's wall time (config, bundle cache
#     check, HEADs, upload, manifest and index), the function unchanged
#     since it was bundled, as after `hoist build`;
#   - "hoist push, fresh bundle": the same with HOIST_BUNDLE_CACHE=0, so
#     the 256 MiB function is bundled again before the upload.
#
#   bench/storage.sh                # one run of each (RUNS=1)
#   RUNS=3 bench/storage.sh         # median of 3
#   SIZE_MB=64 bench/storage.sh     # another archive size
#
# Needs: cargo, s3s-fs (PATH or $HOIST_S3S_FS; see docs/storage.md), rclone,
# aws, curl, python3.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${RUNS:-1}"
size_mb="${SIZE_MB:-256}"

die() { echo "error: $*" >&2; exit 1; }
s3s="${HOIST_S3S_FS:-$(command -v s3s-fs || true)}"
[[ -z "$s3s" && -x "$HOME/.cache/hoist-tools/bin/s3s-fs" ]] && s3s="$HOME/.cache/hoist-tools/bin/s3s-fs"
[[ -n "$s3s" ]] || die "s3s-fs is not installed (cargo install --locked s3s-fs --version 0.14.1 --features binary)"
for tool in cargo rclone aws curl python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

echo "== building hoist (release)" >&2
(cd "$repo" && cargo build --release --quiet)
hoist="${CARGO_TARGET_DIR:-$repo/target}/release/hoist"
[[ -x "$hoist" ]] || die "no binary at $hoist"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-bench-s3.XXXXXX")"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ak=AKBENCH
sk="bench-secret-$RANDOM$RANDOM"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
ep="http://127.0.0.1:$port"
mkdir -p "$work/data/bench"
"$s3s" --host 127.0.0.1 --port "$port" --access-key "$ak" --secret-key "$sk" "$work/data" \
    >"$work/s3s.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "$ep/" && break
    sleep 0.05
done
curl -s -o /dev/null "$ep/" || die "s3s-fs did not start"

echo "== generating a ${size_mb} MiB incompressible function" >&2
mkdir -p "$work/proj/functions/big"
python3 - "$work/proj/functions/big/blob.bin" "$size_mb" <<'PY'
import hashlib, sys
path, mb = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    for i in range(mb):
        f.write(hashlib.shake_256(b"hoist-bench-%d" % i).digest(1 << 20))
PY
echo 'export default () => new Response("big")' >"$work/proj/functions/big/index.ts"
# hoist's bundle cache does not trust files changed in the last 2 s; a real
# project's files are older than that.
sleep 2.1
cat >"$work/proj/hoist.yaml" <<YAML
project: bench
bundle:
  limit_mb: $((size_mb * 2))
storage:
  backend: s3
  s3:
    bucket: bench
    endpoint: $ep
    path_style: true
    region: us-east-1
functions:
  big:
    # bun: the whole directory is bundled (a deno bundle holds only the
    # modules its entrypoint reaches, which would leave blob.bin out).
    runtime: bun
    version: content
YAML

# Every hoist run: only these credentials, nothing ambient.
run_hoist() {
    (cd "$work/proj" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE \
        -u AWS_ENDPOINT_URL HOIST_S3_ACCESS_KEY_ID="$ak" HOIST_S3_SECRET_ACCESS_KEY="$sk" \
        "$hoist" "$@")
}

echo "== bundling once (not timed; gives the archive all tools upload)" >&2
bundle_json="$(run_hoist bundle --output json)"
archive="$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["archive"])' <<<"$bundle_json")"
digest="$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["digest"])' <<<"$bundle_json")"
bytes="$(stat -c %s "$archive")"
echo "archive: $archive ($bytes bytes, $digest)" >&2

now() { echo "$EPOCHREALTIME"; }  # bash's clock: no process started
server_cpu() { # user+system seconds of the server so far
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server_pid/stat"
}
clear_store() {
    rm -rf "$work/data/bench/"* "$work/data"/.bucket-* "$work/data"/.upload* 2>/dev/null || true
    sync
}
median() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
check_copy() { # check_copy NAME FILE
    cmp -s "$archive" "$2" || die "$1: the stored object differs from the archive"
}

declare -a hoist_up=() hoist_push=() hoist_fresh=() rclone_t=() aws_t=() curl_t=()
declare -a hoist_cpu=() rclone_cpu=() aws_cpu=() curl_cpu=()
rclone_remote=":s3,provider=Other,endpoint='$ep',access_key_id=$ak,secret_access_key=$sk,force_path_style=true,region=us-east-1:bench/rclone.bin"

for r in $(seq "$runs"); do
    echo "== run $r of $runs" >&2

    clear_store; c0="$(server_cpu)"; t0="$(now)"
    out="$(run_hoist push --output json)"
    t1="$(now)"; c1="$(server_cpu)"
    hoist_push+=("$(python3 -c "print($t1 - $t0)")")
    hoist_up+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["upload_seconds"])' <<<"$out")")
    hoist_cpu+=("$(python3 -c "print($c1 - $c0)")")
    ver="$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])' <<<"$out")"
    check_copy hoist "$work/data/bench/functions/big/$ver/archive-${digest#sha256:}.tar.gz"

    clear_store; t0="$(now)"
    HOIST_BUNDLE_CACHE=0 run_hoist push --output json >/dev/null
    t1="$(now)"
    hoist_fresh+=("$(python3 -c "print($t1 - $t0)")")
    check_copy "hoist (fresh bundle)" "$work/data/bench/functions/big/$ver/archive-${digest#sha256:}.tar.gz"

    clear_store; c0="$(server_cpu)"; t0="$(now)"
    env -u AWS_CA_BUNDLE rclone copyto "$archive" "$rclone_remote" --config /dev/null --ignore-times -q
    t1="$(now)"; c1="$(server_cpu)"
    rclone_t+=("$(python3 -c "print($t1 - $t0)")"); rclone_cpu+=("$(python3 -c "print($c1 - $c0)")")
    check_copy rclone "$work/data/bench/rclone.bin"

    clear_store; c0="$(server_cpu)"; t0="$(now)"
    env -u AWS_PROFILE AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" AWS_DEFAULT_REGION=us-east-1 \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        aws --endpoint-url "$ep" s3 cp "$archive" s3://bench/aws.bin --only-show-errors
    t1="$(now)"; c1="$(server_cpu)"
    aws_t+=("$(python3 -c "print($t1 - $t0)")"); aws_cpu+=("$(python3 -c "print($c1 - $c0)")")
    check_copy aws "$work/data/bench/aws.bin"

    clear_store; c0="$(server_cpu)"; t0="$(now)"
    curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T "$archive" "$ep/bench/curl.bin" -o /dev/null
    t1="$(now)"; c1="$(server_cpu)"
    curl_t+=("$(python3 -c "print($t1 - $t0)")"); curl_cpu+=("$(python3 -c "print($c1 - $c0)")")
    check_copy curl "$work/data/bench/curl.bin"
done

echo "== re-push of the stored version" >&2
clear_store
run_hoist push --output json >/dev/null
t0="$(now)"
again="$(run_hoist push --output json)"
t1="$(now)"
repush_bytes="$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["uploaded_bytes"])' <<<"$again")"
repush_status="$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])' <<<"$again")"
repush_wall="$(python3 -c "print('%.3f' % ($t1 - $t0))")"
[[ "$repush_bytes" == 0 ]] || die "the re-push uploaded $repush_bytes bytes"

hu="$(median "${hoist_up[@]}")"; hp="$(median "${hoist_push[@]}")"; hf="$(median "${hoist_fresh[@]}")"
rc="$(median "${rclone_t[@]}")"; aw="$(median "${aws_t[@]}")"; cu="$(median "${curl_t[@]}")"
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

echo
echo "Upload of $bytes bytes ($size_mb MiB incompressible) to s3s-fs on $ep, median of $runs run(s)"
echo "machine: $(nproc) cores, $(uname -sr)"
printf '%-34s %9s %10s %14s\n' "client" "wall (s)" "vs rclone" "server CPU (s)"
printf '%-34s %9s %10s %14s\n' "hoist upload (upload_seconds)" "$hu" "$(ratio "$hu" "$rc")" "$(median "${hoist_cpu[@]}")"
printf '%-34s %9s %10s %14s\n' "hoist push (whole command)" "$hp" "$(ratio "$hp" "$rc")" "(same run)"
printf '%-34s %9s %10s %14s\n' "hoist push, fresh bundle" "$hf" "$(ratio "$hf" "$rc")" ""
printf '%-34s %9s %10s %14s\n' "rclone copyto" "$rc" "1.00" "$(median "${rclone_cpu[@]}")"
printf '%-34s %9s %10s %14s\n' "aws s3 cp" "$aw" "$(ratio "$aw" "$rc")" "$(median "${aws_cpu[@]}")"
printf '%-34s %9s %10s %14s\n' "curl PUT, UNSIGNED-PAYLOAD (floor)" "$cu" "$(ratio "$cu" "$rc")" "$(median "${curl_cpu[@]}")"
echo "re-push of the same version: status $repush_status, $repush_bytes bytes uploaded, ${repush_wall} s wall"
echo "every stored copy matched the archive byte for byte"
