#!/usr/bin/env bash
# A one-node Kubernetes v1.34 cluster made of plain processes on this machine:
#   cluster.sh up | deploy | install <service> [helm args] | reset | running | down | status
#
#   etcd (Debian) -> kube-apiserver -> controller-manager, scheduler
#   containerd (Debian, private root/state/socket) <- kubelet -> CNI bridge on tsk0 ; kube-proxy (nftables) ; CoreDNS pod
#   kube-network-policies pod (NetworkPolicy enforcement, nftables + NFQUEUE) ; metrics-server pod
#
# Every address lives on the bridge this script creates (node 10.216.0.1, pods 10.216.0.16-254, Services 10.216.16.0/20);
# pods get routes to 10.216.0.0/16 only, never a default route, so nothing they send can leave the machine.
# Every control-plane port is in 21000-21999. `down` removes each process, mount, cgroup, rule and file `up` made.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin="$repo/.tools/cluster"
state=${CLUSTER_STATE:-/var/lib/tripsage-cluster}
run=/run/tripsage-cluster
pki="$state/pki"
logs="$state/logs"

bridge=tsk0
node_name=node1
node_ip=10.216.0.1
# Pods share the node's subnet, their gateway being the node's own address (the CNI bridge plugin refuses a bridge
# that already holds another address of the family).
pod_cidr=10.216.0.0/24
pod_range_start=10.216.0.16
service_cidr=10.216.16.0/20
apiserver_service_ip=10.216.16.1
dns_ip=10.216.16.10
cluster_cidr=10.216.0.0/16
etcd_port=21379
etcd_peer_port=21380
apiserver_port=21443
otlp_port=4318
# Image loaded into containerd under the name its CRI plugin uses for every pod sandbox.
pause_image=registry.k8s.io/pause:3.10
dns_image=tripsage/coredns:cluster
metrics_server_image=tripsage/metrics-server:cluster
netpol_image=tripsage/kube-network-policies:cluster
# The agent's NFQUEUE (its --nfqueue-id) and the harness's iptables chain that feeds it (netpol_up).
netpol_queue=98
netpol_chain=TRIPSAGE-NETPOL
rule_tag=tripsage-cluster
namespace=tripsage
# The services come from the one manifest (libs/core/src/tripsage_core/services.toml), through the Makefile.
read -r -a services <<< "${TRIPSAGE_SERVICES:?set by the Makefile from the service manifest (make cluster-...)}"
helm_bin="$repo/.tools/bin/helm"

export KUBECONFIG="$state/admin.kubeconfig"
# The harness's own kubectl (v1.34), before any other on PATH.
export PATH="$bin:$PATH"
ctr() { command ctr --address "$run/containerd.sock" --namespace k8s.io "$@"; }
log() { printf '[cluster %s] %s\n' "$(date -u +%T)" "$*"; }

# --- certificates ---------------------------------------------------------------------------------------------------
issue() { # name subject [subjectAltName]; signed by $ca (default: the cluster CA)
	local name=$1 subject=$2 san=${3:-} ca=${ca:-ca}
	openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
	local ext="$pki/$name.ext"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$ext"
	[[ -z $san ]] || echo "subjectAltName=$san" >>"$ext"
	openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial -days 30 \
		-extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
	rm -f "$pki/$name.csr" "$ext"
}

kubeconfig() { # name cert
	local file="$state/$1.kubeconfig"
	cat >"$file" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: tripsage
		  cluster: {server: "https://$node_ip:$apiserver_port", certificate-authority: "$pki/ca.crt"}
		users:
		- name: $2
		  user: {client-certificate: "$pki/$2.crt", client-key: "$pki/$2.key"}
		contexts:
		- name: tripsage
		  context: {cluster: tripsage, user: $2}
		current-context: tripsage
	EOF
}

