"""Step Functions, as the fake runs it: state machines, executions in simulated time, and the API.

:class:`StepFunctions` keeps state machines and executions and schedules them in simulated time
(:meth:`StepFunctions.run_until` moves the shared :class:`~.._shared.Clock` to the next execution that is
due); each execution runs the Amazon States Language interpreter (:mod:`..asl`). Its Task states call
AWS SDK integrations ``arn:<partition>:states:::aws-sdk:<service>:<action>`` through a real boto3 client
with the execution role's credentials. As Step Functions does, request parameters are written PascalCase
(the service model's member names with the first letter upper-cased: ``JobArn`` for Bedrock's
``jobArn``) and results come back PascalCase; a parameter that is not a member of the request fails the
task. Service errors are named ``<ServiceId>.<ErrorCode>`` (``Bedrock.ThrottlingException``).

StartExecution's name rules (API reference): a name is unique per state machine for 90 days; the same
name with the same input while that execution runs returns it, a different input while it runs, or any
input once it closed, is ``ExecutionAlreadyExists``; names of 1 to 80 characters without whitespace,
brackets, wildcards or ``"#%\\^|~`$&,;:/``.

:class:`StepFunctionsApi` answers the JSON 1.0 API: StartExecution, ListExecutions (most recent first),
StopExecution (ABORTED), DescribeExecution and GetExecutionHistory (:mod:`.execution_history`), authorized
as ``states:<operation>`` on the state machine (on the execution for Stop, Describe and GetExecutionHistory).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape

from .. import asl
from .._shared import Clock
from ..asl import StatesError
from . import execution_history
from .service import Call, Check, Request, ServiceError, page

NAME_REUSE_SECONDS = 90 * 86400  # an execution name may be used again 90 days after its execution closed
OPERATIONS = ("StartExecution", "ListExecutions", "StopExecution", "DescribeExecution", "GetExecutionHistory")

# ------------------------------------------------------------------ AWS SDK integrations (casing)


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def to_service(shape: Shape, value: Any, where: str) -> Any:
    """Step Functions' PascalCase parameters -> the service model's member names."""
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise StatesError("States.Runtime", f"{where} must be an object")
        members = {_pascal(name): name for name in shape.members}
        converted = {}
        for key, item in value.items():
            if key not in members:
                raise StatesError(
                    "States.Runtime",
                    f"The field {key!r} is not supported by Step Functions here ({where}; expected one of "
                    f"{sorted(members)})",
                )
            member = members[key]
            converted[member] = to_service(shape.members[member], item, f"{where}.{key}")
        return converted
    if isinstance(shape, ListShape):
        return [to_service(shape.member, item, where) for item in value]
    if isinstance(shape, MapShape):
        return {key: to_service(shape.value, item, where) for key, item in value.items()}
    return value


def to_states(shape: Shape | None, value: Any) -> Any:
    """A boto3 result -> what Step Functions gives the state: member names PascalCase, timestamps as text."""
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            _pascal(key): to_states(shape.members.get(key), item)
            for key, item in value.items()
            if key != "ResponseMetadata"
        }
    if isinstance(shape, ListShape):
        return [to_states(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {key: to_states(shape.value, item) for key, item in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


_SDK_RESOURCE = re.compile(r"^arn:[\w-]+:states:::aws-sdk:(?P<service>[a-z0-9]+):(?P<action>[a-zA-Z0-9]+)$")


@dataclass
class StateMachine:
    """A state machine the fake runs: its ARN, its definition, and its role's access key."""

    arn: str
    definition: dict[str, Any]
    access_key: str  # the execution role's credentials, as the fake Bedrock tells roles apart


@dataclass
class SdkCall:
    """One AWS SDK integration call an execution made: when, the action, its parameters, the error."""

    at: float
    action: str  # e.g. bedrock:getModelCopyJob
    parameters: dict[str, Any]
    error: str = ""


@dataclass
class Execution:
    """One execution of a state machine in simulated time: input, status, the states entered, its calls."""

    arn: str
    name: str
    state_machine: StateMachine
    input: dict[str, Any]
    started: float
    status: str = "RUNNING"  # SUCCEEDED | FAILED | ABORTED
    end_state: str = ""
    error: str = ""  # "<error>: <cause>"
    error_name: str = ""
    cause: str = ""
    stopped: float = 0.0
    output: Any = None
    wake_at: float = 0.0
    pending_runtime_error: str = ""
    states_entered: list[tuple[float, str]] = field(default_factory=list)
    calls: list[SdkCall] = field(default_factory=list)
    _runner: Iterator[float] | None = None


