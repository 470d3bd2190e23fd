"""What every kind does on Delete (docs/lifecycle.md, Deletes).

- Only what this resource made, and only when the kind deletes anything for these properties (a
  copy with its final DeletionPolicy Delete; never a waiter or a Result resource).
- **Gone** is the kind's Get answering not-found: then the Delete is done. A refusal is never read
  as gone: after any refused call the Get is asked, and only its not-found ends the Delete.
- **Kept from its own state**: a resource that must be left (a Provisioned Throughput under an
  unexpired commitment) is left, and the log says what is left, until when, and how to delete it.
  A delete refused with any code reads that state again first: a commitment that shows only now
  (a renewal, docs/aws-behaviour.md S13) leaves it the same way; the code decides only otherwise.
- **Refused calls are asked again** (throttling, ``ConflictException``, ``ValidationException``: a
  resource still busy, or a read that contradicts itself) at every poll until the retry deadline;
  then the Delete fails with the last error and what to do. Anything else (access denied) fails
  at once. The deadline leaves a few polls before CloudFormation's hour for :mod:`.handling` to
  read the stack's phase: a rollback or clean-up never fails, it succeeds and logs what is left.
- **A job that has not finished** (a copy still running): in a rollback it is left running (the next
  deploy of the same properties takes it back); otherwise the Delete waits for it, then deletes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..aws import AwsError, HandlerError, botocore_version, error_code, is_transient, missing_operations
from ..contract import MAX_TIMEOUT_SECONDS, IsCompleteResult
from ..kinds.base import FAILED, Kind
from . import phase
from .ownership import Owner, gone_by_get, owns, tags_of
from .reading import GONE, UNKNOWN, read
from .request import RETRY_SECONDS, Request

logger = logging.getLogger("model_copy")

DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}

# Refusals the resource's own state may lift (busy, updating, still serving, a read that contradicts itself).
RETRIED_REFUSALS = frozenset(
    {"ConflictException", "ValidationException", "ResourceInUseException", "ResourceNotFoundException"}
)


def complete_delete(kind: Kind, request: Request) -> IsCompleteResult:
    """One poll of a Delete."""
    arn = request.physical_id
    if not kind.deletes(request.props):
        logger.info("%s request=Delete decision=retain", kind.log(arn))
        return DONE
    if kind.arn_marker not in arn:
        logger.info("%s request=Delete decision=nothing-was-created", kind.log(arn))
        return DONE
    missing = missing_operations(kind.operations)
    if missing:
        raise HandlerError(
            f"This function's boto3 (botocore {botocore_version()}) has no {', '.join(missing)}, so {kind.noun} {arn} "
            f"cannot be read or deleted here (it needs botocore {kind.minimum_botocore} or later). Delete the stack "
            f"again once the runtime's SDK is newer, or finish now with --retain-resources {request.logical_id} and "
            f"run: {clean_command(request)}"
        )
    reading = read(kind, arn, request.props)
    if reading.state == GONE:
        logger.info("%s request=Delete decision=gone", kind.log(arn))
        return DONE
    if reading.state == UNKNOWN:  # throttled: the next poll reads it again
        if not request.past(RETRY_SECONDS):
            return AGAIN
        raise HandlerError(kind.unfinished_message(request, reading.raw))
    raw = reading.raw
    recorded = kind.recorded_owner(raw)
    if recorded is not None and not recorded.started_by(request):
        logger.info("%s request=Delete decision=leave-alone reason=started-by owner=%s", kind.log(arn), recorded)
        return DONE
    product = kind.product(raw)
    if not product:
        if reading.state == FAILED:
            logger.info("%s status=%s request=Delete decision=nothing-to-delete", kind.log(arn), kind.status(raw))
            return DONE
        return _unfinished(kind, request, raw)
    if _left_by_state(kind, request, raw):
        return DONE
    try:
        tags = tags_of(product, confirm_gone=lambda gone: gone_by_get(kind.get_product, gone))
    except AwsError as error:
        return _refused(kind, request, "ListTagsForResource", product, error)
    if tags is None:
        logger.info("%s decision=product-already-gone", kind.log(product))
        return DONE
    if not owns(tags, request, kind.legacy_stack(raw)):
        logger.info("%s decision=leave-alone reason=owned-by owner=%s", kind.log(product), Owner.from_tags(tags))
        return DONE
    try:
        kind.delete(product)
    except AwsError as error:
        return _refused(kind, request, kind.delete_operation, product, error)
    logger.info("%s decision=delete-requested", kind.log(product))
    return DONE if kind.delete_is_final else AGAIN


def _refused(kind: Kind, request: Request, operation: str, product: str, error: Exception) -> IsCompleteResult:
    """A call on the product failed: gone (its Get says so), left in use, asked again, or a failure."""
    code = error_code(error)
    if not is_transient(error) and gone_by_get(kind.get_product, product):
        logger.info("%s error=%s decision=gone-by-get", kind.log(product), code)
        return DONE
    if operation == kind.delete_operation and _left_after_refusal(kind, request, code):
        return DONE
    if operation == kind.delete_operation and code == "ConflictException":
        reason = kind.in_use_reason(product, request)
        if reason:
            logger.warning("%s decision=leave-model-served-under-commitment: %s", kind.log(product), reason)
            return DONE
    subject = (
        kind.product_subject(product, request) if operation == kind.delete_operation else kind.tag_subject(product)
    )
    if not (is_transient(error) or code in RETRIED_REFUSALS):
        raise kind.failure(operation, subject, error) from error
    if not request.past(RETRY_SECONDS):
        logger.info("%s operation=%s error=%s decision=ask-again-next-poll", kind.log(product), operation, code)
        return AGAIN
    raise kind.failure(operation, subject, error) from error


def _left_by_state(kind: Kind, request: Request, raw: Mapping[str, Any]) -> bool:
    """Whether the resource's own state keeps it (a commitment): then it is left, and the log says so."""
    kept = kind.keep(raw)
    if kept:
        logger.warning(
            "%s decision=leave-under-commitment: %s (or, once Bedrock reports it expired: %s)",
            kind.log(request.physical_id),
            kept,
            clean_command(request),
        )
    return bool(kept)


