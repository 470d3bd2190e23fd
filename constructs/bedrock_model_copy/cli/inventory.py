"""What the stacks made, found through each kind's own list calls and ``ListTagsForResource``.

The command names no kind: it reads the runtime's kinds (``_lambda.model_copy.kinds.KINDS``) and, of each,
its listings (``kinds/fleet.py``: the list call that finds every resource of a type, its summary fields,
where its tags are), its ``lookup`` (the Get of a job the listings did not show) and its ``product`` (what a
job made). A resource belongs to this library when it carries the ownership tags of the contract
(``bedrock-model-copy:owner-stack``, and from 0.2 ``bedrock-model-copy:owner-resource``). Its owner says
one of three things about it now:

- **running**: a job still running (a job listing's ``running`` status; a job cannot be deleted);
- **declared**: the owner stack exists (``DescribeStacks`` by name) and one of its resources
  (``ListStackResources``, every page, resources not ``DELETE_COMPLETE``/``DELETE_SKIPPED``) with the
  owner-resource logical id has a physical id that points at this resource. While the stack is in an
  ``*_IN_PROGRESS`` status it is taken to declare all it owns (a custom resource's physical id reaches
  CloudFormation only when its provider answers);
- **kept**: anything else (the stack is gone, or no longer has that resource, or that resource now points
  at another one: a replacement or a ``RETAIN``).

A physical id points at a resource when it is its ARN (or the ARN's last path segment), or the ARN of the
job that made it: from the job listing (the newest job that made it), else read with the kind's lookup.
A resource made before the owner-resource tag existed (a 0.1.0 copy) may be declared by any resource of
its stack, whatever its type: the physical id decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from ._aws import Aws, CliError, in_threads, snake

if TYPE_CHECKING:  # the runtime's kinds import botocore: loaded when the command runs, not on import
    from .._lambda.model_copy.kinds.base import Kind
    from .._lambda.model_copy.kinds.fleet import Billing, Listing

DECLARED, KEPT, RUNNING = "declared", "kept", "running"
GONE_STATUSES = ("DELETE_COMPLETE", "DELETE_SKIPPED")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def tag_map(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {str(tag["key"]): str(tag["value"]) for tag in tags or []}


@dataclass(frozen=True)
class Source:
    """One listing of one kind: where the command finds resources of one type."""

    kind: Kind
    listing: Listing
    order: int  # its place in the kinds list (clean deletes in this order, servers first)


def sources() -> list[Source]:
    """Every listing of every kind in ``KINDS``, once each (a waiter makes nothing of its own)."""
    from .._lambda.model_copy.kinds import KINDS

    found: dict[tuple[str, str], Source] = {}
    for kind in KINDS:
        for listing in kind.listings:
            found.setdefault((listing.operation, listing.label), Source(kind, listing, len(found)))
    return list(found.values())


@dataclass
class Item:
    """One resource this library made."""

    region: str
    source: Source = field(repr=False)
    arn: str
    name: str
    status: str
    owner_stack: str
    owner_resource: str
    created: dt.datetime | None = None
    job_arn: str = ""  # the job that made it (or the job itself)
    model_arn: str = ""  # the model it serves
    billing: Billing | None = None
    declared: bool = False
    state: str = KEPT
    reason: str = ""

    @property
    def kind(self) -> str:
        """The command's name of its type: custom-model, provisioned-throughput..."""
        return self.source.listing.label

    def as_json(self) -> dict[str, Any]:
        billing = self.billing
        return {
            "region": self.region,
            "kind": self.kind,
            "arn": self.arn,
            "name": self.name,
            "status": self.status,
            "ownerStack": self.owner_stack,
            "ownerResource": self.owner_resource,
            "state": self.state,
            "declared": self.declared,
            "reason": self.reason,
            "createdAt": _iso(self.created),
            "jobArn": self.job_arn,
            "modelArn": self.model_arn,
            "commitmentExpiresAt": (billing.expires or None) if billing else None,
            "billing": billing_json(billing),
        }


