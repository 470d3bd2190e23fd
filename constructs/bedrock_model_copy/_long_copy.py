"""Long copies: a copy whose ``timeout`` is above what a custom resource may wait (57 minutes).

The three resources, the watcher and its polling budget are :mod:`._long_wait`'s, shared with the
serving resources (:mod:`._long_serving`); here is what is a copy's own: R2's identity (source,
name, key: an identity change makes a new wait, a tags/timeout/poll change does not) and R3, a
``Custom::BedrockModelCopy`` in Result mode that gives the nine attributes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack

from constructs import Construct

from ._lambda.model_copy.contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    MODE_RESULT,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TIMEOUT_SECONDS,
    PROP_WATCHER_EXECUTION_ARN,
    RESOURCE_TYPE,
)

# Kept importable from here (tests and older code import them from the long-copy module).
from ._long_wait import (  # noqa: F401
    BACKSTOP_MARGIN_SECONDS,
    MAX_WATCH_POLLS,
    NOT_A_LIBRARY_WAIT,
    PULSE_SECONDS,
    SIGNAL_RETRY,
    TRANSIENT_POLL_ERRORS,
    WAIT_CONDITION_TYPE,
    WAIT_METADATA_KEY,
    WATCHER_METADATA_KEY,
    add_wait,
    definition,
    watch_budget,
)
from ._watcher import WATCHER_ID, CopyWatcher  # noqa: F401


def identity_hash(scope: Construct, properties: dict[str, Any]) -> str:
    """8 hex digits of what identifies a copy (source, name, key), as written in the template."""
    stack = Stack.of(scope)
    identity = [
        stack.resolve(properties.get(key) or "")
        for key in (PROP_SOURCE_MODEL_ARN, PROP_TARGET_MODEL_NAME, PROP_TARGET_MODEL_KMS_KEY_ID)
    ]
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:8]


def add_long_copy(
    copy: Any,
    *,
    provider: Any,
    properties: dict[str, Any],
    timeout_seconds: int,
    poll_seconds: int,
) -> CustomResource:
    """Make ``copy`` (its R1 already created as ``copy.resource``) a long copy; returns R3.

    R1 gets the watcher's ARN, R2's logical id and the polling budget as properties; R2 and R3
    are created under ``copy``.
    """
    budget = watch_budget(timeout_seconds, poll_seconds)
    watcher = provider.copy_watcher()
    r1 = copy.cfn_resource
    wait = add_wait(
        copy,
        r1,
        identity=identity_hash(copy, properties),
        budget=budget,
        watcher_arn=watcher.state_machine.state_machine_arn,
    )
    result = CustomResource(
        copy,
        "Result",
        service_token=provider.service_token,
        resource_type=RESOURCE_TYPE,
        properties={
            PROP_MODE: MODE_RESULT,
            PROP_JOB_ARN: copy.resource.ref,
            PROP_TIMEOUT_SECONDS: str(timeout_seconds),
            PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            # The watcher execution the copy resource started for this wait: what stopped it, if it failed.
            PROP_WATCHER_EXECUTION_ARN: r1.get_att(ATTR_WATCHER_EXECUTION_ARN).to_string(),
        },
        removal_policy=RemovalPolicy.DESTROY,  # Result mode never deletes anything
        service_timeout=Duration.hours(1),
    )
    result.node.add_dependency(wait)
    return result
