"""Long copies: hand the copy job to the stack's copy watcher state machine, and read how it ended.

A copy whose ``timeout`` is above what a custom resource may wait is three resources:
this ``Custom::BedrockModelCopy`` (start or take back the job, as for any copy), an
``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, and a second
``Custom::BedrockModelCopy`` in ``Result`` mode that reads the finished job. This
resource does not wait: it starts one execution of the copy watcher (a Step Functions
state machine with no Lambda in its loop) that polls the job and signals the
WaitCondition, and completes at once.

Execution names: ``<logical id>-<owner>-<request>``. ``owner`` hashes the stack and this
resource; ``request`` hashes the CloudFormation request (its RequestId), the job and the
wait. A retry of the same request keeps its name (Step Functions answers a second start
of a running execution with the same name and input with that execution, and
ExecutionAlreadyExists otherwise: either way it was started). Every new deploy gets a new
name, so a wait created again (after a rollback, or a timeout changed back) always gets a
watcher: a name is unique per state machine for 90 days, even once its execution closed.
Before starting, the executions of the same ``owner`` still running are stopped: an old
watcher would signal the new wait, which has the same logical id, with its own count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from typing import Any

from . import phase, poll
from .advice import advice_for_code, describe_failure
from .bedrock import AwsError, ModelCopyError, error_code, states
from .contract import (
    PROP_POLL_INTERVAL_SECONDS,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_ARN,
    PROP_WATCHER_EXECUTION_ARN,
    CustomResourceEvent,
    IsCompleteResult,
    ResourceProperties,
)
from .serving_contract import PROP_RESOURCE_KIND

logger = logging.getLogger("model_copy")

MAX_EXECUTION_NAME = 80
PREFIX_CHARS = 40
# How long the result resource waits for a watcher that sent its last signal to end (it fails or
# succeeds a few state transitions later), before it reads a still-running watcher as a timeout.
SETTLE_SECONDS = 120
STOPPED = ("FAILED", "ABORTED", "TIMED_OUT")


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


def _digest(*parts: object, length: int) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:length]


def owner_prefix(event: CustomResourceEvent) -> str:
    """``<logical id>-<hash of stack id and logical id>-``: what every watcher of this resource's name starts with."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", event["LogicalResourceId"])[:PREFIX_CHARS]
    return f"{prefix}-{_digest(event['StackId'], event['LogicalResourceId'], length=10)}-"


