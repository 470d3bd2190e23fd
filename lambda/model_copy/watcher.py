"""Long copies: hand the copy job to the stack's copy watcher state machine.

A copy whose ``timeout`` is above what a custom resource may wait is three resources:
this ``Custom::BedrockModelCopy`` (start or take back the job, as for any copy), an
``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, and a second
``Custom::BedrockModelCopy`` in ``Result`` mode that reads the finished job. This
resource does not wait: it starts one execution of the copy watcher (a Step Functions
state machine with no Lambda in its loop) that polls the job and signals the
WaitCondition, and completes at once.

The execution's name is derived from the stack, this resource, the job and the wait,
so a retried request cannot start a second watcher for the same wait.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re

from . import phase, poll
from .advice import describe_failure
from .bedrock import AwsError, error_code, states
from .contract import (
    PROP_POLL_INTERVAL_SECONDS,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_ARN,
    CustomResourceEvent,
    ResourceProperties,
)

logger = logging.getLogger("model_copy")

MAX_EXECUTION_NAME = 80


def is_watched(props: ResourceProperties) -> bool:
    """Whether this copy is a long copy, watched by the state machine instead of by ``is_complete``."""
    return bool(props.get(PROP_WATCHER_ARN))


def needs_watcher(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> bool:
    """Whether this request must start a watcher: its WaitCondition is a new one.

    A Create always; an Update when the job changed (a new copy, so a new wait) or when the
    copy became long (a wait appears); never in a rollback, whose wait is the old, finished one.
    """
    if not is_watched(props):
        return False
    if event["RequestType"] == "Create":
        return True
    old = event.get("OldResourceProperties") or {}
    new_wait = job_arn != event.get("PhysicalResourceId") or old.get(PROP_WAIT_LOGICAL_ID) != props.get(
        PROP_WAIT_LOGICAL_ID
    )
    return new_wait and phase.current(event) != "rollback"


def execution_name(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> str:
    """``<logical id>-<hash of stack id, logical id, job, wait>``: at most 80 characters, [A-Za-z0-9_-]."""
    material = json.dumps([event["StackId"], event["LogicalResourceId"], job_arn, props.get(PROP_WAIT_LOGICAL_ID)])
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", event["LogicalResourceId"])[: MAX_EXECUTION_NAME - len(digest) - 1]
    return f"{prefix}-{digest}"


def execution_input(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> dict[str, object]:
    """What the state machine needs: the job, the wait to signal, and its polling budget and deadline."""
    poll_seconds = int(props.get(PROP_WATCH_POLL_SECONDS) or props[PROP_POLL_INTERVAL_SECONDS])
    deadline = poll.now() + poll_seconds * int(props[PROP_WATCH_MAX_POLLS])
    return {
        "Deadline": dt.datetime.fromtimestamp(deadline, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "JobArn": job_arn,
        "StackId": event["StackId"],
        "WaitLogicalId": props[PROP_WAIT_LOGICAL_ID],
        "PollSeconds": poll_seconds,
        "MaxPolls": int(props[PROP_WATCH_MAX_POLLS]),
        "PollsPerPulse": int(props[PROP_WATCH_POLLS_PER_PULSE]),
        "SignalCount": int(props[PROP_WATCH_SIGNAL_COUNT]),
    }


def start(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> None:
    """Start the watcher for ``job_arn`` (once: a second start with the same name is a no-op).

    A retry whose input differs only in its deadline finds the first execution (same name)
    and is answered ExecutionAlreadyExists, which counts as started.
    """
    name = execution_name(event, props, job_arn)
    state_machine = props[PROP_WATCHER_ARN]
    try:
        response = states().start_execution(
            stateMachineArn=state_machine,
            name=name,
            input=json.dumps(execution_input(event, props, job_arn), sort_keys=True),
        )
    except AwsError as error:
        if error_code(error) == "ExecutionAlreadyExists":
            logger.info("job=%s watcher=%s decision=watcher-already-started", job_arn, name)
            return
        raise describe_failure("StartExecution", f"copy watcher {state_machine} (job {job_arn})", error) from error
    logger.info(
        "job=%s watcher=%s wait=%s decision=started-watcher",
        job_arn,
        response.get("executionArn", name),
        props[PROP_WAIT_LOGICAL_ID],
    )
