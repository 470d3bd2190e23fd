"""``clean``: delete what this library made and no stack declares any more.

Rules: only resources with this library's ownership tags (found by :mod:`.inventory`); only those in
state **kept** whose type has a delete call (the kind's listing); never a job still running (it says
when to come back); never a resource under a commitment Bedrock reports unexpired (docs/aws-behaviour.md
S5, S13: the end is read from Bedrock, at the list and again just before the delete, never computed; it
says from when it can go), nor one in a status Bedrock cannot delete it from yet (``Creating``...); never a
model that something not deleted in this run still serves. What serves a model goes first, then the rest,
in the order of the kinds list. Whether Bedrock deletes a model while a server of it is still being deleted
is not documented (S7): a model whose delete is refused then is left for the next run, with that message,
not counted as a failure. Each resource's tags (and, where its listing names a Get, its state) are read
again just before it is deleted: a resource whose owner changed meanwhile is left; one whose delete is
refused is read again, and left for later when that read shows an unexpired commitment. Without ``--yes``
nothing is deleted: the plan is printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .._lambda.model_copy.contract import OWNER_TAG_KEY
from ._aws import EXIT_AWS_ERROR, EXIT_FINDINGS, EXIT_OK, Aws, CliError, snake
from .inventory import KEPT, RUNNING, Item, tag_map


@dataclass
class Plan:
    delete: list[Item] = field(default_factory=list)
    later: list[tuple[Item, str]] = field(default_factory=list)  # kept (or running) but not deletable now
    deleted: list[Item] = field(default_factory=list)
    gone: list[Item] = field(default_factory=list)  # deleted by someone else between the list and the delete
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
            "alreadyGone": [item.as_json() for item in self.gone],
            "notNow": [{**item.as_json(), "why": why} for item, why in self.later],
            "failed": [{**item.as_json(), "why": why} for item, why in self.failed],
        }


def plan(items: list[Item], now: dt.datetime) -> Plan:
    """What to delete now, and what to come back for (and why)."""
    result = Plan()
    for item in items:
        if item.state == RUNNING:
            result.later.append((item, _running(item, now)))
            continue
        if item.state != KEPT or not item.source.listing.delete:
            continue
        wait = _not_yet(item)
        if wait:
            result.later.append((item, wait))
        else:
            result.delete.append(item)
    leaving = {item.arn for item in result.delete}
    servers = [item for item in items if item.model_arn]
    for item in [item for item in result.delete if not item.model_arn]:
        staying = [s.name for s in servers if s.model_arn == item.arn and s.arn not in leaving]
        if staying:
            result.delete.remove(item)
            result.later.append((item, f"still served by {', '.join(staying)}: clean deletes it once they are gone"))
        going = [s.name for s in servers if s.model_arn == item.arn and s.arn in leaving]
        if going:
            result.servers[item.arn] = going
    result.delete.sort(key=lambda item: (not item.source.listing.serves, item.source.order, item.region, item.name))
    return result


def _not_yet(item: Item) -> str:
    """Why Bedrock cannot delete it now, read from its own state ("" when it can)."""
    billing = item.billing
    if billing is not None and billing.until:
        when = _utc(billing.expires) if billing.expires else billing.until
        return (
            f"under commitment until {when} (Bedrock refuses to delete it before, and it bills until it is deleted): "
            f"come back after {when} ({_again(item)}); a renewed term shows its new end here"
        )
    if item.status in item.source.listing.busy:
        return (
            f"{item.status}: come back when it has finished "
            f"(bedrock-model-copy status {item.owner_stack} --region {item.region})"
        )
    return ""


def _utc(iso: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(iso).astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return iso


def _running(item: Item, now: dt.datetime) -> str:
    elapsed = f" for {_minutes(now - item.created)}" if item.created else ""
    return (
        f"{item.source.kind.noun.lower()} still running{elapsed}: it cannot be stopped; come back after it ends "
        f"(bedrock-model-copy status {item.owner_stack} --region {item.region})"
    )


def _again(item: Item) -> str:
    return f"bedrock-model-copy clean --region {item.region} --stack {item.owner_stack} --yes"


def _minutes(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def execute(aws: Aws, result: Plan, now: dt.datetime) -> None:
    """Delete what the plan says, each after reading its tags (and its state) again."""
    for item in result.delete:
        try:
            current = aws.call("bedrock", item.region, "list_tags_for_resource", resourceARN=item.arn)
            if tag_map(current.get("tags")).get(OWNER_TAG_KEY) != item.owner_stack:
                result.failed.append((item, f"its {OWNER_TAG_KEY} tag changed meanwhile: left alone"))
                continue
            if not _still_deletable(aws, result, item, now):
                continue
        except CliError as error:
            result.failed.append((item, str(error)))
            result.exit_codes.append(error.exit_code)
            continue
        listing = item.source.listing
        try:
            aws.call("bedrock", item.region, snake(listing.delete), **{listing.identifier: item.arn})
        except CliError as error:
            _refused(aws, result, item, error, now)
            continue
        result.deleted.append(item)


def _still_deletable(aws: Aws, result: Plan, item: Item, now: dt.datetime) -> bool:
    """Read it again with its listing's Get (when it names one): gone, or not deletable yet, goes to the plan."""
    listing = item.source.listing
    if not listing.get:
        return True
    try:
        raw = aws.call("bedrock", item.region, snake(listing.get), **{listing.identifier: item.arn})
    except CliError as error:
        if "ResourceNotFoundException" in str(error):
            result.gone.append(item)
            return False
        raise
    item.billing = item.source.kind.billing(listing, raw, now.timestamp())
    item.status = str(raw.get(listing.status, item.status))
    wait = _not_yet(item)
    if wait:
        result.later.append((item, wait))
    return not wait


def _refused(aws: Aws, result: Plan, item: Item, error: CliError, now: dt.datetime) -> None:
    """A refused delete: decided from what the resource says afterwards, never from the refusal's code."""
    if item.arn in result.servers and error.exit_code == EXIT_AWS_ERROR:
        # S7: Bedrock may refuse while what served the model is still being deleted.
        servers = ", ".join(result.servers[item.arn])
        why = f"{servers} (deleted just now) still being deleted, and Bedrock refused the model's delete "
        why += f"meanwhile ({error}): run again in a few minutes ({_again(item)})"
        result.later.append((item, why))
        return
    try:
        if item.source.listing.get and not _still_deletable(aws, result, item, now):
            return  # gone meanwhile, or a commitment Bedrock reports now (a renewal): in the plan
    except CliError:
        pass  # the read failed too: the delete's own error is the one to report
    result.failed.append((item, str(error)))
    result.exit_codes.append(error.exit_code)
