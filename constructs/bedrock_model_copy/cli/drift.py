"""``drift``: what each live stack's template says of its resources of this library's kinds, against Bedrock now.

CloudFormation detects no drift of custom resources (docs/aws-behaviour.md C8). For every stack that exists
(``ListStacks``, or the one ``--stack`` names) and declares a resource of one of the kinds' types, the command
reads the template and resolves each such resource's properties as CloudFormation did (:mod:`.templates`),
then reads the resource with its kind's descriptor (``kinds/fleet.py``, :class:`Drift`): the Get of its
physical id, for a job the Get of what it made, ``ListTagsForResource`` of that; and compares the kind's
fields (name, model, model units, commitment, KMS key ...) and the tags: the template's, and the ownership
tags the handler wrote (this stack, this logical id, and for a copy the request's fingerprint).

Each difference is a row (resource, field, template value, Bedrock value). A resource is **gone** only when
its kind's Get answered ``ResourceNotFoundException`` (M9: never from a refusal). What the template says but
CloudFormation does not report (a ``NoEcho`` parameter, a dynamic reference, another type's attribute) cannot
be told offline: it is listed, not compared. A stack in an ``*_IN_PROGRESS`` status is not compared (its
resources are changing). The command names no kind.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .._lambda.model_copy.contract import COPY_REQUEST_TAG_KEY, OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from .._lambda.model_copy.kinds.base import text
from ._aws import EXIT_AWS_ERROR, EXIT_USAGE, Aws, CliError, snake
from .inventory import StackResource, tag_map
from .templates import LiveStack, StackResolver, live_stacks

if TYPE_CHECKING:  # the runtime's kinds import botocore: loaded when the command runs
    from .._lambda.model_copy.kinds.base import Kind

NOT_FOUND = "ResourceNotFoundException"
_MARKER = re.compile(r"<unresolved [^>]*>|\{\{resolve:[^}]*\}\}")
OWNERSHIP_NOTE = (
    "an ownership tag: while it names another owner, the stack's handler leaves the resource alone (an update of "
    "it fails, a delete keeps it); restore it to the template's value"
)


@dataclass
class Finding:
    """One row: a difference, a field that cannot be told offline (``why``), or a resource not compared."""

    region: str
    stack: str
    resource: str  # the logical id
    kind: str  # the command's name of its type: custom-model, custom-model-deployment ...
    arn: str = ""
    field: str = ""  # name, model, KMS key, tag <key>, resource (gone)
    template: str = ""
    bedrock: str = ""
    why: str = ""
    ownership: bool = False

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value != "" or key in ("template", "bedrock")}


@dataclass
class StackNote:
    region: str
    name: str
    status: str
    compared: int = 0
    note: str = ""  # why nothing was compared


@dataclass
class Report:
    regions: list[str]
    now: dt.datetime
    stacks: list[StackNote] = field(default_factory=list)
    differences: list[Finding] = field(default_factory=list)
    unknown: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return sum(stack.compared for stack in self.stacks)

    def as_json(self) -> dict[str, Any]:
        return {
            "regions": self.regions,
            "asOf": self.now.astimezone(dt.UTC).isoformat(),
            "drifted": bool(self.differences),
            "stacks": [asdict(stack) for stack in self.stacks],
            "differences": [finding.as_json() for finding in self.differences],
            "cannotTellOffline": [finding.as_json() for finding in self.unknown],
            "notCompared": [finding.as_json() for finding in self.skipped],
        }


def _text(value: Any) -> str:
    """A value as the report shows it: an answer's field as its attribute reads, a structure as JSON."""
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, default=str)
    return text(value)


def unresolved(value: Any) -> str:
    """Why ``value`` (a resolved property) cannot be told offline; "" when it is fully resolved."""
    found = _MARKER.search(_text(value))
    if found is None:
        return ""
    marker = found.group(0)
    if marker.startswith("{{"):
        return f"{marker}: a dynamic reference, resolved at deploy time; CloudFormation does not report that value"
    return f"{marker[1:-1].removeprefix('unresolved ')}: CloudFormation does not report what this resolved to"


def same(how: str, template: str, bedrock: str) -> tuple[bool, str]:
    """Whether ``template`` and ``bedrock`` say the same (``how``: kinds/fleet.py), or why that cannot be told."""
    from .._lambda.model_copy.kinds.fleet import KMS_KEY

    if how != KMS_KEY or not template:
        return template == bedrock, ""
    if template.startswith("alias/") or ":alias/" in template:
        return False, f"{template} is an alias: Bedrock reports the key it named when the model was made"
    if template.startswith("arn:"):
        return template == bedrock, ""
    return bedrock.endswith(f":key/{template}"), ""  # a key id


