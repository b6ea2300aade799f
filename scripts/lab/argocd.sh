#!/usr/bin/env bash
# Argo CD on the Kubernetes lab, as Argo CD's own local development mode runs it (its Procfile): the
# argocd-server, argocd-repo-server and argocd-application-controller of the pinned module
# (scripts/lab/tools/argocd) as local processes with ARGOCD_FAKE_IN_CLUSTER, Debian's redis-server, the
# CRDs and config maps from the module's own manifests. The API server speaks TLS with a certificate of the
# lab's CA; an account `ci` has an API token with the least RBAC gitops-bump needs; the SSH git host's
# repositories are reachable with its deploy key (a repo-creds template) and known hosts.
# Writes $LAB/argocd/env (ARGOCD_SERVER, ARGOCD_TOKEN_FILE, ARGOCD_CA, ...) for the tests.
#   scripts/lab/argocd.sh up     after lab.sh up: build (or reuse) and start what is not running
#   scripts/lab/argocd.sh down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LAB=${DEMO_ACTIONS_LAB:-/tmp/demo-actions-lab}
INFRA=${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}
KUBECTL=${KUBECTL:-$INFRA/bin/kubectl}
A=$LAB/argocd
REDIS_PORT=${DEMO_ACTIONS_REDIS_PORT:-16379}
SERVER_PORT=${DEMO_ACTIONS_ARGOCD_PORT:-18080}
REPO_PORT=${DEMO_ACTIONS_ARGOCD_REPO_PORT:-18081}
NS=argocd
LOG_TAG=argocd RUN_DIR=$A
# shellcheck source=lib.sh
source "$here/lib.sh"
k() { "$KUBECTL" --kubeconfig "$LAB/kubeconfig" "$@"; }

