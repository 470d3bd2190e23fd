"""Bedrock's serving operations: custom model deployments, Provisioned Throughput and ``InvokeModel``.

Reach it as ``FakeBedrock.serving``. Shapes follow botocore's service model (``tests/test_fake_serving.py``
checks every response against it). Where AWS is not documented the fake takes the answer that is harder
for the code under test:

- creation and updates take simulated time (``deployment_duration``, ``throughput_duration``,
  ``update_duration``) and a delete takes ``delete_duration``, during which the resource is still
  described and a second delete is refused (ConflictException);
- a deployment that is still Creating cannot be deleted (ConflictException);
- a Provisioned Throughput under an unexpired commitment refuses delete (ValidationException: the API
  reference says it cannot be deleted, not with which code; docs/aws-behaviour.md S5), and a commitment
  renews at the end of each term (``commitments_renew``, S13: the expiry moves one term ahead, so a
  committed one is never deletable); switched off, the expiry stays in the past and a delete is accepted;
- a deployment's top-level ``modelArn`` keeps naming the model it was created with after
  ``UpdateCustomModelDeployment`` (only ``updateDetails`` names the new one), and an ``UpdateFailed``
  carries no ``failureMessage`` (S15); ``deployment_model_arn_switches`` and ``update_failure_messages``
  give the other answers;
- an idempotency token is remembered only when ``FakeBedrock.remember_tokens`` is set (default: none,
  as for copies, M3), and a name that is taken is refused with a ValidationException (S8);
- a custom model that a deployment or Provisioned Throughput serves refuses ``DeleteCustomModel``
  (ConflictException, ``refuse_model_delete_in_use``; S7), also while that server is being deleted
  (``deleting_still_serves``);
- ``InvokeModel`` (bedrock-runtime) answers through an Active deployment or an InService Provisioned
  Throughput, and refuses a customized model's own ARN; it is authorized on the resource invoked and on
  the model behind it (S9);
- IAM: creation is authorized on the model with ``aws:RequestTag`` (and, as some services require,
  ``bedrock:TagResource`` on the new resource, unless ``FakeBedrock.create_tags_as_tag_resource`` is
  off: T8); everything else on the resource with ``aws:ResourceTag``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from .._shared import short_id
from .served import (
    DEPLOYMENT,
    ON_DEMAND_REGIONS,
    THROUGHPUT,
    Script,
    Served,
    check_kind,
    deployment_body,
    throughput_body,
)
from .service import (
    TAG_PATHS,
    BedrockAccount,
    Call,
    Check,
    Request,
    ServiceError,
    page,
    request_tags,
    tag_context,
    tags_answer,
)

DEPLOYMENTS = "/model-customization/custom-model-deployments"
THROUGHPUT_PATH, THROUGHPUTS = "/provisioned-model-throughput", "/provisioned-model-throughputs"
_PATHS = (  # (list path, item path, operation suffix, identifier parameter)
    (DEPLOYMENTS, DEPLOYMENTS, "CustomModelDeployment", "customModelDeploymentIdentifier"),
    (THROUGHPUTS, THROUGHPUT_PATH, "ProvisionedModelThroughput", "provisionedModelId"),
)
_VERBS = {"GET": "Get", "PATCH": "Update", "DELETE": "Delete"}


class Account(BedrockAccount, Protocol):
    """What the serving operations read of the fake they belong to (besides what every Bedrock service reads)."""

    @property
    def models(self) -> Mapping[str, Any]: ...


def owns(arn: str) -> bool:
    """Whether ``arn`` names a deployment or a Provisioned Throughput."""
    return ":custom-model-deployment/" in arn or ":provisioned-model/" in arn


@dataclass
class Serving:
    """State and behaviour of the serving operations (a :class:`~.service.Service`)."""

    parent: Account = field(repr=False)
    deployment_duration: float = 600.0
    throughput_duration: float = 900.0
    update_duration: float = 300.0
    delete_duration: float = 60.0
    model_unit_quota: int | None = None
    on_demand_regions: tuple[str, ...] = ON_DEMAND_REGIONS
    refuse_model_delete_in_use: bool = True
    # S7 too: a deployment or Provisioned Throughput still being deleted still serves its model (refused).
    deleting_still_serves: bool = True
    # S13: a committed Provisioned Throughput renews at the end of each term (False: the commitment ends).
    commitments_renew: bool = True
    # S15: a deployment's top-level modelArn switches to the new model once an update completes (False: never).
    deployment_model_arn_switches: bool = False
    # S15: an UpdateFailed deployment carries a failureMessage (False: none).
    update_failure_messages: bool = False
    resources: dict[str, Served] = field(default_factory=dict)
    scripts: dict[str, Script] = field(default_factory=dict)
    invocations: list[tuple[str, Any]] = field(default_factory=list)

    # ------------------------------------------------------------------ scripting and reading

    def script(self, name: str, *, duration: float, outcome: str, failure_message: str = "") -> None:
        """Make the next resource named ``name`` take ``duration`` seconds and end in ``outcome``."""
        self.scripts[name] = Script(duration, outcome, failure_message)

    def named(self, name: str) -> Served | None:
        """The deployment or Provisioned Throughput named ``name`` (None if there is none)."""
        self._settle()
        return next((item for item in self.resources.values() if item.name == name), None)

    def of_kind(self, kind: str) -> list[Served]:
        """Every resource of ``kind`` (:data:`~.served.DEPLOYMENT` or :data:`~.served.THROUGHPUT`) that exists now.

        Raises ``ValueError`` for any other kind (a misspelt kind would otherwise find nothing).
        """
        check_kind(kind)
        self._settle()
        return [item for item in self.resources.values() if item.kind == kind]

    owns = staticmethod(owns)

    # ------------------------------------------------------------------ the service

    def route(self, request: Request) -> Call | None:
        if request.protocol != "rest-json":
            return None
        method, path, payload = request.method, request.path, request.payload
        if method == "POST" and path.startswith("/model/") and path.endswith("/invoke"):
            return Call("InvokeModel", {"modelId": unquote(path[len("/model/") : -len("/invoke")]), "body": payload})
        if method == "POST" and path in TAG_PATHS:
            return Call(TAG_PATHS[path], payload) if owns(str(payload.get("resourceARN", ""))) else None
        for base, single, name, key in _PATHS:
            if path == base and method == "GET":
                return Call(f"List{name}s", request.query)
            if path == single and method == "POST":
                return Call(f"Create{name}", payload)
            if path.startswith(single + "/") and method in _VERBS:
                return Call(f"{_VERBS[method]}{name}", {**payload, key: unquote(path[len(single) + 1 :])})
        return None

    def authorize(self, call: Call) -> list[Check]:
        operation, params = call.operation, call.params
        if operation.startswith("List") and operation != "ListTagsForResource":  # that one names its ARN
            return [Check(f"bedrock:{operation}", "*")]
        if operation == "InvokeModel":
            found = self._find(params["modelId"])
            checks = [Check("bedrock:InvokeModel", found.arn if found else params["modelId"])]
            return [*checks, Check("bedrock:InvokeModel", found.model_arn)] if found else checks
        if operation in ("CreateCustomModelDeployment", "CreateProvisionedModelThroughput"):
            model = params.get("modelArn") or params.get("modelId") or ""
            tagging = request_tags(params.get("tags", []))
            checks = [Check(f"bedrock:{operation}", model, tagging)]
            if params.get("tags") and self.parent.create_tags_as_tag_resource:
                checks.append(Check("bedrock:TagResource", self._new_arn(operation, "<new>"), tagging))
            return checks
        arn = params.get("resourceARN") or params.get("customModelDeploymentIdentifier")
        arn = arn or params.get("provisionedModelId", "")
        found = self._find(arn)
        context = tag_context(operation, params, found.tags if found else {})
        checks = [Check(f"bedrock:{operation}", found.arn if found else arn, context)]
        new_model = params.get("modelArn") or params.get("desiredModelId")
        if operation.startswith("Update") and new_model:
            checks.append(Check(f"bedrock:{operation}", new_model))
        return checks

    def handle(self, call: Call) -> tuple[int, Any]:
        self._settle()
        handlers: dict[str, Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]] = {
            "InvokeModel": self._invoke_model,
            "CreateCustomModelDeployment": self._create_deployment,
            "GetCustomModelDeployment": lambda p: (200, self._deployment_body(self._deployment(p))),
            "UpdateCustomModelDeployment": self._update_deployment,
            "DeleteCustomModelDeployment": self._delete_deployment,
            "ListCustomModelDeployments": lambda p: self._list(p, DEPLOYMENT),
            "CreateProvisionedModelThroughput": self._create_throughput,
            "GetProvisionedModelThroughput": lambda p: (200, self._throughput_body(self._throughput(p))),
            "UpdateProvisionedModelThroughput": self._update_throughput,
            "DeleteProvisionedModelThroughput": self._delete_throughput,
            "ListProvisionedModelThroughputs": lambda p: self._list(p, THROUGHPUT),
        }
        if call.operation in handlers:
            return handlers[call.operation](call.params)
        item = self.resources.get(call.params["resourceARN"])
        if item is None:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find {call.params['resourceARN']}.")
        return tags_answer(call.operation, item.tags, call.params)

    # ------------------------------------------------------------------ state

    def _settle(self) -> None:
        now = self.parent.clock.time()
        for arn, item in list(self.resources.items()):
            item.settle(now)
            if item.deleting_until is not None and now >= item.deleting_until:
                del self.resources[arn]

    def _new_arn(self, operation: str, seed: str) -> str:
        kind = "custom-model-deployment" if "Deployment" in operation else "provisioned-model"
        return f"arn:aws:bedrock:{self.parent.region}:{self.parent.account}:{kind}/{short_id(kind, seed)}"

    def _find(self, identifier: str) -> Served | None:
        return self.resources.get(identifier) or next(
            (item for item in self.resources.values() if item.name == identifier), None
        )

    def _get(self, identifier: str, kind: str) -> Served:
        found = self._find(identifier)
        if found is None or found.kind != kind:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find {identifier}.")
        return found

    def _deployment(self, params: dict[str, Any]) -> Served:
        return self._get(params["customModelDeploymentIdentifier"], DEPLOYMENT)

    def _throughput(self, params: dict[str, Any]) -> Served:
        return self._get(params["provisionedModelId"], THROUGHPUT)

    def _create(self, kind: str, params: dict[str, Any], name: str, model: str) -> Served | str:
        """The resource a token already made (its ARN), or a new one after the shared checks."""
        token = params.get("clientRequestToken", "")
        fingerprint = json.dumps({key: value for key, value in sorted(params.items()) if key != "clientRequestToken"})
        for item in self.resources.values():
            if token and self.parent.remember_tokens and item.token == token:
                if item.fingerprint != fingerprint:
                    raise ServiceError("ValidationException", 400, "The client request token was reused.")
                return item.arn
        if model not in self.parent.models:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {model}.")
        if any(item.kind == kind and item.name == name for item in self.resources.values()):
            raise ServiceError("ValidationException", 400, f"A resource named {name} already exists.")
        if len(params.get("tags", [])) > 50:
            raise ServiceError("TooManyTagsException", 400, "A resource may carry at most 50 tags.")
        duration = self.deployment_duration if kind == DEPLOYMENT else self.throughput_duration
        script = self.scripts.pop(name, Script(duration, "Active" if kind == DEPLOYMENT else "InService"))
        operation = "CreateCustomModelDeployment" if kind == DEPLOYMENT else "CreateProvisionedModelThroughput"
        arn = self._new_arn(operation, f"{name}-{len(self.resources)}-{self.parent.clock.time()}")
        tags = {t["key"]: t["value"] for t in params.get("tags", [])}
        served = Served(kind, arn, name, model, tags, self.parent.clock.time(), script, token, fingerprint)
        served.clock = self.parent.clock
        return served

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
            raise ServiceError(
                "ConflictException", 409, f"The model {model_arn} is in use by {user.arn} and cannot be deleted."
            )

    def _invoke_model(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        identifier = params["modelId"]
        found = self._find(identifier)
        now = self.parent.clock.time()
        if found is None:
            if identifier in self.parent.models and ":custom-model/imported/" not in identifier:
                raise ServiceError(
                    "ValidationException",
                    400,
                    f"Invocation of model ID {identifier} with on-demand throughput isn't supported. Use a custom "
                    "model deployment or a Provisioned Throughput.",
                )
            if identifier not in self.parent.models:
                raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {identifier}.")
        else:
            ready = "Active" if found.kind == DEPLOYMENT else "InService"
            if found.status(now) != ready or found.deleting_until is not None:
                raise ServiceError("ValidationException", 400, f"{found.arn} is {found.status(now)}, not {ready}.")
        self.invocations.append((identifier, params.get("body")))
        text = f"(fake answer of {found.model_arn if found else identifier})"
        return 200, {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1},
        }

    # deployments ---------------------------------------------------------------

    def _create_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name, model = params["modelDeploymentName"], params["modelArn"]
        base = model.split(":custom-model/", 1)[-1]
        if not base.startswith("amazon.nova-") or self.parent.region not in self.on_demand_regions:
            raise ServiceError(
                "ValidationException",
                400,
                f"The model {model} is not supported for on-demand deployment in this Region.",
            )
        item = self._create(DEPLOYMENT, params, name, model)
        if isinstance(item, Served):
            item.description = params.get("description", "")
            self.resources[item.arn] = item
        return 202, {"customModelDeploymentArn": item if isinstance(item, str) else item.arn}

    def _deployment_body(self, item: Served, summary: bool = False) -> dict[str, Any]:
        return deployment_body(item, self.parent.clock.time(), summary=summary, messages=self.update_failure_messages)

    def _update_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._deployment(params)
        now = self.parent.clock.time()
        if item.status(now) != "Active" or (item.pending and not item.pending.get("settled")):
            raise ServiceError("ValidationException", 400, f"Deployment {item.arn} is not Active or is updating.")
        if params["modelArn"] not in self.parent.models:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {params['modelArn']}.")
        if not self.deployment_model_arn_switches:
            item.reported_model_arn = item.reported_model_arn or item.model_arn  # S15: never switches
        script = self.scripts.pop(f"update:{item.name}", Script(self.update_duration, "UpdateCompleted"))
        item.pending = {"model_arn": params["modelArn"], "done_at": now + script.duration, "outcome": script.outcome}
        item.pending["failure_message"] = script.failure_message
        return 202, {"customModelDeploymentArn": item.arn}

    def _delete_deployment(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._deployment(params)
        if item.status(self.parent.clock.time()) == "Creating":
            raise ServiceError("ConflictException", 400, f"Deployment {item.arn} is still Creating.")
        return self._start_delete(item)

    def _start_delete(self, item: Served) -> tuple[int, dict[str, Any]]:
        if item.deleting_until is not None:
            raise ServiceError("ConflictException", 400, f"{item.arn} is already being deleted.")
        item.deleting_until = self.parent.clock.time() + self.delete_duration
        return 200, {}

    # Provisioned Throughput ----------------------------------------------------

    def _create_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name, model, units = params["provisionedModelName"], params["modelId"], int(params["modelUnits"])
        in_use = sum(i.model_units for i in self.resources.values() if i.kind == THROUGHPUT)
        token_known = self.parent.remember_tokens and any(
            i.token == params.get("clientRequestToken") for i in self.resources.values()
        )
        if self.model_unit_quota is not None and in_use + units > self.model_unit_quota and not token_known:
            raise ServiceError(
                "ServiceQuotaExceededException",
                400,
                f"The request exceeds the model units quota ({self.model_unit_quota}) for Provisioned Throughput.",
            )
        item = self._create(THROUGHPUT, params, name, model)
        if isinstance(item, Served):
            item.model_units, item.commitment = units, params.get("commitmentDuration", "")
            self.resources[item.arn] = item
        return 201, {"provisionedModelArn": item if isinstance(item, str) else item.arn}

    def _throughput_body(self, item: Served, summary: bool = False) -> dict[str, Any]:
        now, region = self.parent.clock.time(), self.parent.region
        return throughput_body(item, now, region, summary=summary, renews=self.commitments_renew)

    def _update_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._throughput(params)
        now = self.parent.clock.time()
        if item.status(now) != "InService" or (item.pending and not item.pending.get("settled")):
            raise ServiceError("ValidationException", 400, f"Provisioned Throughput {item.arn} is not InService.")
        model = params.get("desiredModelId")
        if model and model not in self.parent.models:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {model}.")
        item.pending = {
            "model_arn": model,
            "name": params.get("desiredProvisionedModelName"),
            "done_at": now + (self.update_duration if model else 0.0),
            "outcome": "UpdateCompleted",
        }
        item.settle(now)
        return 200, {}

    def _delete_throughput(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        item = self._throughput(params)
        now = self.parent.clock.time()
        expiry = item.commitment_expiry(now, renews=self.commitments_renew)
        if expiry is not None and now < expiry:
            message = "A Provisioned Throughput cannot be deleted before its commitment term ends."
            raise ServiceError("ValidationException", 400, message)
        return self._start_delete(item)

    def _list(self, params: dict[str, Any], kind: str) -> tuple[int, dict[str, Any]]:
        now = self.parent.clock.time()
        items = [item for item in self.resources.values() if item.kind == kind]
        if "nameContains" in params:
            items = [item for item in items if params["nameContains"] in item.name]
        if "modelArnEquals" in params:
            # The field the summary shows (a deployment's may still name the model before an update: S15).
            items = [item for item in items if (item.reported_model_arn or item.model_arn) == params["modelArnEquals"]]
        if "statusEquals" in params:
            items = [item for item in items if item.status(now) == params["statusEquals"]]
        items.sort(key=lambda item: item.created_at, reverse=params.get("sortOrder") == "Descending")
        if kind == DEPLOYMENT:
            bodies = [self._deployment_body(item, True) for item in items]
            return 200, page(bodies, params, "modelDeploymentSummaries", self.parent.page_size)
        bodies = [self._throughput_body(item, True) for item in items]
        return 200, page(bodies, params, "provisionedModelSummaries", self.parent.page_size)
