"""What the stacks made, found through Bedrock's own list calls and ``ListTagsForResource``.

A resource belongs to this library when it carries the ownership tags of the contract (``_lambda.model_copy.contract``)
(``bedrock-model-copy:owner-stack``, and from 0.2 ``bedrock-model-copy:owner-resource``).
Its owner says one of three things about it now:

- **running**: a copy job still ``InProgress`` (its tags come from the job's
  ``targetModelTags``: a copy job has no resource tags of its own, and no model exists yet);
- **declared**: the owner stack exists (``DescribeStacks`` by name) and one of its resources
  (``ListStackResources``, every page, resources not ``DELETE_COMPLETE``/``DELETE_SKIPPED``)
  has the owner-resource logical id and a physical id that points at this resource;
  While the stack is in an ``*_IN_PROGRESS`` status it is taken to declare all it owns (a
  custom resource's physical id reaches CloudFormation only when its provider answers);
- **kept**: anything else (the stack is gone, or no longer has that resource, or that resource
  now points at another copy: a replacement or a ``RETAIN``).

How a physical id points at a resource: a ``Custom::BedrockModelCopy``'s physical id is its
copy job's ARN, and the model is that job's ``targetModelArn`` (an attribute, not the id). So a
copied model is declared when the resource's physical id is the ARN of the job that made the
model (from ``ListModelCopyJobs``; a job the list does not show is read with
``GetModelCopyJob``). A copy job is declared when the physical id is its ARN. A custom model
deployment or Provisioned Throughput is declared when the physical id is its ARN (or the
ARN's last path segment). A 0.1.0 copy has no owner-resource tag: any ``Custom::BedrockModelCopy``
of its stack may declare it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY, RESOURCE_TYPE
from ._aws import Aws, CliError, in_threads

MODEL, JOB, DEPLOYMENT, THROUGHPUT = (
    "custom-model",
    "model-copy-job",
    "custom-model-deployment",
    "provisioned-throughput",
)
DECLARED, KEPT, RUNNING = "declared", "kept", "running"
GONE_STATUSES = ("DELETE_COMPLETE", "DELETE_SKIPPED")


def tag_map(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {str(tag["key"]): str(tag["value"]) for tag in tags or []}


@dataclass
class Item:
    """One resource this library made."""

    region: str
    kind: str
    arn: str
    name: str
    status: str
    owner_stack: str
    owner_resource: str
    created: dt.datetime | None = None
    job_arn: str = ""  # a model's copy job (or the job itself)
    model_arn: str = ""  # the model a deployment or Provisioned Throughput serves
    commitment_expires: dt.datetime | None = None
    declared: bool = False
    state: str = KEPT
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
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
            "commitmentExpiresAt": _iso(self.commitment_expires),
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

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.stacks: dict[tuple[str, str], StackView] = {}
        self._job_targets: dict[str, str] = {}  # job ARN -> target model ARN

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
        aws = self.aws
        jobs = list(aws.pages("bedrock", region, "list_model_copy_jobs", "modelCopyJobSummaries"))
        made_by: dict[str, Mapping[str, Any]] = {}
        for job in sorted(jobs, key=lambda j: j["creationTime"]):  # the newest job wins
            self._job_targets[job["jobArn"]] = job.get("targetModelArn", "")
            if job.get("status") == "Completed" and job.get("targetModelArn"):
                made_by[job["targetModelArn"]] = job
        found: list[Item] = []
        for job in jobs:
            tags = tag_map(job.get("targetModelTags"))
            if job.get("status") == "InProgress" and tags.get(OWNER_TAG_KEY):
                found.append(self._item(region, JOB, job["jobArn"], job.get("targetModelName", ""), "InProgress", tags))
                found[-1].created, found[-1].job_arn = job.get("creationTime"), job["jobArn"]
        models = list(aws.pages("bedrock", region, "list_custom_models", "modelSummaries", isOwned=True))
        for model, tags in zip(models, self._tags(region, [m["modelArn"] for m in models]), strict=True):
            if tags.get(OWNER_TAG_KEY):
                item = self._item(
                    region, MODEL, model["modelArn"], model["modelName"], model.get("modelStatus", ""), tags
                )
                item.created = model.get("creationTime")
                item.job_arn = str(made_by.get(model["modelArn"], {}).get("jobArn", ""))
                found.append(item)
        found.extend(self._serving(region))
        return [item for item in found if only_stack is None or item.owner_stack == only_stack]

    def _serving(self, region: str) -> list[Item]:
        """Custom model deployments and Provisioned Throughputs with ownership tags."""
        aws, found = self.aws, []
        if aws.has_operation("bedrock", region, "list_custom_model_deployments"):
            deployments = list(
                aws.pages("bedrock", region, "list_custom_model_deployments", "modelDeploymentSummaries")
            )
            arns = [d["customModelDeploymentArn"] for d in deployments]
            for summary, tags in zip(deployments, self._tags(region, arns), strict=True):
                if tags.get(OWNER_TAG_KEY):
                    item = self._item(
                        region, DEPLOYMENT, summary["customModelDeploymentArn"],
                        summary["customModelDeploymentName"], summary["status"], tags,
                    )  # fmt: skip
                    item.created, item.model_arn = summary.get("createdAt"), summary.get("modelArn", "")
                    found.append(item)
        throughputs = list(
            aws.pages("bedrock", region, "list_provisioned_model_throughputs", "provisionedModelSummaries")
        )
        arns = [p["provisionedModelArn"] for p in throughputs]
        for summary, tags in zip(throughputs, self._tags(region, arns), strict=True):
            if tags.get(OWNER_TAG_KEY):
                item = self._item(
                    region, THROUGHPUT, summary["provisionedModelArn"], summary["provisionedModelName"],
                    summary["status"], tags,
                )  # fmt: skip
                item.created, item.model_arn = summary.get("creationTime"), summary.get("modelArn", "")
                item.commitment_expires = summary.get("commitmentExpirationTime")
                found.append(item)
        return found

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

    @staticmethod
    def _item(region: str, kind: str, arn: str, name: str, status: str, tags: Mapping[str, str]) -> Item:
        return Item(region, kind, arn, name, status, tags.get(OWNER_TAG_KEY, ""), tags.get(OWNER_RESOURCE_TAG_KEY, ""))

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
            candidates = [
                resource
                for resource in view.resources
                if resource.logical_id == item.owner_resource
                or (not item.owner_resource and resource.type == RESOURCE_TYPE)
            ]
            item.declared = any(self._points_at(resource.physical_id, item) for resource in candidates)
            if item.declared:
                item.reason = f"stack {view.name} ({view.status}) declares it as {item.owner_resource or 'a copy'}"
            elif candidates:
                item.reason = f"{item.owner_resource or 'its copy'} of stack {view.name} now points at another resource"
            else:
                item.reason = f"stack {view.name} has no resource {item.owner_resource or RESOURCE_TYPE}"
        item.state = RUNNING if item.kind == JOB else DECLARED if item.declared else KEPT

    def _points_at(self, physical_id: str, item: Item) -> bool:
        if item.kind in (DEPLOYMENT, THROUGHPUT):
            return bool(physical_id) and (physical_id == item.arn or item.arn.endswith("/" + physical_id))
        if item.kind == JOB:
            return physical_id == item.job_arn
        if item.job_arn and physical_id == item.job_arn:
            return True
        return self.job_target(item.region, physical_id) == item.arn

    def job_target(self, region: str, job_arn: str) -> str:
        """The model a copy job made (or will make); "" when ``job_arn`` is not a job Bedrock knows."""
        if ":model-copy-job/" not in job_arn:
            return ""
        if job_arn not in self._job_targets:
            try:
                job = self.aws.call("bedrock", region, "get_model_copy_job", jobArn=job_arn)
            except CliError as error:
                if "ResourceNotFoundException" not in str(error):
                    raise
                job = {}
            self._job_targets[job_arn] = str(job.get("targetModelArn", ""))
        return self._job_targets[job_arn]
