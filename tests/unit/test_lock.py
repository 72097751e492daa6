"""The lock files install exactly what pyproject.toml pins: they cannot drift apart unnoticed
(`make lock` rewrites them; docs/operations.md, "Dependencies")."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shared.adapters.settings import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
RUNTIME = PYPROJECT["project"]["dependencies"]
DEV = PYPROJECT["project"]["optional-dependencies"]["dev"]
BUILD = PYPROJECT["build-system"]["requires"]
# `name==version` at the start of a line, then the hashes on the continuation lines.
_LOCKED = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(?: ;[^\\]*)? \\\n((?:    --hash=.*\n?)+)", re.MULTILINE)


def pins(requirements: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in requirements:
        requirement = Requirement(text)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{text} is not pinned to one version"
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


def locked(lock_file: str) -> dict[str, set[str]]:
    text = (REPO_ROOT / lock_file).read_text()
    entries: dict[str, set[str]] = {}
    for name, version, hashes in _LOCKED.findall(text):
        assert "--hash=sha256:" in hashes, f"{name} has no hash in {lock_file}"
        entries.setdefault(canonicalize_name(name), set()).add(version)
    requirement_lines = [line for line in text.splitlines()
                         if line and not line.startswith(("#", " "))]
    assert len(requirement_lines) == sum(len(versions) for versions in entries.values()), \
        f"{lock_file} has a requirement without hashes"
    return entries


@pytest.mark.parametrize(("lock_file", "wanted"), [
    ("requirements.lock", RUNTIME + BUILD),
    ("requirements-dev.lock", RUNTIME + DEV + BUILD),
])
def test_every_pin_of_pyproject_is_in_the_lock_at_its_version(
    lock_file: str, wanted: list[str]
) -> None:
    entries = locked(lock_file)
    drifted = {name: (version, sorted(entries.get(name, set())))
               for name, version in pins(wanted).items() if entries.get(name) != {version}}
    assert drifted == {}, f"pyproject.toml and {lock_file} differ (pin: lock); run `make lock`"


def test_the_image_runs_what_the_tests_ran() -> None:
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: versions for name, versions in runtime.items()
            if dev.get(name) != versions} == {}
