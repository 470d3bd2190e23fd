"""Roles whose grants land in customer managed policies, and the provider framework's waiter role.

Compliance packs flag inline policies (NIST 800-53 AC-6, PCI DSS 7.2.1): every policy this
library's roles get is a customer managed policy attached to that one role.
"""

from __future__ import annotations

from typing import Any, cast

import jsii
from aws_cdk import IAnyProducer, IResolveContext, Lazy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from constructs import Construct, IConstruct

from ._checkers import NAG_IAM5, NO_RESOURCE_LEVEL_ACTIONS, acknowledge, no_resource_level_reason

# What the provider framework writes on "*" for the waiter's logging; the two that take a log stream.
LOG_STREAM_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def _has_no_resource_level(statement: iam.PolicyStatement) -> bool:
    """An Allow of only :data:`NO_RESOURCE_LEVEL_ACTIONS` on exactly ``*``, with nothing else to it."""
    return (
        statement.effect == iam.Effect.ALLOW
        and bool(statement.actions)
        and all(action in NO_RESOURCE_LEVEL_ACTIONS for action in statement.actions)
        and list(statement.resources) == ["*"]
        and not statement.not_actions
        and not statement.not_resources
        and not statement.conditions
        and not statement.has_principal
    )


class ManagedPolicyRole(iam.Role):
    """A role whose grants land in customer managed policies of its own, not in an inline policy.

    ``Grant``, ``Function`` and the provider framework add statements through
    ``add_to_principal_policy``. A statement of only actions without resource-level permissions on
    ``*`` goes to :attr:`unscoped_policy` (created on first use, its IAM5 finding acknowledged
    there); every other statement, a user's included, goes to :attr:`policy`, where no
    acknowledgement hides it.
    """

    def __init__(self, scope: Construct, id: str, *, description: str, principal: iam.IPrincipal | None = None) -> None:
        super().__init__(
            scope, id, assumed_by=principal or iam.ServicePrincipal("lambda.amazonaws.com"), description=description
        )
        self._description = description
        self.policy = iam.ManagedPolicy(self, "Policy", roles=[self], description=description)
        self._unscoped: iam.ManagedPolicy | None = None
        self._network: iam.ManagedPolicy | None = None

    @property
    def unscoped_policy(self) -> iam.ManagedPolicy:
        """The policy that holds only actions without resource-level permissions, on ``*``."""
        if self._unscoped is None:
            self._unscoped = iam.ManagedPolicy(
                self,
                "UnscopedPolicy",
                roles=[self],
                description=f"{self._description}: actions without resource-level permissions only",
            )
            acknowledge(
                self._unscoped, {f"{NAG_IAM5}[Resource::*]": no_resource_level_reason(NO_RESOURCE_LEVEL_ACTIONS)}
            )
        return self._unscoped

    @property
    def network_policy(self) -> iam.ManagedPolicy:
        """The policy that holds the network-interface statements of a VPC function (vpc option)."""
        if self._network is None:
            self._network = iam.ManagedPolicy(
                self, "NetworkPolicy", roles=[self], description=f"{self._description}: VPC network interfaces"
            )
        return self._network

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        target = self.unscoped_policy if _has_no_resource_level(statement) else self.policy
        target.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=target)


@jsii.implements(IAnyProducer)
class _WaiterPolicyProducer:
    """The waiter role's policy document, with the log-stream writes scoped to the waiter's log group."""

    def __init__(self, document: iam.PolicyDocument, log_group: logs.ILogGroup) -> None:
        self._document = document
        self._log_group = log_group

    def produce(self, context: IResolveContext) -> Any:
        document = cast(dict[str, Any], context.resolve(self._document))
        statements = []
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement.get("Resource") == "*" and any(action in LOG_STREAM_ACTIONS for action in actions):
                rest = [action for action in actions if action not in LOG_STREAM_ACTIONS]
                statements.append({**statement, "Action": rest[0] if len(rest) == 1 else rest})
            else:
                statements.append(statement)
        statements.append(
            {
                "Sid": "WriteWaiterLogStreams",
                "Effect": "Allow",
                "Action": list(LOG_STREAM_ACTIONS),
                "Resource": context.resolve(self._log_group.log_group_arn),
            }
        )
        return {**document, "Statement": statements}


def move_waiter_policy_to_managed(
    scope: Construct, id: str, state_machine: IConstruct, log_group: logs.ILogGroup
) -> iam.CfnManagedPolicy:
    """Escape hatch: the provider framework's waiter role gets a customer managed policy, not an inline one.

    ``custom_resources.Provider`` creates the waiter state machine's role and adds its statements
    (invoke the framework's isComplete and onTimeout functions, CloudWatch Logs delivery, and what
    this library adds later) to the role's inline ``DefaultPolicy``. That policy is taken out of the
    tree and its document, whatever it holds at synth time, is rendered as one customer managed
    policy attached to the role instead; ``logs:CreateLogStream`` and ``logs:PutLogEvents``, which
    take log-stream resources, are scoped to the waiter's log group. The state machine depends on
    the new policy, as it did on the inline one (Step Functions checks the logging permissions
    when it creates the state machine).
    """
    role = cast(iam.Role, state_machine.node.find_child("Role"))
    default_policy = cast(iam.Policy, role.node.find_child("DefaultPolicy"))
    policy = iam.CfnManagedPolicy(
        scope,
        id,
        description="bedrock-model-copy: the provider framework's waiter state machine (moved from its inline policy)",
        roles=[role.role_name],
        policy_document=Lazy.uncached_any(_WaiterPolicyProducer(default_policy.document, log_group)),
    )
    role.node.try_remove_child("DefaultPolicy")
    state_machine.node.find_child("Resource").node.add_dependency(policy)
    return policy
