"""Every kind of resource the construct side has, in one explicit list.

A kind joins with one line here (its construct module's :class:`~._kind.ConstructKind`). Nothing
registers itself on import: a stack's provider knows only the kinds its constructs hand it
(``ModelCopyProvider.use_kind``), so a template depends on the construct tree alone. This module sits
above the construct modules (it imports them); the provider below them cannot read it without an
import cycle, which is why the constructs hand their kind over. The tests read this list (every kind's
policy, acknowledgements and actions on ``*`` are checked through it).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from . import _import_policy, deployment, model_copy, throughput
from ._checkers import NO_RESOURCE_LEVEL_ACTIONS
from ._kind import ConstructKind

KINDS: Final[tuple[ConstructKind, ...]] = (
    model_copy.COPY,
    model_copy.WAITER,
    deployment.KIND,
    throughput.KIND,
    _import_policy.KIND,
)


def by_name() -> MappingProxyType[str, ConstructKind]:
    """``KINDS`` by their contract name."""
    return MappingProxyType({kind.name: kind for kind in KINDS})


def no_resource_level_actions() -> dict[str, str]:
    """Every action the library grants on ``*`` (its roles' and every kind's), with what needs it.

    An action two kinds need (for different reasons) is listed once, with both reasons.
    """
    found = dict(NO_RESOURCE_LEVEL_ACTIONS)
    for kind in KINDS:
        for action, why in kind.no_resource_level_actions.items():
            found[action] = f"{found[action]}; {why}" if action in found else why
    return found
