"""Long waits of any kind: hand the resource to the stack's watcher state machine, and read how it ended.

A resource whose ``timeout`` is above what a custom resource may wait is three resources: this
one (R1: start or take back the Bedrock resource, as for any resource), an
``AWS::CloudFormation::WaitCondition`` with a CreationPolicy (R2), and the same custom resource
type in ``Result`` mode (R3) that reads the finished resource. R1 does not wait when it made a new
wait: it starts one execution of the watcher (a Step Functions state machine with no Lambda in
its loop) that polls the resource and signals R2, and completes at once. A WaitCondition is only
evaluated when it is created, so an update in place of a kind that changes something in Bedrock
(``Kind.waits_in_place``: a deployment moved to another model) is waited for by R1 itself, at most
57 minutes.

Execution names: ``<logical id>-<owner>-<request>``. ``owner`` hashes the stack and this
resource; ``request`` hashes the CloudFormation request (its RequestId), the resource and the
wait. A retry of the same request keeps its name (Step Functions answers a second start of a
running execution with the same name and input with that execution, and ExecutionAlreadyExists
otherwise: either way it was started). Every new deploy gets a new name. Before starting, the
executions of the same ``owner`` still running are stopped: an old watcher would signal the new
wait, which has the same logical id, with its own count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from ..advice import advice_for_code, describe_failure
from ..aws import AwsError, HandlerError, error_code, is_not_found, is_transient, states
from ..contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_ARN,
    PROP_WATCHER_EXECUTION_ARN,
    IsCompleteResult,
    OnEventResult,
)
from ..kinds.base import FAILED, READY, Kind
from . import phase
from .request import Request, minutes, now

logger = logging.getLogger("model_copy")

MAX_EXECUTION_NAME = 80
PREFIX_CHARS = 40
# How long the result resource waits for a watcher that sent its last signal to end (it fails or
# succeeds a few state transitions later), before it reads a still-running watcher as a timeout.
SETTLE_SECONDS = 120
STOPPED = ("FAILED", "ABORTED", "TIMED_OUT")
SETTLING, TIMED_OUT, STOPPED_EARLY = "settling", "timed-out", "stopped"
DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}


def is_long(props: Mapping[str, Any]) -> bool:
    """Whether this resource waits through a WaitCondition (the construct gave it the watcher)."""
    return bool(props.get(PROP_WATCHER_ARN))


def no_watcher() -> dict[str, str]:
    """R1's Data when this request started no watcher (R3 reads the attribute on every deploy)."""
    return {ATTR_WATCHER_EXECUTION_ARN: ""}


def completes_at_once(kind: Kind, request: Request) -> bool:
    """Whether R1 completes without its resource being ready: the watcher waits for it.

    When this request started a watcher (a new wait), or when the kind changes nothing in Bedrock
    in place (a copy: its R3 reads the job).
    """
    if not is_long(request.props):
        return False
    return bool(request.data.get(ATTR_WATCHER_EXECUTION_ARN)) or not kind.waits_in_place


def needs_watcher(request: Request, arn: str) -> bool:
    """Whether this request must start a watcher: its WaitCondition is a new one.

    A Create always; an Update when the resource changed (a new one, so a new wait) or when it
    became long (a wait appears); never in a rollback, whose wait is the old, finished one.
    """
    if not is_long(request.props):
        return False
    if request.type == "Create":
        return True
    new_wait = arn != request.physical_id or request.old.get(PROP_WAIT_LOGICAL_ID) != request.props.get(
        PROP_WAIT_LOGICAL_ID
    )
    return new_wait and phase.current(request) != "rollback"


def start_watcher(kind: Kind, request: Request, arn: str) -> dict[str, str]:
    """Start the watcher when this request needs one; R1's Data (the execution, or "")."""
    if not needs_watcher(request, arn):
        return no_watcher()
    return {ATTR_WATCHER_EXECUTION_ARN: start(kind, request, arn)}


def in_place_timeout(kind: Kind, request: Request, status: str) -> HandlerError:
    """An update in place of a long resource that is not done within the 57 minutes R1 can wait."""
    return HandlerError(
        f"{kind.noun} {request.physical_id} is still {status} after {minutes(request.waited())}: an update in place "
        f"(same ARN) waits within its own custom resource, at most {minutes(MAX_TIMEOUT_SECONDS)}; the rest of this "
        f"resource's timeout of {minutes(request.timeout_seconds)} serves only creation, since a WaitCondition is "
        "only evaluated when it is created. Bedrock goes on; the rollback moves it back to what it served. Deploy "
        "again once it is ready (the update is then quick), or give the resource a new construct id to create a new "
        "one that waits the whole timeout."
    )


# --------------------------------------------------------------------------- starting the watcher


def _digest(*parts: object, length: int) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:length]


