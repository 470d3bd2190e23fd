"""The testing kit is discoverable: every public name has a docstring and is in docs/testing-kit.md.

Public: the names of ``bedrock_model_copy.testing.__all__``, and of the ``__all__`` of each public submodule (the
modules directly under ``testing/`` whose names do not start with ``_``; ``testing/aws`` and ``testing/cfn`` are
the kit's insides, described module by module on the same page). A class or function needs a docstring; every
name must appear on the page as ``name``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import bedrock_model_copy.testing as kit
from conftest import ROOT

PAGE = (ROOT / "docs" / "testing-kit.md").read_text()


def _public_modules() -> list[str]:
    return ["bedrock_model_copy.testing"] + [
        f"bedrock_model_copy.testing.{module.name}"
        for module in pkgutil.iter_modules(kit.__path__)
        if not module.name.startswith("_") and not module.ispkg
    ]


def _public_names() -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module_name} has no __all__: say which of its names are public"
        names += [(module_name, name) for name in exported]
    return names


def test_the_public_modules_are_the_ones_the_page_lists() -> None:
    modules = {name.rsplit(".", 1)[1] for name in _public_modules()[1:]}
    assert modules == {
        "apps",
        "asl",
        "command",
        "driver",
        "fake_bedrock",
        "fake_fleet",
        "iam",
        "intrinsics",
        "runtime",
        "states",
    }


@pytest.mark.parametrize(("module_name", "name"), _public_names())
def test_every_public_name_has_a_docstring_and_is_on_the_page(module_name: str, name: str) -> None:
    value = getattr(importlib.import_module(module_name), name)
    if inspect.isclass(value) or inspect.isfunction(value):
        own = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
        generated = dataclasses.is_dataclass(value) and str(own).startswith(f"{value.__name__}(")  # the signature
        assert (own or "").strip() and not generated, f"{module_name}.{name} has no docstring"
    assert re.search(rf"`{re.escape(name)}`", PAGE), f"{module_name}.{name} is not in docs/testing-kit.md"


def test_the_page_names_the_two_stack_example() -> None:
    assert "examples/two_stacks.py" in PAGE and "examples/test_two_stacks.py" in PAGE
