#!/usr/bin/env bash
# Prints the path of a Centrifugo binary for the benchmark's peer (bench/peer.py): the one
# PODIUM_PEER_BINARY names, else one built once from its Go module into .cache/ (a few
# minutes the first time). Prints nothing and exits 1 when neither is possible (no Go): the
# benchmark then skips the peer and says so.
set -euo pipefail
version=v6.9.1
cd "$(dirname "$0")/.."
if [[ -n ${PODIUM_PEER_BINARY:-} && -x $PODIUM_PEER_BINARY ]]; then
  echo "$PODIUM_PEER_BINARY"
  exit 0
fi
binary=$PWD/.cache/centrifugo-$version
bash scripts/go-build.sh "github.com/centrifugal/centrifugo/v6@$version" "$binary" . \
  "-X github.com/centrifugal/centrifugo/v6/internal/build.Version=${version#v}" \
  || { echo "the benchmark's peer needs Centrifugo: set PODIUM_PEER_BINARY, or install Go to build it" >&2; exit 1; }
echo "$binary"
