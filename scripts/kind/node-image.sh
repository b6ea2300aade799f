#!/usr/bin/env bash
# Builds (or reuses) a kind node image for Kubernetes v1.34.0 without pulling anything, and prints its
# name. What `kind build node-image` makes from kind's base image and Kubernetes' release builds, made
# here from what this machine's registries serve:
#   base   a debootstrapped Debian bookworm (trixie's systemd 257 refuses cgroup v1) with kind's package
#          list, Debian's containerd, runc and CNI plugins, and kind v0.30.0's own base files (entrypoint,
#          systemd units, /kind/bin, containerd config, crictl.yaml) from its module, with the cleanup
#          kind's base Dockerfile does; containerd's config gets restrict_oom_score_adj = true (a machine
#          that withholds CAP_SYS_RESOURCE fails every pod sandbox otherwise)
#   node   kubelet, kubeadm, kubectl (from k8s.io/kubernetes v1.34.0) and crictl built from their Go
#          modules (scripts/lab/build.sh), the pod network of node/ (a stand-in for kindnetd), and the
#          control-plane images kubeadm v1.34.0 expects, preloaded into containerd under their names:
#          kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, etcd 3.6.4, CoreDNS
#          v1.12.1, pause 3.10.1 (and 3.10, kind's sandbox image), each a static binary in an image of
#          its own (kube-proxy with iptables and conntrack from the base)
# Both are cached in Docker's image store under a tag keyed by everything that goes into them (this
# script, node/, the binaries' pinned modules), so a pin change builds anew and nothing else does. On a
# GitHub-hosted runner kind's own node image, pinned by digest in kind's source, is pulled instead.
#   scripts/kind/node-image.sh          the image name (built if missing; progress on stderr)
#   scripts/kind/node-image.sh --key    the tag it would have, without building
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/../lab
KIND_VERSION=v0.30.0
K8S_VERSION=v1.34.0
ETCD_TAG=3.6.4-0
COREDNS_TAG=v1.12.1
PAUSE_TAGS=(3.10.1 3.10)
SUITE=bookworm
PACKAGES=systemd,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,bash,ca-certificates,curl,jq,procps,containerd,runc,containernetworking-plugins
REPO=${DEMO_ACTIONS_KIND_NODE_REPO:-demo-actions/kind-node}
log() { printf '[kind] %s\n' "$*" >&2; }
die() { printf '[kind] error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The Debian mirror this machine's apt uses (as scripts/infra.sh finds it)
apt_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$uri" ] || die "cannot find a Debian mirror in /etc/apt/sources.list*"
  echo "${uri%/}"
}

# the binaries' folders: their paths carry the hash of their pinned modules (build.sh)
kind_src=$(cd "$lab/tools/kind" && go list -m -f '{{.Dir}}' sigs.k8s.io/kind)
base_key=$( (sed -n '/^# --- base/,/^# --- end base/p' "$0"; echo "$SUITE $PACKAGES $KIND_VERSION") | sha256sum | cut -c1-12)
BASE=$REPO:base-$SUITE-$base_key
bins() { bash "$lab/build.sh" kube etcd coredns crictl; }
if [ "${1:-}" = --key ]; then
  echo "$REPO:$K8S_VERSION-$( (cat "$0" "$here"/node/*; bins) | sha256sum | cut -c1-12)"
  exit 0
