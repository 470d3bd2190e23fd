"""The model import kind's side of the contract, and its property rules (``BedrockModelImport``).

Names that cross the CloudFormation boundary for imports, and the value rules Bedrock's service model
gives for ``CreateModelImportJob`` (docs/aws-behaviour.md I1). Standard library only: the construct
library loads this module at synth time (``bedrock_model_copy._lambda.model_copy.import_contract``), so
synth-time and deploy-time checks are one implementation with one set of messages. An import shares
the copy's timeout, poll interval and delete properties (:mod:`.contract`) and the serving kinds'
``ResourceKind``, ``Tags`` and ``ResourceArn`` (:mod:`.serving_contract`).
"""

from __future__ import annotations

import re
from typing import Final

from .rules import KMS_KEY_ID_PATTERN, PropertyValidationError

KIND_IMPORT: Final = "ModelImport"
RESOURCE_TYPE_IMPORT: Final = "Custom::BedrockModelImport"

# ResourceProperties keys.
PROP_IMPORTED_MODEL_NAME: Final = "ImportedModelName"
PROP_S3_URI: Final = "S3Uri"
PROP_ROLE_ARN: Final = "RoleArn"
PROP_KMS_KEY_ID: Final = "ImportedModelKmsKeyId"
PROP_SUBNET_IDS: Final = "SubnetIds"
PROP_SECURITY_GROUP_IDS: Final = "SecurityGroupIds"

# A change of these makes a new import (replacement); a change of the others changes nothing in Bedrock
# (the role and the network are used only while the job runs), or retags the model in place (tags).
IDENTITY_PROPERTIES: Final = (PROP_IMPORTED_MODEL_NAME, PROP_S3_URI, PROP_KMS_KEY_ID)

# Fn::GetAtt attribute names; every key is always present ("" where Bedrock omits the field).
ATTR_IMPORTED_MODEL_ARN: Final = "ImportedModelArn"
ATTR_IMPORTED_MODEL_NAME: Final = "ImportedModelName"
ATTR_JOB_ARN: Final = "JobArn"
ATTR_JOB_NAME: Final = "JobName"
ATTR_STATUS: Final = "Status"
ATTR_CREATION_TIME: Final = "CreationTime"
ATTR_MODEL_ARCHITECTURE: Final = "ModelArchitecture"
ATTR_INSTRUCT_SUPPORTED: Final = "InstructSupported"
ATTR_CUSTOM_MODEL_UNITS_PER_COPY: Final = "CustomModelUnitsPerModelCopy"
ATTR_CUSTOM_MODEL_UNITS_VERSION: Final = "CustomModelUnitsVersion"
ATTR_MODEL_KMS_KEY_ARN: Final = "ModelKmsKeyArn"

# Python attribute name on the construct -> CloudFormation attribute.
ATTRIBUTES: Final = {
    "imported_model_arn": ATTR_IMPORTED_MODEL_ARN,
    "imported_model_name": ATTR_IMPORTED_MODEL_NAME,
    "job_arn": ATTR_JOB_ARN,
    "job_name": ATTR_JOB_NAME,
    "status": ATTR_STATUS,
    "creation_time": ATTR_CREATION_TIME,
    "model_architecture": ATTR_MODEL_ARCHITECTURE,
    "instruct_supported": ATTR_INSTRUCT_SUPPORTED,
    "custom_model_units_per_model_copy": ATTR_CUSTOM_MODEL_UNITS_PER_COPY,
    "custom_model_units_version": ATTR_CUSTOM_MODEL_UNITS_VERSION,
    "model_kms_key_arn": ATTR_MODEL_KMS_KEY_ARN,
}

# botocore shapes (docs/aws-behaviour.md I1).
IMPORTED_MODEL_NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?)+")
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*")
S3_URI_PATTERN = re.compile(
    r"s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"
)
ROLE_ARN_PATTERN = re.compile(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
NETWORK_ID_PATTERN = re.compile(r"[-0-9a-zA-Z]{1,32}")
NAME_MAX_LENGTH = 63
S3_URI_MAX_LENGTH = 1024
IMPORTED_MODEL_ARN_PATTERN = re.compile(
    r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:imported-model/[a-z0-9]{12}"
)


def check_imported_model_name(value: str) -> None:
    if not (1 <= len(value) <= NAME_MAX_LENGTH and IMPORTED_MODEL_NAME_PATTERN.fullmatch(value)):
        raise PropertyValidationError(
            "imported_model_name",
            value,
            "must be 1 to 63 letters and digits, each optionally followed by one '-' or '_'",
        )


def check_s3_uri(value: str) -> None:
    """The weights' location, ``s3://<bucket>/<prefix>`` (what ``bucket`` and ``prefix`` make)."""
    if not (len(value) <= S3_URI_MAX_LENGTH and S3_URI_PATTERN.fullmatch(value)):
        raise PropertyValidationError(
            "prefix",
            value,
            "bucket and prefix must make an S3 URI Bedrock accepts: s3://<bucket name>/ followed by '/'-separated "
            "key segments of letters, digits and -!_*'(). (no empty segment, no leading '/'), at most 1024 characters",
        )


def check_role_arn(value: str) -> None:
    if not ROLE_ARN_PATTERN.fullmatch(value):
        raise PropertyValidationError("role", value, "expected an IAM role ARN arn:aws:iam::<account>:role/<name>")


def check_kms_key_id(value: str) -> None:
    if not KMS_KEY_ID_PATTERN.fullmatch(value):
        raise PropertyValidationError("kms_key", value, "expected a KMS key ARN, alias ARN, key id or alias/<name>")


def check_network(subnet_ids: list[str], security_group_ids: list[str]) -> None:
    """``vpcConfig``: 1 to 16 subnets and 1 to 5 security groups, or neither."""
    if not subnet_ids and not security_group_ids:
        return
    if not 1 <= len(subnet_ids) <= 16:
        raise PropertyValidationError("vpc_subnets", subnet_ids, "an import job runs in 1 to 16 subnets")
    if not 1 <= len(security_group_ids) <= 5:
        raise PropertyValidationError("security_groups", security_group_ids, "an import job takes 1 to 5 groups")
    for value in (*subnet_ids, *security_group_ids):
        if not NETWORK_ID_PATTERN.fullmatch(value):
            raise PropertyValidationError("vpc_subnets", value, "expected a subnet or security group id")


def job_name(imported_model_name: str, request_hash: str) -> str:
    """The import job's name: the model's name as a job name allows (``_`` becomes ``-``), and a hash.

    A new name for every CloudFormation request that starts a job (job names may never be reusable,
    docs/aws-behaviour.md I12); a retry of the same request keeps it.
    """
    return f"{job_name_prefix(imported_model_name)}-{request_hash[:16]}"


def job_name_prefix(imported_model_name: str) -> str:
    """What every job name of one imported model name starts with (``ListModelImportJobs`` ``nameContains``)."""
    return imported_model_name.replace("_", "-")[: NAME_MAX_LENGTH - 17]
