"""The two entry points of every kind, and the rules that wrap every request (docs/lifecycle.md).

- **No raise after a purchase.** Once ``on_event`` has a physical id for something bought,
  started or taken back, a later failure (starting the watcher, say) does not raise: ``on_event``
  returns that physical id with the failure, and ``is_complete`` reports it. CloudFormation then
  knows the resource, and its rollback sends a Delete for it (the provider framework skips the
  Delete of a Create that failed in ``on_event``).
- **A rollback or clean-up never fails, and never gives up on a delete at the first refusal.** An
  Update or Delete whose stack is rolling back or cleaning up succeeds whatever went wrong, and the
  log says what was left. A Delete there that cannot finish (a call refused, a read that failed) is
  asked again at every poll until the retry deadline, as any refused delete is, and only then
  succeeds leaving the resource: a refusal proves nothing, and giving up would leave what it bought.
  A change refused in a rollback is not waited for: the request completes at once.
- **A rollback returns to what it replaced.** The rollback of a replacement answers with the
  resource it replaced (found again by its take-back); when that lookup fails, ``is_complete`` looks
  again at every poll until the retry deadline and answers with that resource's physical id.
- **A throttled read defers, it does not decide.** When the stack's status cannot be read
  (``pending``), the decision is taken at a later poll; after 57 minutes the request fails naming
  ``continue-update-rollback``.
"""

from __future__ import annotations

import logging

from ..aws import HandlerError, botocore_version, missing_operations
from ..contract import (
    DEFERRED_FAILURE_KEY,
    MAX_TIMEOUT_SECONDS,
    REPLACED_KEY,
    RETURN_PENDING_KEY,
    SETTLED_KEY,
    STARTED_AT_KEY,
    IsCompleteResult,
    OnEventResult,
)
from ..kinds.base import Kind
from . import deleting, lifecycle, long_wait, phase
from .request import RETRY_SECONDS, Request, minutes, now

logger = logging.getLogger("model_copy")

DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}


def on_event(kind: Kind, old_kind: Kind, request: Request, result: bool) -> OnEventResult:
    """Create or update (Delete is decided in ``is_complete``); the physical id, and what ``is_complete`` needs."""
    started: OnEventResult = {STARTED_AT_KEY: now()}
    if result:
        return long_wait.on_event_result(kind, request, started)
    if request.type == "Delete":
        logger.info("%s request=Delete decision=check-in-is_complete", kind.log(request.physical_id))
        return {"PhysicalResourceId": request.physical_id, **started}
    long = long_wait.is_long(request.props)
    if long:
        started["Data"] = long_wait.no_watcher()  # the Result resource reads it on every deploy
    physical_id = ""
    try:
        require_operations(kind)
        kind.check(request.props)
        if request.type == "Create":
            physical_id = lifecycle.make(kind, request, request.props)
        else:
            physical_id = lifecycle.update(kind, old_kind, request)
            if physical_id != request.physical_id:  # replaced: is_complete says what the old one leaves billed
                started[REPLACED_KEY] = request.physical_id
        if long:
            started["Data"] = long_wait.start_watcher(kind, request, physical_id)
    except Exception as error:
        if physical_id:
            # Bought, started or taken back: CloudFormation must know it, so that its rollback can delete it.
            logger.warning("%s decision=report-failure-in-is_complete: %s", kind.log(physical_id), error)
            made = kind.made_note(physical_id) if physical_id != request.physical_id else ""
            failure = f"{str(error).rstrip('.')}. {made}".strip()
            return {"PhysicalResourceId": physical_id, **started, DEFERRED_FAILURE_KEY: failure}
        if request.type != "Update":
            raise
        return _update_failed(kind, old_kind, request, error, started)
    return {"PhysicalResourceId": physical_id, **started}


def require_operations(kind: Kind) -> None:
    """Fail before any call when this function's boto3 lacks an operation the kind needs (nothing is bought)."""
    missing = missing_operations(kind.operations)
    if missing:
        raise HandlerError(
            f"This function's boto3 (botocore {botocore_version()}) has no {', '.join(missing)}: {kind.noun} needs "
            f"botocore {kind.minimum_botocore} or later, and the Lambda runtime's own SDK is older. Nothing was "
            "bought or changed. Deploy again once the runtime's SDK is newer (docs/aws-behaviour.md C7), or remove "
            "the resource."
        )


