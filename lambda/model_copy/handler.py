"""Lambda entry points of the provider every resource of this library shares.

The aws-cdk-lib provider framework calls :func:`on_event` once per CloudFormation request, then
:func:`is_complete` every poll interval with the same merged event until it reports completion or
raises. Nothing survives between polls except what Bedrock itself knows, so every decision is
made from the event, the resource's ownership tags and a fresh read.

Here the request is only decoded: which kind it is (:mod:`.kinds`, the one list of kinds) and
whether it is a long resource's Result resource; :mod:`.engine` applies the rules every kind
shares (docs/lifecycle.md).

Logging: the resource's ARN, its status and the decision taken. Never the event (it carries the
pre-signed ResponseURL) and never request bodies.
"""

from __future__ import annotations

import logging

from . import kinds
from .aws import HandlerError
from .contract import STARTED_AT_KEY, CustomResourceEvent, IsCompleteResult, OnEventResult
from .engine import handling
from .engine.request import Request, now
from .kinds.base import Kind
from .logs import name_log_group

logger = logging.getLogger("model_copy")
logger.setLevel(logging.INFO)


def _decode(event: CustomResourceEvent) -> tuple[Kind, Kind, Request, bool]:
    request = Request(event)
    kind, result = kinds.of(request.props)
    old_kind = kinds.of(request.old)[0] if request.old else kind
    return kind, old_kind, request, result


@name_log_group
def on_event(event: CustomResourceEvent, context: object = None) -> OnEventResult:
    """Create or update the resource (a Delete is decided in ``is_complete``); returns its physical id.

    Raises
    ------
    rules.PropertyValidationError
        A resolved property that Bedrock would refuse.
    aws.HandlerError
        Bedrock refused the request, a same-named resource is not this resource's, or the update
        cannot be made in place; never once something was bought or started (``is_complete``
        reports it), never during a rollback or clean-up.
    """
    try:
        kind, old_kind, request, result = _decode(event)
    except HandlerError:
        if event.get("RequestType") != "Delete":
            raise
        return {"PhysicalResourceId": str(event.get("PhysicalResourceId")), STARTED_AT_KEY: now()}
    return handling.on_event(kind, old_kind, request, result)


@name_log_group
def is_complete(event: CustomResourceEvent, context: object = None) -> IsCompleteResult:
    """Poll once: ``{"IsComplete": False}`` while waiting, ``{"IsComplete": True, "Data": {...}}`` when done.

    Raises
    ------
    aws.HandlerError
        The resource failed, Bedrock refused a call, or its timeout is about to pass (the message
        says what to do). Never during a rollback or clean-up: there the request succeeds and the
        log says what was left.
    """
    try:
        kind, old_kind, request, result = _decode(event)
    except HandlerError as error:
        if event.get("RequestType") != "Delete":
            raise
        # Properties that name no kind (an edited template): nothing this library made can be found, so a
        # Delete must not strand the stack.
        logger.warning(
            "resource=%s request=Delete decision=nothing-to-delete: %s", event.get("PhysicalResourceId"), error
        )
        return {"IsComplete": True}
    return handling.is_complete(kind, old_kind, request, result)
