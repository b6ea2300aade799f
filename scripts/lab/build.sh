#!/usr/bin/env bash
# Builds the Go programs the tests use (act; later the Kubernetes lab) from their pinned Go modules:
# each folder under scripts/lab/tools is a tools module (go.mod with `tool` lines, go.sum checked by the
# Go toolchain, replace directives carried over where the program's own go.mod needs them). The binaries go
# to a cache keyed by that module's go.mod and go.sum, so a pin change builds anew and nothing else does.
#   scripts/lab/build.sh NAME...   build (or reuse) the tools of scripts/lab/tools/NAME; prints each bin folder
# An ldflags file beside go.mod adds linker flags (the version Kubernetes programs report); a goenv file
# sets build environment variables, one NAME=VALUE a line (CGO_ENABLED=0 for the static binaries the kind
# node image's control-plane images hold). Both are part of the cache key. Cache:
# $DEMO_ACTIONS_CACHE (default ~/.cache/demo-actions)/go-tools/NAME-<hash>/bin. Go's own build and
# module caches are used as usual, so a second module sharing dependencies builds faster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEMO_ACTIONS_CACHE:-$HOME/.cache/demo-actions}/go-tools
log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }
command -v go >/dev/null || die "the Go toolchain is needed (go on PATH)"

for name in "$@"; do
  mod="$here/tools/$name"
  [ -f "$mod/go.mod" ] || die "no tools module $mod/go.mod"
  # an optional ldflags file: one linker flag a line (the version a program reports, set by -X)
  ldflags=-s
  [ ! -f "$mod/ldflags" ] || ldflags="-s $(grep -v '^#' "$mod/ldflags" | tr '\n' ' ')"
  goenv=()
  [ ! -f "$mod/goenv" ] || mapfile -t goenv < <(grep -v '^#' "$mod/goenv" | grep .)
  key=$(cat "$mod/go.mod" "$mod/go.sum" $(for f in ldflags goenv; do [ ! -f "$mod/$f" ] || echo "$mod/$f"; done) | sha256sum | cut -c1-12)
  out="$cache/$name-$key"
  # one build of a module at a time: a second caller (the setup's parts run at once) waits, then reuses it
  mkdir -p "$cache"
  exec {lock}>"$cache/$name.lock"
  flock "$lock"
  if [ ! -f "$out/.done" ]; then
    tools=$(cd "$mod" && go mod edit -json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).Tool||[]).map(t=>t.Path.split("/").pop()+"@"+(JSON.parse(s).Require||[]).filter(r=>t.Path.startsWith(r.Path)).map(r=>r.Version).pop()).join(", ")))')
    log "building $name ($tools) from its pinned modules: the first build takes minutes, later runs reuse $out"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin"
    started=$SECONDS
    # -mod=readonly: go.sum must already hold every module (a changed pin without its sums fails here).
    # Progress: one line per package compiled (go build -v), thinned to every 50th.
    (cd "$mod" && env "${goenv[@]}" GOFLAGS="-mod=readonly -buildvcs=false" GOBIN="$out.tmp/bin" go install -v -trimpath -ldflags="$ldflags" tool 2>&1) |
      awk -v name="$name" '{ n++; if (n % 50 == 0) printf "[lab] %s: %d packages compiled (%s)\n", name, n, $0 > "/dev/stderr"; fflush() }'
    [ "${PIPESTATUS[0]}" = 0 ] || die "building $name failed"
    touch "$out.tmp/.done"
    rm -rf "$out" && mv "$out.tmp" "$out"
    # builds of earlier pins of this module are not used again
    for old in "$cache/$name"-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
    log "$name built in $((SECONDS - started)) s"
  fi
  exec {lock}>&-
  echo "$out/bin"
done
