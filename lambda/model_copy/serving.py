"""The engine of the serving resource types: one request flow for every kind, over per-kind modules.

A kind (:mod:`.deployment`, :mod:`.throughput`) says how to create, describe, update in place and
delete its Bedrock resource; this module does what they share, as the copy does it:

- ``on_event``: Create starts the resource (``clientRequestToken`` from the CloudFormation request,
  so a retried request makes one resource) tagged with the ownership tags; Update changes it in
  place, or starts a new one when a property Bedrock cannot change did (CloudFormation then
  deletes the old one); Delete is decided in ``is_complete``.
- ``is_complete``: waits until the resource is ready (Failed fails with Bedrock's message and the
  ARN), or until it is gone after a delete; a timeout fails with what to do.
- Nothing is changed or deleted that does not carry this stack's and this resource's ownership
  tags; a request of a rollback or clean-up never fails (:mod:`.phase`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from . import long_serving, phase, poll
from .bedrock import AwsError, ModelCopyError, client, error_code, error_message, is_not_found, is_transient
from .contract import (
    MAX_TIMEOUT_SECONDS,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
    STARTED_AT_KEY,
    CustomResourceEvent,
    IsCompleteResult,
    OnEventResult,
)
from .ownership import Owner, stack_name
from .serving_contract import PROP_MODEL_ARN, PROP_NAME, PROP_RESOURCE_KIND, PROP_TAGS, REPLACING_PROPERTIES

logger = logging.getLogger("model_copy")

DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}
READY, WAITING = "ready", "waiting"


class Kind(Protocol):
    """What a serving resource type provides (a module: :mod:`.deployment`, :mod:`.throughput`)."""

    KIND: str
    NOUN: str  # "custom model deployment", "Provisioned Throughput"
    ARN_MARKER: str  # ":custom-model-deployment/", ":provisioned-model/"

    def check(self, props: Mapping[str, Any]) -> None: ...
    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str: ...
    def describe(self, arn: str) -> dict[str, Any]: ...
    def named(self, name: str) -> list[dict[str, Any]]: ...
    def update(self, arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None: ...
    def state(self, resource: Mapping[str, Any], props: Mapping[str, Any]) -> str: ...
    def attributes(self, resource: Mapping[str, Any]) -> dict[str, str]: ...
    def keep_on_delete(self, resource: Mapping[str, Any]) -> str: ...
    def delete(self, arn: str) -> None: ...
    def advice(self, operation: str, code: str, message: str) -> str: ...


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Add a kind to the dispatch table (each kind module registers itself)."""
    _KINDS[kind.KIND] = kind


def handles(event: CustomResourceEvent) -> bool:
    """Whether the request is for a serving resource (copies carry no ``ResourceKind``)."""
    return PROP_RESOURCE_KIND in (event.get("ResourceProperties") or {})


def _kind(event: CustomResourceEvent) -> Kind:
    name = str(event["ResourceProperties"].get(PROP_RESOURCE_KIND))
    if name not in _KINDS:
        raise ModelCopyError(f"Property {PROP_RESOURCE_KIND} is {name!r}; expected one of {sorted(_KINDS)}.")
    return _KINDS[name]


# --------------------------------------------------------------------------- shared pieces


def client_token(event: CustomResourceEvent) -> str:
    """Idempotency token of one CloudFormation request: a retried request makes one resource."""
    material = "|".join((event["StackId"], event["LogicalResourceId"], event["RequestId"]))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def creation_tags(event: CustomResourceEvent, props: Mapping[str, Any]) -> list[dict[str, str]]:
    """The user's tags, then the ownership tags (the stack's name and the resource's logical id)."""
    user = [{"key": str(key), "value": str(value)} for key, value in (props.get(PROP_TAGS) or {}).items()]
    return [
        *user,
        {"key": OWNER_TAG_KEY, "value": stack_name(event)},
        {"key": OWNER_RESOURCE_TAG_KEY, "value": event["LogicalResourceId"]},
    ]


