"""pytest plugin loaded only by ``make mutation`` (``[tool.mutmut] pytest_add_cli_args``).

mutmut 3 copies ``lambda/model_copy`` to ``mutants/lambda/model_copy`` with every mutant
behind a trampoline, names each mutant after the file's path
(``lambda.model_copy.handler.x_on_event__mutmut_1``) and switches a function to a
mutant only when the function's ``__module__`` is that path-derived name. The tests
reach the handler under another name: ``bedrock_model_copy._lambda.model_copy`` (the
library's one name for its runtime). Imported under that name the mutated files would
never run a mutant, and the scenario tests would exercise nothing.

So, before any test or conftest imports the handler, this plugin imports the mutated
package once under mutmut's name and registers the very same module objects under
that name. It then checks that each name reaches the mutated code, and stops
the run if not, rather than report survivors that no test could have killed.

One child at a time. mutmut forks each mutant's test run from its main process, and
every fork inherits that process's one jsii kernel (the node process behind aws_cdk)
and the pipes to it. Two children synthesizing at once read each other's answers, and
every mutant then looks killed (tried: 10 of 10 "killed", 5 of them logging-only
mutants that survive when run alone). So the plugin refuses ``--max-children`` other
than 1, and keeps the two synthesized IAM policy sets of ``conftest.py`` from the first
session (mutmut's stats run, in the main process) for every later one: the scenario
tests then need no synthesis in a child, which also saves seconds per mutant (only in a
run of handler mutants: a construct mutant must reach the policies the tests synthesize).

The library's names. mutmut names the construct modules' mutants after their path too
(``constructs.bedrock_model_copy._provider.xǁModelCopyProviderǁ__init____mutmut_1``), but
``constructs`` is also the real jsii package that aws-cdk-lib imports, and the tests import
the library as ``bedrock_model_copy``. ``import constructs.bedrock_model_copy`` would look
inside the real package (a directory without ``__init__.py`` never shadows a regular
package), so the plugin loads ``mutants/constructs/bedrock_model_copy`` under the name
``constructs.bedrock_model_copy`` with ``spec_from_file_location`` (its submodules then
resolve inside mutants/ through the package's ``__path__``), leaves the real ``constructs``
alone, and registers every module of the package under ``bedrock_model_copy`` as well.

The tests each mutant runs. mutmut runs a mutant against the tests that reached its
function in the first pass, and every construct test synthesizes a stack that reaches
most construct functions. So the plugin narrows the first pass to the test files that
cover the modules a run mutates (``HANDLER_TESTS``, ``CONSTRUCT_TESTS``, ``CLI_TESTS``), read from the
mutant names or patterns on mutmut's command line.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

MUTMUT_NAME = "lambda.model_copy"  # from the path lambda/model_copy, as mutmut names it
# The names the runtime is reached by: the library's one name for it, and that name under the mutmut name of the
# library (a construct module's ``from ._lambda.model_copy import ...`` resolves relative to its package).
ALIASES = ("bedrock_model_copy._lambda.model_copy", "constructs.bedrock_model_copy._lambda.model_copy")
LIBRARY_MUTMUT_NAME = "constructs.bedrock_model_copy"  # from the path constructs/bedrock_model_copy
LIBRARY_NAME = "bedrock_model_copy"
# The test files each kind of mutant runs against (docs/mutation.md). Paths as in
# [tool.mutmut] pytest_add_cli_args_test_selection, which must list the union.
HANDLER_TESTS = (
    "tests/test_lifecycle.py",
    "tests/test_ownership.py",
    "tests/test_upgrade.py",
    "tests/test_handler_stubber.py",
    "tests/test_validation.py",
    "tests/test_contract.py",
    "tests/test_docs.py",
    "tests/test_handler_rules.py",
    "tests/test_handler_scenarios.py",
    "tests/test_long_copy.py",
    "tests/test_watcher_start.py",
    # Added with the serving and long-serving work (the watcher module serves both).
    "tests/test_long_copy_scenarios.py",
    "tests/test_long_serving.py",
    "tests/test_log_pointers.py",
    "tests/test_long_wait_pins.py",
    # Added with the engine, the kinds and the model import (issues 21-23).
    "tests/test_engine_defects.py",
    "tests/test_kinds.py",
    "tests/test_messages.py",
    "tests/test_billing.py",
    "tests/test_import_scenarios.py",
    "tests/test_serving_lifecycle.py",
    "tests/test_serving_unconfirmed.py",
    "tests/test_sdk_versions.py",
    "tests/conformance/test_lifecycle.py",
    "tests/conformance/test_rollbacks.py",
    "tests/conformance/test_after_purchase.py",
    "tests/conformance/test_phase_reads.py",
)
CONSTRUCT_TESTS = (
    "tests/test_construct.py",
    "tests/test_validation.py",
    "tests/test_cdk_conventions.py",
    "tests/test_long_copy.py",
    "tests/test_template_pins.py",
    "tests/test_refusal_texts.py",
    # Added with the serving, long-serving and regulated-account work (the modules moved and grew).
    "tests/test_serving.py",
    "tests/test_long_copy_scenarios.py",
    "tests/test_long_serving.py",
    "tests/test_logical_ids.py",
    "tests/test_long_wait_pins.py",
    # Added with the kinds, the model import and the users' second round (issues 21-24).
    "tests/test_kinds.py",
    "tests/test_model_import_construct.py",
    "tests/test_from_arn.py",
    "tests/test_user_paper_cuts.py",
    "tests/test_corpus.py",
    "tests/test_messages.py",
    "tests/test_intrinsics_one_resolver.py",
)
# The command's modules (constructs/bedrock_model_copy/cli/): its tests drive it against the fake.
CLI_TESTS = (
    "tests/test_cli.py",
    "tests/test_cli_docs.py",
    "tests/test_cli_drift.py",
    "tests/test_cli_kinds.py",
    "tests/test_cli_serving.py",
    "tests/test_cli_serving_stubber.py",
    "tests/test_cli_watch.py",
    "tests/test_billing.py",
)
CLI_PREFIX = "constructs.bedrock_model_copy.cli."


def _mutated_package() -> dict[str, ModuleType]:
    """The mutated handler package under mutmut's name, every module of it (``engine/``, ``kinds/`` too)."""
    package = importlib.import_module(MUTMUT_NAME)
    location = Path(next(iter(package.__path__))).resolve()
    if location.parent.parent.name != "mutants":
        raise RuntimeError(f"{MUTMUT_NAME} was imported from {location}, not from mutmut's mutants/ copy")
    _link_the_runtime(location.parent.parent)
    modules = {"": package}
    for info in pkgutil.walk_packages(package.__path__, prefix=MUTMUT_NAME + "."):
        modules[info.name.removeprefix(MUTMUT_NAME)] = importlib.import_module(info.name)
    return modules


