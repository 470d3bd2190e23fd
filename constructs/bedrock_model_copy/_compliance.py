"""Every checker acknowledgement of the provider, beside what it acknowledges.

cdk-nag (the five compliance packs and Serverless) and checkov. Each acknowledgement names one
finding and sits on the one resource it is about; none sits on ``handler_role.policy``, where
users add their own statements (README, escape hatches), so a user's over-broad statement is
still reported. The actions without resource-level permissions live in each role's unscoped
policy, acknowledged where that policy is made (``_roles``), and the VPC statements in its
network policy (``_network``). The handler's Bedrock policies are acknowledged where they are
made, from what the kinds list (``_copy_policy.acknowledgements``, ``KindPolicy.acknowledgements``).
"""

from __future__ import annotations

from typing import Any, cast

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

from constructs import IConstruct

from ._checkers import (
    DLQ_PACKS,
    NAG_IAM5,
    NAG_SF2,
    NO_RESOURCE_LEVEL_ACTIONS,
    acknowledge,
    no_resource_level_reason,
    skip_checkov,
)

FRAMEWORK_NOTE = "Written by aws-cdk-lib's provider framework (custom_resources.Provider), not this library: "
# The waiter's statements on "*": Step Functions' vended log delivery and, with tracing, X-Ray.
WAITER_UNSCOPED_ACTIONS = {
    action: why for action, why in NO_RESOURCE_LEVEL_ACTIONS.items() if action.startswith(("logs:", "xray:"))
}


def _invoke_versions(function: IConstruct) -> str:
    cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
    return f"{NAG_IAM5}[Resource::<{Stack.of(function).get_logical_id(cfn_function)}.Arn>:*]"


def acknowledge_provider_findings(provider: Any, framework_roles: dict[str, Any]) -> None:
    """The provider's acknowledgements and checkov skips (``provider`` is a ``ModelCopyProvider``)."""
    for role in framework_roles.values():
        # The framework grants each of its roles lambda:InvokeFunction on <handler ARN> and <handler ARN>:*.
        acknowledge(
            role.policy,
            {
                _invoke_versions(function): FRAMEWORK_NOTE
                + "lambda:InvokeFunction on the handler function and its versions (ARN:*), and nothing else."
                for function in (provider.on_event_function, provider.is_complete_function)
            },
        )
    waiter = provider.provider.node.find_child("waiter-state-machine")
    acknowledge(
        provider.waiter_policy,
        {
            **{
                _invoke_versions(provider.provider.node.find_child(f"framework-{name}")): FRAMEWORK_NOTE
                + f"the waiter state machine invokes the framework's {name} function and its versions (ARN:*)."
                for name in ("isComplete", "onTimeout")
            },
            f"{NAG_IAM5}[Resource::*]": FRAMEWORK_NOTE
            + "the waiter state machine's statements on '*'. "
            + no_resource_level_reason(WAITER_UNSCOPED_ACTIONS),
        },
    )
    skip_checkov(
        provider.waiter_policy,
        {
            "CKV_AWS_111": FRAMEWORK_NOTE + "logs:CreateLogDelivery, logs:PutResourcePolicy and the other "
            "CloudWatch Logs vended-delivery actions that Step Functions logging needs have no resource type in "
            "the Service Authorization Reference, so '*' is the only resource that authorizes them."
        },
    )
    if not provider.options.tracing:
        acknowledge(
            waiter.node.find_child("Resource"),
            {
                NAG_SF2: FRAMEWORK_NOTE
                + "the waiter state machine only retries one Lambda task on a timer; its logs go to the "
                "WaiterLogs group (level ALL) and the handler logs every poll, so X-Ray tracing adds cost, "
                "not insight. Turn it on with ModelCopyProviderOptions(tracing=True).",
            },
        )
    acknowledge_no_dead_letter_queues(provider)


def acknowledge_no_dead_letter_queues(provider: Any) -> None:
    """No function here is invoked in a way that would send anything to a dead-letter queue."""
    framework = provider.provider.node
    synchronous = (
        "A dead-letter queue only receives events of asynchronous invocations that failed; this function is "
        "only invoked synchronously ({caller}), so a DLQ would never receive anything. Its errors go back to "
        "the caller, and the provider framework reports them to CloudFormation as the resource's failure reason."
    )
    reasons = {
        provider.on_event_function: synchronous.format(caller="RequestResponse, by the provider framework's onEvent"),
        provider.is_complete_function: synchronous.format(
            caller="RequestResponse, by the provider framework's isComplete"
        ),
        framework.find_child("framework-isComplete"): synchronous.format(
            caller="a Lambda task of the waiter state machine, which retries it on a timer"
        ),
        framework.find_child("framework-onTimeout"): synchronous.format(
            caller="a Lambda task of the waiter state machine, once, at the timeout"
        ),
        framework.find_child("framework-onEvent"): (
            "CloudFormation invokes this custom resource entry point asynchronously with an event that carries "
            "a pre-signed ResponseURL able to answer for the resource; a dead-letter queue would keep that URL "
            "for days. The framework catches every error and answers CloudFormation FAILED itself; an "
            "invocation that cannot run at all is retried by Lambda and then fails the resource at its "
            "ServiceTimeout (one hour), so no failure goes unreported."
        ),
    }
    for function, reason in reasons.items():
        cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
        acknowledge(cfn_function, {f"{pack}::{pack}-LambdaDLQ": reason for pack in DLQ_PACKS})
        skip_checkov(cfn_function, {"CKV_AWS_116": reason})
