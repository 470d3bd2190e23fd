"""Long copies: a copy whose ``timeout`` is above what a custom resource may wait (57 minutes).

The three resources, the watcher and its polling budget are :mod:`._long_wait`'s and
:mod:`._long_resource`'s, shared with the serving resources and the import; here is what is a copy's own:
R2's identity (source, name, key: an identity change makes a new wait, a tags/timeout/poll change does not)
and R3, a ``Custom::BedrockModelCopy`` in Result mode that gives the nine attributes.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CustomResource

from constructs import Construct

from . import _long_resource
from ._lambda.model_copy.contract import (
    MODE_RESULT,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
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
    return _long_resource.identity_hash(scope, _identity(properties))


def _identity(properties: dict[str, Any]) -> list[Any]:
    return [
        properties.get(key) or ""
        for key in (PROP_SOURCE_MODEL_ARN, PROP_TARGET_MODEL_NAME, PROP_TARGET_MODEL_KMS_KEY_ID)
    ]


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
    return _long_resource.add_long_resource(
        copy,
        copy.cfn_resource,
        provider=provider,
        resource_type=RESOURCE_TYPE,
        identity=_identity(properties),
        result_properties={PROP_MODE: MODE_RESULT, PROP_JOB_ARN: copy.resource.ref},
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
    )
