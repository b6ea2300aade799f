#!/usr/bin/env bash
# JavaScript test tools the tests run at pinned versions (jest with jest-junit, vitest, mocha
# with mocha-junit-reporter), from the npm registry: each folder under scripts/lab/tools with a
# package-lock.json is installed by `npm ci` (the lock pins every package and its integrity hash) into a
# folder cached by a hash of package.json and the lock, so a pin change installs anew. Kept apart from the
# project's own node_modules: these are the tools under test, not the project's.
#   scripts/lab/jstools.sh NAME...   install (or reuse) tools/NAME; prints each node_modules folder
# Cache: $DEMO_ACTIONS_CACHE (default ~/.cache/demo-actions)/js-tools/NAME-<hash>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEMO_ACTIONS_CACHE:-$HOME/.cache/demo-actions}/js-tools
log() { printf '[jstools] %s\n' "$*" >&2; }
die() { printf '[jstools] error: %s\n' "$*" >&2; exit 1; }
for name in "$@"; do
  dir="$here/tools/$name"
  [ -f "$dir/package-lock.json" ] || die "no $dir/package-lock.json"
  key=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -c1-12)
  out="$cache/$name-$key"
  if [ ! -f "$out/.done" ]; then
    log "installing $name ($(node -e 'const d=require(process.argv[1]).devDependencies;console.log(Object.entries(d).map(([k,v])=>k+"@"+v).join(" "))' "$dir/package.json")) into $out"
    rm -rf "$out" "$out.tmp" && mkdir -p "$out.tmp"
    cp "$dir/package.json" "$dir/package-lock.json" "$out.tmp/"
    # no install scripts: none of these needs one (vite's and rolldown's native parts are prebuilt packages)
    (cd "$out.tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || die "installing $name failed"
    mv "$out.tmp" "$out"
    touch "$out/.done"
    for old in "$cache/$name"-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
  fi
  echo "$out/node_modules"
done
