"""Who made a copy: the ownership tags recorded when it starts, and the rules that read them.

Every copy this handler starts carries three tags in ``CreateModelCopyJob``'s
``targetModelTags``, so they are on the job from its first second (readable while
it runs) and on the model it makes:

- ``bedrock-model-copy:owner-stack``: the stack's name (IAM tests it on every
  delete, tag and untag);
- ``bedrock-model-copy:owner-resource``: the resource's logical id;
- ``bedrock-model-copy:copy-request``: a fingerprint of what the copy was
  requested from (source ARN, target name, KMS key as written in the template).

A stack re-created under the same name, with the same logical id and the same
properties, therefore recognises the copy its predecessor started and takes it
back. Version 0.1.0 wrote only the owner-stack tag; such a copy still belongs to
the resource whose PhysicalResourceId is its job, and the handler records the
other two tags on the first update or poll that finds the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .advice import describe_failure
from .bedrock import AwsError, client, error_code, is_not_found
from .contract import (
    COPY_REQUEST_TAG_KEY,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    CustomResourceEvent,
)

logger = logging.getLogger("model_copy")


def stack_name(event: CustomResourceEvent) -> str:
    """The stack's name, from ``arn:...:stack/<name>/<guid>``."""
    return event["StackId"].split(":stack/", 1)[-1].split("/", 1)[0]


def copy_request_id(props: Mapping[str, Any]) -> str:
    """Fingerprint of what identifies a copy: source, target name and KMS key as requested."""
    material = json.dumps(
        [
            props.get(PROP_SOURCE_MODEL_ARN) or "",
            props.get(PROP_TARGET_MODEL_NAME) or "",
            props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "",
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def ownership_tags(event: CustomResourceEvent, props: Mapping[str, Any]) -> list[dict[str, str]]:
    """The three tags a new copy is started with."""
    return [
        {"key": OWNER_TAG_KEY, "value": stack_name(event)},
        {"key": OWNER_RESOURCE_TAG_KEY, "value": event["LogicalResourceId"]},
        {"key": COPY_REQUEST_TAG_KEY, "value": copy_request_id(props)},
    ]


def _tag_map(tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return dict(tags)
    return {str(tag["key"]): str(tag["value"]) for tag in tags}


@dataclass(frozen=True)
class Owner:
    """The ownership tags found on a job or a model ("" where a tag is absent)."""

    stack: str
    resource: str
    request: str

    @classmethod
    def from_tags(cls, tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> Owner:
        found = _tag_map(tags)
        return cls(
            found.get(OWNER_TAG_KEY, ""), found.get(OWNER_RESOURCE_TAG_KEY, ""), found.get(COPY_REQUEST_TAG_KEY, "")
        )

    @classmethod
    def of_job(cls, job: Mapping[str, Any]) -> Owner:
        return cls.from_tags(job.get("targetModelTags"))

    @property
    def is_upgraded_copy(self) -> bool:
        """Made by version 0.1.0: a stack tag, and no resource recorded."""
        return bool(self.stack) and not self.resource

    def describe(self) -> str:
        if not self.stack:
            return "no owner tag"
        if self.is_upgraded_copy:
            return f"stack {self.stack} (no resource recorded)"
        return f"stack {self.stack}, resource {self.resource}"

    def is_resource(self, event: CustomResourceEvent) -> bool:
        """Tagged with this stack's name and this resource's logical id."""
        return self.stack == stack_name(event) and self.resource == event["LogicalResourceId"]

    def started_by(self, event: CustomResourceEvent) -> bool:
        """This resource started the job: its tags name it, or (from 0.1.0) they name only this stack."""
        if self.is_upgraded_copy:
            return self.stack == stack_name(event)
        return self.is_resource(event)


def _kms_matches(job_key_arn: str, wanted: str) -> bool:
    """0.1.0 copies recorded no request: compare the key ARN Bedrock reports (an alias never matches)."""
    if not wanted:
        return not job_key_arn
    return job_key_arn == wanted or job_key_arn.endswith(f":key/{wanted}")


def made_from(job: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    """Whether ``job`` was started from these properties (as recorded when it started)."""
    owner = Owner.of_job(job)
    if owner.request:
        return owner.request == copy_request_id(props)
    return (
        job.get("sourceModelArn") == props.get(PROP_SOURCE_MODEL_ARN)
        and job.get("targetModelName") == props.get(PROP_TARGET_MODEL_NAME)
        and _kms_matches(job.get("targetModelKmsKeyArn") or "", props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "")
    )


def is_own_job(job: Mapping[str, Any], event: CustomResourceEvent, props: Mapping[str, Any]) -> bool:
    """A job this resource started from these properties (or, from 0.1.0, this stack started from them)."""
    return Owner.of_job(job).started_by(event) and made_from(job, props)


def model_tags(model_arn: str) -> dict[str, str] | None:
    """The model's current tags; None when the model no longer exists."""
    try:
        response = client().list_tags_for_resource(resourceARN=model_arn)
    except AwsError as error:
        if model_is_gone(model_arn, error):
            return None
        raise describe_failure("ListTagsForResource", f"model {model_arn}", error) from error
    return _tag_map(response.get("tags"))


def model_is_gone(model_arn: str, error: Exception) -> bool:
    """Whether ``error`` (from a call on the model) means the model no longer exists.

    ``ResourceNotFoundException`` does. Bedrock documents no ``ValidationException`` for a
    missing resource (docs/aws-behaviour.md, M9), so that one is confirmed with
    GetCustomModel: a model that still answers is not gone, whatever the first call said.
    """
    if error_code(error) == "ResourceNotFoundException":
        return True
    if not is_not_found(error):
        return False
    try:
        client().get_custom_model(modelIdentifier=model_arn)
    except AwsError as confirm:
        if is_not_found(confirm):
            return True
        raise describe_failure("GetCustomModel", f"model {model_arn}", confirm) from confirm
    return False


def owns_model(tags: Mapping[str, str], event: CustomResourceEvent, job: Mapping[str, Any]) -> bool:
    """Whether this resource may change or delete the model ``job`` made, by the model's CURRENT tags.

    The model must carry this stack's name, and either this resource's logical id or,
    for a 0.1.0 copy, no resource at all while the job itself was started by this stack.
    """
    current = Owner.from_tags(tags)
    if current.stack != stack_name(event):
        return False
    if current.resource:
        return current.resource == event["LogicalResourceId"]
    return Owner.of_job(job).stack == stack_name(event)


def record_upgraded_ownership(
    model_arn: str, tags: Mapping[str, str], event: CustomResourceEvent, props: Mapping[str, Any]
) -> None:
    """Write the resource and request tags on a 0.1.0 copy this resource owns (once)."""
    if Owner.from_tags(tags).resource:
        return
    new_tags = [tag for tag in ownership_tags(event, props) if tag["key"] != OWNER_TAG_KEY]
    try:
        client().tag_resource(resourceARN=model_arn, tags=new_tags)
    except AwsError as error:
        raise describe_failure("TagResource", f"model {model_arn}", error) from error
    logger.info("model=%s decision=recorded-ownership-of-upgraded-copy", model_arn)