def _shown(how: str, value: str) -> str:
    from .._lambda.model_copy.kinds.fleet import KMS_KEY

    return value or ("(AWS owned key)" if how == KMS_KEY else "(none)")


def label(kind: Kind) -> str:
    """The command's name of what a kind's resource is (its listing that is not a running job), else its name."""
    return next((listing.label for listing in kind.listings if not listing.running), kind.name)


class Reader:
    """The Gets, tags and exports of one Region, each read once (``None``: the Get answered not-found)."""

    def __init__(self, aws: Aws, region: str) -> None:
        self.aws, self.region = aws, region
        self._answers: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._exports: dict[str, str] | None = None

    def get(self, operation: str, parameter: str, identifier: str, *, again: bool = False) -> dict[str, Any] | None:
        key = (operation, identifier)
        if again or key not in self._answers:
            try:
                answer = self.aws.call("bedrock", self.region, snake(operation), **{parameter: identifier})
            except CliError as error:
                if error.code != NOT_FOUND:
                    raise
                answer = None
            self._answers[key] = answer
        return self._answers[key]

    def tags(self, arn: str) -> dict[str, str] | None:
        try:
            answer = self.aws.call("bedrock", self.region, "list_tags_for_resource", resourceARN=arn)
        except CliError as error:
            if error.code != NOT_FOUND:
                raise
            return None
        return tag_map(answer.get("tags"))

    def exports(self) -> Mapping[str, str]:
        if self._exports is None:
            pages = self.aws.pages("cloudformation", self.region, "list_exports", "Exports")
            self._exports = {str(export["Name"]): str(export.get("Value", "")) for export in pages}
        return self._exports