def _link_the_runtime(mutants: Path) -> None:
    """mutmut copies files, not links: give mutants/ the checkout's ``constructs/bedrock_model_copy/_lambda``.

    The construct library finds the handler asset (and ``bedrock_model_copy._lambda``) through that link to
    ``lambda/``; in mutants/ it points at the mutated copy.
    """
    link = mutants / "constructs" / "bedrock_model_copy" / "_lambda"
    if not link.exists():
        link.symlink_to(Path("..") / ".." / "lambda", target_is_directory=True)


def _alias(modules: dict[str, ModuleType]) -> None:
    for alias in ALIASES:
        for suffix, module in modules.items():
            present = sys.modules.get(alias + suffix)
            if present is not None and present is not module:
                raise RuntimeError(f"{alias + suffix} was imported before the mutation plugin ran: {present!r}")
            sys.modules[alias + suffix] = module


def _mutated_library(handler: ModuleType) -> dict[str, ModuleType]:
    """Load mutants/constructs/bedrock_model_copy as ``constructs.bedrock_model_copy``, every module of it."""
    mutants = Path(next(iter(handler.__path__))).resolve().parent.parent
    root = mutants / "constructs" / "bedrock_model_copy"
    spec = importlib.util.spec_from_file_location(
        LIBRARY_MUTMUT_NAME, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {LIBRARY_MUTMUT_NAME} from {root}")
    package = importlib.util.module_from_spec(spec)
    # Both names from the start: a module that imports ``bedrock_model_copy`` while the package
    # loads must find this object, not the editable install's unmutated one.
    for name in (LIBRARY_MUTMUT_NAME, LIBRARY_NAME):
        present = sys.modules.get(name)
        if present is not None:
            raise RuntimeError(f"{name} was imported before the mutation plugin ran: {present!r}")
        sys.modules[name] = package
    spec.loader.exec_module(package)
    modules = {"": package}
    # walk_packages imports each subpackage (testing/) under the mutmut name to list its modules.
    for info in pkgutil.walk_packages(package.__path__, prefix=LIBRARY_MUTMUT_NAME + "."):
        suffix = info.name.removeprefix(LIBRARY_MUTMUT_NAME)
        if suffix == ".__main__":
            continue  # `python -m bedrock_model_copy`: importing it would run the command with pytest's argv
        module = importlib.import_module(info.name)
        modules[suffix] = module
        present = sys.modules.get(LIBRARY_NAME + suffix)
        if present is not None and present is not module:
            raise RuntimeError(f"{LIBRARY_NAME + suffix} was imported under its own name: {present!r}")
        sys.modules[LIBRARY_NAME + suffix] = module
    for suffix, module in list(modules.items()):
        if not module.__name__.startswith(LIBRARY_MUTMUT_NAME):
            raise RuntimeError(f"{LIBRARY_NAME + suffix} is {module.__name__}, not a mutated module")
    return modules


def _mutant_names(argv: list[str]) -> list[str]:
    """The mutant names or patterns on ``mutmut run``'s command line (none: every mutant)."""
    if "mutmut" not in Path(argv[0]).name or "run" not in argv:
        return []
    names: list[str] = []
    skip = False
    for arg in argv[argv.index("run") + 1 :]:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg
        else:
            names.append(arg)
    return names


def _test_files(names: list[str]) -> set[str]:
    """The test files for the modules these mutants belong to (every file when no names are given)."""
    handler = not names or any(not name.startswith("constructs.") for name in names)
    cli = not names or any(name.startswith(CLI_PREFIX) for name in names)
    library = not names or any(not name.startswith(("lambda.", CLI_PREFIX)) for name in names)
    return (
        set(HANDLER_TESTS if handler else ()) | set(CONSTRUCT_TESTS if library else ()) | set(CLI_TESTS if cli else ())
    )


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
_LIBRARY = _mutated_library(_MODULES[""])
_NAMES = _mutant_names(sys.argv)
_TEST_FILES = _test_files(_NAMES)
# A construct mutant must reach the policies the handler's scenario tests synthesize.
_KEEP_POLICIES = bool(_NAMES) and all(name.startswith("lambda.") for name in _NAMES)
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
    from bedrock_model_copy._lambda.model_copy import handler, rules

    for name, reached, mutated in (
        ("bedrock_model_copy._lambda.model_copy.handler", handler, _MODULES[".handler"]),
        ("bedrock_model_copy._lambda.model_copy.rules", rules, _MODULES[".rules"]),
    ):
        if reached is not mutated:
            raise RuntimeError(f"{name} is {reached!r}, not the mutated {mutated.__name__}")
    if not hasattr(_MODULES[".handler"], "_mutmut_mutated"):
        raise RuntimeError(f"{_MODULES['.handler'].__file__} holds no mutmut trampolines")
    import bedrock_model_copy.model_copy

    if bedrock_model_copy.model_copy is not _LIBRARY[".model_copy"]:
        raise RuntimeError(f"bedrock_model_copy.model_copy is {bedrock_model_copy.model_copy!r}, not the mutated one")
    for suffix in (".model_copy", "._provider", "._long_copy", "._validation"):
        if not hasattr(_LIBRARY[suffix], "_mutmut_mutated"):
            raise RuntimeError(f"{_LIBRARY[suffix].__file__} holds no mutmut trampolines")
    if _KEEP_POLICIES and "conftest" in sys.modules:
        _keep_policies(sys.modules["conftest"])


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Keep only the test files of the modules this run mutates (HANDLER_TESTS, CONSTRUCT_TESTS, CLI_TESTS)."""
    kept: list[Any] = []
    dropped: list[Any] = []
    for item in items:
        (kept if item.nodeid.split("::")[0] in _TEST_FILES else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
