"""The copy's and the waiter's statements: the provider's own Bedrock policy (``BedrockManagedPolicy``).

The copy kind's IAM, kept below the provider instead of in ``model_copy``: every stack with a
provider has carried these statements since 0.1.0, a stack with only a deployment too, because a
copy's Delete runs in the clean-up phase after the policy was already updated to the new template
(docs/aws-behaviour.md T7), and ``model_copy`` imports the provider (the other way round would be
an import cycle). What a copy adds once the stack has one (``StartCopies``, ``FindJobsToResume``)
is rendered from what the stack's copies recorded on the provider.
"""

from __future__ import annotations

from aws_cdk import Aws

from ._checkers import NAG_IAM5, OWN_STACK_NAG_ARN, no_resource_level_reason
from ._kind import Statement, allow, region_arn
from ._lambda.model_copy.contract import (
    COPY_REQUEST_TAG_KEY,
    LIBRARY_TAG_KEYS,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
)

# Source model ARNs are listed one by one in the CreateModelCopyJob statement until
# they take this many characters; past it each is widened to its account and
# Region (custom-model/*), so the policy stays bounded however many copies a stack has.
SOURCE_ARNS_BUDGET_CHARS = 2200

# What can serve a copied model (Bedrock user guide, model-customization-delete: "you must first delete any
# Provisioned Throughput or custom model deployment"): its ARN type and the List action that finds it by model.
# A copy's delete that Bedrock refuses as in use reads them, whatever this stack serves (tests/test_kinds.py
# checks this against the kinds that serve models).
MODEL_SERVERS = (
    ("provisioned-model", "bedrock:ListProvisionedModelThroughputs"),
    ("custom-model-deployment", "bedrock:ListCustomModelDeployments"),
)
# Actions without resource-level permissions the copy is granted on "*", and what needs them.
NO_RESOURCE_LEVEL_ACTIONS = {
    "bedrock:ListModelCopyJobs": "finding a copy job to resume instead of starting a duplicate",
    **{action: "finding what serves a model Bedrock refuses to delete as in use" for _, action in MODEL_SERVERS},
}
NAG_PREFIX = "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>"


def widen_to_account(arn: str) -> str:
    """``arn:p:bedrock:r:a:custom-model/x/y`` -> ``arn:p:bedrock:r:a:custom-model/*``."""
    prefix, _, _ = arn.partition("/")
    return f"{prefix}/*"


def source_resources(source_arns: set[str], token_sources: bool) -> list[str]:
    """CreateModelCopyJob's resources: each source, or its account's models past the budget."""
    arns = sorted(source_arns)
    if sum(len(arn) for arn in arns) > SOURCE_ARNS_BUDGET_CHARS:
        arns = sorted({widen_to_account(arn) for arn in arns})
    if token_sources:
        arns.append(f"arn:{Aws.PARTITION}:bedrock:*:{Aws.ACCOUNT_ID}:custom-model/*")
    return arns


