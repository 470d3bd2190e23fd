"""Long waits: what any resource that can outlast an hour uses (copies, deployments, Provisioned Throughput).

A custom resource may wait at most one hour. A resource whose ``timeout`` is above 57 minutes is
three resources, whatever its kind:

- R1, the resource itself: it starts (or takes back) its Bedrock resource, stops the watcher
  executions an earlier deploy of it left running, starts one execution of the stack's watcher
  (named after the CloudFormation request) and completes at once;
- R2, an ``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, depending on R1 (:func:`add_wait`),
  whose logical id carries a hash of what makes a new Bedrock resource (a WaitCondition is only
  evaluated on CREATE: a change that makes a new one makes a new wait);
- R3, the same custom resource type in ``Result`` mode depending on R2: it reads the finished
  resource at once and gives its attributes, or fails with Bedrock's failureMessage, or with what
  stopped the watcher (error and cause), or with "deploy again to resume" at the timeout.

The watcher, one Standard state machine per stack (construct id ``CopyWatcher``, :mod:`._watcher`),
handles every kind: a Choice on the input's ``Kind`` selects the Get call (through the AWS SDK
integration: PascalCase parameters, ``Bedrock.`` error names) and the status that ends the wait
(copy ``Completed``, deployment ``Active``, Provisioned Throughput ``InService``; ``Failed`` for all).
One state machine rather than one per kind: one role, log group and set of acknowledgements, and a
constant number of resources per stack; a copy's input carries no ``Kind`` and takes the same path
as before serving resources had long waits. It polls every poll interval (longer when the timeout
would need more than 1,600 polls), sends a SUCCESS signal about every 50 minutes while the resource
is not ready (the stack events show it), and the remaining signals at its end or at the timeout.
When a poll fails for good (AccessDenied...) it still sends the remaining signals, then ends in a
Fail state with the poll's error and cause, which R3 reads with DescribeExecution. An error Step
Functions does not let a Catch handle (``States.Runtime``) ends the execution without signals: the
wait then fails at its backstop, and the watcher's log group tells why.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnCreationPolicy, CfnResource, CfnResourceSignal

from constructs import Construct

from ._lambda.model_copy.contract import (
    MAX_LONG_TIMEOUT_SECONDS,
    MODE_COPY,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_ARN,
)
from ._lambda.model_copy.kinds import KINDS as RUNTIME_KINDS
from ._lambda.model_copy.kinds.base import Watch as WatchKind

WAIT_CONDITION_TYPE = "AWS::CloudFormation::WaitCondition"
# Metadata key that marks the copy watcher state machine (the offline driver looks for it).
WATCHER_METADATA_KEY = "bedrock-model-copy:copy-watcher"
# Metadata key that marks a long copy's WaitCondition; its value is the copy resource's logical id.
# The watcher reads it (DescribeStackResource) and signals only a wait that carries it for its copy.
WAIT_METADATA_KEY = "BedrockModelCopyWait"
# The error the watcher's execution ends with when its input names a resource that is not such a wait.
NOT_A_LIBRARY_WAIT = "BedrockModelCopy.NotThisCopysWait"
# A SUCCESS signal about this often while the resource is not ready: under an hour even when polls run late.
PULSE_SECONDS = 50 * 60
# Step Functions keeps at most 25,000 events in a Standard execution's history; a poll costs 13
# (a Task 5, a Pass, two Choices and a Wait 2 each): 1,600 polls and the signals stay under 21,000.
# The watcher polls at most this often in one execution, polling less often than poll_interval when
# the timeout would need more polls.
MAX_WATCH_POLLS = 1600
# CloudFormation's backstop (ResourceSignal.Timeout) comes this long after the watcher's deadline,
# so the watcher's final signals, not the backstop, end the wait; both stay within PT12H.
BACKSTOP_MARGIN_SECONDS = 15 * 60
SIGNAL_RETRY = {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 20, "BackoffRate": 1.0}
# Errors after which a poll is simply counted and the loop goes on (the handler treats them alike).
TRANSIENT_POLL_ERRORS = [
    "Bedrock.ThrottlingException",
    "Bedrock.InternalServerException",
    "Bedrock.ServiceUnavailableException",
    "Bedrock.ResourceNotFoundException",  # a job started moments ago may not be readable yet
]


def watch_budget(timeout_seconds: int, poll_interval_seconds: int) -> dict[str, int]:
    """The watcher's polling interval and polls until its deadline, polls per pulse, the signals
    the wait needs and CloudFormation's backstop (seconds).

    The interval is ``poll_interval``, or longer when the timeout would need more than
    :data:`MAX_WATCH_POLLS` polls (12 hours: at least 27 seconds). The wait needs one signal per
    pulse the watcher can send before its deadline, plus one: the watcher sends whatever remains
    once the job is terminal or the deadline passes.
    """
    watched = min(timeout_seconds, MAX_LONG_TIMEOUT_SECONDS - BACKSTOP_MARGIN_SECONDS)
    interval = max(poll_interval_seconds, -(-watched // MAX_WATCH_POLLS))
    max_polls = max(1, watched // interval)
    per_pulse = max(1, PULSE_SECONDS // interval)
    return {
        "interval_seconds": interval,
        "max_polls": max_polls,
        "polls_per_pulse": per_pulse,
        "signal_count": max_polls // per_pulse + 1,
        "backstop_seconds": min(watched + BACKSTOP_MARGIN_SECONDS, MAX_LONG_TIMEOUT_SECONDS),
    }


COPY = MODE_COPY
# Input ``Kind`` -> what to poll: each runtime kind's own ``watch`` (its Get call, the ARN parameter, the status
# that ends the wait), the one place a kind says it. A copy's input carries no Kind (the Choice's default).
WATCH_KINDS: dict[str, WatchKind] = {kind.name: kind.watch for kind in RUNTIME_KINDS if kind.watch is not None}


ALL_KINDS = tuple(WATCH_KINDS)


def _start_state(kind: str) -> str:
    return "Start" if kind == COPY else f"Start{kind}"


def _get_state(kind: str) -> str:
    return f"Get{WATCH_KINDS[kind].poll_action.removeprefix('Get')}"


def _constants(kind: str) -> dict[str, str]:
    return {"Label": WATCH_KINDS[kind].label, "Done": WATCH_KINDS[kind].done}


def _by_kind(step: str, serving: list[str]) -> dict[str, Any]:
    """A Choice on the input's ``Kind``: a serving kind's state, or the copy's (no Kind) by default."""
    name = _start_state if step == "Start" else _get_state
    return {
        "Type": "Choice",
        "Choices": [
            {
                "And": [
                    {"Variable": "$.Kind", "IsPresent": True},
                    {"Variable": "$.Kind", "StringEquals": kind},
                ],
                "Next": name(kind),
            }
            for kind in serving
        ],
        "Default": name(COPY),
    }


