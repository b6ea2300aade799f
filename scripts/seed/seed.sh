#!/usr/bin/env bash
# The seed's system (../shared/seed-architecture.md), locally: the kind cluster "demo-actions" standing for
# the seed's "Kubernetes Cluster (kind cluster)", Argo CD installed in it the way its users install it (the
# pinned release's install.yaml through kustomize, its images built by images.sh), the GitOps repository on
# the SSH git host (seeded once from example/gitops, the image repository pointed at the local registry
# that stands in for GHCR) registered with a deploy key and known hosts, and the seed's
# argocd-application.yaml applied with only its repoURL pointed at the git host. The cluster reaches the
# registry and the git host by name: registry.demo-actions.test (TLS, password in containerd's registry
# config) and git.demo-actions.test (SSH, a container of images.sh's git host image on kind's network,
# serving the same repositories with the same host key). Kept between runs; writes $SEED/env.
#   scripts/seed/seed.sh up      bring up what is missing (idempotent); the first time takes minutes
#   scripts/seed/seed.sh down    delete the cluster and the git host's container, forget $SEED
#   scripts/seed/seed.sh idle-sleep on|off, hold PID, release PID
#                                the test run's: the clusters sleep while no test holds them (below)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
KIND_HOME=${DEMO_ACTIONS_KIND:-/tmp/demo-actions-kind}
SEED=${DEMO_ACTIONS_SEED:-/tmp/demo-actions-seed}
CLUSTER=demo-actions
APP_PORT=${DEMO_ACTIONS_APP_PORT:-18090}
# production: a second kind cluster, managed by the seed cluster's Argo CD (a cluster Secret, as
# `argocd cluster add` makes it), where the GitOps repository's production values are deployed
PROD_CLUSTER=demo-actions-prod
PROD_APP_PORT=${DEMO_ACTIONS_PROD_APP_PORT:-18091}
# the two clusters' node containers (kind names a cluster's only node <cluster>-control-plane)
NODES=("$CLUSTER-control-plane" "$PROD_CLUSTER-control-plane")
ARGOCD_PORT=${DEMO_ACTIONS_ARGOCD_PORT:-18443}
GIT_NAME=git.demo-actions.test
GITOPS=demo_gitops
# the example's values name GHCR; the local GitOps repository names the registry that stands in for it
GHCR_REPOSITORY=ghcr.io/banicr/demo-flask-app
SEED_TAG=v1.0.0-0000000-0
log() { printf '[seed] %s\n' "$*" >&2; }
die() { printf '[seed] error: %s\n' "$*" >&2; exit 1; }
env_of() { grep "^$1=" "$2" | cut -d= -f2-; }
k() { "$KUBECTL" --kubeconfig "$SEED/kubeconfig" "$@"; }

load_env() {
  [ -f "$INFRA/env" ] || die "run scripts/infra.sh up first"
  [ -f "$KIND_HOME/env" ] || die "run scripts/kind/kind.sh up first"
  KUBECTL=$(env_of KUBECTL "$INFRA/env")
  KIND=$(env_of KIND "$KIND_HOME/env")
  REGISTRY=$(env_of REGISTRY "$INFRA/env")
  SSH_PORT=$(env_of SSH_PORT "$INFRA/env")
  REPOSITORY=$REGISTRY/banicr/demo-flask-app
  BARE=$INFRA/git/$GITOPS.git
}

