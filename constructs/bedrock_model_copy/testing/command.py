"""Run the ``bedrock-model-copy`` command against the kit's fakes (docs/day2.md, "Against the testing kit").

The command is a program of its own that reads AWS's usual environment variables, so pointing it at a
served fake takes four things: the endpoint (``AWS_ENDPOINT_URL``), dummy credentials, a Region, and
its clock. The fakes keep simulated time (:class:`~._shared.Clock`, from 2027-01-15 unless told
otherwise), and the command says ages, elapsed times and whether a commitment has ended against its own
clock; it reads ``BEDROCK_MODEL_COPY_NOW`` (ISO 8601) instead of the system clock when that is set.

- :func:`command_environment`: those variables, the clock set to the fake's time when called (call it
  again after advancing the clock). For a subprocess:
  ``subprocess.run(["bedrock-model-copy", "list"], env={**os.environ, **variables})``.
- :func:`run_command`: the command in this process, reading the fake's clock itself; returns the exit
  code and what it printed.

Both take a :class:`~.fake_bedrock.FakeBedrock` (one Region, served with ``fake.serve()``) or a
:class:`~.fake_fleet.FakeFleet` (several Regions on one endpoint, ``fleet.serve()``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from unittest import mock

from ..cli.reference import NOW_VARIABLE
from ._shared import Clock
from .fake_bedrock import FakeBedrock
from .fake_fleet import FakeFleet

__all__ = ["command_environment", "run_command"]

# What must not reach the command from the test's own environment: another profile, a session token of
# other credentials, another Region, or a service endpoint that would send one service elsewhere.
CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION")


Target = FakeBedrock | FakeFleet


def _region(target: Target) -> str:
    return next(iter(target.fakes)) if isinstance(target, FakeFleet) else target.region


def _time(clock: Clock) -> dt.datetime:
    return dt.datetime.fromtimestamp(clock.time(), tz=dt.UTC)


def command_environment(target: Target, endpoint: str, *, region: str | None = None) -> dict[str, str]:
    """The environment that points ``bedrock-model-copy`` at ``target`` served on ``endpoint``.

    ``region`` is the default Region (``--region`` still chooses); default: the fake's, or the fleet's first.
    ``BEDROCK_MODEL_COPY_NOW`` is the fake's time now: the command's clock stands there for the whole run.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region or _region(target),
        NOW_VARIABLE: _time(target.clock).isoformat(),
    }


def run_command(
    target: Target,
    endpoint: str,
    *argv: str,
    region: str | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tuple[int, str]:
    """Run ``bedrock-model-copy *argv`` in this process against ``target`` on ``endpoint``; (exit code, stdout).

    The command's clock is the fake's. ``status --watch`` waits between refreshes with ``sleep``, by default
    the fake's clock (the interval passes in simulated time, so copies move on). What the command prints on
    stderr (errors) goes to this process's stderr.
    """
    from ..cli import main

    variables = command_environment(target, endpoint, region=region)
    with mock.patch.dict(os.environ, variables):
        for name in [*CLEARED, *(key for key in os.environ if key.startswith("AWS_ENDPOINT_URL_"))]:
            os.environ.pop(name, None)
        out = io.StringIO()
        code = main(list(argv), out=out, now=lambda: _time(target.clock), sleep=sleep or target.clock.advance)
    return code, out.getvalue()