def _get(kind: str, partition: str) -> dict[str, Any]:
    watch = WATCH_KINDS[kind]
    return {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::aws-sdk:bedrock:{watch.action}",
        "Parameters": {f"{watch.arn_parameter}.$": f"$.{watch.arn_input}"},
        "ResultSelector": {"Status.$": "$.Status", **_constants(kind)},
        "ResultPath": "$.Job",
        # No Retry: a throttled or failed poll counts as a poll and the next one comes one interval
        # later, so polls keep time (pulses at least hourly) and the history stays bounded.
        "Catch": [
            {"ErrorEquals": TRANSIENT_POLL_ERRORS, "ResultPath": "$.PollError", "Next": "CountPoll"},
            # Anything else (AccessDenied...): send the remaining signals, then fail with this error
            # (state WatcherStopped); the result resource reads it and reports it with advice.
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.StopError", "Next": "AllSignalsSent?"},
        ],
        "Next": "CountPoll",
    }


def _counters(**values: Any) -> dict[str, Any]:
    """A Pass state's Parameters that rebuild ``$.Counters`` with some values changed."""
    parameters: dict[str, Any] = {}
    for name in ("Polls", "SincePulse", "Sent", "Elapsed"):
        value = values.get(name, f"$.Counters.{name}")
        parameters[f"{name}.$" if isinstance(value, str) else name] = value  # a number is a literal
    return parameters


def _signal(next_state: str, partition: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::aws-sdk:cloudformation:signalResource",
        "Parameters": {
            "StackName.$": "$.StackId",
            "LogicalResourceId.$": "$.WaitLogicalId",
            # WatchId (8 characters of the execution's name): signals of two executions never merge. At most
            # 'throughput-InService-polled-43200s-signal-15-0123abcd', 53 of the 64 characters allowed (a copy's are
            # 'copy-InProgress-...', as before serving resources had long waits).
            "UniqueId.$": "States.Format('{}-{}-polled-{}s-signal-{}-{}', $.Job.Label, $.Job.Status, "
            "$.Counters.Elapsed, States.MathAdd($.Counters.Sent, 1), $.WatchId)",
            "Status": "SUCCESS",
        },
        # Not null: the template's JSON rendering (Stack.to_json_string) drops nulls, and the default "$"
        # would replace the state with the (empty) SignalResource result.
        "ResultPath": "$.LastSignal",
        "Retry": [SIGNAL_RETRY],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.SignalError", "Next": "WaitIsGone"}],
        "Next": next_state,
    }


