"""What every kind does on Create and Update, and while it waits to be ready (docs/lifecycle.md).

- **Take back before making.** A Create (or a replacement) looks for a same-named resource first:
  this resource's own (its ownership tags, made from these properties) is taken back, running or
  finished; anyone else's fails the request before anything is bought. A create refused as a
  taken name looks again (the list may lag, tokens are forgotten) before it fails.
- **Idempotency.** The create's ``clientRequestToken`` comes from the CloudFormation request, so a
  retried request makes one resource.
- **Updates.** Only the kind's identity properties make a new resource; the rest changes in place
  on a resource this resource owns. A replacement that keeps the name is refused, and an update
  back to what the current resource was made from (a rollback of a refused change) changes nothing.
- **No raise after a purchase**: once something is bought, started or taken back, ``on_event``
  returns its physical id and reports any later failure from ``is_complete`` (:mod:`.handling`).
- **Ready.** The tags follow the template once the resource is ready; Failed fails with Bedrock's
  message; the wait fails at the resource's timeout, saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from ..aws import AwsError, HandlerError, error_code
from ..contract import MAX_TIMEOUT_SECONDS, IsCompleteResult
from ..kinds.base import FAILED, READY, WAITING, Found, Kind
from . import long_wait, replacing
from .ownership import Owner, gone_by_get, ownership_tags, owns, sync_tags, tags_of, user_tags
from .reading import GONE, read
from .request import Request

logger = logging.getLogger("model_copy")

AGAIN: IsCompleteResult = {"IsComplete": False}


def client_request_token(request: Request) -> str:
    """Idempotency token of one CloudFormation request: a retried request makes one resource."""
    material = json.dumps([request.stack_id, request.logical_id, request.request_id])
    return hashlib.sha256(material.encode()).hexdigest()[:64]


def product_tags(kind: Kind, arn: str) -> dict[str, str] | None:
    """The current tags of what the kind deletes and tags; None when its Get says it is gone.

    Raises
    ------
    HandlerError
        ListTagsForResource failed and the product's Get does not say it is gone.
    """
    try:
        return tags_of(arn, confirm_gone=lambda product: gone_by_get(kind.get_product, product))
    except AwsError as error:
        raise kind.failure("ListTagsForResource", kind.tag_subject(arn), error) from error


def found_tags(kind: Kind, found: Found) -> dict[str, str] | None:
    """The current tags of a same-named resource a take-back found (its own tags: an import job's, say).

    Confirmed gone with the kind's own Get of that resource, not the product's: ``found.arn`` is the
    resource (a job), which may differ from what a delete removes (its model).
    """
    try:
        return tags_of(found.arn, confirm_gone=lambda arn: gone_by_get(kind.get, arn))
    except AwsError as error:
        raise kind.failure("ListTagsForResource", kind.subject(found.arn), error) from error


# --------------------------------------------------------------------------- Create, replacement


def make(kind: Kind, request: Request, props: Mapping[str, Any]) -> str:
    """The physical id for these properties: this resource's own earlier one, or a new one."""
    existing = kind.existing(props)
    if existing:
        logger.info("%s request=%s decision=wait-for-existing-job", kind.log(existing), request.type)
        return existing
    own = take_back(kind, request, props)
    if own:
        return own
    try:
        physical_id = kind.create(
            props, ownership_tags(request, kind.fingerprint(props)), client_request_token(request)
        )
    except AwsError as error:
        own = own_made_meanwhile(kind, request, props) if kind.is_name_taken(error) else ""
        if own:
            return own
        raise kind.failure(kind.create_operation, kind.create_subject(props), error) from error
    logger.info("%s kind=%s decision=%s", kind.log(physical_id), kind.name, kind.created_decision)
    return physical_id


def take_back(kind: Kind, request: Request, props: Mapping[str, Any]) -> str:
    """This resource's own same-named resource made from these properties ("" if none).

    Raises
    ------
    HandlerError
        A same-named resource this resource did not make from these properties: nothing is changed.
    """
    for found in _same_named(kind, props):
        if kind.superseded(found):
            continue
        owner = kind.recorded_owner(found.raw)
        if owner is None:
            tags = found_tags(kind, found)
            if tags is None:
                continue  # deleted between the list and now
            owner = Owner.from_tags(tags)
        if owner.started_by(request) and kind.made_from(found.raw, props):
            logger.info("%s status=%s decision=take-back-own", kind.log(found.arn), found.status)
            return found.arn
        logger.info("%s status=%s decision=refuse-not-own owner=%s", kind.log(found.arn), found.status, owner)
        raise kind.not_ours(request, found, owner)
    return ""


def own_made_meanwhile(kind: Kind, request: Request, props: Mapping[str, Any]) -> str:
    """After a create refused as a taken name: this request's own, made by an earlier try the list did not show.

    The clientRequestToken makes a retried create return the first resource where Bedrock remembers
    it; how long it does is not documented (docs/aws-behaviour.md M3), so a refusal is looked up
    again before it fails the request.
    """
    try:
        candidates = kind.same_named(props)
    except AwsError as error:
        logger.info("name=%s error=%s decision=cannot-look-for-own", kind.name_of(props), error_code(error))
        return ""
    for found in candidates:
        if found.status == "Failed" or not kind.made_from(found.raw, props):
            continue
        owner = kind.recorded_owner(found.raw)
        if owner is None:
            tags = found_tags(kind, found)
            owner = Owner.from_tags(tags) if tags is not None else None
        if owner is not None and owner.started_by(request):
            logger.info("%s status=%s decision=take-back-own-after-conflict", kind.log(found.arn), found.status)
            return found.arn
    return ""


def _same_named(kind: Kind, props: Mapping[str, Any]) -> list[Found]:
    if not kind.list_operation:
        return []
    try:
        return kind.same_named(props)
    except AwsError as error:
        raise kind.failure(kind.list_operation, kind.list_subject(props), error) from error


# --------------------------------------------------------------------------- Update


def identity_changes(kind: Kind, old_kind: Kind, request: Request) -> list[str]:
    """The identity properties this update changes (their labels); any change of kind counts."""
    if old_kind is not kind:
        return ["the construct type"]
    old, new = request.old, request.props
    return [kind.labels.get(key, key) for key in kind.identity if (old.get(key) or "") != (new.get(key) or "")]


def update(kind: Kind, old_kind: Kind, request: Request) -> str:
    """The physical id after an Update: the current one (in place), or a new one (replacement)."""
    props, old, physical_id = request.props, request.old, request.physical_id
    changed = identity_changes(kind, old_kind, request)
    if not changed:
        if kind.needs_update(props, old):
            _check_owned_for_update(kind, request, physical_id)
            try:
                kind.update(physical_id, props, old)
            except AwsError as error:
                raise kind.failure(kind.update_operation, kind.subject(physical_id), error) from error
            logger.info("%s request=Update decision=updated-in-place", kind.log(physical_id))
        else:
            logger.info("%s request=Update decision=update-in-place", kind.log(physical_id))
        return physical_id
    if old_kind is kind and _was_made_from(kind, physical_id, props):
        logger.info("%s request=Update decision=return-to-current", kind.log(physical_id))
        return physical_id
    if old_kind is kind and kind.create_operation and kind.name_of(props) == kind.name_of(old):
        raise kind.same_name_refusal(request, changed)
    logger.info("%s request=Update changed=%s decision=replace", kind.log(physical_id), ",".join(changed))
    replacing.check(kind, request)  # before anything is bought
    return make(kind, request, props)


def returns_to_replaced(kind: Kind, old_kind: Kind, request: Request) -> bool:
    """Whether this Update (of a rollback) may return from a replacement to the resource it replaced.

    Read from the properties alone (no call that could fail): when the current resource is itself the one
    the properties describe, its take-back finds it, and the answer is the same physical id.
    """
    return (
        request.type == "Update"
        and old_kind is kind
        and bool(kind.create_operation)
        and bool(identity_changes(kind, old_kind, request))
    )


def complete_return(kind: Kind, request: Request, retry_seconds: int) -> IsCompleteResult:
    """A rollback of a replacement whose on_event could not find the replaced resource: look for it again.

    It still exists (CloudFormation deletes it only once the update is over) and is this resource's own,
    made from the properties the rollback restores: its take-back finds it. Found, the request answers
    with its physical id (CloudFormation then deletes the replacement in the clean-up). A lookup that
    fails again is asked again at the next poll until ``retry_seconds``; then, or when nothing is found,
    the rollback keeps the replacement and the log says so (a rollback never fails).
    """
    arn, log = request.physical_id, "%s request=Update phase=rollback decision=%s"
    try:
        replaced = take_back(kind, request, request.props)
    except HandlerError as error:
        if not request.past(retry_seconds):
            logger.warning(f"{log}: %s", kind.log(arn), "find-replaced-at-next-poll", error)
            return AGAIN
        logger.warning(f"{log}: %s", kind.log(arn), "keep-replacement", error)
        return {"IsComplete": True, "Data": attributes_if_readable(kind, arn)}
    if not replaced:
        logger.warning(f"{log}: nothing to return to", kind.log(arn), "keep-replacement")
        return {"IsComplete": True, "Data": attributes_if_readable(kind, arn)}
    logger.info(f"{log} replacement=%s", kind.log(replaced), "returned-to-replaced", arn)
    return {"IsComplete": True, "PhysicalResourceId": replaced, "Data": attributes_if_readable(kind, replaced)}


def _was_made_from(kind: Kind, physical_id: str, props: Mapping[str, Any]) -> bool:
    """Whether the current resource was made from these properties (an update back to it)."""
    if not kind.create_operation or kind.arn_marker not in physical_id:
        return False
    reading = read(kind, physical_id, props)
    return reading.state != GONE and bool(reading.raw) and kind.made_from(reading.raw, props)


def _check_owned_for_update(kind: Kind, request: Request, arn: str) -> None:
    tags = product_tags(kind, arn)
    if tags is None:
        raise kind.gone_for_update(request, arn)
    if not owns(tags, request):
        raise kind.not_owned_for_update(request, arn, Owner.from_tags(tags))


# --------------------------------------------------------------------------- is_complete: ready?


def complete_ready(kind: Kind, request: Request, old_kind: Kind) -> IsCompleteResult:
    """One poll of a Create or Update: ready (tags settled, attributes), or wait, or fail."""
    arn, props = request.physical_id, request.props
    reading = read(kind, arn, props)
    if reading.state == GONE:
        if request.just_started():
            logger.info("%s status=not-yet-readable decision=poll-again", kind.log(arn))
            return AGAIN  # Bedrock's reads may lag a moment behind the create
        assert reading.error is not None
        raise kind.gone_failure(arn, reading.error)
    if reading.state == FAILED:
        logger.info("%s status=%s decision=fail-resource", kind.log(arn), kind.status(reading.raw))
        raise HandlerError(reading.message)
    if reading.state == READY:
        settle(kind, old_kind, request, reading.raw)
        replacing.leave_replaced(kind, request, reading.raw)
        logger.info("%s status=%s decision=complete", kind.log(arn), kind.status(reading.raw))
        return {"IsComplete": True, "Data": kind.attributes(reading.raw)}
    if reading.state == WAITING and long_wait.completes_at_once(kind, request):
        replacing.leave_replaced(kind, request, reading.raw)
        logger.info("%s status=%s decision=complete-watcher-waits", kind.log(arn), kind.status(reading.raw))
        return {"IsComplete": True, "Data": kind.attributes(reading.raw)}
    timeout = request.timeout_seconds
    if timeout > MAX_TIMEOUT_SECONDS and request.past(MAX_TIMEOUT_SECONDS):
        raise long_wait.in_place_timeout(kind, request, kind.status(reading.raw))
    if request.past(timeout):
        logger.info("%s status=%s decision=timeout", kind.log(arn), kind.status(reading.raw))
        raise HandlerError(kind.timeout_message(request, reading.raw))
    logger.info("%s status=%s decision=poll-again", kind.log(arn), kind.status(reading.raw))
    return AGAIN


def settle(kind: Kind, old_kind: Kind, request: Request, raw: Mapping[str, Any]) -> None:
    """Once ready: record a 0.1.0 resource's ownership, and bring the tags to what the template says.

    In place, the keys the template dropped are untagged and changed values set; after a
    replacement the product gets exactly the template's tags (it may be an earlier one of this
    resource, taken back, still carrying the tags it was made with).

    Raises
    ------
    HandlerError
        The tags changed but the product is gone or belongs to someone else (nothing is changed).
    """
    product = kind.product(raw)
    if not kind.tags_property or not product:
        return
    props, old = request.props, request.old
    replaced = request.type == "Update" and bool(identity_changes(kind, old_kind, request))
    in_place = request.type == "Update" and not replaced
    new_tags = user_tags(props.get(kind.tags_property))
    old_tags = user_tags(old.get(kind.tags_property)) if in_place else {}
    retag = in_place and old_tags != new_tags
    recorded = kind.recorded_owner(raw)
    upgraded = recorded is not None and recorded.is_upgraded_copy
    if not (retag or upgraded or replaced):
        return
    tags = product_tags(kind, product)
    if tags is None:
        if retag:
            raise kind.gone_for_update(request, product)
        return
    if not owns(tags, request, kind.legacy_stack(raw)):
        if retag:
            raise kind.not_owned_for_update(request, product, Owner.from_tags(tags))
        logger.info("%s decision=leave-alone reason=not-owned", kind.log(product))
        return
    if upgraded:
        kind.settle(request, raw, tags)
    if replaced:
        old_tags = user_tags(tags)
        retag = old_tags != new_tags
    if retag:
        sync_tags(
            product,
            tags,
            old_tags,
            new_tags,
            lambda operation, error: kind.failure(operation, kind.tag_subject(product), error),
        )


def attributes_if_readable(kind: Kind, arn: str) -> dict[str, str]:
    """The attributes for a request that cannot finish its own work (a rollback); blanks if unreadable."""
    try:
        return kind.attributes(kind.get(arn))
    except AwsError:
        return kind.blank_attributes(arn)
