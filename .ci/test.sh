#!/usr/bin/env bash
# The whole test suite: installs what the tests need (see .ci/deps.sh), then
# runs every test against real servers started on loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash .ci/deps.sh
tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
export PATH="$tools/bin:$tools/npm/node_modules/.bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hoist-target}"
if [ ! -f ../shared/specs/fly-machines-openapi.json ]; then
  echo "note: ../shared/specs/fly-machines-openapi.json not found: tests will say they skipped the spec check" >&2
fi
cargo test --locked "$@"
