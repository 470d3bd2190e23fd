"""Checker acknowledgements (cdk-nag through aws-cdk-lib's Validations, checkov through metadata).

Each acknowledgement names one finding and sits on the one resource it is about; none sits on a
policy that users add statements to (``handler_role.policy``), except for findings that name a
resource of this library (``<function ARN>:*``), so a user's own over-broad statement is still
reported. Actions without resource-level permissions are kept in a policy of their own
(:data:`NO_RESOURCE_LEVEL_ACTIONS`), whose acknowledgement says exactly which actions it holds.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, CfnResource, Validations

from constructs import IConstruct

NAG_IAM5 = "AwsSolutions::AwsSolutions-IAM5"
NAG_SF2 = "AwsSolutions::AwsSolutions-SF2"
OWN_STACK_NAG_ARN = "arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<AWS::StackName>/*"
# cdk-nag packs with a rule for Lambda dead-letter queues.
DLQ_PACKS = ("Serverless", "NIST.800.53.R5", "HIPAA.Security")

# Actions the provider's roles are granted on "*" because the Service Authorization Reference lists no
# resource type for them ("*" is the only resource that authorizes them), each with what needs it. The
# Bedrock actions of this kind are each kind's own (``ConstructKind.no_resource_level_actions``);
# tests/test_regulated.py checks all of them (``_kinds.no_resource_level_actions()``) against the reference.
NO_RESOURCE_LEVEL_ACTIONS: dict[str, str] = {
    "xray:PutTraceSegments": "X-Ray tracing (tracing option)",
    "xray:PutTelemetryRecords": "X-Ray tracing (tracing option)",
    "xray:GetSamplingRules": "X-Ray tracing of a state machine (tracing option)",
    "xray:GetSamplingTargets": "X-Ray tracing of a state machine (tracing option)",
    "ec2:DescribeNetworkInterfaces": "Lambda attaching a function to the VPC (vpc option)",
    "ec2:DescribeSubnets": "Lambda attaching a function to the VPC (vpc option)",
    "logs:CreateLogDelivery": "Step Functions logging (vended log delivery)",
    "logs:GetLogDelivery": "Step Functions logging (vended log delivery)",
    "logs:UpdateLogDelivery": "Step Functions logging (vended log delivery)",
    "logs:DeleteLogDelivery": "Step Functions logging (vended log delivery)",
    "logs:ListLogDeliveries": "Step Functions logging (vended log delivery)",
    "logs:PutResourcePolicy": "Step Functions logging (vended log delivery)",
    "logs:DescribeResourcePolicies": "Step Functions logging (vended log delivery)",
    "logs:DescribeLogGroups": "Step Functions logging (vended log delivery)",
}


def acknowledge(scope: IConstruct, reasons: dict[str, str]) -> None:
    """Accept checker findings on ``scope`` (aws-cdk-lib's API; no cdk-nag import needed)."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id, reason=reason) for id, reason in reasons.items()))


def skip_checkov(resource: CfnResource, reasons: dict[str, str]) -> None:
    """Skip checkov checks on one resource, with the reason (checkov reads ``Metadata.checkov.skip``)."""
    metadata = resource.get_metadata("checkov") or {"skip": []}
    metadata["skip"] = [*metadata["skip"], *({"id": id, "comment": reason} for id, reason in reasons.items())]
    resource.add_metadata("checkov", metadata)


def no_resource_level_reason(actions: Mapping[str, str]) -> str:
    """The IAM5 ``Resource::*`` reason for a policy whose statements on ``*`` are only of ``actions`` (-> why)."""
    needs = "; ".join(f"{action} ({why})" for action, why in sorted(actions.items()))
    return (
        "Its statements on '*' hold only actions for which the Service Authorization Reference lists no "
        f"resource type, so '*' is the only resource that authorizes them, from this list: {needs}."
    )
