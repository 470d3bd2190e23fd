"""What the fake's serving operations keep and how requests reach them (see :mod:`.fake_serving`).

Routes of the deployment, Provisioned Throughput and runtime (``InvokeModel``) requests, and the
records the fake keeps of each resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

DEPLOYMENTS = "/model-customization/custom-model-deployments"
THROUGHPUT = "/provisioned-model-throughput"
THROUGHPUTS = "/provisioned-model-throughputs"
DAY = 86400.0
COMMITMENT_SECONDS = {"OneMonth": 30 * DAY, "SixMonths": 182 * DAY}
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")
OPERATIONS = frozenset(
    {
        "CreateCustomModelDeployment",
        "GetCustomModelDeployment",
        "UpdateCustomModelDeployment",
        "DeleteCustomModelDeployment",
        "ListCustomModelDeployments",
        "CreateProvisionedModelThroughput",
        "GetProvisionedModelThroughput",
        "UpdateProvisionedModelThroughput",
        "DeleteProvisionedModelThroughput",
        "ListProvisionedModelThroughputs",
        "InvokeModel",  # bedrock-runtime, on the same loopback endpoint (AWS_ENDPOINT_URL_BEDROCK_RUNTIME)
    }
)
TAG_OPERATIONS = frozenset({"TagResource", "UntagResource", "ListTagsForResource"})


def route(method: str, path: str, query: dict[str, str], payload: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The operation and its parameters for a serving request; None for anything else."""
    if method == "POST" and path.startswith("/model/") and path.endswith("/invoke"):
        return "InvokeModel", {"modelId": unquote(path[len("/model/") : -len("/invoke")]), "body": payload}
    for base, single, name in (
        (DEPLOYMENTS, DEPLOYMENTS, "CustomModelDeployment"),
        (THROUGHPUTS, THROUGHPUT, "ProvisionedModelThroughput"),
    ):
        key = "customModelDeploymentIdentifier" if name == "CustomModelDeployment" else "provisionedModelId"
        if path == base and method == "GET":
            return f"List{name}s", query
        if path == single and method == "POST":
            return f"Create{name}", payload
        if path.startswith(single + "/"):
            verb = {"GET": "Get", "PATCH": "Update", "DELETE": "Delete"}.get(method)
            if verb:
                return f"{verb}{name}", {**payload, key: unquote(path[len(single) + 1 :])}
    return None


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


class ServingError(Exception):
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message
