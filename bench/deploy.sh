#!/usr/bin/env bash
# Deploy benchmark against the self-hosted backend hoist ships, all in one
# run on this machine:
#
#   1. 20 node functions with 100 ms injected latency on every backend
#      request: `hoist deploy --jobs 8` of all 20 against a deploy of one
#      function (target: <= 1.5x), and `--jobs 20` (every gate at once),
#      with the CPU the backend and its workers used for the 20 and, for
#      scale, 20 `node -e 0` started at once; then an unchanged redeploy
#      (target: <= 1 s, 0 bytes sent, no new deployment).
#   2. `hoist deploy --dry-run` on a generated project of N functions
#      (default 1000) that are all deployed and unchanged (target: <= 2 s),
#      with peak RSS at N/4, N/2 and N to show memory growing linearly.
#   3. Invoke overhead: p50 of a request through the backend's /fn proxy
#      against the same request sent straight to the worker's own port
#      (target: <= 1 ms added), then ab at 8 connections for 30 s through
#      the backend (target: >= 1,000 req/s, 0 errors).
#   4. Cold start: `hoist warmup` reports each new node worker's time to
#      ready, next to `node -e 0` timed by hyperfine.
#
#   bench/deploy.sh                  # everything
#   FUNCTIONS=200 bench/deploy.sh    # a smaller dry-run project
#   LOAD_SECONDS=10 bench/deploy.sh  # a shorter load test
#
# Needs: cargo, node, python3, curl, ab (apache2-utils), hyperfine.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
functions="${FUNCTIONS:-1000}"
load_seconds="${LOAD_SECONDS:-30}"

die() { echo "error: $*" >&2; exit 1; }
for tool in cargo node python3 curl ab hyperfine; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

echo "== building hoist (release)" >&2
(cd "$repo" && cargo build --release --quiet)
hoist="${CARGO_TARGET_DIR:-$repo/target}/release/hoist"
[[ -x "$hoist" ]] || die "no binary at $hoist"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-bench-deploy.XXXXXX")"
# Backends are started inside $(...) subshells, so their pids go to a file.
cleanup() {
    if [[ -f "$work/pids" ]]; then
        while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids"
    fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

token="bench-token-$RANDOM$RANDOM"
printf '%s' "$token" >"$work/token"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_backend NAME [serve flags...]: prints the base URL.
start_backend() {
    local name="$1"; shift
    local port; port="$(free_port)"
    "$hoist" backend serve --listen "127.0.0.1:$port" --data-dir "$work/$name" \
        --token-file "$work/token" --faults "$@" >"$work/$name.log" 2>&1 &
    echo "$!" >>"$work/pids"
    for _ in $(seq 200); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/api/health" && break
        sleep 0.05
    done
    curl -fs -o /dev/null "http://127.0.0.1:$port/api/health" || die "backend $name did not start"
    echo "http://127.0.0.1:$port"
}
api() { # api URL METHOD PATH [JSON]
    curl -fsS -X "$2" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
        ${4:+--data "$4"} "$1$3"
}
# project DIR N: N node handler functions f0001..fN.
project() {
    local dir="$1" n="$2"
    mkdir -p "$dir"
    python3 - "$dir" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
lines = ["project: bench", "functions:"]
for i in range(1, n + 1):
    name = f"f{i:04d}"
    os.makedirs(f"{d}/functions/{name}", exist_ok=True)
    with open(f"{d}/functions/{name}/index.mjs", "w") as f:
        f.write(f'export default async () => new Response("{name}");\n')
    lines += [f"  {name}:", "    runtime: node", "    entrypoint: index.mjs"]
open(f"{d}/hoist.yaml", "w").write("\n".join(lines) + "\n")
PY
    # hoist's bundle cache does not trust files changed in the last 2 s.
    sleep 2.1
}
now() { python3 -c 'import time; print(time.monotonic())'; }
# cpu_of PID: CPU seconds used by PID, its live descendants and the
# children it has reaped (a backend and its workers).
cpu_of() {
    python3 - "$1" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
stats = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            s = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        stats[int(d)] = s[s.rindex(")") + 2:].split()
kids = {}
for p, f in stats.items():
    kids.setdefault(int(f[1]), []).append(p)
root, total, todo = int(sys.argv[1]), 0, [int(sys.argv[1])]
while todo:
    p = todo.pop()
    f = stats[p]
    total += int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if p == root else 0)
    todo.extend(kids.get(p, []))
print(f"{total / hz:.2f}")
PY
}
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
run() { # run URL DIR args...: hoist against the backend at URL in DIR
    local url="$1" dir="$2"; shift 2
    (cd "$dir" && HOIST_BACKEND_URL="$url" HOIST_SELFHOSTED_TOKEN="$token" \
        HOIST_CREDENTIALS=file HOIST_CONFIG_DIR="$work/config" "$hoist" "$@")
}

