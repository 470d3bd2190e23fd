"""The handler role's Bedrock policies, rendered at synth time from what the stack's constructs recorded.

- ``BedrockManagedPolicy``: the provider's own (the copy's and the waiter's statements,
  ``_copy_policy``, and the watcher's once the stack has a long wait);
- one policy per kind the stack uses that has one (:func:`kind_policy`, a kind's
  ``ConstructKind.policy``), created with its first resource;
- the KMS grant for a copy's target key.

The provider (``_provider``) owns the role and the records; this module only writes policies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import IAnyProducer, IResolveContext, Lazy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import Construct

from ._checkers import acknowledge
from ._kind import KindPolicy, region_arn

KMS_USE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
KMS_CREATE_GRANT = "kms:CreateGrant"
KMS_ACTIONS = (*KMS_USE_ACTIONS, KMS_CREATE_GRANT)


@jsii.implements(IAnyProducer)
class PolicyProducer:
    """Renders a policy document when the template is resolved, after every construct has recorded its needs."""

    def __init__(self, render: Callable[[], dict[str, Any]]) -> None:
        self._render = render

    def produce(self, context: IResolveContext) -> Any:
        return self._render()


def kind_policy(scope: Construct, role: iam.IRole, policy: KindPolicy) -> iam.CfnManagedPolicy:
    """``scope``'s policy for one kind (``scope/<policy.id>``), attached to ``role``; made on first use.

    The document depends only on the kind (its statements take the stack's tokens), and the
    checker findings it draws are acknowledged on it alone, exactly as the kind lists them.
    """
    existing = scope.node.try_find_child(policy.id)
    if isinstance(existing, iam.CfnManagedPolicy):
        return existing
    managed = iam.CfnManagedPolicy(
        scope,
        policy.id,
        description=policy.description,
        roles=[role.role_name],
        policy_document=Lazy.uncached_any(
            PolicyProducer(lambda: {"Version": "2012-10-17", "Statement": policy.statements(region_arn())})
        ),
    )
    acknowledge(managed, dict(policy.acknowledgements))
    return managed


def grant_kms_key(scope: Construct, handler_role: iam.IGrantable, key: kms.IKey) -> None:
    """Let the handler use ``key`` for the copy, only through Bedrock in the Region of ``scope``'s stack.

    The key's own ``grant`` decides where statements go (the role's policy; the key
    policy too where the key's account does not delegate to IAM), and every
    statement it makes is then limited with ``kms:ViaService``; ``kms:CreateGrant``
    also with ``kms:GrantIsForAWSResource`` (only grants that Bedrock makes for
    itself). Check the key with :func:`check_kms_key_location` first.
    """
    stack = Stack.of(scope)
    use = key.grant(handler_role, *KMS_USE_ACTIONS)
    create_grant = key.grant(handler_role, KMS_CREATE_GRANT)
    via_bedrock = f"bedrock.{stack.region}.{stack.url_suffix}"
    for grant in (use, create_grant):
        for statement in [*grant.principal_statements, *grant.resource_statements]:
            statement.add_condition("StringEquals", {"kms:ViaService": via_bedrock})
    for statement in [*create_grant.principal_statements, *create_grant.resource_statements]:
        statement.add_condition("Bool", {"kms:GrantIsForAWSResource": "true"})
