"""CloudFormation's API as the fake answers it (query protocol, XML): the stacks the driver deploys.

- ``DescribeStacks`` by stack id (a deleted stack too: it answers with the status the driver sets for
  each phase of a stack operation, ``stack_statuses``) or by name (the newest stack of that name that is
  not deleted; otherwise ``ValidationError: Stack with id <name> does not exist``), with the template's
  parameters as the driver resolved them (``NoEcho`` ones as asterisks, an SSM type's ``ResolvedValue``);
- ``ListStacks`` (pages of :data:`STACK_PAGE_SIZE`, ``StackStatusFilter``) and ``ListExports`` (the
  exports of the driver's stacks, :mod:`..cfn.exports`);
- ``ListStackResources`` (pages of :data:`STACK_PAGE_SIZE`): what a driver stack has now (``stacks``:
  a :class:`~..cfn.stack.CloudFormationStack`, or ``{logical id: (type, physical id[, status])}``), a
  WaitCondition it is still creating, and a resource of its template the kit does not deploy (a KMS key)
  whose ``Ref`` the test gave (``TemplateValues.refs``: its physical id);
- ``GetTemplate``: the template the driver deployed (a stack made resource by resource with ``create``:
  those resources and the properties they were sent);
- ``DescribeStackResource`` and ``SignalResource`` of the WaitConditions the driver is creating
  (:class:`WaitConditionState`): a resource CloudFormation has not started creating is unknown, and a
  signal to a wait that is not ``CREATE_IN_PROGRESS`` is refused (docs/aws-behaviour.md).

IAM: ``cloudformation:<Action>`` on the stack's id (by name: ``arn:...:stack/<name>/*`` when none exists);
``ListStacks`` and ``ListExports`` on ``*``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from xml.sax.saxutils import escape

from .._shared import Clock, iso
from .service import Call, Check, Request, ServiceError, page

STACK_PAGE_SIZE = 2  # ListStackResources page size in the fake (small: callers must follow NextToken)
OPERATIONS = (
    "DescribeStacks", "DescribeStackResource", "SignalResource", "ListStackResources", "ListStacks", "GetTemplate",
    "ListExports",
)  # fmt: skip


@dataclass
class Signal:
    """One SignalResource a WaitCondition received."""

    unique_id: str
    status: str
    at: float


@dataclass
class WaitConditionState:
    """A WaitCondition with a CreationPolicy, as CloudFormation keeps it while creating it."""

    stack_id: str
    logical_id: str
    count: int
    status: str = "CREATE_IN_PROGRESS"
    signals: list[Signal] = field(default_factory=list)
    metadata: dict[str, Any] | None = None  # the template's Metadata (DescribeStackResource returns it as text)
    resource_type: str = "AWS::CloudFormation::WaitCondition"

    @property
    def successes(self) -> int:
        return len({s.unique_id for s in self.signals if s.status == "SUCCESS"})

    @property
    def failure(self) -> Signal | None:
        return next((s for s in self.signals if s.status == "FAILURE"), None)


class Account(Protocol):
    """What the CloudFormation operations read of the fake they belong to."""

    region: str
    account: str
    clock: Clock
    stack_statuses: dict[str, str]
    wait_conditions: dict[tuple[str, str], WaitConditionState]
    stacks: dict[str, Any]
    exports: dict[str, Any]


def find_stack(statuses: dict[str, str], name_or_id: str) -> str | None:
    """The id of the stack CloudFormation would find by name or id (the newest that is not deleted)."""
    if name_or_id in statuses:
        return None if statuses[name_or_id] == "DELETE_COMPLETE" else name_or_id
    live = [
        stack_id
        for stack_id, status in statuses.items()
        if _name(stack_id) == name_or_id and status != "DELETE_COMPLETE"
    ]
    return live[-1] if live else None


def _name(stack_id: str) -> str:
    return stack_id.split(":stack/", 1)[-1].split("/", 1)[0]


def _fields(**values: str) -> str:
    return "".join(f"<{key}>{escape(value)}</{key}>" for key, value in values.items())


class CloudFormation:
    """The stack reads, ``SignalResource`` and WaitConditions (a :class:`~.service.Service`)."""

    def __init__(self, fake: Account) -> None:
        self.fake = fake

    def route(self, request: Request) -> Call | None:
        return (
            Call(request.action, request.form) if request.protocol == "query" and request.action in OPERATIONS else None
        )

    def _stack(self, name: str, operation: str) -> str | None:
        """The stack a call names: by id for DescribeStacks (deleted ones too), else as :func:`find_stack` finds it."""
        statuses = self.fake.stack_statuses
        if operation == "DescribeStacks" and name.startswith("arn:"):
            return name if name in statuses else None
        return find_stack(statuses, name)

    def authorize(self, call: Call) -> list[Check]:
        if call.operation in ("ListStacks", "ListExports"):
            return [Check(f"cloudformation:{call.operation}", "*")]
        name = call.params.get("StackName", "")
        found = self._stack(name, call.operation)
        by_id = call.operation == "DescribeStacks" and name.startswith("arn:")
        if call.operation in ("SignalResource", "DescribeStackResource") or by_id:
            resource = found or name
        else:
            resource = found or f"arn:aws:cloudformation:{self.fake.region}:{self.fake.account}:stack/{name}/*"
        return [Check(f"cloudformation:{call.operation}", resource)]

    def handle(self, call: Call) -> tuple[int, Any]:
        params = call.params
        name, logical_id = params.get("StackName", ""), params.get("LogicalResourceId", "")
        stack_id = self._stack(name, call.operation)
        if call.operation == "SignalResource":
            return 200, self._signal(stack_id, name, logical_id, params)
        if call.operation == "DescribeStackResource":
            return 200, self._describe_resource(stack_id, name, logical_id)
        if call.operation in ("ListStacks", "ListExports"):
            return 200, self._list_stacks(params) if call.operation == "ListStacks" else self._list_exports(params)
        if stack_id is None:
            raise ServiceError("ValidationError", 400, f"Stack with id {name} does not exist")
        now = iso(self.fake.clock.time())
        if call.operation == "DescribeStacks":
            status = self.fake.stack_statuses[stack_id]
            member = _fields(StackName=_name(stack_id), StackId=stack_id, CreationTime=now, StackStatus=status)
            member += f"<Parameters>{self._parameters(stack_id)}</Parameters>"
            return 200, f"<DescribeStacksResult><Stacks><member>{member}</member></Stacks></DescribeStacksResult>"
        if call.operation == "GetTemplate":
            body = escape(json.dumps(self._template(stack_id)))
            return 200, f"<GetTemplateResult><TemplateBody>{body}</TemplateBody></GetTemplateResult>"
        resources = [
            _fields(LogicalResourceId=lid, PhysicalResourceId=physical, ResourceType=kind)
            + _fields(LastUpdatedTimestamp=now, ResourceStatus=status)
            for lid, kind, physical, status in self._resources(stack_id)
        ]
        found = page(resources, params, "Members", STACK_PAGE_SIZE, "NextToken")
        members = "".join(f"<member>{member}</member>" for member in found["Members"])
        token = f"<NextToken>{found['NextToken']}</NextToken>" if "NextToken" in found else ""
        return 200, (
            f"<ListStackResourcesResult><StackResourceSummaries>{members}</StackResourceSummaries>{token}"
            "</ListStackResourcesResult>"
        )

    def _signal(self, stack_id: str | None, name: str, logical_id: str, params: dict[str, str]) -> str:
        if stack_id is None:
            raise ServiceError("ValidationError", 400, f"Stack {name} does not exist")
        wait = self.fake.wait_conditions.get((stack_id, logical_id))
        if wait is None:
            raise ServiceError("ValidationError", 400, f"Resource {logical_id} does not exist for stack {name}")
        if wait.status != "CREATE_IN_PROGRESS":
            message = f"Resource {logical_id} is in {wait.status} state and can not be signaled"
            raise ServiceError("ValidationError", 400, message)
        unique_id, status = params.get("UniqueId", ""), params.get("Status", "")
        if not 1 <= len(unique_id) <= 64 or status not in ("SUCCESS", "FAILURE"):
            message = "UniqueId must be 1 to 64 characters and Status SUCCESS or FAILURE"
            raise ServiceError("ValidationError", 400, message)
        wait.signals.append(Signal(unique_id, status, self.fake.clock.time()))
        return ""

    def _describe_resource(self, stack_id: str | None, name: str, logical_id: str) -> str:
        """A WaitCondition the driver created. One CloudFormation has not started creating is unknown (the
        conservative answer: the documentation does not say what it answers before then), as after its delete."""
        wait = self.fake.wait_conditions.get((stack_id or "", logical_id))
        if stack_id is None or wait is None or wait.status == "DELETE_COMPLETE":
            raise ServiceError("ValidationError", 400, f"Resource {logical_id} does not exist for stack {name}")
        metadata = "" if wait.metadata is None else f"<Metadata>{escape(json.dumps(wait.metadata))}</Metadata>"
        detail = _fields(
            StackName=_name(stack_id),
            StackId=stack_id,
            LogicalResourceId=logical_id,
            PhysicalResourceId=f"{stack_id}/{logical_id}",
            ResourceType=wait.resource_type,
            LastUpdatedTimestamp=iso(self.fake.clock.time()),
            ResourceStatus=wait.status,
        )
        return (
            f"<DescribeStackResourceResult><StackResourceDetail>{detail}{metadata}</StackResourceDetail>"
            "</DescribeStackResourceResult>"
        )

    def _resources(self, stack_id: str) -> list[tuple[str, str, str, str]]:
        """(logical id, type, physical id, status) of what a stack has (a driver stack, or a plain dict)."""
        stack = self.fake.stacks.get(stack_id)
        if stack is None:
            return []
        if isinstance(stack, dict):  # {logical id: (type, physical id[, status])}
            return [(logical_id, *[*value, "CREATE_COMPLETE"][:3]) for logical_id, value in stack.items()]
        types = {lid: res.get("Type", "") for lid, res in (stack.template.get("Resources") or {}).items()}
        types.update(stack.resource_types)
        items = [
            (lid, types.get(lid) or _custom_type(res.properties), res.physical_resource_id, "CREATE_COMPLETE")
            for lid, res in stack.resources.items()
        ]
        values = getattr(stack, "values", None)
        refs = values.refs if values else {}  # resources the kit does not deploy: the Ref the test gave
        items += [
            (lid, types[lid], str(refs[lid]), "CREATE_COMPLETE")
            for lid in types
            if lid in refs and lid not in stack.resources
        ]
        # A WaitCondition the stack is still creating is listed CREATE_IN_PROGRESS (no physical id yet).
        return items + [
            (logical_id, wait.resource_type, "", wait.status)
            for (owner, logical_id), wait in self.fake.wait_conditions.items()
            if owner == stack_id and logical_id not in stack.resources and wait.status == "CREATE_IN_PROGRESS"
        ]

    def _list_stacks(self, params: dict[str, str]) -> str:
        wanted = {value for key, value in params.items() if key.startswith("StackStatusFilter.member.")}
        found = [
            _fields(StackId=stack_id, StackName=_name(stack_id), CreationTime=iso(0), StackStatus=status)
            for stack_id, status in self.fake.stack_statuses.items()
            if not wanted or status in wanted
        ]
        return _members("ListStacks", "StackSummaries", page(found, params, "Members", STACK_PAGE_SIZE, "NextToken"))

    def _list_exports(self, params: dict[str, str]) -> str:
        found = [
            _fields(ExportingStackId=self._stack(export.stack_name, "") or "", Name=name, Value=export.value)
            for name, export in self.fake.exports.items()
            if export.value is not None
        ]
        return _members("ListExports", "Exports", page(found, params, "Members", STACK_PAGE_SIZE, "NextToken"))

    def _parameters(self, stack_id: str) -> str:
        """The template's parameters as the driver resolved them (``Parameters`` of ``DescribeStacks``)."""
        stack = self.fake.stacks.get(stack_id)
        template, values = getattr(stack, "template", None) or {}, getattr(stack, "values", None)
        members = []
        for key, spec in (template.get("Parameters") or {}).items():
            given = values.refs.get(key, spec.get("Default", "")) if values else spec.get("Default", "")
            shown = _fields(ParameterKey=key, ParameterValue="****" if spec.get("NoEcho") else str(given))
            if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value<") and values:
                shown += _fields(ResolvedValue=str(values.ssm_parameters.get(str(given), given)))
            members.append(f"<member>{shown}</member>")
        return "".join(members)

    def _template(self, stack_id: str) -> dict[str, Any]:
        stack = self.fake.stacks.get(stack_id)
        if getattr(stack, "template", None):
            return dict(stack.template)  # type: ignore[union-attr]
        resources: dict[str, dict[str, Any]] = {lid: {"Type": kind} for lid, kind, _, _ in self._resources(stack_id)}
        for lid, resource in getattr(stack, "resources", {}).items():
            resources[lid]["Properties"] = dict(resource.properties)
        return {"Resources": resources}


def _members(operation: str, key: str, found: dict[str, Any]) -> str:
    members = "".join(f"<member>{member}</member>" for member in found["Members"])
    token = f"<NextToken>{found['NextToken']}</NextToken>" if "NextToken" in found else ""
    return f"<{operation}Result><{key}>{members}</{key}>{token}</{operation}Result>"


def _custom_type(properties: dict[str, Any]) -> str:
    """A custom resource's type, from its properties, for a stack deployed without a template (``create``)."""
    from ..._lambda.model_copy.aws import HandlerError
    from ..._lambda.model_copy.kinds import of

    try:
        return of(properties)[0].resource_type
    except HandlerError:
        return ""