def _describe_wait(partition: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::aws-sdk:cloudformation:describeStackResource",
        "Parameters": {"StackName.$": "$.StackId", "LogicalResourceId.$": "$.WaitLogicalId"},
        "ResultSelector": {"Detail.$": "$.StackResourceDetail"},
        "ResultPath": "$.WaitCheck",
        # The wait may not exist yet (a copy taken back already finished): retried as a signal is.
        "Retry": [SIGNAL_RETRY],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.SignalError", "Next": "WaitIsGone"}],
        "Next": "IsALibraryWait?",
    }


def definition(partition: str = "aws", kinds: tuple[str, ...] = (COPY,)) -> dict[str, Any]:
    """The watcher's Amazon States Language definition (the construct passes ``Aws.PARTITION``).

    ``kinds``: what the stack's long resources are; a copy's path is always there, a serving
    kind's Get call only when the stack has one (:data:`ALL_KINDS` for all). A copy-only stack's
    definition names no serving action: it has no Choice on ``Kind`` and polls as before
    (unconfirmed whether Step Functions' SDK integration has the serving Get actions,
    docs/aws-behaviour.md S12).

    Input (from the resource that owns the wait): StackId, WaitLogicalId, CopyLogicalId (that
    resource's logical id, whatever its kind), WatchId, PollSeconds, MaxPolls, PollsPerPulse,
    SignalCount, Deadline (RFC 3339: when the watcher gives up, MaxPolls intervals after it
    started); a copy's JobArn, or a serving resource's Kind and ResourceArn (:data:`WATCH_KINDS`).
    """
    watched = [kind for kind in WATCH_KINDS if kind == COPY or kind in kinds]
    serving = [kind for kind in watched if kind != COPY]
    choices: dict[str, Any] = {"WhichKind?": _by_kind("Start", serving), "Poll": _by_kind("Get", serving)}
    poll = "Poll" if serving else _get_state(COPY)
    return {
        "Comment": "bedrock-model-copy: polls one model copy job, deployment or Provisioned Throughput and signals its "
        "WaitCondition (no Lambda)",
        "StartAt": "WhichKind?" if serving else _start_state(COPY),
        "States": {
            **({"WhichKind?": choices["WhichKind?"]} if serving else {}),
            **{
                _start_state(kind): {
                    "Type": "Pass",
                    "Result": {"Status": "Unknown", **_constants(kind)},
                    "ResultPath": "$.Job",
                    "Next": "ZeroCounters",
                }
                for kind in watched
            },
            "ZeroCounters": {
                "Type": "Pass",
                "Result": {"Polls": 0, "SincePulse": 0, "Sent": 0, "Elapsed": 0},
                "ResultPath": "$.Counters",
                "Next": poll,
            },
            **({"Poll": choices["Poll"]} if serving else {}),
            **{_get_state(kind): _get(kind, partition) for kind in watched},
            "CountPoll": {
                "Type": "Pass",
                "Parameters": _counters(
                    Polls="States.MathAdd($.Counters.Polls, 1)",
                    SincePulse="States.MathAdd($.Counters.SincePulse, 1)",
                    Elapsed="States.MathAdd($.Counters.Elapsed, $.PollSeconds)",
                ),
                "ResultPath": "$.Counters",
                "Next": "EndedDeadlineOrPulse?",
            },
            "EndedDeadlineOrPulse?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Or": [
                            {"Variable": "$.Job.Status", "StringEqualsPath": "$.Job.Done"},
                            {"Variable": "$.Job.Status", "StringEquals": "Failed"},
                            {"Variable": "$.Counters.Polls", "NumericGreaterThanEqualsPath": "$.MaxPolls"},
                            # The deadline in time too, whatever slowed the polls down.
                            {"Variable": "$$.State.EnteredTime", "TimestampGreaterThanEqualsPath": "$.Deadline"},
                        ],
                        "Next": "AllSignalsSent?",
                    },
                    {
                        "Variable": "$.Counters.SincePulse",
                        "NumericGreaterThanEqualsPath": "$.PollsPerPulse",
                        "Next": "PulseDue",
                    },
                ],
                "Default": "Sleep",
            },
            "PulseDue": {"Type": "Pass", "Result": "Pulse", "ResultPath": "$.Signalling", "Next": "WaitChecked?"},
            "SignalStillRunning": _signal("CountPulse", partition),
            "CountPulse": {
                "Type": "Pass",
                "Parameters": _counters(SincePulse=0, Sent="States.MathAdd($.Counters.Sent, 1)"),
                "ResultPath": "$.Counters",
                "Next": "Sleep",
            },
            "Sleep": {"Type": "Wait", "SecondsPath": "$.PollSeconds", "Next": poll},
            "AllSignalsSent?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.Counters.Sent", "NumericGreaterThanEqualsPath": "$.SignalCount", "Next": "Stopped?"}
                ],
                "Default": "EndSignalDue",
            },
            "EndSignalDue": {"Type": "Pass", "Result": "End", "ResultPath": "$.Signalling", "Next": "WaitChecked?"},
            # Before the first signal: is the resource to signal this library's wait for this copy?
            "WaitChecked?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.WaitCheck", "IsPresent": True, "Next": "SignalKind?"}],
                "Default": "DescribeWait",
            },
            "DescribeWait": _describe_wait(partition),
            "IsALibraryWait?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.WaitCheck.Detail.Metadata", "IsPresent": False, "Next": "NotThisCopysWait"},
                    {
                        "Variable": "$.WaitCheck.Detail.ResourceType",
                        "StringEquals": WAIT_CONDITION_TYPE,
                        "Next": "ReadWaitMarker",
                    },
                ],
                "Default": "NotThisCopysWait",
            },
            "ReadWaitMarker": {
                "Type": "Pass",
                "Parameters": {"Metadata.$": "States.StringToJson($.WaitCheck.Detail.Metadata)"},
                "ResultPath": "$.WaitCheck",
                "Next": "IsThisCopysWait?",
            },
            "IsThisCopysWait?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": f"$.WaitCheck.Metadata.{WAIT_METADATA_KEY}",
                        "IsPresent": False,
                        "Next": "NotThisCopysWait",
                    },
                    {
                        "Variable": f"$.WaitCheck.Metadata.{WAIT_METADATA_KEY}",
                        "StringEqualsPath": "$.CopyLogicalId",
                        "Next": "SignalKind?",
                    },
                ],
                "Default": "NotThisCopysWait",
            },
            "SignalKind?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Signalling", "StringEquals": "Pulse", "Next": "SignalStillRunning"}],
                "Default": "SignalEnd",
            },
            "SignalEnd": _signal("CountSignal", partition),
            "CountSignal": {
                "Type": "Pass",
                "Parameters": _counters(Sent="States.MathAdd($.Counters.Sent, 1)"),
                "ResultPath": "$.Counters",
                "Next": "AllSignalsSent?",
            },
            "Stopped?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.StopError", "IsPresent": True, "Next": "WatcherStopped"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
            "WatcherStopped": {
                "Type": "Fail",
                "Comment": "A poll failed for good: every signal was sent; the result resource reports this error.",
                "ErrorPath": "$.StopError.Error",
                "CausePath": "$.StopError.Cause",
            },
            "NotThisCopysWait": {
                "Type": "Fail",
                "Comment": "The resource to signal is not the WaitCondition this library made for the copy.",
                "Error": NOT_A_LIBRARY_WAIT,
                "Cause": "The copy watcher signals only the WaitCondition whose Metadata names its copy resource.",
            },
            "WaitIsGone": {
                "Type": "Succeed",
                "Comment": "SignalResource kept failing: the stack is being deleted or rolled back, or the wait "
                "no longer exists. Nothing is left to tell.",
            },
        },
    }


