#!/usr/bin/env bash
# The images the seed's cluster runs besides the app, built here (nothing is pulled), under the names the
# pinned Argo CD release's install.yaml gives them, and printed as NAME=IMAGE lines:
#   ARGOCD_IMAGE  quay.io/argoproj/argocd:v3.2.11, as Argo CD's own Dockerfile makes it: a Debian base with
#                 git, openssh-client, gpg (with gpg-agent, which Ubuntu's apt brings as a recommendation), tini and tzdata, the argocd user (999), Argo CD's entrypoint.sh
#                 and gpg/git wrappers from its module, helm, /app/config, and the argocd binary (built by
#                 scripts/lab/build.sh from the same module) under every component's name. Left out: git-lfs
#                 and connect-proxy (nothing here needs them), kustomize (the example is a Helm chart), and
#                 the web UI's assets (built with yarn and webpack in Argo CD's Dockerfile): the API, which
#                 gitops-bump and the argocd CLI use, is all there; the UI's page is empty
#   REDIS_IMAGE   the redis image install.yaml names, holding Debian's redis-server
#   GIT_IMAGE     the SSH git host as the cluster reaches it (sshd and git): scripts/seed/seed.sh runs it
# All three are one debootstrapped bookworm, cached in Docker's image store under a key of everything that
# goes into them (this script, the argocd binary's pinned module, helm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/../lab
INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
SUITE=bookworm
PACKAGES=git,openssh-client,openssh-server,gpg,gpg-agent,tini,tzdata,redis-server,ca-certificates
log() { printf '[seed] %s\n' "$*" >&2; }
die() { printf '[seed] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list*"
  echo "${uri%/}"
}

argocd_bin=$(bash "$lab/build.sh" argocd)/cmd
src=$(cd "$lab/tools/argocd" && go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)
install=$src/manifests/install.yaml
ARGOCD_IMAGE=$(grep -o 'quay.io/argoproj/argocd:[^ "]*' "$install" | head -1)
REDIS_IMAGE=$(grep -o 'public.ecr.aws/docker/library/redis:[^ "]*' "$install" | head -1)
helm=$(grep '^HELM=' "$INFRA/env" | cut -d= -f2)
key=$( (cat "$0"; echo "$argocd_bin" "$ARGOCD_IMAGE" "$REDIS_IMAGE" "$SUITE $PACKAGES"; sha256sum "$helm") | sha256sum | cut -c1-12)
GIT_IMAGE=demo-actions/git-host:$key
emit() { printf 'ARGOCD_IMAGE=%s\nREDIS_IMAGE=%s\nGIT_IMAGE=%s\n' "$ARGOCD_IMAGE" "$REDIS_IMAGE" "$GIT_IMAGE"; }
# one build at a time: npm test's setup builds these ahead of the seed, whose seed.sh asks for them too
exec {lock}>"$INFRA/seed-images.lock"
flock "$lock"
if [ "$(docker image inspect -f '{{index .Config.Labels "demo-actions.key"}}' "$ARGOCD_IMAGE" 2>/dev/null)" = "$key" ] &&
  docker image inspect "$REDIS_IMAGE" "$GIT_IMAGE" >/dev/null 2>&1; then
  emit
  exit 0
fi

# On a GitHub-hosted runner an image its pinned source names by digest is pulled instead of built
# (scripts/lib/prebuilt.mjs); Argo CD's install.yaml names its image by tag only, so it is built there too
choice=$(node "$here/../lib/prebuilt.mjs" argocd "$src")
[ "${GITHUB_ACTIONS:-}" != true ] || log "Argo CD's images: ${choice}"
work=$(mktemp -d "${TMPDIR:-/tmp}/seed-images.XXXXXX")
trap 'as_root rm -rf "$work"' EXIT
started=$SECONDS
step() { log "Argo CD's images: $* ($((SECONDS - started)) s)"; }
root=$work/rootfs
step "debootstrap $SUITE with git, ssh, gpg, tini, redis (about a minute and a half)"
as_root debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$(apt_mirror)" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
step "Argo CD's Dockerfile: the argocd user, its scripts, helm, /app/config, the binary"
as_root chroot "$root" sh -euc '
  groupadd -g 999 argocd
  useradd -r -u 999 -g argocd argocd
  mkdir -p /home/argocd && chown argocd:0 /home/argocd && chmod g=u /home/argocd
  mkdir -p /app/config/ssh /app/config/tls /app/config/gpg/source /app/config/gpg/keys
  touch /app/config/ssh/ssh_known_hosts && ln -sf /app/config/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts
  chown argocd /app/config/gpg/keys && chmod 0700 /app/config/gpg/keys
  rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /tmp/* /var/tmp/*'
as_root install -m 0755 "$src/hack/gpg-wrapper.sh" "$src/hack/git-verify-wrapper.sh" "$src/entrypoint.sh" "$root/usr/local/bin/"
as_root ln -sf /usr/local/bin/entrypoint.sh "$root/usr/local/bin/uid_entrypoint.sh"
as_root install -m 0755 "$helm" "$root/usr/local/bin/helm"
as_root install -m 0755 "$argocd_bin" "$root/usr/local/bin/argocd"
for n in argocd-server argocd-repo-server argocd-cmp-server argocd-application-controller argocd-dex \
  argocd-notifications argocd-applicationset-controller argocd-k8s-auth argocd-commit-server; do
  as_root ln -sf /usr/local/bin/argocd "$root/usr/local/bin/$n"
done
step "importing"
base=demo-actions/seed-base:$key
as_root tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$base" >/dev/null
as_root rm -rf "$root"
build() { # build NAME DOCKERFILE-LINES...: an image of config only on top of the base
  printf 'FROM %s\n' "$base" >"$work/Dockerfile"
  printf '%s\n' "${@:2}" >>"$work/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$1" -f "$work/Dockerfile" "$work" >/dev/null 2>&1 || die "building $1 failed"
}
build "$ARGOCD_IMAGE" 'ENV USER=argocd' 'USER 999' 'WORKDIR /home/argocd' 'ENTRYPOINT ["/usr/bin/tini", "--"]' \
  "LABEL demo-actions.key=$key org.opencontainers.image.source=https://github.com/argoproj/argo-cd"
build "$REDIS_IMAGE" 'USER 999' 'ENTRYPOINT ["redis-server"]' "LABEL demo-actions.key=$key"
build "$GIT_IMAGE" 'RUN mkdir -p /run/sshd' 'ENTRYPOINT ["/usr/sbin/sshd", "-D", "-e"]' "LABEL demo-actions.key=$key"
docker rmi "$base" >/dev/null 2>&1 || true
docker image ls --format '{{.Repository}}:{{.Tag}}' demo-actions/git-host | grep -vx "$GIT_IMAGE" | xargs -r docker rmi >/dev/null 2>&1 || true
step "built: $ARGOCD_IMAGE, $REDIS_IMAGE, $GIT_IMAGE"
emit
