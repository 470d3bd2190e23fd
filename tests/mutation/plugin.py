"""pytest plugin loaded only by ``make mutation`` (``[tool.mutmut] pytest_add_cli_args``).

mutmut 3 copies ``lambda/model_copy`` to ``mutants/lambda/model_copy`` with every mutant
behind a trampoline, names each mutant after the file's path
(``lambda.model_copy.handler.x_on_event__mutmut_1``) and switches a function to a
mutant only when the function's ``__module__`` is that path-derived name. The tests
reach the handler under two other names: ``model_copy`` (pytest's ``pythonpath``
holds ``lambda``) and ``bedrock_model_copy._handler`` (``_asset.load_handler_module``,
used by the provider-framework driver and by synth-time validation). Imported under
those names the mutated files would never run a mutant, and the scenario tests would
exercise nothing.

So, before any test or conftest imports the handler, this plugin imports the mutated
package once under mutmut's name and registers the very same module objects under
both other names. It then checks that each name reaches the mutated code, and stops
the run if not, rather than report survivors that no test could have killed.

One child at a time. mutmut forks each mutant's test run from its main process, and
every fork inherits that process's one jsii kernel (the node process behind aws_cdk)
and the pipes to it. Two children synthesizing at once read each other's answers, and
every mutant then looks killed (tried: 10 of 10 "killed", 5 of them logging-only
mutants that survive when run alone). So the plugin refuses ``--max-children`` other
than 1, and keeps the two synthesized IAM policy sets of ``conftest.py`` from the first
session (mutmut's stats run, in the main process) for every later one: the scenario
tests then need no synthesis in a child, which also saves seconds per mutant.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

MUTMUT_NAME = "lambda.model_copy"  # from the path lambda/model_copy, as mutmut names it
ALIASES = ("model_copy", "bedrock_model_copy._handler")


def _mutated_package() -> dict[str, ModuleType]:
    package = importlib.import_module(MUTMUT_NAME)
    location = Path(next(iter(package.__path__))).resolve()
    if location.parent.parent.name != "mutants":
        raise RuntimeError(f"{MUTMUT_NAME} was imported from {location}, not from mutmut's mutants/ copy")
    modules = {"": package}
    for info in pkgutil.iter_modules(package.__path__):
        modules[f".{info.name}"] = importlib.import_module(f"{MUTMUT_NAME}.{info.name}")
    return modules


def _alias(modules: dict[str, ModuleType]) -> None:
    for alias in ALIASES:
        for suffix, module in modules.items():
            present = sys.modules.get(alias + suffix)
            if present is not None and present is not module:
                raise RuntimeError(f"{alias + suffix} was imported before the mutation plugin ran: {present!r}")
            sys.modules[alias + suffix] = module


def _check_one_child(argv: list[str]) -> None:
    if "mutmut" not in Path(argv[0]).name:
        return
    children = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--max-children"), None)
    if children != "1":
        raise RuntimeError(
            "run mutmut with --max-children 1 (make mutation does): forked children share one jsii kernel, "
            "and concurrent synthesis makes every mutant look killed"
        )


_check_one_child(sys.argv)
_MODULES = _mutated_package()
_alias(_MODULES)
_POLICIES: dict[str, list[dict[str, Any]]] = {}


def _keep_policies(conftest: ModuleType) -> None:
    """Make ``conftest.synthesized_handler_policies`` synthesize each stack once per mutmut run."""
    original: Callable[[Any], list[dict[str, Any]]] = conftest.synthesized_handler_policies
    if getattr(original, "kept_by_mutation_plugin", False):
        return

    def kept(build: Any) -> list[dict[str, Any]]:
        key = f"{build.__module__}.{build.__qualname__}"
        if key not in _POLICIES:
            _POLICIES[key] = original(build)
        return copy.deepcopy(_POLICIES[key])

    kept.kept_by_mutation_plugin = True  # type: ignore[attr-defined]
    conftest.synthesized_handler_policies = kept


def pytest_sessionstart() -> None:
    """Every way a test reaches the handler must reach the mutated modules."""
    import model_copy.handler
    import model_copy.rules
    from bedrock_model_copy._asset import load_handler_module

    for name, reached, mutated in (
        ("model_copy.handler", model_copy.handler, _MODULES[".handler"]),
        ("model_copy.rules", model_copy.rules, _MODULES[".rules"]),
        ("load_handler_module('handler')", load_handler_module("handler"), _MODULES[".handler"]),
        ("load_handler_module('rules')", load_handler_module("rules"), _MODULES[".rules"]),
    ):
        if reached is not mutated:
            raise RuntimeError(f"{name} is {reached!r}, not the mutated {mutated.__name__}")
    if not hasattr(_MODULES[".handler"], "_mutmut_mutated"):
        raise RuntimeError(f"{_MODULES['.handler'].__file__} holds no mutmut trampolines")
    if "conftest" in sys.modules:
        _keep_policies(sys.modules["conftest"])
