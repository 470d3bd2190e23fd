"""Which phase of a stack operation a request belongs to.

CloudFormation does not say in the event whether an Update or Delete is part of a
rollback or a clean-up, so the handler asks for its own stack's status
(``cloudformation:DescribeStacks`` on this stack only) when the answer changes
what it does: a request of a rollback or clean-up phase must never fail, and a
Delete of an unfinished job reads differently in a stack delete than in a clean-up.

A status that cannot be read because CloudFormation throttles or is briefly unavailable
(past boto3's own retries) is ``"pending"``: the handler asks again at its next poll
rather than guess, since a guess of "forward" would fail a rollback
(``UPDATE_ROLLBACK_FAILED``). A status that cannot be read for good (access denied, no
stack) is ``"unknown"``, and a forward error then still fails.
"""

from __future__ import annotations

import logging
from typing import Literal

from ..aws import AwsError, cloudformation, error_code, is_transient
from .request import Request

logger = logging.getLogger("model_copy")

Phase = Literal["rollback", "cleanup", "stack-delete", "forward", "pending", "unknown"]

ROLLBACK_STATUSES = frozenset(
    {
        "ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "IMPORT_ROLLBACK_IN_PROGRESS",
    }
)
CLEANUP_STATUSES = frozenset({"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"})
DELETE_STATUSES = frozenset({"DELETE_IN_PROGRESS"})


def current(request: Request) -> Phase:
    """The phase of the stack operation this request is part of.

    ``"pending"`` when DescribeStacks failed in a way a later call may not (throttling, 5xx,
    network): ask again later. ``"unknown"`` when the stack cannot be read at all.
    """
    try:
        stacks = cloudformation().describe_stacks(StackName=request.stack_id).get("Stacks") or []
    except AwsError as error:
        if is_transient(error):
            logger.warning("stack phase pending: DescribeStacks failed with %s; asking again later", error_code(error))
            return "pending"
        logger.warning("stack phase unknown: DescribeStacks failed with %s", error_code(error))
        return "unknown"
    status = str(stacks[0].get("StackStatus", "")) if stacks else ""
    if status in ROLLBACK_STATUSES:
        return "rollback"
    if status in CLEANUP_STATUSES:
        return "cleanup"
    if status in DELETE_STATUSES:
        return "stack-delete"
    return "forward" if status else "unknown"


def must_not_fail(phase: Phase) -> bool:
    """Rollbacks and clean-ups: a failure there strands the stack or is ignored unseen."""
    return phase in ("rollback", "cleanup")
