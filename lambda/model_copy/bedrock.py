"""The AWS clients the handler uses, and how their errors are classified."""

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
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServerException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ValidationException"})

# Longest slice of a Bedrock message quoted in a failure reason; CloudFormation's
# whole response (reason included) must stay under 4096 bytes.
MAX_QUOTED_MESSAGE = 600

AwsError = (ClientError, BotoCoreError)

_clients: dict[str, Any] = {}


def client() -> Any:
    """The Bedrock control-plane client for the Lambda's own Region (created once)."""
    return _client_for("bedrock")


def cloudformation() -> Any:
    """The CloudFormation client (created once); the handler only reads its own stack."""
    return _client_for("cloudformation")


def states() -> Any:
    """The Step Functions client (created once); the handler only starts its stack's copy watcher."""
    return _client_for("stepfunctions")


def _client_for(service: str) -> Any:
    if service not in _clients:
        _clients[service] = boto3.client(service, config=RETRY_CONFIG)
    return _clients[service]


def reset_client() -> None:
    """Forget the cached clients (tests point the handler at another endpoint)."""
    _clients.clear()


def error_code(error: Exception) -> str:
    """The AWS error code, or the exception's type for errors that never reached AWS."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return type(error).__name__


def error_message(error: Exception) -> str:
    """The service's message, shortened to fit a CloudFormation reason, without a final period."""
    message = ""
    if isinstance(error, ClientError):
        message = str(error.response.get("Error", {}).get("Message", ""))
    message = (message or str(error)).strip()
    if len(message) > MAX_QUOTED_MESSAGE:
        message = message[: MAX_QUOTED_MESSAGE - 3] + "..."
    return message.rstrip(".") if not message.endswith("...") else message


def http_status(error: Exception) -> int:
    if isinstance(error, ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def is_transient(error: Exception) -> bool:
    """True for failures that a later poll may not see again: throttling, 5xx, network."""
    if isinstance(error, ClientError):
        status = http_status(error)
        return error_code(error) in TRANSIENT_ERROR_CODES or status >= 500 or status == 429
    return isinstance(error, (ConnectionError, HTTPClientError, BotoCoreError))


def is_not_found(error: Exception) -> bool:
    return isinstance(error, ClientError) and error_code(error) in NOT_FOUND_CODES


class ModelCopyError(Exception):
    """A failure reported to CloudFormation. The message is the stack event's reason."""
