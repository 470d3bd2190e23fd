"""What ``BedrockModelImport`` makes besides its resource: the service role, the job's network, its long wait.

The role follows the Bedrock user guide's model-import role (docs/aws-behaviour.md I10): trusted by
``bedrock.amazonaws.com`` only with ``aws:SourceAccount`` and ``aws:SourceArn`` on this account's import
jobs, reading only the import's prefix of its bucket (and decrypting with the bucket's key through S3).
A long import (``timeout`` above 57 minutes) is three resources, as a long copy (docs/long-copies.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Aws, CfnResource, CustomResource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from constructs import Construct

from . import _validation as validation
from ._checkers import NAG_IAM5, acknowledge
from ._lambda.model_copy.contract import (
    MODE_RESULT,
    PROP_MODE,
)
from ._lambda.model_copy.import_contract import IDENTITY_PROPERTIES, KIND_IMPORT, RESOURCE_TYPE_IMPORT
from ._lambda.model_copy.serving_contract import PROP_RESOURCE_ARN, PROP_RESOURCE_KIND
from ._long_resource import add_long_resource
from ._network import https_only_group
from ._roles import ManagedPolicyRole

BEDROCK = "bedrock.amazonaws.com"
_S3_URI = re.compile(r"s3://([^/]+)/?(.*)")


def bucket_of(scope: Construct, bucket: object) -> s3.IBucket:
    """``bucket`` as an ``IBucket``: one given, or an ``s3://<name>`` URI reached with ``Bucket.from_bucket_name``."""
    if isinstance(bucket, str):
        found = _S3_URI.fullmatch(bucket)
        if found is None or found.group(2):
            raise validation.PropertyValidationError(
                "bucket",
                bucket,
                "a string bucket is an S3 URI s3://<bucket name>; give the key prefix as prefix=...",
            )
        return s3.Bucket.from_bucket_name(scope, "WeightsBucket", found.group(1))
    if not (hasattr(bucket, "bucket_name") and hasattr(bucket, "arn_for_objects")):
        raise validation.PropertyTypeError("bucket", bucket, "an aws_s3.IBucket or an s3://<bucket name> string")
    return bucket  # type: ignore[return-value]


def nag_resource(stack: Stack, value: str) -> str:
    """How cdk-nag names a bucket's object ARN in a finding id (``<Logical.Arn>/...``, ``arn:<AWS::Partition>:...``).

    Not a resolver: the one shape ``arn_for_objects`` gives, a string or one ``Fn::Join`` of strings,
    ``Ref`` and ``Fn::GetAtt``.
    """
    resolved = stack.resolve(value)
    parts = resolved["Fn::Join"][1] if isinstance(resolved, dict) else [resolved]
    names = []
    for part in parts:
        if isinstance(part, str):
            names.append(part)
        elif "Ref" in part:
            names.append(f"<{part['Ref']}>")
        else:
            names.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
    return "".join(names)


def service_role(owner: Construct, bucket: s3.IBucket, prefix: str) -> iam.IRole:
    """Trusted by Bedrock for this account's import jobs only; reads only ``prefix`` of ``bucket``."""
    stack = Stack.of(owner)
    jobs = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}:model-import-job/*"
    principal = iam.ServicePrincipal(BEDROCK).with_conditions(
        {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}, "ArnLike": {"aws:SourceArn": jobs}}
    )
    role = ManagedPolicyRole(
        owner, "ServiceRole", description="Bedrock model import: reads the weights", principal=principal
    )
    in_account = {"StringEquals": {"aws:ResourceAccount": Aws.ACCOUNT_ID}}
    objects = bucket.arn_for_objects(f"{prefix}*")
    role.policy.add_statements(
        iam.PolicyStatement(sid="ReadWeights", actions=["s3:GetObject"], resources=[objects], conditions=in_account),
        iam.PolicyStatement(
            sid="ListWeights",
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={**in_account, "StringLike": {"s3:prefix": [f"{prefix}*"]}},
        ),
    )
    key = bucket.encryption_key
    if key is not None:
        grant = key.grant(role, "kms:Decrypt")
        for statement in [*grant.principal_statements, *grant.resource_statements]:
            statement.add_condition("StringEquals", {"kms:ViaService": f"s3.{stack.region}.{stack.url_suffix}"})
    acknowledge(
        role.policy,
        {
            f"{NAG_IAM5}[Resource::{nag_resource(stack, objects)}]": "Bedrock reads the model's files under this "
            "import's prefix only (their names are the model's, not known here), in this account's bucket.",
        },
    )
    return role


def security_group(owner: Construct, vpc: ec2.IVpc) -> ec2.ISecurityGroup:
    """The import job's group when none is given: outbound HTTPS only."""
    return https_only_group(owner, vpc, "Bedrock model import job: outbound HTTPS only", "HTTPS to S3 and AWS APIs")


def subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[str]:
    """The subnets of ``selection`` (the VPC's private subnets when None)."""
    keys = ("availability_zones", "one_per_az", "subnet_group_name", "subnet_type", "subnets")
    chosen = {key: getattr(selection, key) for key in keys if getattr(selection, key, None) is not None}
    return list(vpc.select_subnets(**chosen).subnet_ids)


def add_long_import(
    owner: Construct,
    r1: CfnResource,
    provider: Any,
    properties: Mapping[str, Any],
    timeout_seconds: int,
    poll_seconds: int,
) -> CustomResource:
    """R2 and R3 of a long import: the stack's watcher polls the job; R3 reads it once it ended."""
    return add_long_resource(
        owner,
        r1,
        provider=provider,
        resource_type=RESOURCE_TYPE_IMPORT,
        identity=[KIND_IMPORT, *(properties.get(key) or "" for key in IDENTITY_PROPERTIES)],
        result_properties={PROP_RESOURCE_KIND: KIND_IMPORT, PROP_MODE: MODE_RESULT, PROP_RESOURCE_ARN: r1.ref},
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        watch=KIND_IMPORT,
    )