echo "== 1. 20 functions, 100 ms per backend request" >&2
url="$(start_backend b1 --idle-timeout 5)"
b1_pid="$(tail -n 1 "$work/pids")"
project "$work/p20" 20
api "$url" POST /api/_faults '{"latency_ms": 100}' >/dev/null
t0="$(now)"; run "$url" "$work/p20" deploy f0001 --version one -q >/dev/null; t1="$(now)"
one="$(elapsed "$t0" "$t1")"
c0="$(cpu_of "$b1_pid")"
t0="$(now)"; run "$url" "$work/p20" deploy --version two --jobs 8 -q >/dev/null; t1="$(now)"
twenty="$(elapsed "$t0" "$t1")"
twenty_cpu="$(python3 -c "print(f'{$(cpu_of "$b1_pid") - $c0:.2f}')")"
# Every gate at once: the backend starts 20 workers together.
t0="$(now)"; run "$url" "$work/p20" deploy --version three --jobs 20 -q >/dev/null; t1="$(now)"
twenty_all="$(elapsed "$t0" "$t1")"
before="$(api "$url" GET /api/functions/f0001/deployments | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployments"]))')"
t0="$(now)"; out="$(run "$url" "$work/p20" deploy --version three --jobs 8 --output json -q)"; t1="$(now)"
unchanged="$(elapsed "$t0" "$t1")"
after="$(api "$url" GET /api/functions/f0001/deployments | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployments"]))')"
sent="$(python3 -c 'import json,sys; print(sum(f["uploaded_bytes"] for f in json.load(sys.stdin)["functions"]))' <<<"$out")"
api "$url" POST /api/_faults '{"latency_ms": 0}' >/dev/null

echo "== 2. dry run of $functions unchanged functions" >&2
url2="$(start_backend b2 --idle-timeout 1)"
project "$work/pn" "$functions"
run "$url2" "$work/pn" deploy --jobs 8 -q >/dev/null
rss_of() { # rss_of N: peak RSS (KiB) and seconds of a dry run over the first N functions
    local n="$1" names
    names="$(python3 -c "print(' '.join(f'f{i:04d}' for i in range(1, $n + 1)))")"
    # shellcheck disable=SC2086
    python3 - "$n" "$hoist" $names <<PY
import os, resource, subprocess, sys, time
env = dict(os.environ, HOIST_BACKEND_URL="$url2", HOIST_SELFHOSTED_TOKEN="$token",
           HOIST_CREDENTIALS="file", HOIST_CONFIG_DIR="$work/config")
t = time.monotonic()
subprocess.run([sys.argv[2], "deploy", "--dry-run", "-q", *sys.argv[3:]], cwd="$work/pn",
               env=env, check=True, stdout=subprocess.DEVNULL)
dt = time.monotonic() - t
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, f"{dt:.3f}")
PY
}
read -r rss4 t4 <<<"$(rss_of $((functions / 4)))"
read -r rss2 t2 <<<"$(rss_of $((functions / 2)))"
read -r rssn tn <<<"$(rss_of "$functions")"

