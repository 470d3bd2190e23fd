"""The construct library's side of the contract with the Lambda handler.

Every name that crosses the CloudFormation boundary is written here once for
the construct. The handler writes the same names once on its side
(``lambda/model_copy/contract.py``); ``tests/test_contract.py`` checks that
both sides agree.
"""

from __future__ import annotations

RESOURCE_TYPE = "Custom::BedrockModelCopy"

# ResourceProperties keys.
PROP_MODE = "Mode"
PROP_SOURCE_MODEL_ARN = "SourceModelArn"
PROP_TARGET_MODEL_NAME = "TargetModelName"
PROP_TARGET_MODEL_KMS_KEY_ID = "TargetModelKmsKeyId"
PROP_TARGET_MODEL_TAGS = "TargetModelTags"
PROP_JOB_ARN = "JobArn"
PROP_DELETE_MODEL_ON_DELETE = "DeleteModelOnDelete"
PROP_TIMEOUT_SECONDS = "TimeoutSeconds"
PROP_POLL_INTERVAL_SECONDS = "PollIntervalSeconds"
# Long copies: what the copy resource hands to the stack's copy watcher state machine.
PROP_WATCHER_ARN = "CopyWatcherArn"
PROP_WAIT_LOGICAL_ID = "WaitConditionLogicalId"
PROP_WATCH_POLL_SECONDS = "WatchPollSeconds"
PROP_WATCH_MAX_POLLS = "WatchMaxPolls"
PROP_WATCH_POLLS_PER_PULSE = "WatchPollsPerPulse"
PROP_WATCH_SIGNAL_COUNT = "WatchSignalCount"
# The copy watcher execution that R1 started for a long copy's wait (R3 reads how it ended).
PROP_WATCHER_EXECUTION_ARN = "WatcherExecutionArn"

MODE_COPY = "Copy"
MODE_WAIT = "Wait"
MODE_RESULT = "Result"

# Python attribute name on the constructs -> CloudFormation attribute (Fn::GetAtt).
# A long copy's R1 also returns the watcher execution it started ("" when the request started none);
# not a public attribute: R3 takes it as a property.
ATTR_WATCHER_EXECUTION_ARN = "WatcherExecutionArn"

ATTRIBUTES: dict[str, str] = {
    "target_model_arn": "TargetModelArn",
    "target_model_name": "TargetModelName",
    "job_arn": "JobArn",
    "source_model_arn": "SourceModelArn",
    "source_model_name": "SourceModelName",
    "source_account_id": "SourceAccountId",
    "target_model_kms_key_arn": "TargetModelKmsKeyArn",
    "status": "Status",
    "creation_time": "CreationTime",
}

# Ownership tags put on every copy the handler starts: the stack's name, the
# resource's logical id, and a fingerprint of what the copy was requested from.
# IAM lets the handler delete, tag and untag only models whose owner-stack tag
# is the stack's name.
OWNER_TAG_KEY = "bedrock-model-copy:owner-stack"
OWNER_RESOURCE_TAG_KEY = "bedrock-model-copy:owner-resource"
COPY_REQUEST_TAG_KEY = "bedrock-model-copy:copy-request"
OWNERSHIP_TAG_KEYS = (OWNER_TAG_KEY, OWNER_RESOURCE_TAG_KEY, COPY_REQUEST_TAG_KEY)

# Limits (seconds); the handler applies the same ones at deploy time.
MAX_TIMEOUT_SECONDS = 57 * 60
MAX_LONG_TIMEOUT_SECONDS = 12 * 3600
MIN_POLL_INTERVAL_SECONDS = 5
MAX_POLL_INTERVAL_SECONDS = 10 * 60
MAX_USER_TAGS = 47  # 50 per model, 3 are the ownership tags


def provider_total_timeout(poll_interval_seconds: int) -> int:
    """The provider framework's total timeout: the largest multiple of the interval within the maximum.

    The framework requires a whole multiple; the handler's own deadline (``timeout``) comes first.
    """
    return (MAX_TIMEOUT_SECONDS // poll_interval_seconds) * poll_interval_seconds


# Handler entry points inside the asset (the asset root holds the package model_copy).
# The environment variable that gives the handler functions the name of the log group they write to.
LOG_GROUP_ENV = "BEDROCK_MODEL_COPY_LOG_GROUP"
ON_EVENT_HANDLER = "model_copy.handler.on_event"
IS_COMPLETE_HANDLER = "model_copy.handler.is_complete"
