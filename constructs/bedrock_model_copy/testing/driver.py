"""Drive the real handler the way aws-cdk-lib's provider framework and CloudFormation do.

:func:`simulated_environment` serves a :class:`~.fake_bedrock.FakeBedrock` on loopback, points the real
handler and real boto3 clients at it, and yields the :class:`~.cfn.framework.ProviderFramework` that
runs the handler; :class:`~.cfn.stack.CloudFormationStack` then plays CloudFormation's side of a stack
(create, update, delete, rollbacks, long waits) over it. The driver lives in :mod:`.cfn`; this module
keeps its names importable from here.

Time is simulated: the fake's :class:`~._shared.Clock` replaces the handler's clock and boto3's retry
sleeps, so an hour-long copy runs in milliseconds and nothing sleeps.

The handler logs a line per poll (``job=... status=InProgress decision=poll-again``), as it does in its log
group; in a test that is dozens of identical lines. By default (``handler_logs="changes"``) the kit lets
through one line per state change: an INFO line that repeats the last line of the same resource is dropped
(:class:`StateChanges`); warnings and errors always pass. ``handler_logs="all"`` keeps every line.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType, SimpleNamespace
from typing import Any, Literal
from unittest import mock

import botocore.endpoint

from .._lambda.model_copy import handler as _handler_module
from .cfn.framework import (
    CREATE_FAILED_MARKER,
    HANDLER_LOG_GROUP,
    IS_COMPLETE_FUNCTION_NAME,
    MAX_RESPONSE_BYTES,
    MISSING_PHYSICAL_ID_MARKER,
    ON_EVENT_FUNCTION_NAME,
    SERVICE_TIMEOUT_REASON,
    SERVICE_TIMEOUT_SECONDS,
    CfnResponse,
    ProviderFramework,
)
from .cfn.resources import DeployedResource, StackEvent, StackOperation
from .cfn.stack import CloudFormationStack
from .fake_bedrock import FakeBedrock

__all__ = [
    "CREATE_FAILED_MARKER",
    "HANDLER_LOGGER",
    "HANDLER_LOG_GROUP",
    "IS_COMPLETE_FUNCTION_NAME",
    "MAX_RESPONSE_BYTES",
    "MISSING_PHYSICAL_ID_MARKER",
    "ON_EVENT_FUNCTION_NAME",
    "SERVICE_TIMEOUT_REASON",
    "SERVICE_TIMEOUT_SECONDS",
    "CfnResponse",
    "CloudFormationStack",
    "DeployedResource",
    "ProviderFramework",
    "StackEvent",
    "StackOperation",
    "StateChanges",
    "simulated_environment",
]

HANDLER_LOGGER = "model_copy"  # the name of the handler's logger (logging.getLogger(HANDLER_LOGGER))


class StateChanges(logging.Filter):
    """A filter for the handler's logger: an INFO (or lower) line that says again what the last line of the
    same resource said is dropped, so each state change shows once. Warnings and errors always pass.

    A line's resource is its first argument (``job=<arn>``, ``resource=<arn>``), the way the handler logs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.last: dict[str, str] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        key = str(args[0]) if args else ""
        message = record.getMessage()
        if self.last.get(key) == message:
            return False
        self.last[key] = message
        return True


@contextmanager
def simulated_environment(
    fake: FakeBedrock,
    *,
    handler: ModuleType | None = None,
    handler_logs: Literal["changes", "all"] = "changes",
    **framework_options: Any,
) -> Iterator[ProviderFramework]:
    """Serve ``fake`` on loopback and point the real handler and a real boto3 client at it.

    Sets ``AWS_ENDPOINT_URL_BEDROCK`` and ``AWS_ENDPOINT_URL_CLOUDFORMATION`` (the fake
    answers the handler's DescribeStacks too), test credentials and the Region; replaces the
    handler's clock and boto3's retry sleep with ``fake.clock``. Yields a
    :class:`ProviderFramework` for the handler (``framework_options`` go to it:
    ``query_interval``, ``total_timeout``, ``lambda_timeout``).

    ``handler_logs``: ``"changes"`` (default) logs one line per state change of each resource
    (:class:`StateChanges` on the :data:`HANDLER_LOGGER` logger), ``"all"`` every line the handler logs.
    """
    if handler_logs not in ("changes", "all"):
        raise ValueError(f"handler_logs must be 'changes' or 'all', not {handler_logs!r}")
    module = handler or _handler_module
    package = module.__name__.rsplit(".", 1)[0]
    bedrock = importlib.import_module(f"{package}.aws")  # the handler's own clients
    poll = importlib.import_module(f"{package}.engine.request")  # the handler's clock
    with ExitStack() as stack:
        endpoint = stack.enter_context(fake.serve())
        stack.enter_context(
            mock.patch.dict(
                os.environ,
                {
                    "AWS_ENDPOINT_URL_BEDROCK": endpoint,
                    "AWS_ENDPOINT_URL_CLOUDFORMATION": endpoint,
                    "AWS_ENDPOINT_URL_SFN": endpoint,
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing",
                    "AWS_DEFAULT_REGION": fake.region,
                    "AWS_REGION": fake.region,
                },
            )
        )
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):  # restored with the rest of os.environ
            os.environ.pop(name, None)
        stack.enter_context(mock.patch.object(poll, "clock", fake.clock.time))
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", SimpleNamespace(sleep=fake.clock.sleep)))
        bedrock.reset_client()
        stack.callback(bedrock.reset_client)
        if handler_logs == "changes":
            quiet, logger = StateChanges(), logging.getLogger(HANDLER_LOGGER)
            logger.addFilter(quiet)
            stack.callback(logger.removeFilter, quiet)
        yield ProviderFramework(
            fake.clock,
            handler=module,
            stack_statuses=fake.stack_statuses,
            fake=fake,
            endpoint=endpoint,
            **framework_options,
        )
