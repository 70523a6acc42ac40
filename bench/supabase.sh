#!/usr/bin/env bash
# Supabase benchmark: `hoist bundle` on a generated Supabase project (200
# functions sharing a 300-module `_shared` tree through relative imports and
# a shared import map) against the module-graph work `supabase functions
# deploy --use-api` does, `deno info` per function on the same tree, in the
# same run. Prints the time of every function's graph alone (`hoist config
# validate`, nothing written), cold (no .hoist/) and warm (one `_shared`
# file edited) bundle times and the ratios, and the parser's share of the
# cold run (from a second cold `hoist -v bundle`); checks that the warm run
# rebundled only the functions that reach the edited file.
#
#   bench/supabase.sh                 # release build (built once)
#   PROFILE=debug bench/supabase.sh   # the debug build, no release build
#   HOIST_BIN=/path/to/hoist bench/supabase.sh   # that binary, no build
#   DENO=/path/to/deno FUNCTIONS=200 MODULES=300 bench/supabase.sh
#   KEEP=1 bench/supabase.sh          # keep the generated project
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
profile="${PROFILE:-release}"
nfn="${FUNCTIONS:-200}"
nmod="${MODULES:-300}"
deno="${DENO:-${HOIST_TOOLS:-$HOME/.cache/hoist-tools}/npm/node_modules/.bin/deno}"

die() { echo "error: $*" >&2; exit 1; }
[[ -x "$deno" ]] || die "deno not found at $deno (set DENO=)"
command -v python3 >/dev/null || die "python3 is not installed"

if [[ -n "${HOIST_BIN:-}" ]]; then
    hoist="$HOIST_BIN"
else
    if [[ "$profile" == release ]]; then
        echo "== building hoist (release)" >&2
        (cd "$repo" && cargo build --release --quiet)
    else
        (cd "$repo" && cargo build --quiet)
    fi
    hoist="${CARGO_TARGET_DIR:-$repo/target}/$profile/hoist"
fi
[[ -x "$hoist" ]] || die "no binary at $hoist"

work="$(mktemp -d "${TMPDIR:-/tmp}/hoist-supa-bench.XXXXXX")"
if [[ -n "${KEEP:-}" ]]; then
    echo "keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
proj="$work/proj"

