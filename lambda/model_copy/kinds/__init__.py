"""The resource kinds the handler serves: :data:`KINDS`, the one list the runtime reads.

A new kind is a module here (a :class:`.base.Kind` subclass and its ``KIND``) and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..advice import Advice, markdown_table
from ..aws import HandlerError
from ..contract import MODE_RESULT, PROP_MODE
from ..serving_contract import PROP_RESOURCE_KIND
from . import copy, deployment, model_import, throughput, waiter
from .base import Kind

KINDS: tuple[Kind, ...] = (
    copy.KIND,
    waiter.KIND,
    deployment.KIND,
    throughput.KIND,
    model_import.KIND,
)

# The advice table of docs/troubleshooting.md: every kind's rows (once each), then the generic ones.
ADVICE: tuple[Advice, ...] = tuple(dict.fromkeys(row for kind in KINDS for row in kind.advice))


def of(props: Mapping[str, Any]) -> tuple[Kind, bool]:
    """The kind a request's properties are of, and whether it is that kind's long-wait Result resource.

    Serving kinds carry ``ResourceKind``; copies and waiters carry ``Mode`` (``Copy``, ``Wait``) and,
    for a long copy's Result resource, ``Result`` without ``ResourceKind``.
    """
    result = props.get(PROP_MODE) == MODE_RESULT
    name = props.get(PROP_RESOURCE_KIND) or (copy.KIND.name if result else props.get(PROP_MODE))
    for kind in KINDS:
        if kind.name == name:
            return kind, result
    key = PROP_RESOURCE_KIND if PROP_RESOURCE_KIND in props else PROP_MODE
    known = [kind.name for kind in KINDS if kind.selector == key] + ([MODE_RESULT] if key == PROP_MODE else [])
    expected = f"{', '.join(repr(name) for name in known[:-1])} or {known[-1]!r}"
    raise HandlerError(f"Property {key} is {props.get(key)!r}; expected {expected}.")


def advice_table() -> str:
    """The advice table of docs/troubleshooting.md."""
    return markdown_table(ADVICE)
