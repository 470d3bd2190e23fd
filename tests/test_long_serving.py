"""Long waits of deployments and Provisioned Throughput (issue 16): a ``timeout`` above 57 minutes.

Scenarios through the kit: a synthesized template deployed by the CloudFormation simulator, the
real handler, the stack's watcher run by the kit's Step Functions interpreter on a fake clock, and
the fake Bedrock enforcing the synthesized IAM of the handler role and of the watcher's role.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from bedrock_model_copy import Commitment, CustomModelDeployment, ProvisionedThroughput
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.aws.served import Script
from bedrock_model_copy.testing.iam import handler_role_policies
from conftest import ENV, STACK_NAME

HOUR = 3600
WAIT = "AWS::CloudFormation::WaitCondition"
PT = "Custom::BedrockProvisionedThroughput"
DEPLOYMENT = "Custom::BedrockCustomModelDeployment"
WATCHER = "BedrockModelCopyProviderCopyWatcherStateMachine80BA9FEF"  # pinned: tests/test_logical_ids.py
MODEL_A = FakeBedrock().add_model("base-a")
MODEL_B = FakeBedrock().add_model("base-b")


def _template(build: Any) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    build(stack)
    return dict(assertions.Template.from_stack(stack).to_json())


def _pt(name: str, hours: float, **props: Any) -> Any:
    def build(stack: cdk.Stack) -> None:
        ProvisionedThroughput(
            stack,
            name,
            model=MODEL_A,
            model_units=1,
            name=name.lower(),
            timeout=cdk.Duration.minutes(hours * 60),
            **props,
        )

    return build


def _both(*builds: Any) -> Any:
    def build(stack: cdk.Stack) -> None:
        for one in builds:
            one(stack)

    return build


def _deployment(model: str) -> Any:
    def build(stack: cdk.Stack) -> None:
        CustomModelDeployment(stack, "Endpoint", model=model, deployment_name="endpoint", timeout=cdk.Duration.hours(3))

    return build


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return {
        "pt-3h": _template(_pt("Slow", 3)),
        "keep": _template(_pt("Keep", 2)),
        "keep-and-committed": _template(_both(_pt("Keep", 2), _pt("Slow", 1.5, commitment=Commitment.ONE_MONTH))),
        "deployment-a": _template(_deployment(MODEL_A)),
        "deployment-b": _template(_deployment(MODEL_B)),
    }


def _ids(template: dict[str, Any], construct: str) -> tuple[str, str, str]:
    """(resource, wait, result) logical ids of one serving construct."""
    resources = template["Resources"]
    mine = [i for i in resources if i.startswith(construct)]
    (r1,) = [i for i in mine if resources[i]["Type"] in (PT, DEPLOYMENT) and "Result" not in i]
    (wait,) = [i for i in mine if resources[i]["Type"] == WAIT]
    (r3,) = [i for i in mine if resources[i]["Type"] in (PT, DEPLOYMENT) and "Result" in i]
    return r1, wait, r3


def _fake(template: dict[str, Any]) -> FakeBedrock:
    fake = FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    )
    fake.add_model("base-a")
    fake.add_model("base-b")
    return fake


def _no_denials(fake: FakeBedrock) -> None:
    assert fake.iam is not None and fake.iam.denied == []
    assert fake.role_iam and all(policies.denied == [] for policies in fake.role_iam.values())


def _polls(fake: FakeBedrock, action: str) -> list[Any]:
    assert fake.step_functions is not None
    return [c for e in fake.step_functions.executions.values() for c in e.calls if c.action == action]


# ---------------------------------------------------------------- synth


def test_a_long_serving_resource_is_three_resources_and_the_stacks_watcher(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["pt-3h"]
    r1, wait, r3 = _ids(template, "Slow")
    resources = template["Resources"]
    assert WATCHER in resources  # the copy watcher's logical id, whatever the kind
    assert resources[wait]["CreationPolicy"]["ResourceSignal"]["Timeout"] == f"PT{3 * HOUR + 15 * 60}S"
    assert resources[r1]["Properties"]["WaitConditionLogicalId"] == wait
    assert resources[r3]["Properties"]["Mode"] == "Result" and resources[r3]["Properties"]["ResourceArn"] == {"Ref": r1}
    assert resources[wait]["Metadata"]["BedrockModelCopyWait"] == r1  # the watcher signals only R1's wait


def _watcher_actions(template: dict[str, Any]) -> set[str]:
    resources = template["Resources"]
    role = resources[WATCHER]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role} in resource["Properties"].get("Roles", []):
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                action = statement["Action"]
                actions.update(action if isinstance(action, list) else [action])
    return actions


def _resolve_definition(template: dict[str, Any]) -> str:
    from bedrock_model_copy.testing.iam import pseudo_parameters, resolve

    parameters = pseudo_parameters(stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    return str(resolve(template["Resources"][WATCHER]["Properties"]["DefinitionString"], parameters))


def _sdk_actions(template: dict[str, Any]) -> set[str]:
    states = json.loads(_resolve_definition(template))["States"].values()
    return {s["Resource"].rsplit(":", 1)[1] for s in states if ":bedrock:" in str(s.get("Resource", ""))}


def test_the_watcher_may_read_serving_resources_only_in_a_stack_with_a_long_one(
    templates: dict[str, dict[str, Any]],
) -> None:
    from bedrock_model_copy import BedrockModelCopy
    from conftest import SOURCE_ARN

    serving = {"bedrock:GetProvisionedModelThroughput", "bedrock:GetCustomModelDeployment"}
    assert serving & _watcher_actions(templates["pt-3h"]) == {"bedrock:GetProvisionedModelThroughput"}
    assert serving & _watcher_actions(templates["deployment-a"]) == {"bedrock:GetCustomModelDeployment"}
    # The definition names only the Get calls the stack's long resources need (docs/aws-behaviour.md S12).
    assert _sdk_actions(templates["pt-3h"]) == {"getModelCopyJob", "getProvisionedModelThroughput"}

    def copies_only(stack: cdk.Stack) -> None:
        BedrockModelCopy(
            stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="m", timeout=cdk.Duration.hours(3)
        )
        ProvisionedThroughput(stack, "Short", model=MODEL_A, model_units=1)  # 57 minutes: no wait

    copy_only = _template(copies_only)
    actions = _watcher_actions(copy_only)
    assert "bedrock:GetModelCopyJob" in actions and not serving & actions
    assert _sdk_actions(copy_only) == {"getModelCopyJob"}
    definition = json.loads(_resolve_definition(copy_only))
    assert definition["StartAt"] == "Start" and "WhichKind?" not in definition["States"]  # as before issue 16


def test_a_timeout_above_twelve_hours_is_refused_at_synth() -> None:
    from bedrock_model_copy import PropertyValidationError

    with pytest.raises(PropertyValidationError, match="at most 12 hours"):
        _template(_pt("TooLong", 13))


# ---------------------------------------------------------------- create


def test_a_throughput_that_takes_two_hours_is_waited_for_within_a_three_hour_timeout(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["pt-3h"]
    fake = _fake(template)
    fake.serving.script("slow", duration=2 * HOUR, outcome="InService")
    r1, wait, r3 = _ids(template, "Slow")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        started = fake.clock.time()
        operations, _ = stack.deploy_template(template)
    assert all(o.response.ok for o in operations.values()), stack.first_failure()
    assert 2 * HOUR <= fake.clock.time() - started <= 2 * HOUR + 120  # ended by the resource, not the backstop
    (pt,) = fake.serving.of_kind("throughput")
    assert stack.resources[r3].data["Status"] == "InService" and stack.resources[r3].data["Arn"] == pt.arn
    assert stack.resources[r1].physical_resource_id == pt.arn
    polls = _polls(fake, "bedrock:getProvisionedModelThroughput")
    assert len(polls) >= 2 * HOUR // 30 and not any(c.error for c in polls)
    assert [c.parameters for c in polls[:1]] == [{"ProvisionedModelId": pt.arn}]  # PascalCase, as Step Functions
    signals = [e.reason for e in stack.events if e.logical_id == wait and e.reason.startswith("Received")]
    assert signals and any("throughput-Creating-polled" in s for s in signals)  # a pulse while it was Creating
    _no_denials(fake)


def test_a_throughput_that_fails_at_ninety_minutes_reports_bedrocks_message(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["pt-3h"]
    fake = _fake(template)
    fake.serving.script("slow", duration=1.5 * HOUR, outcome="Failed", failure_message="Insufficient capacity for p5")
    _, wait, r3 = _ids(template, "Slow")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        started = fake.clock.time()
        operations, _ = stack.deploy_template(template)
    assert fake.clock.time() - started <= 1.5 * HOUR + 120  # the watcher ended the wait when it failed
    assert operations[wait].response.ok
    first = stack.first_failure()
    assert first is not None and first.logical_id == r3, first
    delete = fake.calls_to("DeleteProvisionedModelThroughput")[0]  # the rollback deletes the failed one (DESTROY)
    arn = delete.params["provisionedModelId"]
    assert "Insufficient capacity for p5" in first.reason and arn in first.reason
    assert stack.status == "ROLLBACK_COMPLETE" and fake.serving.of_kind("throughput") == []
    _no_denials(fake)


def test_a_throughput_past_its_timeout_is_resumed_by_deploying_again_in_the_same_stack(
    templates: dict[str, dict[str, Any]],
) -> None:
    # A committed PT (RETAIN by default) that takes 2.5 hours, added by an update with a 90-minute timeout.
    fake = _fake(templates["keep-and-committed"])
    fake.serving.script("keep", duration=HOUR, outcome="InService")
    fake.serving.script("slow", duration=2.5 * HOUR, outcome="InService")
    r1, _, r3 = _ids(templates["keep-and-committed"], "Slow")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        assert all(o.response.ok for o in stack.deploy_template(templates["keep"])[0].values())
        started = fake.clock.time()
        failed = stack.update_template(templates["keep-and-committed"])
        assert failed[r3].response.status == "FAILED"
        first = stack.first_failure()
        assert first is not None and first.logical_id == r3
        assert "timeout of 90 min" in first.reason and "deploy again" in first.reason, first.reason
        assert stack.status == "UPDATE_ROLLBACK_COMPLETE" and r1 not in stack.resources
        (slow,) = [pt for pt in fake.serving.of_kind("throughput") if pt.name == "slow"]  # RETAIN: left, creating
        again = stack.update_template(templates["keep-and-committed"])
    assert all(o.response.ok for o in again.values()), stack.first_failure()
    assert stack.resources[r1].physical_resource_id == slow.arn  # taken back, not bought twice
    assert stack.resources[r3].data["Status"] == "InService"
    assert [pt.name for pt in fake.serving.of_kind("throughput")].count("slow") == 1
    assert 2.5 * HOUR <= fake.clock.time() - started <= 2.5 * HOUR + 120
    _no_denials(fake)


# ---------------------------------------------------------------- update in place


@pytest.mark.parametrize("minutes", [20, 80])
def test_a_long_deployment_moved_to_a_new_model_waits_in_place_at_most_57_minutes(
    templates: dict[str, dict[str, Any]], minutes: int
) -> None:
    # The same ARN, the same wait (a WaitCondition is only evaluated on CREATE): R1 waits for the update itself.
    fake = _fake(templates["deployment-a"])
    fake.serving.script("endpoint", duration=2 * HOUR, outcome="Active")
    r1, wait, r3 = _ids(templates["deployment-a"], "Endpoint")
    assert _ids(templates["deployment-b"], "Endpoint") == (r1, wait, r3)
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        assert all(o.response.ok for o in stack.deploy_template(templates["deployment-a"])[0].values())
        (deployment,) = fake.serving.of_kind("deployment")
        executions = len(fake.step_functions.executions)  # type: ignore[union-attr]
        fake.serving.scripts["update:endpoint"] = Script(minutes * 60, "UpdateCompleted")
        started = fake.clock.time()
        updated = stack.update_template(templates["deployment-b"])
    assert len(fake.step_functions.executions) == executions  # type: ignore[union-attr]  # no new watcher
    assert stack.resources[r1].physical_resource_id == deployment.arn
    if minutes == 20:
        assert all(o.response.ok for o in updated.values()), stack.first_failure()
        assert stack.resources[r3].data["ModelArn"] == MODEL_B and deployment.model_arn == MODEL_B
        assert minutes * 60 <= fake.clock.time() - started <= minutes * 60 + 120
    else:
        first = stack.first_failure()
        assert first is not None and first.logical_id == r1
        assert "update in place" in first.reason and "at most 57 min" in first.reason, first.reason
        assert stack.status == "UPDATE_ROLLBACK_COMPLETE"  # the rollback never fails
    _no_denials(fake)