echo "== generating $nfn functions sharing $nmod modules" >&2
python3 - "$proj" "$nfn" "$nmod" <<'PY'
import os, sys
root, nfn, nmod = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fns = os.path.join(root, "supabase", "functions")
shared = os.path.join(fns, "_shared")
groups = 30
per = max(1, nmod // groups)
os.makedirs(shared, exist_ok=True)
def w(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
# 30 chains of modules; each module imports the next one of its chain and
# the common helpers, with comments, strings and template literals around.
for i in range(nmod):
    g, k = divmod(i, per)
    nxt = f"import {{ v{i+1} }} from './m{i+1:03d}.ts';\n" if k + 1 < per and i + 1 < nmod else f"const v{i+1} = 0;\n"
    w(os.path.join(shared, f"m{i:03d}.ts"),
      f"// module {i}: import nothing from './nope.ts'\n{nxt}"
      f"import {{ cors }} from '@shared/cors.ts';\n"
      f"import {{ z }} from 'npm:zod@3';\n"
      f"const s = `template ${{cors}} import('./no.ts')`;\n"
      f"const r = /['\"]/g;\n"
      + "".join(f"export const f{i}_{j} = (a: number, b: number): number => a / b / {j + 1};\n" for j in range(30))
      + f"export const v{i} = v{i+1} + s.length + String(r).length + String(z).length;\n")
w(os.path.join(shared, "cors.ts"), "export const cors = { 'Access-Control-Allow-Origin': '*' };\n")
w(os.path.join(fns, "import_map.json"), '{ "imports": { "@shared/": "./_shared/", "std/": "https://deno.land/std@0.224.0/" } }\n')
lines = ["project: bench", "defaults:", "  runtime: deno", "functions:"]
for n in range(nfn):
    a, b = (n % groups) * per, ((n * 7 + 3) % groups) * per
    w(os.path.join(fns, f"fn_{n:03d}", "index.ts"),
      f"import {{ v{a} }} from '../_shared/m{a:03d}.ts';\n"
      f"import {{ v{b} }} from '@shared/m{b:03d}.ts';\n"
      f"import {{ serve }} from 'std/http/server.ts';\n"
      f"Deno.serve(() => new Response(String(v{a} + v{b}) + typeof serve));\n")
    lines += [f"  fn_{n:03d}:", f"    path: supabase/functions/fn_{n:03d}"]
w(os.path.join(root, "hoist.yaml"), "\n".join(lines) + "\n")
PY
# The bundle cache trusts files only once they are 2 s old (docs/bundles.md).
sleep 3

now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }

echo "== deno info per function (the Supabase CLI's graph work)" >&2
export DENO_DIR="$work/deno-dir" DENO_NO_UPDATE_CHECK=1
t0="$(now)"
for d in "$proj"/supabase/functions/fn_*; do
    "$deno" info --no-remote --no-npm --no-lock --no-config \
        --import-map "$proj/supabase/functions/import_map.json" "$d/index.ts" >/dev/null 2>&1 || true
done
t1="$(now)"
deno_s="$(secs "$t0" "$t1")"

echo "== hoist config validate, cold: every function's graph, nothing written" >&2
cd "$proj"
t0="$(now)"; "$hoist" -q config validate >/dev/null; t1="$(now)"
graph_s="$(secs "$t0" "$t1")"

echo "== hoist bundle, cold" >&2
t0="$(now)"; "$hoist" -q bundle --output json >"$work/cold.json"; t1="$(now)"
cold_s="$(secs "$t0" "$t1")"

echo "== hoist bundle, warm, one _shared module edited" >&2
edited="$proj/supabase/functions/_shared/m$(printf %03d $(( (nmod / 30) * 5 + 3 ))).ts"
echo "// edited" >>"$edited"
t0="$(now)"; "$hoist" -q bundle --output json >"$work/warm.json"; t1="$(now)"
warm_s="$(secs "$t0" "$t1")"

echo "== hoist bundle, warm, nothing changed" >&2
t0="$(now)"; "$hoist" -q bundle --output json >"$work/noop.json"; t1="$(now)"
noop_s="$(secs "$t0" "$t1")"

echo "== hoist -v bundle, cold again, for the parser's time (untimed)" >&2
rm -rf "$proj/.hoist"
"$hoist" -v bundle >/dev/null 2>"$work/parse.err"
parse_line="$(grep -o 'module graphs: [0-9]* files parsed in [0-9.]* ms' "$work/parse.err" || true)"
[[ -n "$parse_line" ]] || die "hoist -v bundle did not say how long parsing took"

python3 - "$work/cold.json" "$work/warm.json" "$deno_s" "$cold_s" "$warm_s" "$noop_s" "$nfn" "$nmod" "$profile" "$parse_line" "$graph_s" <<'PY'
import json, re, sys
cold = {d["function"]: d for d in json.load(open(sys.argv[1]))}
warm = {d["function"]: d for d in json.load(open(sys.argv[2]))}
deno_s, cold_s, warm_s, noop_s = map(float, sys.argv[3:7])
changed = [n for n in cold if cold[n]["digest"] != warm[n]["digest"]]
rebundled = [n for n in warm if not warm[n]["cached"]]
assert sorted(changed) == sorted(rebundled), (changed, rebundled)
print(f"hoist build: {sys.argv[9]}; {sys.argv[7]} functions, {sys.argv[8]} shared modules")
print(f"deno info, every function     {deno_s:8.3f} s")
graph_s = float(sys.argv[11])
print(f"hoist graphs (config validate){graph_s:8.3f} s   ratio {graph_s / deno_s:.3f}x (target <= 0.19x)")
print(f"hoist bundle, cold            {cold_s:8.3f} s   ratio {cold_s / deno_s:.3f}x (graphs and 200 archives written)")
print(f"hoist bundle, 1 file edited   {warm_s:8.3f} s   {len(rebundled)} of {len(warm)} rebundled (target <= 0.2 s)")
print(f"hoist bundle, nothing changed {noop_s:8.3f} s")
m = re.search(r"(\d+) files parsed in ([0-9.]+) ms", sys.argv[10])
files, parse_ms = int(m.group(1)), float(m.group(2))
print(f"parser, cold run              {parse_ms / 1000:8.3f} s   {files} files, {parse_ms / 10 / cold_s:.1f}% of the cold run")
PY
