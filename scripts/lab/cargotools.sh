#!/usr/bin/env bash
# Rust tools the tests run at pinned versions (cargo-nextest), from crates.io: each folder under
# scripts/lab/tools with a `crate` file (name, version, features) is built by `cargo install --locked` (the
# crate's own Cargo.lock pins its dependencies; `profile dev` builds it unoptimised) into a folder cached by
# a hash of that file and of rustc's version, so a pin or compiler change builds anew. The first
# build takes minutes and shows cargo's progress.
#   scripts/lab/cargotools.sh NAME...   build (or reuse) tools/NAME; prints each tool's bin folder
# Cache: $DEMO_ACTIONS_CACHE (default ~/.cache/demo-actions)/cargo-tools/NAME-<hash>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEMO_ACTIONS_CACHE:-$HOME/.cache/demo-actions}/cargo-tools
log() { printf '[cargotools] %s\n' "$*" >&2; }
die() { printf '[cargotools] error: %s\n' "$*" >&2; exit 1; }
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
for name in "$@"; do
  spec="$here/tools/$name/crate"
  [ -f "$spec" ] || die "no $spec"
  key=$( (grep -v '^#' "$spec"; rustc --version) | sha256sum | cut -c1-12)
  out="$cache/$name-$key"
  if [ ! -f "$out/.done" ]; then
    crate=$(field name "$spec") version=$(field version "$spec") features=$(field features "$spec") profile=$(field profile "$spec")
    log "building $crate $version from crates.io into $out (minutes on a new machine; cached after)"
    rm -rf "$out" "$out.tmp"
    args=(install --locked --root "$out.tmp" --version "=$version")
    [ -z "$features" ] || args+=(--no-default-features --features "$features")
    # profile dev: unoptimised and without debug info, for a tool whose speed does not matter here
    [ "$profile" != dev ] || args+=(--debug)
    # its own target folder, removed after: only the binaries are kept
    CARGO_PROFILE_DEV_DEBUG=0 CARGO_TARGET_DIR="$out.target" cargo "${args[@]}" -- "$crate" >&2 || die "building $crate $version failed"
    rm -rf "$out.target"
    mv "$out.tmp" "$out"
    touch "$out/.done"
    for old in "$cache/$name"-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
  fi
  echo "$out/bin"
done
