"""Synth-time checks of concrete prop values.

The value rules (ARN, name, KMS key and tag patterns from botocore's service
model) are the handler's own ``model_copy.rules``, loaded from the asset, so
synth time and deploy time apply one implementation and give the same
messages. Tokens are skipped here; the handler checks their resolved values.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack, Token
from aws_cdk.region_info import RegionInfo

from ._asset import load_handler_module
from ._contract import (
    MAX_LONG_TIMEOUT_SECONDS,
    MAX_POLL_INTERVAL_SECONDS,
    MAX_TIMEOUT_SECONDS,
    MIN_POLL_INTERVAL_SECONDS,
)

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
    """Check the count always, the types always, and each key and value that is not a token."""
    _rules.check_tag_count(len(tags))
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise PropertyValidationError(
                "tags", f"{key!r}: {value!r}", "tag keys and values must be strings (for example {'cost-center': '42'})"
            )
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


def check_timeout(seconds: int, poll_interval_seconds: int, *, long_copies: bool = False) -> None:
    """``long_copies``: a BedrockModelCopy, which waits up to 12 hours through a WaitCondition."""
    if long_copies and seconds > MAX_LONG_TIMEOUT_SECONDS:
        raise PropertyValidationError(
            "timeout",
            f"{seconds} seconds",
            f"must be at most {MAX_LONG_TIMEOUT_SECONDS // 3600} hours: a CloudFormation WaitCondition, which a "
            "copy longer than 57 minutes waits on, waits at most 12 hours",
        )
    if not long_copies and seconds > MAX_TIMEOUT_SECONDS:
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


def _arn_field(arn: str, index: int) -> str:
    parts = arn.split(":")
    return parts[index] if len(parts) > index else ""


def check_arn_location(prop: str, arn: str, scope: Stack, *, same_region: bool) -> None:
    """Refuse a concrete ARN outside the stack's partition (and Region, with ``same_region``).

    A Bedrock call made in this stack's Region cannot reach another partition, and a model
    copy job can only be read in the Region it runs in. Tokens and stacks without a
    concrete Region are left to deploy time.
    """
    if not _concrete(arn) or not _concrete(scope.region):
        return
    partition = RegionInfo.get(scope.region).partition
    arn_partition, arn_region = _arn_field(arn, 1), _arn_field(arn, 3)
    if partition and arn_partition != partition:
        raise PropertyValidationError(
            prop, arn, f"is in partition {arn_partition!r}; stack {scope.stack_name} deploys to partition {partition!r}"
        )
    if same_region and arn_region != scope.region:
        raise PropertyValidationError(
            prop,
            arn,
            f"is in Region {arn_region}; a model copy job can only be read in its own Region, and stack "
            f"{scope.stack_name} deploys to {scope.region}: put the ModelCopyJobWaiter in a stack of {arn_region}",
        )
