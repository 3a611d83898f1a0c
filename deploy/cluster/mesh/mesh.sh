#!/usr/bin/env bash
# Istio on the harness's cluster (deploy/cluster/cluster.sh up must have run):
#   mesh.sh install   images into the node, istiod (Istio's own chart, istiod-values.yaml), sidecar injection on
#                     the tripsage namespace; before `cluster.sh deploy`, so every service pod starts with its sidecar
#   mesh.sh ingress   the ingress gateway (istio-ingress/istio-ingressgateway) and the Gateway the charts name
# The charts come from the istio.io/istio module build-tools.sh builds istiod from: one version for all of it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
state=${CLUSTER_STATE:-/var/lib/tripsage-cluster}
run=/run/tripsage-cluster
tag=${MESH_IMAGE_TAG:-mesh}
helm_bin="$repo/.tools/bin/helm"
export KUBECONFIG="$state/admin.kubeconfig"
export PATH="$repo/.tools/cluster:$PATH"
log() { printf '[mesh %s] %s\n' "$(date -u +%T)" "$*"; }

istio_charts() {
	local version
	version=$(awk '$1 == "istio.io/istio" {print $2}' "$here/../istio/go.mod")
	(cd "$here/../istio" && go mod download -json "istio.io/istio@$version") |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"] + "/manifests/charts")'
}

images_load() {
	local images=()
	for name in pilot proxyv2; do images+=("tripsage-mesh/$name:$tag"); done
	docker save "${images[@]}" |
		ctr --address "$run/containerd.sock" --namespace k8s.io images import --all-platforms - >/dev/null
	log "loaded ${images[*]} into the cluster's containerd"
}

install() {
	local started=$SECONDS charts
	charts=$(istio_charts)
	images_load
	kubectl create namespace istio-system --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	"$helm_bin" upgrade --install istiod "$charts/istio-control/istio-discovery" -n istio-system --wait --timeout 5m \
		-f "$here/istiod-values.yaml" >/dev/null
	log "istiod ready in $((SECONDS - started)) s"
	# Labelled before the charts are installed: their pods are created with the sidecar, never restarted for it.
	kubectl create namespace tripsage --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	kubectl label namespace tripsage istio-injection=enabled --overwrite >/dev/null
}

ingress() {
	local started=$SECONDS charts
	charts=$(istio_charts)
	kubectl create namespace istio-ingress --dry-run=client -o yaml | kubectl apply -f - >/dev/null
	# The gateway chart's pod asks for injection by annotation, which istiod's webhook honours in labelled namespaces.
	kubectl label namespace istio-ingress istio-injection=enabled --overwrite >/dev/null
	"$helm_bin" upgrade --install istio-ingressgateway "$charts/gateway" -n istio-ingress --wait --timeout 5m \
		-f "$here/ingress-values.yaml" >/dev/null
	kubectl apply -f "$here/ingress-gateway.yaml" >/dev/null
	log "ingress gateway ready in $((SECONDS - started)) s"
}

case "${1:-}" in
install) install ;;
ingress) ingress ;;
*)
	echo "usage: $0 install|ingress" >&2
	exit 2
	;;
esac
