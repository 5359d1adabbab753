"""The package's layers, as the documentation states them, hold in the code.

The list of layers is read from the architecture section (README.md, or docs/architecture.md
where it lives there), between `<!-- layers` and `<!-- /layers -->`. Every import of a module of
the package counts: at module level, inside a function, or for type checking only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "extractor"


def stated_layers() -> list[list[str]]:
    """The layers from the bottom, each the names of its parts (`flow`, `cache`, ...)."""
    for page in (ROOT / "docs" / "architecture.md", ROOT / "README.md"):
        text = page.read_text(encoding="utf-8") if page.exists() else ""
        found = re.search(r"<!-- layers\b.*?-->\n(.*?)<!-- /layers -->", text, re.S)
        if found:
            items = re.findall(r"^\d+\. (.+?):", found.group(1), re.M)
            return [re.findall(r"`([a-z_]+)`", item) for item in items]
    raise AssertionError(
        "no list of layers (<!-- layers --> ... <!-- /layers -->) in README.md or docs/architecture.md"
    )


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that `path` imports, anywhere in it."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from extractor.llm import client` names a module
                whole = f"{node.module}.{alias.name}"
                named.add(whole if whole in known else node.module)
        elif isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
    return {name for name in named if name in known and name != "extractor"}


def part_of(module: str) -> str:
    """The part a module belongs to: its folder under extractor/, or its own name at the top."""
    return module.split(".")[1]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def test_every_part_of_the_package_is_in_exactly_one_stated_layer():
    stated = [name for layer in stated_layers() for name in layer]
    parts = {part_of(m) for m in modules() if m != "extractor"}
    assert sorted(stated) == sorted(parts), "the list of layers and the package's folders and modules differ"


def test_imports_only_reach_down_the_layers():
    layer_of = {name: number for number, layer in enumerate(stated_layers()) for name in layer}
    broken = []
    for module, targets in graph().items():
        if module == "extractor":
            continue  # the package's face hands names on from every layer, on first use
        here = part_of(module)
        for target in targets:
            there = part_of(target)
            if there != here and layer_of[there] >= layer_of[here]:
                kind = "the same layer" if layer_of[there] == layer_of[here] else "a higher layer"
                broken.append(f"{module} imports {target}, of {kind}")
    assert broken == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import loops: groups of modules each reaching every other (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other():
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    ("edges", "loops"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"a"}}, [["a"]]),
    ],
)
def test_the_cycle_finder_finds_loops_and_only_loops(edges, loops):
    assert cycles(edges) == loops


def test_an_upward_import_in_a_function_or_for_type_checking_is_seen(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from extractor.runs.workers import WorkerPool\n"
        "def f():\n    from extractor.llm import client\n"
    )
    assert imports(probe, modules()) == {"extractor.runs.workers", "extractor.llm.client"}
