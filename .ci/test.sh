#!/usr/bin/env bash
# The whole test suite: installs what the tests need (see .ci/deps.sh; it
# names each package and why, and as a non-root user prints the one sudo
# command to run when a Debian package is missing), then runs every test
# against real servers started on loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash .ci/deps.sh
tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
# $tools/py/bin: aws and schemathesis when .ci/deps.sh ran as a non-root user.
export PATH="$tools/bin:$tools/npm/node_modules/.bin:$PATH:$tools/py/bin"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hoist-target}"
if [ ! -f ../shared/specs/fly-machines-openapi.json ]; then
  echo "note: ../shared/specs/fly-machines-openapi.json not found: tests will say they skipped the spec check" >&2
fi
echo "test: cargo test --locked $* (the first run compiles for several minutes)" >&2
cargo test --locked "$@"
