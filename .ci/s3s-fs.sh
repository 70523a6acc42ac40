#!/usr/bin/env bash
# s3s-fs: an S3 server that checks SigV4 signatures, built once from
# crates.io into ${HOIST_TOOLS:-$HOME/.cache/hoist-tools}/bin. 0.14.1 is the
# newest release that builds with rustc 1.95. A lock keeps two installs
# (deps.sh and test.sh) from racing.
set -euo pipefail
tools="${HOIST_TOOLS:-$HOME/.cache/hoist-tools}"
[ -x "$tools/bin/s3s-fs" ] && exit 0
mkdir -p "$tools"
exec 9>"$tools/.s3s-fs.lock"
flock 9
if [ ! -x "$tools/bin/s3s-fs" ]; then
  echo "deps: cargo install s3s-fs 0.14.1 into $tools (the S3 server the storage tests run against; a few minutes, once)" >&2
  cargo install --locked --quiet s3s-fs --version 0.14.1 --features binary --root "$tools"
fi
