"""The fake Bedrock's serving operations: custom model deployments and Provisioned Throughput.

Plugged into :class:`~.fake_bedrock.FakeBedrock` (its router asks :func:`route`, its dispatcher and
IAM mode hand these operations to :class:`FakeServing`). Shapes follow botocore's service model
(``tests/test_fake_serving.py`` checks every response against it). Where AWS is not documented the
fake takes the answer that is harder for the code under test:

- creation and updates take simulated time (``deployment_duration``, ``throughput_duration``,
  ``update_duration``) and a delete takes ``delete_duration``, during which the resource is still
  described and a second delete is refused (ConflictException);
- a deployment that is still Creating cannot be deleted (ConflictException);
- a Provisioned Throughput under an unexpired commitment refuses delete (ValidationException: the API
  reference says it cannot be deleted, not with which code; docs/aws-behaviour.md S5);
- an idempotency token is remembered only when ``FakeBedrock.remember_tokens`` is set (default: none,
  as for copies, M3), and a name that is taken is refused with a ValidationException (S8);
- a custom model that a deployment or Provisioned Throughput serves refuses ``DeleteCustomModel``
  (ConflictException, ``refuse_model_delete_in_use``; S7), also while that server is being deleted
  (``deleting_still_serves``);
- ``InvokeModel`` (bedrock-runtime) answers through an Active deployment or an InService Provisioned
  Throughput, and refuses a customized model's own ARN; it is authorized on the resource invoked and on
  the model behind it (S9);
- IAM: creation is authorized on the model with ``aws:RequestTag`` (and, as some services require,
  ``bedrock:TagResource`` on the new resource); everything else on the resource with ``aws:ResourceTag``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._shared import Clock
from ._shared import iso as _iso
from ._shared import short_id as _short_id
from .fake_served import (
    COMMITMENT_SECONDS,
    ON_DEMAND_REGIONS,
    OPERATIONS,
    TAG_OPERATIONS,
    Script,
    Served,
    ServingError,
    route,
)
from .iam import ContextValue, PolicySet


class _Parent(Protocol):
    """What the serving operations read of the :class:`~.fake_bedrock.FakeBedrock` they are part of."""

    region: str
    account: str
    clock: Clock
    page_size: int
    remember_tokens: bool

    @property
    def models(self) -> Mapping[str, Any]: ...


__all__ = ["OPERATIONS", "TAG_OPERATIONS", "FakeServing", "Script", "Served", "ServingError", "route"]


@dataclass
class FakeServing:
    """State and behaviour of the serving operations; reach it as ``FakeBedrock.serving``."""

    parent: _Parent
    deployment_duration: float = 600.0
    throughput_duration: float = 900.0
    update_duration: float = 300.0
    delete_duration: float = 60.0
    model_unit_quota: int | None = None
    on_demand_regions: tuple[str, ...] = ON_DEMAND_REGIONS
    refuse_model_delete_in_use: bool = True
    # S7 too: a deployment or Provisioned Throughput still being deleted still serves its model (refused).
    deleting_still_serves: bool = True
    resources: dict[str, Served] = field(default_factory=dict)
    scripts: dict[str, Script] = field(default_factory=dict)
    invocations: list[tuple[str, Any]] = field(default_factory=list)

    # ------------------------------------------------------------------ scripting and reading

    def script(self, name: str, *, duration: float, outcome: str, failure_message: str = "") -> None:
        """Make the next resource named ``name`` take ``duration`` seconds and end in ``outcome``."""
        self.scripts[name] = Script(duration, outcome, failure_message)

    def named(self, name: str) -> Served | None:
        self._settle()
        return next((item for item in self.resources.values() if item.name == name), None)

    def of_kind(self, kind: str) -> list[Served]:
        self._settle()
        return [item for item in self.resources.values() if item.kind == kind]

    def owns(self, arn: str) -> bool:
        return ":custom-model-deployment/" in arn or ":provisioned-model/" in arn

    # ------------------------------------------------------------------ IAM

    def authorize(self, operation: str, params: dict[str, Any], policies: PolicySet | None) -> None:
        if policies is None:
            return
        checks: list[tuple[str, str, dict[str, ContextValue]]] = []
        base: dict[str, ContextValue] = {"aws:RequestedRegion": self.parent.region}
        if operation.startswith("List") and operation not in TAG_OPERATIONS:  # ListTagsForResource names its ARN
            checks.append((operation, "*", base))
        elif operation == "InvokeModel":
            found = self._find(params["modelId"])
            checks.append((operation, found.arn if found else params["modelId"], base))
            if found is not None:
                checks.append((operation, found.model_arn, base))
        elif operation in ("CreateCustomModelDeployment", "CreateProvisionedModelThroughput"):
            model = params.get("modelArn") or params.get("modelId") or ""
            request = {f"aws:RequestTag/{t['key']}": t["value"] for t in params.get("tags", [])}
            keys = [t["key"] for t in params.get("tags", [])]
            tagging: dict[str, ContextValue] = {**base, **request, "aws:TagKeys": keys}
            checks.append((operation, model, tagging))
            if params.get("tags"):
                checks.append(("TagResource", self._new_arn(operation, "<new>"), tagging))
        else:
            arn = params.get("resourceARN") or self._identifier_arn(params)
            found = self._find(arn)
            context: dict[str, ContextValue] = {**base}
            context.update({f"aws:ResourceTag/{key}": value for key, value in (found.tags if found else {}).items()})
            if operation == "TagResource":
                context.update({f"aws:RequestTag/{t['key']}": t["value"] for t in params.get("tags", [])})
                context["aws:TagKeys"] = [t["key"] for t in params.get("tags", [])]
            elif operation == "UntagResource":
                context["aws:TagKeys"] = list(params.get("tagKeys", []))
            checks.append((operation, found.arn if found else arn, context))
            new_model = params.get("modelArn") or params.get("desiredModelId")
            if operation.startswith("Update") and new_model:
                checks.append((operation, new_model, base))
        for action, resource, context in checks:
            if not policies.is_allowed(f"bedrock:{action}", resource, context):
                raise ServingError(
                    "AccessDeniedException",
                    403,
                    f"User: arn:aws:sts::{self.parent.account}:assumed-role/HandlerRole/handler is not authorized to "
                    f"perform: bedrock:{action} on resource: {resource} because no identity-based policy allows it",
                )

    # ------------------------------------------------------------------ dispatch

    def dispatch(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._settle()
        handler = getattr(self, "_" + "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_"))
        result: tuple[int, dict[str, Any]] = handler(params)
        return result

    def _settle(self) -> None:
        now = self.parent.clock.time()
        for arn, item in list(self.resources.items()):
            item.settle(now)
            if item.deleting_until is not None and now >= item.deleting_until:
                del self.resources[arn]

    def _new_arn(self, operation: str, seed: str) -> str:
        kind = "custom-model-deployment" if "Deployment" in operation else "provisioned-model"
        return f"arn:aws:bedrock:{self.parent.region}:{self.parent.account}:{kind}/{_short_id(kind, seed)}"

    def _identifier_arn(self, params: dict[str, Any]) -> str:
        return str(params.get("customModelDeploymentIdentifier") or params.get("provisionedModelId") or "")

    def _find(self, identifier: str) -> Served | None:
        return self.resources.get(identifier) or next(
            (item for item in self.resources.values() if item.name == identifier), None
        )

    def _get(self, identifier: str, kind: str) -> Served:
        found = self._find(identifier)
        if found is None or found.kind != kind:
            raise ServingError("ResourceNotFoundException", 404, f"Could not find {identifier}.")
        return found

    def _create(self, kind: str, params: dict[str, Any], name: str, model: str) -> Served | str:
        """The resource a token already made (its ARN), or a new one after the shared checks."""
        token = params.get("clientRequestToken", "")
        fingerprint = json.dumps({key: value for key, value in sorted(params.items()) if key != "clientRequestToken"})
        for item in self.resources.values():
            if token and self.parent.remember_tokens and item.token == token:
                if item.fingerprint != fingerprint:
                    raise ServingError("ValidationException", 400, "The client request token was reused.")
                return item.arn
        if model not in self.parent.models:
            raise ServingError("ResourceNotFoundException", 404, f"Could not find model {model}.")
        if any(item.kind == kind and item.name == name for item in self.resources.values()):
            raise ServingError("ValidationException", 400, f"A resource named {name} already exists.")
        if len(params.get("tags", [])) > 50:
            raise ServingError("TooManyTagsException", 400, "A resource may carry at most 50 tags.")
        duration = self.deployment_duration if kind == "deployment" else self.throughput_duration
        outcome = "Active" if kind == "deployment" else "InService"
        script = self.scripts.pop(name, Script(duration, outcome))
        operation = "CreateCustomModelDeployment" if kind == "deployment" else "CreateProvisionedModelThroughput"
        arn = self._new_arn(operation, f"{name}-{len(self.resources)}-{self.parent.clock.time()}")
        tags = {t["key"]: t["value"] for t in params.get("tags", [])}
        return Served(kind, arn, name, model, tags, self.parent.clock.time(), script, token, fingerprint)

    def model_in_use(self, model_arn: str) -> Served | None:
        """The deployment or Provisioned Throughput that serves ``model_arn`` (or is moving to it), if any."""
        self._settle()
        for item in self.resources.values():
            serving = item.deleting_until is None or self.deleting_still_serves
            if serving and model_arn in (item.model_arn, item.pending.get("model_arn")):
                return item
        return None

    def check_model_deletable(self, model_arn: str) -> None:
        """DeleteCustomModel of a model that is served: refused (the harder answer, S7) unless told otherwise."""
        user = self.model_in_use(model_arn) if self.refuse_model_delete_in_use else None
        if user is not None:
            raise ServingError(
                "ConflictException", 409, f"The model {model_arn} is in use by {user.arn} and cannot be deleted."
            )

    def _invoke_model(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        identifier = params["modelId"]
        found = self._find(identifier)
        now = self.parent.clock.time()
        if found is None:
            if identifier in self.parent.models and ":custom-model/imported/" not in identifier:
                raise ServingError(
                    "ValidationException",
                    400,
                    f"Invocation of model ID {identifier} with on-demand throughput isn't supported. Use a custom "
                    "model deployment or a Provisioned Throughput.",
                )
            if identifier not in self.parent.models:
                raise ServingError("ResourceNotFoundException", 404, f"Could not find model {identifier}.")
        else:
            ready = "Active" if found.kind == "deployment" else "InService"
            if found.status(now) != ready or found.deleting_until is not None:
                raise ServingError("ValidationException", 400, f"{found.arn} is {found.status(now)}, not {ready}.")
        self.invocations.append((identifier, params.get("body")))
        served = found.model_arn if found else identifier
        text = f"(fake answer of {served})"
        return 200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1},
        }

    # deployments ---------------------------------------------------------------

    def _create_custom_model_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name, model = params["modelDeploymentName"], params["modelArn"]
        base = model.split(":custom-model/", 1)[-1]
        if not base.startswith("amazon.nova-") or self.parent.region not in self.on_demand_regions:
            raise ServingError(
                "ValidationException",
                400,
                f"The model {model} is not supported for on-demand deployment in this Region.",
            )
        item = self._create("deployment", params, name, model)
        if isinstance(item, Served):
            item.description = params.get("description", "")
            self.resources[item.arn] = item
        return 202, {"customModelDeploymentArn": item if isinstance(item, str) else item.arn}

    def _deployment_body(self, item: Served, summary: bool = False) -> dict[str, Any]:
        now = self.parent.clock.time()
        status = item.status(now)
        body: dict[str, Any] = {
            "customModelDeploymentArn": item.arn,
            ("customModelDeploymentName" if summary else "modelDeploymentName"): item.name,
            "modelArn": item.model_arn,
            "createdAt": _iso(item.created_at),
            "status": status,
        }
        if item.updated_at:
            body["lastUpdatedAt"] = _iso(item.updated_at)
        if status == "Failed":
            body["failureMessage"] = item.script.failure_message or "Deployment failed"
        if item.pending and not summary:
            settled = item.pending.get("settled")
            update_status = item.pending["outcome"] if settled else "Updating"
            body["updateDetails"] = {"modelArn": item.pending["model_arn"], "updateStatus": update_status}
            if update_status == "UpdateFailed":
                body["failureMessage"] = item.pending.get("failure_message") or "Update failed"
        if item.description and not summary:
            body["description"] = item.description
        return body

    def _get_custom_model_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, self._deployment_body(self._get(params["customModelDeploymentIdentifier"], "deployment"))

    def _update_custom_model_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._get(params["customModelDeploymentIdentifier"], "deployment")
        now = self.parent.clock.time()
        if item.status(now) != "Active" or (item.pending and not item.pending.get("settled")):
            raise ServingError("ValidationException", 400, f"Deployment {item.arn} is not Active or is updating.")
        if params["modelArn"] not in self.parent.models:
            raise ServingError("ResourceNotFoundException", 404, f"Could not find model {params['modelArn']}.")
        script = self.scripts.pop(f"update:{item.name}", Script(self.update_duration, "UpdateCompleted"))
        item.pending = {"model_arn": params["modelArn"], "done_at": now + script.duration, "outcome": script.outcome}
        item.pending["failure_message"] = script.failure_message
        return 202, {"customModelDeploymentArn": item.arn}

    def _delete_custom_model_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._get(params["customModelDeploymentIdentifier"], "deployment")
        if item.status(self.parent.clock.time()) == "Creating":
            raise ServingError("ConflictException", 400, f"Deployment {item.arn} is still Creating.")
        return self._start_delete(item)

    def _start_delete(self, item: Served) -> tuple[int, dict[str, Any]]:
        if item.deleting_until is not None:
            raise ServingError("ConflictException", 400, f"{item.arn} is already being deleted.")
        item.deleting_until = self.parent.clock.time() + self.delete_duration
        return 200, {}

    def _list_custom_model_deployments(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = self._filtered("deployment", params)
        return self._page(params, "modelDeploymentSummaries", [self._deployment_body(i, True) for i in items])

    # Provisioned Throughput ----------------------------------------------------

    def _create_provisioned_model_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name, model, units = params["provisionedModelName"], params["modelId"], int(params["modelUnits"])
        in_use = sum(i.model_units for i in self.resources.values() if i.kind == "throughput")
        if (
            self.model_unit_quota is not None
            and in_use + units > self.model_unit_quota
            and not (
                self.parent.remember_tokens
                and any(i.token == params.get("clientRequestToken") for i in self.resources.values())
            )
        ):
            raise ServingError(
                "ServiceQuotaExceededException",
                400,
                f"The request exceeds the model units quota ({self.model_unit_quota}) for Provisioned Throughput.",
            )
        item = self._create("throughput", params, name, model)
        if isinstance(item, Served):
            item.model_units, item.commitment = units, params.get("commitmentDuration", "")
            self.resources[item.arn] = item
        return 201, {"provisionedModelArn": item if isinstance(item, str) else item.arn}

    def _throughput_body(self, item: Served, summary: bool = False) -> dict[str, Any]:
        now = self.parent.clock.time()
        status = item.status(now)
        if status == "InService" and item.pending and not item.pending.get("settled"):
            status = "Updating"
        foundation = "amazon.nova-lite-v1:0:300k"
        body: dict[str, Any] = {
            "modelUnits": item.model_units,
            "desiredModelUnits": item.model_units,
            "provisionedModelName": item.name,
            "provisionedModelArn": item.arn,
            "modelArn": item.model_arn,
            "desiredModelArn": item.pending.get("model_arn") or item.model_arn if item.pending else item.model_arn,
            "foundationModelArn": f"arn:aws:bedrock:{self.parent.region}::foundation-model/{foundation}",
            "status": status,
            "creationTime": _iso(item.created_at),
            "lastModifiedTime": _iso(item.updated_at or item.created_at),
        }
        if item.commitment:
            body["commitmentDuration"] = item.commitment
            body["commitmentExpirationTime"] = _iso(item.created_at + COMMITMENT_SECONDS[item.commitment])
        if status == "Failed" and not summary:
            body["failureMessage"] = item.script.failure_message or "Provisioning failed"
        return body

    def _get_provisioned_model_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, self._throughput_body(self._get(params["provisionedModelId"], "throughput"))

    def _update_provisioned_model_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._get(params["provisionedModelId"], "throughput")
        now = self.parent.clock.time()
        if item.status(now) != "InService" or (item.pending and not item.pending.get("settled")):
            raise ServingError("ValidationException", 400, f"Provisioned Throughput {item.arn} is not InService.")
        model = params.get("desiredModelId")
        if model and model not in self.parent.models:
            raise ServingError("ResourceNotFoundException", 404, f"Could not find model {model}.")
        item.pending = {
            "model_arn": model,
            "name": params.get("desiredProvisionedModelName"),
            "done_at": now + (self.update_duration if model else 0.0),
            "outcome": "UpdateCompleted",
        }
        item.settle(now)
        return 200, {}

    def _delete_provisioned_model_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._get(params["provisionedModelId"], "throughput")
        now = self.parent.clock.time()
        if item.commitment and now < item.created_at + COMMITMENT_SECONDS[item.commitment]:
            raise ServingError(
                "ValidationException",
                400,
                "A Provisioned Throughput cannot be deleted before its commitment term ends.",
            )
        return self._start_delete(item)

    def _list_provisioned_model_throughputs(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = self._filtered("throughput", params)
        return self._page(params, "provisionedModelSummaries", [self._throughput_body(i, True) for i in items])

    # shared ---------------------------------------------------------------------

    def _filtered(self, kind: str, params: dict[str, Any]) -> list[Served]:
        now = self.parent.clock.time()
        items = [item for item in self.resources.values() if item.kind == kind]
        if "nameContains" in params:
            items = [item for item in items if params["nameContains"] in item.name]
        if "modelArnEquals" in params:
            items = [item for item in items if item.model_arn == params["modelArnEquals"]]
        if "statusEquals" in params:
            items = [item for item in items if item.status(now) == params["statusEquals"]]
        items.sort(key=lambda item: item.created_at, reverse=params.get("sortOrder") == "Descending")
        return items

    def _page(self, params: dict[str, Any], key: str, bodies: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        start = int(params.get("nextToken", "0"))
        size = int(params.get("maxResults", self.parent.page_size))
        body: dict[str, Any] = {key: bodies[start : start + size]}
        if start + size < len(bodies):
            body["nextToken"] = str(start + size)
        return 200, body

    def _tag_resource(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._tagged(params["resourceARN"])
        item.tags.update({t["key"]: t["value"] for t in params.get("tags", [])})
        return 200, {}

    def _untag_resource(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._tagged(params["resourceARN"])
        for key in params.get("tagKeys", []):
            item.tags.pop(key, None)
        return 200, {}

    def _list_tags_for_resource(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._tagged(params["resourceARN"])
        return 200, {"tags": [{"key": key, "value": value} for key, value in item.tags.items()]}

    def _tagged(self, arn: str) -> Served:
        found = self.resources.get(arn)
        if found is None:
            raise ServingError("ResourceNotFoundException", 404, f"Could not find {arn}.")
        return found