make_pki() {
	[[ -f $pki/ca.crt ]] && return 0
	mkdir -p "$pki" && chmod 700 "$pki"
	local name
	# The cluster CA, and the front proxy's own CA: the API server's aggregation layer proves itself to extension
	# API servers (metrics-server) with a client certificate from a CA that signs nothing else.
	for name in ca front-proxy-ca; do
		openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -subj "/CN=tripsage-cluster-$name" \
			-days 30 -out "$pki/$name.crt" 2>/dev/null
	done
	ca=front-proxy-ca issue front-proxy-client "/CN=front-proxy-client"
	issue metrics-server "/CN=metrics-server" "DNS:metrics-server.kube-system.svc"
	issue apiserver "/CN=kube-apiserver" \
		"IP:$node_ip,IP:$apiserver_service_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
	issue admin "/O=system:masters/CN=tripsage-admin"
	issue controller-manager "/CN=system:kube-controller-manager"
	issue scheduler "/CN=system:kube-scheduler"
	issue kube-proxy "/CN=system:kube-proxy"
	issue kubelet "/O=system:nodes/CN=system:node:$node_name" "IP:$node_ip,DNS:$node_name"
	openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
	openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
	for name in admin controller-manager scheduler kube-proxy kubelet; do kubeconfig "$name" "$name"; done
}

# --- processes ------------------------------------------------------------------------------------------------------
start() { # name command...
	local name=$1
	shift
	# setsid: each component leads its own process group, so `down` stops it and its children by that id only.
	setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
	echo $! >"$run/$name.pid"
}

wait_for() { # what seconds command...
	local what=$1 seconds=$2 deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS > deadline)); then
			log "$what: not ready after $seconds s"
			return 1
		fi
		sleep 0.5
	done
	log "$what ready"
}

network_up() {
	if ip route show | grep -q "^10\.216\."; then
		log "10.216.0.0/16 is already routed on this machine: refusing to clash with it"
		ip route show | grep "^10\.216\." >&2
		return 1
	fi
	# The kubelet's iptables canaries make tables (ip6 filter, ip mangle…) through iptables-nft: note what was there.
	nft list tables >"$state/nft-tables-before"
	ip link add "$bridge" type bridge
	ip addr add "$node_ip/24" dev "$bridge"
	ip link set "$bridge" up
	# The host reaches ClusterIPs from the node address, so replies come back over the bridge.
	ip route add "$service_cidr" dev "$bridge" src "$node_ip"
	# Docker sets FORWARD's policy to DROP and br_netfilter sends bridged frames through it: accept this bridge only.
	iptables -I FORWARD 1 -i "$bridge" -m comment --comment "$rule_tag" -j ACCEPT
	iptables -I FORWARD 1 -o "$bridge" -m comment --comment "$rule_tag" -j ACCEPT
	mkdir -p "$state/cni/net.d"
	cat >"$state/cni/net.d/10-tripsage.conflist" <<-EOF
		{
		  "cniVersion": "1.0.0",
		  "name": "tripsage",
		  "plugins": [{
		    "type": "bridge", "bridge": "$bridge", "isGateway": true, "isDefaultGateway": false,
		    "ipMasq": false, "hairpinMode": true,
		    "ipam": {
		      "type": "host-local", "dataDir": "$state/cni/ipam",
		      "ranges": [[{"subnet": "$pod_cidr", "rangeStart": "$pod_range_start", "gateway": "$node_ip"}]],
		      "routes": [{"dst": "$cluster_cidr"}]
		    }
		  }]
		}
	EOF
}

containerd_up() {
	mkdir -p "$state/containerd" "$run"
	cat >"$state/containerd.toml" <<-EOF
		version = 2
		root = "$state/containerd/root"
		state = "$run/containerd"
		disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
		[grpc]
		  address = "$run/containerd.sock"
		[ttrpc]
		  address = "$run/containerd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$pause_image"
		  # Without CAP_SYS_RESOURCE runc cannot lower oom_score_adj below its own.
		  restrict_oom_score_adj = true
		  stream_server_address = "127.0.0.1"
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$state/cni/net.d"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        SystemdCgroup = false
	EOF
	start containerd containerd --config "$state/containerd.toml"
	wait_for containerd 30 ctr version
}

