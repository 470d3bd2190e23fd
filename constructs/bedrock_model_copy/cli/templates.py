"""Live stacks as CloudFormation deployed them, and their resources' properties resolved as it resolved them.

``drift`` compares what a template says with what Bedrock has, but CloudFormation reports no resolved
property of a custom resource (docs/aws-behaviour.md C8, C10): the command reads the template
(``GetTemplate``, processed) and resolves it again with the library's one resolver
(:mod:`.._intrinsics`, lenient: what it cannot know becomes an ``<unresolved ...>`` marker), fed with what
CloudFormation does report of the stack:

- ``Ref`` of a parameter: its value from ``DescribeStacks`` (``ResolvedValue`` for an SSM parameter type: the
  value CloudFormation used); a ``NoEcho`` parameter is reported as asterisks, so it stays unresolved;
- ``Ref`` of a resource: its physical id (``ListStackResources``);
- ``Fn::GetAtt`` of a resource of this library's kinds: read from Bedrock with the kind's Get, as the handler
  answered it (``attribute``, given by the caller); of an ``AWS::KMS::Key``: its ``Arn`` and ``KeyId`` follow
  from its physical id (:data:`DERIVED`); of anything else: unresolved;
- ``Fn::ImportValue``: the account's exports (``ListExports``; an export another stack imports cannot change,
  C9); pseudo parameters: the stack's own (its id names its account and partition).

Not resolved offline: ``NoEcho`` parameters, dynamic references (``{{resolve:...}}``: resolved at deploy time,
their value then is not reported), ``Fn::If`` and ``Fn::FindInMap``, and attributes of other resource types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._intrinsics import Resolver, TemplateValues, pseudo_parameters
from ._aws import Aws, CliError, in_threads
from .inventory import GONE_STATUSES, StackResource

# Fn::GetAtt of a resource CloudFormation made whose value follows from its physical id (what Ref returns), by
# resource type and attribute: the type's documented return values (docs/aws-behaviour.md C10).
DERIVED = {
    ("AWS::KMS::Key", "Arn"): "arn:{partition}:kms:{region}:{account}:key/{id}",
    ("AWS::KMS::Key", "KeyId"): "{id}",
}


@dataclass
class LiveStack:
    """A stack that exists, with what CloudFormation reports of it and its template."""

    region: str
    name: str
    stack_id: str
    status: str
    parameters: dict[str, str] = field(default_factory=dict)  # ParameterKey -> the value CloudFormation used
    notifications: list[str] = field(default_factory=list)
    resources: list[StackResource] = field(default_factory=list)
    template: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # why the template cannot be compared ("" when it can)

    def resource(self, logical_id: str) -> StackResource | None:
        return next((r for r in self.resources if r.logical_id == logical_id), None)

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


def live_stacks(aws: Aws, region: str, types: set[str], only: str | None = None) -> list[LiveStack]:
    """The stacks of ``region`` (or the one named ``only``) that declare a resource of one of ``types``."""
    if only:
        found = _describe(aws, region, only)
        candidates = [found] if found else []
    else:
        client = aws.client("cloudformation", region)
        live = [s for s in client.meta.service_model.shape_for("StackStatus").enum if s != "DELETE_COMPLETE"]
        summaries = aws.pages("cloudformation", region, "list_stacks", "StackSummaries", StackStatusFilter=live)
        candidates = [
            LiveStack(region, s["StackName"], s["StackId"], s["StackStatus"])
            for s in summaries
            if s.get("StackStatus") != "DELETE_COMPLETE"
        ]
    for stack, resources in zip(candidates, in_threads(lambda s: _resources(aws, s), candidates), strict=True):
        stack.resources = resources
    stacks = [stack for stack in candidates if any(r.type in types for r in stack.resources)]
    for stack in stacks:
        if not only:
            described = _describe(aws, region, stack.stack_id)
            stack.parameters, stack.notifications = (
                (described.parameters, described.notifications) if described else ({}, [])
            )
        if not stack.in_progress:
            stack.template, stack.problem = _template(aws, stack)
    return stacks


def _describe(aws: Aws, region: str, name: str) -> LiveStack | None:
    try:
        stacks = aws.call("cloudformation", region, "describe_stacks", StackName=name).get("Stacks", [])
    except CliError as error:
        if "does not exist" in str(error):
            return None
        raise
    if not stacks or stacks[0].get("StackStatus") == "DELETE_COMPLETE":
        return None
    stack = stacks[0]
    parameters = {
        str(p["ParameterKey"]): str(p.get("ResolvedValue", p.get("ParameterValue", "")))
        for p in stack.get("Parameters", [])
    }
    return LiveStack(
        region,
        stack["StackName"],
        stack["StackId"],
        stack["StackStatus"],
        parameters,
        stack.get("NotificationARNs", []),
    )


def _resources(aws: Aws, stack: LiveStack) -> list[StackResource]:
    summaries = aws.pages(
        "cloudformation", stack.region, "list_stack_resources", "StackResourceSummaries", StackName=stack.stack_id
    )
    return [
        StackResource(s["LogicalResourceId"], s.get("PhysicalResourceId", ""), s["ResourceType"], s["ResourceStatus"])
        for s in summaries
        if s["ResourceStatus"] not in GONE_STATUSES
    ]


def _template(aws: Aws, stack: LiveStack) -> tuple[dict[str, Any], str]:
    """The template CloudFormation holds for the stack (transforms processed); botocore decodes a JSON body."""
    body = aws.call("cloudformation", stack.region, "get_template", StackName=stack.stack_id, TemplateStage="Processed")
    template = body.get("TemplateBody")
    if isinstance(template, str):
        try:
            template = json.loads(template)
        except ValueError:
            return {}, "its template is not JSON (drift reads JSON templates, as CDK writes them)"
    if not isinstance(template, Mapping):
        return {}, "GetTemplate returned no template"
    return json.loads(json.dumps(template)), ""  # plain dicts (botocore gives OrderedDicts)


class StackResolver:
    """Resolves the properties of one live stack's resources as CloudFormation resolved them at its last deploy.

    ``attribute(logical_id, name)`` answers ``Fn::GetAtt`` of the stack's resources of this library's kinds (None
    when it cannot); ``exports()`` the account's exports in the Region (read once, when a template imports).
    """

    def __init__(
        self,
        stack: LiveStack,
        attribute: Callable[[str, str], str | None],
        exports: Callable[[], Mapping[str, str]],
    ) -> None:
        self.stack = stack
        arn = stack.stack_id.split(":")
        partition, account = (arn[1], arn[4]) if len(arn) > 5 else ("aws", "")
        pseudo = pseudo_parameters(
            stack_name=stack.name, region=stack.region, account=account, stack_id=stack.stack_id, partition=partition
        )
        pseudo["AWS::NotificationARNs"] = list(stack.notifications)
        self._place = {"partition": partition, "region": stack.region, "account": account}
        self._attribute, self._exports = attribute, exports
        self.resolver = Resolver(
            stack.template,
            TemplateValues(refs=self._parameters()),
            pseudo,
            self._get_att,
            self._ref,
            lenient=True,
            deployed_import=lambda name, where: self._exports().get(name),
        )

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties, resolved (``<unresolved ...>`` markers where offline cannot tell)."""
        resource = (self.stack.template.get("Resources") or {}).get(logical_id) or {}
        resolved = self.resolver.resolve(resource.get("Properties") or {}, f"{logical_id}.Properties")
        return dict(resolved) if isinstance(resolved, Mapping) else {}

    def _parameters(self) -> dict[str, Any]:
        declared: Mapping[str, Any] = self.stack.template.get("Parameters") or {}
        values: dict[str, Any] = {}
        for key, value in self.stack.parameters.items():
            spec = declared.get(key) or {}
            kind = str(spec.get("Type", ""))
            if str(spec.get("NoEcho", "")).lower() == "true":  # DescribeStacks shows it as asterisks
                values[key] = f"<unresolved Ref {key}: a NoEcho parameter, reported as asterisks>"
            elif kind == "CommaDelimitedList" or "List<" in kind:
                values[key] = value.split(",")
            else:
                values[key] = value
        return values

    def _ref(self, logical_id: str) -> str | None:
        resource = self.stack.resource(logical_id)
        return resource.physical_id if resource and resource.physical_id else None

    def _get_att(self, logical_id: str, name: str) -> str | None:
        resource = self.stack.resource(logical_id)
        if resource is None or not resource.physical_id:
            return None
        derived = DERIVED.get((resource.type, name))
        if derived:
            return derived.format(id=resource.physical_id, **self._place)
        return self._attribute(logical_id, name)
