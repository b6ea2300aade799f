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
#   scripts/kind/kind.sh up                         build (or reuse) both; idempotent
#   scripts/kind/kind.sh create NAME KUBECONFIG [CONFIG]
#                                                   a cluster whose nodes pull from the registry (by name, TLS,
#                                                   its password), as kind-e2e's image-source: registry makes
#                                                   one; CONFIG: a kind config to start from (extra nodes, ports);
#                                                   CoreDNS answers names outside the cluster and
#                                                   demo-actions.test itself (cluster/Corefile)
#   scripts/kind/kind.sh delete NAME
#   scripts/kind/kind.sh down                       delete the kind clusters the tests made (names dat-...)
#   scripts/kind/kind.sh down-all                   that, and the registry's container and kind's network
#                                                   when no other kind cluster is left
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
  # a folder here is Docker's doing (see the --mount below)
  [ -d "$INFRA/registry/edge.yml" ] && rm -rf "$INFRA/registry/edge.yml"
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
    # --mount, not -v: with -v, a bind source gone when the daemon restarts the container at its start (a
    # reboot empties /tmp) is made a folder in the file's place; with --mount the container stays stopped
    # and is made anew here
    local m=()
    for f in data:/var/lib/registry cert.pem:/etc/registry/cert.pem key.pem:/etc/registry/key.pem \
      htpasswd:/etc/registry/htpasswd edge.yml:/etc/registry/config.yml; do
      m+=(--mount "type=bind,src=$INFRA/registry/${f%%:*},dst=${f#*:},readonly")
    done
    docker run -d --name demo-actions-registry --restart unless-stopped --network kind --network-alias "$REGISTRY_NAME" \
      --label "demo-actions.edge=$want" "${m[@]}" "$image" serve /etc/registry/config.yml >/dev/null
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

env_of() { grep "^$1=" "$2" | cut -d= -f2-; }

create() {
  local name=$1 kubeconfig=$2 base=${3:-} kind registry host user password config node certs
  [ -f "$KIND_HOME/env" ] || die "run scripts/kind/kind.sh up first"
  kind=$(env_of KIND "$KIND_HOME/env")
  registry=$(env_of KIND_REGISTRY "$KIND_HOME/env")
  host=$(env_of REGISTRY "$INFRA/env")
  user=$(env_of REGISTRY_USER "$INFRA/env")
  password=$(env_of REGISTRY_PASSWORD "$INFRA/env")
  config=$(mktemp)
  {
    if [ -n "$base" ]; then grep -v '^containerdConfigPatches:' "$base"; else printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n'; fi
    cat <<YAML
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
    [plugins."io.containerd.grpc.v1.cri".registry.configs."$registry".auth]
      username = "$user"
      password = "$password"
YAML
  } >"$config"
  chmod 600 "$config"
  "$kind" create cluster --name "$name" --image "$(env_of KIND_NODE_IMAGE "$KIND_HOME/env")" --kubeconfig "$kubeconfig" \
    --config "$config" --wait 120s >"$KIND_HOME/create-$name.log" 2>&1 ||
    { rm -f "$config"; tail -20 "$KIND_HOME/create-$name.log" >&2; die "kind create cluster $name failed"; }
  rm -f "$config" "$KIND_HOME/create-$name.log"
  # CoreDNS: nothing forwarded off this machine (cluster/Corefile says why)
  "$(env_of KUBECTL "$INFRA/env")" --kubeconfig "$kubeconfig" -n kube-system create configmap coredns \
    --from-file=Corefile="$here/cluster/Corefile" --dry-run=client -o yaml |
    "$(env_of KUBECTL "$INFRA/env")" --kubeconfig "$kubeconfig" replace -f - >/dev/null
  "$(env_of KUBECTL "$INFRA/env")" --kubeconfig "$kubeconfig" -n kube-system rollout restart deployment coredns >/dev/null
  certs=/etc/containerd/certs.d/$host
  for node in $("$kind" get nodes --name "$name"); do
    docker exec "$node" mkdir -p "$certs"
    docker exec -i "$node" sh -c "cat > $certs/ca.crt" <"$INFRA/registry/cert.pem"
    # the registry's name inside the cluster, as a [host] table (containerd 1.6 ignores a hosts.toml
    # without one) and as the server (no fallback to 127.0.0.1, which is the node itself)
    printf 'server = "https://%s"\nca = "%s/ca.crt"\n[host."https://%s"]\n  capabilities = ["pull", "resolve"]\n  ca = "%s/ca.crt"\n' \
      "$registry" "$certs" "$registry" "$certs" | docker exec -i "$node" sh -c "cat > $certs/hosts.toml"
  done
}

delete() {
  local kind
  kind=$(env_of KIND "$KIND_HOME/env")
  "$kind" delete cluster --name "$1" --kubeconfig "$KIND_HOME/delete-$1.kubeconfig" >/dev/null 2>&1
  rm -f "$KIND_HOME/delete-$1.kubeconfig"
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

down_all() {
  down
  docker rm -f demo-actions-registry >/dev/null 2>&1 || true
  if [ -z "$(docker ps -aq --filter label=io.x-k8s.kind.cluster)" ]; then
    docker network rm kind >/dev/null 2>&1 || true
  fi
}

case "${1:-up}" in
  up) up ;;
  create) shift; create "$@" ;;
  delete) delete "$2" ;;
  down) down ;;
  down-all) down_all ;;
  *) die "usage: $0 [up|down]" ;;
esac
