"""``status STACK``: what each resource of one stack is doing (every kind the inventory finds).

For each resource the stack's ownership tags name (in one Region): its status and how long ago it
was made (a running job: how long it has run). For a long copy, the execution of the stack's copy watcher that
watches it: the watcher is any ``AWS::StepFunctions::StateMachine`` of the stack; its executions
are read with ``ListExecutions`` (every page) and ``DescribeExecution``, and an execution watches
a job (or a deployment or Provisioned Throughput) when that ARN is a value in its input (its name
and the input's other keys are not relied on). The input's budget, when present, is shown:
``MaxPolls``, ``SignalCount`` (the signals the wait needs) and ``Deadline``. What the execution has
done so far comes from ``GetExecutionHistory`` (docs/aws-behaviour.md F4, F5): polls made are its
Task attempts that are not CloudFormation calls, signals sent its ``TaskSucceeded`` events of
CloudFormation's ``signalResource``. ``--watch`` reads only the events that are new since its last
refresh (newest first, down to the last event id it counted), and nothing more for an execution
that had ended. The stack's WaitConditions are shown with their status (the wait's progress).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._aws import Aws
from .inventory import RUNNING, Inventory, Item, StackView

STATE_MACHINE = "AWS::StepFunctions::StateMachine"
WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"
MAX_EXECUTIONS = 50  # newest executions read per watcher
HISTORY_PAGE = 1000  # GetExecutionHistory's largest page
TASK_ENDS = ("TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed")


@dataclass
class Progress:
    """What one watcher execution has done, counted from its history (``last_id``: the newest event counted)."""

    last_id: int = 0
    polls: int = 0
    signals_sent: int = 0
    final: bool = False  # the execution had ended: its history will not grow


@dataclass
class Watch:
    execution_arn: str
    status: str
    started: dt.datetime | None
    deadline: str = ""
    signals_needed: int | None = None
    max_polls: int | None = None
    progress: Progress | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "executionArn": self.execution_arn,
            "status": self.status,
            "startedAt": self.started.astimezone(dt.UTC).isoformat() if self.started else None,
            "deadline": self.deadline or None,
            "signalsNeeded": self.signals_needed,
            "signalsSent": self.progress.signals_sent if self.progress else None,
            "polls": self.progress.polls if self.progress else None,
            "maxPolls": self.max_polls,
        }


@dataclass
class Report:
    stack: StackView
    region: str
    now: dt.datetime
    items: list[Item] = field(default_factory=list)
    job_status: dict[str, str] = field(default_factory=dict)  # job ARN -> status
    watches: dict[str, Watch] = field(default_factory=dict)  # job (or resource) ARN -> its watcher execution
    waits: list[tuple[str, str]] = field(default_factory=list)  # WaitCondition logical id, status

    def watch_of(self, item: Item) -> Watch | None:
        return self.watches.get(item.job_arn) or self.watches.get(item.arn)

    @property
    def finished(self) -> bool:
        busy_items = any(item.state == RUNNING or item.status in item.source.listing.busy for item in self.items)
        busy_watch = any(watch.status == "RUNNING" for watch in self.watches.values())
        return not busy_items and not busy_watch and all(not s.endswith("IN_PROGRESS") for _, s in self.waits)

    def as_json(self) -> dict[str, Any]:
        rows = []
        for item in self.items:
            row = item.as_json()
            row["jobStatus"] = self.job_status.get(item.job_arn)
            row["elapsedSeconds"] = int((self.now - item.created).total_seconds()) if item.created else None
            watch = self.watch_of(item)
            row["watcher"] = watch.as_json() if watch else None
            rows.append(row)
        return {
            "stack": self.stack.name,
            "region": self.region,
            "asOf": self.now.astimezone(dt.UTC).isoformat(),
            "stackExists": self.stack.exists,
            "stackStatus": self.stack.status or None,
            "resources": rows,
            "waitConditions": [{"logicalId": lid, "status": status} for lid, status in self.waits],
            "finished": self.finished,
        }


def report(aws: Aws, region: str, stack: str, now: dt.datetime, counted: dict[str, Progress] | None = None) -> Report:
    """One look at the stack; ``counted`` carries the watcher executions' progress from one refresh to the next."""
    counted = {} if counted is None else counted
    inventory = Inventory(aws, now)
    items = inventory.collect([region], stack)
    view = inventory.stack(region, stack)
    result = Report(view, region, now, items)
    for item in items:
        if item.job_arn in inventory.job_status:
            result.job_status[item.job_arn] = inventory.job_status[item.job_arn]
    watched = {arn for item in items for arn in (item.job_arn, item.arn) if arn}
    for resource in view.resources:
        if resource.type == WAIT_CONDITION:
            result.waits.append((resource.logical_id, resource.status))
        elif resource.type == STATE_MACHINE and watched:
            for arn, watch in _watches(aws, region, resource.physical_id, watched):
                result.watches.setdefault(arn, watch)  # newest first
    for watch in {id(w): w for w in result.watches.values()}.values():
        known = counted.get(watch.execution_arn)
        watch.progress = progress(aws, region, watch.execution_arn, known, ended=watch.status != "RUNNING")
        counted[watch.execution_arn] = watch.progress
    return result


def _watches(aws: Aws, region: str, machine: str, watched: set[str]) -> Iterator[tuple[str, Watch]]:
    executions = aws.pages("stepfunctions", region, "list_executions", "executions", stateMachineArn=machine)
    for count, summary in enumerate(executions):
        if count >= MAX_EXECUTIONS:
            return
        described = aws.call("stepfunctions", region, "describe_execution", executionArn=summary["executionArn"])
        try:
            data = json.loads(described.get("input") or "{}")
        except ValueError:
            continue
        budget = data if isinstance(data, dict) else {}
        watch = Watch(
            summary["executionArn"],
            described.get("status", summary.get("status", "")),
            described.get("startDate"),
            str(budget.get("Deadline", "")),
            _int(budget.get("SignalCount")),
            _int(budget.get("MaxPolls")),
        )
        for arn in sorted(watched & set(_strings(data))):
            yield arn, watch


def progress(aws: Aws, region: str, execution_arn: str, known: Progress | None, *, ended: bool) -> Progress:
    """Polls made and signals sent by one watcher execution, adding the events newer than ``known``."""
    if known is not None and known.final:
        return known
    counted = Progress(known.last_id, known.polls, known.signals_sent) if known else Progress()
    newest = counted.last_id
    events = aws.pages(
        "stepfunctions", region, "get_execution_history", "events",
        executionArn=execution_arn, reverseOrder=True, includeExecutionData=False,
        PaginationConfig={"PageSize": HISTORY_PAGE},
    )  # fmt: skip
    for event in events:
        if int(event.get("id", 0)) <= counted.last_id:
            break  # newest first: everything from here on was counted at the last refresh
        newest = max(newest, int(event.get("id", 0)))
        kind = str(event.get("type", ""))
        if kind not in TASK_ENDS:
            continue
        found = [value for key, value in event.items() if key.endswith("EventDetails") and isinstance(value, dict)]
        details: dict[str, Any] = found[0] if found else {}
        # resourceType "aws-sdk:cloudformation" and resource "signalResource" (or the whole ARN in either: F5)
        called = f"{details.get('resourceType', '')}:{details.get('resource', '')}".lower()
        if "cloudformation" not in called:
            counted.polls += 1
        elif kind == "TaskSucceeded" and called.endswith("signalresource"):
            counted.signals_sent += 1
    counted.last_id, counted.final = newest, ended
    return counted


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
