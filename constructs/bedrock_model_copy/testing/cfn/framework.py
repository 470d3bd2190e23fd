"""The CDK provider framework's runtime, as the stack's custom resources meet it.

:class:`ProviderFramework` follows the framework's runtime (``framework.js`` in aws-cdk-lib 2.275): the
user ``on_event`` result merged over the request (the user's keys win), the PhysicalResourceId defaults,
``is_complete`` called with the same merged event every ``query_interval`` until ``total_timeout``,
"Data" with IsComplete false as an error, the CREATE_FAILED marker and the ignored Delete that follows
it, the bare "Operation timed out", JSON round-trips of every payload and CloudFormation's 4096-byte
response limit.

Time is simulated: a :class:`~.._shared.Clock` replaces the handler's clock and boto3's retry sleeps
(:func:`~..driver.simulated_environment`), so an hour-long copy runs in milliseconds and nothing sleeps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from unittest import mock

from ..._lambda.model_copy import handler as _handler_module
from ..._lambda.model_copy.contract import provider_total_timeout
from .._shared import Clock
from ..fake_bedrock import FakeBedrock

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
MAX_RESPONSE_BYTES = 4096
SERVICE_TIMEOUT_SECONDS = 3600
SERVICE_TIMEOUT_REASON = (
    "CloudFormation did not receive a response from your Custom Resource within the ServiceTimeout."
)
# The handler functions' names where no template names them (deploy_template takes them from the template).
ON_EVENT_FUNCTION_NAME = "BedrockModelCopyOnEventHandler"
IS_COMPLETE_FUNCTION_NAME = "BedrockModelCopyIsCompleteHandler"
# What the framework appends to an error of the on_event function (framework.js, invokeUserFunction:
# "Logs: /aws/lambda/" + the last field of the user function's ARN).
HANDLER_LOG_GROUP = f"/aws/lambda/{ON_EVENT_FUNCTION_NAME}"


def _roundtrip(value: Any) -> Any:
    """What crossing a Lambda or Step Functions boundary does to a payload: JSON and back."""
    return json.loads(json.dumps(value))


@dataclass
class CfnResponse:
    """What CloudFormation received for one request."""

    request_type: str
    status: str
    reason: str
    physical_resource_id: str
    data: dict[str, str]
    polls: int
    body_bytes: int

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


class _UserHandlerError(Exception):
    """A user handler raised; the framework reports it as FAILED with this message."""


class ProviderFramework:
    """Runs a handler module as the CDK provider framework's Lambda functions and state machine do.

    Parameters
    ----------
    handler : module
        The ``model_copy.handler`` module (default: the library's own asset).
    clock : Clock
        Simulated time.
    query_interval, total_timeout : int
        The provider's polling settings, in seconds (see ``ModelCopyProvider``).
    lambda_timeout : int
        The handler functions' timeout; an invocation whose simulated duration
        exceeds it fails as Lambda's "Task timed out" does.
    progress : callable, optional
        Called after every poll that is not complete with (event, poll number,
        seconds waited), as a person watching the stack events sees time pass.
    stack_statuses : dict, optional
        StackId -> StackStatus that the stacks keep current for each phase of an
        operation (the fake answers DescribeStacks from it).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        handler: ModuleType | None = None,
        query_interval: int = 30,
        total_timeout: int | None = None,
        lambda_timeout: int = 120,
        progress: Callable[[dict[str, Any], int, float], None] | None = None,
        stack_statuses: dict[str, str] | None = None,
        fake: FakeBedrock | None = None,
        endpoint: str = "",
    ) -> None:
        self.clock = clock
        self.fake = fake  # where long copies' WaitConditions and state machines live
        self.endpoint = endpoint
        # StackId -> StackStatus, as DescribeStacks answers it (shared with the fake Bedrock).
        self.stack_statuses: dict[str, str] = {} if stack_statuses is None else stack_statuses
        self.handler = handler or _handler_module
        self.query_interval = query_interval
        self.total_timeout = total_timeout or provider_total_timeout(query_interval)
        if self.total_timeout % self.query_interval:
            raise ValueError("total_timeout must be a whole multiple of query_interval (as the framework requires)")
        self.lambda_timeout = lambda_timeout
        self.progress = progress  # called after every poll that is not complete: (event, poll, waited seconds)
        self.responses: list[CfnResponse] = []
        # The handler functions' names (the framework's error pointer names /aws/lambda/<name>) and environment
        # variables; deploy_template sets both from the template.
        self.function_names = {"on_event": ON_EVENT_FUNCTION_NAME, "is_complete": IS_COMPLETE_FUNCTION_NAME}
        self.environment: dict[str, str] = {}

    def _invoke(self, entry_point: str, payload: dict[str, Any]) -> dict[str, Any]:
        started = self.clock.time()
        function: Callable[..., Any] = getattr(self.handler, entry_point)
        name = self.function_names[entry_point]
        try:
            with mock.patch.dict(os.environ, self.environment):  # the function's environment variables
                result = function(_roundtrip(payload), None)
        except Exception as error:  # the Lambda runtime turns any exception into a function error
            # framework.js: [errorMessage, "", `Logs: /aws/lambda/${functionName}`, ""].join("\n")
            raise _UserHandlerError(f"{error}\n\nLogs: /aws/lambda/{name}\n") from error
        if self.clock.time() - started > self.lambda_timeout:
            raise _UserHandlerError(f"Task timed out after {self.lambda_timeout}.00 seconds")
        result = _roundtrip(result)
        if result is not None and not isinstance(result, dict):
            raise _UserHandlerError(f'return values from user-handlers must be JSON objects. got: "{result}"')
        return result or {}

    def submit(self, request: dict[str, Any]) -> CfnResponse:
        """Handle one CloudFormation request to the end; returns what CloudFormation receives."""
        request = _roundtrip(request)
        started = self.clock.time()
        if request["RequestType"] == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return self._respond("SUCCESS", request, polls=0)  # the framework ignores it itself
        request.setdefault("ResourceProperties", {})
        event = request
        polls = 0
        try:
            on_event_result = self._invoke("on_event", request)
            physical_id = on_event_result.get("PhysicalResourceId") or self._default_physical_id(request)
            if request["RequestType"] == "Delete" and physical_id != request["PhysicalResourceId"]:
                raise _UserHandlerError(
                    f'DELETE: cannot change the physical resource ID from "{request["PhysicalResourceId"]}" '
                    f'to "{on_event_result.get("PhysicalResourceId")}" during deletion'
                )
            event = _roundtrip({**request, **on_event_result, "PhysicalResourceId": physical_id})
            max_attempts = self.total_timeout // self.query_interval
            while True:
                if self.clock.time() - started > SERVICE_TIMEOUT_SECONDS:
                    return self._respond(
                        "FAILED",
                        event,
                        polls=polls,
                        reason=SERVICE_TIMEOUT_REASON,
                    )
                result = self._invoke("is_complete", event)
                polls += 1
                if not result.get("IsComplete"):
                    if result.get("Data"):
                        raise _UserHandlerError('"Data" is not allowed if "IsComplete" is "False"')
                    if polls > max_attempts:
                        return self._respond("FAILED", event, polls=polls, reason="Operation timed out")
                    if self.progress is not None:
                        self.progress(event, polls, self.clock.time() - started)
                    self.clock.advance(self.query_interval)
                    continue
                merged = {**event, **result, "Data": {**(event.get("Data") or {}), **(result.get("Data") or {})}}
                return self._respond("SUCCESS", merged, polls=polls)
        except _UserHandlerError as error:
            if not event.get("PhysicalResourceId"):
                event = {
                    **event,
                    "PhysicalResourceId": CREATE_FAILED_MARKER if event["RequestType"] == "Create" else "",
                }
            return self._respond("FAILED", event, polls=polls, reason=str(error))

    @staticmethod
    def _default_physical_id(request: dict[str, Any]) -> str:
        return str(request["RequestId"] if request["RequestType"] == "Create" else request["PhysicalResourceId"])

    def _respond(self, status: str, event: dict[str, Any], *, polls: int, reason: str = "") -> CfnResponse:
        body = {
            "Status": status,
            "Reason": reason or status,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": event.get("PhysicalResourceId") or MISSING_PHYSICAL_ID_MARKER,
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": event.get("Data") or {},
        }
        size = len(json.dumps(body).encode())
        if size > MAX_RESPONSE_BYTES:  # CloudFormation refuses the response itself
            body.update(Status="FAILED", Reason="Response object is too long.")
        response = CfnResponse(
            event["RequestType"],
            body["Status"],
            body["Reason"],
            body["PhysicalResourceId"],
            body["Data"],
            polls,
            size,
        )
        self.responses.append(response)
        return response
