#!/usr/bin/env bash
# Install hoist from this checkout into a prefix (default: ~/.local), with
# shell completions and man pages. Safe to run again: it replaces what an
# earlier run installed and leaves everything else alone.
#
#   ./install.sh [--prefix DIR] [--debug]
#
# Environment: HOIST_PREFIX sets the default prefix; CARGO_TARGET_DIR is
# honoured, so repeated installs reuse one build cache.
set -euo pipefail

prefix="${HOIST_PREFIX:-$HOME/.local}"
profile=(--locked)
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --debug) profile+=(--debug); shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v cargo >/dev/null 2>&1; then
  echo "install.sh: cargo not found on PATH." >&2
  echo "hint: install a Rust toolchain (https://rustup.rs or your distribution's cargo package), then run ./install.sh again." >&2
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$prefix"
echo "Installing hoist into $prefix" >&2
cargo install "${profile[@]}" --quiet --force --path "$here" --root "$prefix"

bin="$prefix/bin/hoist"
if [ ! -x "$bin" ]; then
  echo "install.sh: cargo finished but $bin is missing" >&2
  exit 1
fi

# Completions and man pages are generated from the installed binary, so they
# always match it.
share="$prefix/share"
mkdir -p "$share/bash-completion/completions" "$share/zsh/site-functions" \
  "$share/fish/vendor_completions.d" "$share/man/man1"
"$bin" completions bash > "$share/bash-completion/completions/hoist"
"$bin" completions zsh > "$share/zsh/site-functions/_hoist"
"$bin" completions fish > "$share/fish/vendor_completions.d/hoist.fish"
cp "$here"/docs/man/*.1 "$share/man/man1/"

echo "Installed $("$bin" --version) at $bin" >&2
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: add $prefix/bin to PATH to run 'hoist' by name" >&2 ;;
esac
