#!/usr/bin/env bash
# Runs a command as if the clock read a chosen UTC time, e.g.
#   deploy/make/at-time.sh '2026-12-31 23:30:00' uv run --frozen --all-packages pytest services/weather -q
# The clock is shifted by one offset (libfaketime's "+N"), not started at a fixed instant ("@..."): every process the
# tests start (the sandbox, the services) reads the same time, and it keeps running. The monotonic clock is
# shifted too: with FAKETIME_DONT_FAKE_MONOTONIC, libfaketime 0.9.10 makes Python's time.sleep fail with EINVAL.
# redis-server keeps the real clock (it recurses in clock_gettime under libfaketime and never answers), through a
# shim ahead of it on PATH; Postgres runs fine under the faked clock.
set -euo pipefail
if [ "$#" -lt 2 ]; then echo "usage: $0 'YYYY-MM-DD HH:MM:SS' command..." >&2; exit 2; fi
command -v faketime >/dev/null || { echo "faketime is not installed (Debian: apt-get install faketime)" >&2; exit 2; }
redis=$(command -v redis-server) || { echo "redis-server is not on PATH" >&2; exit 2; }
target=$(date -u -d "$1 UTC" +%s); shift
offset=$(( target - $(date -u +%s) ))

shims=$(mktemp -d)
trap 'rm -rf "$shims"' EXIT
printf '#!/bin/sh\nunset LD_PRELOAD FAKETIME\nexec %s "$@"\n' "$redis" > "$shims/redis-server"
chmod +x "$shims/redis-server"

PATH="$shims:$PATH" FAKETIME_NO_CACHE=1 faketime -f "$(printf '%+d' "$offset")" "$@"