class Drift:
    """Compares every live stack's resources of the kinds in ``KINDS`` with Bedrock (see the module)."""

    def __init__(self, aws: Aws, now: dt.datetime) -> None:
        from .._lambda.model_copy.kinds import KINDS

        self.aws, self.now = aws, now
        self.types = {kind.resource_type for kind in KINDS}

    def collect(self, regions: list[str], only: str | None = None) -> Report:
        report = Report(regions, self.now)
        for region in regions:
            reader = Reader(self.aws, region)
            for stack in live_stacks(self.aws, region, self.types, only):
                report.stacks.append(self._stack(stack, reader, report))
        if only and not report.stacks:
            where = ", ".join(regions)
            raise CliError(EXIT_USAGE, f"No live stack named {only!r} in {where} declares a resource of this library.")
        return report

    def _stack(self, stack: LiveStack, reader: Reader, report: Report) -> StackNote:
        note = StackNote(stack.region, stack.name, stack.status)
        if stack.in_progress:
            note.note = f"{stack.status}: its resources are changing; run drift again when it ends"
            return note
        if stack.problem:
            note.note = stack.problem
            return note
        visiting: set[str] = set()

        def attribute(logical_id: str, name: str) -> str | None:
            if logical_id in visiting:
                return None
            visiting.add(logical_id)
            try:
                return self._attribute(stack, resolver, reader, logical_id, name)
            finally:
                visiting.discard(logical_id)

        resolver = StackResolver(stack, attribute, reader.exports)
        for resource in stack.resources:
            if resource.type in self.types:
                note.compared += self._resource(stack, resource, resolver, reader, report)
        return note

    def _kind(self, props: Mapping[str, Any]) -> tuple[Kind, bool] | str:
        from .._lambda.model_copy.aws import HandlerError
        from .._lambda.model_copy.kinds import of

        try:
            return of(props)
        except HandlerError as error:
            return f"its properties name no kind this version knows ({error})"

    def _attribute(
        self, stack: LiveStack, resolver: StackResolver, reader: Reader, logical_id: str, name: str
    ) -> str | None:
        """``Fn::GetAtt`` of a resource of the kinds: the kind's attributes of its Get, as the handler answered."""
        resource = stack.resource(logical_id)
        if resource is None or resource.type not in self.types:
            return None
        props = resolver.properties(logical_id)
        found = self._kind(props)
        if isinstance(found, str) or found[0].drift is None:
            return None
        kind, result = found
        arn = kind.result_arn(props) if result else resource.physical_id
        operation, parameter = kind.drift.read if kind.drift else ("", "")
        if not operation or unresolved(arn):
            return None
        raw = reader.get(operation, parameter, arn)
        return None if raw is None else kind.attributes(raw).get(name)

    def _resource(
        self, stack: LiveStack, resource: StackResource, resolver: StackResolver, reader: Reader, report: Report
    ) -> int:
        """Compare one resource; 1 when it was compared."""
        props = resolver.properties(resource.logical_id)
        found = self._kind(props)
        row = Finding(stack.region, stack.name, resource.logical_id, resource.type, resource.physical_id)
        if isinstance(found, str):
            report.skipped.append(_with(row, why=found))
            return 0
        kind, result = found
        row.kind = label(kind)
        if result:
            why = "a long wait's Result resource: it reads the resource its wait made, compared as that one"
            report.skipped.append(_with(row, why=why))
            return 0
        drift = kind.drift
        if drift is None or drift.none:
            report.skipped.append(_with(row, why=drift.none if drift else f"{kind.name} gives drift nothing to read"))
            return 0
        if kind.arn_marker not in resource.physical_id:
            report.skipped.append(_with(row, why=f"its physical id is not a {kind.noun} ARN"))
            return 0
        raw = reader.get(*drift.read, resource.physical_id)
        if raw is None:
            report.differences.append(_gone(row, resource.physical_id, drift.read[0]))
            return 1
        product = kind.product(raw)
        if not product:
            why = f"{kind.noun} {resource.physical_id} is {kind.status(raw)}: it has made nothing to compare yet"
            report.skipped.append(_with(row, why=why))
            return 0
        row.arn = product
        answer: dict[str, Any] | None = raw
        read = drift.product_read if drift.product_read[0] else drift.read
        if drift.product_read[0]:
            answer = reader.get(*read, product)
        if answer is None:
            report.differences.append(_gone(row, product, read[0]))
            return 1
        values = kind.drift_values(answer)
        for compared in drift.fields:
            wanted = props.get(compared.property)
            why = unresolved(wanted)
            if why:
                report.unknown.append(_with(row, field=compared.label, template=_text(wanted), why=why))
                continue
            template, bedrock = _text(wanted), _text(values.get(compared.answer))
            equal, why = same(compared.how, template, bedrock)
            if why:
                report.unknown.append(_with(row, field=compared.label, template=template, why=why))
            elif not equal:
                shown = _with(row, field=compared.label, template=_shown(compared.how, template))
                report.differences.append(_with(shown, bedrock=_shown(compared.how, bedrock)))
        if drift.tags:
            tags = reader.tags(product)
            if tags is None:  # not found: only the Get may say it is gone (M9)
                if reader.get(*read, product, again=True) is None:
                    report.differences.append(_gone(row, product, read[0]))
                    return 1
                raise CliError(EXIT_AWS_ERROR, f"bedrock:ListTagsForResource answered {NOT_FOUND} for {product}, "
                               f"which {read[0]} still describes: run drift again")  # fmt: skip
            self._tags(kind, stack, row, props, tags, report)
        return 1

    def _tags(
        self, kind: Kind, stack: LiveStack, row: Finding, props: Mapping[str, Any], tags: dict[str, str], report: Report
    ) -> None:
        """The ownership tags the handler wrote and the template's tags, against the product's tags now."""
        from .._lambda.model_copy.engine.ownership import user_tags

        owner = {OWNER_TAG_KEY: stack.name, OWNER_RESOURCE_TAG_KEY: row.resource}
        fingerprint = kind.fingerprint(props)
        why = unresolved({key: props.get(key) for key in kind.identity})
        if fingerprint and why:
            report.unknown.append(_with(row, field=f"tag {COPY_REQUEST_TAG_KEY}", why=why))
        elif fingerprint:
            owner[COPY_REQUEST_TAG_KEY] = fingerprint
        for key, value in owner.items():
            if tags.get(key, "") != value:
                shown = _with(row, field=f"tag {key}", template=value, bedrock=tags.get(key) or "(none)")
                report.differences.append(_with(shown, ownership=True, why=OWNERSHIP_NOTE))
        declared = props.get(kind.tags_property) or {} if kind.tags_property else {}
        if not isinstance(declared, Mapping):
            why = unresolved(declared) or "the tags are not a map of keys to values"
            report.unknown.append(_with(row, field="tags", template=_text(declared), why=why))
            return
        wanted, have = user_tags(declared), user_tags(tags)
        for key in sorted(set(wanted) | set(have)):
            why = unresolved(wanted.get(key))
            if why:
                report.unknown.append(_with(row, field=f"tag {key}", template=wanted[key], why=why))
            elif wanted.get(key) != have.get(key):
                shown = _with(row, field=f"tag {key}", template=wanted.get(key) or "(none)")
                report.differences.append(_with(shown, bedrock=have.get(key) or "(none)"))


def _with(row: Finding, **changes: Any) -> Finding:
    return Finding(**{**asdict(row), **changes})


def _gone(row: Finding, arn: str, operation: str) -> Finding:
    return _with(row, arn=arn, field="resource", template=arn, bedrock=f"gone ({operation}: {NOT_FOUND})")
