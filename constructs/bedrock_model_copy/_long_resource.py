"""What makes any resource a long one: its wait (R2) and its Result resource (R3), the same for every kind.

R1 is the kind's resource. R2 (:func:`._long_wait.add_wait`) is named after a hash of R1's identity, so an
identity change makes a new wait and a tags/timeout/poll change does not. R3 is R1's custom resource type in
``Result`` mode, created after R2: it reads the resource once the watcher saw it end, gives the attributes,
and never deletes anything. What differs by kind is passed in: the identity, R3's leading properties, and
whether the stack's watcher must learn a kind it does not poll by default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnResource, CustomResource, Duration, RemovalPolicy, Stack

from constructs import Construct

from ._lambda.model_copy.contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
    PROP_WATCHER_EXECUTION_ARN,
)
from ._long_wait import add_wait, watch_budget


def identity_hash(scope: Construct, identity: Sequence[Any]) -> str:
    """8 hex digits of ``identity`` (values as written in the template, resolved in ``scope``'s stack)."""
    stack = Stack.of(scope)
    resolved = [stack.resolve(value) for value in identity]
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:8]


def add_long_resource(
    owner: Construct,
    r1: CfnResource,
    *,
    provider: Any,
    resource_type: str,
    identity: Sequence[Any],
    result_properties: Mapping[str, Any],
    timeout_seconds: int,
    poll_seconds: int,
    watch: str = "",
) -> CustomResource:
    """R2 and R3 for ``r1`` (both under ``owner``); returns R3, which gives the attributes.

    ``result_properties`` are R3's own (its mode, what it reads); the timeout, the poll interval and the
    watcher execution R1 started follow them. ``watch``: the kind the watcher must also poll ("" for a copy).
    """
    watcher = provider.copy_watcher()
    if watch:
        watcher.watch_serving(watch)
    wait = add_wait(
        owner,
        r1,
        identity=identity_hash(owner, identity),
        budget=watch_budget(timeout_seconds, poll_seconds),
        watcher_arn=watcher.state_machine.state_machine_arn,
    )
    result = CustomResource(
        owner,
        "Result",
        service_token=provider.service_token,
        resource_type=resource_type,
        properties={
            **result_properties,
            PROP_TIMEOUT_SECONDS: str(timeout_seconds),
            PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            # The watcher execution R1 started for this wait: what stopped it, if it failed.
            PROP_WATCHER_EXECUTION_ARN: r1.get_att(ATTR_WATCHER_EXECUTION_ARN).to_string(),
        },
        removal_policy=RemovalPolicy.DESTROY,  # Result mode never deletes anything
        service_timeout=Duration.hours(1),
    )
    result.node.add_dependency(wait)
    return result
