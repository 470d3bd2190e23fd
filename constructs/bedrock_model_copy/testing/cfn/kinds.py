"""The resource kinds the driver deploys, known through one list of descriptors, not by name.

:data:`PROVIDER_KINDS` lists the custom resource types the stack's provider serves: the driver sends
their requests through the :class:`~.framework.ProviderFramework` to the handler. Long waits are known
generically (:mod:`.long_waits`): an ``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, and a
state machine whose Metadata holds :data:`WATCHER_METADATA_KEY` (the watcher that signals it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..._lambda.model_copy.contract import RESOURCE_TYPE
from ..._lambda.model_copy.serving_contract import RESOURCE_TYPES


@dataclass(frozen=True)
class ProviderKind:
    """A resource type the provider's handler serves (what a request's ``ResourceType`` says)."""

    resource_type: str


# The one list the driver reads: the contract's copy type, then the serving types.
PROVIDER_KINDS: tuple[ProviderKind, ...] = (
    ProviderKind(RESOURCE_TYPE),
    *(ProviderKind(resource_type) for resource_type in RESOURCE_TYPES.values()),
)
# The Metadata key that marks the library's watcher state machine (the construct writes it).
WATCHER_METADATA_KEY = "bedrock-model-copy:copy-watcher"


def provider_kind(resource_type: str) -> ProviderKind | None:
    """The descriptor of ``resource_type`` when the provider serves it."""
    return next((kind for kind in PROVIDER_KINDS if kind.resource_type == resource_type), None)