# The SSH git host as the cluster sees it: the infra's repositories, host key and deploy key.
git_host() {
  local image=$1 want
  mkdir -p "$SEED"
  # a folder here is Docker's doing: `-v` (this script's before) makes a missing bind source a folder when
  # the daemon restarts the container at its start, e.g. after a reboot emptied /tmp
  [ -d "$SEED/sshd_config" ] && rm -rf "$SEED/sshd_config"
  cat >"$SEED/sshd_config" <<CFG
Port 22
HostKey /etc/demo-actions/host_ed25519
AuthorizedKeysFile /etc/demo-actions/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
CFG
  want="$image $(sha256sum "$SEED/sshd_config" "$INFRA/ssh/authorized_keys" | cut -c1-12 | tr '\n' ' ')"
  [ "$(docker inspect -f '{{.State.Running}} {{index .Config.Labels "demo-actions.edge"}}' demo-actions-git 2>/dev/null)" = "true $want" ] && return
  docker rm -f demo-actions-git >/dev/null 2>&1 || true
  log "starting $GIT_NAME (the SSH git host) on kind's network"
  # --mount, not -v: a bind source gone when the daemon restarts the container (a reboot empties /tmp)
  # leaves it stopped, and the next `up` makes it anew, instead of a folder made in the file's place
  docker run -d --name demo-actions-git --restart unless-stopped --network kind --network-alias "$GIT_NAME" \
    --label "demo-actions.edge=$want" --mount "type=bind,src=$INFRA/git,dst=$INFRA/git,readonly" \
    --mount "type=bind,src=$INFRA/ssh/host_ed25519,dst=/etc/demo-actions/host_ed25519,readonly" \
    --mount "type=bind,src=$INFRA/ssh/authorized_keys,dst=/etc/demo-actions/authorized_keys,readonly" \
    --mount "type=bind,src=$SEED/sshd_config,dst=/etc/demo-actions/sshd_config,readonly" \
    "$image" -f /etc/demo-actions/sshd_config >/dev/null
}

kp() { "$KUBECTL" --kubeconfig "$SEED/prod.kubeconfig" "$@"; }
healthy() { "$KUBECTL" --kubeconfig "$1" get --raw /readyz >/dev/null 2>&1; }

# A kind cluster of the system (kept between runs, started again or made anew when it does not answer),
# with the app's public Service (and more) on loopback ports: kind_cluster NAME KUBECONFIG PORT-MAPPINGS
kind_cluster() {
  local name=$1 kubeconfig=$2 ports=$3
  # (grep reads the whole list: with -q it may stop at the first line and kind, writing the next, fails
  # on the closed pipe, which pipefail reads as "no such cluster")
  if "$KIND" get clusters 2>/dev/null | grep -x "$name" >/dev/null; then
    wake_node "$name-control-plane"
    healthy "$kubeconfig" && return 0
    log "cluster $name does not answer: starting its node again"
    docker start "$name-control-plane" >/dev/null 2>&1 || true
    for _ in $(seq 60); do healthy "$kubeconfig" && return 0; sleep 1; done
    log "cluster $name is not usable: making it anew"
    bash "$here/../kind/kind.sh" delete "$name"
  fi
  log "creating the kind cluster $name"
  printf 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n    extraPortMappings:\n%s\n' "$ports" >"$SEED/kind-$name.yaml"
  bash "$here/../kind/kind.sh" create "$name" "$kubeconfig" "$SEED/kind-$name.yaml"
  return 1
}

# The seed's cluster, with the app's public Service and Argo CD's API on loopback ports (extraPortMappings).
cluster() {
  kind_cluster "$CLUSTER" "$SEED/kubeconfig" "      - { containerPort: 30080, hostPort: $APP_PORT, listenAddress: 127.0.0.1 }
      - { containerPort: 30443, hostPort: $ARGOCD_PORT, listenAddress: 127.0.0.1 }" || rm -f "$SEED/argocd-token"
}

# Production: its own cluster, registered in the seed's Argo CD as `argocd cluster add` registers one — a
# ServiceAccount argocd-manager with cluster-admin in the managed cluster, and in Argo CD's namespace a
# cluster Secret with its bearer token and the cluster's CA. Argo CD reaches the API server at the node's
# address on kind's network (kubeadm's certificate names it).
prod_cluster() {
  kind_cluster "$PROD_CLUSTER" "$SEED/prod.kubeconfig" "      - { containerPort: 30080, hostPort: $PROD_APP_PORT, listenAddress: 127.0.0.1 }"
}
prod() {
  prod_cluster || true
  kp apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: { name: argocd-manager, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: argocd-manager-role }
rules:
  - { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }
  - { nonResourceURLs: ['*'], verbs: ['*'] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: argocd-manager-role-binding }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: argocd-manager-role }
