"""Long waits of a deployment or Provisioned Throughput (``timeout`` above 57 minutes, up to 12 hours).

The machinery is :mod:`._long_wait`'s and :mod:`._long_resource`'s (R1, the WaitCondition R2, the Result
resource R3, the stack's watcher); what is a serving resource's own:

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

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnResource, CustomResource

from constructs import Construct

from . import _long_resource
from ._lambda.model_copy.contract import (
    MODE_RESULT,
    PROP_MODE,
)
from ._lambda.model_copy.serving_contract import (
    PROP_MODEL_ARN,
    PROP_NAME,
    PROP_RESOURCE_ARN,
    PROP_RESOURCE_KIND,
    REPLACING_PROPERTIES,
    RESOURCE_TYPES,
)


def _identity(kind: str, properties: Mapping[str, Any]) -> list[Any]:
    """What makes a new Bedrock resource of ``kind`` (R2's identity), as written in the template."""
    return [kind, *(properties.get(key) or "" for key in (PROP_NAME, *REPLACING_PROPERTIES[kind]))]


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
    return _long_resource.add_long_resource(
        owner,
        r1,
        provider=provider,
        resource_type=RESOURCE_TYPES[kind],
        identity=_identity(kind, properties),
        result_properties={
            PROP_RESOURCE_KIND: kind,
            PROP_MODE: MODE_RESULT,
            PROP_RESOURCE_ARN: r1.ref,
            # What R3 checks the resource serves (and so a new model updates R3 after R1 moved it in place).
            PROP_MODEL_ARN: properties[PROP_MODEL_ARN],
            PROP_NAME: properties[PROP_NAME],
        },
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        watch=kind,
    )
