#!/usr/bin/env bash
# Image benchmark: a function image with a 2,000-file / 20 MiB context on a
# small busybox base, pushed to a local docker-registry, three ways in one
# run:
#   hoist   `hoist build && hoist push` (bundle, context, image, push)
#   buildah `buildah bud` + `buildah push` of the same Dockerfile and context
#   skopeo  `skopeo copy` of the ready OCI layout hoist wrote (the transfer
#           floor: nothing is built, the blobs are already compressed)
# each cold (empty caches/stores, a registry holding only the base) and warm
# (everything kept, nothing changed). Prints medians, ratios, hoist's own
# timings of its image step and image push (from -v), the blob bytes a warm
# re-push uploaded, and whether the targets of docs/benchmarks.md are met.
#
#   bench/images.sh           # RUNS=3 by default
#   RUNS=5 bench/images.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
gen="$here/../../shared/tools/gen-tree.py"
runs="${RUNS:-3}"

die() { echo "error: $*" >&2; exit 1; }
[[ -f "$gen" ]] || die "tree generator not found at $gen (expected ../shared/tools/gen-tree.py next to the repo)"
for tool in python3 cargo docker-registry buildah skopeo busybox curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed (.ci/deps.sh installs it)"
done

echo "== building hoist (release)" >&2
(cd "$repo" && cargo build --release --quiet)
hoist="${CARGO_TARGET_DIR:-$repo/target}/release/hoist"
[[ -x "$hoist" ]] || die "no binary at $hoist"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-img-bench.XXXXXX")"
reg_pid=""
cleanup() {
    if [[ -n "$reg_pid" ]]; then kill "$reg_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
reg="127.0.0.1:$port"
cat >"$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
  delete:
    enabled: true
http:
  addr: $reg
  secret: hoist-bench
YAML

start_registry() {
    docker-registry serve "$work/registry.yml" >>"$work/registry.log" 2>&1 &
    reg_pid=$!
    for _ in $(seq 1 200); do
        curl -fsS "http://$reg/v2/" >/dev/null 2>&1 && return 0
        sleep 0.02
    done
    die "docker-registry did not start (see $work/registry.log)"
}
stop_registry() {
    if [[ -n "$reg_pid" ]]; then kill "$reg_pid"; wait "$reg_pid" 2>/dev/null || true; reg_pid=""; fi
}
# A registry that holds only the base image.
reset_registry() {
    stop_registry
    rm -rf "$work/registry"
    cp -a "$work/registry.base" "$work/registry"
    start_registry
}

export HOIST_CACHE_DIR="$work/hoist-cache"
export HOIST_CREDENTIALS=file HOIST_CONFIG_DIR="$work/hoist-config"

echo "== base image (busybox-static) and the function" >&2
start_registry
mkdir -p "$work/base/functions/base/bin"
cp "$(command -v busybox)" "$work/base/functions/base/bin/busybox"
for a in sh cat ls env; do ln -s busybox "$work/base/functions/base/bin/$a"; done
printf 'FROM scratch\nCOPY bin/ /bin/\nENV PATH=/bin\n' >"$work/base/functions/base/Dockerfile"
printf 'project: base\nfunctions:\n  base:\n    runtime: dockerfile\n    version: "1"\nregistry:\n  url: %s\n' "$reg" >"$work/base/hoist.yaml"
(cd "$work/base" && "$hoist" -q build >/dev/null && "$hoist" -q push >/dev/null)
stop_registry
cp -a "$work/registry" "$work/registry.base"
start_registry

python3 "$gen" "$work/tree" 2000 20 1 >&2
mkdir -p "$work/proj/functions"
cp -a "$work/tree" "$work/proj/functions/app"
cat >"$work/proj/functions/app/Dockerfile" <<DOCKERFILE
FROM $reg/base:1
COPY . /app/
ENV VERSION=1
ENTRYPOINT ["/bin/sh"]
DOCKERFILE
printf 'project: bench\nbundle:\n  limit_mb: 1024\nfunctions:\n  app:\n    runtime: dockerfile\n    version: "1"\nregistry:\n  url: %s\n' "$reg" >"$work/proj/hoist.yaml"
ctx="$work/proj/functions/app"

now() { date +%s.%N; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }

hoist_run() { # hoist_run LOG: build + push, -v lines to LOG, push JSON to LOG.json
    (cd "$work/proj" && "$hoist" -v build >/dev/null 2>"$1" && "$hoist" -v push --output json >"$1.json" 2>>"$1")
}
hoist_cold_prep() { rm -rf "$HOIST_CACHE_DIR" "$work/proj/.hoist"; reset_registry; sync; }
BA=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver vfs)
buildah_run() {
    "${BA[@]}" bud -q --isolation chroot --tls-verify=false -t localhost/app:1 -f "$ctx/Dockerfile" "$ctx" >/dev/null
    "${BA[@]}" push -q --tls-verify=false localhost/app:1 "docker://$reg/app-buildah:1" >/dev/null
}
buildah_cold_prep() { rm -rf "$work/buildah"; reset_registry; sync; }
buildah_warm_prep() { "${BA[@]}" rmi --prune >/dev/null 2>&1 || true; sync; }
skopeo_run() {
    skopeo copy -q --dest-tls-verify=false "oci:$work/layout:app:1" "docker://$reg/app-skopeo:1" >/dev/null
}

