"""Deploy-time checks of the resolved properties, before any Bedrock call.

The rules follow botocore's Bedrock service model (CreateModelCopyJob and
GetModelCopyJob shapes), which is wider than the first API page: imported
models, foundation-model ARNs and KMS aliases are accepted. The construct
library checks the same rules at synth time for concrete values: it imports
this very module (``bedrock_model_copy._lambda.model_copy.rules``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .contract import MAX_TAGS_PER_MODEL, MAX_USER_TAGS, OWNERSHIP_TAG_KEYS, REPLACED_BY_TAG_KEY

# botocore shape "ModelArn" (CreateModelCopyJob.sourceModelArn).
SOURCE_MODEL_ARN_PATTERN = re.compile(
    r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/((imported)|"
    r"([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}))(([:][a-z0-9-]{1,63}){0,2})?/[a-z0-9]{12})|"
    r"(:foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}"
    r"([:][a-z0-9-]{1,63}){0,2}))"
)
# botocore shape "CustomModelName".
MODEL_NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
# botocore shape "KmsKeyId".
KMS_KEY_ID_PATTERN = re.compile(
    r"(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|"
    r"(alias/[a-zA-Z0-9-_/]+)))|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)"
)
# A job ARN is opaque past its resource type: the API reference's own example is
# model-copy-job/amazon.titan-text-lite-v1:0:4k/abcdef123456.
JOB_ARN_PATTERN = re.compile(r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-copy-job/\S+")
# botocore shapes "TagKey" and "TagValue".
TAG_KEY_PATTERN = re.compile(r"[a-zA-Z0-9\s._:/=+@-]{1,128}")
TAG_VALUE_PATTERN = re.compile(r"[a-zA-Z0-9\s._:/=+@-]{0,256}")

MODEL_NAME_MAX_LENGTH = 63
ARN_MAX_LENGTH = 1011


class PropertyValidationError(ValueError):
    """A property value Bedrock would refuse.

    Attributes
    ----------
    prop : str
        The construct prop's name (``source_model_arn``, ``tags`` ...).
    value : object
        The offending value.
    rule : str
        The rule it breaks.
    """

    def __init__(self, prop: str, value: object, rule: str) -> None:
        self.prop = prop
        self.value = value
        self.rule = rule
        super().__init__(f"{prop} {value!r} is not valid: {rule}")


def check_source_model_arn(value: str) -> None:
    """Check a source model ARN (custom, imported or foundation model)."""
    if ":model-copy-job/" in value:
        raise PropertyValidationError(
            "source_model_arn",
            value,
            "this is a model copy job ARN, not a model ARN; to wait for a copy started elsewhere "
            "use ModelCopyJobWaiter(job_arn=...)",
        )
    if len(value) > ARN_MAX_LENGTH or not SOURCE_MODEL_ARN_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "source_model_arn",
            value,
            "expected a Bedrock model ARN such as "
            "arn:aws:bedrock:<region>:<account>:custom-model/<base-model>/<12 chars>, "
            "...:custom-model/imported/<12 chars> or ...::foundation-model/<model-id>",
        )


def check_target_model_name(value: str) -> None:
    """Check the copied model's name (1 to 63 letters/digits, single '-' or '_' between)."""
    if not value:
        raise PropertyValidationError("target_model_name", value, "must not be empty")
    if len(value) > MODEL_NAME_MAX_LENGTH:
        raise PropertyValidationError(
            "target_model_name", value, f"is {len(value)} characters; at most {MODEL_NAME_MAX_LENGTH} are allowed"
        )
    if not MODEL_NAME_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "target_model_name",
            value,
            "must match ([0-9a-zA-Z][_-]?){1,63}: letters and digits, each optionally followed by one '-' or '_'",
        )


def check_kms_key_id(value: str) -> None:
    """Check a KMS key reference (key ARN, alias ARN, key id or alias/name)."""
    if not KMS_KEY_ID_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "target_kms_key",
            value,
            "expected a KMS key ARN, alias ARN, key id or alias/<name>",
        )


def check_tags(tags: Mapping[str, str]) -> None:
    """Check user tags: count, reserved keys and the TagKey/TagValue patterns."""
    check_tag_count(len(tags))
    for key, value in tags.items():
        check_tag_key(key)
        check_tag_value(key, value)


def check_tag_count(count: int) -> None:
    if count > MAX_USER_TAGS:
        raise PropertyValidationError(
            "tags",
            f"{count} tags",
            f"at most {MAX_USER_TAGS} tags are allowed ({MAX_TAGS_PER_MODEL} per model, "
            f"{len(OWNERSHIP_TAG_KEYS)} are the construct's ownership tags)",
        )


def check_tag_key(key: str) -> None:
    if key.lower().startswith("aws:"):
        raise PropertyValidationError("tags", key, "tag keys beginning with 'aws:' are reserved by AWS")
    # In any letter case: IAM matches the key of aws:ResourceTag/<key> without regard to case.
    if key.lower() in OWNERSHIP_TAG_KEYS:
        raise PropertyValidationError("tags", key, "this key is reserved for the construct's ownership tags")
    if key.lower() == REPLACED_BY_TAG_KEY:
        raise PropertyValidationError(
            "tags", key, "this key is reserved: the handler puts it on a resource that a replacement left in place"
        )
    if not TAG_KEY_PATTERN.fullmatch(key):
        raise PropertyValidationError(
            "tags", key, "tag keys are 1 to 128 characters of letters, digits, spaces and _.:/=+-@" + _length(key, 128)
        )


def check_tag_value(key: str, value: str) -> None:
    if not TAG_VALUE_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "tags",
            f"{key}={value}",
            "tag values are 0 to 256 characters of letters, digits, spaces and _.:/=+-@" + _length(value, 256),
        )


def _length(value: str, most: int) -> str:
    """What a length error adds to the rule: the length found, when it is over."""
    return f": this one is {len(value)} characters; at most {most}" if len(value) > most else ""


def check_job_arn(value: str) -> None:
    """Check a model copy job ARN (opaque after ``model-copy-job/``)."""
    if ":custom-model/" in value or ":foundation-model/" in value:
        raise PropertyValidationError(
            "job_arn",
            value,
            "this is a model ARN, not a model copy job ARN; to copy a model use BedrockModelCopy(source_model_arn=...)",
        )
    if len(value) > ARN_MAX_LENGTH or not JOB_ARN_PATTERN.fullmatch(value):
        raise PropertyValidationError(
            "job_arn",
            value,
            "expected arn:aws:bedrock:<region>:<account>:model-copy-job/<id>",
        )
