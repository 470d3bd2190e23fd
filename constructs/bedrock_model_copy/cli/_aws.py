"""AWS access for the command: the caller's credentials, standard retries, pages, and errors as exit codes."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_NO_CREDENTIALS = 3
EXIT_ACCESS_DENIED = 4
EXIT_REGION_UNAVAILABLE = 5
EXIT_AWS_ERROR = 6
EXIT_MISSING_DEPENDENCY = 7
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT (128 + 2)

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done (list, status, drift: read; clean: deleted what it said, or printed what it would delete)"),
    (
        EXIT_FINDINGS,
        "list --check found kept resources that bill while unused; drift --check found a difference; clean left "
        "something it could not delete yet",
    ),
    (EXIT_USAGE, "usage error (unknown option, no Region given or configured, drift --stack names no live stack)"),
    (EXIT_NO_CREDENTIALS, "no AWS credentials found"),
    (EXIT_ACCESS_DENIED, "access denied (the message names the action)"),
    (EXIT_REGION_UNAVAILABLE, "Amazon Bedrock cannot be reached in a Region"),
    (EXIT_AWS_ERROR, "another AWS error (after boto3's retries)"),
    (EXIT_MISSING_DEPENDENCY, "boto3 is not installed"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)

IAM_PREFIX = {"bedrock": "bedrock", "cloudformation": "cloudformation", "stepfunctions": "states"}
DEFAULT_ATTEMPTS = 8  # boto3's standard retry mode, unless AWS_MAX_ATTEMPTS says otherwise
WORKERS = 16  # concurrent ListTagsForResource calls per Region
INSTALL_HINT = 'pip install "boto3>=1.34.152" (an install dependency of bedrock-model-copy that is missing here)'


class CliError(Exception):
    """An error the command reports in one line and ends with ``exit_code``."""

    def __init__(self, exit_code: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code  # the AWS error code, when AWS answered one (ResourceNotFoundException)


def boto3_module() -> Any:
    try:
        import boto3
    except ImportError as error:  # pragma: no cover - a subprocess test hides boto3
        raise CliError(EXIT_MISSING_DEPENDENCY, f"bedrock-model-copy needs boto3: {INSTALL_HINT}") from error
    return boto3


class Aws:
    """Clients per (service, Region) from one boto3 session, with the standard retry mode."""

    def __init__(self, profile: str | None = None) -> None:
        boto3 = boto3_module()
        from botocore.config import Config

        self.session = boto3.session.Session(profile_name=profile)
        attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_ATTEMPTS)
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            max_pool_connections=WORKERS * 2,
            user_agent_extra="bedrock-model-copy-cli",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def default_region(self) -> str | None:
        return self.session.region_name  # type: ignore[no-any-return]

    def check_region(self, region: str) -> None:
        """Refuse at once a Region where botocore's endpoint data has no Bedrock (before any call retries)."""
        known = {
            name
            for partition in self.session.get_available_partitions()
            for name in self.session.get_available_regions("bedrock", partition_name=partition)
        }
        if region not in known:
            raise CliError(
                EXIT_REGION_UNAVAILABLE,
                f"Amazon Bedrock is not available in {region!r} according to botocore's endpoint data (botocore "
                f"{_botocore_version()}). Regions it lists: {', '.join(sorted(known))}. A Region added since: "
                "upgrade boto3.",
            )

    def client(self, service: str, region: str) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(service, region_name=region, config=self._config)
            return self._clients[key]

    def pages(self, service: str, region: str, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of every page of a list call (botocore's paginator follows nextToken)."""
        with aws_errors(service, region, operation):
            for page in self.client(service, region).get_paginator(operation).paginate(**params):
                yield from page.get(key, [])

    def call(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        with aws_errors(service, region, operation):
            return getattr(self.client(service, region), operation)(**params)  # type: ignore[no-any-return]

    def has_operation(self, service: str, region: str, operation: str) -> bool:
        """Whether the installed botocore knows the operation (deployments came in botocore 1.39)."""
        return hasattr(self.client(service, region), operation)


def _botocore_version() -> str:
    import botocore

    return str(botocore.__version__)


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(error: BaseException) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "")) or str(error)


def _action(service: str, error: BaseException, operation: str) -> str:
    name = getattr(error, "operation_name", "") or _camel(operation)
    return f"{IAM_PREFIX.get(service, service)}:{name}"


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def snake(operation: str) -> str:
    """boto3's method name of an API operation: ListCustomModels -> list_custom_models."""
    from botocore import xform_name

    return str(xform_name(operation))


@contextmanager
def aws_errors(service: str, region: str, operation: str) -> Iterator[None]:
    """Turn botocore's errors into :class:`CliError` with the exit codes above."""
    from botocore import exceptions

    try:
        yield
    except (exceptions.NoCredentialsError, exceptions.PartialCredentialsError) as error:
        raise CliError(
            EXIT_NO_CREDENTIALS,
            f"No AWS credentials found ({error}). Configure them as for the AWS CLI: AWS_PROFILE, "
            "`aws configure` or `aws sso login`, or environment variables.",
        ) from error
    except (exceptions.EndpointConnectionError, exceptions.ConnectionClosedError) as error:
        raise CliError(
            EXIT_REGION_UNAVAILABLE,
            f"Cannot reach {service} in {region}: {error}. Check the Region name: Amazon Bedrock is not "
            "available in every Region (https://docs.aws.amazon.com/general/latest/gr/bedrock.html).",
        ) from error
    except exceptions.ClientError as error:
        code = error_code(error)
        action = _action(service, error, operation)
        if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
            raise CliError(
                EXIT_ACCESS_DENIED,
                f"Access denied: {action} in {region}: {error_message(error)} "
                "(README, Day 2, lists the IAM each subcommand needs).",
            ) from error
        message = f"{action} failed in {region}: {code}: {error_message(error)}"
        raise CliError(EXIT_AWS_ERROR, message, code) from error


def in_threads(function: Callable[[Any], Any], items: list[Any], workers: int = WORKERS) -> list[Any]:
    """``function`` over ``items`` in a bounded thread pool (boto3 clients are thread-safe), in order."""
    if len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