fi
# On a GitHub-hosted runner the node image kind's pinned release names by digest is pulled instead
# (scripts/lib/prebuilt.mjs decides; elsewhere, and when the pull fails, it is built as below)
choice=$(node "$here/../lib/prebuilt.mjs" kind-node "$kind_src" "$K8S_VERSION")
if [ "${choice%% *}" = pull ]; then
  ref=${choice#pull }
  if docker image inspect "$ref" >/dev/null 2>&1 ||
    { log "pulling $ref (kind's published node image)"; docker pull -q "$ref" >/dev/null; }; then
    echo "$ref"
    exit 0
  fi
  log "pulling $ref failed: building the node image from source instead"
fi
mapfile -t dirs < <(bins)
KUBE=${dirs[0]} ETCD=${dirs[1]} COREDNS=${dirs[2]} CRICTL=${dirs[3]}
NODE=$REPO:$K8S_VERSION-$( (cat "$0" "$here"/node/*; printf '%s\n' "${dirs[@]}") | sha256sum | cut -c1-12)
if docker image inspect "$NODE" >/dev/null 2>&1; then echo "$NODE"; exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kind-node-image.XXXXXX")
builder=''
cleanup() {
  [ -z "$builder" ] || docker rm -f "$builder" >/dev/null 2>&1 || true
  as_root rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS
step() { log "node image: $* ($((SECONDS - started)) s)"; }

# --- base: kind's base image, on Debian's packages
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  root=$work/rootfs
  step "debootstrap $SUITE with kind's packages (about a minute)"
  as_root debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$(apt_mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  step "kind $KIND_VERSION's base files"
  f=$kind_src/images/base/files
  as_root install -m 0755 "$f"/usr/local/bin/* "$root/usr/local/bin/"
  as_root mkdir -p "$root/kind/bin" "$root/LICENSES" "$root/etc/kubernetes/manifests" "$root/opt/cni"
  as_root install -m 0644 "$f"/kind/README.txt "$root/kind/"
  as_root install -m 0755 "$f"/kind/bin/* "$root/kind/bin/"
  as_root install -m 0644 "$f"/LICENSES/* "$root/LICENSES/"
  as_root install -m 0644 "$f"/etc/crictl.yaml "$root/etc/"
  as_root install -D -m 0644 -t "$root/etc/containerd" "$f"/etc/containerd/*
  as_root install -D -m 0644 -t "$root/etc/default" "$f"/etc/default/*
  as_root install -D -m 0644 -t "$root/etc/sysctl.d" "$f"/etc/sysctl.d/*
  as_root install -D -m 0644 -t "$root/etc/systemd/system" "$f"/etc/systemd/system/*.service "$f"/etc/systemd/system/*.slice
  as_root install -D -m 0644 -t "$root/etc/systemd/system/kubelet.service.d" "$f"/etc/systemd/system/kubelet.service.d/*
  # containerd may not lower any process's oom_score_adj where CAP_SYS_RESOURCE is withheld
  as_root sed -i 's/^\(\s*restrict_oom_score_adj\s*=\s*\)false/\1true/' "$root/etc/containerd/config.toml"
  grep -q 'restrict_oom_score_adj = true' "$root/etc/containerd/config.toml" || die "kind's containerd config changed: restrict_oom_score_adj not found"
  # Debian's paths for what kind's base builds itself: containerd in /usr/bin (kind's unit starts
  # /usr/local/bin/containerd), the CNI plugins in /usr/lib/cni (kubelet and containerd look in /opt/cni/bin)
  as_root ln -sf /usr/bin/containerd "$root/usr/local/bin/containerd"
  as_root ln -sfn /usr/lib/cni "$root/opt/cni/bin"
  # the cleanup kind's base Dockerfile does
  as_root sh -c "cd '$root' && find lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete;
    rm -f lib/systemd/system/multi-user.target.wants/* etc/systemd/system/*.wants/* lib/systemd/system/local-fs.target.wants/* \
      lib/systemd/system/sockets.target.wants/*udev* lib/systemd/system/sockets.target.wants/*initctl* lib/systemd/system/basic.target.wants/*;
    echo ReadKMsg=no >> etc/systemd/journald.conf; ln -sf /lib/systemd/systemd sbin/init;
    rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/*"
  as_root chroot "$root" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >/dev/null 2>&1 || true
  as_root chroot "$root" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  # containerd's default runtime spec, as kind's Dockerfile makes it (with the product-files hook)
  as_root chroot "$root" sh -c "ctr oci spec |
    jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}' |
    jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json"
  step "importing the base as $BASE"
  as_root tar -C "$root" -c . | docker import \
    -c 'ENV container=docker' -c 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "$BASE" >/dev/null
  as_root rm -rf "$root"
  # earlier bases are not used again
  docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep ":base-" | grep -vx "$BASE" | xargs -r docker rmi >/dev/null 2>&1 || true
fi
# --- end base

# --- the control-plane images: each a static binary (CGO_ENABLED=0), named as kubeadm expects them
step "control-plane images"
image() { # image NAME ENTRYPOINT-JSON FILE... (each FILE as SOURCE:DEST)
  local name=$1 entry=$2 dir; shift 2
  dir=$(mktemp -d "$work/img.XXXXXX")
  mkdir -p "$dir/tmp" "$dir/etc"
  echo 'root:x:0:0:root:/:/sbin/nologin' >"$dir/etc/passwd"
  local spec
  for spec in "$@"; do install -D -m 0755 "${spec%%:*}" "$dir/${spec#*:}"; done
  tar -C "$dir" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
    -c "ENTRYPOINT $entry" - "$name" >/dev/null
  images+=("$name")
}
images=()
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  image "registry.k8s.io/$c:$K8S_VERSION" "[\"/usr/local/bin/$c\"]" "$KUBE/$c:usr/local/bin/$c"
done
image "registry.k8s.io/etcd:$ETCD_TAG" '["/usr/local/bin/etcd"]' "$ETCD/server:usr/local/bin/etcd"
image "registry.k8s.io/coredns/coredns:$COREDNS_TAG" '["/coredns"]' "$COREDNS/coredns:coredns"
gcc -static -O2 -o "$work/pause" "$(cd "$lab/tools/kube" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
for t in "${PAUSE_TAGS[@]}"; do image "registry.k8s.io/pause:$t" '["/pause"]' "$work/pause:pause"; done
# kube-proxy runs iptables, ip6tables and conntrack: those of the base (Debian's), with the libraries
# and xtables modules they load, collected in a container of the base
docker run --rm -i --entrypoint bash "$BASE" -euc '
  k=/keep; mkdir -p $k/usr/sbin $k/etc $k/usr/lib/x86_64-linux-gnu $k/usr/local/bin $k/tmp
  cp -a /usr/sbin/*tables* /usr/sbin/conntrack $k/usr/sbin/
  cp -a /etc/alternatives $k/etc/
  for f in /etc/protocols /etc/services /etc/ethertypes /etc/nsswitch.conf; do [ ! -e $f ] || cp -a $f $k/etc/; done
  cp -a /usr/lib/x86_64-linux-gnu/xtables $k/usr/lib/x86_64-linux-gnu/
  for lib in $(ldd /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/conntrack \
      /usr/lib/x86_64-linux-gnu/xtables/*.so | grep -o "/[^ :]*\.so[^ :]*" | sort -u); do
    mkdir -p "$k$(dirname "$lib")" && cp -L "$lib" "$k$lib"
  done
  echo "root:x:0:0:root:/:/sbin/nologin" >$k/etc/passwd
  cat >$k/usr/local/bin/kube-proxy && chmod 0755 $k/usr/local/bin/kube-proxy
  tar -C $k -c .' <"$KUBE/kube-proxy" |
  docker import -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
    -c 'ENTRYPOINT ["/usr/local/bin/kube-proxy"]' - "registry.k8s.io/kube-proxy:$K8S_VERSION" >/dev/null
images+=("registry.k8s.io/kube-proxy:$K8S_VERSION")
docker run --rm --entrypoint /usr/sbin/iptables-nft "registry.k8s.io/kube-proxy:$K8S_VERSION" --version >/dev/null 2>&1 ||
  die "the kube-proxy image's iptables does not run (a library missing?)"

# --- the node: the base with the Kubernetes binaries, the pod network and the images in containerd
step "node: binaries, pod network, $((${#images[@]})) images into containerd"
builder=kind-node-build-$$
docker run -d --name "$builder" --privileged --entrypoint sleep "$BASE" infinity >/dev/null
for b in kubelet kubeadm kubectl; do docker cp "$KUBE/$b" "$builder:/usr/bin/$b"; done
docker cp "$CRICTL/crictl" "$builder:/usr/local/bin/crictl"
docker cp "$here/node/pod-network.sh" "$builder:/kind/bin/pod-network.sh"
docker cp "$here/node/pod-network.service" "$builder:/etc/systemd/system/pod-network.service"
docker exec "$builder" sh -euc "
  mkdir -p /kind/manifests /etc/cni/net.d
  echo $K8S_VERSION > /kind/version
  chmod 0755 /kind/bin/pod-network.sh /usr/bin/kubelet /usr/bin/kubeadm /usr/bin/kubectl /usr/local/bin/crictl
  systemctl enable pod-network.service >/dev/null 2>&1
  kubeadm version -o short | grep -qx $K8S_VERSION"
docker cp "$here/node/default-cni.yaml" "$builder:/kind/manifests/default-cni.yaml"
# kubeadm's list must be what is preloaded (a Kubernetes pin change without the image tags fails here)
want=$(docker exec "$builder" kubeadm config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null | sort)
have=$(printf '%s\n' "${images[@]}" | sort)
missing=$(comm -23 <(echo "$want") <(echo "$have"))
[ -z "$missing" ] || die "kubeadm $K8S_VERSION expects images this script does not make: $missing"
docker exec -d "$builder" sh -c 'containerd >/var/log/containerd-build.log 2>&1'
for _ in $(seq 100); do docker exec "$builder" ctr version >/dev/null 2>&1 && break; sleep 0.2; done
docker save "${images[@]}" | docker exec -i "$builder" ctr -n k8s.io images import \
  --label io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - >/dev/null ||
  die "importing the control-plane images into the node's containerd failed"
docker exec "$builder" sh -c 'pkill containerd; while pgrep -x containerd >/dev/null; do sleep 0.1; done; rm -f /var/log/containerd-build.log'
step "committing $NODE"
docker commit -c 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' -c 'CMD []' -c 'ENV container=docker' \
  -c "LABEL io.x-k8s.kind.version=$KIND_VERSION io.k8s.version=$K8S_VERSION" "$builder" "$NODE-commit" >/dev/null
# (docker import and commit take no STOPSIGNAL: systemd stops on SIGRTMIN+3, as kind's base sets it)
printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\n' "$NODE-commit" | DOCKER_BUILDKIT=0 docker build -q -t "$NODE" - >/dev/null 2>&1
docker rmi "$NODE-commit" >/dev/null
# the control-plane images are in the node now; earlier node images are not used again
docker rmi "${images[@]}" >/dev/null 2>&1 || true
docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -v ":base-" | grep -vx "$NODE" | xargs -r docker rmi >/dev/null 2>&1 || true
log "node image $NODE built in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$NODE" | awk '{printf "%.2f GB", $1/1e9}'))"
echo "$NODE"
