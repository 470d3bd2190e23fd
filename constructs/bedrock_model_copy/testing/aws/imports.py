"""Bedrock Custom Model Import, as the fake answers it: import jobs and imported models (REST-JSON).

Reach it as ``FakeBedrock.imports``. Operations: CreateModelImportJob, GetModelImportJob,
ListModelImportJobs, GetImportedModel, ListImportedModels, DeleteImportedModel, the tag calls on
``model-import-job`` and ``imported-model`` ARNs, and InvokeModel of an imported model (bedrock-runtime,
on demand by its own ARN, docs/aws-behaviour.md I6). Shapes follow botocore's service model
(``tests/test_fake_imports.py`` checks every answer against it). Where AWS is unconfirmed the fake takes
the answer that is harder for the code under test (docs/aws-behaviour.md I7-I14):

- an import runs for a scripted time (``script``; ``default_duration`` otherwise, imports past one hour
  among the tests: I11) and ends ``Completed`` (its model then exists) or ``Failed`` with a message;
- job names are taken forever, and a model name stays taken while a model of that name exists (also
  while it is being deleted) or a running job imports to it; a taken name is ``ConflictException``
  (I12); an idempotency token is remembered only with ``FakeBedrock.remember_tokens`` (M3);
- a deleted model is still described for ``delete_duration`` and a second delete meanwhile is refused
  with ``ConflictException`` (I13);
- an ``imported-model/`` ARN is refused as a copy source by the client's own validation of
  ``CreateModelCopyJob`` (its pattern has no such form, I7): nothing to fake;
- IAM: CreateModelImportJob on ``*`` with the request tags checked on each tag list separately, both
  having to pass (I8), ``iam:PassRole`` on the role with ``iam:PassedToService``, and
  (``FakeBedrock.create_tags_as_tag_resource``, default on, T8) ``bedrock:TagResource`` on the new job
  and the new model with the request's tags;
  everything else on the job or the model with its ``aws:ResourceTag``; the List calls on ``*``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from .._shared import iso, short_id
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

JOBS, MODELS = "/model-import-jobs", "/imported-models"


class Account(BedrockAccount, Protocol):
    """What the import operations read of the fake they belong to: what every Bedrock service reads."""


def owns(arn: str) -> bool:
    """Whether ``arn`` names an import job or an imported model."""
    return ":model-import-job/" in arn or ":imported-model/" in arn


@dataclass
class ImportScript:
    """How the next import of a given model name behaves."""

    duration: float
    outcome: str = "Completed"
    failure_message: str = ""


@dataclass
class ImportJob:
    arn: str
    name: str
    model_name: str
    model_arn: str
    role_arn: str
    s3_uri: str
    kms_key_arn: str
    vpc: dict[str, Any]
    tags: dict[str, str]
    model_tags: dict[str, str]
    created_at: float
    script: ImportScript
    token: str = ""
    fingerprint: str = ""
    model_settled: bool = False

    def status(self, now: float) -> str:
        return "InProgress" if now < self.created_at + self.script.duration else self.script.outcome

    @property
    def ends_at(self) -> float:
        return self.created_at + self.script.duration


@dataclass
class ImportedModel:
    arn: str
    name: str
    job: ImportJob
    tags: dict[str, str]
    created_at: float
    deleting_until: float | None = None


@dataclass
class Imports:
    """State and behaviour of Custom Model Import (a :class:`~.service.Service`)."""

    parent: Account = field(repr=False)
    default_duration: float = 900.0
    delete_duration: float = 60.0
    architecture: str = "llama3"
    instruct_supported: bool = True
    custom_model_units: int = 2
    jobs: dict[str, ImportJob] = field(default_factory=dict)
    models: dict[str, ImportedModel] = field(default_factory=dict)
    scripts: dict[str, ImportScript] = field(default_factory=dict)
    invocations: list[tuple[str, Any]] = field(default_factory=list)

    # ------------------------------------------------------------------ scripting and reading

    def script(
        self, imported_model_name: str, *, duration: float, outcome: str = "Completed", failure_message: str = ""
    ) -> None:
        """Make the next imports to ``imported_model_name`` take ``duration`` seconds and end in ``outcome``."""
        self.scripts[imported_model_name] = ImportScript(duration, outcome, failure_message)

    def model_named(self, name: str) -> ImportedModel | None:
        """The imported model of that name that exists now (being deleted included)."""
        self.settle()
        return next((model for model in self.models.values() if model.name == name), None)

    def settle(self) -> None:
        """Bring the imports up to the clock: models of completed jobs exist, deleted ones go."""
        now = self.parent.clock.time()
        for job in self.jobs.values():
            if not job.model_settled and job.status(now) == "Completed":
                self.models[job.model_arn] = ImportedModel(
                    job.model_arn, job.model_name, job, dict(job.model_tags), job.ends_at
                )
                job.model_settled = True
        for arn, model in list(self.models.items()):
            if model.deleting_until is not None and now >= model.deleting_until:
                del self.models[arn]

    owns = staticmethod(owns)

    # ------------------------------------------------------------------ the service

    def route(self, request: Request) -> Call | None:
        if request.protocol != "rest-json":
            return None
        method, path, payload = request.method, request.path, request.payload
        if method == "POST" and path.startswith("/model/") and path.endswith("/invoke"):
            model_id = unquote(path[len("/model/") : -len("/invoke")])
            return (
                Call("InvokeModel", {"modelId": model_id, "body": payload}) if ":imported-model/" in model_id else None
            )
        if method == "POST" and path in TAG_PATHS:
            return Call(TAG_PATHS[path], payload) if owns(str(payload.get("resourceARN", ""))) else None
        if path == JOBS:
            return {
                "POST": Call("CreateModelImportJob", payload),
                "GET": Call("ListModelImportJobs", request.query),
            }.get(method)
        if path.startswith(JOBS + "/") and method == "GET":
            return Call("GetModelImportJob", {"jobIdentifier": unquote(path[len(JOBS) + 1 :])})
        if path == MODELS and method == "GET":
            return Call("ListImportedModels", request.query)
        if path.startswith(MODELS + "/") and method in ("GET", "DELETE"):
            verb = "Get" if method == "GET" else "Delete"
            return Call(f"{verb}ImportedModel", {"modelIdentifier": unquote(path[len(MODELS) + 1 :])})
        return None

    def authorize(self, call: Call) -> list[Check]:
        operation, params = call.operation, call.params
        if operation.startswith("List") and operation != "ListTagsForResource":
            return [Check(f"bedrock:{operation}", "*")]
        if operation == "CreateModelImportJob":
            return self._create_checks(params)
        if operation == "InvokeModel":
            return [Check("bedrock:InvokeModel", params["modelId"])]
        if operation == "GetModelImportJob":
            job = self._find_job(params["jobIdentifier"])
            arn = job.arn if job else params["jobIdentifier"]
            return [Check(f"bedrock:{operation}", arn, tag_context(operation, params, job.tags if job else {}))]
        identifier = params.get("modelIdentifier") or params["resourceARN"]
        job = self.jobs.get(identifier)
        if job is not None:  # a tag call on a job
            return [Check(f"bedrock:{operation}", job.arn, tag_context(operation, params, job.tags))]
        model = self._find_model(identifier)
        arn = model.arn if model else self._model_arn_for(identifier)
        return [Check(f"bedrock:{operation}", arn, tag_context(operation, params, model.tags if model else {}))]

    def _create_checks(self, params: Mapping[str, Any]) -> list[Check]:
        job_tags, model_tags = params.get("jobTags", []), params.get("importedModelTags", [])
        checks = [
            # I8: each tag list checked on its own, both must pass.
            Check("bedrock:CreateModelImportJob", "*", request_tags(job_tags)),
            Check("bedrock:CreateModelImportJob", "*", request_tags(model_tags)),
            Check("iam:PassRole", params["roleArn"], {"iam:PassedToService": "bedrock.amazonaws.com"}),
        ]
        if self.parent.create_tags_as_tag_resource:  # T8, one switch for every kind's create
            seed = params.get("jobName", "")
            if job_tags:
                checks.append(Check("bedrock:TagResource", self._arn("model-import-job", seed), request_tags(job_tags)))
            if model_tags:
                checks.append(Check("bedrock:TagResource", self._arn("imported-model", seed), request_tags(model_tags)))
        return checks

    def handle(self, call: Call) -> tuple[int, Any]:
        self.settle()
        handlers: dict[str, Callable[[dict[str, Any]], tuple[int, Any]]] = {
            "CreateModelImportJob": self._create_job,
            "GetModelImportJob": lambda p: (200, self._job_body(self._job(p["jobIdentifier"]))),
            "ListModelImportJobs": self._list_jobs,
            "GetImportedModel": lambda p: (200, self._model_body(self._model(p["modelIdentifier"]))),
            "ListImportedModels": self._list_models,
            "DeleteImportedModel": self._delete_model,
            "InvokeModel": self._invoke,
        }
        if call.operation in handlers:
            return handlers[call.operation](call.params)
        arn = call.params["resourceARN"]
        tagged = self.jobs.get(arn) or self.models.get(arn)
        if tagged is None:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find {arn}.")
        return tags_answer(call.operation, tagged.tags, call.params)

    # ------------------------------------------------------------------ state

    def _arn(self, kind: str, seed: str) -> str:
        return f"arn:aws:bedrock:{self.parent.region}:{self.parent.account}:{kind}/{short_id(kind, seed)}"

    def _model_arn_for(self, identifier: str) -> str:
        return identifier if identifier.startswith("arn:") else self._arn("imported-model", f"name:{identifier}")

    def _find_job(self, identifier: str) -> ImportJob | None:
        return self.jobs.get(identifier) or next((job for job in self.jobs.values() if job.name == identifier), None)

    def _job(self, identifier: str) -> ImportJob:
        job = self._find_job(identifier)
        if job is None:
            raise ServiceError("ResourceNotFoundException", 404, f"Model import job {identifier} not found.")
        return job

    def _find_model(self, identifier: str) -> ImportedModel | None:
        return self.models.get(identifier) or next((m for m in self.models.values() if m.name == identifier), None)

    def _model(self, identifier: str) -> ImportedModel:
        model = self._find_model(identifier)
        if model is None:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find imported model {identifier}.")
        return model

    def _create_job(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        token = params.get("clientRequestToken", "")
        fingerprint = json.dumps({key: value for key, value in sorted(params.items()) if key != "clientRequestToken"})
        for job in self.jobs.values():
            if token and self.parent.remember_tokens and job.token == token:
                if job.fingerprint != fingerprint:
                    raise ServiceError("ValidationException", 400, "The client request token was already used.")
                return 201, {"jobArn": job.arn}
        name, model_name = params["jobName"], params["importedModelName"]
        now = self.parent.clock.time()
        if any(job.name == name for job in self.jobs.values()):  # I12: a job name is taken forever
            raise ServiceError("ConflictException", 409, f"A model import job named {name} already exists.")
        running = any(job.model_name == model_name and job.status(now) == "InProgress" for job in self.jobs.values())
        if running or self._find_model(model_name) is not None:  # also while it is being deleted
            raise ServiceError("ConflictException", 409, f"An imported model named {model_name} already exists.")
        for key in ("jobTags", "importedModelTags"):
            if len(params.get(key, [])) > 50:
                raise ServiceError("TooManyTagsException", 400, "A resource may carry at most 50 tags.")
        script = self.scripts.get(model_name, ImportScript(self.default_duration))
        kms = params.get("importedModelKmsKeyId", "")
        if kms and ":key/" not in kms:
            kms = f"arn:aws:kms:{self.parent.region}:{self.parent.account}:key/{kms.rsplit('/', 1)[-1]}"
        seed = f"{name}-{len(self.jobs)}"
        job = ImportJob(
            arn=self._arn("model-import-job", seed),
            name=name,
            model_name=model_name,
            model_arn=self._arn("imported-model", seed),
            role_arn=params["roleArn"],
            s3_uri=params["modelDataSource"]["s3DataSource"]["s3Uri"],
            kms_key_arn=kms,
            vpc=dict(params.get("vpcConfig") or {}),
            tags={tag["key"]: tag["value"] for tag in params.get("jobTags", [])},
            model_tags={tag["key"]: tag["value"] for tag in params.get("importedModelTags", [])},
            created_at=now,
            script=script,
            token=token,
            fingerprint=fingerprint,
        )
        self.jobs[job.arn] = job
        return 201, {"jobArn": job.arn}

    def _job_body(self, job: ImportJob, summary: bool = False) -> dict[str, Any]:
        now = self.parent.clock.time()
        status = job.status(now)
        body: dict[str, Any] = {
            "jobArn": job.arn,
            "jobName": job.name,
            "status": status,
            "creationTime": iso(job.created_at),
            "importedModelName": job.model_name,
        }
        if status != "InProgress":
            body["endTime"] = iso(job.ends_at)
            body["lastModifiedTime"] = iso(job.ends_at)
        if status == "Completed":  # I2: the model's ARN is not known before the end
            body["importedModelArn"] = job.model_arn
        if summary:
            return body
        body.update(roleArn=job.role_arn, modelDataSource={"s3DataSource": {"s3Uri": job.s3_uri}})
        if job.vpc:
            body["vpcConfig"] = job.vpc
        if job.kms_key_arn:
            body["importedModelKmsKeyArn"] = job.kms_key_arn
        if status == "Failed":
            body["failureMessage"] = job.script.failure_message or "Import failed"
        return body

    def _model_body(self, model: ImportedModel, summary: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "modelArn": model.arn,
            "modelName": model.name,
            "creationTime": iso(model.created_at),
            "instructSupported": self.instruct_supported,
            "modelArchitecture": self.architecture,
        }
        if summary:
            return body
        body.update(
            jobName=model.job.name,
            jobArn=model.job.arn,
            modelDataSource={"s3DataSource": {"s3Uri": model.job.s3_uri}},
            customModelUnits={
                "customModelUnitsPerModelCopy": self.custom_model_units,
                "customModelUnitsVersion": "1.0",
            },
        )
        if model.job.kms_key_arn:
            body["modelKmsKeyArn"] = model.job.kms_key_arn
        return body

    def _delete_model(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["modelIdentifier"])
        if model.deleting_until is not None:  # I13: still described, a second delete refused
            raise ServiceError("ConflictException", 409, f"Imported model {model.arn} is being deleted.")
        model.deleting_until = self.parent.clock.time() + self.delete_duration
        return 200, {}

    def _filtered(self, items: list[Any], params: Mapping[str, Any], name: Callable[[Any], str]) -> list[Any]:
        if "nameContains" in params:
            items = [item for item in items if params["nameContains"] in name(item)]
        items.sort(key=lambda item: item.created_at, reverse=params.get("sortOrder") == "Descending")
        return items

    def _list_jobs(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = self.parent.clock.time()
        jobs = self._filtered(list(self.jobs.values()), params, lambda job: job.name)
        if "statusEquals" in params:
            jobs = [job for job in jobs if job.status(now) == params["statusEquals"]]
        bodies = [self._job_body(job, summary=True) for job in jobs]
        return 200, page(bodies, params, "modelImportJobSummaries", self.parent.page_size)

    def _list_models(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        models = self._filtered(list(self.models.values()), params, lambda model: model.name)
        bodies = [self._model_body(model, summary=True) for model in models]
        return 200, page(bodies, params, "modelSummaries", self.parent.page_size)

    def _invoke(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["modelId"])
        if model.deleting_until is not None:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find imported model {model.arn}.")
        self.invocations.append((model.arn, params.get("body")))
        return 200, {"generation": f"(fake answer of {model.arn})", "stop_reason": "stop"}
