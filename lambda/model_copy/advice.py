"""What to do next when an AWS call fails: one table, chosen by call and error code.

The README's Troubleshooting table is this table (``tests/test_docs.py`` renders it
with :func:`markdown_table` and compares).
"""

from __future__ import annotations

from typing import NamedTuple

from .bedrock import ModelCopyError, error_code, error_message, is_transient


class Advice(NamedTuple):
    """One row: the call, the error code, an optional word the message must contain, and the advice."""

    operation: str
    code: str
    message_contains: str
    text: str


ANY_OPERATION = "*"

TABLE: tuple[Advice, ...] = (
    Advice(
        "CreateModelCopyJob",
        "AccessDeniedException",
        "kms",
        "A KMS key policy does not let the handler role use a key: the target key must allow kms:Decrypt, "
        "kms:GenerateDataKey, kms:DescribeKey and kms:CreateGrant to the role via bedrock.<region>.amazonaws.com, "
        "and an encrypted source model's key must allow kms:Decrypt (README, KMS keys).",
    ),
    Advice(
        "CreateModelCopyJob",
        "AccessDeniedException",
        "",
        "IAM denied the copy: the handler role may copy only the source models named in the template, into the "
        "stack's Region, with this stack's ownership tags. Check that no service control policy or permissions "
        "boundary denies bedrock:CreateModelCopyJob in this Region, and that a model of another account is shared "
        "with this account through AWS RAM.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ResourceNotFoundException",
        "",
        "The source model does not exist or this account cannot see it: check source_model_arn, and if the model "
        "belongs to another account make sure it is shared with this account through AWS RAM.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ValidationException",
        "",
        "Bedrock refused the request: correct the property it names and deploy again.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ServiceQuotaExceededException",
        "",
        "A Bedrock quota is reached (concurrent model copy jobs or custom models): wait for running jobs to "
        "finish, or request an increase in Service Quotas, then deploy again.",
    ),
    Advice(
        "CreateModelCopyJob",
        "TooManyTagsException",
        "",
        "The copy would carry more than 50 tags (yours and the 3 ownership tags): remove some tags.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ConflictException",
        "",
        "A model or copy job of this name exists in this Region that ListModelCopyJobs did not show as this "
        "resource's own. If this resource started it moments ago (the list can lag), deploy again to resume it; "
        "otherwise it was made elsewhere: choose another target_model_name.",
    ),
    Advice(
        "ListModelCopyJobs",
        "AccessDeniedException",
        "",
        "The handler role needs bedrock:ListModelCopyJobs (statement FindJobsToResume): check that no service "
        "control policy or permissions boundary denies it.",
    ),
    Advice(
        "GetModelCopyJob",
        "AccessDeniedException",
        "",
        "The handler role may read copy jobs of this account in this Region only (statement PollCopyJobs): check "
        "the job ARN, and that no service control policy or permissions boundary denies bedrock:GetModelCopyJob.",
    ),
    Advice(
        "GetModelCopyJob",
        "ResourceNotFoundException",
        "",
        "Bedrock does not know this job in this account and Region: check the job ARN (a ModelCopyJobWaiter "
        "reads jobs of its own stack's Region).",
    ),
    Advice(
        "DeleteCustomModel",
        "ConflictException",
        "",
        "The model is in use (a provisioned throughput or a custom model deployment serves it): delete those "
        "first, then delete the stack again.",
    ),
    Advice(
        "DeleteCustomModel",
        "AccessDeniedException",
        "",
        "IAM lets the handler delete only models whose bedrock-model-copy:owner-stack tag is this stack's name: "
        "a policy denies it or the tag was changed outside CloudFormation. Delete the model yourself, or set "
        "removal_policy=RETAIN.",
    ),
    Advice(
        "TagResource",
        "AccessDeniedException",
        "",
        "IAM lets the handler retag only models whose bedrock-model-copy:owner-stack tag is this stack's name, "
        "and never the ownership tags: check for a policy that denies bedrock:TagResource/UntagResource.",
    ),
    Advice(
        "ListTagsForResource",
        "AccessDeniedException",
        "",
        "The handler role needs bedrock:ListTagsForResource on this account's custom models (statement "
        "ReadOwnershipTags) to check who owns a model before it changes it.",
    ),
    Advice(
        "GetModelCopyJob (copy watcher)",
        "AccessDeniedException",
        "",
        "IAM denied the copy watcher's poll: its role (CopyWatcher/Role, statement PollCopyJobs) may read this "
        "account's copy jobs in this Region; check that no service control policy or permissions boundary denies "
        "bedrock:GetModelCopyJob to it, then deploy again to resume waiting for the same job.",
    ),
    Advice(
        ANY_OPERATION,
        "ThrottlingException",
        "",
        "Bedrock is throttling or unavailable and boto3's retries ran out: deploy again in a few minutes.",
    ),
)

_TRANSIENT = next(row for row in TABLE if row.code == "ThrottlingException")


def advice_for(operation: str, error: Exception) -> str:
    """The advice for ``error`` raised by ``operation`` ("" when the table has none)."""
    return advice_for_code(operation, error_code(error), error_message(error)) or (
        _TRANSIENT.text if is_transient(error) else ""
    )


def advice_for_code(operation: str, code: str, message: str) -> str:
    """The advice for an error code and message from ``operation`` ("" when the table has none)."""
    for row in TABLE:
        applies = row.operation in (operation, ANY_OPERATION) and row.code == code
        if applies and (not row.message_contains or row.message_contains in message.lower()):
            return row.text
    return ""


def describe_failure(operation: str, subject: str, error: Exception) -> ModelCopyError:
    """The failure for an AWS call that cannot succeed by retrying now.

    Parameters
    ----------
    operation : str
        The API operation, e.g. ``CreateModelCopyJob``.
    subject : str
        What it was about (job ARN, model ARN, or source and target name).
    error : Exception
        The boto3 or botocore error.
    """
    advice = advice_for(operation, error)
    message = error_message(error)
    reason = f"{operation} failed for {subject}: {error_code(error)}: {message}{'' if message.endswith('.') else '.'}"
    return ModelCopyError(f"{reason} {advice}".strip())


def markdown_table() -> str:
    """The README's Troubleshooting table."""
    lines = ["| call | error | when the message mentions | what to do |", "|---|---|---|---|"]
    for row in TABLE:
        call = "any call" if row.operation == ANY_OPERATION else f"`{row.operation}`"
        code = f"`{row.code}` (or any 5xx, or a dropped connection)" if row is _TRANSIENT else f"`{row.code}`"
        lines.append(f"| {call} | {code} | {row.message_contains or ''} | {row.text} |")
    return "\n".join(lines)
