#!/usr/bin/env bash
# Builds the cluster's Go programs into .tools/ from the modules pinned under deploy/cluster (go.mod + go.sum).
#   build-tools.sh        Kubernetes, CoreDNS, the OpenTelemetry Collector, pause, metrics-server, kube-network-policies
#   build-tools.sh mesh   also istiod (pilot-discovery) and pilot-agent (make mesh-test)
# A binary newer than every file of its module is kept, so a warm rerun costs a few stats per tool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/.tools/cluster"
mkdir -p "$out"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# Go's own default, one compile per core: a cold build is ~1,200 CPU-seconds (docs/deployment.md), which one
# package at a time spreads over little more than one core. The largest compile or link measured stays near 0.5 GB.
# On a machine shared with others, CLUSTER_BUILD_P=1 leaves them a core.
parallel=${CLUSTER_BUILD_P:-$(nproc)}

build() { # module-dir version-ldflags package[=binary-name]...   (build tags, if any, in $tags)
	local dir=$1 ldflags=$2
	shift 2
	local pkg name missing=()
	for pkg in "$@"; do
		name=${pkg##*[/=]}
		# Rebuilt when any file of its module (go.mod, go.sum, main.go) is newer than the binary.
		[[ -x $out/$name && -z $(find "$here/$dir" -maxdepth 1 -type f -newer "$out/$name") ]] || missing+=("$pkg")
	done
	((${#missing[@]})) || return 0
	for pkg in "${missing[@]}"; do
		local start=$SECONDS
		name=${pkg##*[/=]}
		(cd "$here/$dir" && go build -p="$parallel" -trimpath ${tags:+-tags="$tags"} -ldflags "-s -w $ldflags" -o "$out/$name" "${pkg%=*}")
		echo "built $name in $((SECONDS - start)) s"
	done
}

k8s_version=$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$here/k8s/go.mod")
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1"
k8s_ldflags+=" -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$k8s_version") -X k8s.io/component-base/version.gitTreeState=clean"
build k8s "$k8s_ldflags" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
	k8s.io/kubernetes/cmd/kubectl
build coredns "" tripsage.local/cluster/coredns
build otelcol "" tripsage.local/cluster/otelcol
build pause "" tripsage.local/cluster/pause
# metrics-server, a tool of its own module (go get -tool): its Kubernetes libraries are v0.33, not the cluster's v0.34.
ms_version=$(awk '$1 == "sigs.k8s.io/metrics-server" {print $2}' "$here/metrics-server/go.mod")
build metrics-server "-X k8s.io/client-go/pkg/version.gitVersion=$ms_version -X k8s.io/client-go/pkg/version.gitTreeState=clean" \
	sigs.k8s.io/metrics-server/cmd/metrics-server
# NetworkPolicy enforcement for the bridge CNI (SIG Network's agent, a tool of its own module like metrics-server).
build netpol "" sigs.k8s.io/kube-network-policies/cmd=kube-network-policies
[[ ${1:-} == mesh ]] || exit 0
# istio.io/istio is served only as a pseudo-version, "not an approved release": nothing else provides istiod.
# With the build tags of Istio's own release builds (its Makefile.core.mk, STANDARD_TAGS and AGENT_TAGS), which leave
# out go-control-plane's request validators among others: cold on an idle 2-core machine 242 s, 252 s without them.
tags=vtprotobuf,disable_pgv build istio "" istio.io/istio/pilot/cmd/pilot-discovery
tags=agent,disable_pgv,grpcnotrace,retrynotrace build istio "" istio.io/istio/pilot/cmd/pilot-agent
