#!/usr/bin/env bash
# Python tools the tests run at pinned versions (the report writers teams use today), from
# PyPI: each folder under scripts/lab/tools with a requirements.txt (every file pinned by its sha256) is
# installed into a virtual environment cached by a hash of that file, so a pin change installs anew.
#   scripts/lab/pytools.sh NAME...   install (or reuse) tools/NAME; prints each venv's bin folder
# Cache: $DEMO_ACTIONS_CACHE (default ~/.cache/demo-actions)/py-tools/NAME-<hash>. Python: $PYTHON or python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEMO_ACTIONS_CACHE:-$HOME/.cache/demo-actions}/py-tools
py=${PYTHON:-python3}
log() { printf '[pytools] %s\n' "$*" >&2; }
die() { printf '[pytools] error: %s\n' "$*" >&2; exit 1; }
for name in "$@"; do
  req="$here/tools/$name/requirements.txt"
  [ -f "$req" ] || die "no $req"
  key=$( (cat "$req"; "$py" --version) | sha256sum | cut -c1-12)
  out="$cache/$name-$key"
  if [ ! -f "$out/.done" ]; then
    log "installing $name ($(grep -v '^#' "$req" | cut -d' ' -f1 | tr '\n' ' ')) from PyPI into $out"
    # (a venv's scripts name its folder, so it is made where it stays; no .done until it is complete)
    rm -rf "$out"
    "$py" -m venv "$out" || die "python venv failed (Debian: python3-venv)"
    "$out/bin/python" -m pip install -q --no-cache-dir --require-hashes --no-deps -r "$req" ||
      die "installing $name failed"
    touch "$out/.done"
    for old in "$cache/$name"-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
  fi
  echo "$out/bin"
done
