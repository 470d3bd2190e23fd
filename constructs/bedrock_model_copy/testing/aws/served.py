"""What the fake keeps of each deployment and Provisioned Throughput, and how Get and List describe them
(:mod:`.serving` answers for them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._shared import Clock, iso

# The kinds of resource the serving fake keeps (``FakeBedrock.serving.of_kind(DEPLOYMENT)``).
DEPLOYMENT = "deployment"  # a custom model deployment (on demand)
THROUGHPUT = "throughput"  # a Provisioned Throughput
SERVED_KINDS = (DEPLOYMENT, THROUGHPUT)


def check_kind(kind: str) -> None:
    """Raise ``ValueError`` unless ``kind`` is one of :data:`SERVED_KINDS` (a misspelt kind would find nothing)."""
    if kind not in SERVED_KINDS:
        raise ValueError(
            f"kind {kind!r} is not a kind of the serving fake; use DEPLOYMENT ({DEPLOYMENT!r}) or THROUGHPUT "
            f"({THROUGHPUT!r}) from bedrock_model_copy.testing"
        )


DAY = 86400.0
COMMITMENT_SECONDS = {"OneMonth": 30 * DAY, "SixMonths": 182 * DAY}
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")


@dataclass
class Script:
    """How the next resource of a given name behaves."""

    duration: float
    outcome: str
    failure_message: str = ""


@dataclass
class Served:
    """A deployment or Provisioned Throughput as the fake keeps it.

    ``kind`` is :data:`DEPLOYMENT` or :data:`THROUGHPUT`; ``arn``, ``name``, ``model_arn`` (the model it
    serves now), ``tags``, ``model_units`` and ``commitment`` are what Bedrock would describe;
    :meth:`status` is its status at a time.
    """

    kind: str  # DEPLOYMENT | THROUGHPUT
    arn: str
    name: str
    model_arn: str
    tags: dict[str, str]
    created_at: float
    script: Script
    token: str = ""
    fingerprint: str = ""
    description: str = ""
    model_units: int = 0
    commitment: str = ""
    pending: dict[str, Any] = field(default_factory=dict)  # update: model_arn, name, done_at, outcome
    deleting_until: float | None = None
    updated_at: float = 0.0
    clock: Clock | None = field(default=None, repr=False, compare=False)  # the fake's, for status()
    # A deployment's top-level modelArn as Bedrock reports it, when it no longer names what it serves (S15).
    reported_model_arn: str = ""

    def commitment_expiry(self, now: float, *, renews: bool) -> float | None:
        """When the commitment Bedrock reports at ``now`` ends (None without one).

        Renewing (docs/aws-behaviour.md S13): the end of the term ``now`` falls in, one more term ahead
        each time a term ends; not renewing: the end of the first term, in the past once it has passed.
        """
        if not self.commitment:
            return None
        term = COMMITMENT_SECONDS[self.commitment]
        first = self.created_at + term
        if not renews or now < first:
            return first
        return first + term * (1 + int((now - first) // term))

    def status(self, now: float | None = None) -> str:
        """Its status: ``Creating`` until its scripted duration has passed, then the scripted outcome
        (``Active`` or ``InService``, or ``Failed``).

        ``now`` is a time of the fake's clock; omitted, the fake's clock now (``item.status()``).
        """
        if now is None:
            if self.clock is None:
                raise ValueError("this Served has no clock: give the time, status(fake.clock.time())")
            now = self.clock.time()
        if now < self.created_at + self.script.duration:
            return "Creating"
        return self.script.outcome

    def settle(self, now: float) -> None:
        """Apply an update that has completed by ``now`` (the model or name it moved to)."""
        if self.pending and now >= self.pending["done_at"]:
            if self.pending["outcome"] != "UpdateFailed":
                self.model_arn = self.pending.get("model_arn") or self.model_arn
                self.name = self.pending.get("name") or self.name
            self.updated_at = self.pending["done_at"]
            self.pending["settled"] = True


def deployment_body(item: Served, now: float, *, summary: bool, messages: bool) -> dict[str, Any]:
    """GetCustomModelDeployment's answer (a List summary with ``summary``); ``messages``: an UpdateFailed's message."""
    status = item.status(now)
    body: dict[str, Any] = {
        "customModelDeploymentArn": item.arn,
        ("customModelDeploymentName" if summary else "modelDeploymentName"): item.name,
        "modelArn": item.reported_model_arn or item.model_arn,
        "createdAt": iso(item.created_at),
        "status": status,
    }
    if item.updated_at:
        body["lastUpdatedAt"] = iso(item.updated_at)
    if status == "Failed":
        body["failureMessage"] = item.script.failure_message or "Deployment failed"
    if item.pending and not summary:
        update_status = item.pending["outcome"] if item.pending.get("settled") else "Updating"
        body["updateDetails"] = {"modelArn": item.pending["model_arn"], "updateStatus": update_status}
        if update_status == "UpdateFailed" and messages:
            body["failureMessage"] = item.pending.get("failure_message") or "Update failed"
    if item.description and not summary:
        body["description"] = item.description
    return body


def throughput_body(item: Served, now: float, region: str, *, summary: bool, renews: bool) -> dict[str, Any]:
    """GetProvisionedModelThroughput's answer (a List summary with ``summary``); ``renews``: S13's answer."""
    status = item.status(now)
    if status == "InService" and item.pending and not item.pending.get("settled"):
        status = "Updating"
    body: dict[str, Any] = {
        "modelUnits": item.model_units,
        "desiredModelUnits": item.model_units,
        "provisionedModelName": item.name,
        "provisionedModelArn": item.arn,
        "modelArn": item.model_arn,
        "desiredModelArn": item.pending.get("model_arn") or item.model_arn if item.pending else item.model_arn,
        "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/amazon.nova-lite-v1:0:300k",
        "status": status,
        "creationTime": iso(item.created_at),
        "lastModifiedTime": iso(item.updated_at or item.created_at),
    }
    expiry = item.commitment_expiry(now, renews=renews)
    if expiry is not None:
        body["commitmentDuration"] = item.commitment
        body["commitmentExpirationTime"] = iso(expiry)
    if status == "Failed" and not summary:
        body["failureMessage"] = item.script.failure_message or "Provisioning failed"
    return body
