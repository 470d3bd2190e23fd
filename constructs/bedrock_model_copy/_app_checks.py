"""Synth-time checks across an app, and how their errors reach the user.

- Two ``BedrockModelCopy`` in different stacks of one app that copy to the same concrete
  ``target_model_name`` in the same concrete account and Region would make one model for two
  resources (and, with ``DESTROY``, delete it under the other). One validation per App reports that
  at synth as a WARNING on each copy after the first (``bedrock-model-copy:duplicateTargetModelName``),
  not an error: an app may hold stacks that are never deployed together (variants, ``cdk deploy
  <one stack>``), and at deploy time the handler's ownership tags refuse to adopt a copy another stack
  started. ``cdk synth --strict`` makes it fatal. Copies in one stack are refused when constructed
  (``ModelCopyProvider.register_copy``). A stack with a token account or Region (environment-agnostic)
  is left out: where it deploys is known only at deploy time.
- aws-cdk-lib runs validations inside ``app.synth()``, in the jsii kernel, so a validation's error
  reaches Python as jsii's ``RuntimeError``. Validations of this library record each error they
  report; ``Stage.synth`` and ``App.synth`` (which ``cdk synth`` calls) are wrapped once so that when
  synthesis fails on one of them, the user gets that ``PropertyValidationError`` (from the
  ``RuntimeError``, which lists every error with its construct path).
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, ClassVar

import jsii
from aws_cdk import Annotations, App, Stack, Stage

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


DUPLICATE_NAME_WARNING = "bedrock-model-copy:duplicateTargetModelName"


@jsii.implements(IValidation)
class AppCopies:
    """The concrete target model names of an app's copies, by account and Region (one per App)."""

    _by_root: ClassVar[weakref.WeakKeyDictionary[IConstruct, AppCopies]] = weakref.WeakKeyDictionary()
    _roots: ClassVar[weakref.WeakKeyDictionary[Stack, tuple[AppCopies, str]]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._copies: list[tuple[str, str, str, str, IConstruct]] = []
        self._warned: set[str] = set()

    @classmethod
    def register(cls, stack: Stack, copy: IConstruct, *, target_model_name: str, path: str) -> None:
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
            copies._copies.append((account, region, target_model_name, path, copy))

    def validate(self) -> list[str]:
        first: dict[tuple[str, str, str], str] = {}
        for account, region, name, path, copy in self._copies:
            other = first.setdefault((account, region, name), path)
            if other != path and path not in self._warned:
                self._warned.add(path)
                Annotations.of(copy).add_warning_v2(
                    DUPLICATE_NAME_WARNING,
                    f"target_model_name {name!r} is also the target_model_name of {other}, in the same account "
                    f"{account} and Region {region}: deployed together, the two would share one model (the second "
                    "stack's deploy fails, as the model is not its own). Give each copy its own name (or omit "
                    "target_model_name: generated names are unique per stack)",
                )
        return []