declare -A t
measure() { # measure NAME PREP CMD...
    local name="$1" prep="$2"; shift 2
    local times=()
    for _ in $(seq 1 "$runs"); do
        $prep
        local a b
        a="$(now)"; "$@"; b="$(now)"
        times+=("$(python3 -c "print($b-$a)")")
    done
    t[$name]="$(median "${times[@]}")"
    echo "   $name: ${t[$name]} s (runs: ${times[*]})" >&2
}

echo "== hoist cold (empty cache, registry with only the base)" >&2
measure hoist_cold hoist_cold_prep hoist_run "$work/hoist-cold.log"
cold_step="$(sed -n 's/.*image step for [^:]*:[^:]*: \([0-9.]*\) s/\1/p' "$work/hoist-cold.log" | tail -1)"
cold_push="$(sed -n 's/.*image push for [^:]*: \([0-9.]*\) s/\1/p' "$work/hoist-cold.log" | tail -1)"
cold_bytes="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["image_push"]["uploaded_bytes"])' "$work/hoist-cold.log.json")"

echo "== hoist warm (nothing changed)" >&2
measure hoist_warm true hoist_run "$work/hoist-warm.log"
warm_step="$(sed -n 's/.*image step for [^:]*:[^:]*: \([0-9.]*\) s/\1/p' "$work/hoist-warm.log" | tail -1)"
warm_push="$(sed -n 's/.*image push for [^:]*: \([0-9.]*\) s/\1/p' "$work/hoist-warm.log" | tail -1)"
warm_bytes="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["image_push"]["uploaded_bytes"])' "$work/hoist-warm.log.json")"
digest="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["image_push"]["digest"])' "$work/hoist-warm.log.json")"
cp -a "$work/proj/.hoist/oci" "$work/layout"

echo "== buildah bud + push" >&2
measure buildah_cold buildah_cold_prep buildah_run
measure buildah_warm buildah_warm_prep buildah_run

echo "== skopeo copy of the ready OCI layout" >&2
measure skopeo_cold reset_registry skopeo_run
measure skopeo_warm true skopeo_run

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
ok() { python3 -c "print('met' if $1 else 'MISSED')"; }
cat <<REPORT

image benchmark: 2,000 files / 20 MiB context, busybox base, docker-registry on loopback
median of $runs; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)
image digest $digest

| run | hoist build+push (s) | buildah bud+push (s) | skopeo copy (s) | hoist/buildah | hoist/skopeo |
| --- | ---: | ---: | ---: | ---: | ---: |
| cold | ${t[hoist_cold]} | ${t[buildah_cold]} | ${t[skopeo_cold]} | $(ratio "${t[hoist_cold]}" "${t[buildah_cold]}") | $(ratio "${t[hoist_cold]}" "${t[skopeo_cold]}") |
| warm | ${t[hoist_warm]} | ${t[buildah_warm]} | ${t[skopeo_warm]} | $(ratio "${t[hoist_warm]}" "${t[buildah_warm]}") | $(ratio "${t[hoist_warm]}" "${t[skopeo_warm]}") |

hoist's image step alone (from -v): cold ${cold_step} s, warm ${warm_step} s
hoist's image push alone (from -v):  cold ${cold_push} s, warm ${warm_push} s
blob bytes uploaded: cold ${cold_bytes}, warm re-push ${warm_bytes}

targets:
  cold hoist <= 0.1 x buildah:                  $(ok "${t[hoist_cold]} <= 0.1 * ${t[buildah_cold]}") (whole command)
  cold hoist <= 2.5 x skopeo:                   $(ok "${t[hoist_cold]} <= 2.5 * ${t[skopeo_cold]}") (whole command)
  cold image step + push <= 2.5 x skopeo:       $(ok "$cold_step + $cold_push <= 2.5 * ${t[skopeo_cold]}")
  warm re-push uploads 0 blob bytes:            $(ok "$warm_bytes == 0")
  warm <= skopeo warm + 50 ms:                  $(ok "${t[hoist_warm]} <= ${t[skopeo_warm]} + 0.05") (whole command)
  warm image step + push <= skopeo warm + 50 ms: $(ok "$warm_step + $warm_push <= ${t[skopeo_warm]} + 0.05")
REPORT
