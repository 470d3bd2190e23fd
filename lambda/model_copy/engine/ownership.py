"""Who made a resource: the ownership tags every create carries, and the rules that read them.

Every resource the handler creates, of any kind, carries these tags from its first second
(in the create request itself, so IAM can require them with ``aws:RequestTag``):

- ``bedrock-model-copy:owner-stack``: the stack's name (IAM tests it on every delete, tag and
  untag, and on updates of serving resources);
- ``bedrock-model-copy:owner-resource``: the resource's logical id;
- for kinds whose template values Bedrock does not report back as written (a copy's KMS key
  alias), ``bedrock-model-copy:copy-request``: a fingerprint of what it was requested from.

A stack re-created under the same name, with the same logical id and the same properties,
therefore recognises what its predecessor made and takes it back. Version 0.1.0 wrote only the
owner-stack tag on copies; such a copy still belongs to the resource whose physical id is its
job (:func:`owns`, ``legacy_stack``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..aws import AwsError, HandlerError, client, error_code, is_not_found
from ..contract import COPY_REQUEST_TAG_KEY, OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY, OWNERSHIP_TAG_KEYS
from .request import Request

logger = logging.getLogger("model_copy")

# Codes a tag call on a resource may answer when the resource is gone, or refused: confirmed with a Get.
_CONFIRM_CODES = frozenset({"ResourceNotFoundException", "ValidationException"})


def tag_map(tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> dict[str, str]:
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return {str(key): str(value) for key, value in tags.items()}
    return {str(tag["key"]): str(tag["value"]) for tag in tags}


def ownership_tags(request: Request, fingerprint: str = "") -> list[dict[str, str]]:
    """The tags a new resource is created with besides the user's: this stack, this resource (and a fingerprint)."""
    tags = [
        {"key": OWNER_TAG_KEY, "value": request.stack_name},
        {"key": OWNER_RESOURCE_TAG_KEY, "value": request.logical_id},
    ]
    if fingerprint:
        tags.append({"key": COPY_REQUEST_TAG_KEY, "value": fingerprint})
    return tags


def user_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """The tags that are not ownership tags (in any letter case: IAM compares tag keys without case)."""
    lowered = {key.lower() for key in OWNERSHIP_TAG_KEYS}
    return {str(key): str(value) for key, value in (tags or {}).items() if str(key).lower() not in lowered}


@dataclass(frozen=True)
class Owner:
    """The ownership tags found on a resource or a job ("" where a tag is absent)."""

    stack: str
    resource: str
    request: str

    @classmethod
    def from_tags(cls, tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None) -> Owner:
        found = tag_map(tags)
        return cls(
            found.get(OWNER_TAG_KEY, ""), found.get(OWNER_RESOURCE_TAG_KEY, ""), found.get(COPY_REQUEST_TAG_KEY, "")
        )

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

    def is_resource(self, request: Request) -> bool:
        """Tagged with this stack's name and this resource's logical id."""
        return self.stack == request.stack_name and self.resource == request.logical_id

    def started_by(self, request: Request) -> bool:
        """This resource made it: its tags name it, or (a 0.1.0 copy) they name only this stack."""
        if self.is_upgraded_copy:
            return self.stack == request.stack_name
        return self.is_resource(request)


def owns(tags: Mapping[str, str], request: Request, legacy_stack: str = "") -> bool:
    """Whether this resource may change or delete what carries ``tags`` (its CURRENT tags).

    They must name this stack, and this resource's logical id; or, for a 0.1.0 copy, no resource
    at all while ``legacy_stack`` (the stack that started its job) is this stack.
    """
    current = Owner.from_tags(tags)
    if current.stack != request.stack_name:
        return False
    if current.resource:
        return current.resource == request.logical_id
    return legacy_stack == request.stack_name


def tags_of(arn: str, *, confirm_gone: Callable[[str], bool]) -> dict[str, str] | None:
    """The current tags of ``arn``; None when it no longer exists.

    ``ListTagsForResource`` is not a Get: when it answers not-found or a ValidationException,
    ``confirm_gone`` (the kind's Get) decides. A resource that still answers is not gone: the
    call's own error is raised (an ``AwsError``, for the caller to report or retry).
    """
    try:
        response = client().list_tags_for_resource(resourceARN=arn)
    except AwsError as error:
        if error_code(error) in _CONFIRM_CODES and confirm_gone(arn):
            return None
        raise
    return tag_map(response.get("tags"))


def gone_by_get(get: Callable[[str], Any], arn: str) -> bool:
    """True when ``get(arn)`` answers not-found, the only proof that something is gone.

    False when it answers, or fails in any other way (a refusal proves nothing).
    """
    try:
        get(arn)
    except AwsError as error:
        return is_not_found(error)
    return False


def sync_tags(
    arn: str,
    current: Mapping[str, str],
    old_tags: Mapping[str, str],
    new_tags: Mapping[str, str],
    failure: Callable[[str, Exception], HandlerError],
) -> None:
    """Untag the keys the template dropped, tag the keys whose value differs; ownership tags are never touched."""
    new_tags, old_tags = user_tags(new_tags), user_tags(old_tags)
    removed = sorted(key for key in set(old_tags) - set(new_tags) if key in current)
    changed = {key: value for key, value in new_tags.items() if current.get(key) != value}
    try:
        if removed:
            client().untag_resource(resourceARN=arn, tagKeys=removed)
        if changed:
            client().tag_resource(
                resourceARN=arn, tags=[{"key": key, "value": value} for key, value in sorted(changed.items())]
            )
    except AwsError as error:
        raise failure("TagResource", error) from error
    if removed or changed:
        logger.info("resource=%s decision=tags-updated removed=%d set=%d", arn, len(removed), len(changed))
