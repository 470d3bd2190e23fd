"""Scale, asserted on structure (the clock is measured by `make bench`, not here)."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from bedrock_model_copy._provider import SOURCE_ARNS_BUDGET_CHARS
from bedrock_model_copy.testing.iam import pseudo_parameters, resolve
from bench.stacks import build

FIXED_OVERHEAD = 17


def template_for(count: int, pattern: str = "shared") -> dict[str, object]:
    app = cdk.App()
    return Template.from_stack(build(app, count, pattern)).to_json()


@pytest.mark.parametrize("count", [1, 2, 7, 60])
def test_resources_are_fixed_overhead_plus_one_per_copy(count: int) -> None:
    template = template_for(count)
    resources = template["Resources"]
    assert isinstance(resources, dict)
    assert len(resources) == FIXED_OVERHEAD + count
    types = [r["Type"] for r in resources.values()]
    assert types.count("AWS::StepFunctions::StateMachine") == 1
    assert types.count("AWS::Lambda::Function") == 5
    assert types.count("Custom::BedrockModelCopy") == count


def test_fixed_overhead_stays_within_twenty() -> None:
    assert FIXED_OVERHEAD <= 20


# IAM's limit for a managed policy document (characters, white space excluded); inline role policies
# may together reach 10,240, so a document under this limit fits either way.
MANAGED_POLICY_LIMIT = 6144


def _largest_deployed_policy(template: dict[str, object]) -> int:
    """The longest policy document as IAM stores it: intrinsics resolved, worst-case stack name and Region."""
    resources = template["Resources"]
    assert isinstance(resources, dict)
    parameters = pseudo_parameters(stack_name="S" * 128, region="ap-southeast-2", account="111122223333")
    return max(
        len(json.dumps(resolve(r["Properties"]["PolicyDocument"], parameters), separators=(",", ":")))
        for r in resources.values()
        if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    )


def test_policy_size_is_bounded_in_the_number_of_copies() -> None:
    sizes = {count: _largest_deployed_policy(template_for(count)) for count in (1, 26, 27, 30, 120)}
    # Each distinct source is listed until the budget is spent, then widened per account: bounded.
    assert max(sizes.values()) <= MANAGED_POLICY_LIMIT, sizes
    assert max(sizes.values()) > SOURCE_ARNS_BUDGET_CHARS  # the budget is what was measured
    assert sizes[120] <= sizes[30]


def test_naive_pattern_grows_seventeen_resources_per_copy() -> None:
    one, two = (len(template_for(count, "naive")["Resources"]) for count in (1, 2))  # type: ignore[arg-type]
    assert two - one == 17 and one == 17


@pytest.mark.parametrize("count", [1, 100])
def test_long_copies_cost_three_resources_each_and_the_watcher_once(count: int) -> None:
    resources = template_for(count, "long")["Resources"]
    assert isinstance(resources, dict)
    # The watcher: its state machine, role, log group and two managed policies (scoped, and unscoped actions).
    assert len(resources) == FIXED_OVERHEAD + 5 + 3 * count  # 100 long copies: 322, under the 500 limit
    assert len(resources) < 500
    types = [r["Type"] for r in resources.values()]
    assert types.count("AWS::CloudFormation::WaitCondition") == count
    assert types.count("AWS::StepFunctions::StateMachine") == 2  # the provider's waiter and the copy watcher