def _update_failed(
    kind: Kind, old_kind: Kind, request: Request, error: Exception, started: OnEventResult
) -> OnEventResult:
    current = phase.current(request)
    if phase.must_not_fail(current):
        if lifecycle.returns_to_replaced(kind, old_kind, request):
            # The resource it returns to exists (CloudFormation deletes it only after the update): look again.
            logger.warning(
                "%s request=Update phase=%s decision=find-replaced-at-next-poll: %s",
                kind.log(request.physical_id),
                current,
                error,
            )
            return {"PhysicalResourceId": request.physical_id, **started, RETURN_PENDING_KEY: str(error)}
        _log_succeed_anyway(kind, request, current, error)
        # Nothing more will come of it (the change was refused): is_complete completes at once.
        return {"PhysicalResourceId": request.physical_id, **started, SETTLED_KEY: str(error)}
    if current != "pending":
        raise error
    # A rollback must not fail because its stack's status was slow to read: decide at the next poll.
    logger.warning(
        "%s request=Update phase=pending decision=decide-at-next-poll: %s", kind.log(request.physical_id), error
    )
    return {"PhysicalResourceId": request.physical_id, **started, DEFERRED_FAILURE_KEY: str(error)}


def is_complete(kind: Kind, old_kind: Kind, request: Request, result: bool) -> IsCompleteResult:
    """One poll: ready, gone after a delete, or not yet; a failure raises (never in a rollback or clean-up)."""
    event = request.event
    try:
        deferred = event.get(DEFERRED_FAILURE_KEY)
        if deferred:
            raise HandlerError(deferred)  # on_event failed after a purchase, or while the stack's status was unreadable
        if result:
            return long_wait.complete_result(kind, request)
        if event.get(RETURN_PENDING_KEY):
            return lifecycle.complete_return(kind, request, RETRY_SECONDS)
        if request.type == "Delete":
            return deleting.complete_delete(kind, request)
        if event.get(SETTLED_KEY):
            return {"IsComplete": True, "Data": lifecycle.attributes_if_readable(kind, request.physical_id)}
        return lifecycle.complete_ready(kind, request, old_kind)
    except Exception as error:
        if request.type == "Create":
            raise
        current = phase.current(request)
        if phase.must_not_fail(current):
            if request.type == "Delete" and not request.past(RETRY_SECONDS):
                logger.warning(
                    "%s request=Delete phase=%s decision=ask-again-next-poll: %s",
                    kind.log(request.physical_id),
                    current,
                    error,
                )
                return AGAIN
            if request.type == "Update" and lifecycle.returns_to_replaced(kind, old_kind, request):
                return lifecycle.complete_return(kind, request, RETRY_SECONDS)
            _log_succeed_anyway(kind, request, current, error)
            if request.type == "Delete":
                return DONE
            return {"IsComplete": True, "Data": lifecycle.attributes_if_readable(kind, request.physical_id)}
        if current != "pending":
            raise
        if not request.past(MAX_TIMEOUT_SECONDS):
            logger.warning(
                "%s request=%s phase=pending decision=ask-again: %s", kind.log(request.physical_id), request.type, error
            )
            return AGAIN
        raise HandlerError(f"{str(error).rstrip('.')}. {_phase_unreadable_advice(request)}") from error


def _log_succeed_anyway(kind: Kind, request: Request, current: str, error: Exception) -> None:
    logger.warning(
        "%s request=%s phase=%s decision=succeed-anyway: %s",
        kind.log(request.physical_id),
        request.type,
        current,
        error,
    )


def _phase_unreadable_advice(request: Request) -> str:
    return (
        f"CloudFormation's DescribeStacks kept failing (throttled or unavailable) for {minutes(request.waited())}, so "
        "this request could not tell a rollback from a forward update. If the stack is now UPDATE_ROLLBACK_FAILED, "
        f"run: aws cloudformation continue-update-rollback --stack-name {request.stack_id} --resources-to-skip "
        f"{request.logical_id}"
    )
