"""The contract between the construct library and the Lambda handler, written once.

Every name that crosses the CloudFormation boundary is written here, and both sides import it:
the handler as ``model_copy.contract`` (in Lambda), the construct library as
``bedrock_model_copy._lambda.model_copy.contract`` (the same file: ``constructs/bedrock_model_copy/_lambda``
is the repository's ``lambda/``, and the wheel ships it there). Standard library only.
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypedDict

RESOURCE_TYPE: Final = "Custom::BedrockModelCopy"

# ResourceProperties keys (the construct sends these).
PROP_MODE: Final = "Mode"
PROP_SOURCE_MODEL_ARN: Final = "SourceModelArn"
PROP_TARGET_MODEL_NAME: Final = "TargetModelName"
PROP_TARGET_MODEL_KMS_KEY_ID: Final = "TargetModelKmsKeyId"
PROP_TARGET_MODEL_TAGS: Final = "TargetModelTags"
PROP_JOB_ARN: Final = "JobArn"
PROP_DELETE_MODEL_ON_DELETE: Final = "DeleteModelOnDelete"
PROP_TIMEOUT_SECONDS: Final = "TimeoutSeconds"
PROP_POLL_INTERVAL_SECONDS: Final = "PollIntervalSeconds"
# Long copies (timeout above MAX_TIMEOUT_SECONDS): what the copy resource hands to the stack's copy
# watcher state machine, which signals the WaitCondition that the construct puts after it.
PROP_WATCHER_ARN: Final = "CopyWatcherArn"
PROP_WAIT_LOGICAL_ID: Final = "WaitConditionLogicalId"
PROP_WATCH_POLL_SECONDS: Final = "WatchPollSeconds"
PROP_WATCH_MAX_POLLS: Final = "WatchMaxPolls"
PROP_WATCH_POLLS_PER_PULSE: Final = "WatchPollsPerPulse"
PROP_WATCH_SIGNAL_COUNT: Final = "WatchSignalCount"
# The copy watcher execution that R1 started for a long copy's wait (R3 reads how it ended).
PROP_WATCHER_EXECUTION_ARN: Final = "WatcherExecutionArn"

PROPERTY_NAMES = (
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_TAGS,
    PROP_JOB_ARN,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_TIMEOUT_SECONDS,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_WATCHER_ARN,
    PROP_WAIT_LOGICAL_ID,
    PROP_WATCH_POLL_SECONDS,
    PROP_WATCH_MAX_POLLS,
    PROP_WATCH_POLLS_PER_PULSE,
    PROP_WATCH_SIGNAL_COUNT,
    PROP_WATCHER_EXECUTION_ARN,
)

# The modes: start (or adopt) a copy, only wait for a job started elsewhere, or read the
# result of a long copy's job once its WaitCondition has been signalled (never waits).
MODE_COPY: Final = "Copy"
MODE_WAIT: Final = "Wait"
MODE_RESULT: Final = "Result"
Mode = Literal["Copy", "Wait", "Result"]

# Data keys returned to CloudFormation (Fn::GetAtt attribute names). Every key is
# always present, with "" where Bedrock omits the field.
# A long copy's R1 also returns the watcher execution it started ("" when the request started none);
# not a public attribute: R3 takes it as a property.
ATTR_WATCHER_EXECUTION_ARN: Final = "WatcherExecutionArn"

ATTR_TARGET_MODEL_ARN: Final = "TargetModelArn"
ATTR_TARGET_MODEL_NAME: Final = "TargetModelName"
ATTR_JOB_ARN: Final = "JobArn"
ATTR_SOURCE_MODEL_ARN: Final = "SourceModelArn"
ATTR_SOURCE_MODEL_NAME: Final = "SourceModelName"
ATTR_SOURCE_ACCOUNT_ID: Final = "SourceAccountId"
ATTR_TARGET_MODEL_KMS_KEY_ARN: Final = "TargetModelKmsKeyArn"
ATTR_STATUS: Final = "Status"
ATTR_CREATION_TIME: Final = "CreationTime"

# Python attribute name on the constructs -> CloudFormation attribute (Fn::GetAtt).
ATTRIBUTES: Final = {
    "target_model_arn": ATTR_TARGET_MODEL_ARN,
    "target_model_name": ATTR_TARGET_MODEL_NAME,
    "job_arn": ATTR_JOB_ARN,
    "source_model_arn": ATTR_SOURCE_MODEL_ARN,
    "source_model_name": ATTR_SOURCE_MODEL_NAME,
    "source_account_id": ATTR_SOURCE_ACCOUNT_ID,
    "target_model_kms_key_arn": ATTR_TARGET_MODEL_KMS_KEY_ARN,
    "status": ATTR_STATUS,
    "creation_time": ATTR_CREATION_TIME,
}

# Attribute name -> GetModelCopyJob response field.
ATTRIBUTE_SOURCE_FIELDS: dict[str, str] = {
    ATTR_TARGET_MODEL_ARN: "targetModelArn",
    ATTR_TARGET_MODEL_NAME: "targetModelName",
    ATTR_JOB_ARN: "jobArn",
    ATTR_SOURCE_MODEL_ARN: "sourceModelArn",
    ATTR_SOURCE_MODEL_NAME: "sourceModelName",
    ATTR_SOURCE_ACCOUNT_ID: "sourceAccountId",
    ATTR_TARGET_MODEL_KMS_KEY_ARN: "targetModelKmsKeyArn",
    ATTR_STATUS: "status",
    ATTR_CREATION_TIME: "creationTime",
}
ATTRIBUTE_NAMES = tuple(ATTRIBUTE_SOURCE_FIELDS)

# The ownership tags the handler puts on every copy it starts (CreateModelCopyJob's
# targetModelTags, so they are recorded on the job from the start and on the model
# it makes). IAM lets the handler role delete, tag and untag only models whose
# owner-stack tag is its stack's name; the handler itself also requires the
# owner-resource tag to be the resource's logical id.
# The environment variable that gives the handler functions the name of the log group they write to.
LOG_GROUP_ENV: Final = "BEDROCK_MODEL_COPY_LOG_GROUP"
OWNER_TAG_KEY: Final = "bedrock-model-copy:owner-stack"  # the stack's name (the only tag 0.1.0 wrote)
OWNER_RESOURCE_TAG_KEY: Final = "bedrock-model-copy:owner-resource"  # the resource's logical id
COPY_REQUEST_TAG_KEY: Final = "bedrock-model-copy:copy-request"  # fingerprint of source, name and key as requested
OWNERSHIP_TAG_KEYS: Final = (OWNER_TAG_KEY, OWNER_RESOURCE_TAG_KEY, COPY_REQUEST_TAG_KEY)
# Put on a resource a replacement left in place (kept by its removal policy or its commitment): the ARN of what
# replaced it. Not an ownership tag (the handler's retag statements allow it on this stack's resources only); users
# cannot set it (rules.check_tag_key).
REPLACED_BY_TAG_KEY: Final = "bedrock-model-copy:replaced-by"
# Every tag key of this library: a create-time tag statement allows none but the ones the create sends.
LIBRARY_TAG_KEYS: Final = (*OWNERSHIP_TAG_KEYS, REPLACED_BY_TAG_KEY)

# Top-level key that on_event adds to the event; the provider framework merges it
# into the event that every is_complete poll receives (the only state that survives).
STARTED_AT_KEY: Final = "BedrockModelCopyStartedAt"
# Top-level key that on_event adds when an Update failed while the stack's status could not be
# read yet (throttled): is_complete reads the status again and fails or succeeds then.
DEFERRED_FAILURE_KEY: Final = "BedrockModelCopyDeferredFailure"
# Top-level key that on_event adds when a rollback's change was refused and the request succeeds anyway:
# is_complete then completes at once (nothing will bring the refused state) with the attributes it can read.
SETTLED_KEY: Final = "BedrockModelCopySettled"
# Top-level key that on_event adds when an Update replaced the resource: the old physical id, so that is_complete
# can say, once the new one is ready, what the replaced one leaves billed (CloudFormation asks nothing more of it
# when its UpdateReplacePolicy is Retain).
REPLACED_KEY: Final = "BedrockModelCopyReplaced"
# Top-level key that on_event adds when a rollback of a replacement could not find the resource it returns to
# (its lookup was throttled or refused): is_complete looks again at each poll and answers with that resource's
# physical id (the provider framework spreads is_complete's result over the event, PhysicalResourceId too).
RETURN_PENDING_KEY: Final = "BedrockModelCopyReturnPending"

# Limits shared with the construct's synth-time checks.
MAX_TIMEOUT_SECONDS = 57 * 60
MAX_LONG_TIMEOUT_SECONDS = 12 * 3600  # a WaitCondition's CreationPolicy waits at most PT12H
MIN_POLL_INTERVAL_SECONDS = 5
MAX_POLL_INTERVAL_SECONDS = 10 * 60
MAX_TAGS_PER_MODEL = 50
MAX_USER_TAGS = MAX_TAGS_PER_MODEL - len(OWNERSHIP_TAG_KEYS)


def provider_total_timeout(poll_interval_seconds: int) -> int:
    """The provider framework's total timeout: the largest multiple of the interval within the maximum.

    The framework requires a whole multiple; the handler's own deadline (``timeout``) comes first.
    """
    return (MAX_TIMEOUT_SECONDS // poll_interval_seconds) * poll_interval_seconds


# Handler entry points inside the asset (the asset root holds the package model_copy).
ON_EVENT_HANDLER: Final = "model_copy.handler.on_event"
IS_COMPLETE_HANDLER: Final = "model_copy.handler.is_complete"

RequestType = Literal["Create", "Update", "Delete"]


class ResourceProperties(TypedDict, total=False):
    """What the construct puts in ``ResourceProperties`` (CloudFormation sends strings)."""

    ServiceToken: str
    Mode: Mode
    SourceModelArn: str
    TargetModelName: str
    TargetModelKmsKeyId: str
    TargetModelTags: dict[str, str]
    JobArn: str
    DeleteModelOnDelete: str
    TimeoutSeconds: str
    PollIntervalSeconds: str
    CopyWatcherArn: str
    WaitConditionLogicalId: str
    WatchPollSeconds: str
    WatchMaxPolls: str
    WatchPollsPerPulse: str
    WatchSignalCount: str
    WatcherExecutionArn: str


class CustomResourceEvent(TypedDict, total=False):
    """The event the provider framework passes to ``on_event`` and ``is_complete``."""

    RequestType: RequestType
    ServiceToken: str
    ResponseURL: str
    StackId: str
    RequestId: str
    LogicalResourceId: str
    ResourceType: str
    PhysicalResourceId: str
    ResourceProperties: ResourceProperties
    OldResourceProperties: ResourceProperties
    BedrockModelCopyStartedAt: float
    BedrockModelCopyDeferredFailure: str
    BedrockModelCopySettled: str
    BedrockModelCopyReplaced: str
    BedrockModelCopyReturnPending: str
    Data: dict[str, Any]


class OnEventResult(TypedDict, total=False):
    PhysicalResourceId: str
    BedrockModelCopyStartedAt: float
    BedrockModelCopyDeferredFailure: str
    BedrockModelCopySettled: str
    BedrockModelCopyReplaced: str
    BedrockModelCopyReturnPending: str
    Data: dict[str, str]


class IsCompleteResult(TypedDict, total=False):
    IsComplete: bool
    PhysicalResourceId: str  # only when a rollback returns to the resource it replaced (RETURN_PENDING_KEY)
    Data: dict[str, str]