def owner_prefix(request: Request) -> str:
    """``<logical id>-<hash of stack id and logical id>-``: what every watcher of this resource's name starts with."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", request.logical_id)[:PREFIX_CHARS]
    return f"{prefix}-{_digest(request.stack_id, request.logical_id, length=10)}-"


def execution_name(request: Request, arn: str) -> str:
    """The owner prefix and a hash of this request, the resource and the wait: at most 68 characters, [A-Za-z0-9_-]."""
    name = owner_prefix(request) + _digest(request.request_id, arn, request.props.get(PROP_WAIT_LOGICAL_ID), length=16)
    assert len(name) <= MAX_EXECUTION_NAME
    return name


def execution_input(kind: Kind, request: Request, arn: str) -> dict[str, object]:
    """What the state machine needs: the resource, the wait to signal, and its polling budget and deadline."""
    props = request.props
    poll_seconds = int(props.get(PROP_WATCH_POLL_SECONDS) or props[PROP_POLL_INTERVAL_SECONDS])
    deadline = now() + poll_seconds * int(props[PROP_WATCH_MAX_POLLS])
    assert kind.watch is not None
    # A copy's job (the watcher's default branch), or another kind's name and ARN (its Choice on Kind).
    target: dict[str, object] = {"JobArn": arn} if kind.name == MODE_COPY else {"Kind": kind.name, "ResourceArn": arn}
    return {
        "Deadline": dt.datetime.fromtimestamp(deadline, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **target,
        "StackId": request.stack_id,
        "WaitLogicalId": props[PROP_WAIT_LOGICAL_ID],
        "CopyLogicalId": request.logical_id,
        "WatchId": execution_name(request, arn)[-8:],
        "PollSeconds": poll_seconds,
        "MaxPolls": int(props[PROP_WATCH_MAX_POLLS]),
        "PollsPerPulse": int(props[PROP_WATCH_POLLS_PER_PULSE]),
        "SignalCount": int(props[PROP_WATCH_SIGNAL_COUNT]),
    }


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:<p>:states:<r>:<a>:stateMachine:<sm>`` and a name -> ``...:execution:<sm>:<name>``."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def _failure(operation: str, subject: str, error: Exception) -> HandlerError:
    return describe_failure((), operation, subject, error)


def stop_superseded(request: Request, state_machine: str, keep: str) -> list[str]:
    """Stop this resource's running watchers other than ``keep``; returns the ARNs stopped.

    StopExecution is sent without error or cause: with them, an execution whose data is
    encrypted needs the key (StopExecution, API reference).
    """
    prefix = owner_prefix(request)
    stopped: list[str] = []
    try:
        pages = (
            states().get_paginator("list_executions").paginate(stateMachineArn=state_machine, statusFilter="RUNNING")
        )
        running = [e for page in pages for e in page.get("executions", [])]
    except AwsError as error:
        raise _failure("ListExecutions", f"copy watcher {state_machine}", error) from error
    for execution in running:
        name = str(execution.get("name", ""))
        if not name.startswith(prefix) or name == keep:
            continue
        try:
            states().stop_execution(executionArn=execution["executionArn"])
        except AwsError as error:
            if error_code(error) == "ExecutionDoesNotExist":
                continue
            raise _failure("StopExecution", f"copy watcher execution {execution['executionArn']}", error) from error
        logger.info("watcher=%s decision=stopped-superseded-watcher", execution["executionArn"])
        stopped.append(str(execution["executionArn"]))
    return stopped


def start(kind: Kind, request: Request, arn: str) -> str:
    """Stop this resource's older watchers, then start the watcher for this request; returns its ARN.

    A retry of the same request finds its own execution (same name): the same input is
    answered with it, a different one (a later deadline) with ExecutionAlreadyExists; both
    count as started.
    """
    name = execution_name(request, arn)
    state_machine = str(request.props[PROP_WATCHER_ARN])
    stop_superseded(request, state_machine, name)
    try:
        response = states().start_execution(
            stateMachineArn=state_machine,
            name=name,
            input=json.dumps(execution_input(kind, request, arn), sort_keys=True),
        )
    except AwsError as error:
        if error_code(error) == "ExecutionAlreadyExists":
            logger.info("%s watcher=%s decision=watcher-already-started", kind.log(arn), name)
            return execution_arn(state_machine, name)
        raise _failure("StartExecution", f"copy watcher {state_machine} ({kind.subject(arn)})", error) from error
    started = str(response.get("executionArn") or execution_arn(state_machine, name))
    logger.info(
        "%s watcher=%s wait=%s decision=started-watcher", kind.log(arn), started, request.props[PROP_WAIT_LOGICAL_ID]
    )
    return started


# --------------------------------------------------------------------------- the Result resource (R3)


def on_event_result(kind: Kind, request: Request, started: OnEventResult) -> OnEventResult:
    """R3's physical id is what R1 made; it never creates, changes or deletes anything."""
    if request.type == "Delete":
        return {"PhysicalResourceId": request.physical_id, **started}
    kind.check_result(request.props)
    arn = kind.result_arn(request.props)
    logger.info("%s request=%s decision=read-result", kind.log(arn), request.type)
    return {"PhysicalResourceId": arn, **started}