config() {
  local src=$1 d="$LAB/pki"
  rm -f "$A/token" # signed with the server.secretkey made below
  k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
  for crd in application-crd applicationset-crd appproject-crd; do
    k apply --server-side -f "$src/manifests/crds/$crd.yaml" >/dev/null
  done
  # the API server's certificate, from the lab's CA (tests give that CA as argocd-ca)
  if [ ! -f "$A/server.crt" ]; then
    openssl req -newkey rsa:2048 -nodes -subj "/CN=argocd-server" -keyout "$A/server.key" -out "$A/server.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$A/server.ext"
    openssl x509 -req -in "$A/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$A/server.ext" -out "$A/server.crt" 2>/dev/null
  fi
  k -n "$NS" create secret tls argocd-server-tls --cert "$A/server.crt" --key "$A/server.key" --dry-run=client -o yaml | k apply -f - >/dev/null
  # the admin's password (bcrypt, as argocd-secret holds it) only to make the ci account's token below
  [ -f "$A/admin.password" ] || (umask 077; openssl rand -hex 16 >"$A/admin.password")
  local hash
  hash=$(htpasswd -nbBC 10 admin "$(cat "$A/admin.password")" | cut -d: -f2)
  k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: argocd-secret
  labels: { app.kubernetes.io/part-of: argocd }
stringData:
  server.secretkey: "$(openssl rand -hex 32)"
  admin.password: '$hash'
  admin.passwordMtime: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  labels: { app.kubernetes.io/part-of: argocd }
data:
  # the account gitops-bump's token belongs to: API keys only, no UI login
  accounts.ci: apiKey
  admin.enabled: "true"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-rbac-cm
  labels: { app.kubernetes.io/part-of: argocd }
data:
  # the least gitops-bump needs (README: confirming the deploy): read applications (and ask for a
  # refresh, which Argo CD allows with get)
  policy.csv: |
    p, role:gitops-bump, applications, get, */*, allow
    g, ci, role:gitops-bump
  policy.default: ""
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cmd-params-cm
  labels: { app.kubernetes.io/part-of: argocd }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-ssh-known-hosts-cm
  labels: { app.kubernetes.io/part-of: argocd }
data:
  ssh_known_hosts: |
    $(cat "$INFRA/ssh/known_hosts")
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-tls-certs-cm
  labels: { app.kubernetes.io/part-of: argocd }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-gpg-keys-cm
  labels: { app.kubernetes.io/part-of: argocd }
---
# every repository of the SSH git host, with its deploy key
apiVersion: v1
kind: Secret
metadata:
  name: lab-git-host
  labels: { argocd.argoproj.io/secret-type: repo-creds }
stringData:
  type: git
  url: ssh://$(id -un)@127.0.0.1:$(grep ^SSH_PORT= "$INFRA/env" | cut -d= -f2)/
  sshPrivateKey: |
$(sed 's/^/    /' "$INFRA/ssh/deploy_ed25519")
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: default
spec:
  sourceRepos: ["*"]
  destinations: [{ server: "*", namespace: "*" }]
  clusterResourceWhitelist: [{ group: "*", kind: "*" }]
YAML
  # what the dev-mounter of Argo CD's Procfile does: the config maps as files where the processes read them
  mkdir -p "$A/ssh" "$A/tls"
  cp "$INFRA/ssh/known_hosts" "$A/ssh/ssh_known_hosts"
}

up() {
  [ -f "$LAB/env" ] || die "the Kubernetes lab is not up: run scripts/lab/lab.sh up first"
  command -v redis-server >/dev/null || die "redis-server is needed (scripts/infra.sh installs it)"
  mkdir -p "$A" && chmod 700 "$A"
  local bin src
  bin=$(bash "$here/build.sh" argocd)
  src=$(cd "$here/tools/argocd" && go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)
  # one binary; Argo CD picks the component by the name it is started as (cmd/main.go)
  mkdir -p "$A/bin"
  for n in argocd-server argocd-repo-server argocd-application-controller; do ln -sf "$bin/cmd" "$A/bin/$n"; done
  start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no
  wait_for 20 redis redis-cli -p "$REDIS_PORT" ping
  running server || config "$src"
  # helm and git on PATH: the repo-server renders charts with the helm of scripts/infra.sh
  local env=(env PATH="$(dirname "$(grep ^HELM= "$INFRA/env" | cut -d= -f2)"):$PATH" KUBECONFIG="$LAB/kubeconfig" ARGOCD_FAKE_IN_CLUSTER=true ARGOCD_GPG_ENABLED=false
    ARGOCD_SSH_DATA_PATH="$A/ssh" ARGOCD_TLS_DATA_PATH="$A/tls" ARGOCD_GNUPGHOME="$A/gpg" HOME="$A")
  start repo-server "${env[@]}" "$A/bin/argocd-repo-server" --address 127.0.0.1 --port "$REPO_PORT" \
    --metrics-address 127.0.0.1 --metrics-port $((REPO_PORT + 3)) --redis "127.0.0.1:$REDIS_PORT" --loglevel warn
  start controller "${env[@]}" "$A/bin/argocd-application-controller" --namespace "$NS" \
    --redis "127.0.0.1:$REDIS_PORT" --repo-server "127.0.0.1:$REPO_PORT" --metrics-port $((REPO_PORT + 1)) \
    --loglevel warn
  start server "${env[@]}" "$A/bin/argocd-server" --namespace "$NS" --address 127.0.0.1 --port "$SERVER_PORT" \
    --metrics-address 127.0.0.1 --metrics-port $((REPO_PORT + 2)) --redis "127.0.0.1:$REDIS_PORT" \
    --repo-server "127.0.0.1:$REPO_PORT" --dex-server "" --staticassets "$A/ui" --loglevel warn
  wait_for 60 server curl -sf --cacert "$LAB/pki/ca.crt" "https://127.0.0.1:$SERVER_PORT/healthz"
  if [ ! -s "$A/token" ]; then
    log "making the ci account's API token"
    local session
    session=$(curl -sf --cacert "$LAB/pki/ca.crt" -H 'content-type: application/json' \
      -d "{\"username\":\"admin\",\"password\":\"$(cat "$A/admin.password")\"}" \
      "https://127.0.0.1:$SERVER_PORT/api/v1/session" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))') ||
      die "logging in as admin failed (see $A/server.log)"
    (umask 077; curl -sf --cacert "$LAB/pki/ca.crt" -H "authorization: Bearer $session" -H 'content-type: application/json' \
      -d "{\"id\":\"lab-$(date +%s%N)\"}" "https://127.0.0.1:$SERVER_PORT/api/v1/account/ci/token" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).token))' >"$A/token") ||
      die "making the ci token failed (see $A/server.log)"
  fi
  cat >"$A/env" <<ENV
ARGOCD_SERVER=https://127.0.0.1:$SERVER_PORT
ARGOCD_TOKEN_FILE=$A/token
ARGOCD_CA=$LAB/pki/ca.crt
ARGOCD_NAMESPACE=$NS
ARGOCD_ADMIN_PASSWORD_FILE=$A/admin.password
ENV
  log "ready: $A/env"
}

down() {
  stop server controller repo-server redis
  # the token is signed with a key of this run's argocd-secret (etcd starts empty next time)
  rm -f "$A/token" "$A/env"
  log "stopped"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 [up|down]" ;;
esac
