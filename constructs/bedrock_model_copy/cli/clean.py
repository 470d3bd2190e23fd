"""``clean``: delete what this library made and no stack declares any more.

Rules: only resources with this library's ownership tags (found by :mod:`.inventory`);
only those in state **kept**; never a copy still running (it says when to come back);
never a Provisioned Throughput under commitment (Bedrock refuses it: docs/aws-behaviour.md S5;
it says from when it can go) or a deployment or Provisioned Throughput still being created or
updated; never a model that something not deleted in this run still serves. Deployments and
Provisioned Throughputs go first, then models. A deployment's or Provisioned Throughput's delete
takes a while, and whether Bedrock deletes a model while a server of it is still being deleted
is not documented (S7): a model whose delete is refused then is left for the next run, with
that message, not counted as a failure. Each resource's tags are read again just before it is
deleted: a resource whose owner changed meanwhile is left. Without ``--yes`` nothing is deleted:
the plan is printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._lambda.model_copy.contract import OWNER_TAG_KEY
from ._aws import EXIT_AWS_ERROR, EXIT_FINDINGS, EXIT_OK, Aws, CliError
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
    servers: dict[str, list[str]] = field(default_factory=dict)  # model ARN -> its servers deleted in this run

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
            until = f"{item.commitment_expires.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
            result.later.append(
                (item, f"under commitment until {until} (Bedrock refuses to delete it before): come back after "
                 f"{until} ({_again(item)})")
            )  # fmt: skip
        elif item.kind in (DEPLOYMENT, THROUGHPUT) and item.status in BUSY:
            result.later.append(
                (item, f"{item.status}: come back when it has finished "
                 f"(bedrock-model-copy status {item.owner_stack} --region {item.region})")
            )  # fmt: skip
        else:
            result.delete.append(item)
    leaving = {item.arn for item in result.delete}
    servers = [item for item in items if item.kind in (DEPLOYMENT, THROUGHPUT)]
    for item in [item for item in result.delete if item.kind == MODEL]:
        staying = [s.name for s in servers if s.model_arn == item.arn and s.arn not in leaving]
        if staying:
            result.delete.remove(item)
            result.later.append((item, f"still served by {', '.join(staying)}: clean deletes it once they are gone"))
        going = [s.name for s in servers if s.model_arn == item.arn and s.arn in leaving]
        if going:
            result.servers[item.arn] = going
    result.delete.sort(key=lambda item: (ORDER[item.kind], item.region, item.name))
    return result


def _running(item: Item, now: dt.datetime) -> str:
    elapsed = f" for {_minutes(now - item.created)}" if item.created else ""
    return (
        f"copy still running{elapsed}: a copy cannot be stopped; come back after it ends "
        f"(bedrock-model-copy status {item.owner_stack} --region {item.region})"
    )


def _again(item: Item) -> str:
    return f"bedrock-model-copy clean --region {item.region} --stack {item.owner_stack} --yes"


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
            if item.arn in result.servers and error.exit_code == EXIT_AWS_ERROR:
                # S7: Bedrock may refuse while what served the model is still being deleted.
                servers = ", ".join(result.servers[item.arn])
                why = f"{servers} (deleted just now) still being deleted, and Bedrock refused the model's delete "
                why += f"meanwhile ({error}): run again in a few minutes ({_again(item)})"
                result.later.append((item, why))
                continue
            result.failed.append((item, str(error)))
            result.exit_codes.append(error.exit_code)
            continue
        result.deleted.append(item)
