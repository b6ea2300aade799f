#!/usr/bin/env bash
# The Kubernetes lab: a real control plane on loopback, built from pinned Go modules
# (scripts/lab/tools/{etcd,kube,kwok}) by build.sh, with its own certificates: etcd 3.6.4, kube-apiserver,
# kube-controller-manager and kube-scheduler 1.34.0, kwok for the node (kept Ready; pods deleted; the
# kubelet API for port-forward and logs; its pod stages replaced by kwok.yaml's), and pods.mjs, the lab's
# kubelet: it runs each pod's containers with Docker and writes their status. Writes $LAB/env
# (KUBECONFIG=… and the ports) for the tests. Needs scripts/infra.sh's Docker and kubectl.
#   scripts/lab/lab.sh up     build (or reuse) and start what is not running; idempotent
#   scripts/lab/lab.sh down   stop what it started
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LAB=${DEMO_ACTIONS_LAB:-/tmp/demo-actions-lab}
ETCD_PORT=${DEMO_ACTIONS_ETCD_PORT:-23790}
API_PORT=${DEMO_ACTIONS_API_PORT:-16443}
KWOK_PORT=${DEMO_ACTIONS_KWOK_PORT:-10250}
KUBECTL=${KUBECTL:-${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}/bin/kubectl}
LOG_TAG=lab RUN_DIR=$LAB
# shellcheck source=lib.sh
source "$here/lib.sh"

certs() {
  local d="$LAB/pki"
  [ -f "$d/admin.crt" ] && return
  mkdir -p "$d" && chmod 700 "$d"
  log "making the lab's certificates"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=demo-actions-lab-ca" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  issue() { # issue NAME SUBJECT [SAN]
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
    local ext="$d/$1.ext"
    { echo "basicConstraints=CA:FALSE"; echo "keyUsage=digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=serverAuth,clientAuth"; [ -z "${3:-}" ] || echo "subjectAltName=$3"; } >"$ext"
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$ext" -out "$d/$1.crt" 2>/dev/null
  }
  issue apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  issue kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  issue kwok "/CN=kwok-kubelet" "IP:127.0.0.1,DNS:localhost"
  issue admin "/O=system:masters/CN=admin"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
}

kubeconfig() {
  local d="$LAB/pki"
  cat >"$LAB/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $d/ca.crt
users:
- name: admin
  user:
    client-certificate: $d/admin.crt
    client-key: $d/admin.key
contexts:
- name: lab
  context: { cluster: lab, user: admin }
current-context: lab
KC
  chmod 600 "$LAB/kubeconfig"
}

up() {
  mkdir -p "$LAB"
  [ -x "$KUBECTL" ] || die "kubectl is needed ($KUBECTL): run scripts/infra.sh first"
  local etcd kube kwok
  etcd=$(bash "$here/build.sh" etcd)
  kube=$(bash "$here/build.sh" kube)
  kwok=$(bash "$here/build.sh" kwok)
  certs
  kubeconfig
  local d="$LAB/pki"
  # a lab that was stopped starts empty: no namespaces, pods or containers of earlier runs
  if ! running etcd; then
    rm -rf "$LAB/etcd-data"
    docker ps -aq --filter label=demo-actions-lab-pod | xargs -r docker rm -f >/dev/null
  fi
  # go names the etcd binary after its package, go.etcd.io/etcd/server/v3
  start etcd "$etcd/server" --name lab --data-dir "$LAB/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "lab=http://127.0.0.1:$((ETCD_PORT + 1))" --log-level warn
  wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  start apiserver "$kube/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --kubelet-client-certificate "$d/kubelet-client.crt" --kubelet-client-key "$d/kubelet-client.key" \
    --kubelet-certificate-authority "$d/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$d/sa.pub" \
    --service-account-signing-key-file "$d/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    --authorization-mode Node,RBAC --allow-privileged=true --enable-priority-and-fairness=false
  wait_for 90 apiserver curl -sf --cacert "$d/ca.crt" --cert "$d/admin.crt" --key "$d/admin.key" "https://127.0.0.1:$API_PORT/readyz"
  # kwok's own resources: where a pod's port-forward and logs lead (ClusterPortForward, ClusterLogs), from
  # the pinned kwok module's source
  local crds
  crds=$(cd "$here/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/crd/bases
  for c in clusterportforwards portforwards clusterlogs logs; do
    "$KUBECTL" --kubeconfig "$LAB/kubeconfig" apply -f "$crds/kwok.x-k8s.io_$c.yaml" >>"$LAB/setup.log" 2>&1 ||
      die "applying kwok's $c resource failed (see $LAB/setup.log)"
  done
  start controller-manager "$kube/kube-controller-manager" --kubeconfig "$LAB/kubeconfig" \
    --authentication-kubeconfig "$LAB/kubeconfig" --authorization-kubeconfig "$LAB/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$d/sa.key" --root-ca-file "$d/ca.crt" \
    --cluster-signing-cert-file "$d/ca.crt" --cluster-signing-key-file "$d/ca.key" --controllers '*,-nodeipam' \
    --node-monitor-grace-period 2m # (50 s by default: a machine busy building can miss kwok's heartbeats that long)
  start scheduler "$kube/kube-scheduler" --kubeconfig "$LAB/kubeconfig" \
    --authentication-kubeconfig "$LAB/kubeconfig" --authorization-kubeconfig "$LAB/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false
  start kwok "$kwok/kwok" --kubeconfig "$LAB/kubeconfig" --manage-all-nodes=true \
    --node-ip 127.0.0.1 --node-port "$KWOK_PORT" --server-address "127.0.0.1:$KWOK_PORT" \
    --tls-cert-file "$d/kwok.crt" --tls-private-key-file "$d/kwok.key" \
    --enable-crds ClusterPortForward,PortForward,ClusterLogs,Logs --config "$here/kwok.yaml"
  # one node, named as kind names its control plane; kwok keeps it Ready and runs its pods' lifecycles
  "$KUBECTL" --kubeconfig "$LAB/kubeconfig" apply -f - >>"$LAB/setup.log" 2>&1 <<NODE || die "creating the node failed (see $LAB/setup.log)"
apiVersion: v1
kind: Node
metadata:
  name: kind-control-plane
  annotations: { node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake }
  labels: { kubernetes.io/hostname: kind-control-plane, kubernetes.io/os: linux, kubernetes.io/arch: amd64 }
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
NODE
  # ready when kwok keeps the node Ready (it heartbeats the nodes it manages)
  node_ready() {
    [ "$("$KUBECTL" --kubeconfig "$LAB/kubeconfig" get node kind-control-plane \
      -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
  }
  wait_for 60 kwok node_ready
  start pods node "$here/pods.mjs" "$LAB/kubeconfig"
  cat >"$LAB/env" <<ENV
KUBECONFIG=$LAB/kubeconfig
LAB=$LAB
API_PORT=$API_PORT
ENV
  log "ready: $LAB/env"
}

down() {
  [ ! -d "$LAB/argocd" ] || bash "$here/argocd.sh" down
  stop pods kwok scheduler controller-manager apiserver etcd
  # the containers of the lab's pods
  docker ps -aq --filter label=demo-actions-lab-pod | xargs -r docker rm -f >/dev/null
  log "stopped"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 [up|down]" ;;
esac
