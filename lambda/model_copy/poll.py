"""Reading a copy job once per poll, and the deadline of a resource's wait."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, NoReturn

from .advice import describe_failure
from .bedrock import AwsError, ModelCopyError, client, error_code, is_not_found, is_transient
from .contract import (
    ATTRIBUTE_SOURCE_FIELDS,
    MAX_TIMEOUT_SECONDS,
    MODE_WAIT,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
    STARTED_AT_KEY,
    CustomResourceEvent,
)

logger = logging.getLogger("model_copy")

# Wall clock used for deadlines. The offline driver replaces it with a simulated clock.
clock: Callable[[], float] = time.time

DEFAULT_POLL_INTERVAL_SECONDS = 30
NOT_FOUND_GRACE_SECONDS = 60  # how long a just-started job may be unknown to GetModelCopyJob
JOB_GONE = "Gone"  # pseudo-status: Bedrock does not know the job (nothing to delete)
UNKNOWN = "unknown"  # pseudo-status: this poll could not read the job

Purpose = Literal["copy", "delete"]


def now() -> float:
    return clock()


def get_job(event: CustomResourceEvent, job_arn: str, purpose: Purpose) -> dict[str, Any]:
    """GetModelCopyJob.

    Returns status ``unknown (<code>)`` when Bedrock throttles, is unreachable, or does
    not know a job it started moments ago: the caller polls again (its deadline
    permitting). For ``purpose == "delete"`` a job Bedrock does not know has status
    ``Gone`` (nothing to delete) instead of an error.
    """
    try:
        return dict(client().get_model_copy_job(jobArn=job_arn))
    except AwsError as error:
        if purpose == "delete" and is_not_found(error):
            return {"jobArn": job_arn, "status": JOB_GONE}
        if not is_transient(error) and not _just_started_and_not_found(event, error):
            raise describe_failure("GetModelCopyJob", f"job {job_arn}", error) from error
        code = error_code(error)
        logger.info("job=%s status=unknown error=%s decision=poll-again", job_arn, code)
        return {"jobArn": job_arn, "status": f"{UNKNOWN} ({code})"}


def is_unknown(job: Mapping[str, Any]) -> bool:
    return str(job.get("status", "")).startswith(UNKNOWN)


def _just_started_and_not_found(event: CustomResourceEvent, error: Exception) -> bool:
    """A job Bedrock does not list yet, right after it was started: read it again next poll.

    Bedrock's reads can lag a moment behind CreateModelCopyJob (eventual consistency).
    """
    if error_code(error) != "ResourceNotFoundException":
        return False
    return now() - started_at(event) < NOT_FOUND_GRACE_SECONDS


def started_at(event: CustomResourceEvent) -> float:
    return float(event.get(STARTED_AT_KEY) or now())


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def timeout_seconds(event: CustomResourceEvent) -> int:
    return int(event["ResourceProperties"].get(PROP_TIMEOUT_SECONDS) or MAX_TIMEOUT_SECONDS)


def poll_interval_seconds(event: CustomResourceEvent) -> int:
    return int(event["ResourceProperties"].get(PROP_POLL_INTERVAL_SECONDS) or DEFAULT_POLL_INTERVAL_SECONDS)


def past_deadline(event: CustomResourceEvent, timeout: int) -> bool:
    """True on the last poll before ``timeout`` (seconds since on_event) would pass."""
    return now() - started_at(event) + poll_interval_seconds(event) > timeout


def how_long(event: CustomResourceEvent, job: Mapping[str, Any]) -> str:
    """``", started <iso> (<n> min ago)"`` when the job says when it started."""
    created = job.get("creationTime")
    if isinstance(created, dt.datetime):
        return f", started {created.isoformat()} ({minutes(now() - created.timestamp())} ago)"
    return ""


def check_deadline(event: CustomResourceEvent, job: Mapping[str, Any]) -> None:
    """Fail with a message that says how to resume, on the last poll before the resource's timeout."""
    timeout = timeout_seconds(event)
    if not past_deadline(event, timeout):
        return
    logger.info("job=%s status=%s decision=timeout", job["jobArn"], job.get("status"))
    waited = now() - started_at(event)
    raise ModelCopyError(
        f"Model copy job {job['jobArn']} is still {job.get('status')}{how_long(event, job)}; this resource waited "
        f"{minutes(waited)} and its timeout is {minutes(timeout)} (CloudFormation allows a custom resource one "
        f"hour). The copy continues in Bedrock: {_resume_advice(event)}."
    )


def report_unfinished(event: CustomResourceEvent, job: Mapping[str, Any], *, note: str = "") -> NoReturn:
    """A long copy's result read while the job still runs: the copy watcher reached the timeout.

    Raises
    ------
    ModelCopyError
        Always; the message says how long the copy has run and how to resume.
    """
    logger.info("job=%s status=%s decision=timeout-of-long-copy", job["jobArn"], job.get("status"))
    raise ModelCopyError(
        f"Model copy job {job['jobArn']} is still {job.get('status')}{how_long(event, job)}; the copy watcher "
        f"stopped waiting at this copy's timeout of {minutes(timeout_seconds(event))}{note}. The copy continues in "
        f"Bedrock: {_resume_advice(event)}."
    )


def _resume_advice(event: CustomResourceEvent) -> str:
    if event["ResourceProperties"].get(PROP_MODE) == MODE_WAIT:
        return "deploy again to resume waiting for the same job"
    return (
        "deploy again (same stack name and properties) to resume: the resource takes back the job it started "
        "instead of starting another"
    )


def attributes(job: Mapping[str, Any]) -> dict[str, str]:
    """Every CloudFormation attribute from a GetModelCopyJob response ("" where Bedrock omits a field)."""
    data: dict[str, str] = {}
    for attribute, field in ATTRIBUTE_SOURCE_FIELDS.items():
        value = job.get(field)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        data[attribute] = "" if value is None else str(value)
    return data
