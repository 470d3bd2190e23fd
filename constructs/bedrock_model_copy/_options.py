"""Options of the provider that every BedrockModelCopy and ModelCopyJobWaiter in a stack shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms

from constructs import Node

from ._validation import PropertyValidationError

LOG_RETENTION_CONTEXT_KEY = "bedrock-model-copy:logRetentionDays"
DEFAULT_LOG_RETENTION_DAYS = 365

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS_ALLOWED = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Lambda's limit for reserved concurrency is the account's concurrency quota; 1 is the useful minimum.
MIN_RESERVED_CONCURRENCY = 1


@dataclass(frozen=True, kw_only=True)
class ModelCopyProviderOptions:
    """How the stack's shared provider (five Lambda functions, a state machine, two log groups) runs.

    Set once per stack: every ``BedrockModelCopy`` and ``ModelCopyJobWaiter`` of a stack shares
    one provider, so all of them must be given equal options (or none).

    Parameters
    ----------
    vpc : aws_ec2.IVpc, optional
        Run the five functions in this VPC. The subnets need a route to Bedrock, CloudWatch Logs
        and CloudFormation in the stack's Region (interface VPC endpoints or a NAT gateway; see
        docs/compliance.md, Network). Default: none (the functions run outside any VPC).
    vpc_subnets : aws_ec2.SubnetSelection, optional
        Subnets of ``vpc`` for the functions. Only with ``vpc``. Default: CDK's choice for Lambda
        (the private subnets of ``vpc``).
    security_groups : Sequence[aws_ec2.ISecurityGroup], optional
        Security groups of the functions. Only with ``vpc``. Default: one security group, shared by
        the five functions, that allows outbound HTTPS (TCP 443) and nothing else.
    encryption_key : aws_kms.IKey, optional
        Customer-managed key that encrypts both log groups and the five functions' environment
        variables. A ``kms.Key`` of the stack's app gets the key-policy statement that lets
        CloudWatch Logs use it; an imported key needs that statement in its policy (docs/compliance.md).
        Default: none (AWS owned keys).
    tracing : bool, optional
        Active X-Ray tracing on the five functions and the waiter state machine.
        Default: ``False``.
    reserved_concurrent_executions : int, optional
        Reserved concurrency of each of the five functions (at least 1). Default: none
        (the functions draw on the account's unreserved concurrency).
    log_retention_days : int, optional
        Retention of both log groups, one of CloudWatch Logs' periods (1, 3, 5, 7, 14, 30, ...
        3653 days). Default: the context key ``bedrock-model-copy:logRetentionDays``, else 365.
        Setting both to different values is an error.
    """

    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None
    encryption_key: kms.IKey | None = None
    tracing: bool = False
    reserved_concurrent_executions: int | None = None
    log_retention_days: int | None = None

    def check(self) -> None:
        """Refuse options that cannot work.

        Raises
        ------
        ValueError
            A prop that needs ``vpc`` without it, or a concurrency or retention out of range.
        """
        if self.vpc is None:
            for name in ("vpc_subnets", "security_groups"):
                if getattr(self, name) is not None:
                    raise PropertyValidationError(
                        f"provider_options.{name}", getattr(self, name), "needs provider_options.vpc"
                    )
        if self.security_groups is not None and len(self.security_groups) == 0:
            raise PropertyValidationError(
                "provider_options.security_groups", [], "must name at least one security group (or be left out)"
            )
        concurrency = self.reserved_concurrent_executions
        if concurrency is not None and (isinstance(concurrency, bool) or concurrency < MIN_RESERVED_CONCURRENCY):
            raise PropertyValidationError(
                "provider_options.reserved_concurrent_executions",
                concurrency,
                f"must be a whole number of at least {MIN_RESERVED_CONCURRENCY}",
            )
        days = self.log_retention_days
        if days is not None and days not in LOG_RETENTION_DAYS_ALLOWED:
            raise PropertyValidationError(
                "provider_options.log_retention_days",
                days,
                f"must be one of CloudWatch Logs' retention periods: {list(LOG_RETENTION_DAYS_ALLOWED)} (days)",
            )


DEFAULT_PROVIDER_OPTIONS = ModelCopyProviderOptions()


def log_retention_days(options: ModelCopyProviderOptions, node: Node) -> int:
    """The option, else the context key, else 365 days; the option and the key must not disagree."""
    option = options.log_retention_days
    days = node.try_get_context(LOG_RETENTION_CONTEXT_KEY)
    if days is None:
        return DEFAULT_LOG_RETENTION_DAYS if option is None else option
    if not (str(days).isdigit() and int(days) in LOG_RETENTION_DAYS_ALLOWED):
        raise PropertyValidationError(
            f"context {LOG_RETENTION_CONTEXT_KEY}",
            days,
            f"must be one of CloudWatch Logs' retention periods: {list(LOG_RETENTION_DAYS_ALLOWED)} (days)",
        )
    if option is not None and option != int(days):
        raise PropertyValidationError(
            "provider_options.log_retention_days",
            option,
            f"disagrees with the context key {LOG_RETENTION_CONTEXT_KEY} ({days} days); set one of them, "
            "or both to the same value",
        )
    return int(days)


@dataclass(frozen=True)
class Requester:
    """The construct that asks for the stack's provider: its class name, where it is (``scope``, ``id``), and
    whether it chose the provider's settings (``poll_interval``, ``provider_options``) or takes them as they are
    (the defaults when it makes the provider: a deployment or a Provisioned Throughput has no such props)."""

    label: str
    scope: Any
    id: str
    chooses_settings: bool = True

    @property
    def path(self) -> str:
        """Its construct path (read only for a message: each read is a jsii round trip)."""
        return "/".join(part for part in (self.scope.node.path, self.id) if part)


def check_same_settings(
    provider: Any, requester: Requester, poll_interval_seconds: int, options: ModelCopyProviderOptions
) -> None:
    """Refuse settings other than ``provider``'s (a ``ModelCopyProvider``): who set it up, with what, what to do."""
    if provider.poll_interval_seconds != poll_interval_seconds:
        seconds = provider.poll_interval_seconds
        prop, value = "poll_interval", f"{poll_interval_seconds} seconds"
        setting = f"poll_interval {seconds} seconds"
        same = f"the same poll_interval (Duration.seconds({seconds}))"
    elif provider.options != options:
        differing = [
            field.name
            for field in dataclasses.fields(options)
            if getattr(options, field.name) != getattr(provider.options, field.name)
        ]
        prop, value = "provider_options", f"differing in {', '.join(differing)}"
        chosen = [
            f.name for f in dataclasses.fields(provider.options) if getattr(provider.options, f.name) != f.default
        ]
        setting = f"provider_options setting {', '.join(chosen)}" if chosen else "no provider_options"
        same = "equal provider_options (the same ModelCopyProviderOptions object, or none)"
    else:
        return
    first = provider.set_up_by
    if first.chooses_settings:
        made = f"set up by {first.label} {first.path} with {setting}"
        todo = f"give this {requester.label} {same}"
    else:
        made = (
            f"set up by {first.label} {first.path} with {setting} (the defaults: a {first.label} takes the "
            "provider's settings as they are, or the defaults when it is the first)"
        )
        todo = f"create this {requester.label} before {first.path}, or give it {same}"
    raise PropertyValidationError(
        prop,
        value,
        f"every construct of this library in stack {Stack.of(provider).stack_name} shares one provider, {made}; "
        f"{todo}, or put it in another stack",
    )
