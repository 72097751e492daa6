#!/usr/bin/env bash
# Writes the lock files from pyproject.toml's pins (`make lock`; docs/operations.md,
# "Dependencies"): requirements.lock, what the image runs, and requirements-dev.lock, that and
# the tests' and tools' packages. Every package at one version with the hashes of all its
# files, for every platform, plus the build backend, so `pip install --require-hashes`
# installs exactly what was tested and nothing that was tampered with.
set -euo pipefail
cd "$(dirname "$0")/.."
build_backend=$(python3 -c 'import tomllib; print("\n".join(
    tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))')
compile=(.venv/bin/uv pip compile pyproject.toml - --universal --python-version 3.11
         --generate-hashes --quiet --custom-compile-command "make lock")
"${compile[@]}" -o requirements.lock <<<"$build_backend"
"${compile[@]}" --extra dev -o requirements-dev.lock <<<"$build_backend"
