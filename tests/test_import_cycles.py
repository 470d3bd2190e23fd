"""No import cycles among the library's modules, the testing kit's and the handler's.

The graph is built with ``ast`` from the source files: every ``import`` and ``from ... import``
anywhere in a module counts (module level, inside functions, under ``if TYPE_CHECKING:``), since a
cycle through a function-level import is still a cycle: it only moves the failure to run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "bedrock_model_copy": ROOT / "constructs" / "bedrock_model_copy",
    "bedrock_model_copy._lambda.model_copy": ROOT / "lambda" / "model_copy",
}
LINK = ROOT / "constructs" / "bedrock_model_copy" / "_lambda"  # the link to lambda/: its files are listed once


def _module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package, directory in PACKAGES.items():
        for path in directory.rglob("*.py"):
            if LINK in path.parents:
                continue
            parts = list(path.relative_to(directory).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from . import x`` imports the submodule x when there is one; otherwise a name of ``base``.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # ``import a.b.c`` of a module: its own file
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = _module_files()
    return {name: _imports(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in import order, the first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _package_only(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Without the edges from a package to its own modules (``__init__`` re-exports them; no module imports it)."""
    return {name: {t for t in targets if not t.startswith(f"{name}.")} for name, targets in graph.items()}


def test_no_module_imports_itself_through_others() -> None:
    graph = _package_only(import_graph())
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_graph_sees_function_level_and_type_checking_imports() -> None:
    graph = import_graph()
    # Module level, relative.
    assert "bedrock_model_copy._options" in graph["bedrock_model_copy._provider"]
    # ``from . import x`` of a submodule.
    assert "bedrock_model_copy._long_copy" in graph["bedrock_model_copy._copy_resource"]
    # The handler package, relative; and the construct side importing the one runtime.
    assert "bedrock_model_copy._lambda.model_copy.contract" in graph["bedrock_model_copy._lambda.model_copy.handler"]
    assert "bedrock_model_copy._lambda.model_copy.contract" in graph["bedrock_model_copy._provider"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from ._provider import X\n", "bedrock_model_copy._provider"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .model_copy import B\n",
            "bedrock_model_copy.model_copy",
        ),
        ("import bedrock_model_copy.testing.states\n", "bedrock_model_copy.testing.states"),
    ],
)
def test_a_cycle_through_any_kind_of_import_is_found(tmp_path: Path, source: str, expected: str) -> None:
    module = tmp_path / "probe.py"
    module.write_text(source)
    modules = set(_module_files()) | {"bedrock_model_copy.probe"}
    imports = _imports("bedrock_model_copy.probe", module, modules)
    assert imports == {expected}
    graph = {"bedrock_model_copy.probe": imports, expected: {"bedrock_model_copy.probe"}}
    cycle = find_cycle(graph)
    assert cycle is not None
    assert sorted(cycle[:-1]) == sorted(["bedrock_model_copy.probe", expected])
    assert cycle[0] == cycle[-1]
