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
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

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


_MODULES = _mutated_package()
_alias(_MODULES)


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