subjects: [{ kind: ServiceAccount, name: argocd-manager, namespace: kube-system }]
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: argocd-manager-long-lived-token
  namespace: kube-system
  annotations: { kubernetes.io/service-account.name: argocd-manager }
YAML
  local token="" ip ca
  for _ in $(seq 60); do
    token=$(kp -n kube-system get secret argocd-manager-long-lived-token -o 'jsonpath={.data.token}' 2>/dev/null | base64 -d)
    [ -n "$token" ] && break
    sleep 0.5
  done
  [ -n "$token" ] || die "the production cluster did not issue argocd-manager's token"
  ip=$(docker inspect -f '{{with index .NetworkSettings.Networks "kind"}}{{.IPAddress}}{{end}}' "$PROD_CLUSTER-control-plane")
  ca=$(kp config view --raw --minify -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}')
  (umask 077; cat >"$SEED/prod-cluster.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: cluster-$PROD_CLUSTER
  namespace: argocd
  labels: { argocd.argoproj.io/secret-type: cluster }
stringData:
  name: production
  server: https://$ip:6443
  config: '{"bearerToken": "$token", "tlsClientConfig": {"insecure": false, "caData": "$ca"}}'
YAML
  )
  PROD_SERVER=https://$ip:6443
}

# A CA of the seed's own, and argocd-server's certificate (gitops-bump gives the CA as argocd-ca)
pki() {
  local d=$SEED/pki
  [ -f "$d/argocd-server.crt" ] && return
  mkdir -p "$d" && chmod 700 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=demo-actions-seed-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=argocd-server -keyout "$d/argocd-server.key" -out "$d/argocd-server.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:argocd-server,DNS:argocd-server.argocd.svc\n' >"$d/ext"
  openssl x509 -req -in "$d/argocd-server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
    -extfile "$d/ext" -out "$d/argocd-server.crt" 2>/dev/null
  chmod 600 "$d"/*.key
}

# Argo CD: install.yaml of the pinned module, through kustomize, and this system's configuration
argocd() {
  local src dir=$SEED/argocd known
  src=$(cd "$here/../lab/tools/argocd" && go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)
  mkdir -p "$dir"
  install -m 0644 "$src/manifests/install.yaml" "$dir/install.yaml"
  install -m 0644 "$here/argocd/kustomization.yaml" "$dir/kustomization.yaml"
  known="$GIT_NAME $(cut -d' ' -f1,2 "$INFRA/ssh/host_ed25519.pub")"
  (umask 077; cat >"$dir/local.yaml" <<YAML
# this system's part: the API's certificate and the deploy key of the git host
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: argocd-server-tls, labels: { app.kubernetes.io/part-of: argocd } }
data:
  tls.crt: $(base64 -w0 "$SEED/pki/argocd-server.crt")
  tls.key: $(base64 -w0 "$SEED/pki/argocd-server.key")
---
# the GitOps repository, registered with the deploy key (as argocd repo add does) ...
apiVersion: v1
kind: Secret
metadata: { name: repo-demo-gitops, labels: { argocd.argoproj.io/secret-type: repository } }
stringData:
  type: git
  url: ssh://root@$GIT_NAME$BARE
  sshPrivateKey: |
$(sed 's/^/    /' "$INFRA/ssh/deploy_ed25519")
---
# ... and a credential template for the host's other repositories (the tests make many)
apiVersion: v1
kind: Secret
metadata: { name: creds-$GIT_NAME, labels: { argocd.argoproj.io/secret-type: repo-creds } }
stringData:
  type: git
  url: ssh://root@$GIT_NAME/
  sshPrivateKey: |
$(sed 's/^/    /' "$INFRA/ssh/deploy_ed25519")
YAML
  )
  cat >"$dir/known-hosts.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: { name: argocd-ssh-known-hosts-cm }
data:
  ssh_known_hosts: |
    $known
YAML
  k -n argocd get deployment argocd-server >/dev/null 2>&1 || log "installing Argo CD (install.yaml of $(basename "$src"), dex left out)"
  # as Argo CD's getting started does: the namespace first (install.yaml has none), then the manifests
  k create namespace argocd --dry-run=client -o yaml | k apply -f - >/dev/null
  k apply -k "$dir" --server-side --force-conflicts >"$SEED/argocd-apply.log" 2>&1 ||
    { tail -20 "$SEED/argocd-apply.log" >&2; die "installing Argo CD failed"; }
  for w in deployment/argocd-redis deployment/argocd-repo-server deployment/argocd-server \
    deployment/argocd-applicationset-controller deployment/argocd-notifications-controller \
    statefulset/argocd-application-controller; do
    k -n argocd rollout status "$w" --timeout=300s >/dev/null || {
      k -n argocd get pods >&2
      die "Argo CD's $w did not become ready"
    }
  done
}

api() { # api METHOD PATH [JSON] [TOKEN]: Argo CD's API through its NodePort
  curl -sf --cacert "$SEED/pki/ca.crt" -X "$1" -H 'content-type: application/json' \
    ${4:+-H "authorization: Bearer $4"} ${3:+-d "$3"} "https://127.0.0.1:$ARGOCD_PORT$2"
}

# The admin's password (Argo CD's initial one) and the API tokens gitops-bump uses
tokens() {
  local password session
  for _ in $(seq 60); do api GET /healthz >/dev/null && break; sleep 1; done
  (umask 077; k -n argocd get secret argocd-initial-admin-secret -o 'jsonpath={.data.password}' | base64 -d >"$SEED/admin-password")
  [ -s "$SEED/admin-password" ] || die "Argo CD's initial admin password is missing"
  if [ -s "$SEED/argocd-token" ] && api GET /api/v1/session/userinfo '' "$(cat "$SEED/argocd-token")" | grep -q '"loggedIn":true'; then return; fi
  password=$(cat "$SEED/admin-password")
  session=$(api POST /api/v1/session "{\"username\":\"admin\",\"password\":\"$password\"}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))') ||
    die "logging in to Argo CD as admin failed"
  for account in ci ci-sync; do
    (umask 077; api POST "/api/v1/account/$account/token" "{\"id\":\"seed-$(date +%s%N)\"}" "$session" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).token))' >"$SEED/$account.token.tmp") ||
      die "making the $account account's API token failed"
    mv "$SEED/$account.token.tmp" "$SEED/$([ $account = ci ] && echo argocd-token || echo argocd-sync-token)"
  done
}

# The GitOps repository, seeded once from example/gitops, and the app's first release in the registry
gitops() {
  if [ ! -d "$BARE" ]; then
    log "seeding the GitOps repository $BARE from example/gitops"
    local seed
    seed=$(mktemp -d)
    cp -r "$here/../../example/gitops/." "$seed/"
    sed -i "s#repository: $GHCR_REPOSITORY#repository: $REPOSITORY#" "$seed/helm/demo-flask-app/values.yaml" "$seed/helm/demo-flask-app/values-production.yaml"
    (
      cd "$seed"
      export GIT_AUTHOR_NAME=seed GIT_AUTHOR_EMAIL=seed@localhost GIT_COMMITTER_NAME=seed GIT_COMMITTER_EMAIL=seed@localhost
      git init -q --bare -b main "$BARE"
      git -C "$BARE" config receive.denyNonFastForwards true
      git init -q -b main . && git add -A && git commit -qm "Seed from example/gitops" && git push -q "$BARE" main
    )
    rm -rf "$seed"
  fi
  production_values
  if ! registry_has "$SEED_TAG"; then
    log "building the app's first release, $REPOSITORY:$SEED_TAG"
    local cfg
    cfg=$(mktemp -d)
    docker build -q --build-arg "BASE_IMAGE=$(env_of PYTHON_IMAGE "$INFRA/env")" --build-arg "APP_VERSION=$SEED_TAG" \
      -t "$REPOSITORY:$SEED_TAG" "$here/../../example/demo-app" >/dev/null
    env_of REGISTRY_PASSWORD "$INFRA/env" | docker --config "$cfg" login -u "$(env_of REGISTRY_USER "$INFRA/env")" --password-stdin "$REGISTRY" >/dev/null 2>&1
    docker --config "$cfg" push -q "$REPOSITORY:$SEED_TAG" >/dev/null
    rm -rf "$cfg"
  fi
}

# A GitOps repository seeded before production existed gets the production values file (once)
production_values() {
  git --git-dir "$BARE" cat-file -e main:helm/demo-flask-app/values-production.yaml 2>/dev/null && return
  log "adding the production values to the GitOps repository"
  local work
  work=$(mktemp -d)
  (
    export GIT_AUTHOR_NAME=seed GIT_AUTHOR_EMAIL=seed@localhost GIT_COMMITTER_NAME=seed GIT_COMMITTER_EMAIL=seed@localhost
    git clone -q "$BARE" "$work"
    sed "s#repository: $GHCR_REPOSITORY#repository: $REPOSITORY#" "$here/../../example/gitops/helm/demo-flask-app/values-production.yaml" \
      >"$work/helm/demo-flask-app/values-production.yaml"
    cd "$work" && git add -A && git commit -qm "Production: its own values" && git push -q origin main
  )
  rm -rf "$work"
}

registry_has() {
  curl -sf -o /dev/null --cacert "$(env_of REGISTRY_CA "$INFRA/env")" -u "$(env_of REGISTRY_USER "$INFRA/env"):$(env_of REGISTRY_PASSWORD "$INFRA/env")" \
    -H 'accept: application/vnd.docker.distribution.manifest.v2+json' "https://$REGISTRY/v2/banicr/demo-flask-app/manifests/$1"
}

# The app's public Service in a cluster: a NodePort on 127.0.0.1:<port> (kind's extraPortMappings), as a
# load balancer or an ingress would expose it. public_service KUBECTL-FUNCTION
public_service() {
  "$1" create namespace demo-app --dry-run=client -o yaml | "$1" apply -f - >/dev/null
  "$1" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: demo-flask-app-public
  namespace: demo-app
  labels: { app.kubernetes.io/part-of: demo-actions-seed }
spec:
  type: NodePort
  selector: { app.kubernetes.io/name: demo-flask-app, app.kubernetes.io/instance: demo-flask-app }
  ports: [{ name: http, port: 80, targetPort: http, nodePort: 30080 }]
YAML
}

# The seed's application (its repoURL pointed at the git host) and production's (the production values,
# deployed to the production cluster), and the app's public Service in each cluster
application() {
  k apply -f "$SEED/prod-cluster.yaml" >/dev/null
  sed "s#repoURL: .*#repoURL: ssh://root@$GIT_NAME$BARE#" "$here/../../example/gitops/argocd-application.yaml" | k apply -f - >/dev/null
  sed -e "s#repoURL: .*#repoURL: ssh://root@$GIT_NAME$BARE#" -e "s#server: .*#server: $PROD_SERVER#" \
    "$here/../../example/gitops/argocd-application-production.yaml" | k apply -f - >/dev/null
  public_service k
  public_service kp
}

# Ready means the app answers in both clusters (Argo CD's first sync of a new cluster's application done):
# a rollout measured afterwards starts from a running release. serving PORT CLUSTER
serving() {
  local deadline=$((SECONDS + 300))
  until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz"; do
    [ $SECONDS -lt $deadline ] || die "the app in cluster $2 did not answer on 127.0.0.1:$1/healthz within 300 s (Argo CD's application there: kubectl -n argocd get applications)"
    sleep 1
  done
}

write_env() {
  (umask 077; cat >"$SEED/env.tmp" <<ENV
KUBECONFIG=$SEED/kubeconfig
CLUSTER=$CLUSTER
ARGOCD_SERVER=https://127.0.0.1:$ARGOCD_PORT
ARGOCD_CA=$SEED/pki/ca.crt
ARGOCD_TOKEN_FILE=$SEED/argocd-token
ARGOCD_SYNC_TOKEN_FILE=$SEED/argocd-sync-token
ARGOCD_ADMIN_PASSWORD_FILE=$SEED/admin-password
ARGOCD_APPLICATION=demo-flask-app
APP_URL=http://127.0.0.1:$APP_PORT
PROD_KUBECONFIG=$SEED/prod.kubeconfig
PROD_CLUSTER=$PROD_CLUSTER
PROD_ARGOCD_APPLICATION=demo-flask-app-production
PROD_APP_URL=http://127.0.0.1:$PROD_APP_PORT
PROD_SERVER=$PROD_SERVER
GITOPS_BARE=$BARE
GITOPS_URL=ssh://$(id -un)@127.0.0.1:$SSH_PORT$BARE
GITOPS_URL_IN_CLUSTER=ssh://root@$GIT_NAME$BARE
REPOSITORY=$REPOSITORY
GIT_IN_CLUSTER=$GIT_NAME
ENV
  )
  mv "$SEED/env.tmp" "$SEED/env"
}

up() {
  load_env
  mkdir -p "$SEED" && chmod 700 "$SEED"
  # up wakes the clusters (kind_cluster), and they stay awake: a test run stopped half-way may have left
  # them asleep
  rm -f "$SEED/idle-sleep"
  local images argocd_image redis_image git_image
  images=$(bash "$here/images.sh")
  argocd_image=$(echo "$images" | env_of ARGOCD_IMAGE /dev/stdin)
  redis_image=$(echo "$images" | env_of REDIS_IMAGE /dev/stdin)
  git_image=$(echo "$images" | env_of GIT_IMAGE /dev/stdin)
  git_host "$git_image"
  # the two clusters are made at once (kind names its nodes and networks apart); prod then finds its own up
  prod_cluster &
  local making=$! loading
  cluster
  # the images Argo CD runs are in the node's containerd (nothing is pulled; kind skips what is there),
  # loaded while production is still being made and registered (the load takes about 20 s)
  "$KIND" load docker-image "$argocd_image" "$redis_image" --name "$CLUSTER" >"$SEED/load.log" 2>&1 &
  loading=$!
  wait "$making" || true
  prod
  wait "$loading" || { cat "$SEED/load.log" >&2; die "kind load of Argo CD's images failed"; }
  pki
  # (every time: 3 s, and the git host's known hosts and deploy key reach Argo CD when they change)
  argocd
  tokens
  gitops
  application
  serving "$APP_PORT" "$CLUSTER"
  serving "$PROD_APP_PORT" "$PROD_CLUSTER"
  write_env
  log "ready: $SEED/env"
}

down() {
  local node
  load_env
  rm -rf "$SEED/holders" "$SEED/idle-sleep"
  for node in "${NODES[@]}"; do wake_node "$node"; done
  log "deleting the clusters $CLUSTER and $PROD_CLUSTER and the git host's container"
  bash "$here/../kind/kind.sh" delete "$CLUSTER" || true
  bash "$here/../kind/kind.sh" delete "$PROD_CLUSTER" || true
  docker rm -f demo-actions-git >/dev/null 2>&1 || true
  rm -rf "$SEED"
}

# One seed.sh at a time (two benchmarks started together, a pipeline beside the tests' setup): a second
# waits for the first, then finds its work done
one_at_a_time() {
  exec 8>"$SEED.lock"
  flock -n 8 && return
  # (a hold or release waits without a word: another file's hold is waking the clusters)
  [ "${1:-}" = quiet ] && { flock -w 900 8 && return; die "another seed.sh held $SEED.lock for 15 minutes"; }
  log "another seed.sh is at work on $SEED: waiting for it"
  flock -w 900 8 || die "another seed.sh held $SEED.lock for 15 minutes"
}

# Sleep between uses, for the test run. Idle, the two clusters take about a quarter of a core (kubelet,
# API server, etcd, controllers; measured with Argo CD in one), which the test files that never touch them
# are short of on 2 cores. So during the run (idle-sleep on) they are frozen with `docker pause` (the
# cgroup freezer: every process of the node, the pods' included) while no test file holds them. A file
# that uses them holds them from its first test to its last (hold and release, by its process's pid; the
# holders of dead processes do not count). Waking takes about 15 s: after a pause longer than its grace
# period (40 s), the node controller, thawed with the rest, marks the node unknown and its pods not ready
# (the apps and Argo CD stop answering for seconds), until the kubelet reports again. A hold returns once
# both nodes are Ready, Argo CD's pods too, and Argo CD and the apps have answered 3 s in a row.
paused() { [ "$(docker inspect -f '{{.State.Paused}}' "$1" 2>/dev/null)" = true ]; }
wake_node() { if paused "$1"; then docker unpause "$1" >/dev/null; fi; }
holders() {
  local h
  mkdir -p "$SEED/holders"
  for h in "$SEED"/holders/*; do
    [ -e "$h" ] || continue
    if kill -0 "${h##*/}" 2>/dev/null; then echo "${h##*/}"; else rm -f "$h"; fi
  done
}
ready() {
  [ "$("$KUBECTL" --kubeconfig "$1" --request-timeout=5s get nodes \
    -o 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
wake() {
  local thawed=() node answered deadline=$((SECONDS + 180))
  for node in "${NODES[@]}"; do
    if paused "$node"; then docker unpause "$node" >/dev/null; thawed+=("$node"); fi
  done
  [ ${#thawed[@]} -gt 0 ] || return 0
  log "woke ${thawed[*]}: waiting for the nodes to report and the apps to answer"
  # the node controller's first look after the thaw (it looks every 5 s): until then a node may still read
  # Ready from before the pause, and its pods be marked not ready the moment after
  sleep 6
  answered=0
  while [ $answered -lt 3 ]; do
    [ $SECONDS -lt $deadline ] || die "the seed's clusters did not come back within 180 s of waking (kubectl --kubeconfig $SEED/kubeconfig get nodes)"
    if ready "$SEED/kubeconfig" && ready "$SEED/prod.kubeconfig" &&
      k -n argocd wait --for=condition=Ready pods --all --timeout=2s >/dev/null 2>&1 &&
      curl -sfk -o /dev/null --max-time 2 "https://127.0.0.1:$ARGOCD_PORT/api/version" &&
      curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$APP_PORT/healthz" &&
      curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PROD_APP_PORT/healthz"; then
      answered=$((answered + 1))
    else
      answered=0
    fi
    sleep 1
  done
}
sleep_if_idle() {
  [ -f "$SEED/idle-sleep" ] && [ -z "$(holders)" ] || return 0
  local node
  for node in "${NODES[@]}"; do
    paused "$node" || docker pause "$node" >/dev/null
  done
}

case "${1:-up}" in
  up) one_at_a_time; up ;;
  down) one_at_a_time; down ;;
  idle-sleep)
    [ -f "$SEED/env" ] || exit 0
    one_at_a_time; load_env
    case "${2:-}" in
      # on: they sleep once the last holder releases them (the first holders are on their way)
      on) touch "$SEED/idle-sleep" ;;
      # off: awake for good, once they answer again (a hold meanwhile waits for this)
      off) rm -f "$SEED/idle-sleep"; wake ;;
      *) die "usage: $0 idle-sleep on|off" ;;
    esac ;;
  # (no seed, nothing to hold: the test says what is missing)
  hold)
    [ -n "${2:-}" ] || die "usage: $0 hold PID"
    [ -f "$SEED/env" ] || exit 0
    one_at_a_time quiet; load_env; holders >/dev/null; touch "$SEED/holders/$2"; wake ;;
  release)
    [ -n "${2:-}" ] || die "usage: $0 release PID"
    [ -f "$SEED/env" ] || exit 0
    one_at_a_time quiet; load_env; rm -f "$SEED/holders/$2"; sleep_if_idle ;;
  *) die "usage: $0 [up|down|idle-sleep on|off|hold PID|release PID]" ;;
esac
