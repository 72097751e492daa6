#!/usr/bin/env bash
# Builds a Go program from its module into BINARY, once: `go-build.sh MODULE@VERSION BINARY
# PACKAGE [LDFLAGS]` (Go verifies the module's checksums). Used by scripts/compose.sh and
# scripts/peer.sh; exits 1 with a message when Go is not installed.
set -euo pipefail
module_version=$1 binary=$2 package=$3 ldflags=${4:-}
[[ -x $binary ]] && exit 0
go=$(command -v go || echo /usr/local/go/bin/go)
if [[ ! -x $go ]]; then
  echo "building $module_version needs Go: install it" >&2
  exit 1
fi
echo "building $module_version into $(dirname "$binary")/ (once)" >&2
module=$("$go" mod download -json "$module_version" \
         | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p "$(dirname "$binary")"
(cd "$module" && "$go" build -trimpath -o "$binary.partial" -ldflags "$ldflags" "$package") >&2
mv "$binary.partial" "$binary"
