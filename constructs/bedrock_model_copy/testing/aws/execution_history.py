"""Step Functions ``GetExecutionHistory`` for the fake, rebuilt from what the interpreter records.

The interpreter (:mod:`..asl`, run by :mod:`.stepfunctions`) keeps, per execution, the states entered
(time, name) and each AWS SDK call a Task made (time, ``service:action``, parameters, error). From those
this module writes the execution's events as the API reference's ``HistoryEvent`` has them:
``ExecutionStarted``, a ``<Type>StateEntered`` and ``<Type>StateExited`` per state,
``TaskScheduled``/``TaskStarted`` and ``TaskSucceeded`` or ``TaskFailed`` per call (a retried call appears
once per attempt), and the end (``ExecutionSucceeded``, ``ExecutionFailed`` or ``ExecutionAborted``). Ids
count from 1 in time order; pages of ``maxResults`` (default 100, at most 1000), ``reverseOrder`` and
``includeExecutionData``.

What a real Task event names is not fully documented (docs/aws-behaviour.md F5): the fake writes an
AWS SDK integration ``arn:aws:states:::aws-sdk:bedrock:getModelCopyJob`` as ``resourceType``
``aws-sdk:bedrock`` and ``resource`` ``getModelCopyJob``.
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_PAGE, MAX_PAGE = 100, 1000
_END_EVENTS = {"SUCCEEDED": "ExecutionSucceeded", "FAILED": "ExecutionFailed", "ABORTED": "ExecutionAborted"}
_NO_EXIT = ("Fail",)  # a Fail state ends the execution without an exit event


def events(execution: Any) -> list[dict[str, Any]]:
    """Every event of ``execution`` (a :class:`.stepfunctions.Execution`), oldest first."""
    states = execution.state_machine.definition.get("States", {})
    found: list[dict[str, Any]] = []

    def add(at: float, kind: str, **details: Any) -> None:
        found.append({"timestamp": at, "type": kind, **details})

    add(execution.started, "ExecutionStarted", executionStartedEventDetails={"input": json.dumps(execution.input)})
    entered = list(execution.states_entered)
    calls = list(execution.calls)
    next_call = 0
    for index, (at, name) in enumerate(entered):
        kind = str(states.get(name, {}).get("Type", "Pass"))
        add(at, f"{kind}StateEntered", stateEnteredEventDetails={"name": name, "input": "{}"})
        if kind == "Task":
            later = [when for when, state in entered[index + 1 :] if states.get(state, {}).get("Type") == "Task"]
            until = later[0] if later else float("inf")
            mine, next_call = _calls_of_task(calls, next_call, at, until)
            for call in mine:
                _task_events(add, call, str(execution.arn).split(":")[3])
        ended = index + 1 < len(entered) or execution.status != "RUNNING"
        if ended and kind not in _NO_EXIT:
            exit_at = entered[index + 1][0] if index + 1 < len(entered) else execution.stopped
            add(exit_at, f"{kind}StateExited", stateExitedEventDetails={"name": name, "output": "{}"})
    if execution.status in _END_EVENTS:
        kind = _END_EVENTS[execution.status]
        details: dict[str, Any] = {}
        if kind == "ExecutionSucceeded":
            details = {"executionSucceededEventDetails": {"output": json.dumps(execution.output)}}
        elif kind == "ExecutionFailed":
            details = {"executionFailedEventDetails": {"error": execution.error_name, "cause": execution.cause}}
        else:
            details = {"executionAbortedEventDetails": {"error": execution.error_name, "cause": execution.cause}}
        add(execution.stopped, kind, **details)
    for number, event in enumerate(found, start=1):
        event["id"], event["previousEventId"] = number, number - 1
    return found


def _calls_of_task(calls: list[Any], start: int, entered: float, until: float) -> tuple[list[Any], int]:
    """The attempts of one Task entry: its first call, then retries (after an error, at a later time)."""
    mine: list[Any] = []
    position = start
    while position < len(calls) and calls[position].at >= entered:
        call = calls[position]
        if mine and not (mine[-1].error and call.at > mine[-1].at and call.at <= until):
            break
        mine.append(call)
        position += 1
    return mine, position


def _task_events(add: Any, call: Any, region: str) -> None:
    service, _, action = str(call.action).partition(":")
    names = {"resourceType": f"aws-sdk:{service}", "resource": action}
    add(call.at, "TaskScheduled", taskScheduledEventDetails={**names, "region": region, "parameters": "{}"})
    add(call.at, "TaskStarted", taskStartedEventDetails=names)
    if call.error:
        add(call.at, "TaskFailed", taskFailedEventDetails={**names, "error": call.error, "cause": ""})
    else:
        add(call.at, "TaskSucceeded", taskSucceededEventDetails={**names, "output": "{}"})


def page(execution: Any, params: dict[str, Any]) -> dict[str, Any]:
    """One GetExecutionHistory answer."""
    found = events(execution)
    if params.get("reverseOrder"):
        found.reverse()
    if params.get("includeExecutionData") is False:
        for event in found:
            for key, value in event.items():
                if key.endswith("EventDetails"):
                    event[key] = {k: v for k, v in value.items() if k not in ("input", "output", "parameters")}
    size = min(int(params.get("maxResults") or DEFAULT_PAGE), MAX_PAGE)
    start = int(params.get("nextToken") or 0)
    result: dict[str, Any] = {"events": found[start : start + size]}
    if start + size < len(found):
        result["nextToken"] = str(start + size)
    return result