def failure(kind: Kind, operation: str, subject: str, error: Exception) -> ModelCopyError:
    """The failure of an AWS call: the call, the subject, Bedrock's code and message, and what to do."""
    code, message = error_code(error), error_message(error)
    advice = kind.advice(operation, code, message)
    if not advice and is_transient(error):
        advice = "Bedrock is throttling or unavailable and boto3's retries ran out: deploy again in a few minutes."
    return ModelCopyError(f"{operation} failed for {subject}: {code}: {message}. {advice}".strip())


def tags_of(kind: Kind, arn: str) -> dict[str, str] | None:
    """The resource's current tags; None when it no longer exists."""
    try:
        response = client().list_tags_for_resource(resourceARN=arn)
    except AwsError as error:
        if is_not_found(error):
            return None
        raise failure(kind, "ListTagsForResource", arn, error) from error
    return {str(tag["key"]): str(tag["value"]) for tag in response.get("tags") or []}


def owned(tags: Mapping[str, str], event: CustomResourceEvent) -> bool:
    return Owner.from_tags(tags).is_resource(event)


def _retag(kind: Kind, arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    """Bring the user's tags to what the template says; the ownership tags are never touched."""
    new_tags = {str(k): str(v) for k, v in (props.get(PROP_TAGS) or {}).items() if k not in OWNERSHIP_TAG_KEYS}
    old_tags = {str(k): str(v) for k, v in (old.get(PROP_TAGS) or {}).items() if k not in OWNERSHIP_TAG_KEYS}
    removed = sorted(set(old_tags) - set(new_tags))
    changed = [{"key": key, "value": value} for key, value in new_tags.items() if old_tags.get(key) != value]
    try:
        if removed:
            client().untag_resource(resourceARN=arn, tagKeys=removed)
        if changed:
            client().tag_resource(resourceARN=arn, tags=changed)
    except AwsError as error:
        raise failure(kind, "TagResource", arn, error) from error


# --------------------------------------------------------------------------- on_event


def on_event(event: CustomResourceEvent) -> OnEventResult:
    """Create, update or (in ``is_complete``) delete a serving resource; its ARN is the physical id."""
    if long_serving.is_result(event):  # a long resource's Result resource: reads only
        return long_serving.on_event_result(event)
    started: OnEventResult = {STARTED_AT_KEY: poll.now()}
    request_type = event["RequestType"]
    kind = _kind(event)
    props = event["ResourceProperties"]
    if request_type != "Delete" and long_serving.is_long(props):
        started["Data"] = long_serving.no_watcher()  # R3 reads it on every deploy
    if request_type == "Delete":
        logger.info("resource=%s request=Delete decision=check-in-is_complete", event["PhysicalResourceId"])
        return {"PhysicalResourceId": event["PhysicalResourceId"], **started}
    try:
        kind.check(props)
        if request_type == "Create":
            arn = _create(kind, event, props)
        else:
            arn = _update(kind, event, props, event.get("OldResourceProperties") or {})
        if long_serving.is_long(props):
            started["Data"] = long_serving.start_watcher(event, props, arn)
    except Exception as error:
        if request_type == "Update" and _must_not_fail(event, error):
            return {"PhysicalResourceId": event["PhysicalResourceId"], **started}
        raise
    return {"PhysicalResourceId": arn, **started}


def _create(kind: Kind, event: CustomResourceEvent, props: Mapping[str, Any]) -> str:
    try:
        arn = kind.create(props, creation_tags(event, props), client_token(event))
    except ModelCopyError as error:
        cause = error.__cause__
        taken = isinstance(cause, Exception) and error_code(cause) in NAME_TAKEN_CODES
        own = _own_made_meanwhile(kind, event, props) if taken else None
        if own is None:
            raise
        return own
    logger.info("resource=%s kind=%s decision=created", arn, kind.KIND)
    return arn


# How Bedrock refuses a name that is taken is not documented (docs/aws-behaviour.md S8): either code.
NAME_TAKEN_CODES = frozenset({"ConflictException", "ValidationException"})


def _own_made_meanwhile(kind: Kind, event: CustomResourceEvent, props: Mapping[str, Any]) -> str | None:
    """After a refused Create: this resource's own, made by an earlier try of this request, if any.

    The clientRequestToken makes a retried Create return the first resource where Bedrock remembers
    it; how long it does is not documented (docs/aws-behaviour.md M3), so a refusal is looked up by
    name, model and ownership tags (this stack, this logical id) before it fails the request.
    """
    try:
        candidates = kind.named(str(props[PROP_NAME]))
    except AwsError as error:
        logger.info("name=%s error=%s decision=cannot-look-for-own", props[PROP_NAME], error_code(error))
        return None
    for found in candidates:
        if found.get("status") == "Failed" or found.get("model") != props.get(PROP_MODEL_ARN):
            continue
        tags = tags_of(kind, str(found["arn"]))
        if tags is not None and owned(tags, event):
            logger.info("resource=%s kind=%s decision=take-back-own-after-refusal", found["arn"], kind.KIND)
            return str(found["arn"])
    return None


def _update(kind: Kind, event: CustomResourceEvent, props: Mapping[str, Any], old: Mapping[str, Any]) -> str:
    arn = event["PhysicalResourceId"]
    replacing = [key for key in REPLACING_PROPERTIES[kind.KIND] if props.get(key) != old.get(key)]
    if replacing:
        if PROP_NAME not in replacing and props.get(PROP_NAME) == old.get(PROP_NAME):
            raise ModelCopyError(
                f"Changing {', '.join(replacing)} replaces {kind.NOUN} {arn} (Bedrock cannot change it in place), "
                f"and the replacement needs a new name while the old one exists: give it another name "
                f"(or leave the name to be generated) and deploy again."
            )
        logger.info("resource=%s kind=%s changed=%s decision=replace", arn, kind.KIND, ",".join(replacing))
        return _create(kind, event, props)
    tags = tags_of(kind, arn)
    if tags is None or not owned(tags, event):
        owner = "it no longer exists" if tags is None else f"its ownership tags name {Owner.from_tags(tags).describe()}"
        raise ModelCopyError(
            f"{kind.NOUN} {arn} cannot be updated by this resource: {owner}. Nothing was changed; remove the "
            "resource from the stack (it is left alone) or restore it."
        )
    kind.update(arn, props, old)
    _retag(kind, arn, props, old)
    logger.info("resource=%s kind=%s decision=updated-in-place", arn, kind.KIND)
    return arn


# --------------------------------------------------------------------------- is_complete


def is_complete(event: CustomResourceEvent) -> IsCompleteResult:
    """One poll: wait for the resource to be ready, or gone after a delete."""
    kind = _kind(event)
    try:
        if long_serving.is_result(event):
            return long_serving.complete_result(kind, event, READY)
        if event["RequestType"] == "Delete":
            return _complete_delete(kind, event)
        if long_serving.watched_by_this_request(event):  # the watcher waits; R3 gives the attributes
            return {"IsComplete": True, "Data": _attributes_if_readable(kind, event["PhysicalResourceId"])}
        return _complete_ready(kind, event)
    except Exception as error:
        if event["RequestType"] != "Create" and _must_not_fail(event, error):
            if event["RequestType"] == "Delete":
                return DONE
            return {"IsComplete": True, "Data": _attributes_if_readable(kind, event["PhysicalResourceId"])}
        raise


def _describe(kind: Kind, event: CustomResourceEvent, arn: str) -> dict[str, Any] | None:
    """The resource, None when Bedrock does not know it, or a pseudo-status when this poll cannot read it."""
    try:
        return kind.describe(arn)
    except AwsError as error:
        if is_not_found(error):
            return None
        if is_transient(error):
            logger.info("resource=%s status=unknown error=%s decision=poll-again", arn, error_code(error))
            return {"status": f"{poll.UNKNOWN} ({error_code(error)})"}
        raise failure(kind, f"Get{kind.KIND}", arn, error) from error


def _complete_ready(kind: Kind, event: CustomResourceEvent) -> IsCompleteResult:
    arn, props = event["PhysicalResourceId"], event["ResourceProperties"]
    resource = _describe(kind, event, arn)
    if resource is None:
        if poll.now() - poll.started_at(event) < poll.NOT_FOUND_GRACE_SECONDS:
            return AGAIN  # Bedrock's reads may lag a moment behind the create
        raise ModelCopyError(f"{kind.NOUN} {arn} no longer exists in Bedrock; deploy again to create it anew.")
    if not poll.is_unknown(resource) and kind.state(resource, props) == READY:
        logger.info("resource=%s status=%s decision=complete", arn, resource.get("status"))
        return {"IsComplete": True, "Data": kind.attributes(resource)}
    timeout = poll.timeout_seconds(event)
    if timeout > MAX_TIMEOUT_SECONDS and poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
        raise long_serving.in_place_timeout(kind.NOUN, arn, resource.get("status"), event)
    if poll.past_deadline(event, timeout):
        waited = poll.minutes(poll.now() - poll.started_at(event))
        raise ModelCopyError(
            f"{kind.NOUN} {arn} is still {resource.get('status')} after {waited} (this resource's timeout is "
            f"{poll.minutes(timeout)}; CloudFormation allows a custom resource one hour). Bedrock goes on; the "
            "rollback deletes it. Deploy again later, or raise timeout (at most 57 minutes)."
        )
    logger.info("resource=%s status=%s decision=poll-again", arn, resource.get("status"))
    return AGAIN


def _complete_delete(kind: Kind, event: CustomResourceEvent) -> IsCompleteResult:
    arn = event["PhysicalResourceId"]
    if kind.ARN_MARKER not in arn:
        logger.info("resource=%s request=Delete decision=nothing-was-created", arn)
        return DONE
    resource = _describe(kind, event, arn)
    if resource is None:
        logger.info("resource=%s request=Delete decision=gone", arn)
        return DONE
    if not poll.is_unknown(resource):
        tags = tags_of(kind, arn)
        if tags is None:
            return DONE
        if not owned(tags, event):
            logger.info("resource=%s decision=leave-alone owner=%s", arn, Owner.from_tags(tags).describe())
            return DONE
        kept = kind.keep_on_delete(resource)
        if kept:
            logger.warning(
                "resource=%s decision=leave-under-commitment: %s (or, once the term has ended: %s)",
                arn,
                kept,
                clean_command(event, arn),
            )
            return DONE
        try:
            kind.delete(arn)
        except AwsError as error:
            if is_not_found(error):
                return DONE
            if not (is_transient(error) or error_code(error) == "ConflictException"):
                raise failure(kind, f"Delete{kind.KIND}", arn, error) from error
    if not poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
        logger.info("resource=%s status=%s request=Delete decision=wait-until-gone", arn, resource.get("status"))
        return AGAIN
    raise ModelCopyError(
        f"{kind.NOUN} {arn} is still {resource.get('status')}; this delete waited "
        f"{poll.minutes(poll.now() - poll.started_at(event))} and CloudFormation allows a custom resource one hour. "
        "Delete the stack again later, or finish now with --retain-resources "
        f"{event['LogicalResourceId']} and, once Bedrock has finished with it, run: {clean_command(event, arn)}"
    )


def clean_command(event: CustomResourceEvent, arn: str) -> str:
    """This library's command that deletes what the stack left, once no stack declares it (README, Day 2)."""
    parts = arn.split(":")
    region = parts[3] if len(parts) > 3 else ""
    return f"bedrock-model-copy clean --region {region} --stack {stack_name(event)} --yes"


def _attributes_if_readable(kind: Kind, arn: str) -> dict[str, str]:
    try:
        return kind.attributes(kind.describe(arn))
    except AwsError:
        return {}


def _must_not_fail(event: CustomResourceEvent, error: Exception) -> bool:
    """True (and logged) when ``error`` comes during a rollback or clean-up, where the request must succeed."""
    current = phase.current(event)
    if not phase.must_not_fail(current):
        return False
    logger.warning(
        "resource=%s request=%s phase=%s decision=succeed-anyway: %s",
        event.get("PhysicalResourceId", ""),
        event["RequestType"],
        current,
        error,
    )
    return True


def quote(resource: Mapping[str, Any], key: str) -> str:
    """A response field as a string ("" when Bedrock omits it; timestamps in ISO 8601)."""
    value = resource.get(key)
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def error_text(error: Exception) -> str:
    return f"{error_code(error)}: {error_message(error)}"
