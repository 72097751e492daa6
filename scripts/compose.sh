#!/usr/bin/env bash
# Makes a Docker Compose binary for the tests that check docker-compose.yml
# (tests/unit/test_production_shape.py runs `docker compose config`; no Docker engine is
# needed for that): none when one is on PATH, else built once from its Go module into .cache/
# (Go verifies the module's checksums; about 10 minutes the first time, seconds after).
set -euo pipefail
version=v2.40.3
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; then
  exit 0
fi
binary=$PWD/.cache/docker-compose-$version
[[ -x $binary ]] && exit 0
go=$(command -v go || echo /usr/local/go/bin/go)
if [[ ! -x $go ]]; then
  echo "checking docker-compose.yml needs Docker Compose: install it, or Go to build it" >&2
  exit 1
fi
echo "building Docker Compose $version into .cache/ (once)" >&2
module=$("$go" mod download -json "github.com/docker/compose/v2@$version" \
         | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p .cache
(cd "$module" && "$go" build -trimpath -o "$binary.partial" \
   -ldflags "-X github.com/docker/compose/v2/internal.Version=$version" ./cmd)
mv "$binary.partial" "$binary"
