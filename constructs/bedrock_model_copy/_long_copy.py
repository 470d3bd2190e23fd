"""Long copies: a copy whose ``timeout`` is above what a custom resource may wait (57 minutes).

Three resources per long copy, whatever its timeout:

- R1, the copy's ``Custom::BedrockModelCopy`` (Copy mode, as for a short copy): it starts or
  takes back the job under the ownership rules, stops the watcher executions an earlier deploy
  of this resource left running, starts one execution of the stack's copy watcher (named after
  the CloudFormation request, so every deploy that creates a wait gets its own) and completes at
  once, with the execution's ARN as its ``WatcherExecutionArn`` attribute;
- R2, an ``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, depending on R1, whose
  logical id carries a hash of what identifies the copy (source, name, key): an identity change
  makes a new wait, a tags/timeout/poll change does not (a WaitCondition is only evaluated on
  CREATE);
- R3, a ``Custom::BedrockModelCopy`` in Result mode depending on R2: it reads the finished job
  at once and gives the nine attributes (or fails with Bedrock's failureMessage, or with the
  "deploy again to resume" message when the watcher reached the timeout).

The copy watcher, one per stack with a long copy, is a Standard state machine with no Lambda:
GetModelCopyJob every poll interval (longer when the timeout would need more than 1,600 polls)
through the AWS SDK integration, a SUCCESS signal to R2 about
every 50 minutes while the job runs (the stack events show it), and the remaining signals when
the job is terminal or the timeout is reached. When a poll fails for good (AccessDenied...) it
still sends the remaining signals, so the wait does not sit until its backstop, then ends in a
Fail state with the poll's error and cause, which R3 reads with DescribeExecution. An error
Step Functions does not let a Catch handle (``States.Runtime``) ends the execution without
signals: the wait then fails at its backstop, and the watcher's log group tells why.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aws_cdk import (
    Aws,
    CfnCreationPolicy,
    CfnResource,
    CfnResourceSignal,
    CustomResource,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from constructs import Construct

from ._checkers import NAG_IAM5, NAG_SF2, OWN_STACK_NAG_ARN
from ._checkers import acknowledge as _acknowledge
from ._contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    MAX_LONG_TIMEOUT_SECONDS,
    MODE_RESULT,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TIMEOUT_SECONDS,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_ARN,
    PROP_WATCHER_EXECUTION_ARN,
    RESOURCE_TYPE,
)
from ._log_groups import WATCHER_LOG_GROUP_NAME
from ._roles import ManagedPolicyRole as _ManagedPolicyRole

WAIT_CONDITION_TYPE = "AWS::CloudFormation::WaitCondition"
WATCHER_ID = "CopyWatcher"
# Metadata key that marks the copy watcher state machine (the offline driver looks for it).
WATCHER_METADATA_KEY = "bedrock-model-copy:copy-watcher"
# Metadata key that marks a long copy's WaitCondition; its value is the copy resource's logical id.
# The watcher reads it (DescribeStackResource) and signals only a wait that carries it for its copy.
WAIT_METADATA_KEY = "BedrockModelCopyWait"
# The error the watcher's execution ends with when its input names a resource that is not such a wait.
NOT_A_LIBRARY_WAIT = "BedrockModelCopy.NotThisCopysWait"
# A SUCCESS signal about this often while the copy runs: under an hour even when polls run late.
PULSE_SECONDS = 50 * 60
# Step Functions keeps at most 25,000 events in a Standard execution's history; a poll costs 11
# (a Task 5, a Pass, a Choice and a Wait 2 each). The watcher polls at most this often in one
# execution, polling less often than poll_interval when the timeout would need more polls.
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


def identity_hash(scope: Construct, properties: dict[str, Any]) -> str:
    """8 hex digits of what identifies a copy (source, name, key), as written in the template."""
    stack = Stack.of(scope)
    identity = [
        stack.resolve(properties.get(key) or "")
        for key in (PROP_SOURCE_MODEL_ARN, PROP_TARGET_MODEL_NAME, PROP_TARGET_MODEL_KMS_KEY_ID)
    ]
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:8]


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
            # 'copy-InProgress-polled-43200s-signal-15-0123abcd', 48 of the 64 characters allowed.
            "UniqueId.$": "States.Format('copy-{}-polled-{}s-signal-{}-{}', $.Job.Status, $.Counters.Elapsed, "
            "States.MathAdd($.Counters.Sent, 1), $.WatchId)",
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


def definition(partition: str = "aws") -> dict[str, Any]:
    """The copy watcher's Amazon States Language definition (the construct passes ``Aws.PARTITION``).

    Input (from the copy resource): JobArn, StackId, WaitLogicalId, CopyLogicalId, WatchId,
    PollSeconds, MaxPolls, PollsPerPulse, SignalCount, Deadline (RFC 3339: when the watcher gives
    up, MaxPolls intervals after it started).
    """
    return {
        "Comment": "bedrock-model-copy: polls one model copy job and signals its WaitCondition (no Lambda)",
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Result": {"Status": "Unknown"}, "ResultPath": "$.Job", "Next": "ZeroCounters"},
            "ZeroCounters": {
                "Type": "Pass",
                "Result": {"Polls": 0, "SincePulse": 0, "Sent": 0, "Elapsed": 0},
                "ResultPath": "$.Counters",
                "Next": "GetModelCopyJob",
            },
            "GetModelCopyJob": {
                "Type": "Task",
                "Resource": f"arn:{partition}:states:::aws-sdk:bedrock:getModelCopyJob",
                "Parameters": {"JobArn.$": "$.JobArn"},
                "ResultSelector": {"Status.$": "$.Status"},
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
            },
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
                            {"Variable": "$.Job.Status", "StringEquals": "Completed"},
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
            "Sleep": {"Type": "Wait", "SecondsPath": "$.PollSeconds", "Next": "GetModelCopyJob"},
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


class CopyWatcher(Construct):
    """The stack's copy watcher state machine, its role, policy and log group (only with a long copy)."""

    def __init__(self, scope: Construct, id: str, *, log_retention_days: int, options: Any) -> None:
        from ._keys import STATE_MACHINE_DATA_KEY_REUSE_SECONDS

        super().__init__(scope, id)
        key = options.encryption_key
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=WATCHER_LOG_GROUP_NAME,  # named in the key policy's CloudWatch Logs statement
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        (log_group.node.default_child).retention_in_days = log_retention_days  # type: ignore[union-attr]
        self.role = _ManagedPolicyRole(
            self,
            "Role",
            description="Bedrock model copy: copy watcher (polls copy jobs, signals this stack's waits)",
            principal=iam.ServicePrincipal("states.amazonaws.com"),
        )
        stack_arn = f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack/{Aws.STACK_NAME}/*"
        # No aws:ResourceTag condition: nothing public says a copy job carries tags of its own
        # (CreateModelCopyJob has no job-tags parameter; targetModelTags tag the model), so a tag condition
        # could deny every poll. Read-only, this account and Region.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PollCopyJobs",
                actions=["bedrock:GetModelCopyJob"],
                resources=[f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}:model-copy-job/*"],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SignalOwnStackWaits",
                actions=["cloudformation:SignalResource", "cloudformation:DescribeStackResource"],
                resources=[stack_arn],
            )
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_string(Stack.of(self).to_json_string(definition(Aws.PARTITION))),
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=self.role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=bool(options.tracing),
            # Execution history (the job ARN, stack id and wait) encrypted with the option's key, as the provider
            # framework's waiter is (its history holds the ResponseURL).
            encryption_configuration=(
                sfn.CustomerManagedEncryptionConfiguration(key, Duration.seconds(STATE_MACHINE_DATA_KEY_REUSE_SECONDS))
                if key is not None
                else None
            ),
            comment="bedrock-model-copy: waits for long model copies and signals their WaitConditions",
        )
        cfn_state_machine = self.state_machine.node.default_child
        assert isinstance(cfn_state_machine, CfnResource)
        cfn_state_machine.add_metadata(WATCHER_METADATA_KEY, True)
        _acknowledge(
            self.role.policy,
            {
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-copy-job/*]": (
                    "bedrock:GetModelCopyJob (read-only) on this account's copy jobs in this Region: job ARNs are "
                    "generated by Bedrock, and no tag condition can narrow it because nothing public says a copy job "
                    "carries tags of its own (CreateModelCopyJob tags only the target model)."
                ),
                f"{NAG_IAM5}[Resource::{OWN_STACK_NAG_ARN}]": (
                    "cloudformation:SignalResource and DescribeStackResource (read-only) on this stack only; the '*' "
                    "is the stack id's generated suffix. The watcher signals only a WaitCondition whose Metadata "
                    "names its copy resource."
                ),
                # The log delivery and X-Ray statements on '*' go to the role's unscoped policy (acknowledged there).
            },
        )
        if not options.tracing:
            _acknowledge(
                cfn_state_machine,
                {
                    NAG_SF2: "The copy watcher only waits and makes two AWS SDK calls; its logs go to its log group "
                    "(level ALL) and the copy's progress shows in the stack events, so X-Ray adds cost, not insight. "
                    "Turn it on with ModelCopyProviderOptions(tracing=True)."
                },
            )

    def handler_statements(self) -> list[dict[str, Any]]:
        """What the handler role needs on this watcher: start executions, stop the ones an earlier deploy of
        the same copy left running, and read how one ended (the result resource)."""
        machine = self.state_machine
        executions = (
            f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{machine.state_machine_name}:*"
        )
        return [
            {
                "Sid": "StartCopyWatcher",
                "Effect": "Allow",
                "Action": ["states:StartExecution", "states:ListExecutions"],
                "Resource": machine.state_machine_arn,
            },
            {
                "Sid": "StopOrReadCopyWatcherExecutions",
                "Effect": "Allow",
                "Action": ["states:StopExecution", "states:DescribeExecution"],
                "Resource": executions,
            },
        ]

    def handler_acknowledgements(self) -> dict[str, str]:
        """The checker finding :meth:`handler_statements` draws on the handler's policy, with its reason."""

        machine = self.state_machine.node.default_child
        assert isinstance(machine, CfnResource)
        logical_id = Stack.of(self).resolve(machine.logical_id)
        resource = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{logical_id}.Name>:*"
        return {
            f"{NAG_IAM5}[Resource::{resource}]": (
                "states:StopExecution and DescribeExecution on the executions of this stack's copy watcher only: "
                "execution names are made per deploy by the copy resource, which stops the watchers an earlier "
                "deploy of the same copy left running and reads how its watcher ended."
            )
        }


def add_long_copy(
    copy: Any,
    *,
    provider: Any,
    properties: dict[str, Any],
    timeout_seconds: int,
    poll_seconds: int,
) -> CustomResource:
    """Make ``copy`` (its R1 already created as ``copy.resource``) a long copy; returns R3.

    R1 gets the watcher's ARN, R2's logical id and the polling budget as properties; R2 and R3
    are created under ``copy``.
    """
    budget = watch_budget(timeout_seconds, poll_seconds)
    watcher = provider.copy_watcher()
    r1 = copy.cfn_resource
    wait = CfnResource(copy, f"Wait{identity_hash(copy, properties)}", type=WAIT_CONDITION_TYPE)
    wait.cfn_options.creation_policy = CfnCreationPolicy(
        resource_signal=CfnResourceSignal(count=budget["signal_count"], timeout=f"PT{budget['backstop_seconds']}S")
    )
    wait.node.add_dependency(r1)
    wait.add_metadata(WAIT_METADATA_KEY, r1.logical_id)  # the watcher signals only this library's wait for R1
    for key, value in (
        (PROP_WATCHER_ARN, watcher.state_machine.state_machine_arn),
        (PROP_WAIT_LOGICAL_ID, wait.logical_id),
        (PROP_WATCH_POLL_SECONDS, str(budget["interval_seconds"])),
        (PROP_WATCH_MAX_POLLS, str(budget["max_polls"])),
        (PROP_WATCH_POLLS_PER_PULSE, str(budget["polls_per_pulse"])),
        (PROP_WATCH_SIGNAL_COUNT, str(budget["signal_count"])),
    ):
        r1.add_property_override(key, value)
    result = CustomResource(
        copy,
        "Result",
        service_token=provider.service_token,
        resource_type=RESOURCE_TYPE,
        properties={
            PROP_MODE: MODE_RESULT,
            PROP_JOB_ARN: copy.resource.ref,
            PROP_TIMEOUT_SECONDS: str(timeout_seconds),
            PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            # The watcher execution the copy resource started for this wait: what stopped it, if it failed.
            PROP_WATCHER_EXECUTION_ARN: r1.get_att(ATTR_WATCHER_EXECUTION_ARN).to_string(),
        },
        removal_policy=RemovalPolicy.DESTROY,  # Result mode never deletes anything
        service_timeout=Duration.hours(1),
    )
    result.node.add_dependency(wait)
    return result
