# TripSage developer entry points. `make run` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export PIP_BREAK_SYSTEM_PACKAGES := 1
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(PYTHON) -m uv)
RUN := $(UV) run --frozen --all-packages --quiet
SUB ?= dev-user
PYTEST_ARGS ?=

.PHONY: help install run token ctl test lint typecheck unit e2e fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

.venv/.synced: uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml deploy/*/pyproject.toml)
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-packages
	$(RUN) tripsage-sandbox fetch-model
	@touch $@

install: .venv/.synced ## install uv, every package from uv.lock, and the sandbox's embedding model

run: install ## run the whole stack on 127.0.0.1 (Ctrl-C stops it)
	$(RUN) tripsage-dev run

token: install ## print a development token on the last line (make token SUB=alice)
	@$(RUN) tripsage-dev token --sub "$(SUB)"

ctl: install ## control the running stack, e.g. make ctl CMD='stop time'
	$(RUN) supervisorctl -c .run/supervisord.conf $(CMD)

lint: install ## ruff
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: install ## mypy (strict on libs/)
	$(RUN) mypy libs/*/src services/*/src deploy/*/src

unit: install ## unit and integration tests of libs, services and tools
	$(RUN) pytest libs services deploy $(PYTEST_ARGS)

e2e: install ## end-to-end tests against a stack started the way `make run` starts it
	$(RUN) pytest tests-e2e $(PYTEST_ARGS)

test: lint typecheck unit e2e ## every check and every test

fmt: install ## format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean: ## remove local state (the dev database included)
	rm -rf .run .venv .mypy_cache .ruff_cache
