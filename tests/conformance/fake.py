"""The fake a case runs against: the kit's :class:`FakeBedrock`, counting the faults it served, with the handler
role's synthesized policies that are in force during each stack operation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bedrock_model_copy.testing import FakeBedrock
from bedrock_model_copy.testing.aws.server import Fault
from bedrock_model_copy.testing.iam import PolicySet, handler_role_policies

from .templates import ACCOUNT, REGION, STACK_NAME

POLICY_TYPES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")


def _depends_on(resource: dict[str, Any]) -> set[str]:
    found = resource.get("DependsOn", [])
    return {found} if isinstance(found, str) else set(found)


def policies_in_force(old: dict[str, Any], new: dict[str, Any]) -> PolicySet:
    """The handler role's policies while CloudFormation moves the stack from ``old`` to ``new``.

    New and updated policies apply from the start of the operation. A policy the new template drops is
    deleted in the clean-up, after the resources that depend on it: it stays in force for the whole operation
    when a dropped resource depends on it, and is taken as gone from the start otherwise (the harder answer).
    """
    merged = {"Resources": dict(new.get("Resources", {}))}
    removed = {lid: res for lid, res in old.get("Resources", {}).items() if lid not in merged["Resources"]}
    needed = {dependency for resource in removed.values() for dependency in _depends_on(resource)}
    for logical_id, resource in removed.items():
        if resource["Type"] in POLICY_TYPES and logical_id in needed:
            merged["Resources"][logical_id] = resource
    return handler_role_policies(merged, stack_name=STACK_NAME, region=REGION, account=ACCOUNT)


@dataclass
class CountingFake(FakeBedrock):
    """The kit's fake, counting the injected faults it served (a case asserts that its fault was hit)."""

    served: Counter[str] = field(default_factory=Counter)
    # When set (a create operation): injected faults wait until it answered 2xx in the request being handled.
    after_purchase: str = ""
    request_start: int = 0  # where the request being handled begins in ``calls``

    def take_fault(self, operation: str) -> Fault | None:
        if self.after_purchase and not any(
            call.operation == self.after_purchase and call.status < 300 for call in self.calls[self.request_start :]
        ):
            return None
        fault = super().take_fault(operation)
        if fault is not None:
            self.served[operation] += 1
        return fault
