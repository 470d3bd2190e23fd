"""Synth-time checks of concrete prop values.

The value rules (ARN, name, KMS key and tag patterns from botocore's service
model) are the handler's own ``model_copy.rules``, loaded from the asset, so
synth time and deploy time apply one implementation and give the same
messages. Tokens are skipped here; the handler checks their resolved values.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Token

from ._asset import load_handler_module
from ._contract import MAX_POLL_INTERVAL_SECONDS, MAX_TIMEOUT_SECONDS, MIN_POLL_INTERVAL_SECONDS

_rules = load_handler_module("rules")

PropertyValidationError: type[ValueError] = _rules.PropertyValidationError


def _concrete(value: str) -> bool:
    return not Token.is_unresolved(value)


def check_source_model_arn(value: str) -> None:
    if _concrete(value):
        _rules.check_source_model_arn(value)


def check_target_model_name(value: str) -> None:
    if _concrete(value):
        _rules.check_target_model_name(value)


def check_kms_key_id(value: str) -> None:
    if _concrete(value):
        _rules.check_kms_key_id(value)


def check_job_arn(value: str) -> None:
    if _concrete(value):
        _rules.check_job_arn(value)


def check_tags(tags: Mapping[str, str]) -> None:
    """Check the count always, and each key and value that is not a token."""
    _rules.check_tag_count(len(tags))
    for key, value in tags.items():
        if _concrete(key):
            _rules.check_tag_key(key)
            if _concrete(value):
                _rules.check_tag_value(key, value)


def whole_seconds(prop: str, value: Duration) -> int:
    """Return a Duration as whole seconds, or raise naming the prop."""
    if Token.is_unresolved(value.to_string()):
        raise PropertyValidationError(prop, value.to_string(), "must be a concrete Duration, not a token")
    millis = int(value.to_milliseconds())
    if millis % 1000:
        raise PropertyValidationError(prop, f"{millis / 1000:g} seconds", "must be a whole number of seconds")
    return millis // 1000


def check_poll_interval(seconds: int) -> None:
    if not MIN_POLL_INTERVAL_SECONDS <= seconds <= MAX_POLL_INTERVAL_SECONDS:
        raise PropertyValidationError(
            "poll_interval",
            f"{seconds} seconds",
            f"must be between {MIN_POLL_INTERVAL_SECONDS} seconds and {MAX_POLL_INTERVAL_SECONDS // 60} minutes",
        )


def check_timeout(seconds: int, poll_interval_seconds: int) -> None:
    if seconds > MAX_TIMEOUT_SECONDS:
        raise PropertyValidationError(
            "timeout",
            f"{seconds} seconds",
            f"must be at most {MAX_TIMEOUT_SECONDS // 60} minutes: CloudFormation waits at most one hour for a "
            "custom resource, and the rest is kept for starting the job and reporting back",
        )
    if seconds < poll_interval_seconds:
        raise PropertyValidationError(
            "timeout",
            f"{seconds} seconds",
            f"must be at least poll_interval ({poll_interval_seconds} seconds)",
        )
