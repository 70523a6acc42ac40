#!/usr/bin/env bash
# The whole test suite: installs what the tests need (see .ci/deps.sh; it
# names each package and why, and as a non-root user prints the one sudo
# command to run when a Debian package is missing), then runs every test
# against real servers started on loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HOIST_DEPS_SKIP_S3S=1 bash .ci/deps.sh
tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
# $tools/py/bin: aws and schemathesis when .ci/deps.sh ran as a non-root user.
export PATH="$tools/bin:$tools/npm/node_modules/.bin:$PATH:$tools/py/bin"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hoist-target}"
if [ ! -f ../shared/specs/fly-machines-openapi.json ]; then
  echo "note: ../shared/specs/fly-machines-openapi.json not found: tests will say they skipped the spec check" >&2
fi
# s3s-fs compiles (once) while the tests do; the tests run when both are done.
bash .ci/s3s-fs.sh &
s3s=$!
trap 'kill "$s3s" 2>/dev/null || true' EXIT
echo "test: cargo test --locked $* (the first run compiles for several minutes)" >&2
cargo test --locked --no-run
wait "$s3s"
trap - EXIT
cargo test --locked "$@"
# The kill tests (ignored by a plain `cargo test`: they kill hoist at timed
# points), four kills per operation, when the whole suite was asked for.
if [ $# -eq 0 ]; then
  echo "test: the kill tests, 4 kills per operation (tests/it/kills.rs)" >&2
  HOIST_KILLS=4 cargo test --locked --test it kills:: -- --ignored
fi
