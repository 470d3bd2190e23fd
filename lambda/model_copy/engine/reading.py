"""One read of a resource through its kind's Get, classified once for every kind.

``gone`` is a Get that answered ``ResourceNotFoundException`` and nothing else; ``unknown`` is a
read that throttling, a 5xx or the network kept from answering (the next poll asks again); any
other error is a failure with the kind's advice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..aws import AwsError, error_code, is_not_found, is_transient
from ..kinds.base import Kind

logger = logging.getLogger("model_copy")

GONE, UNKNOWN = "gone", "unknown"


@dataclass(frozen=True)
class Reading:
    """What one Get said: a kind's state (ready, waiting, failed), or gone, or unknown."""

    state: str
    raw: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""  # a failed resource's message
    error: Exception | None = None  # why a read is gone or unknown


def read(kind: Kind, arn: str, props: Mapping[str, Any]) -> Reading:
    """Read ``arn`` once and say what state it is in, for what ``props`` ask."""
    try:
        raw = kind.get(arn)
    except AwsError as error:
        if is_not_found(error):
            return Reading(GONE, error=error)
        if is_transient(error):
            code = error_code(error)
            logger.info("%s status=unknown error=%s decision=poll-again", kind.log(arn), code)
            return Reading(UNKNOWN, {"status": f"{UNKNOWN} ({code})", kind.arn_field: arn}, error=error)
        raise kind.failure(kind.get_operation, kind.subject(arn), error) from error
    state, message = kind.state(raw, props)
    return Reading(state, raw, message)
