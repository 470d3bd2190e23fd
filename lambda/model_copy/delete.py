"""Deletes: delete the copied model only when the resource says so and owns it.

Rules (README, Lifecycle):
- The model is deleted only when the resource's final DeletionPolicy is Delete
  (``DeleteModelOnDelete``), the resource is a copy (never a waiter), and the model
  is this resource's own by its current tags. Anything else is left alone, logged,
  and the Delete succeeds; so does a Delete that finds the model already gone.
- An unfinished copy: in a rollback it is left running (a deploy of the same stack
  name and properties takes it back) and the Delete succeeds at once; in a stack
  delete or clean-up the handler waits for it, as long as CloudFormation allows.
  A stack delete that runs out of time fails naming the model and the commands; a
  clean-up that runs out of time succeeds and logs them (CloudFormation would
  ignore the failure anyway).
- A model Bedrock refuses to delete because it is in use (ConflictException): when
  everything that serves it is a Provisioned Throughput this stack made and left under
  an unexpired commitment, the model is left with it and the Delete succeeds, logging
  the commands to finish once the term ends (:mod:`.served`); otherwise a forward stack
  delete fails with "delete those first" (a clean-up or rollback never fails).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import phase, poll, served
from .advice import describe_failure
from .bedrock import AwsError, ModelCopyError, client, error_code, is_transient
from .contract import (
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_MODE,
    CustomResourceEvent,
    IsCompleteResult,
)
from .ownership import Owner, model_is_gone, model_tags, owns_model, stack_name

logger = logging.getLogger("model_copy")

DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}


def complete_delete(event: CustomResourceEvent) -> IsCompleteResult:
    """One poll of a Delete."""
    job_arn = event["PhysicalResourceId"]
    props = event["ResourceProperties"]
    if props.get(PROP_MODE) != MODE_COPY or props.get(PROP_DELETE_MODEL_ON_DELETE) != "true":
        logger.info("job=%s request=Delete decision=retain-model", job_arn)
        return DONE
    if ":model-copy-job/" not in job_arn:
        logger.info("job=%s request=Delete decision=nothing-was-started", job_arn)
        return DONE
    job = poll.get_job(event, job_arn, "delete")
    status = job["status"]
    if status in ("Failed", poll.JOB_GONE):
        logger.info("job=%s status=%s request=Delete decision=nothing-to-delete", job_arn, status)
        return DONE
    if not poll.is_unknown(job):
        owner = Owner.of_job(job)
        if not owner.started_by(event):
            logger.info("job=%s request=Delete decision=leave-alone reason=started-by owner=%s", job_arn, owner)
            return DONE
    if status == "Completed":
        return _delete_model(event, job)
    return _wait_or_hand_over(event, job)


def _wait_or_hand_over(event: CustomResourceEvent, job: Mapping[str, Any]) -> IsCompleteResult:
    """The copy has not finished (or could not be read): wait, or leave it as the phase requires."""
    job_arn = job["jobArn"]
    model_arn = job.get("targetModelArn") or "the copied model"
    current = phase.current(event)
    if current == "rollback":
        logger.info(
            "job=%s model=%s phase=rollback decision=leave-running-copy: deploy the same stack name and "
            "properties again to take it back, or after the copy ends run: %s",
            job_arn,
            model_arn,
            delete_command(str(model_arn), job_arn, stack_name(event)),
        )
        return DONE
    if not poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
        logger.info("job=%s status=%s request=Delete decision=wait-then-delete", job_arn, job.get("status"))
        return AGAIN
    waited = poll.minutes(poll.now() - poll.started_at(event))
    if current == "cleanup":
        logger.warning(
            "job=%s model=%s phase=cleanup decision=leave-running-copy waited=%s: the model remains when the copy "
            "ends; delete it then: %s",
            job_arn,
            model_arn,
            waited,
            delete_command(str(model_arn), job_arn, stack_name(event)),
        )
        return DONE
    command = delete_command(str(model_arn), job_arn, stack_name(event))
    raise ModelCopyError(
        f"Model copy job {job_arn} is still {job.get('status')}{poll.how_long(event, job)}; this delete waited "
        f"{waited} to delete model {model_arn} when the copy ends, and CloudFormation allows a custom resource one "
        f"hour. Delete the stack again after the copy ends (aws bedrock get-model-copy-job --job-arn {job_arn} "
        f"--region {_region(job_arn)}) and the model is deleted; or finish now with --retain-resources "
        f"{event['LogicalResourceId']} and, after the copy ends, run: {command}"
    )


def _delete_model(event: CustomResourceEvent, job: Mapping[str, Any]) -> IsCompleteResult:
    job_arn, model_arn = job["jobArn"], str(job["targetModelArn"])
    tags = model_tags(model_arn)
    if tags is None:
        logger.info("job=%s model=%s decision=model-already-gone", job_arn, model_arn)
        return DONE
    if not owns_model(tags, event, job):
        logger.info(
            "job=%s model=%s decision=leave-alone reason=owned-by owner=%s", job_arn, model_arn, Owner.from_tags(tags)
        )
        return DONE
    try:
        client().delete_custom_model(modelIdentifier=model_arn)
    except AwsError as error:
        if model_is_gone(model_arn, error):
            logger.info("job=%s model=%s decision=model-already-gone", job_arn, model_arn)
            return DONE
        if is_transient(error) and not poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
            logger.info("job=%s model=%s error=%s decision=poll-again", job_arn, model_arn, error_code(error))
            return AGAIN
        if error_code(error) == "ConflictException":
            # In use: a stack delete never fails because of a commitment this stack's Provisioned Throughput has.
            left = served.left_under_commitment(model_arn, stack_name(event), _region(model_arn))
            if left:
                logger.warning(
                    "job=%s model=%s decision=leave-model-served-under-commitment: %s", job_arn, model_arn, left
                )
                return DONE
        raise describe_failure("DeleteCustomModel", f"model {model_arn} (job {job_arn})", error) from error
    logger.info("job=%s model=%s decision=model-deleted", job_arn, model_arn)
    return DONE


def _region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def delete_command(model_arn: str, job_arn: str, stack: str) -> str:
    """The commands that delete the copied model: the AWS CLI's, and this library's ``clean`` for the stack.

    ``bedrock-model-copy clean`` deletes it only once no stack declares it (README, Day 2).
    """
    region = _region(job_arn)
    return (
        f"aws bedrock delete-custom-model --model-identifier {model_arn} --region {region} "
        f"(or: bedrock-model-copy clean --region {region} --stack {stack} --yes)"
    )
