"""``clean``: delete what this library made and no stack declares any more.

Rules: only resources with this library's ownership tags (found by :mod:`.inventory`);
only those in state **kept**; never a copy still running (it says when to come back);
never a Provisioned Throughput under commitment or one still being created or updated;
never a model that something not deleted in this run still serves. Deployments and
Provisioned Throughputs go first, then models. Each resource's tags are read again just
before it is deleted: a resource whose owner changed meanwhile is left. Without ``--yes``
nothing is deleted: the plan is printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._contract import OWNER_TAG_KEY
from ._aws import EXIT_FINDINGS, EXIT_OK, Aws, CliError
from .inventory import DEPLOYMENT, JOB, KEPT, MODEL, THROUGHPUT, Item, tag_map

BUSY = ("Creating", "Updating")
DELETE_CALLS = {
    DEPLOYMENT: ("delete_custom_model_deployment", "customModelDeploymentIdentifier"),
    THROUGHPUT: ("delete_provisioned_model_throughput", "provisionedModelId"),
    MODEL: ("delete_custom_model", "modelIdentifier"),
}
ORDER = {DEPLOYMENT: 0, THROUGHPUT: 1, MODEL: 2}


@dataclass
class Plan:
    delete: list[Item] = field(default_factory=list)
    later: list[tuple[Item, str]] = field(default_factory=list)  # kept (or running) but not deletable now
    deleted: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)  # of the failed calls

    def exit_code(self) -> int:
        """The first failed call's code; 1 when something must wait; else 0."""
        if self.exit_codes:
            return self.exit_codes[0]
        return EXIT_FINDINGS if self.later or self.failed else EXIT_OK

    def as_json(self, *, dry_run: bool) -> dict[str, Any]:
        return {
            "dryRun": dry_run,
            "wouldDelete" if dry_run else "deleted": [
                item.as_json() for item in (self.delete if dry_run else self.deleted)
            ],
            "notNow": [{**item.as_json(), "why": why} for item, why in self.later],
            "failed": [{**item.as_json(), "why": why} for item, why in self.failed],
        }


def plan(items: list[Item], now: dt.datetime) -> Plan:
    """What to delete now, and what to come back for (and why)."""
    result = Plan()
    for item in items:
        if item.kind == JOB:
            result.later.append((item, _running(item, now)))
            continue
        if item.state != KEPT:
            continue
        if item.kind == THROUGHPUT and item.commitment_expires and item.commitment_expires > now:
            result.later.append((item, f"under commitment until {item.commitment_expires:%Y-%m-%d %H:%M} UTC"))
        elif item.kind in (DEPLOYMENT, THROUGHPUT) and item.status in BUSY:
            result.later.append((item, f"{item.status}: come back when it is done"))
        else:
            result.delete.append(item)
    leaving = {item.arn for item in result.delete}
    servers = [item for item in items if item.kind in (DEPLOYMENT, THROUGHPUT) and item.arn not in leaving]
    for item in list(result.delete):
        users = [server.name for server in servers if item.kind == MODEL and server.model_arn == item.arn]
        if users:
            result.delete.remove(item)
            result.later.append((item, f"still served by {', '.join(users)}"))
    result.delete.sort(key=lambda item: (ORDER[item.kind], item.region, item.name))
    return result


def _running(item: Item, now: dt.datetime) -> str:
    elapsed = f" for {_minutes(now - item.created)}" if item.created else ""
    return (
        f"copy still running{elapsed}: a copy cannot be stopped; come back after it ends "
        f"(bedrock-model-copy status {item.owner_stack} --region {item.region})"
    )


def _minutes(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def execute(aws: Aws, result: Plan) -> None:
    """Delete what the plan says, each after reading its tags again."""
    for item in result.delete:
        try:
            current = aws.call("bedrock", item.region, "list_tags_for_resource", resourceARN=item.arn)
        except CliError as error:
            result.failed.append((item, str(error)))
            result.exit_codes.append(error.exit_code)
            continue
        owner = tag_map(current.get("tags"))
        if owner.get(OWNER_TAG_KEY) != item.owner_stack:
            result.failed.append((item, f"its {OWNER_TAG_KEY} tag changed meanwhile: left alone"))
            continue
        operation, parameter = DELETE_CALLS[item.kind]
        try:
            aws.call("bedrock", item.region, operation, **{parameter: item.arn})
        except CliError as error:
            result.failed.append((item, str(error)))
            result.exit_codes.append(error.exit_code)
            continue
        result.deleted.append(item)