images_load() {
	local tag=${TRIPSAGE_IMAGE_TAG:-dev} ctx="$state/image-build" name app_version
	mkdir -p "$ctx"
	# The pause and CoreDNS images are each one static binary on an empty filesystem, built here.
	for name in pause coredns; do
		cp "$bin/$name" "$ctx/$name"
		printf 'FROM scratch\nCOPY %s /%s\nENTRYPOINT ["/%s"]\n' "$name" "$name" "$name" >"$ctx/Dockerfile.$name"
	done
	docker build -q -f "$ctx/Dockerfile.pause" -t "$pause_image" "$ctx" >/dev/null
	docker build -q -f "$ctx/Dockerfile.coredns" -t "$dns_image" "$ctx" >/dev/null
	# metrics-server on the project's Debian base (make images builds it; this makes it only when it is missing).
	"$repo/deploy/docker/build-base.sh" tripsage/base:bookworm >/dev/null
	cp "$bin/metrics-server" "$ctx/metrics-server"
	printf 'FROM tripsage/base:bookworm\nCOPY metrics-server /usr/local/bin/metrics-server\nUSER 10001:10001\nENTRYPOINT ["/usr/local/bin/metrics-server"]\n' \
		>"$ctx/Dockerfile.metrics-server"
	docker build -q -f "$ctx/Dockerfile.metrics-server" -t "$metrics_server_image" "$ctx" >/dev/null
	# The NetworkPolicy agent likewise; root in its pod only for NET_ADMIN (netpol/kube-network-policies.yaml).
	cp "$bin/kube-network-policies" "$ctx/kube-network-policies"
	printf 'FROM tripsage/base:bookworm\nCOPY kube-network-policies /usr/local/bin/kube-network-policies\nENTRYPOINT ["/usr/local/bin/kube-network-policies"]\n' \
		>"$ctx/Dockerfile.netpol"
	docker build -q -f "$ctx/Dockerfile.netpol" -t "$netpol_image" "$ctx" >/dev/null
	local images=("$pause_image" "$dns_image" "$metrics_server_image" "$netpol_image")
	for name in sandbox postgres redis; do images+=("tripsage/$name:$tag"); done
	# Each service's image also under the reference its chart names by default (values.yaml's repository, the
	# chart's appVersion), so the charts and tripsage-rollout run with their own image settings, as in production.
	for name in "${services[@]}"; do
		app_version=$(awk -F'"' '/^appVersion:/ {print $2}' "$repo/helm/$name/Chart.yaml")
		docker tag "tripsage/$name:$tag" "ghcr.io/tripsage/tripsage-$name:$app_version"
		images+=("ghcr.io/tripsage/tripsage-$name:$app_version")
	done
	docker image inspect "${images[@]}" >/dev/null || {
		log "missing images above: run make images first"
		return 1
	}
	docker save "${images[@]}" | ctr images import --all-platforms - >/dev/null
	log "loaded ${#images[@]} images into the cluster's containerd"
}

control_plane_up() {
	mkdir -p "$state/etcd"
	start etcd etcd --name tripsage --data-dir "$state/etcd" \
		--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
		--listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
		--initial-cluster "tripsage=http://127.0.0.1:$etcd_peer_port" --listen-metrics-urls ""
	wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"
	start kube-apiserver "$bin/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$etcd_port" \
		--bind-address "$node_ip" --advertise-address "$node_ip" --secure-port "$apiserver_port" \
		--service-cluster-ip-range "$service_cidr" \
		--tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
		--client-ca-file "$pki/ca.crt" \
		--kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$pki/apiserver-kubelet-client.key" \
		--kubelet-preferred-address-types InternalIP \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
		--authorization-mode Node,RBAC --allow-privileged=true \
		--enable-admission-plugins NodeRestriction \
		--requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
		--requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
		--requestheader-extra-headers-prefix X-Remote-Extra- \
		--proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
		--enable-aggregator-routing=true
	wait_for kube-apiserver 120 kubectl get --raw /readyz
	start kube-controller-manager "$bin/kube-controller-manager" \
		--kubeconfig "$state/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$state/controller-manager.kubeconfig" \
		--authorization-kubeconfig "$state/controller-manager.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 21257 --leader-elect=false \
		--controllers '*,-nodeipam,-cloud-node-lifecycle' \
		--service-cluster-ip-range "$service_cidr" \
		--cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
		--root-ca-file "$pki/ca.crt" --service-account-private-key-file "$pki/sa.key" \
		--use-service-account-credentials
	start kube-scheduler "$bin/kube-scheduler" \
		--kubeconfig "$state/scheduler.kubeconfig" \
		--authentication-kubeconfig "$state/scheduler.kubeconfig" \
		--authorization-kubeconfig "$state/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 21259 --leader-elect=false
}