def complete_result(kind: Kind, request: Request) -> IsCompleteResult:
    """Read the resource once: its attributes when ready, Bedrock's message when failed, else why the watcher ended."""
    if request.type == "Delete":
        return DONE  # Result mode never deletes anything
    arn = kind.result_arn(request.props)
    try:
        raw = kind.get(arn)
    except AwsError as error:
        if is_transient(error) and not request.past(MAX_TIMEOUT_SECONDS):
            logger.info("%s error=%s decision=read-again", kind.log(arn), error_code(error))
            return AGAIN
        if is_not_found(error):
            raise kind.gone_failure(arn, error) from error
        raise kind.failure(kind.get_operation, kind.subject(arn), error) from error
    state, message = kind.state(raw, request.props)
    if state == READY:
        logger.info("%s status=%s decision=complete", kind.log(arn), kind.status(raw))
        return {"IsComplete": True, "Data": kind.attributes(raw)}
    if state == FAILED:
        logger.info("%s status=%s decision=fail-resource", kind.log(arn), kind.status(raw))
        raise HandlerError(message)
    end, text = watcher_end(kind, request, kind.watched_subject(raw))
    if end == SETTLING:
        return AGAIN
    if end == TIMED_OUT:
        logger.info("%s status=%s decision=timeout-of-long-wait", kind.log(arn), kind.status(raw))
        raise HandlerError(kind.long_timeout_message(request, raw, text))
    raise HandlerError(f"{text} {kind.goes_on}; the watcher's log group is {watcher_log_group(request)}.")


def watcher_log_group(request: Request) -> str:
    """The watcher's log group (the construct names it after the stack)."""
    return f"/aws/vendedlogs/states/{request.stack_name}-bedrock-model-copy-watcher"


def watcher_end(kind: Kind, request: Request, subject: str) -> tuple[str, str]:
    """How the watcher this Result resource reads ended, for a resource that is not ready.

    ``(SETTLING, "")`` while the watcher that sent the last signal is still running (it ends a few
    state transitions later); ``(TIMED_OUT, note)`` when it reached the timeout (or cannot be read:
    the note says so); ``(STOPPED_EARLY, message)`` when it failed or was stopped: the execution,
    ``subject`` (what it watched, in what state), its error, cause and advice.
    """
    arn = str(request.props.get(PROP_WATCHER_EXECUTION_ARN) or "")
    if not arn:
        return TIMED_OUT, ""
    try:
        execution = states().describe_execution(executionArn=arn)
    except AwsError as error:
        logger.warning("watcher=%s error=%s decision=report-timeout", arn, error_code(error))
        return TIMED_OUT, f" (DescribeExecution of the copy watcher failed: {error_code(error)})"
    status = str(execution.get("status", ""))
    if status == "RUNNING" and request.waited() < SETTLE_SECONDS:
        logger.info("watcher=%s status=RUNNING decision=wait-for-watcher-to-end", arn)
        return SETTLING, ""
    if status not in STOPPED:
        return TIMED_OUT, ""
    name = str(execution.get("error") or ("States.Aborted" if status == "ABORTED" else "unknown"))
    cause = str(execution.get("cause") or "no cause given").strip().rstrip(".")
    logger.info("watcher=%s status=%s error=%s decision=report-watcher-stop", arn, status, name)
    return STOPPED_EARLY, (
        f"The copy watcher {arn} stopped ({status}) while {subject}: {name}: {cause}. "
        f"{watcher_advice(kind, status, name, cause)}"
    )


def watcher_advice(kind: Kind, status: str, error: str, cause: str) -> str:
    """What to do next when the watcher's execution ended without the resource ending."""
    what = "job" if kind.watch is not None and kind.watch.arn_input == "JobArn" else kind.noun
    if status == "ABORTED":
        return (
            "The execution was stopped (by a later deploy of this copy, by hand, or its state machine was "
            f"deleted): deploy again to resume waiting for the same {what}."
        )
    service, _, code = error.partition(".")
    operation = f"{kind.get_operation} (copy watcher)" if service == "Bedrock" else ""
    advice = advice_for_code(kind.advice, operation, code, cause) if operation else ""
    return advice or (
        "Read the execution's history for the failed state, fix the cause, then deploy again to resume waiting "
        f"for the same {what}."
    )
