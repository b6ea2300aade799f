#!/usr/bin/env bash
# A runner image for act's container mode, built here (nothing pulled), and printed: what act's medium
# images (catthehacker/ubuntu:act-*) hold that this project's jobs need, on Debian bookworm instead of
# Ubuntu: git, ssh, curl, jq, python3 with pytest, Flask and gunicorn (the example app's tests), the
# Docker CLI and buildx (the job talks to the host's engine through the socket act mounts), Node.js 24 as
# `node` on PATH (act runs every node action, node20 or node24, with the node it finds there) and Node.js 20
# beside it in act's tool cache layout; plus kind, kubectl and helm, which GitHub's hosted runners have and
# act's images do not (without them kind-e2e installs pinned releases, which needs the network). It trusts
# what this machine trusts (its CA bundle), so that a job's pip reaches the package registry as this
# machine does (the example's tests need a newer pytest-flask than Debian's).
# Cached in Docker's image store under a key of everything that goes into it.
#   scripts/act/runner-image.sh      the image name (built if missing; progress on stderr)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
KIND_HOME=${DEMO_ACTIONS_KIND:-/tmp/demo-actions-kind}
SUITE=bookworm
PACKAGES=git,openssh-client,curl,ca-certificates,jq,python3,python3-pip,python3-venv,python3-pytest,python3-flask,python3-pytest-flask,python3-psutil,python3-gunicorn,procps
log() { printf '[act] %s\n' "$*" >&2; }
die() { printf '[act] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
env_of() { grep "^$1=" "$2" | cut -d= -f2-; }
apt_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list*"
  echo "${uri%/}"
}

[ -f "$INFRA/env" ] || die "run scripts/infra.sh up first"
[ -f "$KIND_HOME/env" ] || die "run scripts/kind/kind.sh up first"
node24=$(env_of NODE24 "$INFRA/env")
node20=$(env_of NODE20 "$INFRA/env")
docker_cli=$(command -v docker)
buildx=/usr/libexec/docker/cli-plugins/docker-buildx
tools=("$(env_of KIND "$KIND_HOME/env")" "$(env_of KUBECTL "$INFRA/env")" "$(env_of HELM "$INFRA/env")")
cas=/etc/ssl/certs/ca-certificates.crt
key=$( (cat "$0"; echo "$SUITE $PACKAGES"; sha256sum "$node24" "$node20" "$docker_cli" "$cas" "${tools[@]}" $([ ! -x "$buildx" ] || echo "$buildx")) | sha256sum | cut -c1-12)
IMAGE=demo-actions/act-runner:$key
if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE"; exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/act-runner.XXXXXX")
trap 'as_root rm -rf "$work"' EXIT
started=$SECONDS
root=$work/rootfs
log "runner image: debootstrap $SUITE with git, ssh, python3 and pytest (about a minute and a half)"
as_root debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$(apt_mirror)" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
log "runner image: Node.js 24 and 20, the Docker CLI, kind, kubectl, helm ($((SECONDS - started)) s)"
v24=$("$node24" --version | tr -d v)
v20=$("$node20" --version | tr -d v)
as_root install -D -m 0755 "$node24" "$root/opt/hostedtoolcache/node/$v24/x64/bin/node"
as_root install -D -m 0755 "$node20" "$root/opt/hostedtoolcache/node/$v20/x64/bin/node"
as_root ln -sf "/opt/hostedtoolcache/node/$v24/x64/bin/node" "$root/usr/local/bin/node"
as_root install -m 0755 "$docker_cli" "$root/usr/local/bin/docker"
[ ! -x "$buildx" ] || as_root install -D -m 0755 "$buildx" "$root/usr/libexec/docker/cli-plugins/docker-buildx"
for t in "${tools[@]}"; do as_root install -m 0755 "$t" "$root/usr/local/bin/$(basename "$t")"; done
[ ! -f "$cas" ] || as_root install -m 0644 "$cas" "$root$cas"
as_root rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
as_root tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV RUNNER_TOOL_CACHE=/opt/hostedtoolcache" -c 'CMD ["/bin/bash"]' \
  -c 'LABEL org.opencontainers.image.description="the runner image of demo-actions for act"' - "$IMAGE" >/dev/null
docker image ls --format '{{.Repository}}:{{.Tag}}' demo-actions/act-runner | grep -vx "$IMAGE" | xargs -r docker rmi >/dev/null 2>&1 || true
log "runner image $IMAGE built in $((SECONDS - started)) s (node $(docker run --rm "$IMAGE" node --version))"
echo "$IMAGE"
