"""Synth-time checks of concrete prop values.

The value rules (ARN, name, KMS key and tag patterns from botocore's service
model) are the handler's own ``model_copy.rules``, loaded from the asset, so
synth time and deploy time apply one implementation and give the same
messages. Tokens are skipped here; the handler checks their resolved values.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Annotations, CfnDeletionPolicy, Duration, RemovalPolicy, Stack, Token
from aws_cdk.region_info import RegionInfo

from constructs import IConstruct, IValidation

from ._lambda.model_copy import rules as _rules
from ._lambda.model_copy.contract import (
    MAX_LONG_TIMEOUT_SECONDS,
    MAX_POLL_INTERVAL_SECONDS,
    MAX_TIMEOUT_SECONDS,
    MIN_POLL_INTERVAL_SECONDS,
)

if TYPE_CHECKING:

    class PropertyValidationError(ValueError):
        """A prop value that Bedrock or CloudFormation would refuse (the handler's class, see below)."""

        prop: str
        value: object
        rule: str

        def __init__(self, prop: str, value: object, rule: str) -> None: ...

else:
    # One class for synth time and deploy time: the handler's own (``model_copy.rules``).
    PropertyValidationError = _rules.PropertyValidationError


class PropertyTypeError(PropertyValidationError, TypeError):
    """A prop of the wrong type: a :class:`PropertyValidationError` that is also a ``TypeError``.

    The message names the prop and the type it must have, e.g. ``timeout must be a Duration
    (for example Duration.minutes(30)), not str '30m'``.
    """

    def __init__(self, prop: str, value: object, expected: str) -> None:
        super().__init__(prop, value, f"must be {expected}")
        self.args = (f"{prop} must be {expected}, not {type(value).__name__} {value!r}",)

    def __str__(self) -> str:
        return str(self.args[0])


# Tracebacks and help() name the public path, not the private module the classes live in (the package
# imports its names lazily, so this is done where the classes are made, not in its __init__).
for _public_error in (PropertyValidationError, PropertyTypeError):
    _public_error.__module__ = "bedrock_model_copy"
del _public_error


def check_type(prop: str, value: object, expected_type: type | tuple[type, ...], expected: str) -> None:
    """Raise :class:`PropertyTypeError` unless ``value`` is an instance of ``expected_type``."""
    if not isinstance(value, expected_type):
        raise PropertyTypeError(prop, value, expected)


def check_optional_duration(prop: str, value: object) -> None:
    if value is not None and not isinstance(value, Duration):
        raise PropertyTypeError(prop, value, "a Duration (for example Duration.minutes(30))")


def check_kms_key_type(value: object) -> None:
    # aws_kms.IKey is a jsii interface (a typing Protocol): checked by the members the construct uses.
    if value is not None and not (hasattr(value, "key_arn") and hasattr(value, "grant") and hasattr(value, "node")):
        raise PropertyTypeError("target_kms_key", value, "an aws_kms.IKey (kms.Key, kms.Key.from_key_arn(...))")


def check_removal_policy(value: object) -> None:
    check_type("removal_policy", value, RemovalPolicy, "a RemovalPolicy (RemovalPolicy.RETAIN or DESTROY)")
    if value not in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY):
        raise PropertyValidationError(
            "removal_policy", str(value), "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY"
        )


def stack_of(construct_name: str, scope: object, id: object) -> Stack:
    """The Stack that ``scope`` belongs to, or an error that names the construct and its scope."""
    if not hasattr(scope, "node"):
        raise PropertyTypeError("scope", scope, "a Construct (a Stack, or a construct inside one)")
    check_type("id", id, str, "a str")
    construct_scope: IConstruct = scope  # type: ignore[assignment]
    stack = next((s for s in reversed(construct_scope.node.scopes) if isinstance(s, Stack)), None)
    if stack is None:
        path = construct_scope.node.path or "<the App>"
        raise PropertyValidationError(
            "scope",
            f"{type(scope).__name__} at path {path}",
            f"{construct_name} {id!r} must be created inside a Stack, and this scope is in none: pass a Stack "
            "(or a construct inside one) as scope",
        )
    return stack


