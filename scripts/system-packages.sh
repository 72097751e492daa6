#!/usr/bin/env bash
# Installs the Debian packages Podium needs when they are missing: PostgreSQL 15 (run
# from its binaries, no system cluster), Java and Maven for the local Kafka, the CJK fonts
# broadcast's PDFs and share cards embed (and the page tests' screenshots show) and, with
# `test`, Chromium for the page tests (Playwright drives Debian's Chromium; no download)
# and Prometheus's promtool for the alert rules' tests; with `bench`, HAProxy and wrk.
# `make run` skips the browser: a large download it does not need.
set -euo pipefail
purpose=${1:-run}

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-cjk)
if [[ $purpose == bench ]]; then
  # The benchmark's balancer and REST load generator (docs/benchmarks.md).
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
fi
if [[ $purpose == test ]]; then
  command -v chromium >/dev/null || missing+=(chromium)
  # promtool checks the alert rules and their unit tests (monitoring/prometheus).
  command -v promtool >/dev/null || missing+=(prometheus)
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "podium needs these Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "installing ${missing[*]}" >&2
  # Debian's postgresql package would create and start its own cluster on 5432; Podium
  # runs its own data folders, so keep the package from making one.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/podium.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