def statements(*, source_arns: set[str], token_sources: bool, copies: bool) -> list[Statement]:
    """The copy's and the waiter's statements, and the stack phase every kind's handler reads.

    Everything that reads, deletes or retags models is granted whether or not the template holds
    a copy today: CloudFormation updates this policy before the clean-up phase deletes removed
    resources, and rolls it back before the clean-up of a failed update, so a permission granted
    only "while a DESTROY copy exists" would be gone exactly when that copy's Delete runs. The
    ownership conditions keep those statements to models this stack made.
    """
    arn = region_arn()
    models = f"{arn}:custom-model/*"
    owned = {f"aws:ResourceTag/{OWNER_TAG_KEY}": Aws.STACK_NAME}
    found: list[Statement] = [
        allow("PollCopyJobs", "bedrock:GetModelCopyJob", f"{arn}:model-copy-job/*"),
        allow("ReadModels", "bedrock:GetCustomModel", models),
        # Who owns a model, read before it is changed or deleted (ListTagsForResource takes custom-model
        # resources in the Service Authorization Reference; the handler reads only models' tags).
        allow("ReadOwnershipTags", "bedrock:ListTagsForResource", models),
        # A copy's model Bedrock refuses to delete as in use: what serves it, and whose is it (a stack delete
        # leaves a model served by this stack's Provisioned Throughput under commitment). Granted whenever the
        # provider exists: a serving kind's policy may be deleted in parallel with the copy.
        allow(
            "ReadWhatServesModels", "bedrock:ListTagsForResource", [f"{arn}:{type_}/*" for type_, _ in MODEL_SERVERS]
        ),
        # The List actions have no resource-level permission: "*" is the only resource (modelArnEquals).
        allow("FindWhatServesModels", [action for _, action in MODEL_SERVERS], "*"),
        # Which phase a request comes in (rollback, clean-up, stack delete) decides whether it may fail.
        allow(
            "ReadOwnStackPhase",
            "cloudformation:DescribeStacks",
            f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack/{Aws.STACK_NAME}/*",
        ),
        allow("DeleteOwnCopies", "bedrock:DeleteCustomModel", models, {"StringEquals": owned}),
        allow(
            "RetagOwnCopies",
            ["bedrock:TagResource", "bedrock:UntagResource"],
            models,
            {
                "StringEquals": owned,
                # IAM matches tag keys in aws:ResourceTag/<key> without regard to case: refuse them in any case.
                "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
            },
        ),
        # A copy made by 0.1.0 carries only the owner-stack tag: record which resource owns it, once.
        allow(
            "RecordOwnershipOfUpgradedCopies",
            "bedrock:TagResource",
            models,
            {
                "StringEquals": owned,
                "Null": {f"aws:ResourceTag/{OWNER_RESOURCE_TAG_KEY}": "true"},
                "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_RESOURCE_TAG_KEY, COPY_REQUEST_TAG_KEY]},
            },
        ),
    ]
    if copies:
        found += [
            # Tag on create: a copy can only be started with this stack's ownership tags.
            allow(
                "StartCopies",
                "bedrock:CreateModelCopyJob",
                source_resources(source_arns, token_sources),
                {
                    "StringEquals": {
                        "aws:RequestedRegion": Aws.REGION,
                        f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME,
                    },
                    "Null": {
                        f"aws:RequestTag/{OWNER_RESOURCE_TAG_KEY}": "false",
                        f"aws:RequestTag/{COPY_REQUEST_TAG_KEY}": "false",
                    },
                },
            ),
            # ListModelCopyJobs has no resource-level permission: "*" is the only resource.
            allow("FindJobsToResume", "bedrock:ListModelCopyJobs", "*"),
            # Tag on create, should Bedrock also authorize targetModelTags as TagResource on the new model
            # (docs/aws-behaviour.md T8): the create's own tag conditions, on a model with no owner tag yet, and no
            # key of this library but the ones the create sends.
            allow(
                "TagCopiesOnCreate",
                "bedrock:TagResource",
                models,
                {
                    "StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME},
                    "Null": {
                        f"aws:ResourceTag/{OWNER_TAG_KEY}": "true",
                        f"aws:RequestTag/{OWNER_RESOURCE_TAG_KEY}": "false",
                        f"aws:RequestTag/{COPY_REQUEST_TAG_KEY}": "false",
                    },
                    "ForAllValues:StringNotEqualsIgnoreCase": {
                        "aws:TagKeys": [key for key in LIBRARY_TAG_KEYS if key not in OWNERSHIP_TAG_KEYS]
                    },
                },
            ),
        ]
    return found


def acknowledgements() -> dict[str, str]:
    """The checker findings :func:`statements` draws on the provider's Bedrock policy, with their reasons."""
    return {
        f"{NAG_IAM5}[Resource::{OWN_STACK_NAG_ARN}]": (
            "cloudformation:DescribeStacks (read-only) on this stack only; the '*' is the stack id's generated suffix."
        ),
        f"{NAG_IAM5}[Resource::*]": no_resource_level_reason(NO_RESOURCE_LEVEL_ACTIONS),
        **{
            f"{NAG_IAM5}[Resource::{NAG_PREFIX}:{type_}/*]": (
                f"bedrock:ListTagsForResource (read-only) on this account's {type_} resources in this Region: "
                "when Bedrock refuses to delete a copied model as in use, the copy's delete reads who owns what "
                "serves it (a Provisioned Throughput this stack left under commitment lets the stack delete "
                "succeed); their ARNs are generated by Bedrock."
            )
            for type_, _ in MODEL_SERVERS
        },
        f"{NAG_IAM5}[Resource::{NAG_PREFIX}:model-copy-job/*]": (
            "bedrock:GetModelCopyJob (read-only) on this account's copy jobs in this Region: job ARNs are "
            "generated by Bedrock when a copy starts, and waiters poll jobs started elsewhere."
        ),
        f"{NAG_IAM5}[Resource::{NAG_PREFIX}:custom-model/*]": (
            "Copied model ARNs are generated by Bedrock. GetCustomModel and ListTagsForResource are read-only "
            "(does a resumed copy still exist; who owns a model before it is changed or deleted); "
            f"DeleteCustomModel, TagResource and UntagResource are limited by aws:ResourceTag/{OWNER_TAG_KEY} "
            "to models this stack copied, and the ownership tags themselves cannot be changed (aws:TagKeys), "
            "except recording the owning resource once on a copy made by version 0.1.0, and tagging a new model "
            "that has no owner tag yet with this stack's ownership tags (a copy's targetModelTags, should Bedrock "
            "authorize them as TagResource)."
        ),
        f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:*:<AWS::AccountId>:custom-model/*]": (
            "A source_model_arn given as a token is only known at deploy time: CreateModelCopyJob is "
            "limited to this account's custom models, with aws:RequestedRegion set to this Region."
        ),
    }


def widened_acknowledgement(source_model_arn: str) -> dict[str, str]:
    """The finding a source widened past the budget draws (one per source account and Region)."""
    return {
        f"{NAG_IAM5}[Resource::{widen_to_account(source_model_arn)}]": (
            f"More source models than fit the policy budget ({SOURCE_ARNS_BUDGET_CHARS} characters): "
            "CreateModelCopyJob is widened to the custom models of each source's own account and "
            "Region, with aws:RequestedRegion set to this Region."
        )
    }