echo "== 3. invoke overhead and load" >&2
# Fresh workers (an older one may be stopped as idle mid-measurement: the
# backend runs with --idle-timeout 5, and direct requests bypass it).
api "$url" POST /api/functions/f0002/restart '{}' >/dev/null
run "$url" "$work/p20" warmup f0002 --count 1 -q >/dev/null
# The newest ready worker.
wport="$(api "$url" GET /api/functions/f0002/workers | python3 -c 'import json,sys; print(max((w for w in json.load(sys.stdin)["workers"] if w["state"] in ("WARM","IDLE")), key=lambda w: w["started_at"])["port"])')"
read -r direct proxied <<<"$(python3 - "$wport" "${url#http://}" "$token" <<'PY'
import http.client, statistics, sys, time
port, backend, token = sys.argv[1], sys.argv[2], sys.argv[3]
def p50(host, path, headers):
    c = http.client.HTTPConnection(host)
    times = []
    for i in range(3000):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
        if i >= 200:
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000
d = p50(f"127.0.0.1:{port}", "/", {})
p = p50(backend, "/fn/f0002/", {"Authorization": f"Bearer {token}"})
print(f"{d:.3f} {p:.3f}")
PY
)"
ab -q -k -c 8 -t "$load_seconds" -n 10000000 -H "Authorization: Bearer $token" \
    "$url/fn/f0002/" >"$work/ab.txt" 2>&1 || true
rps="$(awk '/Requests per second/ {print $4}' "$work/ab.txt")"
complete="$(awk '/Complete requests/ {print $3}' "$work/ab.txt")"
failed="$(awk '/Failed requests/ {print $3}' "$work/ab.txt")"
non2xx="$(awk '/Non-2xx responses/ {print $3}' "$work/ab.txt")"

echo "== 4. cold start" >&2
cold="$(run "$url" "$work/p20" warmup f0003 --count 4 --output json -q |
    python3 -c 'import json,statistics,sys; w=[x["cold_start_ms"] for x in json.load(sys.stdin)["workers"] if x.get("cold_start_ms")]; print(f"{statistics.median(w):.0f}")')"
hyperfine -N --warmup 3 --runs 20 --export-json "$work/node.json" 'node -e 0' >/dev/null 2>&1
node_ms="$(python3 -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/node.json")"
# For scale: 20 node processes doing nothing, started at once, with this
# machine's environment and without an extra CA file (which node 20 reads
# at start-up).
node20="for i in \$(seq 20); do node -e 0 & done; wait"
hyperfine --warmup 1 --runs 10 --export-json "$work/node20.json" \
    "bash -c '$node20'" "env -u NODE_EXTRA_CA_CERTS bash -c '$node20'" >/dev/null 2>&1
read -r node20_s node20_bare_s <<<"$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"]; print(" ".join(format(x["median"], ".3f") for x in r))' "$work/node20.json")"

ratio="$(python3 -c "print(f'{$twenty / $one:.2f}')")"
ratio_all="$(python3 -c "print(f'{$twenty_all / $one:.2f}')")"
added="$(python3 -c "print(f'{$proxied - $direct:.3f}')")"
cat <<EOF

deploy, 100 ms per backend request ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))
  one function:                 ${one} s
  20 functions, --jobs 8:       ${twenty} s   ratio ${ratio}x (target <= 1.5x), backend and workers ${twenty_cpu} s CPU
  20 functions, --jobs 20:      ${twenty_all} s   ratio ${ratio_all}x
  20 x node -e 0 at once:       ${node20_s} s (${node20_bare_s} s without NODE_EXTRA_CA_CERTS)
  unchanged redeploy:           ${unchanged} s, ${sent} bytes sent, deployments ${before} -> ${after} (target <= 1 s, 0, equal)
dry run, nothing changed
  $((functions / 4)) functions:  ${t4} s, peak RSS ${rss4} KiB
  $((functions / 2)) functions:  ${t2} s, peak RSS ${rss2} KiB
  ${functions} functions:  ${tn} s, peak RSS ${rssn} KiB (target <= 2 s)
invoke (p50 of 2,800 keep-alive GETs)
  straight to the worker:       ${direct} ms
  through the backend (/fn):    ${proxied} ms   added ${added} ms (target <= 1 ms)
  ab -c 8 for ${load_seconds} s:           ${rps} req/s, ${complete} requests, ${failed} failed, ${non2xx:-0} non-2xx (target >= 1000 req/s, 0 errors)
cold start
  node worker to ready (median): ${cold} ms   node -e 0: ${node_ms} ms
EOF
