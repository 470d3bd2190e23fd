"""One CloudFormation request as the handler sees it: the event, the clock and the deadlines."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..contract import (
    MAX_TIMEOUT_SECONDS,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
    STARTED_AT_KEY,
    CustomResourceEvent,
)

# Wall clock used for deadlines. The offline driver replaces it with a simulated clock.
clock: Callable[[], float] = time.time

DEFAULT_POLL_INTERVAL_SECONDS = 30
NOT_FOUND_GRACE_SECONDS = 60  # how long a resource started moments ago may be unknown to its Get
# A refused call is asked again until this long after the request; the rest of CloudFormation's hour is left for
# the phase read (a rollback or clean-up then succeeds and logs what is left).
RETRY_SECONDS = MAX_TIMEOUT_SECONDS - 5 * 60


def now() -> float:
    return clock()


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


@dataclass(frozen=True)
class Request:
    """The event of one request (``on_event``'s, or the merged one every ``is_complete`` poll gets)."""

    event: CustomResourceEvent

    @property
    def type(self) -> str:
        return str(self.event["RequestType"])

    @property
    def physical_id(self) -> str:
        return str(self.event.get("PhysicalResourceId") or "")

    @property
    def props(self) -> Mapping[str, Any]:
        return self.event.get("ResourceProperties") or {}

    @property
    def old(self) -> Mapping[str, Any]:
        return self.event.get("OldResourceProperties") or {}

    @property
    def logical_id(self) -> str:
        return str(self.event["LogicalResourceId"])

    @property
    def stack_id(self) -> str:
        return str(self.event["StackId"])

    @property
    def stack_name(self) -> str:
        """The stack's name, from ``arn:...:stack/<name>/<guid>``."""
        return self.stack_id.split(":stack/", 1)[-1].split("/", 1)[0]

    @property
    def region(self) -> str:
        parts = self.stack_id.split(":")
        return parts[3] if len(parts) > 3 else ""

    @property
    def request_id(self) -> str:
        return str(self.event["RequestId"])

    @property
    def data(self) -> Mapping[str, Any]:
        """What ``on_event`` returned as Data (the framework merges it into every ``is_complete`` event)."""
        return self.event.get("Data") or {}

    @property
    def started_at(self) -> float:
        return float(self.event.get(STARTED_AT_KEY) or now())

    def waited(self) -> float:
        return now() - self.started_at

    @property
    def timeout_seconds(self) -> int:
        return int(self.props.get(PROP_TIMEOUT_SECONDS) or MAX_TIMEOUT_SECONDS)

    @property
    def poll_seconds(self) -> int:
        return int(self.props.get(PROP_POLL_INTERVAL_SECONDS) or DEFAULT_POLL_INTERVAL_SECONDS)

    def past(self, timeout: int) -> bool:
        """True on the last poll before ``timeout`` (seconds since on_event) would pass."""
        return self.waited() + self.poll_seconds > timeout

    def just_started(self) -> bool:
        """Within the grace in which Bedrock's reads may lag behind a create (eventual consistency)."""
        return self.waited() < NOT_FOUND_GRACE_SECONDS
