"""Model copies: ``CreateModelCopyJob`` makes a custom model in this Region; the job's ARN is the physical id.

Bedrock (docs/aws-behaviour.md M1-M14): a copy job is ``InProgress`` until ``Completed`` or
``Failed`` (no way to stop it); it carries no tags of its own, but its description keeps the
``targetModelTags`` it was started with, readable from its first second, so ownership is read from
the job while it runs and from the model's own tags once it exists. What a delete removes is the
copied model (``DeleteCustomModel``), and only when the resource's final DeletionPolicy is Delete.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from .. import rules
from ..aws import AwsError, HandlerError, client, error_code
from ..contract import (
    ATTR_JOB_ARN,
    ATTRIBUTE_SOURCE_FIELDS,
    MODE_COPY,
    OWNER_TAG_KEY,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    RESOURCE_TYPE,
)
from ..engine.ownership import Owner, ownership_tags
from ..engine.request import Request, minutes
from . import served
from .base import FAILED, READY, WAITING, Found, Watch, required, text
from .copy_advice import ADVICE
from .fleet import KMS_KEY, Billing, Compared, Drift, Listing
from .job import JobKind, how_long, kms_matches, region_of

logger = logging.getLogger("model_copy")

# The fleet command: running copy jobs (their tags are the job's targetModelTags: a job has no tags of its own)
# and copied models; every other job tells which model it made.
JOBS = Listing(
    "model-copy-job",
    "running copy jobs",
    "ListModelCopyJobs",
    "modelCopyJobSummaries",
    "jobArn",
    "targetModelName",
    running="InProgress",
    tags="targetModelTags",
)
MODELS = Listing(
    "custom-model",
    "copied models",
    "ListCustomModels",
    "modelSummaries",
    "modelArn",
    "modelName",
    status="modelStatus",
    parameters=(("isOwned", True),),
    delete="DeleteCustomModel",
    identifier="modelIdentifier",
)
# Bedrock's pricing page lists a monthly storage fee per custom model and no price for a copy job (README, Costs).
MODEL_BILLING = Billing("monthly storage fee until deleted", idle=True)
JOB_BILLING = Billing("no price published for a copy job", idle=False)

# drift: the job names the model it made; the model's name and key against the template (the source is the job's
# own: another source makes another job, so a live stack's physical id and source always agree).
DRIFT = Drift(
    read=("GetModelCopyJob", "jobArn"),
    product_read=("GetCustomModel", "modelIdentifier"),
    fields=(
        Compared("name", PROP_TARGET_MODEL_NAME, "modelName"),
        Compared("KMS key", PROP_TARGET_MODEL_KMS_KEY_ID, "modelKmsKeyArn", KMS_KEY),
    ),
)

COPY_WATCH = Watch("getModelCopyJob", "JobArn", "JobArn", "copy", "Completed", "GetModelCopyJob", "model-copy-job")

# What a change of each identity property is called in messages (the construct's prop names).
LABELS = {
    PROP_MODE: "the construct type",
    PROP_SOURCE_MODEL_ARN: "source_model_arn",
    PROP_TARGET_MODEL_NAME: "target_model_name",
    PROP_TARGET_MODEL_KMS_KEY_ID: "target_kms_key",
}


def copy_request_id(props: Mapping[str, Any]) -> str:
    """Fingerprint of what identifies a copy: source, target name and KMS key as requested."""
    material = json.dumps(
        [
            props.get(PROP_SOURCE_MODEL_ARN) or "",
            props.get(PROP_TARGET_MODEL_NAME) or "",
            props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "",
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def made_from(job: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    """Whether ``job`` was started from these properties (as recorded when it started)."""
    owner = Owner.from_tags(job.get("targetModelTags"))
    if owner.request:
        return owner.request == copy_request_id(props)
    return (
        job.get("sourceModelArn") == props.get(PROP_SOURCE_MODEL_ARN)
        and job.get("targetModelName") == props.get(PROP_TARGET_MODEL_NAME)
        and kms_matches(job.get("targetModelKmsKeyArn") or "", props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "")
    )


def job_attributes(job: Mapping[str, Any]) -> dict[str, str]:
    """Every CloudFormation attribute from a GetModelCopyJob response ("" where Bedrock omits a field)."""
    return {attribute: text(job.get(field)) for attribute, field in ATTRIBUTE_SOURCE_FIELDS.items()}


def delete_command(model_arn: str, job_arn: str, stack: str) -> str:
    """The commands that delete the copied model: the AWS CLI's, and this library's ``clean`` for the stack."""
    return KIND.delete_command(model_arn, region_of(job_arn), stack)


class CopyKind(JobKind):
    """A ``BedrockModelCopy`` (``Mode`` ``Copy``)."""

    name = MODE_COPY
    selector = PROP_MODE
    resource_type = RESOURCE_TYPE
    noun = "Model copy job"
    product_noun = "model"
    arn_marker = ":model-copy-job/"
    get_operation = "GetModelCopyJob"
    create_operation = "CreateModelCopyJob"
    delete_operation = "DeleteCustomModel"
    list_operation = "ListModelCopyJobs"
    product_get_operation = "GetCustomModel"
    goes_on = "The copy continues in Bedrock"
    created_decision = "started-new-copy"
    identity: ClassVar[tuple[str, ...]] = (
        PROP_MODE,
        PROP_SOURCE_MODEL_ARN,
        PROP_TARGET_MODEL_NAME,
        PROP_TARGET_MODEL_KMS_KEY_ID,
    )
    tags_property = PROP_TARGET_MODEL_TAGS
    watch: ClassVar[Watch | None] = COPY_WATCH
    advice = ADVICE
    operations: ClassVar[tuple[str, ...]] = (
        "create_model_copy_job",
        "get_model_copy_job",
        "list_model_copy_jobs",
        "get_custom_model",
        "delete_custom_model",
        "list_tags_for_resource",
        "tag_resource",
        "untag_resource",
    )
    minimum_botocore = "1.34.152"
    delete_is_final = True
    labels: ClassVar[dict[str, str]] = LABELS
    listings: ClassVar[tuple[Listing, ...]] = (JOBS, MODELS)
    lookup: ClassVar[tuple[str, str]] = ("GetModelCopyJob", "jobArn")
    drift: ClassVar[Drift | None] = DRIFT
    work = "copy"
    model_name_label = "target_model_name"
    product_field = "targetModelArn"
    delete_cli = "delete-custom-model"
    unnamed_model = "the copied model"
    watcher = "copy watcher"
    job_billing = JOB_BILLING
    model_billing = MODEL_BILLING

    def check(self, props: Mapping[str, Any]) -> None:
        rules.check_source_model_arn(required(props, PROP_SOURCE_MODEL_ARN))
        rules.check_target_model_name(required(props, PROP_TARGET_MODEL_NAME))
        kms_key_id = props.get(PROP_TARGET_MODEL_KMS_KEY_ID)
        if kms_key_id:
            rules.check_kms_key_id(kms_key_id)
        rules.check_tags(props.get(PROP_TARGET_MODEL_TAGS) or {})

    def name_of(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_TARGET_MODEL_NAME) or "")

    def fingerprint(self, props: Mapping[str, Any]) -> str:
        return copy_request_id(props)

    def left_billing(self, request: Request, raw: Mapping[str, Any]) -> str:
        model_arn = self.product(raw)
        return (
            "A custom model is billed Bedrock's monthly storage fee until it is deleted; delete it when nothing "
            f"uses it: {delete_command(model_arn, str(raw.get('jobArn') or ''), request.stack_name)}"
        )

    def result_arn(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_JOB_ARN) or "")

    def check_result(self, props: Mapping[str, Any]) -> None:
        rules.check_job_arn(required(props, PROP_JOB_ARN))

    def gone_for_update(self, request: Request, product: str) -> HandlerError:
        return HandlerError(
            f"Model {product} (job {request.physical_id}) no longer exists: it was deleted outside CloudFormation, so "
            "its tags cannot change. To copy the model again, give the resource a new target_model_name."
        )

    # ------------------------------------------------------------------ calls

    def same_named(self, props: Mapping[str, Any]) -> list[Found]:
        name = self.name_of(props)
        pages = (
            client()
            .get_paginator("list_model_copy_jobs")
            .paginate(targetModelNameContains=name, sortBy="CreationTime", sortOrder="Descending")
        )
        return [
            Found(str(summary["jobArn"]), str(summary.get("status", "")), summary)
            for page in pages
            for summary in page.get("modelCopyJobSummaries", [])
            if summary.get("targetModelName") == name
        ]

    def superseded(self, found: Found) -> bool:
        """Failed jobs, and finished jobs whose model was deleted, are passed over by a take-back."""
        if found.status == "Failed":
            return True
        return found.status == "Completed" and self._model_gone(str(found.raw.get("targetModelArn")))

    def _model_gone(self, model_arn: str) -> bool:
        try:
            client().get_custom_model(modelIdentifier=model_arn)
        except AwsError as error:
            if error_code(error) == "ResourceNotFoundException":
                return True
            raise self.failure("GetCustomModel", f"model {model_arn}", error) from error
        return False

    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
        user = sorted((props.get(PROP_TARGET_MODEL_TAGS) or {}).items())
        request: dict[str, Any] = {
            "sourceModelArn": props[PROP_SOURCE_MODEL_ARN],
            "targetModelName": props[PROP_TARGET_MODEL_NAME],
            "targetModelTags": [{"key": key, "value": value} for key, value in user] + tags,
            "clientRequestToken": token,
        }
        kms_key_id = props.get(PROP_TARGET_MODEL_KMS_KEY_ID)
        if kms_key_id:
            request["modelKmsKeyId"] = kms_key_id
        return str(client().create_model_copy_job(**request)["jobArn"])

    def create_subject(self, props: Mapping[str, Any]) -> str:
        return f"source {props.get(PROP_SOURCE_MODEL_ARN)} -> target model name {props.get(PROP_TARGET_MODEL_NAME)!r}"

    def get(self, arn: str) -> dict[str, Any]:
        return dict(client().get_model_copy_job(jobArn=arn))

    def get_product(self, arn: str) -> dict[str, Any]:
        return dict(client().get_custom_model(modelIdentifier=arn))

    def delete(self, product: str) -> None:
        client().delete_custom_model(modelIdentifier=product)

    # ------------------------------------------------------------------ answers

    def state(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> tuple[str, str]:
        status = raw.get("status")
        if status == "Completed":
            return READY, ""
        if status == "Failed":
            reason = str(raw.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
            return FAILED, (
                f"Model copy job {raw.get('jobArn')} failed: {reason}. Fix the cause (source model, KMS key policy, "
                "quotas) and deploy again; a new copy job is started."
            )
        return WAITING, ""

    def attributes(self, raw: Mapping[str, Any]) -> dict[str, str]:
        return job_attributes(raw)

    def blank_attributes(self, arn: str) -> dict[str, str]:
        blanks = dict.fromkeys(ATTRIBUTE_SOURCE_FIELDS, "")
        blanks[ATTR_JOB_ARN] = arn if self.arn_marker in arn else ""
        return blanks

    def made_from(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        return made_from(raw, props)

    def recorded_owner(self, raw: Mapping[str, Any]) -> Owner | None:
        return Owner.from_tags(raw.get("targetModelTags"))

    def legacy_stack(self, raw: Mapping[str, Any]) -> str:
        return Owner.from_tags(raw.get("targetModelTags")).stack

    def settle(self, request: Request, raw: Mapping[str, Any], tags: Mapping[str, str]) -> None:
        """Write the resource and request tags on a 0.1.0 copy this resource owns (once)."""
        if Owner.from_tags(tags).resource:
            return
        model_arn = self.product(raw)
        new_tags = [
            tag for tag in ownership_tags(request, copy_request_id(request.props)) if tag["key"] != OWNER_TAG_KEY
        ]
        try:
            client().tag_resource(resourceARN=model_arn, tags=new_tags)
        except AwsError as error:
            raise self.failure("TagResource", f"model {model_arn}", error) from error
        logger.info("model=%s decision=recorded-ownership-of-upgraded-copy", model_arn)

    def in_use_reason(self, model_arn: str, request: Request) -> str:
        """A model Bedrock refuses to delete as in use: why it may be left (served under this stack's commitment)."""
        return served.left_under_commitment(model_arn, request.stack_name, region_of(model_arn))

    # ------------------------------------------------------------------ messages

    def timeout_advice(self, request: Request) -> str:
        return (
            "deploy again (same stack name and properties) to resume: the resource takes back the job it started "
            "instead of starting another"
        )

    def not_ours(self, request: Request, found: Found, owner: Owner) -> HandlerError:
        job = found.raw
        name = self.name_of(request.props)
        state = "is being copied" if found.status == "InProgress" else "already exists"
        if owner.started_by(request):
            why = (
                "it was requested with another source model or KMS key "
                f"(it copies {job.get('sourceModelArn')}, key {job.get('targetModelKmsKeyArn') or 'AWS owned'})"
            )
        else:
            why = f"it is owned by {owner.describe()}"
        return HandlerError(
            f"A model named {name!r} {state} in this Region (job {found.arn}), and this resource (stack "
            f"{request.stack_name}, resource {request.logical_id}) did not start it from these properties: "
            f"{why}. Nothing was changed. Choose another target_model_name; or read that copy without owning it with "
            f"ModelCopyJobWaiter(job_arn={found.arn!r}); or delete that model first."
        )

    def list_subject(self, props: Mapping[str, Any]) -> str:
        return f"target model name {self.name_of(props)!r} (source {props.get(PROP_SOURCE_MODEL_ARN)})"

    def unfinished_message(self, request: Request, raw: Mapping[str, Any]) -> str:
        job_arn, model_arn = str(raw.get("jobArn")), str(raw.get("targetModelArn") or "the copied model")
        command = delete_command(model_arn, job_arn, request.stack_name)
        return (
            f"Model copy job {job_arn} is still {raw.get('status')}{how_long(raw)}; this delete waited "
            f"{minutes(request.waited())} to delete model {model_arn} when the copy ends, and CloudFormation allows a "
            f"custom resource one hour. Delete the stack again after the copy ends (aws bedrock get-model-copy-job "
            f"--job-arn {job_arn} --region {region_of(job_arn)}) and the model is deleted; or finish now with "
            f"--retain-resources {request.logical_id} and, after the copy ends, run: {command}"
        )


KIND = CopyKind()