node_up() {
	mkdir -p "$state/kubelet" "$state/pod-logs"
	cat >"$state/kubelet.yaml" <<-EOF
		apiVersion: kubelet.config.k8s.io/v1beta1
		kind: KubeletConfiguration
		address: $node_ip
		port: 21250
		readOnlyPort: 0
		healthzBindAddress: 127.0.0.1
		healthzPort: 21248
		authentication:
		  anonymous: {enabled: false}
		  webhook: {enabled: true}
		  x509: {clientCAFile: "$pki/ca.crt"}
		authorization: {mode: Webhook}
		tlsCertFile: "$pki/kubelet.crt"
		tlsPrivateKeyFile: "$pki/kubelet.key"
		containerRuntimeEndpoint: "unix://$run/containerd.sock"
		podLogsDirectory: "$state/pod-logs"
		clusterDNS: ["$dns_ip"]
		clusterDomain: cluster.local
		# This machine runs cgroup v1 (hybrid), which kubelet 1.35+ refuses and 1.34 accepts when asked.
		cgroupDriver: cgroupfs
		failCgroupV1: false
		failSwapOn: false
		# The disk and memory are shared with other work: evict only when truly short.
		evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
		imageGCHighThresholdPercent: 100
		imageGCLowThresholdPercent: 99
		serializeImagePulls: false
		resolvConf: ""
	EOF
	start kubelet "$bin/kubelet" --config "$state/kubelet.yaml" --kubeconfig "$state/kubelet.kubeconfig" \
		--root-dir "$state/kubelet" --hostname-override "$node_name" --node-ip "$node_ip"
	cat >"$state/kube-proxy.yaml" <<-EOF
		apiVersion: kubeproxy.config.k8s.io/v1alpha1
		kind: KubeProxyConfiguration
		mode: nftables
		clusterCIDR: "$pod_cidr"
		hostnameOverride: $node_name
		bindAddress: $node_ip
		healthzBindAddress: 127.0.0.1:21256
		metricsBindAddress: 127.0.0.1:21249
		nodePortAddresses: ["$node_ip/32"]
		clientConnection: {kubeconfig: "$state/kube-proxy.kubeconfig"}
		# Zero: leave the host's conntrack sysctls as they are.
		conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
	EOF
	start kube-proxy "$bin/kube-proxy" --config "$state/kube-proxy.yaml"
	wait_for "node $node_name" 60 kubectl wait --for=condition=Ready "node/$node_name" --timeout=1s
}

dns_up() {
	sed -e "s/@DNS_IP@/$dns_ip/" -e "s#@DNS_IMAGE@#$dns_image#" "$here/manifests/coredns.yaml" | kubectl apply -f - >/dev/null
	wait_for CoreDNS 90 kubectl -n kube-system rollout status deployment/coredns --timeout=1s
}

metrics_up() {
	kubectl -n kube-system create secret tls metrics-server-tls --dry-run=client -o yaml \
		--cert "$pki/metrics-server.crt" --key "$pki/metrics-server.key" | kubectl apply -f - >/dev/null
	sed -e "s#@METRICS_SERVER_IMAGE@#$metrics_server_image#" -e "s#@CA_BUNDLE@#$(base64 -w0 "$pki/ca.crt")#" \
		"$here/manifests/metrics-server.yaml" | kubectl apply -f - >/dev/null
	wait_for metrics-server 120 kubectl wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=1s
}

