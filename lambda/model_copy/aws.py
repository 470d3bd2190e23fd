"""The AWS clients the handler uses, and how their errors are classified.

Two rules every kind relies on (docs/aws-behaviour.md M8, M9):

- **Gone** is a Get that answered ``ResourceNotFoundException``, nothing else. A refusal
  (``ValidationException``, ``ConflictException``, ``AccessDeniedException``) never means a
  resource is gone: :func:`is_not_found` is true for the not-found code alone, and a delete or
  tag call that answers not-found is confirmed with the kind's Get.
- **Transient** failures (throttling, 5xx, a dropped connection) past boto3's standard retries
  defer a decision to the next poll; they never decide one.
"""

from __future__ import annotations

from typing import Any

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
NOT_FOUND_CODE = "ResourceNotFoundException"

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
    """The Step Functions client (created once); the handler only starts its stack's watcher."""
    return _client_for("stepfunctions")


def _client_for(service: str) -> Any:
    if service not in _clients:
        import boto3  # the construct library imports this module for its names; boto3 only when a call is made

        _clients[service] = boto3.client(service, config=RETRY_CONFIG)
    return _clients[service]


def reset_client() -> None:
    """Forget the cached clients (tests point the handler at another endpoint)."""
    _clients.clear()


def has_operation(python_name: str) -> bool:
    """Whether the Bedrock client of the boto3 this function runs with knows an operation (``list_x``)."""
    return python_name in client().meta.method_to_api_mapping


def botocore_version() -> str:
    import botocore

    return str(botocore.__version__)


def missing_operations(python_names: tuple[str, ...]) -> list[str]:
    """The Bedrock operations (API names) among ``python_names`` that this function's boto3 does not know.

    The Lambda runtime's own boto3 is whatever the runtime ships (docs/aws-behaviour.md C7): a kind
    checks its operations before its first irreversible call, not halfway through.
    """
    return ["".join(word.capitalize() for word in name.split("_")) for name in python_names if not has_operation(name)]


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
    """``ResourceNotFoundException`` only: never a refusal (docs/aws-behaviour.md M9)."""
    return isinstance(error, ClientError) and error_code(error) == NOT_FOUND_CODE


class HandlerError(Exception):
    """A failure reported to CloudFormation. The message is the stack event's reason."""