def billing_json(billing: Billing | None) -> dict[str, Any] | None:
    if billing is None or not billing.text:
        return None
    return {
        "text": billing.text,
        "billsWhileIdle": billing.idle,
        "termEndsAt": billing.expires or None,
        "notDeletableUntil": billing.until or None,
        **dict(billing.facts),
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


@dataclass
class StackResource:
    logical_id: str
    physical_id: str
    type: str
    status: str


@dataclass
class StackView:
    """A stack as CloudFormation describes it now (``exists`` False when its name is not found)."""

    name: str
    exists: bool
    status: str = ""
    resources: list[StackResource] = field(default_factory=list)


def read_stack(aws: Aws, region: str, name: str) -> StackView:
    """``DescribeStacks`` by name (a deleted stack's name "does not exist"), then every page of its resources."""
    try:
        stacks = aws.call("cloudformation", region, "describe_stacks", StackName=name).get("Stacks", [])
    except CliError as error:
        if "does not exist" in str(error):
            return StackView(name, exists=False)
        raise
    if not stacks:
        return StackView(name, exists=False)
    summaries = aws.pages("cloudformation", region, "list_stack_resources", "StackResourceSummaries", StackName=name)
    resources = [
        StackResource(s["LogicalResourceId"], s.get("PhysicalResourceId", ""), s["ResourceType"], s["ResourceStatus"])
        for s in summaries
        if s["ResourceStatus"] not in GONE_STATUSES
    ]
    return StackView(name, exists=True, status=stacks[0].get("StackStatus", ""), resources=resources)


class Inventory:
    """Everything with ownership tags in some Regions, with what each owner stack says about it."""

    def __init__(self, aws: Aws, now: dt.datetime | None = None) -> None:
        self.aws = aws
        self.now = now or dt.datetime.now(dt.UTC)
        self.stacks: dict[tuple[str, str], StackView] = {}
        self.job_status: dict[str, str] = {}  # job ARN -> its status, from the job listings
        self._products: dict[str, str] = {}  # job ARN -> what it made ("" while nothing, or not a job)

    def collect(self, regions: list[str], stack: str | None = None) -> list[Item]:
        items: list[Item] = []
        for region in regions:
            items.extend(self._region(region, stack))
        for item in items:
            self._classify(item)
        return items

    def stack(self, region: str, name: str) -> StackView:
        if (region, name) not in self.stacks:
            self.stacks[(region, name)] = read_stack(self.aws, region, name)
        return self.stacks[(region, name)]

    # ------------------------------------------------------------------ finding

    def _region(self, region: str, only_stack: str | None) -> list[Item]:
        found: list[Item] = []
        made_by: dict[str, str] = {}  # product ARN -> the newest job that made it
        for source in sources():
            listing = source.listing
            if not self.aws.has_operation("bedrock", region, snake(listing.operation)):
                continue  # a botocore older than the kind's API (deployments: botocore 1.39.7)
            summaries = list(
                self.aws.pages("bedrock", region, snake(listing.operation), listing.items, **dict(listing.parameters))
            )
            if listing.running:
                for summary in sorted(summaries, key=lambda s: s.get(listing.created) or _EPOCH):
                    job = str(summary[listing.arn])
                    self.job_status[job] = str(summary.get(listing.status, ""))
                    self._products[job] = product = source.kind.product(summary)
                    if product:
                        made_by[product] = job
                summaries = [s for s in summaries if s.get(listing.status) == listing.running]
            if listing.tags:
                tags = [tag_map(summary.get(listing.tags)) for summary in summaries]
            else:
                tags = self._tags(region, [str(summary[listing.arn]) for summary in summaries])
            for summary, owner in zip(summaries, tags, strict=True):
                if owner.get(OWNER_TAG_KEY):
                    found.append(self._item(region, source, summary, owner))
        for item in found:
            item.job_arn = item.arn if item.source.listing.running else made_by.get(item.arn, "")
        return [item for item in found if only_stack is None or item.owner_stack == only_stack]

    def _item(self, region: str, source: Source, summary: Mapping[str, Any], tags: Mapping[str, str]) -> Item:
        listing = source.listing
        created = summary.get(listing.created)
        return Item(
            region,
            source,
            str(summary[listing.arn]),
            str(summary.get(listing.name, "")),
            str(summary.get(listing.status, "")),
            tags.get(OWNER_TAG_KEY, ""),
            tags.get(OWNER_RESOURCE_TAG_KEY, ""),
            created=created if isinstance(created, dt.datetime) else None,
            model_arn=str(summary.get(listing.serves) or "") if listing.serves else "",
            billing=source.kind.billing(listing, summary, self.now.timestamp()),
        )

    def _tags(self, region: str, arns: list[str]) -> list[dict[str, str]]:
        def read(arn: str) -> dict[str, str]:
            try:
                response = self.aws.call("bedrock", region, "list_tags_for_resource", resourceARN=arn)
            except CliError as error:
                if "ResourceNotFoundException" in str(error):  # deleted between the list and this call
                    return {}
                raise
            return tag_map(response.get("tags"))

        return in_threads(read, arns)

    # ------------------------------------------------------------------ classifying

    def _classify(self, item: Item) -> None:
        view = self.stack(item.region, item.owner_stack)
        if not view.exists:
            item.declared, item.reason = False, f"stack {item.owner_stack} does not exist"
        elif view.status.endswith("_IN_PROGRESS"):
            # A resource's physical id reaches CloudFormation only when its provider answers: until the
            # stack operation ends, what it declares is not known, so it is taken to declare everything.
            item.declared, item.reason = True, f"stack {view.name} is {view.status}: ask again when it ends"
        else:
            # Made before the owner-resource tag (0.1.0): any resource of its stack may declare it.
            candidates = [r for r in view.resources if r.logical_id == item.owner_resource or not item.owner_resource]
            pointing = [r for r in candidates if self._points_at(r.physical_id, item)]
            item.declared = bool(pointing)
            if pointing:
                item.reason = f"stack {view.name} ({view.status}) declares it as {pointing[0].logical_id}"
            elif not item.owner_resource:
                item.reason = f"no resource of stack {view.name} points at it"
            elif candidates:
                item.reason = f"{item.owner_resource} of stack {view.name} now points at another resource"
            else:
                item.reason = f"stack {view.name} has no resource {item.owner_resource}"
        item.state = RUNNING if item.source.listing.running else DECLARED if item.declared else KEPT

    def _points_at(self, physical_id: str, item: Item) -> bool:
        if not physical_id:
            return False
        if physical_id in (item.arn, item.job_arn) or item.arn.endswith("/" + physical_id):
            return True
        return self.product_of(item.region, item.source.kind, physical_id) == item.arn

    def product_of(self, region: str, kind: Kind, physical_id: str) -> str:
        """What the job ``physical_id`` made, read with ``kind``'s lookup; "" when it is not such a job."""
        operation, parameter = kind.lookup
        if not operation or kind.arn_marker not in physical_id:
            return ""
        if physical_id not in self._products:
            try:
                raw = self.aws.call("bedrock", region, snake(operation), **{parameter: physical_id})
            except CliError as error:
                if "ResourceNotFoundException" not in str(error):
                    raise
                raw = {}
            self._products[physical_id] = kind.product(raw) if raw else ""
        return self._products[physical_id]
