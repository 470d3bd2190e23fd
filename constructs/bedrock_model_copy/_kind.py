"""What the construct side knows of one kind of resource (``_kinds.KINDS`` lists them all).

A kind is one construct module: ``model_copy`` (the copy and the waiter), ``deployment``,
``throughput``. Each defines its :class:`ConstructKind` next to its construct, and its constructs
hand it to the stack's provider when they are made (``ModelCopyProvider.use_kind``): the provider
renders exactly the kinds its stack uses, whatever else the process imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Aws

Statement = dict[str, Any]


def region_arn() -> str:
    """``arn:<partition>:bedrock:<region>:<account>`` of the stack, as tokens."""
    return f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}"


def allow(sid: str, action: str | list[str], resource: str | list[str], condition: Any = None) -> Statement:
    """One Allow statement, its keys in the order the templates have always had them."""
    statement: Statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return statement


@dataclass(frozen=True)
class KindPolicy:
    """A kind's own customer managed policy on the handler role (``<provider>/<id>``).

    Created with the stack's first resource of the kind; every resource of the kind depends on
    it, so CloudFormation deletes them before it in a clean-up, a rollback or a stack delete, and
    a permission their Delete needs is there when it runs (docs/aws-behaviour.md T7).
    """

    id: str
    description: str
    statements: Callable[[str], list[Statement]]  # the stack's region ARN (region_arn()) -> statements
    # cdk-nag finding id -> reason: exactly the findings this policy draws, each acknowledged on it.
    acknowledgements: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConstructKind:
    """One kind of resource, as the construct side sees it.

    ``name`` is the contract's name for the kind (a serving kind's ``ResourceKind``);
    ``arn_type`` the Bedrock resource type in its ARNs (``arn:...:<arn_type>/<id>``).
    ``policy``: its own policy on the handler role, or ``None`` for a kind whose statements are
    the provider's own (the copy and the waiter: ``_copy_policy``). ``no_resource_level_actions``:
    what it is granted on ``*`` (actions without resource-level permissions), with what needs each.
    ``serves_models``: a copied model can be served by it (a copy's delete reads what serves it).
    """

    name: str
    label: str  # the construct's class name, for messages
    resource_type: str
    arn_type: str
    policy: KindPolicy | None = None
    no_resource_level_actions: Mapping[str, str] = field(default_factory=dict)
    serves_models: bool = False
