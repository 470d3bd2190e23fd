"""Start a copy, or take back the one this resource started before.

Rules (README, Lifecycle):
- A same-named job this resource started from the same properties (its ownership
  tags say so) is taken back, running or finished: no second copy.
- A same-named job or model anyone else made (no owner tag, another stack, another
  logical id, another source or KMS key) fails the request before anything changes.
- Failed jobs, and finished jobs whose model was deleted, are passed over.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from .advice import describe_failure
from .bedrock import AwsError, ModelCopyError, client, error_code
from .contract import (
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    CustomResourceEvent,
    ResourceProperties,
)
from .ownership import Owner, is_own_job, ownership_tags, stack_name

logger = logging.getLogger("model_copy")


def adopt_or_start(event: CustomResourceEvent, props: ResourceProperties) -> str:
    """Return the ARN of the job to wait on: this resource's own earlier job, or a new one."""
    source = props[PROP_SOURCE_MODEL_ARN]
    name = props[PROP_TARGET_MODEL_NAME]
    for job in _jobs_named(name, source):
        status = job.get("status")
        if status == "Failed":
            continue
        if status == "Completed" and not _model_exists(job["targetModelArn"]):
            continue
        if not is_own_job(job, event, props):
            raise _not_ours(job, event, props)
        logger.info("job=%s status=%s decision=take-back-own-job", job["jobArn"], status)
        return str(job["jobArn"])
    return _start(event, props)


def _start(event: CustomResourceEvent, props: ResourceProperties) -> str:
    source = props[PROP_SOURCE_MODEL_ARN]
    name = props[PROP_TARGET_MODEL_NAME]
    user_tags = sorted((props.get(PROP_TARGET_MODEL_TAGS) or {}).items())
    request: dict[str, Any] = {
        "sourceModelArn": source,
        "targetModelName": name,
        "targetModelTags": [{"key": key, "value": value} for key, value in user_tags] + ownership_tags(event, props),
        "clientRequestToken": client_request_token(event, props),
    }
    kms_key_id = props.get(PROP_TARGET_MODEL_KMS_KEY_ID)
    if kms_key_id:
        request["modelKmsKeyId"] = kms_key_id
    try:
        job_arn = str(client().create_model_copy_job(**request)["jobArn"])
    except AwsError as error:
        own = _own_job_started_meanwhile(event, props) if error_code(error) == "ConflictException" else None
        if own is not None:
            return own
        raise describe_failure("CreateModelCopyJob", f"source {source} -> target model name {name!r}", error) from error
    logger.info("job=%s status=InProgress decision=started-new-copy", job_arn)
    return job_arn


def _own_job_started_meanwhile(event: CustomResourceEvent, props: ResourceProperties) -> str | None:
    """After a name conflict: this request's own job, started by an earlier try the listing did not show yet.

    The clientRequestToken makes a retried CreateModelCopyJob return the first job where Bedrock
    remembers it; how long it does is not documented (docs/aws-behaviour.md, M3), so a conflict is
    looked up again before it fails the request.
    """
    for job in _jobs_named(props[PROP_TARGET_MODEL_NAME], props[PROP_SOURCE_MODEL_ARN]):
        if job.get("status") != "Failed" and is_own_job(job, event, props):
            logger.info("job=%s status=%s decision=take-back-own-job-after-conflict", job["jobArn"], job.get("status"))
            return str(job["jobArn"])
    return None


def _not_ours(job: Mapping[str, Any], event: CustomResourceEvent, props: ResourceProperties) -> ModelCopyError:
    name = props[PROP_TARGET_MODEL_NAME]
    owner = Owner.of_job(job)
    state = "is being copied" if job.get("status") == "InProgress" else "already exists"
    if owner.started_by(event):
        why = (
            "it was requested with another source model or KMS key "
            f"(it copies {job.get('sourceModelArn')}, key {job.get('targetModelKmsKeyArn') or 'AWS owned'})"
        )
    else:
        why = f"it is owned by {owner.describe()}"
    logger.info("job=%s status=%s decision=refuse-not-own owner=%s", job["jobArn"], job.get("status"), owner)
    return ModelCopyError(
        f"A model named {name!r} {state} in this Region (job {job['jobArn']}), and this resource (stack "
        f"{stack_name(event)}, resource {event['LogicalResourceId']}) did not start it from these properties: "
        f"{why}. Nothing was changed. Choose another target_model_name; or read that copy without owning it with "
        f"ModelCopyJobWaiter(job_arn={job['jobArn']!r}); or delete that model first."
    )


def client_request_token(event: CustomResourceEvent, props: Mapping[str, Any]) -> str:
    """Idempotency token: the same CloudFormation request always yields the same token.

    A retried Create (CloudFormation or the framework re-sending the request)
    therefore cannot start a second copy.
    """
    material = json.dumps(
        [
            event["StackId"],
            event["LogicalResourceId"],
            event["RequestId"],
            props.get(PROP_SOURCE_MODEL_ARN),
            props.get(PROP_TARGET_MODEL_NAME),
            props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "",
            sorted((props.get(PROP_TARGET_MODEL_TAGS) or {}).items()),
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:64]


def _jobs_named(name: str, source: str) -> Iterator[Mapping[str, Any]]:
    """Copy jobs in this Region whose target name is exactly ``name``, newest first."""
    paginator = client().get_paginator("list_model_copy_jobs")
    pages = paginator.paginate(targetModelNameContains=name, sortBy="CreationTime", sortOrder="Descending")
    try:
        for page in pages:
            for summary in page.get("modelCopyJobSummaries", []):
                if summary.get("targetModelName") == name:
                    yield summary
    except AwsError as error:
        raise describe_failure("ListModelCopyJobs", f"target model name {name!r} (source {source})", error) from error


def _model_exists(model_arn: str) -> bool:
    try:
        client().get_custom_model(modelIdentifier=model_arn)
    except AwsError as error:
        if error_code(error) == "ResourceNotFoundException":
            return False
        raise describe_failure("GetCustomModel", f"model {model_arn}", error) from error
    return True
