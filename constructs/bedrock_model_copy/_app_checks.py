"""Synth-time checks across an app, and how their errors reach the user.

- Two ``BedrockModelCopy`` in different stacks of one app that copy to the same concrete
  ``target_model_name`` in the same concrete account and Region would make (and, with
  ``DESTROY``, delete) one model for two resources: one validation per App refuses that at synth.
  Copies in one stack are already refused when constructed (``ModelCopyProvider.register_copy``).
  A stack with a token account or Region (environment-agnostic) is left out: where it deploys is
  known only at deploy time, and the handler's ownership tags refuse to adopt another stack's copy
  then.
- aws-cdk-lib runs validations inside ``app.synth()``, in the jsii kernel, so a validation's error
  reaches Python as jsii's ``RuntimeError``. Validations of this library record each error they
  report; ````Stage.synth`` and ``App.synth`` (which ``cdk synth`` calls) are wrapped once so that when
  synthesis fails on one of them, the user gets that ``PropertyValidationError`` (from the
  ``RuntimeError``, which lists every error with its construct path).
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, ClassVar

import jsii
from aws_cdk import App, Stack, Stage

from constructs import IConstruct, IValidation

from ._validation import PropertyValidationError, may_be_token, stack_location

# The errors this library's validations reported during the synthesis in progress.
_reported: list[PropertyValidationError] = []


def report(error: PropertyValidationError, path: str) -> str:
    """Remember ``error`` for :func:`_synth` and return the text a validation returns to aws-cdk-lib."""
    error.add_note(f"reported at synth for {path}")
    _reported.append(error)
    return str(error)


def _wrap_synth(stage_class: Any) -> None:
    original = stage_class.__dict__["synth"]
    if getattr(original, "_bedrock_model_copy", False):
        return

    @functools.wraps(original)
    def synth(self: Stage, **options: Any) -> Any:
        del _reported[:]
        try:
            return original(self, **options)
        except RuntimeError as error:
            ours = next((e for e in _reported if str(e) in str(error)), None)
            if ours is None:
                raise
            raise ours from error
        finally:
            del _reported[:]

    synth._bedrock_model_copy = True  # type: ignore[attr-defined]
    stage_class.synth = synth


for _stage_class in (Stage, App):  # App redefines synth
    _wrap_synth(_stage_class)


@jsii.implements(IValidation)
class AppCopies:
    """The concrete target model names of an app's copies, by account and Region (one per App)."""

    _by_root: ClassVar[weakref.WeakKeyDictionary[IConstruct, AppCopies]] = weakref.WeakKeyDictionary()
    _roots: ClassVar[weakref.WeakKeyDictionary[Stack, tuple[AppCopies, str]]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._copies: list[tuple[str, str, str, str]] = []

    @classmethod
    def register(cls, stack: Stack, *, target_model_name: str, path: str) -> None:
        """Record one copy; a token name, account or Region is not compared."""
        known = cls._roots.get(stack)
        if known is None:
            root = stack.node.root
            copies = cls._by_root.get(root)
            if copies is None:
                copies = cls._by_root[root] = cls()
                root.node.add_validation(copies)
            account = stack.account
            known = cls._roots[stack] = (copies, "" if may_be_token(account) else account)
        copies, account = known
        region, _ = stack_location(stack)
        if account and region and not may_be_token(target_model_name):
            copies._copies.append((account, region, target_model_name, path))

    def validate(self) -> list[str]:
        first: dict[tuple[str, str, str], str] = {}
        errors = []
        for account, region, name, path in self._copies:
            other = first.setdefault((account, region, name), path)
            if other != path:
                error = PropertyValidationError(
                    "target_model_name",
                    name,
                    f"{path} and {other} both copy to this name in account {account}, Region {region}: they would "
                    "share one model (deleting either would delete the model the other exposes). Give each copy "
                    "its own name (or omit target_model_name: generated names are unique)",
                )
                errors.append(report(error, path))
        return errors