def execution_name(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> str:
    """The owner prefix and a hash of this request, the job and the wait: at most 68 characters, [A-Za-z0-9_-]."""
    request = _digest(event["RequestId"], job_arn, props.get(PROP_WAIT_LOGICAL_ID), length=16)
    name = owner_prefix(event) + request
    assert len(name) <= MAX_EXECUTION_NAME
    return name


def execution_input(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> dict[str, object]:
    """What the state machine needs: the job, the wait to signal, and its polling budget and deadline."""
    poll_seconds = int(props.get(PROP_WATCH_POLL_SECONDS) or props[PROP_POLL_INTERVAL_SECONDS])
    deadline = poll.now() + poll_seconds * int(props[PROP_WATCH_MAX_POLLS])
    kind = props.get(PROP_RESOURCE_KIND)
    # A copy's job, or a serving resource's kind and ARN (the watcher's Choice on Kind picks the Get call).
    target: dict[str, object] = {"Kind": kind, "ResourceArn": job_arn} if kind else {"JobArn": job_arn}
    return {
        "Deadline": dt.datetime.fromtimestamp(deadline, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **target,
        "StackId": event["StackId"],
        "WaitLogicalId": props[PROP_WAIT_LOGICAL_ID],
        "CopyLogicalId": event["LogicalResourceId"],
        "WatchId": execution_name(event, props, job_arn)[-8:],
        "PollSeconds": poll_seconds,
        "MaxPolls": int(props[PROP_WATCH_MAX_POLLS]),
        "PollsPerPulse": int(props[PROP_WATCH_POLLS_PER_PULSE]),
        "SignalCount": int(props[PROP_WATCH_SIGNAL_COUNT]),
    }


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:<p>:states:<r>:<a>:stateMachine:<sm>`` and a name -> ``...:execution:<sm>:<name>``."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def stop_superseded(event: CustomResourceEvent, state_machine: str, keep: str) -> list[str]:
    """Stop this resource's running watchers other than ``keep``; returns the ARNs stopped.

    StopExecution is sent without error or cause: with them, an execution whose data is
    encrypted needs the key (StopExecution, API reference).
    """
    prefix = owner_prefix(event)
    stopped: list[str] = []
    try:
        pages = (
            states().get_paginator("list_executions").paginate(stateMachineArn=state_machine, statusFilter="RUNNING")
        )
        running = [e for page in pages for e in page.get("executions", [])]
    except AwsError as error:
        raise describe_failure("ListExecutions", f"copy watcher {state_machine}", error) from error
    for execution in running:
        name = str(execution.get("name", ""))
        if not name.startswith(prefix) or name == keep:
            continue
        try:
            states().stop_execution(executionArn=execution["executionArn"])
        except AwsError as error:
            if error_code(error) == "ExecutionDoesNotExist":
                continue
            subject = f"copy watcher execution {execution['executionArn']}"
            raise describe_failure("StopExecution", subject, error) from error
        logger.info("watcher=%s decision=stopped-superseded-watcher", execution["executionArn"])
        stopped.append(str(execution["executionArn"]))
    return stopped


def start(event: CustomResourceEvent, props: ResourceProperties, job_arn: str) -> str:
    """Stop this resource's older watchers, then start the watcher for this request; returns its ARN.

    A retry of the same request finds its own execution (same name): the same input is
    answered with it, a different one (a later deadline) with ExecutionAlreadyExists; both
    count as started.
    """
    name = execution_name(event, props, job_arn)
    state_machine = props[PROP_WATCHER_ARN]
    stop_superseded(event, state_machine, name)
    try:
        response = states().start_execution(
            stateMachineArn=state_machine,
            name=name,
            input=json.dumps(execution_input(event, props, job_arn), sort_keys=True),
        )
    except AwsError as error:
        if error_code(error) == "ExecutionAlreadyExists":
            logger.info("job=%s watcher=%s decision=watcher-already-started", job_arn, name)
            return execution_arn(state_machine, name)
        raise describe_failure("StartExecution", f"copy watcher {state_machine} (job {job_arn})", error) from error
    arn = str(response.get("executionArn") or execution_arn(state_machine, name))
    logger.info("job=%s watcher=%s wait=%s decision=started-watcher", job_arn, arn, props[PROP_WAIT_LOGICAL_ID])
    return arn


# --------------------------------------------------------------------------- the result resource


def watcher_log_group(event: CustomResourceEvent) -> str:
    """The copy watcher's log group (the construct names it after the stack)."""
    stack_name = event["StackId"].split(":stack/", 1)[-1].split("/", 1)[0]
    return f"/aws/vendedlogs/states/{stack_name}-bedrock-model-copy-watcher"


def report_unfinished(event: CustomResourceEvent, job: dict[str, Any]) -> IsCompleteResult:
    """A long copy's result read while the job still runs: say what stopped the watcher.

    Returns ``{"IsComplete": False}`` while the watcher that sent the last signal is still
    running (it ends a few state transitions later). Otherwise raises: with the execution's
    error, cause and advice when it failed or was stopped, else with the timeout message.

    Raises
    ------
    ModelCopyError
        Always, once the watcher's end is known.
    """
    subject = f"model copy job {job['jobArn']} was still {job.get('status')}{poll.how_long(event, job)}"
    end, text = watcher_end(event, subject, "GetModelCopyJob (copy watcher)")
    if end == SETTLING:
        return {"IsComplete": False}
    if end == TIMED_OUT:
        poll.report_unfinished(event, job, note=text)
    raise ModelCopyError(
        f"{text} The copy continues in Bedrock; the watcher's log group is {watcher_log_group(event)}."
    )


SETTLING, TIMED_OUT, STOPPED_EARLY = "settling", "timed-out", "stopped"


def watcher_end(event: CustomResourceEvent, subject: str, poll_operation: str, what: str = "job") -> tuple[str, str]:
    """How the watcher this Result resource reads ended, for a resource that is not ready.

    ``(SETTLING, "")`` while the watcher that sent the last signal is still running (it ends a few
    state transitions later); ``(TIMED_OUT, note)`` when it reached the timeout (or cannot be read:
    the note says so); ``(STOPPED_EARLY, message)`` when it failed or was stopped: the execution,
    ``subject`` (what it watched, in what state), its error, cause and advice (``poll_operation``
    names the watcher's Get call for :func:`watcher_advice`).
    """
    arn = str(event["ResourceProperties"].get(PROP_WATCHER_EXECUTION_ARN) or "")
    if not arn:
        return TIMED_OUT, ""
    try:
        execution = states().describe_execution(executionArn=arn)
    except AwsError as error:
        logger.warning("watcher=%s error=%s decision=report-timeout", arn, error_code(error))
        return TIMED_OUT, f" (DescribeExecution of the copy watcher failed: {error_code(error)})"
    status = str(execution.get("status", ""))
    if status == "RUNNING" and poll.now() - poll.started_at(event) < SETTLE_SECONDS:
        logger.info("watcher=%s status=RUNNING decision=wait-for-watcher-to-end", arn)
        return SETTLING, ""
    if status not in STOPPED:
        return TIMED_OUT, ""
    name = str(execution.get("error") or ("States.Aborted" if status == "ABORTED" else "unknown"))
    cause = str(execution.get("cause") or "no cause given").strip().rstrip(".")
    logger.info("watcher=%s status=%s error=%s decision=report-watcher-stop", arn, status, name)
    return STOPPED_EARLY, (
        f"The copy watcher {arn} stopped ({status}) while {subject}: {name}: {cause}. "
        f"{watcher_advice(status, name, cause, poll_operation, what)}"
    )


def watcher_advice(
    status: str, error: str, cause: str, poll_operation: str = "GetModelCopyJob (copy watcher)", what: str = "job"
) -> str:
    """What to do next when the watcher's execution ended without the job (or the ``what``) ending."""
    if status == "ABORTED":
        return (
            "The execution was stopped (by a later deploy of this copy, by hand, or its state machine was "
            f"deleted): deploy again to resume waiting for the same {what}."
        )
    service, _, code = error.partition(".")
    operation = poll_operation if service == "Bedrock" else ""
    advice = advice_for_code(operation, code, cause) if operation else ""
    return advice or (
        "Read the execution's history for the failed state, fix the cause, then deploy again to resume waiting "
        f"for the same {what}."
    )
