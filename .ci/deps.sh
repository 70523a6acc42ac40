#!/usr/bin/env bash
# Install the tools and servers hoist's tests and benchmarks use, from
# Debian's packages and crates.io only. Idempotent: a second run only checks.
#
# Servers and tools land in: Debian packages (apt-get) and
# ${HOIST_TOOLS:-$HOME/.cache/hoist-tools}/bin (cargo install).
set -euo pipefail

tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
apt_pkgs=(docker-registry skopeo buildah umoci pigz shellcheck apache2-utils rclone busybox-static keyutils hyperfine)
bins=(docker-registry skopeo buildah umoci pigz shellcheck htpasswd rclone busybox keyctl hyperfine)

missing=()
for i in "${!bins[@]}"; do
  command -v "${bins[$i]}" >/dev/null 2>&1 || missing+=("${apt_pkgs[$i]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# aws CLI: the independent S3 client the storage tests check hoist with.
if ! command -v aws >/dev/null 2>&1; then
  echo "deps: pip install awscli" >&2
  python3 -m pip install --quiet awscli
fi
# node: the node-image test serves a request with the machine's node binary.
if ! command -v node >/dev/null 2>&1; then
  echo "deps: apt-get install nodejs" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi

# deno and bun: real runtimes for the backend's workers, from npm (the
# packages ship the binaries) into $tools/npm; .ci/test.sh puts them on PATH.
have_runtime() { command -v "$1" >/dev/null 2>&1 || [ -x "$tools/npm/node_modules/.bin/$1" ]; }
if ! have_runtime deno || ! have_runtime bun; then
  echo "deps: npm install deno bun into $tools/npm (worker runtimes for the backend tests)" >&2
  mkdir -p "$tools/npm"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" deno@2 bun@1 >/dev/null
fi
# schemathesis: checks the backend against docs/selfhosted-openapi.yaml.
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "deps: pip install schemathesis (contract test of the self-hosted API)" >&2
  python3 -m pip install --quiet schemathesis
fi

# s3s-fs: an S3 server that checks SigV4 signatures. 0.14.1 is the newest
# release that builds with rustc 1.95.
if [ ! -x "$tools/bin/s3s-fs" ]; then
  echo "deps: cargo install s3s-fs 0.14.1 into $tools" >&2
  cargo install --locked --quiet s3s-fs --version 0.14.1 --features binary --root "$tools"
fi
echo "deps: ok" >&2
