"""Lambda entry points of the ``Custom::BedrockModelCopy`` provider.

The aws-cdk-lib provider framework calls :func:`on_event` once per CloudFormation
request, then :func:`is_complete` every poll interval with the same merged event
until it reports completion or raises. Nothing survives between polls except
what Bedrock itself knows, so every decision is made from the event, the job's
ownership tags and a fresh ``GetModelCopyJob``.

The rules live one phase a module, over one ownership module:
:mod:`.start` (start or take back), :mod:`.update`, :mod:`.delete`, :mod:`.poll`,
:mod:`.ownership`; :mod:`.phase` tells rollbacks and clean-ups apart, and here a
request of those phases is never failed (README, Lifecycle).

Logging: the job ARN, its status and the decision taken. Never the event (it
carries the pre-signed ResponseURL) and never request bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import delete, phase, poll, rules, serving, start, update, watcher
from . import deployment as _deployment  # noqa: F401 - the serving kinds register themselves with serving
from . import throughput as _throughput  # noqa: F401
from .bedrock import AwsError, ModelCopyError, client
from .contract import (
    ATTR_JOB_ARN,
    ATTR_WATCHER_EXECUTION_ARN,
    ATTRIBUTE_SOURCE_FIELDS,
    DEFERRED_FAILURE_KEY,
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    MODE_RESULT,
    MODE_WAIT,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    STARTED_AT_KEY,
    CustomResourceEvent,
    IsCompleteResult,
    OnEventResult,
    ResourceProperties,
)
from .logs import name_log_group

logger = logging.getLogger("model_copy")
logger.setLevel(logging.INFO)


@name_log_group
def on_event(event: CustomResourceEvent, context: object = None) -> OnEventResult:
    """Start, take back or keep the copy job; its ARN is the PhysicalResourceId.

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
        Bedrock refused the request, a same-named copy is not this resource's, or
        the update cannot be made in place. Never during a rollback or clean-up.
    """
    if serving.handles(event):  # a deployment or Provisioned Throughput, not a copy
        return serving.on_event(event)
    request_type = event["RequestType"]
    started: OnEventResult = {STARTED_AT_KEY: poll.now()}
    if request_type == "Delete":
        physical_id = event["PhysicalResourceId"]
        logger.info("job=%s request=Delete decision=check-in-is_complete", physical_id)
        return {"PhysicalResourceId": physical_id, **started}
    props = event.get("ResourceProperties") or {}
    if props.get(PROP_MODE) == MODE_COPY and watcher.is_watched(props):
        # A long copy's R3 reads this attribute: present on every answer, "" when no watcher was started.
        started["Data"] = {ATTR_WATCHER_EXECUTION_ARN: ""}
    try:
        check_properties(props)
        if props[PROP_MODE] in (MODE_WAIT, MODE_RESULT):
            job_arn = props[PROP_JOB_ARN]
            logger.info("job=%s request=%s decision=wait-for-existing-job", job_arn, request_type)
        else:
            job_arn = update.on_update(event, props) if request_type == "Update" else start.adopt_or_start(event, props)
            if watcher.needs_watcher(event, props, job_arn):
                started["Data"] = {ATTR_WATCHER_EXECUTION_ARN: watcher.start(event, props, job_arn)}
    except Exception as error:
        if request_type != "Update":
            raise
        current = phase.current(event)
        if _must_not_fail(event, current, error):
            return {"PhysicalResourceId": event["PhysicalResourceId"], **started}
        if current != "pending":
            raise
        # A rollback must not fail because its stack's status was slow to read: decide at the next poll.
        logger.warning(
            "job=%s request=Update phase=pending decision=decide-at-next-poll: %s", event["PhysicalResourceId"], error
        )
        return {"PhysicalResourceId": event["PhysicalResourceId"], **started, DEFERRED_FAILURE_KEY: str(error)}
    return {"PhysicalResourceId": job_arn, **started}


@name_log_group
def is_complete(event: CustomResourceEvent, context: object = None) -> IsCompleteResult:
    """Poll the copy job once.

    Returns ``{"IsComplete": False}`` while the job runs or Bedrock throttles,
    and ``{"IsComplete": True, "Data": {...}}`` with every attribute once it
    completes.

    Raises
    ------
    ModelCopyError
        The job failed, Bedrock refused the call, or this resource's timeout is
        about to pass (the message says how to resume). Never during a rollback
        or clean-up: there the request succeeds and the log says what was left.
    """
    if serving.handles(event):  # a deployment or Provisioned Throughput, not a copy
        return serving.is_complete(event)
    try:
        deferred = event.get(DEFERRED_FAILURE_KEY)
        if deferred:
            raise ModelCopyError(deferred)  # on_event failed while the stack's status was unreadable
        if event["RequestType"] == "Delete":
            return delete.complete_delete(event)
        return _complete_copy(event)
    except Exception as error:
        if event["RequestType"] == "Create":
            raise
        current = phase.current(event)
        if _must_not_fail(event, current, error):
            if event["RequestType"] == "Delete":
                return {"IsComplete": True}
            return {"IsComplete": True, "Data": _attributes_if_readable(event["PhysicalResourceId"])}
        if current != "pending":
            raise
        if not poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
            logger.warning(
                "job=%s request=%s phase=pending decision=ask-again: %s",
                event["PhysicalResourceId"],
                event["RequestType"],
                error,
            )
            return {"IsComplete": False}
        raise ModelCopyError(f"{str(error).rstrip('.')}. {_phase_unreadable_advice(event)}") from error


def _complete_copy(event: CustomResourceEvent) -> IsCompleteResult:
    job_arn = event["PhysicalResourceId"]
    job = poll.get_job(event, job_arn, "copy")
    status = job["status"]
    if status == "Failed":
        logger.info("job=%s status=Failed decision=fail-resource", job_arn)
        reason = str(job.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
        raise ModelCopyError(
            f"Model copy job {job_arn} failed: {reason}. Fix the cause (source model, KMS key policy, quotas) "
            "and deploy again; a new copy job is started."
        )
    if status != "Completed":
        props = event["ResourceProperties"]
        if props.get(PROP_MODE) == MODE_RESULT:
            return watcher.report_unfinished(event, job)  # what stopped the watcher; never waits for the job
        if props.get(PROP_MODE) == MODE_COPY and watcher.is_watched(props):
            logger.info("job=%s status=%s decision=complete-watcher-waits", job_arn, status)
            return {"IsComplete": True, "Data": poll.attributes(job)}
        poll.check_deadline(event, job)
        logger.info("job=%s status=%s decision=poll-again", job_arn, status)
        return {"IsComplete": False}
    if event["ResourceProperties"].get(PROP_MODE) == MODE_COPY:
        update.settle_ownership_and_tags(event, job)
    logger.info("job=%s status=Completed decision=complete", job_arn)
    return {"IsComplete": True, "Data": poll.attributes(job)}


def _phase_unreadable_advice(event: CustomResourceEvent) -> str:
    stack_id = event["StackId"]
    return (
        f"CloudFormation's DescribeStacks kept failing (throttled or unavailable) for "
        f"{poll.minutes(poll.now() - poll.started_at(event))}, so this request could not tell a rollback from a "
        f"forward update. If the stack is now UPDATE_ROLLBACK_FAILED, run: aws cloudformation "
        f"continue-update-rollback --stack-name {stack_id} --resources-to-skip {event['LogicalResourceId']}"
    )


def _must_not_fail(event: CustomResourceEvent, current: phase.Phase, error: Exception) -> bool:
    """True (and logged) when ``error`` comes during a rollback or clean-up, where the request must succeed."""
    if not phase.must_not_fail(current):
        return False
    logger.warning(
        "job=%s request=%s phase=%s decision=succeed-anyway: %s",
        event.get("PhysicalResourceId", ""),
        event["RequestType"],
        current,
        error,
    )
    return True


def _attributes_if_readable(job_arn: str) -> dict[str, str]:
    """The job's attributes for a rollback that cannot finish its own work; blanks if unreadable."""
    try:
        return poll.attributes(client().get_model_copy_job(jobArn=job_arn))
    except AwsError:
        blanks = dict.fromkeys(ATTRIBUTE_SOURCE_FIELDS, "")
        blanks[ATTR_JOB_ARN] = job_arn if ":model-copy-job/" in job_arn else ""
        return blanks


# --------------------------------------------------------------------------- deploy-time checks


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
    elif mode in (MODE_WAIT, MODE_RESULT):
        rules.check_job_arn(_required(props, PROP_JOB_ARN))
    else:
        raise ModelCopyError(
            f"Property {PROP_MODE} is {mode!r}; expected {MODE_COPY!r}, {MODE_WAIT!r} or {MODE_RESULT!r}."
        )


def _required(props: Mapping[str, Any], key: str) -> str:
    value = props.get(key)
    if not isinstance(value, str):
        raise ModelCopyError(f"Property {key} is missing; the construct always sets it (is the template edited?).")
    return value
