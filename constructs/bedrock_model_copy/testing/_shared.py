"""What the fakes share without importing one another: simulated time, timestamps and short ids."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading


class Clock:
    """Simulated wall clock (seconds since the epoch) shared by the fake, the handler and the driver."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)

    # botocore's retry back-off calls sleep(); in simulation it moves the clock instead.
    sleep = advance


def iso(epoch: float) -> str:
    """A timestamp as Bedrock's JSON answers give it."""
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def short_id(*parts: object) -> str:
    """A stable 12-character id made from ``parts``."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]
