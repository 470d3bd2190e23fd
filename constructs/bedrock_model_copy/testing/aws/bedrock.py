"""Amazon Bedrock's model copy and custom models, as the fake answers them (REST-JSON).

Operations: CreateModelCopyJob, GetModelCopyJob, ListModelCopyJobs, GetCustomModel, ListCustomModels,
DeleteCustomModel, and TagResource, UntagResource, ListTagsForResource of custom models. Copies finish
when the simulated clock passes their scripted duration; a completed copy's model then exists.

IAM (Service Authorization Reference): CreateModelCopyJob on the SOURCE model with ``aws:RequestTag/*``
and ``aws:TagKeys`` (and, unless ``create_tags_as_tag_resource`` is off, ``bedrock:TagResource`` on the new
model with the same request tags: docs/aws-behaviour.md T8); GetModelCopyJob on the job (``aws:ResourceTag`` only with
``job_tags_from_target_model_tags``); the model operations on the model with ``aws:ResourceTag/*``;
the List operations on ``*``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

from .._shared import iso, short_id
from .service import (
    TAG_PATHS,
    BedrockAccount,
    Call,
    Check,
    ModelUser,
    Request,
    Service,
    ServiceError,
    page,
    request_tags,
    tag_context,
    tags_answer,
)

FOUNDATION_MODEL = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"


@dataclass
class CopyScript:
    """How a copy job for a given target name behaves."""

    duration: float
    outcome: str = "Completed"
    failure_message: str = ""


@dataclass
class CopyJob:
    """A model copy job as the fake keeps it (``FakeBedrock.jobs``, by job ARN): its request, script and status."""

    job_arn: str
    source_model_arn: str
    target_model_name: str
    target_model_arn: str
    kms_key_arn: str
    tags: list[dict[str, str]]
    created_at: float
    script: CopyScript
    token: str = ""
    request_fingerprint: str = ""
    model_settled: bool = False  # its model appeared once; a later delete must not revive it

    def status(self, now: float) -> str:
        return "InProgress" if now < self.created_at + self.script.duration else self.script.outcome


@dataclass
class CustomModel:
    """A custom model as the fake keeps it (``FakeBedrock.models``, by model ARN): name, base model, tags."""

    model_arn: str
    model_name: str
    base_model_arn: str
    tags: dict[str, str]
    created_at: float
    kms_key_arn: str = ""


class Account(BedrockAccount, Protocol):
    """What the copy operations read of the fake they belong to (:class:`~..fake_bedrock.FakeBedrock`), besides
    what every Bedrock service reads."""

    default_copy_duration: float
    job_arn_style: str
    max_concurrent_jobs: int | None
    job_tags_from_target_model_tags: bool
    jobs: dict[str, CopyJob]
    models: dict[str, CustomModel]
    missing_sources: set[str]
    copy_scripts: dict[str, CopyScript]

    @property
    def active_services(self) -> Sequence[Service]: ...


def settle(jobs: Mapping[str, CopyJob], models: dict[str, CustomModel], now: float) -> None:
    """Materialize the models of jobs that have completed by ``now``."""
    for job in jobs.values():
        if job.status(now) == "Completed" and not job.model_settled:
            tags = {tag["key"]: tag["value"] for tag in job.tags}
            end = job.created_at + job.script.duration
            models[job.target_model_arn] = CustomModel(
                job.target_model_arn, job.target_model_name, job.source_model_arn, tags, end, job.kms_key_arn
            )
            job.model_settled = True


def new_job(
    fake: Account, source: str, name: str, kms_key: str, tags: dict[str, str], script: CopyScript, token: str = ""
) -> CopyJob:
    """A copy job in ``fake``, started now."""
    number = len(fake.jobs) + 1
    job_id = short_id("job", number, name)
    base = source.split(":custom-model/", 1)[-1].rsplit("/", 1)[0] if ":custom-model/" in source else "imported"
    job_path = f"{base}/{job_id}" if fake.job_arn_style == "example" else job_id
    prefix = f"arn:aws:bedrock:{fake.region}:{fake.account}"
    kms_arn = ""
    if kms_key:
        key_id = kms_key.rsplit("/", 1)[-1]
        kms_arn = kms_key if ":key/" in kms_key else f"arn:aws:kms:{fake.region}:{fake.account}:key/{key_id}"
    job = CopyJob(
        f"{prefix}:model-copy-job/{job_path}",
        source,
        name,
        f"{prefix}:custom-model/{base}/{short_id('model', number)}",
        kms_arn,
        [{"key": key, "value": value} for key, value in tags.items()],
        fake.clock.time(),
        script,
        token,
    )
    fake.jobs[job.job_arn] = job
    return job


def find_model(models: Mapping[str, CustomModel], identifier: str) -> CustomModel | None:
    """A custom model by ARN or name."""
    return models.get(identifier) or next((model for model in models.values() if model.model_name == identifier), None)


class Bedrock:
    """Model copy jobs and custom models (a :class:`~.service.Service`)."""

    def __init__(self, fake: Account) -> None:
        self.fake = fake

    def route(self, request: Request) -> Call | None:
        if request.protocol != "rest-json":
            return None
        method, path, payload = request.method, request.path, request.payload
        if path == "/model-copy-jobs" and method in ("POST", "GET"):
            return Call("CreateModelCopyJob", payload) if method == "POST" else Call("ListModelCopyJobs", request.query)
        if path.startswith("/model-copy-jobs/") and method == "GET":
            return Call("GetModelCopyJob", {"jobArn": unquote(path[len("/model-copy-jobs/") :])})
        if path == "/custom-models" and method == "GET":
            return Call("ListCustomModels", request.query)
        if path.startswith("/custom-models/") and method in ("GET", "DELETE"):
            verb = "Get" if method == "GET" else "Delete"
            return Call(f"{verb}CustomModel", {"modelIdentifier": unquote(path[len("/custom-models/") :])})
        if path in TAG_PATHS and method == "POST":
            return Call(TAG_PATHS[path], payload)
        return None

    def authorize(self, call: Call) -> list[Check]:
        operation, params = call.operation, call.params
        if operation.startswith("List") and operation != "ListTagsForResource":
            return [Check(f"bedrock:{operation}", "*")]
        if operation == "CreateModelCopyJob":
            tagging = request_tags(params.get("targetModelTags", []))
            checks = [Check(f"bedrock:{operation}", params["sourceModelArn"], tagging)]
            if params.get("targetModelTags") and self.fake.create_tags_as_tag_resource:  # T8: the new model's tags
                checks.append(Check("bedrock:TagResource", self._new_model_arn(params["sourceModelArn"]), tagging))
            return checks
        if operation == "GetModelCopyJob":
            job = self.fake.jobs.get(params["jobArn"])
            tags = job.tags if job is not None and self.fake.job_tags_from_target_model_tags else []
            context = {f"aws:ResourceTag/{tag['key']}": tag["value"] for tag in tags}
            return [Check(f"bedrock:{operation}", params["jobArn"], context)]
        identifier = params.get("modelIdentifier") or params["resourceARN"]
        model = find_model(self.fake.models, identifier)
        resource = model.model_arn if model else self._model_arn_for(identifier)
        return [Check(f"bedrock:{operation}", resource, tag_context(operation, params, model.tags if model else {}))]

    def _new_model_arn(self, source: str) -> str:
        """The ARN pattern of the model a copy makes (its id is not known before): what T8's check names."""
        base = source.split(":custom-model/", 1)[-1].rsplit("/", 1)[0] if ":custom-model/" in source else "imported"
        return f"arn:aws:bedrock:{self.fake.region}:{self.fake.account}:custom-model/{base}/{short_id('new', source)}"

    def _model_arn_for(self, identifier: str) -> str:
        if identifier.startswith("arn:"):
            return identifier
        return f"arn:aws:bedrock:{self.fake.region}:{self.fake.account}:custom-model/{identifier}"

    def handle(self, call: Call) -> tuple[int, Any]:
        operation, params = call.operation, call.params
        if operation == "CreateModelCopyJob":
            return self._create_job(params)
        if operation == "GetModelCopyJob":
            job = self.fake.jobs.get(params["jobArn"])
            if job is None:
                raise ServiceError("ResourceNotFoundException", 404, f"Model copy job {params['jobArn']} not found.")
            return 200, self._job_body(job)
        if operation == "ListModelCopyJobs":
            return 200, self._list_jobs(params)
        if operation == "ListCustomModels":
            models = sorted(self.fake.models.values(), key=lambda model: model.created_at)
            summaries = [self._model_body(model, summary=True) for model in models]
            return 200, page(summaries, params, "modelSummaries", self.fake.page_size)
        model = self._model(params.get("modelIdentifier") or params["resourceARN"])
        if operation == "GetCustomModel":
            return 200, self._model_body(model)
        if operation == "DeleteCustomModel":
            for service in self.fake.active_services:  # a model that a deployment serves is refused
                if isinstance(service, ModelUser):
                    service.check_model_deletable(model.model_arn)
            del self.fake.models[model.model_arn]
            return 200, {}
        return tags_answer(operation, model.tags, params)

    def _job_body(self, job: CopyJob) -> dict[str, Any]:
        status = job.status(self.fake.clock.time())
        body: dict[str, Any] = {
            "jobArn": job.job_arn,
            "status": status,
            "creationTime": iso(job.created_at),
            "targetModelArn": job.target_model_arn,
            "targetModelName": job.target_model_name,
            "sourceAccountId": job.source_model_arn.split(":")[4] or self.fake.account,
            "sourceModelArn": job.source_model_arn,
            "targetModelTags": job.tags,
            "sourceModelName": job.source_model_arn.rsplit("/", 1)[-1][:8] + "-source",
        }
        if job.kms_key_arn:
            body["targetModelKmsKeyArn"] = job.kms_key_arn
        if status == "Failed":
            body["failureMessage"] = job.script.failure_message or "Copy failed"
        return body

    def _model_body(self, model: CustomModel, *, summary: bool = False) -> dict[str, Any]:
        body = {
            "modelArn": model.model_arn,
            "modelName": model.model_name,
            "creationTime": iso(model.created_at),
            "baseModelArn": model.base_model_arn or FOUNDATION_MODEL,
        }
        if summary:
            body.update(baseModelName="", ownerAccountId=self.fake.account)
        body["modelStatus"] = "Active"
        if model.kms_key_arn and not summary:
            body["modelKmsKeyArn"] = model.kms_key_arn
        return body

    def _create_job(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        source, name = params["sourceModelArn"], params["targetModelName"]
        tags = {tag["key"]: tag["value"] for tag in params.get("targetModelTags", [])}
        token = params.get("clientRequestToken", "")
        fingerprint = json.dumps([source, name, params.get("modelKmsKeyId", ""), sorted(tags.items())])
        for job in fake.jobs.values():
            if token and fake.remember_tokens and job.token == token:
                if job.request_fingerprint != fingerprint:
                    raise ServiceError(
                        "ValidationException", 400, "The client request token was already used with other parameters."
                    )
                return 201, {"jobArn": job.job_arn}
        if ":imported-model/" in source:  # docs/aws-behaviour.md I7: not in the sourceModelArn pattern
            raise ServiceError(
                "ValidationException",
                400,
                f"1 validation error detected: Value '{source}' at 'sourceModelArn' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern",
            )
        if source in fake.missing_sources:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {source}.")
        if len(tags) > 50:
            raise ServiceError("TooManyTagsException", 400, "A model may carry at most 50 tags.")
        now = fake.clock.time()
        running = [job for job in fake.jobs.values() if job.status(now) == "InProgress"]
        if any(model.model_name == name for model in fake.models.values()) or any(
            job.target_model_name == name for job in running
        ):
            raise ServiceError("ConflictException", 409, f"A model with the name {name} already exists.")
        if fake.max_concurrent_jobs is not None and len(running) >= fake.max_concurrent_jobs:
            raise ServiceError(
                "ServiceQuotaExceededException", 400, "Concurrent model copy jobs quota exceeded for this account."
            )
        script = fake.copy_scripts.get(name, CopyScript(fake.default_copy_duration))
        job = new_job(fake, source, name, params.get("modelKmsKeyId", ""), tags, script, token)
        job.request_fingerprint = fingerprint
        return 201, {"jobArn": job.job_arn}

    def _list_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        now = self.fake.clock.time()
        jobs = list(self.fake.jobs.values())
        if "sourceModelArnEquals" in params:
            jobs = [job for job in jobs if job.source_model_arn == params["sourceModelArnEquals"]]
        if "outputModelNameContains" in params:
            jobs = [job for job in jobs if params["outputModelNameContains"] in job.target_model_name]
        if "statusEquals" in params:
            jobs = [job for job in jobs if job.status(now) == params["statusEquals"]]
        jobs.sort(key=lambda job: job.created_at, reverse=params.get("sortOrder") == "Descending")
        result: dict[str, Any] = page(jobs, params, "modelCopyJobSummaries", self.fake.page_size)
        result["modelCopyJobSummaries"] = [self._job_body(job) for job in result["modelCopyJobSummaries"]]
        return result

    def _model(self, identifier: str) -> CustomModel:
        model = find_model(self.fake.models, identifier)
        if model is None:
            raise ServiceError("ResourceNotFoundException", 404, f"Could not find model {identifier}.")
        return model
