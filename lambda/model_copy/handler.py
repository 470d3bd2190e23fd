"""Lambda entry points of the ``Custom::BedrockModelCopy`` provider.

The aws-cdk-lib provider framework calls :func:`on_event` once per CloudFormation
request, then :func:`is_complete` every poll interval with the same merged event
until it reports completion or raises. Nothing survives between polls except
what Bedrock itself knows, so every decision here is made from the event and a
fresh ``GetModelCopyJob``.

Logging: the job ARN, its status and the decision taken. Never the event (it
carries the pre-signed ResponseURL) and never request bodies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import rules
from .bedrock import ModelCopyError, client, describe_failure, error_code, is_transient
from .contract import (
    ATTRIBUTE_SOURCE_FIELDS,
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    MODE_WAIT,
    OWNER_TAG_KEY,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    PROP_TIMEOUT_SECONDS,
    STARTED_AT_KEY,
    CustomResourceEvent,
    IsCompleteResult,
    OnEventResult,
    ResourceProperties,
)

logger = logging.getLogger("model_copy")
logger.setLevel(logging.INFO)

# Wall clock used for deadlines. The offline driver replaces it with a simulated clock.
clock: Callable[[], float] = time.time

DEFAULT_POLL_INTERVAL_SECONDS = 30
_NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ValidationException"})
NOT_FOUND_GRACE_SECONDS = 60  # how long a just-started job may be unknown to GetModelCopyJob
JOB_GONE = "Gone"  # pseudo-status: Bedrock does not know the job (nothing to delete)


# --------------------------------------------------------------------------- entry points


def on_event(event: CustomResourceEvent, context: object = None) -> OnEventResult:
    """Start, adopt or keep the copy job; its ARN is the PhysicalResourceId.

    Parameters
    ----------
    event : CustomResourceEvent
        The CloudFormation request, as the provider framework forwards it.
    context : object, optional
        The Lambda context (unused).

    Returns
    -------
    OnEventResult
        ``PhysicalResourceId`` (the job ARN) and the start time of the wait,
        which the framework merges into every ``is_complete`` event.

    Raises
    ------
    rules.PropertyValidationError
        A resolved property that Bedrock would refuse.
    ModelCopyError
        Bedrock refused the request, or the update cannot be made in place.
    """
    request_type = event["RequestType"]
    started: OnEventResult = {STARTED_AT_KEY: clock()}
    if request_type == "Delete":
        physical_id = event["PhysicalResourceId"]
        logger.info("job=%s request=Delete decision=check-in-is_complete", physical_id)
        return {"PhysicalResourceId": physical_id, **started}

    props = event["ResourceProperties"]
    check_properties(props)
    if props[PROP_MODE] == MODE_WAIT:
        job_arn = props[PROP_JOB_ARN]
        logger.info("job=%s request=%s decision=wait-for-existing-job", job_arn, request_type)
        return {"PhysicalResourceId": job_arn, **started}

    if request_type == "Update":
        physical_id = event["PhysicalResourceId"]
        old = event.get("OldResourceProperties") or {}
        if not _needs_new_copy(old, props):
            logger.info("job=%s request=Update decision=update-in-place", physical_id)
            return {"PhysicalResourceId": physical_id, **started}
        if _is_return_to_current_job(physical_id, old, props):
            logger.info("job=%s request=Update decision=keep-current-job", physical_id)
            return {"PhysicalResourceId": physical_id, **started}
        if old.get(PROP_MODE) == MODE_COPY and old.get(PROP_TARGET_MODEL_NAME) == props[PROP_TARGET_MODEL_NAME]:
            raise ModelCopyError(
                f"Changing {_changed_fields(old, props)} requires a new copy, and CloudFormation creates the "
                f"new model before it deletes the old one, so both cannot be named "
                f"{props[PROP_TARGET_MODEL_NAME]!r}. Choose a new target_model_name and deploy again "
                f"(current job {physical_id} was left unchanged)."
            )

    job_arn = _adopt_or_start(event, props)
    return {"PhysicalResourceId": job_arn, **started}


def is_complete(event: CustomResourceEvent, context: object = None) -> IsCompleteResult:
    """Poll the copy job once.

    Returns ``{"IsComplete": False}`` while the job runs or Bedrock throttles,
    and ``{"IsComplete": True, "Data": {...}}`` with every attribute once it
    completes.

    Raises
    ------
    ModelCopyError
        The job failed, Bedrock refused the call, or this resource's timeout is
        about to pass (the message says how to resume).
    """
    job_arn = event["PhysicalResourceId"]
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return _complete_delete(event, props, job_arn)

    job = _get_job_or_wait(event, job_arn, "copy")
    if job is None:
        return {"IsComplete": False}
    status = job["status"]
    if status == "Failed":
        logger.info("job=%s status=Failed decision=fail-resource", job_arn)
        raise ModelCopyError(
            f"Model copy job {job_arn} failed: {job.get('failureMessage') or 'Bedrock gave no reason'}. "
            "Fix the cause (source model, KMS key policy, quotas) and deploy again; a new copy job is started."
        )
    if status != "Completed":
        _check_deadline(event, job, "copy")
        logger.info("job=%s status=%s decision=poll-again", job_arn, status)
        return {"IsComplete": False}

    old = event.get("OldResourceProperties") or {}
    if event["RequestType"] == "Update" and props.get(PROP_MODE) == MODE_COPY and not _needs_new_copy(old, props):
        # Updated in place: bring the model's tags from the old properties to the new ones.
        # (A new copy was started with the new tags already.)
        _sync_tags(job["targetModelArn"], old, props)
    logger.info("job=%s status=Completed decision=complete", job_arn)
    return {"IsComplete": True, "Data": attributes(job)}


# --------------------------------------------------------------------------- checks and helpers


def check_properties(props: ResourceProperties) -> None:
    """Check resolved properties against the same rules as the construct's synth-time checks."""
    mode = props.get(PROP_MODE)
    if mode == MODE_COPY:
        rules.check_source_model_arn(_required(props, PROP_SOURCE_MODEL_ARN))
        rules.check_target_model_name(_required(props, PROP_TARGET_MODEL_NAME))
        kms_key_id = props.get(PROP_TARGET_MODEL_KMS_KEY_ID)
        if kms_key_id:
            rules.check_kms_key_id(kms_key_id)
        rules.check_tags(props.get(PROP_TARGET_MODEL_TAGS) or {})
    elif mode == MODE_WAIT:
        rules.check_job_arn(_required(props, PROP_JOB_ARN))
    else:
        raise ModelCopyError(f"Property {PROP_MODE} is {mode!r}; expected {MODE_COPY!r} or {MODE_WAIT!r}.")