def add_wait(
    owner: Construct, r1: CfnResource, *, identity: str, budget: dict[str, int], watcher_arn: str
) -> CfnResource:
    """R2 for ``r1`` (under ``owner``, id ``Wait<identity>``), and R1's properties that hand it to the watcher."""
    wait = CfnResource(owner, f"Wait{identity}", type=WAIT_CONDITION_TYPE)
    wait.cfn_options.creation_policy = CfnCreationPolicy(
        resource_signal=CfnResourceSignal(count=budget["signal_count"], timeout=f"PT{budget['backstop_seconds']}S")
    )
    wait.node.add_dependency(r1)
    wait.add_metadata(WAIT_METADATA_KEY, r1.logical_id)  # the watcher signals only this library's wait for R1
    for key, value in (
        (PROP_WATCHER_ARN, watcher_arn),
        (PROP_WAIT_LOGICAL_ID, wait.logical_id),
        (PROP_WATCH_POLL_SECONDS, str(budget["interval_seconds"])),
        (PROP_WATCH_MAX_POLLS, str(budget["max_polls"])),
        (PROP_WATCH_POLLS_PER_PULSE, str(budget["polls_per_pulse"])),
        (PROP_WATCH_SIGNAL_COUNT, str(budget["signal_count"])),
    ):
        r1.add_property_override(key, value)
    return wait