netpol_up() {
	# Before any workload: every pod the charts make starts under its NetworkPolicies, enforced.
	sed -e "s#@IMAGE@#$netpol_image#" -e "s#@QUEUE@#$netpol_queue#" "$here/netpol/kube-network-policies.yaml" |
		kubectl apply -f - >/dev/null
	wait_for "kube-network-policies" 90 kubectl -n kube-system rollout status daemonset/kube-network-policies --timeout=1s
	wait_for "the agent on NFQUEUE $netpol_queue" 30 \
		awk -v q="$netpol_queue" '$1 == q {found = 1} END {exit !found}' /proc/net/netfilter/nfnetlink_queue
	# The agent's own rules use nftables' `queue` expression, which this machine's kernel lacks (CONFIG_NFT_QUEUE
	# unset: "Could not process rule: No such file or directory"); its xtables NFQUEUE target is built in. So the
	# harness sends the packets to the agent's queue with iptables, sorted as the agent's rules sort them, and the
	# agent judges each one. The one difference: every pod's new connections are queued, not only those of pods a
	# policy selects; the agent accepts those no policy covers.
	iptables -t mangle -N "$netpol_chain"
	# The node's own traffic as root (the kubelet's probes, the apiserver, these tests), as the agent's `meta skuid 0`.
	iptables -t mangle -A "$netpol_chain" -m owner --uid-owner 0 -j RETURN
	iptables -t mangle -A "$netpol_chain" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
	# No --queue-bypass: with the agent gone, pods' new connections fail closed, as the agent's own rules do.
	iptables -t mangle -A "$netpol_chain" -s "$pod_cidr" -j NFQUEUE --queue-num "$netpol_queue"
	iptables -t mangle -A "$netpol_chain" -d "$pod_cidr" -j NFQUEUE --queue-num "$netpol_queue"
	iptables -t mangle -A POSTROUTING -m comment --comment "$rule_tag" -j "$netpol_chain"
	log "NetworkPolicy enforced: pods' new connections go through NFQUEUE $netpol_queue to kube-network-policies"
}

telemetry_up() {
	# Where the Datadog Agent's OTLP intake listens in production: the node's address, port 4318.
	sed -e "s/@NODE_IP@/$node_ip/" -e "s/@OTLP_PORT@/$otlp_port/" "$here/otelcol.yaml" >"$state/otelcol.yaml"
	start otelcol "$bin/otelcol" --config "$state/otelcol.yaml"
	wait_for "OpenTelemetry Collector" 60 curl -s -o /dev/null "http://$node_ip:$otlp_port/"
}

up() {
	local started=$SECONDS
	[[ ! -e $run/kube-apiserver.pid ]] || {
		log "already up (make cluster-down first)"
		return 1
	}
	"$here/build-tools.sh"
	mkdir -p "$state" "$logs" "$run"
	make_pki
	network_up
	containerd_up
	images_load
	control_plane_up
	node_up
	dns_up
	netpol_up
	metrics_up
	telemetry_up
	log "up in $((SECONDS - started)) s: export KUBECONFIG=$KUBECONFIG"
}

# --- the project on the cluster ---------------------------------------------------------------------------------------

secrets_apply() {
	# A fresh JWT secret per cluster, never written anywhere but the cluster's own Secret objects.
	local jwt s
	jwt=$(openssl rand -hex 32)
	for s in "${services[@]}"; do
		kubectl -n "$namespace" create secret generic "tripsage-$s" --dry-run=client -o yaml \
			--from-literal=jwt-secret="$jwt" \
			--from-literal=database-url="postgresql://postgres@postgres:5432/tripsage" \
			--from-literal=redis-url="redis://redis:6379/0" \
			--from-literal=amadeus-client-id=sandbox --from-literal=amadeus-client-secret=sandbox \
			--from-literal=google-api-key=AIza-sandbox-not-a-google-key --from-literal=owm-api-key=sandbox \
			--from-literal=openai-api-key=sandbox | kubectl apply -f - >/dev/null
	done
}

istio_crds() {
	# Istio's CRDs (with their CEL rules) from its API module, at the version tool-versions.env pins.
	local version dir
	version=$(sed -n 's/^ISTIO_API_VERSION=//p' "$repo/tool-versions.env")
	dir=$(go mod download -json "istio.io/api@$version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
	kubectl apply --server-side -f "$dir/kubernetes/customresourcedefinitions.gen.yaml" >/dev/null
	kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null
	log "Istio CRDs ($version) installed"
}

# helm upgrade --install of one chart with the harness's small values; extra arguments go to helm.
chart_install() { # service [helm args...]
	local s=$1 prefix
	shift
	prefix=$(tr '[:lower:]' '[:upper:]' <<<"$s")
	local args=(-f "$repo/helm/$s/values-dev.yaml" -f "$here/values-cluster.yaml")
	case $s in
	flights | stays | maps | weather | memory)
		args+=(--set "config.${prefix}_PROVIDER_BASE_URL=http://sandbox:8100")
		# Production's provider rule is HTTPS to public addresses; here the providers are the sandbox's pod.
		args+=(--set-json 'networkPolicy.extraEgress=[{"to":[{"podSelector":{"matchLabels":{"app":"sandbox"}}}],"ports":[{"port":8100,"protocol":"TCP"}]}]')
		;;
	esac
	# Memory's production embedder settings go: with the sandbox set, the service derives the sandbox's model.
	[[ $s != memory ]] || args+=(--set config.MEMORY_EMBEDDER_BASE_URL=null --set config.MEMORY_EMBEDDER_MODEL=null
		--set config.MEMORY_EMBEDDING_DIMS=null)
	"$helm_bin" upgrade --install "$s" "$repo/helm/$s" -n "$namespace" --wait --timeout 5m "${args[@]}" "$@"
}

