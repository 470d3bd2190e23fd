"""Run a Step Functions state machine's Amazon States Language definition offline.

An interpreter for the states and features the copy watcher uses, following the Amazon
States Language specification and Step Functions' behaviour:

- states ``Pass`` (Result, Parameters), ``Task``, ``Choice``, ``Wait`` (Seconds,
  SecondsPath), ``Succeed``, ``Fail``; InputPath, Parameters, ResultSelector, ResultPath
  (``null`` keeps the input), OutputPath;
- ``Retry`` (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate) and ``Catch``;
  ``States.ALL`` and ``States.TaskFailed``;
- Choice rules with ``And``/``Or``/``Not``, ``String*``, ``Numeric*``, ``Timestamp*`` (RFC 3339)
  and their ``*Path`` forms, ``IsPresent``; a missing Variable is a ``States.Runtime`` error;
  the context object's ``$$.State.EnteredTime`` and ``$$.Execution.*``;
- ``Fail`` with Error/Cause or ErrorPath/CausePath;
- intrinsic functions ``States.Format``, ``States.MathAdd`` and ``States.StringToJson`` (nested calls too);
- StartExecution's name rules (API reference): a name is unique per state machine for 90 days; the same
  name with the same input while that execution runs returns it, a different input while it runs, or
  any input once it closed, is ``ExecutionAlreadyExists``; names of 1 to 80 characters without
  whitespace, brackets, wildcards or ``"#%\\^|~`$&,;:/``; StopExecution (ABORTED), DescribeExecution
  and ListExecutions (most recent first);
- AWS SDK integrations ``arn:<partition>:states:::aws-sdk:<service>:<action>``, called
  through a real boto3 client with the execution role's credentials. As Step Functions does,
  request parameters are written PascalCase (the service model's member names with the first
  letter upper-cased: ``JobArn`` for Bedrock's ``jobArn``) and results come back PascalCase;
  a parameter that is not a member of the request fails the task. Service errors are named
  ``<ServiceId>.<ErrorCode>`` (``Bedrock.ThrottlingException``).

Time is simulated: a Wait or a retry interval suspends the execution, and
:meth:`StepFunctions.run_until` moves the shared :class:`~.fake_bedrock.Clock` to the next
execution that is due.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape

from ._shared import Clock

NAME_REUSE_SECONDS = 90 * 86400  # an execution name may be used again 90 days after its execution closed
MAX_TRANSITIONS = 200_000  # per execution: a definition that loops without waiting fails instead of hanging


class StatesError(Exception):
    """An error raised inside an execution, with its Step Functions error name and cause."""

    def __init__(self, name: str, cause: str = "") -> None:
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause


# ------------------------------------------------------------------ JSONPath and intrinsic functions

_MISSING = object()


def read_path(path: str, data: Any, context: dict[str, Any]) -> Any:
    """``$``, ``$.a.b`` and ``$$.Execution.Name`` (the reference paths the copy watcher uses)."""
    root, rest = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    if not path.startswith("$"):
        raise StatesError("States.Runtime", f"{path!r} is not a path")
    value = root
    for part in [p for p in rest.split(".") if p]:
        if not isinstance(value, dict) or part not in value:
            raise StatesError("States.Runtime", f"The JSONPath {path!r} could not be found in the input")
        value = value[part]
    return value


def write_path(path: str | None, data: Any, result: Any) -> Any:
    """ResultPath: ``None`` discards the result, ``$`` replaces the input, ``$.a.b`` sets a field."""
    if path is None:
        return data
    if path == "$":
        return result
    parts = [p for p in path[2:].split(".") if p]
    output = copy.deepcopy(data) if isinstance(data, dict) else {}
    target = output
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = result
    return output


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<path>\$\$?[\w.$]*)"
    r"|(?P<call>States\.\w+)\s*\(|(?P<close>\))|(?P<comma>,))"
)


def _parse_call(text: str, pos: int, data: Any, context: dict[str, Any]) -> tuple[Any, int]:
    match = _TOKEN.match(text, pos)
    if match is None or match.group("call") is None:
        raise StatesError("States.Runtime", f"Invalid intrinsic function {text!r}")
    name, pos = match.group("call"), match.end()
    args: list[Any] = []
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:
            raise StatesError("States.Runtime", f"Invalid intrinsic function {text!r}")
        if match.group("close"):
            pos = match.end()
            break
        if match.group("comma"):
            pos = match.end()
            continue
        if match.group("call"):
            value, pos = _parse_call(text, pos, data, context)
        elif match.group("string") is not None:
            value, pos = re.sub(r"\\(.)", r"\1", match.group("string")[1:-1]), match.end()
        elif match.group("number") is not None:
            number = match.group("number")
            value, pos = (float(number) if "." in number else int(number)), match.end()
        else:
            value, pos = read_path(match.group("path"), data, context), match.end()
        args.append(value)
    return _intrinsic(name, args), pos


def _intrinsic(name: str, args: list[Any]) -> Any:
    if name == "States.MathAdd":
        if len(args) != 2 or not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            raise StatesError("States.Runtime", f"States.MathAdd needs two integers, got {args!r}")
        return args[0] + args[1]
    if name == "States.Format":
        template, values = str(args[0]), list(args[1:])
        if template.count("{}") != len(values):
            raise StatesError("States.Runtime", f"States.Format: {template!r} does not take {len(values)} arguments")
        for value in values:
            text = json.dumps(value) if isinstance(value, dict | list) else str(value)
            template = template.replace("{}", text, 1)
        return template
    if name == "States.StringToJson":
        if len(args) != 1 or not isinstance(args[0], str):
            raise StatesError("States.Runtime", f"States.StringToJson needs one string, got {args!r}")
        try:
            return json.loads(args[0])
        except ValueError as error:
            raise StatesError("States.Runtime", f"States.StringToJson: {error}") from error
    raise StatesError("States.Runtime", f"The intrinsic function {name} is not supported by this interpreter")


def evaluate(value: str, data: Any, context: dict[str, Any]) -> Any:
    """The value of a ``"key.$"`` field: a path or an intrinsic function call."""
    if value.startswith("States."):
        result, pos = _parse_call(value, 0, data, context)
        if value[pos:].strip():
            raise StatesError("States.Runtime", f"Trailing text after intrinsic function in {value!r}")
        return result
    return read_path(value, data, context)


def render(template: Any, data: Any, context: dict[str, Any]) -> Any:
    """Parameters and ResultSelector: keys ending in ``.$`` are evaluated, the rest copied."""
    if isinstance(template, dict):
        rendered = {}
        for key, value in template.items():
            if key.endswith(".$"):
                rendered[key[:-2]] = evaluate(value, data, context)
            else:
                rendered[key] = render(value, data, context)
        return rendered
    if isinstance(template, list):
        return [render(item, data, context) for item in template]
    return template


# ------------------------------------------------------------------ Choice rules

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "GreaterThan": lambda a, b: a > b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def choice_matches(rule: dict[str, Any], data: Any, context: dict[str, Any]) -> bool:
    if "And" in rule:
        return all(choice_matches(r, data, context) for r in rule["And"])
    if "Or" in rule:
        return any(choice_matches(r, data, context) for r in rule["Or"])
    if "Not" in rule:
        return not choice_matches(rule["Not"], data, context)
    variable = rule["Variable"]
    if "IsPresent" in rule:
        try:
            read_path(variable, data, context)
            present = True
        except StatesError:
            present = False
        return present == bool(rule["IsPresent"])
    actual = read_path(variable, data, context)
    for operator, wanted in rule.items():
        if operator in ("Variable", "Next"):
            continue
        kind = next((k for k in ("String", "Numeric", "Timestamp") if operator.startswith(k)), "")
        if not kind:
            raise StatesError("States.Runtime", f"Choice operator {operator} is not supported by this interpreter")
        comparison = operator[len(kind) :]
        if comparison.endswith("Path"):
            comparison, wanted = comparison[: -len("Path")], read_path(wanted, data, context)
        if kind == "Timestamp":
            actual, wanted = _timestamp(actual), _timestamp(wanted)
            if actual is None or wanted is None:
                return False  # not an RFC 3339 timestamp: never matches
            return _COMPARISONS[comparison](actual, wanted)
        number = isinstance(actual, int | float) and not isinstance(actual, bool)
        if (kind == "Numeric") != number or (kind == "String") != isinstance(actual, str):
            return False  # a type mismatch never matches
        return _COMPARISONS[comparison](actual, wanted)
    raise StatesError("States.Runtime", f"Choice rule without a comparison: {rule!r}")


def _timestamp(value: Any) -> dt.datetime | None:
    """An RFC 3339 timestamp with a time zone (what Timestamp comparisons accept), else None."""
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
    ):
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error_matches(names: list[str], error: StatesError) -> bool:
    # "A retry or catch on States.ALL won't catch States.Runtime" (developer guide, error handling), nor
    # the terminal States.DataLimitExceeded: no Retry or Catch handles them.
    if error.name in ("States.Runtime", "States.DataLimitExceeded"):
        return False
    if "States.ALL" in names:
        return True
    if "States.TaskFailed" in names and error.name != "States.Timeout" and not error.name.startswith("States.Runtime"):
        return True
    return error.name in names


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


# ------------------------------------------------------------------ executions


@dataclass
class StateMachine:
    arn: str
    definition: dict[str, Any]
    access_key: str  # the execution role's credentials, as the fake Bedrock tells roles apart


@dataclass
class SdkCall:
    at: float
    action: str  # e.g. bedrock:getModelCopyJob
    parameters: dict[str, Any]
    error: str = ""


@dataclass
class Execution:
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
            self._finish(execution, "ABORTED", "", error_name=error, cause=cause)

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
        execution._runner = self._run(execution)
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

    # -------------------------------------------------------------- the interpreter

    def _run(self, execution: Execution) -> Iterator[float]:
        definition = execution.state_machine.definition
        data: Any = execution.input
        context: dict[str, Any] = {
            "Execution": {"Id": execution.arn, "Name": execution.name, "Input": execution.input},
            "StateMachine": {"Id": execution.state_machine.arn},
        }
        name = definition["StartAt"]
        for _ in range(MAX_TRANSITIONS):
            if execution.status != "RUNNING":
                return
            if execution.pending_runtime_error:
                self._finish(
                    execution, "FAILED", name, error_name="States.Runtime", cause=execution.pending_runtime_error
                )
                return
            state = definition["States"][name]
            execution.states_entered.append((self.clock.time(), name))
            entered = dt.datetime.fromtimestamp(self.clock.time(), tz=dt.UTC)
            context["State"] = {
                "Name": name,
                "EnteredTime": entered.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            try:
                kind = state["Type"]
                effective = read_path(state.get("InputPath", "$"), data, context) if state.get("InputPath", "$") else {}
                if kind == "Succeed":
                    self._finish(execution, "SUCCEEDED", name, output=effective)
                    return
                if kind == "Fail":
                    error_name = read_path(state["ErrorPath"], effective, context) if "ErrorPath" in state else None
                    cause = read_path(state["CausePath"], effective, context) if "CausePath" in state else None
                    if not isinstance(error_name, str | None) or not isinstance(cause, str | None):
                        raise StatesError("States.Runtime", "ErrorPath and CausePath must select strings")
                    self._finish(
                        execution,
                        "FAILED",
                        name,
                        error_name=state.get("Error", "") if error_name is None else error_name,
                        cause=state.get("Cause", "") if cause is None else cause,
                    )
                    return
                if kind == "Choice":
                    name = next(
                        (rule["Next"] for rule in state["Choices"] if choice_matches(rule, effective, context)),
                        state.get("Default", ""),
                    )
                    if not name:
                        raise StatesError("States.NoChoiceMatched", "No Choice rule matched and there is no Default")
                    continue
                if kind == "Wait":
                    seconds = state["Seconds"] if "Seconds" in state else read_path(state["SecondsPath"], data, context)
                    yield float(seconds)
                    data = self._output(state, data, effective, context)
                elif kind == "Pass":
                    result = (
                        render(state["Parameters"], effective, context)
                        if "Parameters" in state
                        else (state.get("Result", effective))
                    )
                    data = self._output(state, data, write_path(state.get("ResultPath", "$"), data, result), context)
                elif kind == "Task":
                    result = yield from self._task(execution, state, effective, context)
                    if isinstance(result, _Caught):
                        data, name = write_path(result.result_path, data, result.error), result.next
                        continue
                    data = self._output(state, data, write_path(state.get("ResultPath", "$"), data, result), context)
                else:
                    raise StatesError("States.Runtime", f"State type {kind} is not supported by this interpreter")
            except StatesError as error:
                self._finish(execution, "FAILED", name, error_name=error.name, cause=error.cause)
                return
            if state.get("End"):
                self._finish(execution, "SUCCEEDED", name, output=data)
                return
            name = state["Next"]
        self._finish(execution, "FAILED", name, error_name="States.Runtime", cause="too many transitions without end")

    @staticmethod
    def _output(state: dict[str, Any], data: Any, result: Any, context: dict[str, Any]) -> Any:
        path = state.get("OutputPath", "$")
        return read_path(path, result, context) if path else {}

    def _finish(
        self,
        execution: Execution,
        status: str,
        state: str,
        *,
        output: Any = None,
        error_name: str = "",
        cause: str = "",
    ) -> None:
        execution.status, execution.end_state, execution.output = status, state, output
        execution.error_name, execution.cause = error_name, cause
        execution.error = f"{error_name}: {cause}" if error_name or cause else ""
        execution.stopped = self.clock.time()

    def fail_at_next_transition(self, execution: Execution, cause: str) -> None:
        """Make a running execution fail with ``States.Runtime`` when it next moves, as Step Functions does
        for errors no Catch can handle (a state machine deleted meanwhile, a malformed service answer...)."""
        execution.pending_runtime_error = cause

    def _task(
        self, execution: Execution, state: dict[str, Any], effective: Any, context: dict[str, Any]
    ) -> Generator[float, None, Any]:
        parameters = render(state.get("Parameters", {}), effective, context)
        attempts: dict[int, int] = {}
        while True:
            try:
                result = self._call(execution, state["Resource"], parameters)
                if "ResultSelector" in state:
                    result = render(state["ResultSelector"], result, context)
                return result
            except StatesError as error:
                retrier = next(
                    (i for i, r in enumerate(state.get("Retry", [])) if _error_matches(r["ErrorEquals"], error)), None
                )
                if retrier is not None:
                    rule = state["Retry"][retrier]
                    done = attempts.get(retrier, 0)
                    if done < rule.get("MaxAttempts", 3):
                        attempts[retrier] = done + 1
                        yield rule.get("IntervalSeconds", 1) * rule.get("BackoffRate", 2.0) ** done
                        continue
                for catcher in state.get("Catch", []):
                    if _error_matches(catcher["ErrorEquals"], error):
                        return _Caught(
                            catcher["Next"], catcher.get("ResultPath", "$"), {"Error": error.name, "Cause": error.cause}
                        )
                raise

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
            response = getattr(client, _snake(operation))(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            call.error = f"{prefix}.{code}"
            raise StatesError(call.error, str(error.response.get("Error", {}).get("Message", ""))) from error
        except BotoCoreError as error:
            call.error = "States.TaskFailed"
            raise StatesError("States.TaskFailed", str(error)) from error
        return to_states(operation_model.output_shape, response)


@dataclass
class _Caught:
    next: str
    result_path: str | None
    error: dict[str, str]


def _snake(name: str) -> str:
    from botocore import xform_name

    return str(xform_name(name))
