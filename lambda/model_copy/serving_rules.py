"""Property rules of the serving resource types, from botocore's Bedrock service model.

Standard library only (no boto3): the construct library loads this module at synth time, so
synth-time and deploy-time checks are one implementation with one set of messages.
"""

from __future__ import annotations

import re

from .rules import PropertyValidationError
from .serving_contract import COMMITMENTS

# botocore shapes "ModelDeploymentName" and "ProvisionedModelName" (both 1 to 63 characters).
NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
NAME_MAX_LENGTH = 63
# botocore shape "CustomModelArn" (CreateCustomModelDeployment.modelArn).
MODEL_ARN_PATTERN = re.compile(
    r"arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model/(imported|"
    r"[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})"
    r"/[a-z0-9]{12}"
)
DESCRIPTION_MAX_LENGTH = 2048


def check_name(value: str, prop: str) -> None:
    if not (1 <= len(value) <= NAME_MAX_LENGTH and NAME_PATTERN.fullmatch(value)):
        raise PropertyValidationError(
            prop, value, "must be 1 to 63 letters and digits, each optionally followed by one '-' or '_'"
        )


IMPORTED_MODEL_RULE = (
    "is a model from Custom Model Import (imported-model/...), which Bedrock invokes on demand by its own ARN: use "
    "BedrockModelImport.grant_invoke (or grant bedrock:InvokeModel on that ARN) instead of a deployment or "
    "Provisioned Throughput"
)


def check_model_arn(value: str) -> None:
    """A customized model's ARN (``custom-model/imported/...`` included: it needs Provisioned Throughput).

    A model from Custom Model Import (``imported-model/...``) is refused: Bedrock invokes it on
    demand by its own ARN (docs/aws-behaviour.md I6).
    """
    if ":imported-model/" in value:
        raise PropertyValidationError("model", value, IMPORTED_MODEL_RULE)
    if not MODEL_ARN_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "model", value, "expected a custom model ARN arn:aws:bedrock:<region>:<account>:custom-model/<base>/<id>"
        )


def check_description(value: str) -> None:
    if not 1 <= len(value) <= DESCRIPTION_MAX_LENGTH:
        raise PropertyValidationError("description", value, f"must be 1 to {DESCRIPTION_MAX_LENGTH} characters")


def check_model_units(value: object) -> None:
    if isinstance(value, bool) or not (str(value).isdigit() and int(str(value)) >= 1):
        raise PropertyValidationError("model_units", value, "must be a whole number of model units, at least 1")


def check_commitment(value: str) -> None:
    if value and value not in COMMITMENTS:
        raise PropertyValidationError("commitment", value, f"must be none or one of {list(COMMITMENTS)}")
