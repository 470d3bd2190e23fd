"""The handler role's Bedrock policy, rendered at synth time from what the stack's copies registered.

Also the KMS grant for a copy's target key. The provider (``_provider``) owns the role and the
registrations; this module only writes the statements.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import Aws, IAnyProducer, IResolveContext, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import Construct

from ._lambda.model_copy.contract import (
    COPY_REQUEST_TAG_KEY,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
)

# Source model ARNs are listed one by one in the CreateModelCopyJob statement until
# they take this many characters; past it each is widened to its account and
# Region (custom-model/*), so the policy stays bounded however many copies a stack has.
SOURCE_ARNS_BUDGET_CHARS = 2500

KMS_USE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
KMS_CREATE_GRANT = "kms:CreateGrant"
KMS_ACTIONS = (*KMS_USE_ACTIONS, KMS_CREATE_GRANT)


def widen_to_account(arn: str) -> str:
    """``arn:p:bedrock:r:a:custom-model/x/y`` -> ``arn:p:bedrock:r:a:custom-model/*``."""
    prefix, _, _ = arn.partition("/")
    return f"{prefix}/*"


@jsii.implements(IAnyProducer)
class PolicyProducer:
    """Renders the Bedrock policy when the template is resolved, after every instance has registered."""

    def __init__(self, render: Callable[[], dict[str, Any]]) -> None:
        self._render = render

    def produce(self, context: IResolveContext) -> Any:
        return self._render()


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


def source_resources(source_arns: set[str], token_sources: bool) -> list[str]:
    """CreateModelCopyJob's resources: each source, or its account's models past the budget."""
    arns = sorted(source_arns)
    if sum(len(arn) for arn in arns) > SOURCE_ARNS_BUDGET_CHARS:
        arns = sorted({widen_to_account(arn) for arn in arns})
    if token_sources:
        arns.append(f"arn:{Aws.PARTITION}:bedrock:*:{Aws.ACCOUNT_ID}:custom-model/*")
    return arns


def render(
    *, source_arns: set[str], token_sources: bool, copies: bool, watcher_statements: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """The handler role's Bedrock and CloudFormation permissions.

    Everything that reads, deletes or retags models is granted whether or not the
    template holds a copy today: CloudFormation updates this policy before the
    clean-up phase deletes removed resources, and rolls it back before the clean-up
    of a failed update, so a permission granted only "while a DESTROY copy exists"
    would be gone exactly when that copy's Delete runs. The ownership conditions
    keep those statements to models this stack made.
    """
    region_arn = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    models = f"{region_arn}:custom-model/*"
    stack_arn_prefix = f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack"
    owned = {f"aws:ResourceTag/{OWNER_TAG_KEY}": Aws.STACK_NAME}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "PollCopyJobs",
            "Effect": "Allow",
            "Action": "bedrock:GetModelCopyJob",
            "Resource": f"{region_arn}:model-copy-job/*",
        },
        {
            "Sid": "ReadModels",
            "Effect": "Allow",
            "Action": "bedrock:GetCustomModel",
            "Resource": models,
        },
        {
            # Who owns a model, read before it is changed or deleted (ListTagsForResource takes custom-model
            # resources in the Service Authorization Reference; the handler reads only models' tags).
            "Sid": "ReadOwnershipTags",
            "Effect": "Allow",
            "Action": "bedrock:ListTagsForResource",
            "Resource": models,
        },
        {
            # A copy's model Bedrock refuses to delete as in use: what serves it, and whose is it (a stack
            # delete leaves a model served by this stack's Provisioned Throughput under commitment). Granted
            # whenever the provider exists: the ServingPolicy may be deleted in parallel with the copy.
            "Sid": "ReadWhatServesModels",
            "Effect": "Allow",
            "Action": "bedrock:ListTagsForResource",
            "Resource": [f"{region_arn}:provisioned-model/*", f"{region_arn}:custom-model-deployment/*"],
        },
        {
            # The List actions have no resource-level permission: "*" is the only resource (modelArnEquals).
            "Sid": "FindWhatServesModels",
            "Effect": "Allow",
            "Action": ["bedrock:ListProvisionedModelThroughputs", "bedrock:ListCustomModelDeployments"],
            "Resource": "*",
        },
        {
            # Which phase a request comes in (rollback, clean-up, stack delete) decides whether it may fail.
            "Sid": "ReadOwnStackPhase",
            "Effect": "Allow",
            "Action": "cloudformation:DescribeStacks",
            "Resource": f"{stack_arn_prefix}/{Aws.STACK_NAME}/*",
        },
        {
            "Sid": "DeleteOwnCopies",
            "Effect": "Allow",
            "Action": "bedrock:DeleteCustomModel",
            "Resource": models,
            "Condition": {"StringEquals": owned},
        },
        {
            "Sid": "RetagOwnCopies",
            "Effect": "Allow",
            "Action": ["bedrock:TagResource", "bedrock:UntagResource"],
            "Resource": models,
            "Condition": {
                "StringEquals": owned,
                # IAM matches tag keys in aws:ResourceTag/<key> without regard to case: refuse them in any case.
                "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
            },
        },
        {
            # A copy made by 0.1.0 carries only the owner-stack tag: record which resource owns it, once.
            "Sid": "RecordOwnershipOfUpgradedCopies",
            "Effect": "Allow",
            "Action": "bedrock:TagResource",
            "Resource": models,
            "Condition": {
                "StringEquals": owned,
                "Null": {f"aws:ResourceTag/{OWNER_RESOURCE_TAG_KEY}": "true"},
                "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_RESOURCE_TAG_KEY, COPY_REQUEST_TAG_KEY]},
            },
        },
    ]
    if copies:
        statements += [
            {
                # Tag on create: a copy can only be started with this stack's ownership tags.
                "Sid": "StartCopies",
                "Effect": "Allow",
                "Action": "bedrock:CreateModelCopyJob",
                "Resource": source_resources(source_arns, token_sources),
                "Condition": {
                    "StringEquals": {
                        "aws:RequestedRegion": Aws.REGION,
                        f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME,
                    },
                    "Null": {
                        f"aws:RequestTag/{OWNER_RESOURCE_TAG_KEY}": "false",
                        f"aws:RequestTag/{COPY_REQUEST_TAG_KEY}": "false",
                    },
                },
            },
            {
                # ListModelCopyJobs has no resource-level permission: "*" is the only resource.
                "Sid": "FindJobsToResume",
                "Effect": "Allow",
                "Action": "bedrock:ListModelCopyJobs",
                "Resource": "*",
            },
        ]
    if watcher_statements is not None:
        # Long copies: the copy resource hands its job to the stack's copy watcher (see _long_copy).
        statements += watcher_statements
    return {"Version": "2012-10-17", "Statement": statements}
