"""The Amazon States Language interpreter: one execution of a definition, state by state.

What the copy watcher uses, following the Amazon States Language specification and Step Functions'
behaviour:

- states ``Pass`` (Result, Parameters), ``Task``, ``Choice``, ``Wait`` (Seconds, SecondsPath),
  ``Succeed``, ``Fail``; InputPath, Parameters, ResultSelector, ResultPath (``null`` keeps the input),
  OutputPath;
- ``Retry`` (ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate) and ``Catch``;
  ``States.ALL`` and ``States.TaskFailed``;
- Choice rules with ``And``/``Or``/``Not``, ``String*``, ``Numeric*``, ``Timestamp*`` (RFC 3339)
  and their ``*Path`` forms, ``IsPresent``; a missing Variable is a ``States.Runtime`` error;
  the context object's ``$$.State.EnteredTime`` and ``$$.Execution.*``;
- ``Fail`` with Error/Cause or ErrorPath/CausePath;
- intrinsic functions ``States.Format``, ``States.MathAdd`` and ``States.StringToJson`` (nested calls too).

:func:`run` is a generator: it yields the seconds an execution sleeps (a Wait, a retry interval) and
leaves the scheduling to its caller (:class:`~.aws.stepfunctions.StepFunctions`, which also makes the
Task calls: the AWS SDK integrations and their casing rules).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "MAX_TRANSITIONS",
    "StatesError",
    "choice_matches",
    "evaluate",
    "read_path",
    "render",
    "run",
    "write_path",
]

MAX_TRANSITIONS = 200_000  # per execution: a definition that loops without waiting fails instead of hanging


class StatesError(Exception):
    """An error raised inside an execution, with its Step Functions error name and cause."""

    def __init__(self, name: str, cause: str = "") -> None:
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause


# ------------------------------------------------------------------ JSONPath and intrinsic functions


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
    """Whether one Choice rule (``And``/``Or``/``Not``, or a ``Variable`` with an operator) matches ``data``."""
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


# ------------------------------------------------------------------ running a definition


class Run(Protocol):
    """What the interpreter reads and writes of one execution (:class:`~.aws.stepfunctions.Execution`)."""

    input: Any
    status: str  # RUNNING | SUCCEEDED | FAILED | ABORTED
    end_state: str
    output: Any
    error: str  # "<error>: <cause>"
    error_name: str
    cause: str
    stopped: float
    pending_runtime_error: str  # set: fail with States.Runtime at the next transition
    states_entered: list[tuple[float, str]]


Task = Callable[[str, Any], Any]  # (Resource, rendered Parameters) -> result; raises StatesError


def finish(
    execution: Run, status: str, state: str, at: float, *, output: Any = None, error_name: str = "", cause: str = ""
) -> None:
    """End ``execution`` in ``status`` at ``state``."""
    execution.status, execution.end_state, execution.output = status, state, output
    execution.error_name, execution.cause = error_name, cause
    execution.error = f"{error_name}: {cause}" if error_name or cause else ""
    execution.stopped = at


def run(
    definition: dict[str, Any], execution: Run, context: dict[str, Any], *, now: Callable[[], float], task: Task
) -> Iterator[float]:
    """Run ``definition`` on ``execution``'s input; yields the seconds to sleep before going on.

    ``context`` is the context object (``$$``) without its ``State``, which the interpreter sets.
    """
    data: Any = execution.input
    name = definition["StartAt"]
    for _ in range(MAX_TRANSITIONS):
        if execution.status != "RUNNING":
            return
        if execution.pending_runtime_error:
            cause = execution.pending_runtime_error
            finish(execution, "FAILED", name, now(), error_name="States.Runtime", cause=cause)
            return
        state = definition["States"][name]
        execution.states_entered.append((now(), name))
        entered = dt.datetime.fromtimestamp(now(), tz=dt.UTC)
        context["State"] = {
            "Name": name,
            "EnteredTime": entered.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        try:
            kind = state["Type"]
            effective = read_path(state.get("InputPath", "$"), data, context) if state.get("InputPath", "$") else {}
            if kind == "Succeed":
                finish(execution, "SUCCEEDED", name, now(), output=effective)
                return
            if kind == "Fail":
                error_at = read_path(state["ErrorPath"], effective, context) if "ErrorPath" in state else None
                cause_at = read_path(state["CausePath"], effective, context) if "CausePath" in state else None
                if not isinstance(error_at, str | None) or not isinstance(cause_at, str | None):
                    raise StatesError("States.Runtime", "ErrorPath and CausePath must select strings")
                error_name = state.get("Error", "") if error_at is None else error_at
                fail_cause = state.get("Cause", "") if cause_at is None else cause_at
                finish(execution, "FAILED", name, now(), error_name=error_name, cause=fail_cause)
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
                data = _output(state, effective, context)
            elif kind == "Pass":
                result = (
                    render(state["Parameters"], effective, context)
                    if "Parameters" in state
                    else (state.get("Result", effective))
                )
                data = _output(state, write_path(state.get("ResultPath", "$"), data, result), context)
            elif kind == "Task":
                result = yield from _task(state, effective, context, task)
                if isinstance(result, _Caught):
                    data, name = write_path(result.result_path, data, result.error), result.next
                    continue
                data = _output(state, write_path(state.get("ResultPath", "$"), data, result), context)
            else:
                raise StatesError("States.Runtime", f"State type {kind} is not supported by this interpreter")
        except StatesError as error:
            finish(execution, "FAILED", name, now(), error_name=error.name, cause=error.cause)
            return
        if state.get("End"):
            finish(execution, "SUCCEEDED", name, now(), output=data)
            return
        name = state["Next"]
    finish(execution, "FAILED", name, now(), error_name="States.Runtime", cause="too many transitions without end")


def _output(state: dict[str, Any], result: Any, context: dict[str, Any]) -> Any:
    path = state.get("OutputPath", "$")
    return read_path(path, result, context) if path else {}


@dataclass
class _Caught:
    next: str
    result_path: str | None
    error: dict[str, str]


def _task(state: dict[str, Any], effective: Any, context: dict[str, Any], task: Task) -> Generator[float, None, Any]:
    parameters = render(state.get("Parameters", {}), effective, context)
    attempts: dict[int, int] = {}
    while True:
        try:
            result = task(state["Resource"], parameters)
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
                    result_path = catcher.get("ResultPath", "$")
                    return _Caught(catcher["Next"], result_path, {"Error": error.name, "Cause": error.cause})
            raise
