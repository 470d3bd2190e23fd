"""Long waits of a deployment or Provisioned Throughput (``timeout`` above 57 minutes, up to 12 hours).

The machinery is :mod:`._long_wait`'s (R1, the WaitCondition R2, the Result resource R3, the
stack's watcher); what is a serving resource's own:

- R2's identity: the kind and the properties whose change makes a new Bedrock resource (its name,
  and a deployment's description or a Provisioned Throughput's model units and commitment). A
  replacement gets a new wait and a new watcher.
- An update in place (a new model, or a Provisioned Throughput's new name: same ARN) makes no new
  wait, since a WaitCondition is only evaluated when it is created: R1 waits for the update itself,
  as a short resource does, for at most 57 minutes (the rest of ``timeout`` cannot be used), and
  fails past it with what to do; R3 then reads the updated attributes.
- R3 is the kind's custom resource type in ``Result`` mode: it reads the resource once (attributes,
  or Bedrock's failureMessage, or what stopped the watcher) and never deletes anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnResource, CustomResource, Duration, RemovalPolicy, Stack

from constructs import Construct

from ._lambda.model_copy.contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    MODE_RESULT,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
    PROP_WATCHER_EXECUTION_ARN,
)
from ._lambda.model_copy.serving_contract import (
    PROP_MODEL_ARN,
    PROP_NAME,
    PROP_RESOURCE_ARN,
    PROP_RESOURCE_KIND,
    REPLACING_PROPERTIES,
    RESOURCE_TYPES,
)
from ._long_wait import add_wait, watch_budget


def identity_hash(scope: Construct, kind: str, properties: Mapping[str, Any]) -> str:
    """8 hex digits of what makes a new Bedrock resource of ``kind``, as written in the template."""
    stack = Stack.of(scope)
    identity = [kind, *(stack.resolve(properties.get(key) or "") for key in (PROP_NAME, *REPLACING_PROPERTIES[kind]))]
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:8]


def add_long_serving(
    owner: Construct,
    r1: CfnResource,
    *,
    provider: Any,
    kind: str,
    properties: Mapping[str, Any],
    timeout_seconds: int,
    poll_seconds: int,
) -> CustomResource:
    """Make ``r1`` (a serving resource under ``owner``) a long one; returns R3, which gives the attributes."""
    watcher = provider.copy_watcher()
    watcher.watch_serving(kind)
    wait = add_wait(
        owner,
        r1,
        identity=identity_hash(owner, kind, properties),
        budget=watch_budget(timeout_seconds, poll_seconds),
        watcher_arn=watcher.state_machine.state_machine_arn,
    )
    result = CustomResource(
        owner,
        "Result",
        service_token=provider.service_token,
        resource_type=RESOURCE_TYPES[kind],
        properties={
            PROP_RESOURCE_KIND: kind,
            PROP_MODE: MODE_RESULT,
            PROP_RESOURCE_ARN: r1.ref,
            # What R3 checks the resource serves (and so a new model updates R3 after R1 moved it in place).
            PROP_MODEL_ARN: properties[PROP_MODEL_ARN],
            PROP_NAME: properties[PROP_NAME],
            PROP_TIMEOUT_SECONDS: str(timeout_seconds),
            PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            PROP_WATCHER_EXECUTION_ARN: r1.get_att(ATTR_WATCHER_EXECUTION_ARN).to_string(),
        },
        removal_policy=RemovalPolicy.DESTROY,  # Result mode never deletes anything
        service_timeout=Duration.hours(1),
    )
    result.node.add_dependency(wait)
    return result
