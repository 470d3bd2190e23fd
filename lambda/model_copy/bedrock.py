"""The Bedrock client and the translation of its errors into messages a person can act on."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

# boto3's standard retry mode: exponential backoff with jitter for throttling,
# 5xx and connection errors. Five attempts stay well inside the Lambda timeout.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 5},
    connect_timeout=5,
    read_timeout=20,
)

TRANSIENT_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServerException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)

# Longest slice of a Bedrock message quoted in a failure reason; CloudFormation's
# whole response (reason included) must stay under 4096 bytes.
MAX_QUOTED_MESSAGE = 600

_client: Any = None


def client() -> Any:
    """Return the Bedrock control-plane client for the Lambda's own Region (created once)."""
    global _client
    if _client is None:
        _client = boto3.client("bedrock", config=RETRY_CONFIG)
    return _client


def reset_client() -> None:
    """Forget the cached client (tests point the handler at another endpoint)."""
    global _client
    _client = None


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    message = str(error.response.get("Error", {}).get("Message", "")) or str(error)
    if len(message) > MAX_QUOTED_MESSAGE:
        message = message[: MAX_QUOTED_MESSAGE - 3] + "..."
    return message


def is_transient(error: Exception) -> bool:
    """True for failures that a later poll may not see again: throttling, 5xx, network."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(error) in TRANSIENT_ERROR_CODES or status >= 500 or status == 429
    return isinstance(error, (ConnectionError, HTTPClientError, BotoCoreError))


class ModelCopyError(Exception):
    """A failure reported to CloudFormation. The message is the stack event's reason."""


# What to do next, by error code, for the operations that start or adopt a copy.
_ADVICE = {
    "AccessDeniedException": (
        "The handler role is missing a permission, or a KMS key policy does not allow it: "
        "check bedrock:{action} for this role, the source model's KMS key policy (kms:Decrypt) "
        "and the target key's policy (kms:Decrypt, kms:GenerateDataKey, kms:DescribeKey, "
        "kms:CreateGrant via bedrock.<region>.amazonaws.com; see the README's KMS section)."
    ),
    "ResourceNotFoundException": (
        "The model or job does not exist in this account and Region: check the ARN, and if the "
        "model belongs to another account make sure it is shared with this account through AWS RAM."
    ),
    "ValidationException": "Bedrock refused the request: correct the property it names and deploy again.",
    "ServiceQuotaExceededException": (
        "A Bedrock quota is reached (concurrent model copy jobs or custom models): wait for running "
        "jobs to finish, or request an increase in Service Quotas, then deploy again."
    ),
    "TooManyTagsException": "The model would carry too many tags (50 at most): remove some tags.",
    "ConflictException": (
        "A model or job with this name already exists in this Region: choose another target_model_name."
    ),
}
_TRANSIENT_ADVICE = "Bedrock is throttling or unavailable and boto3's retries ran out: deploy again in a few minutes."


def describe_failure(action: str, subject: str, error: Exception) -> ModelCopyError:
    """Build the failure for a Bedrock call that cannot succeed by retrying now.

    Parameters
    ----------
    action : str
        The Bedrock operation, e.g. ``CreateModelCopyJob``.
    subject : str
        What it was about (job ARN or source model ARN and target name).
    error : Exception
        The boto3 error.
    """
    if isinstance(error, ClientError):
        code = error_code(error)
        advice = _ADVICE.get(code, _TRANSIENT_ADVICE if is_transient(error) else "")
        return ModelCopyError(
            f"{action} failed for {subject}: {code}: {error_message(error)}. {advice.format(action=action)}".strip()
        )
    return ModelCopyError(f"{action} failed for {subject}: {error}. {_TRANSIENT_ADVICE}")