# How a token looks in a Python string: aws-cdk-lib encodes a string token as ``${Token[NAME.123]}`` and a
# list token's elements as ``#{Token[NAME.123]}`` (core/lib/private/encoding.ts); jsii hands them to
# Python as such strings. A string without either marker is concrete, and needs no jsii round trip.
TOKEN_MARKERS = ("${Token[", "#{Token[")


def may_be_token(value: object) -> bool:
    """Whether ``value`` is (or contains) an unresolved token; asks the kernel only for a string with a marker."""
    if isinstance(value, str) and not any(marker in value for marker in TOKEN_MARKERS):
        return False
    return bool(Token.is_unresolved(value))


def _concrete(value: str) -> bool:
    return not may_be_token(value)


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
    try:
        millis = int(value.to_milliseconds())
    except RuntimeError as error:  # aws-cdk-lib cannot convert it: made from a token, or a fraction of a millisecond
        rule = (
            "must be a concrete Duration, not a token" if "token" in str(error) else "must be a whole number of seconds"
        )
        raise PropertyValidationError(prop, value.to_string(), rule) from None
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


_LOCATIONS: weakref.WeakKeyDictionary[Stack, tuple[str, str]] = weakref.WeakKeyDictionary()


def stack_location(stack: Stack) -> tuple[str, str]:
    """The stack's concrete Region and its partition (``""`` for a token), read once per stack."""
    location = _LOCATIONS.get(stack)
    if location is None:
        region = stack.region
        location = ("", "") if may_be_token(region) else (region, RegionInfo.get(region).partition or "")
        _LOCATIONS[stack] = location
    return location


def _arn_field(arn: str, index: int) -> str:
    parts = arn.split(":")
    return parts[index] if len(parts) > index else ""


def check_arn_location(prop: str, arn: str, scope: Stack, *, same_region: bool) -> None:
    """Refuse a concrete ARN outside the stack's partition (and Region, with ``same_region``).

    A Bedrock call made in this stack's Region cannot reach another partition, and a model
    copy job can only be read in the Region it runs in. Tokens and stacks without a
    concrete Region are left to deploy time.
    """
    if not _concrete(arn):
        return
    region, partition = stack_location(scope)
    if not region:
        return
    arn_partition, arn_region = _arn_field(arn, 1), _arn_field(arn, 3)
    if partition and arn_partition != partition:
        raise PropertyValidationError(
            prop, arn, f"is in partition {arn_partition!r}; stack {scope.stack_name} deploys to partition {partition!r}"
        )
    if same_region and arn_region != region:
        raise PropertyValidationError(
            prop,
            arn,
            f"is in Region {arn_region}; a model copy job can only be read in its own Region, and stack "
            f"{scope.stack_name} deploys to {region}: put the ModelCopyJobWaiter in a stack of {arn_region}",
        )


COPY_TO_ITSELF = "bedrock-model-copy:copyToItself"


def warn_if_copy_to_itself(copy: IConstruct, source_model_arn: str, stack: Stack) -> None:
    """Warn (an Annotation ``COPY_TO_ITSELF``) when a concrete source is in the stack's own concrete Region AND
    account: the model is already where the copy would go. A source of another account (shared through AWS
    RAM) must be copied to be used (docs/aws-behaviour.md M10), so it stays silent; so do tokens."""
    if not _concrete(source_model_arn):
        return
    region, _ = stack_location(stack)
    account = stack.account
    if not region or may_be_token(account):
        return
    if (_arn_field(source_model_arn, 3), _arn_field(source_model_arn, 4)) != (region, account):
        return
    Annotations.of(copy).add_warning_v2(
        COPY_TO_ITSELF,
        f"source_model_arn '{source_model_arn}' is in this stack's own account {account} and Region {region}: "
        "the model is already here, and the copy would be a second custom model of it, with its own storage fee. Serve "
        "the source itself (CustomModelDeployment or ProvisionedThroughput with model=<its ARN>), or put the copy in "
        "a stack of the Region it should go to; if a second model is what you want, acknowledge this warning",
    )


# ---------------------------------------------------------------- generated target model names