def _required(props: Mapping[str, Any], key: str) -> str:
    value = props.get(key)
    if not isinstance(value, str):
        raise ModelCopyError(f"Property {key} is missing; the construct always sets it (is the template edited?).")
    return value


def attributes(job: Mapping[str, Any]) -> dict[str, str]:
    """Every CloudFormation attribute from a GetModelCopyJob response ("" where Bedrock omits a field)."""
    data: dict[str, str] = {}
    for attribute, field in ATTRIBUTE_SOURCE_FIELDS.items():
        value = job.get(field)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        data[attribute] = "" if value is None else str(value)
    return data


def stack_name(event: CustomResourceEvent) -> str:
    """The stack's name, from ``arn:...:stack/<name>/<guid>``; the ownership tag's value."""
    return event["StackId"].split(":stack/", 1)[-1].split("/", 1)[0]


def _copy_fields(props: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        props.get(PROP_MODE),
        props.get(PROP_SOURCE_MODEL_ARN),
        props.get(PROP_TARGET_MODEL_NAME),
        props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "",
    )


def _needs_new_copy(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return _copy_fields(old) != _copy_fields(new)


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    names = {
        PROP_SOURCE_MODEL_ARN: "source_model_arn",
        PROP_TARGET_MODEL_KMS_KEY_ID: "target_kms_key",
        PROP_MODE: "the construct type",
    }
    changed = [label for key, label in names.items() if (old.get(key) or "") != (new.get(key) or "")]
    return " and ".join(changed) or "the copy's properties"


def _kms_matches(job_key_arn: str, wanted: str) -> bool | None:
    """Whether a job's key ARN is the wanted key; None when an alias makes it undecidable."""
    if not wanted:
        return not job_key_arn
    if "alias/" in wanted:
        return None
    return job_key_arn == wanted or job_key_arn.endswith(f"key/{wanted}")


def _job_matches(job: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    kms = _kms_matches(job.get("targetModelKmsKeyArn") or "", props.get(PROP_TARGET_MODEL_KMS_KEY_ID) or "")
    return (
        job.get("sourceModelArn") == props.get(PROP_SOURCE_MODEL_ARN)
        and job.get("targetModelName") == props.get(PROP_TARGET_MODEL_NAME)
        and kms is not False
    )


def _is_return_to_current_job(physical_id: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """True when the current job was started from the NEW properties, not the old ones.

    That is CloudFormation rolling back a failed update: the properties go back to
    what the current job was made from, and nothing must be started or refused.
    """
    if new.get(PROP_MODE) != MODE_COPY or ":model-copy-job/" not in physical_id:
        return False
    try:
        job = client().get_model_copy_job(jobArn=physical_id)
    except ClientError as error:
        if error_code(error) in _NOT_FOUND_CODES:
            return False
        raise describe_failure("GetModelCopyJob", f"job {physical_id}", error) from error
    except BotoCoreError as error:
        raise describe_failure("GetModelCopyJob", f"job {physical_id}", error) from error
    return _job_matches(job, new) and not _job_matches(job, old)


def _jobs_named(name: str, source: str) -> Iterator[Mapping[str, Any]]:
    """Copy jobs in this Region whose target name is exactly ``name``, newest first."""
    paginator = client().get_paginator("list_model_copy_jobs")
    pages = paginator.paginate(targetModelNameContains=name, sortBy="CreationTime", sortOrder="Descending")
    try:
        for page in pages:
            for summary in page.get("modelCopyJobSummaries", []):
                if summary.get("targetModelName") == name:
                    yield summary
    except (ClientError, BotoCoreError) as error:
        raise describe_failure("ListModelCopyJobs", f"target model name {name!r} (source {source})", error) from error


def _model_exists(model_arn: str) -> bool:
    try:
        client().get_custom_model(modelIdentifier=model_arn)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return False
        raise describe_failure("GetCustomModel", f"model {model_arn}", error) from error
    except BotoCoreError as error:
        raise describe_failure("GetCustomModel", f"model {model_arn}", error) from error
    return True


def _adopt_or_start(event: CustomResourceEvent, props: ResourceProperties) -> str:
    """Return the ARN of a job to wait on: a matching existing one, or a new one."""
    source = props[PROP_SOURCE_MODEL_ARN]
    name = props[PROP_TARGET_MODEL_NAME]
    for job in _jobs_named(name, source):
        status = job.get("status")
        if status == "Failed":
            continue
        if status == "Completed" and not _model_exists(job["targetModelArn"]):
            continue
        if job.get("sourceModelArn") != source:
            state = "is being copied" if status == "InProgress" else "already exists"
            raise ModelCopyError(
                f"A model named {name!r} {state} in this Region from {job.get('sourceModelArn')} "
                f"(job {job['jobArn']}), but this resource copies {source}. Choose another "
                "target_model_name, or delete that model first."
            )
        logger.info("job=%s status=%s decision=adopt-existing-job", job["jobArn"], status)
        return str(job["jobArn"])

    tags = [{"key": key, "value": value} for key, value in sorted((props.get(PROP_TARGET_MODEL_TAGS) or {}).items())]
    tags.append({"key": OWNER_TAG_KEY, "value": stack_name(event)})
    request: dict[str, Any] = {
        "sourceModelArn": source,
        "targetModelName": name,
        "targetModelTags": tags,
        "clientRequestToken": client_request_token(event, props),
    }
    kms_key_id = props.get(PROP_TARGET_MODEL_KMS_KEY_ID)
    if kms_key_id:
        request["modelKmsKeyId"] = kms_key_id
    try:
        job_arn = str(client().create_model_copy_job(**request)["jobArn"])
    except (ClientError, BotoCoreError) as error:
        raise describe_failure("CreateModelCopyJob", f"source {source} -> target model name {name!r}", error) from error
    logger.info("job=%s status=InProgress decision=started-new-copy", job_arn)
    return job_arn


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


def _get_job_or_wait(event: CustomResourceEvent, job_arn: str, purpose: str) -> dict[str, Any] | None:
    """GetModelCopyJob; None when Bedrock throttles or is unreachable (poll again later).

    For ``purpose == "delete"`` a job Bedrock does not know is reported as status
    ``Gone`` (nothing to delete) instead of an error.
    """
    try:
        return dict(client().get_model_copy_job(jobArn=job_arn))
    except (ClientError, BotoCoreError) as error:
        if purpose == "delete" and isinstance(error, ClientError) and error_code(error) in _NOT_FOUND_CODES:
            return {"jobArn": job_arn, "status": JOB_GONE}
        if not is_transient(error) and not _just_started_and_not_found(event, error):
            raise describe_failure("GetModelCopyJob", f"job {job_arn}", error) from error
        code = error_code(error) if isinstance(error, ClientError) else type(error).__name__
        _check_deadline(event, {"jobArn": job_arn, "status": f"unknown ({code})"}, purpose)
        logger.info("job=%s status=unknown error=%s decision=poll-again", job_arn, code)
        return None


def _just_started_and_not_found(event: CustomResourceEvent, error: Exception) -> bool:
    """A job Bedrock does not list yet, right after it was started: read it again next poll.

    Bedrock's reads can lag a moment behind CreateModelCopyJob (eventual consistency).
    """
    if not isinstance(error, ClientError) or error_code(error) != "ResourceNotFoundException":
        return False
    started = float(event.get(STARTED_AT_KEY) or 0)
    return clock() - started < NOT_FOUND_GRACE_SECONDS


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _check_deadline(event: CustomResourceEvent, job: Mapping[str, Any], purpose: str) -> None:
    """Fail with a useful message on the last poll before the resource's timeout."""
    props = event["ResourceProperties"]
    # A delete waits as long as CloudFormation allows, so that no model appears after the stack is gone.
    timeout = (
        MAX_TIMEOUT_SECONDS if purpose == "delete" else int(props.get(PROP_TIMEOUT_SECONDS) or MAX_TIMEOUT_SECONDS)
    )
    poll_interval = int(props.get(PROP_POLL_INTERVAL_SECONDS) or DEFAULT_POLL_INTERVAL_SECONDS)
    now = clock()
    waited = now - float(event.get(STARTED_AT_KEY) or now)
    if waited + poll_interval <= timeout:
        return
    created = job.get("creationTime")
    ran = (
        f", started {created.isoformat()} ({_minutes(now - created.timestamp())} ago)"
        if isinstance(created, dt.datetime)
        else ""
    )
    job_arn = job["jobArn"]
    logger.info("job=%s status=%s decision=timeout", job_arn, job.get("status"))
    if purpose == "delete":
        raise ModelCopyError(
            f"Model copy job {job_arn} is still {job.get('status')}{ran}; this resource waited {_minutes(waited)} "
            f"(timeout {_minutes(timeout)}) to delete the copied model. The copy continues in Bedrock: retry the "
            "stack delete after it finishes so the model is deleted, or delete the model yourself then."
        )
    resume = (
        "deploy again to resume waiting for the same job"
        if props.get(PROP_MODE) == MODE_WAIT
        else "deploy again to resume: the construct adopts the running job instead of starting another"
    )
    raise ModelCopyError(
        f"Model copy job {job_arn} is still {job.get('status')}{ran}; this resource waited {_minutes(waited)} "
        f"and its timeout is {_minutes(timeout)} (CloudFormation allows a custom resource one hour). "
        f"The copy continues in Bedrock: {resume}."
    )


def _sync_tags(model_arn: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Apply a tags-only change in place: untag removed keys, tag added or changed ones."""
    old_tags: Mapping[str, str] = old.get(PROP_TARGET_MODEL_TAGS) or {}
    new_tags: Mapping[str, str] = new.get(PROP_TARGET_MODEL_TAGS) or {}
    removed = sorted(set(old_tags) - set(new_tags))
    changed = {key: value for key, value in new_tags.items() if old_tags.get(key) != value}
    try:
        if removed:
            client().untag_resource(resourceARN=model_arn, tagKeys=removed)
        if changed:
            client().tag_resource(
                resourceARN=model_arn,
                tags=[{"key": key, "value": value} for key, value in sorted(changed.items())],
            )
    except (ClientError, BotoCoreError) as error:
        raise describe_failure("TagResource/UntagResource", f"model {model_arn}", error) from error
    if removed or changed:
        logger.info("model=%s decision=tags-updated removed=%d set=%d", model_arn, len(removed), len(changed))


def _complete_delete(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> IsCompleteResult:
    if props.get(PROP_MODE) != MODE_COPY or props.get(PROP_DELETE_MODEL_ON_DELETE) != "true":
        logger.info("job=%s request=Delete decision=retain-model", job_arn)
        return {"IsComplete": True}
    if ":model-copy-job/" not in job_arn:
        logger.info("job=%s request=Delete decision=nothing-was-started", job_arn)
        return {"IsComplete": True}
    job = _get_job_or_wait(event, job_arn, "delete")
    if job is None:
        return {"IsComplete": False}
    status = job["status"]
    if status in ("Failed", JOB_GONE):
        logger.info("job=%s status=%s request=Delete decision=nothing-to-delete", job_arn, status)
        return {"IsComplete": True}
    if status != "Completed":
        _check_deadline(event, job, "delete")
        logger.info("job=%s status=%s request=Delete decision=wait-then-delete", job_arn, status)
        return {"IsComplete": False}

    model_arn = job["targetModelArn"]
    try:
        client().delete_custom_model(modelIdentifier=model_arn)
    except ClientError as error:
        code = error_code(error)
        if code == "ResourceNotFoundException":
            logger.info("job=%s model=%s decision=model-already-gone", job_arn, model_arn)
            return {"IsComplete": True}
        if is_transient(error):
            logger.info("job=%s model=%s error=%s decision=poll-again", job_arn, model_arn, code)
            return {"IsComplete": False}
        if code == "AccessDeniedException":
            raise ModelCopyError(
                f"DeleteCustomModel was denied for {model_arn} (job {job_arn}): this stack's handler may only "
                f"delete models tagged {OWNER_TAG_KEY}={stack_name(event)}, the tag it puts on the copies it "
                "starts. The model was not started by this stack (it was adopted) or the tag was removed: delete "
                "it yourself, or set removal_policy=RETAIN."
            ) from error
        raise describe_failure("DeleteCustomModel", f"model {model_arn} (job {job_arn})", error) from error
    except BotoCoreError:
        logger.info("job=%s model=%s decision=poll-again", job_arn, model_arn)
        return {"IsComplete": False}
    logger.info("job=%s model=%s decision=model-deleted", job_arn, model_arn)
    return {"IsComplete": True}
