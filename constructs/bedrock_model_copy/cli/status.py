"""``status STACK``: what each copy (and deployment or Provisioned Throughput) of one stack is doing.

For each resource the stack's ownership tags name (in one Region): its status and, for a copy
job, how long it has run. For a long copy, the execution of the stack's copy watcher that
watches its job: the watcher is any ``AWS::StepFunctions::StateMachine`` of the stack;
its executions are read with ``ListExecutions`` (every page) and ``DescribeExecution``, and an
execution watches a job when the job's ARN is a value in its input (its name is not relied on).
The input's ``Deadline`` and ``SignalCount``, when present, are shown. The stack's
WaitConditions are shown with their status (the wait's progress).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._aws import Aws
from .inventory import JOB, MODEL, Inventory, Item, StackView

STATE_MACHINE = "AWS::StepFunctions::StateMachine"
WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"
MAX_EXECUTIONS = 50  # newest executions read per watcher
BUSY_STATUSES = ("InProgress", "Creating", "Updating")


@dataclass
class Watch:
    execution_arn: str
    status: str
    started: dt.datetime | None
    deadline: str = ""
    signals_needed: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "executionArn": self.execution_arn,
            "status": self.status,
            "startedAt": self.started.astimezone(dt.UTC).isoformat() if self.started else None,
            "deadline": self.deadline or None,
            "signalsNeeded": self.signals_needed,
        }


@dataclass
class Report:
    stack: StackView
    region: str
    now: dt.datetime
    items: list[Item] = field(default_factory=list)
    job_status: dict[str, str] = field(default_factory=dict)  # job ARN -> status
    watches: dict[str, Watch] = field(default_factory=dict)  # job ARN -> its watcher execution
    waits: list[tuple[str, str]] = field(default_factory=list)  # WaitCondition logical id, status

    @property
    def finished(self) -> bool:
        busy_items = any(item.status in BUSY_STATUSES for item in self.items)
        busy_watch = any(watch.status == "RUNNING" for watch in self.watches.values())
        return not busy_items and not busy_watch and all(not s.endswith("IN_PROGRESS") for _, s in self.waits)

    def as_json(self) -> dict[str, Any]:
        rows = []
        for item in self.items:
            row = item.as_json()
            row["jobStatus"] = self.job_status.get(item.job_arn)
            row["elapsedSeconds"] = int((self.now - item.created).total_seconds()) if item.created else None
            watch = self.watches.get(item.job_arn)
            row["watcher"] = watch.as_json() if watch else None
            rows.append(row)
        return {
            "stack": self.stack.name,
            "region": self.region,
            "stackExists": self.stack.exists,
            "stackStatus": self.stack.status or None,
            "resources": rows,
            "waitConditions": [{"logicalId": lid, "status": status} for lid, status in self.waits],
            "finished": self.finished,
        }


def report(aws: Aws, region: str, stack: str, now: dt.datetime) -> Report:
    inventory = Inventory(aws)
    items = inventory.collect([region], stack)
    view = inventory.stack(region, stack)
    result = Report(view, region, now, items)
    for item in items:
        if item.kind in (JOB, MODEL) and item.job_arn:
            result.job_status[item.job_arn] = "InProgress" if item.kind == JOB else "Completed"
    jobs = {item.job_arn for item in items if item.job_arn}
    for resource in view.resources:
        if resource.type == WAIT_CONDITION:
            result.waits.append((resource.logical_id, resource.status))
        elif resource.type == STATE_MACHINE and jobs:
            for job_arn, watch in _watches(aws, region, resource.physical_id, jobs):
                result.watches.setdefault(job_arn, watch)  # newest first
    return result


def _watches(aws: Aws, region: str, machine: str, jobs: set[str]) -> Iterator[tuple[str, Watch]]:
    executions = aws.pages("stepfunctions", region, "list_executions", "executions", stateMachineArn=machine)
    for count, summary in enumerate(executions):
        if count >= MAX_EXECUTIONS:
            return
        described = aws.call("stepfunctions", region, "describe_execution", executionArn=summary["executionArn"])
        try:
            data = json.loads(described.get("input") or "{}")
        except ValueError:
            continue
        for job_arn in jobs & set(_strings(data)):
            yield (
                job_arn,
                Watch(
                    summary["executionArn"],
                    described.get("status", summary.get("status", "")),
                    described.get("startDate"),
                    str(data.get("Deadline", "")) if isinstance(data, dict) else "",
                    _int(data.get("SignalCount")) if isinstance(data, dict) else None,
                ),
            )


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
