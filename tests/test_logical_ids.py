"""The logical ids an upgrade must keep, pinned.

Every deployed copy's ``ServiceToken`` is the ARN of the provider framework's onEvent function:
if that function's logical id changed (a renamed construct id on its path), CloudFormation would
create a new function and then refuse to change each copy's ``ServiceToken``. A new logical id
for the copy watcher state machine replaces it, and deleting a state machine stops the watches
running on it. Log groups with a new logical id are replaced, and their logs deleted.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from conftest import ENV, JOB_ARN, SOURCE_ARN

PROVIDER = "BedrockModelCopyProvider"

# construct path below the stack -> logical id, as released (0.1.x and 0.2.0 templates).
PINNED = {
    f"{PROVIDER}/Provider/framework-onEvent/Resource": "BedrockModelCopyProviderframeworkonEvent57F79E67",
    f"{PROVIDER}/Provider/framework-isComplete/Resource": "BedrockModelCopyProviderframeworkisComplete915AF8A0",
    f"{PROVIDER}/Provider/framework-onTimeout/Resource": "BedrockModelCopyProviderframeworkonTimeoutBD6F1BC2",
    f"{PROVIDER}/Provider/waiter-state-machine/Resource": "BedrockModelCopyProviderwaiterstatemachineEBF9C0D2",
    f"{PROVIDER}/OnEventHandler/Resource": "BedrockModelCopyProviderOnEventHandlerE4D3D931",
    f"{PROVIDER}/IsCompleteHandler/Resource": "BedrockModelCopyProviderIsCompleteHandler2F701EDF",
    f"{PROVIDER}/HandlerLogs/Resource": "BedrockModelCopyProviderHandlerLogs8796CDA7",
    f"{PROVIDER}/WaiterLogs/Resource": "BedrockModelCopyProviderWaiterLogsDAAE9933",
    f"{PROVIDER}/HandlerRole/Resource": "BedrockModelCopyProviderHandlerRoleF74BA070",
}
PINNED_LONG = {
    f"{PROVIDER}/CopyWatcher/StateMachine/Resource": "BedrockModelCopyProviderCopyWatcherStateMachine80BA9FEF",
    f"{PROVIDER}/CopyWatcher/Logs/Resource": "BedrockModelCopyProviderCopyWatcherLogs99130311",
}
SERVICE_TOKEN = {"Fn::GetAtt": ["BedrockModelCopyProviderframeworkonEvent57F79E67", "Arn"]}


def _default_stack() -> cdk.Stack:
    stack = cdk.Stack(cdk.App(), "Default", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy")
    ModelCopyJobWaiter(stack, "Waiter", job_arn=JOB_ARN)
    return stack


def _long_copy_stack() -> cdk.Stack:
    stack = cdk.Stack(cdk.App(), "Long", env=ENV)
    BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy", timeout=cdk.Duration.hours(3)
    )
    return stack


def _logical_ids(stack: cdk.Stack) -> dict[str, str]:
    prefix = f"{stack.node.path}/"
    return {
        c.node.path.removeprefix(prefix): stack.get_logical_id(c)
        for c in stack.node.find_all()
        if isinstance(c, cdk.CfnResource)
    }


@pytest.mark.parametrize(
    ("build", "pinned"),
    [(_default_stack, PINNED), (_long_copy_stack, {**PINNED, **PINNED_LONG})],
    ids=["default", "long"],
)
def test_upgrade_critical_logical_ids_do_not_change(build: object, pinned: dict[str, str]) -> None:
    stack = build()  # type: ignore[operator]
    ids = _logical_ids(stack)
    assert {path: ids.get(path) for path in pinned} == pinned
    template = cdk.assertions.Template.from_stack(stack).to_json()
    custom = [r for r in template["Resources"].values() if r["Type"] == "Custom::BedrockModelCopy"]
    assert custom
    for resource in custom:
        assert resource["Properties"]["ServiceToken"] == SERVICE_TOKEN


def test_the_pin_sees_a_renamed_construct_id() -> None:
    """A provider under another construct id has other logical ids: the pin above would fail."""
    stack = cdk.Stack(cdk.App(), "Renamed", env=ENV)
    from bedrock_model_copy._provider import ModelCopyProvider

    ModelCopyProvider(stack, "ModelCopyProvider", poll_interval_seconds=30)
    ids = _logical_ids(stack)
    assert f"{PROVIDER}/Provider/framework-onEvent/Resource" not in ids
    assert "BedrockModelCopyProviderframeworkonEvent57F79E67" not in ids.values()


def test_no_resource_that_0_1_0_deployed_changes_its_type_under_the_same_logical_id() -> None:
    """CloudFormation cannot change a resource's Type in place: an upgrade would fail before it starts."""
    import json
    from pathlib import Path

    recorded = json.loads((Path(__file__).parent / "fixtures" / "v0_1_0" / "template.json").read_text())["Resources"]
    stack = cdk.Stack(cdk.App(), "BedrockModelCopyExample", env=ENV)
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="support-bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)
    now = cdk.assertions.Template.from_stack(stack).to_json()["Resources"]
    changed = {
        logical_id: (resource["Type"], now[logical_id]["Type"])
        for logical_id, resource in recorded.items()
        if logical_id in now and now[logical_id]["Type"] != resource["Type"]
    }
    assert changed == {}
