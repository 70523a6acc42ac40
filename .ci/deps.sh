#!/usr/bin/env bash
# Install the tools and servers hoist's tests and benchmarks use, from
# Debian's packages, PyPI, npm and crates.io. Idempotent: a second run only
# checks. Each package is named, with the reason, before it is installed.
#
# Root is needed only for Debian packages. As another user, when every
# Debian package is present, the rest installs under your home:
#   ${HOIST_TOOLS:-$HOME/.cache/hoist-tools} (npm, cargo install, a Python venv).
# When a Debian package is missing, it prints the one sudo command to run.
set -euo pipefail

tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
root=false
[ "$(id -u)" -eq 0 ] && root=true

# Debian package | command it provides | why
apt_table=(
  "docker-registry|docker-registry|the OCI registry the push and pull tests run against"
  "skopeo|skopeo|an independent client that checks the images hoist pushes"
  "buildah|buildah|the external builder for Dockerfiles with RUN"
  "apache2-utils|htpasswd|password files for the registry basic-auth tests"
  "busybox-static|busybox|a static binary for the test base images"
  "nodejs|node|serves a request in the node image test"
  "npm|npm|installs deno and bun, the backend's worker runtimes, below"
  "shellcheck|shellcheck|lints install.sh, .ci/ and bench/ scripts"
  "pigz|pigz|a compression peer in bench/bundle.sh"
  "rclone|rclone|an S3 peer in bench/storage.sh"
  "hyperfine|hyperfine|timing in bench/deploy.sh and install figures"
  "umoci|umoci|inspecting OCI layouts by hand (docs/images.md)"
  "keyutils|keyctl|the keyring tests read the kernel keyring hoist login writes (tests/it/keyring.rs)"
  "util-linux|unshare|the keyring tests run hoist in a user namespace, with a persistent keyring of its own"
)

missing=()
for row in "${apt_table[@]}"; do
  IFS='|' read -r pkg cmd why <<<"$row"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$pkg")
    echo "deps: need Debian package $pkg ($why)" >&2
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! $root; then
    echo "deps: installing Debian packages needs root; run this, then run the tests again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "deps: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python tools: system-wide as root; otherwise into a virtualenv at
# $tools/py (Debian's python refuses pip installs outside one), whose bin/
# .ci/test.sh puts on PATH.
have_py() { command -v "$1" >/dev/null 2>&1 || [ -x "$tools/py/bin/$1" ]; }
pip_install() {
  local pkg="$1" why="$2"
  if $root; then
    echo "deps: pip install $pkg ($why)" >&2
    python3 -m pip install --quiet "$pkg"
  else
    echo "deps: pip install $pkg into $tools/py ($why)" >&2
    [ -x "$tools/py/bin/pip" ] || python3 -m venv "$tools/py"
    "$tools/py/bin/pip" install --quiet "$pkg"
  fi
}
have_py aws ||
  pip_install awscli "the independent S3 client the storage tests check hoist with"
have_py schemathesis ||
  pip_install schemathesis "the contract test of the self-hosted API against docs/selfhosted-openapi.yaml"

# deno and bun: real runtimes for the backend's workers, from npm (the
# packages ship the binaries) into $tools/npm; .ci/test.sh puts them on PATH.
have_runtime() { command -v "$1" >/dev/null 2>&1 || [ -x "$tools/npm/node_modules/.bin/$1" ]; }
if ! have_runtime deno || ! have_runtime bun; then
  echo "deps: npm install deno@2 bun@1 into $tools/npm (the worker runtimes of the backend tests)" >&2
  mkdir -p "$tools/npm"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" deno@2 bun@1 >/dev/null
fi

# s3s-fs (the S3 server of the storage tests), unless the caller builds it
# on the side (.ci/test.sh does, while the tests compile).
if [ -z "${HOIST_DEPS_SKIP_S3S:-}" ]; then
  bash "$(dirname "${BASH_SOURCE[0]}")/s3s-fs.sh"
fi
echo "deps: ok" >&2