class StepFunctions:
    """Step Functions for the offline driver: state machines, executions, and a simulated-time scheduler.

    Parameters
    ----------
    clock : Clock
        Shared simulated time.
    endpoint : str
        Where SDK integrations send their calls (the fake Bedrock's loopback endpoint).
    region, account : str
        Used for ARNs and clients.
    """

    def __init__(self, clock: Clock, *, endpoint: str, region: str, account: str) -> None:
        self.clock = clock
        self.endpoint = endpoint
        self.region = region
        self.account = account
        self.state_machines: dict[str, StateMachine] = {}
        self.executions: dict[str, Execution] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def create_state_machine(self, name: str, definition: dict[str, Any], *, access_key: str) -> str:
        arn = f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"
        self.state_machines[arn] = StateMachine(arn, definition, access_key)
        return arn

    def delete_state_machine(self, arn: str) -> None:
        """Deleting a state machine ends its running executions at their next state transition, not at once.

        DeleteStateMachine's API reference: "on the next state transition, the state machine's executions are
        terminated" (docs/aws-behaviour.md W9, W10): an execution sleeping in a Wait state wakes first, so the
        state it was in (a signal already under way) still completes. The harder of the two answers.
        """
        self.state_machines.pop(arn, None)
        for execution in self.executions.values():
            if execution.state_machine.arn == arn and execution.status == "RUNNING":
                self.fail_at_next_transition(execution, f"State machine {arn} has been deleted")

    def stop_execution(self, arn: str, error: str = "", cause: str = "") -> None:
        """StopExecution: a running execution ends ABORTED; an unknown one is ExecutionDoesNotExist."""
        execution = self.describe_execution(arn)
        if execution.status == "RUNNING":
            asl.finish(execution, "ABORTED", "", self.clock.time(), error_name=error, cause=cause)

    def describe_execution(self, arn: str) -> Execution:
        execution = self.executions.get(arn)
        if execution is None:
            raise StatesError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return execution

    def list_executions(self, state_machine_arn: str, status: str | None = None) -> list[Execution]:
        """ListExecutions: this state machine's executions (of one status), most recent first."""
        if state_machine_arn not in self.state_machines:
            raise StatesError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{state_machine_arn}'")
        found = [
            e
            for e in self.executions.values()
            if e.state_machine.arn == state_machine_arn and (status is None or e.status == status)
        ]
        return sorted(found, key=lambda e: e.started, reverse=True)

    def start_execution(self, state_machine_arn: str, name: str, input_text: str) -> Execution:
        """StartExecution: a Standard execution name is unique per state machine.

        The same name with the same input while it runs returns the running execution
        (idempotent); otherwise ``ExecutionAlreadyExists``.
        """
        machine = self.state_machines.get(state_machine_arn)
        if machine is None:
            raise StatesError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{state_machine_arn}'")
        if not 1 <= len(name) <= 80 or re.search(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]", name):
            raise StatesError("InvalidName", f"Invalid Name: '{name}'")
        arn = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
        data = json.loads(input_text or "{}")
        existing = self.executions.get(arn)
        if existing is not None and not (
            existing.status != "RUNNING" and self.clock.time() - existing.stopped >= NAME_REUSE_SECONDS
        ):
            if existing.status == "RUNNING" and existing.input == data:
                return existing
            raise StatesError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        now = self.clock.time()
        execution = Execution(arn, name, machine, data, now, wake_at=now)
        context: dict[str, Any] = {
            "Execution": {"Id": arn, "Name": name, "Input": data},
            "StateMachine": {"Id": machine.arn},
        }
        execution._runner = asl.run(
            machine.definition,
            execution,
            context,
            now=self.clock.time,
            task=lambda resource, parameters: self._call(execution, resource, parameters),
        )
        self.executions[arn] = execution
        return execution

    def running(self) -> list[Execution]:
        return [execution for execution in self.executions.values() if execution.status == "RUNNING"]

    def run_until(self, done: Callable[[], bool], deadline: float) -> None:
        """Run due executions in time order until ``done()`` or ``deadline``; the clock ends at one of them."""
        while not done():
            running = self.running()
            if not running:
                self.clock.advance(deadline - self.clock.time())
                return
            execution = min(running, key=lambda e: e.wake_at)
            if execution.wake_at > deadline:
                self.clock.advance(deadline - self.clock.time())
                return
            self.clock.advance(execution.wake_at - self.clock.time())
            self._resume(execution)

    def _resume(self, execution: Execution) -> None:
        assert execution._runner is not None
        try:
            delay = next(execution._runner)
        except StopIteration:
            return
        execution.wake_at = self.clock.time() + delay

    def fail_at_next_transition(self, execution: Execution, cause: str) -> None:
        """Make a running execution fail with ``States.Runtime`` when it next moves, as Step Functions does
        for errors no Catch can handle (a state machine deleted meanwhile, a malformed service answer...)."""
        execution.pending_runtime_error = cause

    def _client(self, service: str, access_key: str) -> Any:
        key = (service, access_key)
        if key not in self._clients:
            self._clients[key] = boto3.client(
                service,
                endpoint_url=self.endpoint,
                region_name=self.region,
                aws_access_key_id=access_key,
                aws_secret_access_key="testing",  # noqa: S106 - the fake accepts any
                aws_session_token="testing",  # noqa: S106 - the fake accepts any
                config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
            )
        return self._clients[key]

    def _call(self, execution: Execution, resource: str, parameters: Any) -> Any:
        match = _SDK_RESOURCE.match(resource)
        if match is None:
            raise StatesError("States.Runtime", f"Task resource {resource!r} is not an AWS SDK integration")
        service, action = match.group("service"), match.group("action")
        call = SdkCall(self.clock.time(), f"{service}:{action}", parameters)
        execution.calls.append(call)
        client = self._client(service, execution.state_machine.access_key)
        model = client.meta.service_model
        operation = _pascal(action)
        if action[:1] != action[:1].lower() or operation not in model.operation_names:
            raise StatesError("States.Runtime", f"{resource}: {service} has no action {action!r} (camelCase)")
        operation_model = model.operation_model(operation)
        request = to_service(operation_model.input_shape, parameters, f"{service}:{action}")
        prefix = model.service_id.replace(" ", "")
        try:
            response = getattr(client, xform_name(operation))(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            call.error = f"{prefix}.{code}"
            raise StatesError(call.error, str(error.response.get("Error", {}).get("Message", ""))) from error
        except BotoCoreError as error:
            call.error = "States.TaskFailed"
            raise StatesError("States.TaskFailed", str(error)) from error
        return to_states(operation_model.output_shape, response)


# ------------------------------------------------------------------ the API


class Account(Protocol):
    """What the Step Functions API reads of the fake it belongs to."""

    clock: Clock
    step_functions: StepFunctions | None


def _summary(execution: Execution) -> dict[str, Any]:
    body = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.started,
    }
    if execution.status != "RUNNING":
        body["stopDate"] = execution.stopped
    return body


