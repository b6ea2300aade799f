#!/usr/bin/env bash
# BuildKit of its own for the tests, built from its Go module (github.com/moby/buildkit, pinned in
# scripts/lab/tools/buildkit, cached): buildkitd on a unix socket with the OCI worker (the host's runc),
# trusting the test registry's CA, and a buildx builder `demo-actions-buildkit` (the remote driver) in a
# docker config folder of its own. It is what build-push meets as a builder that is not the docker driver:
# BuildKit's own attestations (provenance, sbom) and pushes by digest with them. What the tests need goes to
# $DEMO_ACTIONS_BUILDKIT/env (default /tmp/demo-actions-buildkit): BUILDKIT_DOCKER_CONFIG, BUILDKIT_BUILDER.
#   scripts/buildkit/buildkit.sh up | down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIR=${DEMO_ACTIONS_BUILDKIT:-/tmp/demo-actions-buildkit}
INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
BUILDER=demo-actions-buildkit
log() { printf '[buildkit] %s\n' "$*" >&2; }
die() { printf '[buildkit] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }
# our buildkitd, found by its command line (its config file is ours alone), not by a pid file that can be
# lost or stale
pids() { pgrep -f -- "buildkitd --config $DIR/buildkitd.toml" || true; }
running() { [ -n "$(pids)" ]; }

down() {
  local p
  for p in $(pids); do as_root kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do running || break; sleep 0.2; done
  if running; then
    for p in $(pids); do as_root kill -9 "$p" 2>/dev/null || true; done
    sleep 0.5
    ! running || die "buildkitd (pid $(pids | tr '\n' ' ')) did not stop"
  fi
  rm -f "$DIR/buildkitd.pid"
  # its build cache goes too (it is in the folder, owned by root)
  [ ! -d "$DIR/root" ] || as_root rm -rf "$DIR/root"
  log "stopped"
}

up() {
  [ -f "$INFRA/env" ] || die "$INFRA/env is missing: run scripts/infra.sh up first"
  # shellcheck disable=SC1091
  source "$INFRA/env"
  command -v runc >/dev/null || die "runc is needed (Debian's runc package; docker.io depends on it)"
  mkdir -p "$DIR"
  local bin
  bin=$(bash "$here/../lab/build.sh" buildkit | tail -1)
  cat >"$DIR/buildkitd.toml" <<TOML
root = "$DIR/root"
[grpc]
  address = ["unix://$DIR/buildkitd.sock"]
[worker.oci]
  enabled = true
  gc = false
[worker.containerd]
  enabled = false
# http = false: BuildKit takes a registry on localhost or 127.0.0.1 for plain HTTP unless told otherwise
[registry."$REGISTRY"]
  http = false
  ca = ["$REGISTRY_CA"]
TOML
  if ! running; then
    log "starting buildkitd on $DIR/buildkitd.sock"
    as_root setsid "$bin/buildkitd" --config "$DIR/buildkitd.toml" >"$DIR/buildkitd.log" 2>&1 </dev/null &
    echo $! >"$DIR/buildkitd.pid"
  fi
  local deadline=$((SECONDS + 60))
  until "$bin/buildctl" --addr "unix://$DIR/buildkitd.sock" debug workers >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { tail -20 "$DIR/buildkitd.log" >&2; die "buildkitd did not come up"; }
    sleep 0.3
  done
  mkdir -p "$DIR/docker"
  docker --config "$DIR/docker" buildx inspect "$BUILDER" >/dev/null 2>&1 ||
    docker --config "$DIR/docker" buildx create --name "$BUILDER" --driver remote "unix://$DIR/buildkitd.sock" >/dev/null
  cat >"$DIR/env" <<ENV
BUILDKIT_DOCKER_CONFIG=$DIR/docker
BUILDKIT_BUILDER=$BUILDER
ENV
  log "ready: $DIR/env"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
