"""What the fake keeps of each deployment and Provisioned Throughput (:mod:`.serving` answers for them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    """A deployment or Provisioned Throughput as the fake keeps it."""

    kind: str  # "deployment" | "throughput"
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

    def status(self, now: float) -> str:
        if now < self.created_at + self.script.duration:
            return "Creating"
        return self.script.outcome

    def settle(self, now: float) -> None:
        if self.pending and now >= self.pending["done_at"]:
            if self.pending["outcome"] != "UpdateFailed":
                self.model_arn = self.pending.get("model_arn") or self.model_arn
                self.name = self.pending.get("name") or self.name
            self.updated_at = self.pending["done_at"]
            self.pending["settled"] = True