class StepFunctionsApi:
    """Step Functions' JSON 1.0 API over the fake's :class:`StepFunctions` (a :class:`~.service.Service`)."""

    def __init__(self, fake: Account) -> None:
        self.fake = fake

    def route(self, request: Request) -> Call | None:
        return Call(request.action, request.payload) if request.target_prefix == "AWSStepFunctions" else None

    def authorize(self, call: Call) -> list[Check]:
        if call.operation not in OPERATIONS or self.fake.step_functions is None:
            return []  # answered UnknownOperationException
        resource = call.params.get("stateMachineArn") or call.params.get("executionArn", "")
        return [Check(f"states:{call.operation}", resource)]

    def handle(self, call: Call) -> tuple[int, Any]:
        operation, params, machines = call.operation, call.params, self.fake.step_functions
        if operation not in OPERATIONS or machines is None:
            raise ServiceError("UnknownOperationException", 400, f"No {operation} here")
        try:
            if operation == "StartExecution":
                execution = machines.start_execution(
                    params["stateMachineArn"], params["name"], params.get("input", "{}")
                )
                return 200, {"executionArn": execution.arn, "startDate": execution.started}
            if operation == "ListExecutions":
                executions = machines.list_executions(params["stateMachineArn"], params.get("statusFilter"))
                return 200, page([_summary(e) for e in executions], params, "executions", 100)
            if operation == "StopExecution":
                machines.stop_execution(params["executionArn"], params.get("error", ""), params.get("cause", ""))
                return 200, {"stopDate": self.fake.clock.time()}
            execution = machines.describe_execution(params["executionArn"])
        except StatesError as error:
            raise ServiceError(error.name, 400, error.cause) from error
        if operation == "GetExecutionHistory":
            return 200, execution_history.page(execution, params)
        body = _summary(execution)
        body["input"] = json.dumps(execution.input)
        if execution.status == "SUCCEEDED":
            body["output"] = json.dumps(execution.output)
        if execution.error_name:
            body["error"] = execution.error_name
        if execution.cause:
            body["cause"] = execution.cause
        return 200, body
