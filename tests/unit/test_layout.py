"""The layout is the architecture (docs/architecture.md "Where things live"): each folder
imports only from the layers below it, nothing imports in a circle, and the pure domain
does no I/O. Imports are read from the source (functions and TYPE_CHECKING blocks too)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.settings import REPO_ROOT

PACKAGES = ("shared", "services", "launcher")
SERVICES = ("services.ingest", "services.scoring", "services.broadcast")

# Each layer and the project layers it may import (besides itself).
LAYERS: dict[str, tuple[str, ...]] = {
    "shared.domain": (),
    "shared.contract": ("shared.domain",),
    "shared.adapters": ("shared.domain", "shared.contract"),
    **{service: ("shared.domain", "shared.contract", "shared.adapters") for service in SERVICES},
    "services.cli": ("shared.domain", "shared.contract", "shared.adapters", *SERVICES,
                     "launcher"),
    "launcher": ("shared.adapters",),
}
# The domain is plain code over plain data: none of these in it.
IO_MODULES = frozenset({
    "asyncio", "asyncpg", "aiokafka", "http", "httpx", "io", "os", "shutil", "socket",
    "sqlite3", "starlette", "subprocess", "urllib", "uvicorn", "websockets", "yaml",
})


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in sorted((REPO_ROOT / package).rglob("*.py"))}


def imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Every module `name` imports, project and third-party, by its full dotted name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in modules else base


def layer_of(module: str) -> str | None:
    matches = [layer for layer in LAYERS if module == layer or module.startswith(layer + ".")]
    return max(matches, key=len) if matches else None


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: set(imported(name, path, modules)) for name, path in modules.items()}


def test_every_project_module_belongs_to_a_layer() -> None:
    unplaced = [name for name in project_modules()
                if layer_of(name) is None and name not in ("shared", "services")]
    assert unplaced == []


def test_each_layer_imports_only_the_layers_below_it() -> None:
    upward = []
    for module, imports in graph().items():
        layer = layer_of(module)
        if layer is None:
            continue
        allowed = (layer, *LAYERS[layer])
        for target in imports:
            target_layer = layer_of(target)
            if target.split(".")[0] in PACKAGES and target_layer not in allowed:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_the_domain_does_no_io() -> None:
    found = [f"{module} -> {target}" for module, imports in graph().items()
             if layer_of(module) == "shared.domain"
             for target in imports if target.split(".")[0] in IO_MODULES]
    assert found == []


def test_nothing_imports_in_a_circle() -> None:
    edges = graph()
    circles = [sorted(component) for component in strongly_connected(edges)
               if len(component) > 1]
    assert circles == []


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm over the project's modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in edges:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in edges:
        if node not in index:
            visit(node)
    return components


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [{"a", "b", "c"}]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_circle_finder_finds_circles(edges: dict[str, set[str]],
                                         expected: list[set[str]]) -> None:
    assert [c for c in strongly_connected(edges) if len(c) > 1] == expected


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    source = tmp_path / "shared" / "domain" / "leaky.py"
    source.parent.mkdir(parents=True)
    source.write_text("from services.scoring import core\nimport asyncpg\n")
    found = set(imported("shared.domain.leaky", source, {"services.scoring.core": source}))
    assert found == {"services.scoring.core", "asyncpg"}
    assert layer_of("services.scoring.core") not in LAYERS["shared.domain"]
