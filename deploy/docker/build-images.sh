#!/usr/bin/env bash
# Build every TripSage image with the local Docker engine: `make images`.
#   BASE_IMAGE  unset: build tripsage/base:bookworm from Debian packages (no image registry needed) and use it;
#               set (e.g. python:3.11-slim-bookworm@sha256:...): use that base, and skip the stand-in images.
#   TAG         image tag (default: dev).   ONLY="time gateway": build just these.
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG="${TAG:-dev}"
# >>> generated from services.toml: image-services (make generate; edit services.toml, not here)
SERVICES=(gateway flights stays maps weather time memory)
# <<< generated
if [[ -z "${BASE_IMAGE:-}" ]]; then
  BASE_IMAGE="tripsage/base:bookworm"
  deploy/docker/build-base.sh "$BASE_IMAGE"
  STAND_INS=1
fi
# A TLS-inspecting egress proxy's CA, if this machine has one, so the builder stage can reach the package index.
EXTRA_CA_CERTS="${EXTRA_CA_CERTS:-$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)}"

build() {  # name dockerfile
  local started=$SECONDS
  # Host networking at build time only: the builder reaches the package index without the engine's NAT.
  docker build --force-rm --network host --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg EXTRA_CA_CERTS="$EXTRA_CA_CERTS" \
    -f "$2" -t "tripsage/$1:$TAG" . >"/tmp/tripsage-build-$1.log" 2>&1 \
    || { tail -40 "/tmp/tripsage-build-$1.log" >&2; echo "building tripsage/$1 failed (log: /tmp/tripsage-build-$1.log)" >&2; return 1; }
  echo "built tripsage/$1:$TAG in $((SECONDS - started)) s"
}

targets=(${ONLY:-${SERVICES[*]} sandbox ${STAND_INS:+postgres redis}})
failed=()
for name in "${targets[@]}"; do
  case "$name" in
    sandbox) dockerfile=deploy/sandbox/Dockerfile ;;
    postgres | redis) dockerfile="deploy/docker/$name/Dockerfile" ;;
    *) dockerfile="services/$name/Dockerfile" ;;
  esac
  build "$name" "$dockerfile" || failed+=("$name")  # build the rest: one report of everything broken
done
# Layers replaced by this build leave untagged images behind; only dangling ones go, nothing tagged or in use.
docker image prune -f >/dev/null
docker images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' 'tripsage/*' | sort
if ((${#failed[@]})); then echo "FAILED: ${failed[*]}" >&2; exit 1; fi