deploy() {
	local started=$SECONDS s failed=0
	kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	secrets_apply
	sed "s/@TAG@/${TRIPSAGE_IMAGE_TAG:-dev}/" "$here/manifests/backing.yaml" | kubectl -n "$namespace" apply -f - >/dev/null
	istio_crds
	for s in postgres redis sandbox; do kubectl -n "$namespace" rollout status "deployment/$s" --timeout=300s >/dev/null; done
	log "Postgres, Redis and the provider sandbox ready"
	for s in "${services[@]}"; do "$helm_bin" dependency build "$repo/helm/$s" >/dev/null; done
	# In parallel: each waits for its own pods; the gateway's migrations hook runs first within its release.
	for s in "${services[@]}"; do
		chart_install "$s" >"$logs/helm-$s.log" 2>&1 &
	done
	for s in "${services[@]}"; do wait -n || failed=1; done
	if ((failed)); then
		tail -n 20 "$logs"/helm-*.log >&2
		return 1
	fi
	log "seven charts installed and ready in $((SECONDS - started)) s"
}

# The namespaces the cluster starts with; `reset` removes every other.
system_namespaces='default|kube-system|kube-public|kube-node-lease'

reset() { # every release and namespace of the project (and of its tests) gone, the cluster itself kept
	local started=$SECONDS spaces
	spaces=$(kubectl get namespaces -o name | sed 's|^namespace/||' | grep -Evx "$system_namespaces" || true)
	[[ -n $spaces ]] || return 0
	# Releases before namespaces: istiod's webhook configurations and cluster roles are cluster-wide, and deleting its
	# namespace alone would leave them behind, pointing at an istiod that is gone.
	"$helm_bin" list --all-namespaces --output json |
		python3 -c 'import json, sys; [print(r["namespace"], r["name"]) for r in json.load(sys.stdin)]' |
		while read -r ns release; do "$helm_bin" uninstall "$release" -n "$ns" --no-hooks >/dev/null; done
	# shellcheck disable=SC2086 # one namespace per word
	kubectl delete namespace $spaces --wait --timeout=300s >/dev/null
	log "reset in $((SECONDS - started)) s: namespaces $(echo $spaces) deleted"
}

running() { [[ -e $run/kube-apiserver.pid ]] && kubectl get --raw /readyz >/dev/null 2>&1; }

