#!/bin/sh
# The pod network of the node image: a stand-in for kindnetd, kind's default CNI daemon, whose module
# (github.com/aojea/kindnet) the Go module proxy does not serve. It does what kind documents kindnetd
# doing (kind's docs, "kindnetd"; kind's images/kindnetd before it moved): once the node has its
# spec.podCIDR, a CNI config of ptp + host-local (state in /run/cni-ipam-state) + portmap for that range;
# a route to every other node's pod range through that node's InternalIP; and masquerade for traffic
# from pods to anything outside the pod ranges. kind applies /kind/manifests/default-cni.yaml as it
# would kindnetd's DaemonSet; here that holds a ConfigMap saying what runs instead.
# Runs as a systemd unit of the node (pod-network.service), with the kubelet's own credentials.
set -u
KC=/etc/kubernetes/kubelet.conf
NODE=$(hostname)
CONF=/etc/cni/net.d/10-kindnet.conflist
k() { kubectl --kubeconfig "$KC" --request-timeout=10s "$@"; }

until [ -f "$KC" ]; do sleep 1; done
until cidr=$(k get node "$NODE" -o 'jsonpath={.spec.podCIDR}' 2>/dev/null) && [ -n "$cidr" ]; do sleep 1; done
mkdir -p /etc/cni/net.d
cat >"$CONF.tmp" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "kindnet",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": $(cat /sys/class/net/eth0/mtu 2>/dev/null || echo 1500),
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "$cidr" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CNI
mv "$CONF.tmp" "$CONF"
echo "pod network: $CONF for $cidr"

# routes and masquerade, kept up to date as nodes come and go: the node list read every 10 seconds, as
# kindnetd's control loop does ("rate limit", a 10-second sleep between its lists of the nodes)
iptables -t nat -N KIND-MASQ 2>/dev/null || true
iptables -t nat -C POSTROUTING -j KIND-MASQ 2>/dev/null || iptables -t nat -A POSTROUTING -j KIND-MASQ
seen=''
while :; do
  nodes=$(k get nodes -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>/dev/null) || { sleep 10; continue; }
  if [ "$nodes" != "$seen" ]; then
    iptables -t nat -F KIND-MASQ
    echo "$nodes" | while read -r name range ip; do
      [ -n "$range" ] || continue
      iptables -t nat -A KIND-MASQ -d "$range" -j RETURN
      [ "$name" = "$NODE" ] || [ -z "$ip" ] || ip route replace "$range" via "$ip"
    done
    iptables -t nat -A KIND-MASQ -s "$cidr" -j MASQUERADE
    seen=$nodes
    echo "pod network: routes and masquerade for $(echo "$nodes" | grep -c .) node(s)"
  fi
  sleep 10
done
