"""The resource kinds the driver deploys, known through one list of descriptors, not by name.

:data:`PROVIDER_KINDS` lists the custom resource types the stack's provider serves, read from the
runtime's own kinds list (``bedrock_model_copy._lambda.model_copy.kinds.KINDS``): the driver sends their
requests through the :class:`~.framework.ProviderFramework` to the handler, so a kind that joins the
runtime's list is deployed by the driver too. Long waits are known generically (:mod:`.long_waits`): an
``AWS::CloudFormation::WaitCondition`` with a CreationPolicy, and a state machine whose Metadata holds
:data:`WATCHER_METADATA_KEY` (the watcher that signals it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..._lambda.model_copy.kinds import KINDS


@dataclass(frozen=True)
class ProviderKind:
    """A resource type the provider's handler serves (what a request's ``ResourceType`` says)."""

    resource_type: str


# The one list the driver reads: each resource type of the runtime's kinds, once (a copy and a waiter share one).
PROVIDER_KINDS: tuple[ProviderKind, ...] = tuple(
    ProviderKind(resource_type) for resource_type in dict.fromkeys(kind.resource_type for kind in KINDS)
)
# The Metadata key that marks the library's watcher state machine (the construct writes it).
WATCHER_METADATA_KEY = "bedrock-model-copy:copy-watcher"


def provider_kind(resource_type: str) -> ProviderKind | None:
    """The descriptor of ``resource_type`` when the provider serves it."""
    return next((kind for kind in PROVIDER_KINDS if kind.resource_type == resource_type), None)