# --- teardown -------------------------------------------------------------------------------------------------------
stop_group() { # name
	local pidfile="$run/$1.pid" pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM -- "-$pid" 2>/dev/null || true
		for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

down() {
	# Pods first, while the kubelet still runs: their containers, shims and sandboxes go by the runtime's own API.
	if [[ -S $run/containerd.sock ]]; then
		stop_group kubelet
		local task
		for task in $(ctr tasks list -q 2>/dev/null); do ctr tasks kill -s KILL "$task" >/dev/null 2>&1 || true; done
		sleep 1
		for task in $(ctr tasks list -q 2>/dev/null); do ctr tasks delete -f "$task" >/dev/null 2>&1 || true; done
		for task in $(ctr containers list -q 2>/dev/null); do ctr containers delete "$task" >/dev/null 2>&1 || true; done
	fi
	for name in otelcol kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
		stop_group "$name"
	done
	# The containerd shims outlive containerd: find them by the socket address they were given.
	local pid
	for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $run/containerd.sock" || true); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	# Mounts (overlay rootfs, pod volumes, netns bind mounts), deepest first.
	local mounts
	mounts=$(awk -v s="$state" -v r="$run" '$2 ~ "^" s || $2 ~ "^" r {print $2}' /proc/self/mounts | sort -r)
	for m in $mounts; do umount -l "$m" 2>/dev/null || true; done
	# Network namespaces the CRI made for pod sandboxes, named cni-<uuid> under /var/run/netns.
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^cni-' || true); do
		if ip netns exec "$ns" ip -4 addr 2>/dev/null | grep -q "inet 10\.216\."; then ip netns delete "$ns"; fi
	done
	# Rules: kube-proxy's nftables tables, kubelet's canary chains, the bridge's FORWARD accepts.
	# The NetworkPolicy agent removes its table when stopped gracefully; a killed one leaves it.
	nft delete table inet kube-network-policies 2>/dev/null || true
	nft delete table ip kube-proxy 2>/dev/null || true
	nft delete table ip6 kube-proxy 2>/dev/null || true
	local table chain rule
	for table in mangle nat filter; do
		while read -r rule; do
			eval "iptables -t $table ${rule/-A/-D}" 2>/dev/null || true
		done < <(iptables -t "$table" -S 2>/dev/null | grep -E '^-A .*(KUBE-|'"$rule_tag"')' | grep -v '^-A KUBE-' || true)
		for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
			iptables -t "$table" -F "$chain" 2>/dev/null || true
		done
		for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
			iptables -t "$table" -X "$chain" 2>/dev/null || true
		done
	done
	# The chain feeding the NetworkPolicy agent's queue, its jump gone with the tagged rules above.
	iptables -t mangle -F "$netpol_chain" 2>/dev/null || true
	iptables -t mangle -X "$netpol_chain" 2>/dev/null || true
	for table in mangle nat filter; do
		for chain in $(ip6tables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
			ip6tables -t "$table" -F "$chain" 2>/dev/null || true
			ip6tables -t "$table" -X "$chain" 2>/dev/null || true
		done
	done
	# Tables that came with the cluster, once empty: iptables-nft makes them again whenever someone needs them.
	if [[ -f $state/nft-tables-before ]]; then
		local family name
		while read -r _ family name; do
			grep -qx "table $family $name" "$state/nft-tables-before" && continue
			[[ $(nft list table "$family" "$name" 2>/dev/null | grep -c chain) == 0 ]] && nft delete table "$family" "$name"
		done < <(nft list tables)
	fi
	ip link delete "$bridge" 2>/dev/null || true
	# The pods' cgroups, made by the kubelet (cgroupfs driver) under each v1 hierarchy.
	local dir
	for dir in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods; do
		[[ -d $dir ]] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	# The kubelet links each container's log into /var/log/containers, whatever its podLogsDirectory.
	find /var/log/containers -maxdepth 1 -lname "$state/*" -delete 2>/dev/null || true
	rm -rf "$state" "$run"
	rm -f /var/lib/cni/results/tripsage-* 2>/dev/null || true
	log "down"
}

status() { # Everything `down` must leave behind: nothing.
	local left=0
	pgrep -af "$bin/|$state|$run" && left=1
	grep -E " ($state|$run)" /proc/self/mounts && left=1
	ip link show "$bridge" 2>/dev/null && left=1
	nft list tables 2>/dev/null | grep -E 'kube-proxy|kube-network-policies' && left=1
	iptables-save 2>/dev/null | grep -E "KUBE-|$rule_tag|$netpol_chain" && left=1
	ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null && left=1
	find /var/log/containers -maxdepth 1 -lname "$state/*" 2>/dev/null | grep . && left=1
	ip netns list 2>/dev/null | grep '^cni-' && left=1
	[[ -e $state || -e $run ]] && echo "$state or $run exists" && left=1
	((left == 0)) && echo "nothing of the cluster is left on this machine"
	return $left
}

case "${1:-}" in
up) up ;;
deploy) deploy ;;
install) shift && chart_install "$@" ;;
reset) reset ;;
running) running ;;
down) down ;;
status) status ;;
*)
	echo "usage: $0 up|deploy|install <service> [helm args]|reset|running|down|status" >&2
	exit 2
	;;
esac
