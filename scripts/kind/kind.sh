#!/usr/bin/env bash
# Real kind for the tests and the local pipeline: the kind CLI v0.30.0 (the version kind-e2e installs)
# built from its Go module, and a Kubernetes v1.34.0 node image assembled here (node-image.sh), both
# cached by their pins. Writes $KIND_HOME/env for the tests:
#   KIND             the kind binary (its folder goes first on the tests' PATH)
#   KIND_NODE_IMAGE  the node image, for kind-e2e's node-image input and `kind create cluster --image`
#   KIND_REGISTRY    where the clusters reach scripts/infra.sh's registry: by name, over TLS, with its
#                    password (registry.demo-actions.test:PORT, a container on kind's network serving the
#                    registry's storage read-only: kind's documented local-registry pattern, with TLS)
# Needs scripts/infra.sh's Docker engine (privileged containers; the egress guard).
#   scripts/kind/kind.sh up      build (or reuse) both; idempotent
#   scripts/kind/kind.sh down    delete the kind clusters the tests made (names starting with dat-)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KIND_HOME=${DEMO_ACTIONS_KIND:-/tmp/demo-actions-kind}
log() { printf '[kind] %s\n' "$*" >&2; }
die() { printf '[kind] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
REGISTRY_NAME=registry.demo-actions.test

# kind's network, made as kind makes it when it is missing (kind uses one that exists)
network() {
  docker network inspect kind >/dev/null 2>&1 && return
  log "creating docker network kind"
  docker network create -d bridge -o com.docker.network.bridge.enable_ip_masquerade=true \
    -o com.docker.network.driver.mtu=1500 kind >/dev/null
}

# The registry as the clusters see it: Debian's docker-registry (the one infra.sh runs on loopback) in a
# container on kind's network, named $REGISTRY_NAME, serving the same storage read-only with the same
# certificate and password. Its image is the binary and its libraries, nothing pulled.
registry_edge() {
  local port image=demo-actions/registry-edge:$(dpkg-query -W -f '${Version}' docker-registry | tr '+~:' '---')
  port=$(grep '^REGISTRY=' "$INFRA/env" | cut -d: -f2)
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    local root
    root=$(mktemp -d)
    mkdir -p "$root/usr/bin" "$root/etc" "$root/tmp"
    cp /usr/bin/docker-registry "$root/usr/bin/"
    for lib in $(ldd /usr/bin/docker-registry | grep -o '/[^ :]*\.so[^ :]*' | sort -u); do
      mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
    done
    echo 'root:x:0:0:root:/:/sbin/nologin' >"$root/etc/passwd"
    tar -C "$root" -c . | docker import -c 'ENTRYPOINT ["/usr/bin/docker-registry"]' - "$image" >/dev/null
    rm -rf "$root"
  fi
  cat >"$INFRA/registry/edge.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: /var/lib/registry }
  maintenance: { uploadpurging: { enabled: false }, readonly: { enabled: true } }
http:
  addr: :$port
  tls: { certificate: /etc/registry/cert.pem, key: /etc/registry/key.pem }
auth:
  htpasswd: { realm: demo-actions, path: /etc/registry/htpasswd }
YML
  local want="$image $port $(sha256sum "$INFRA/registry/cert.pem" "$INFRA/registry/htpasswd" "$INFRA/registry/edge.yml" | cut -c1-12 | tr '\n' ' ')"
  if [ "$(docker inspect -f '{{.State.Running}} {{index .Config.Labels "demo-actions.edge"}}' demo-actions-registry 2>/dev/null)" != "true $want" ]; then
    docker rm -f demo-actions-registry >/dev/null 2>&1 || true
    log "starting $REGISTRY_NAME:$port on kind's network"
    docker run -d --name demo-actions-registry --restart unless-stopped --network kind --network-alias "$REGISTRY_NAME" \
      --label "demo-actions.edge=$want" \
      -v "$INFRA/registry/data:/var/lib/registry:ro" -v "$INFRA/registry/cert.pem:/etc/registry/cert.pem:ro" \
      -v "$INFRA/registry/key.pem:/etc/registry/key.pem:ro" -v "$INFRA/registry/htpasswd:/etc/registry/htpasswd:ro" \
      -v "$INFRA/registry/edge.yml:/etc/registry/config.yml:ro" "$image" serve /etc/registry/config.yml >/dev/null
  fi
  echo "$REGISTRY_NAME:$port"
}

up() {
  docker info >/dev/null 2>&1 || die "Docker is not running: run scripts/infra.sh up first"
  [ -f "$INFRA/env" ] || die "$INFRA/env is missing: run scripts/infra.sh up first"
  mkdir -p "$KIND_HOME"
  local bin image registry
  bin=$(bash "$here/../lab/build.sh" kind)
  image=$(bash "$here/node-image.sh")
  network
  registry=$(registry_edge)
  # kind's known issue: several nodes (and Argo CD's watches) exhaust the default 128 inotify instances
  if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 512 ]; then
    as_root sysctl -q -w fs.inotify.max_user_instances=512 || log "could not raise fs.inotify.max_user_instances to 512"
  fi
  cat >"$KIND_HOME/env.tmp" <<ENV
KIND=$bin/kind
KIND_NODE_IMAGE=$image
KIND_REGISTRY=$registry
ENV
  mv "$KIND_HOME/env.tmp" "$KIND_HOME/env"
  log "ready: $KIND_HOME/env (kind $("$bin/kind" version | awk '{print $2}'), node image $image)"
}

down() {
  local kind
  kind=$(bash "$here/../lab/build.sh" kind)/kind
  for c in $("$kind" get clusters 2>/dev/null | grep '^dat-' || true); do
    log "deleting cluster $c"
    "$kind" delete cluster --name "$c" --kubeconfig "$KIND_HOME/down.kubeconfig" >/dev/null 2>&1 || true
  done
  rm -f "$KIND_HOME/down.kubeconfig"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 [up|down]" ;;
esac