GENERATED_NAME_HASH_LENGTH = 8
_NAME_MAX = 63
_SEPARATORS = re.compile(r"[^0-9a-zA-Z]+")


def _name_part(value: str) -> str:
    """Letters and digits of ``value``, each run of anything else turned into one ``-``."""
    return _SEPARATORS.sub("-", value).strip("-")


def _stable(stack: Stack, value: str) -> str:
    """A text for ``value`` that is the same in every synthesis of the same app.

    A token's own text (``${Token[...]}``) depends on the order tokens are created in; what it
    resolves to (``{"Ref": "Param"}``, ``{"Fn::GetAtt": [...]}``) depends only on logical ids.
    """
    if not may_be_token(value):
        return value
    try:
        return json.dumps(stack.resolve(value), sort_keys=True, separators=(",", ":"))
    except Exception:  # a token that cannot be resolved yet: the name cannot follow it
        return "<unresolved token>"


def generated_target_model_name(stack: Stack, path: str, source_model_arn: str, kms_key_arn: str) -> str:
    """A valid, unique and stable ``target_model_name``: ``<stack>-<path>-<hash>``.

    The readable part is the stack name and the construct's path in the stack (shortened to
    fit 63 characters); the hash covers the full stack name and path, and what identifies the
    copy, the source model and the key, so a change of either gives a new name (and the
    replacement a new model). Tokens are hashed by what they resolve to, so the name is the
    same in every synthesis.
    """
    stack_name = stack.stack_name if not may_be_token(stack.stack_name) else stack.node.id
    identity = [
        _stable(stack, stack.stack_name),
        path,
        _stable(stack, source_model_arn),
        _stable(stack, kms_key_arn),
    ]
    digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:GENERATED_NAME_HASH_LENGTH]
    budget = _NAME_MAX - GENERATED_NAME_HASH_LENGTH - 1
    stack_part, path_part = _name_part(stack_name), _name_part(path)
    if len(stack_part) + 1 + len(path_part) > budget:
        # Keep the start of the stack name and the end of the path (the construct's own id).
        stack_part = stack_part[: max(budget // 2 - 1, budget - 1 - len(path_part))].strip("-")
        path_part = path_part[len(path_part) - (budget - 1 - len(stack_part)) :].strip("-")
    readable = "-".join(part for part in (stack_part, path_part) if part)
    name = f"{readable}-{digest}" if readable else digest
    _rules.check_target_model_name(name)  # a bug here must not reach Bedrock
    return name


def final_tags_error(tags: Mapping[str, Any]) -> PropertyValidationError | None:
    """The error for the tags a copy will carry (the ``tags`` prop merged with ``Tags.of``), if any."""
    try:
        check_tags(tags)
    except PropertyValidationError as error:
        rule = f"{error.rule} (the tags prop and Tags.of(...) together)"
        return PropertyValidationError(error.prop, error.value, rule)
    return None


SNAPSHOT_REFUSED = PropertyValidationError(
    "removal_policy",
    "RemovalPolicy.SNAPSHOT",
    "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY (set by apply_removal_policy or a RemovalPolicies aspect)",
)


@jsii.implements(IValidation)
class FinalState:
    """What only the final construct tree shows: the tags after ``Tags.of`` and a DeletionPolicy set by an aspect.

    Returned to aws-cdk-lib as messages, the way its own constructs report: ``app.synth()`` and
    ``Template.from_stack`` then fail with its error, which lists each message after the construct's
    path (docs/errors.md). ``tags``: the rendered tags (None for a construct without tags);
    ``deletion_policy``: the resource's final DeletionPolicy.
    """

    def __init__(
        self, *, tags: Callable[[], Mapping[str, Any] | None] | None, deletion_policy: Callable[[], Any]
    ) -> None:
        self._tags = tags
        self._deletion_policy = deletion_policy

    def validate(self) -> list[str]:
        errors = []
        if self._tags is not None:
            tags_error = final_tags_error(dict(self._tags() or {}))
            if tags_error is not None:
                errors.append(str(tags_error))
        if self._deletion_policy() == CfnDeletionPolicy.SNAPSHOT:
            errors.append(str(SNAPSHOT_REFUSED))
        return errors
