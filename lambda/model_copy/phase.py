"""Which phase of a stack operation a request belongs to.

CloudFormation does not say in the event whether an Update or Delete is part of a
rollback or a clean-up, so the handler asks for its own stack's status
(``cloudformation:DescribeStacks`` on this stack only) when the answer changes
what it does: a request of a rollback or clean-up phase must never fail, and a
Delete of an unfinished copy reads differently in a stack delete than in a clean-up.
"""

from __future__ import annotations

import logging
from typing import Literal

from .bedrock import AwsError, cloudformation, error_code
from .contract import CustomResourceEvent

logger = logging.getLogger("model_copy")

Phase = Literal["rollback", "cleanup", "stack-delete", "forward", "unknown"]

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


def current(event: CustomResourceEvent) -> Phase:
    """The phase of the stack operation this request is part of ("unknown" if the stack cannot be read)."""
    try:
        stacks = cloudformation().describe_stacks(StackName=event["StackId"]).get("Stacks") or []
    except AwsError as error:
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
