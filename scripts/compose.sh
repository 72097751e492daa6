#!/usr/bin/env bash
# Makes a Docker Compose binary for the tests that check docker-compose.yml
# (tests/unit/test_production_shape.py runs `docker compose config`; no Docker engine is
# needed for that): none when one is on PATH, else built once from its Go module into .cache/
# (about 10 minutes the first time, seconds after).
set -euo pipefail
version=v2.40.3
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; then
  exit 0
fi
bash scripts/go-build.sh "github.com/docker/compose/v2@$version" \
  "$PWD/.cache/docker-compose-$version" ./cmd \
  "-X github.com/docker/compose/v2/internal.Version=$version" \
  || { echo "checking docker-compose.yml needs Docker Compose: install it, or Go to build it" >&2; exit 1; }
