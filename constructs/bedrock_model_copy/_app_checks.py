"""Checks across an app: two copies in different stacks that would make one model.

Two ``BedrockModelCopy`` in different stacks of one app that copy to the same concrete
``target_model_name`` in the same concrete account and Region would make one model for two resources
(and, with ``DESTROY``, delete it under the other). That is a WARNING on each copy after the first
(``bedrock-model-copy:duplicateTargetModelName``, an Annotation: acknowledgeable, fatal with ``cdk synth
--strict``), not an error: an app may hold stacks that are never deployed together (variants, ``cdk deploy
<one stack>``), and at deploy time the handler's ownership tags refuse to adopt a copy another stack
started. Copies in one stack are refused when constructed (``ModelCopyProvider.register_copy``). A stack
with a token account or Region (environment-agnostic) is left out: where it deploys is known only at
deploy time.

The names seen so far are kept per app, in a construct under the app's root (:data:`APP_COPIES_ID`),
and each stack's provider keeps the one it found; nothing is kept at module level.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import Annotations, Stack

from constructs import Construct, IConstruct

from ._validation import may_be_token, stack_location

DUPLICATE_NAME_WARNING = "bedrock-model-copy:duplicateTargetModelName"
APP_COPIES_ID = "BedrockModelCopyAppCopies"


class AppCopies(Construct):
    """The concrete target model names of an app's copies, by account and Region (one per app root)."""

    @classmethod
    def of(cls, stack: Stack) -> AppCopies:
        """The app's record, made under its root on first use."""
        root = stack.node.root
        found = root.node.try_find_child(APP_COPIES_ID)
        return found if isinstance(found, AppCopies) else cls(cast(Construct, root), APP_COPIES_ID)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._first: dict[tuple[str, str, str], str] = {}

    def register(self, stack: Stack, account: str, copy: IConstruct, *, target_model_name: str, path: str) -> None:
        """Record one copy (``account``: the stack's, ``""`` for a token); warn if an earlier one has its name."""
        region, _ = stack_location(stack)
        if not account or not region or may_be_token(target_model_name):
            return
        first = self._first.setdefault((account, region, target_model_name), path)
        if first != path:
            Annotations.of(copy).add_warning_v2(
                DUPLICATE_NAME_WARNING,
                f"target_model_name {target_model_name!r} is also the target_model_name of {first}, in the same "
                f"account {account} and Region {region}: deployed together, the two would share one model (the "
                "second stack's deploy fails, as the model is not its own). Give each copy its own name (or omit "
                "target_model_name: generated names are unique per stack)",
            )