def _left_after_refusal(kind: Kind, request: Request, code: str) -> bool:
    """A delete refused with any code: the resource's own state, read again, decides whether it is left."""
    if not kind.kept_by_state:
        return False
    try:
        reading = read(kind, request.physical_id, request.props)
    except HandlerError:
        return False  # the Get itself refused: the code's rule applies
    if reading.state in (GONE, UNKNOWN) or not reading.raw:
        return False  # gone is decided by the product's Get; unknown: the code's rule applies
    if _left_by_state(kind, request, reading.raw):
        logger.info("%s error=%s decision=left-by-its-own-state", kind.log(request.physical_id), code)
        return True
    return False


def _unfinished(kind: Kind, request: Request, raw: Mapping[str, Any]) -> IsCompleteResult:
    """A job whose product does not exist yet: leave it in a rollback, else wait for it (and then delete)."""
    arn = request.physical_id
    current = phase.current(request)
    if current == "rollback":
        logger.info("%s phase=rollback decision=leave-running-copy: %s", kind.log(arn), kind.left_running(request, raw))
        return DONE
    if not request.past(MAX_TIMEOUT_SECONDS):
        logger.info("%s status=%s request=Delete decision=wait-then-delete", kind.log(arn), kind.status(raw))
        return AGAIN
    if current == "cleanup":
        logger.warning(
            "%s phase=cleanup decision=leave-running-copy: the product remains when the job ends; %s",
            kind.log(arn),
            kind.left_running(request, raw),
        )
        return DONE
    raise HandlerError(kind.unfinished_message(request, raw))


def clean_command(request: Request) -> str:
    """This library's command that deletes what the stack left, once no stack declares it (README, Day 2)."""
    return f"bedrock-model-copy clean --region {request.region} --stack {request.stack_name} --yes"
