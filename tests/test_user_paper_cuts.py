"""Issue 24, points 5 and 6: a copy to itself is warned about at synth; advice matches the error that happened."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api as cxapi

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy._validation import COPY_TO_ITSELF
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock
from conftest import ENV, ROOT, SOURCE_ARN

HERE = SOURCE_ARN.replace(":us-east-1:", ":us-west-2:")  # the source in the stack's own Region and account
ON_DEMAND = "on-demand deployment is documented"
NAME_TAKEN = "give the deployment another deployment_name"


def _warnings(build: Any, *, acknowledge: bool = False) -> list[str]:
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=ENV)
    copy = build(stack)
    if acknowledge:
        cdk.Annotations.of(copy).acknowledge_warning(COPY_TO_ITSELF, "a second model under another key, on purpose")
    artifact = app.synth().get_stack_by_name("S")
    return [
        str(message.entry.data)
        for message in artifact.messages
        if message.level == cxapi.SynthesisMessageLevel.WARNING and COPY_TO_ITSELF in str(message.entry.data)
    ]


# ---------------------------------------------------------------- point 5: a copy to itself


def test_a_copy_from_the_stacks_own_region_and_account_is_warned_about() -> None:
    (warning,) = _warnings(lambda stack: BedrockModelCopy(stack, "Copy", source_model_arn=HERE))
    assert warning.startswith(
        f"source_model_arn '{HERE}' is in this stack's own account 111122223333 and Region us-west-2: the model is "
        "already here"
    )
    assert warning.endswith(f"[ack: {COPY_TO_ITSELF}]")


def test_the_warning_can_be_acknowledged() -> None:
    assert _warnings(lambda stack: BedrockModelCopy(stack, "Copy", source_model_arn=HERE), acknowledge=True) == []


@pytest.mark.parametrize(
    "source",
    [
        SOURCE_ARN,  # another Region: what copies are for
        HERE.replace(":111122223333:", ":444455556666:"),  # shared from another account: it must be copied
        "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0",  # no account
    ],
)
def test_a_copy_from_another_region_or_account_is_silent(source: str) -> None:
    assert _warnings(lambda stack: BedrockModelCopy(stack, "Copy", source_model_arn=source)) == []


@pytest.mark.parametrize("whole", [True, False])
def test_tokens_are_silent(whole: bool) -> None:
    def build(stack: cdk.Stack) -> BedrockModelCopy:
        source = cdk.CfnParameter(stack, "Source").value_as_string
        if not whole:  # this Region and account, the rest known at deploy time only
            source = f"arn:aws:bedrock:us-west-2:111122223333:custom-model/{source}"
        return BedrockModelCopy(stack, "Copy", source_model_arn=source)

    assert _warnings(build) == []
    app = cdk.App()
    agnostic = cdk.Stack(app, "S")  # no account or Region: nothing to compare with
    BedrockModelCopy(agnostic, "Copy", source_model_arn=HERE)
    assert not [m for m in app.synth().get_stack_by_name("S").messages if COPY_TO_ITSELF in str(m.entry.data)]


def test_the_errors_page_lists_the_warning() -> None:
    page = " ".join((ROOT / "docs" / "errors.md").read_text().split())
    (warning,) = _warnings(lambda stack: BedrockModelCopy(stack, "Copy", source_model_arn=HERE))
    documented = warning.split(" [ack:")[0].replace(HERE, "<arn>").replace("111122223333", "<account>")
    assert f"| `{COPY_TO_ITSELF}` |" in page
    assert documented.replace("us-west-2", "<region>") in page


# ---------------------------------------------------------------- point 6: advice for the error that happened


def _deployment(model_arn: str) -> dict[str, Any]:
    return {
        "ResourceKind": "CustomModelDeployment",
        "ModelArn": model_arn,
        "Name": "bot-ondemand",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }


def test_a_taken_deployment_name_gets_the_name_advice_not_the_on_demand_advice(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    model = fake.add_model("bot-usw2")
    # Refused as Bedrock may refuse a taken name (S8: the code is unconfirmed), with the list not showing it yet.
    fake.inject_fault(
        "CreateCustomModelDeployment",
        "ValidationException",
        status=400,
        message="A custom model deployment named bot-ondemand already exists.",
    )
    response = cfn.create("Endpoint", _deployment(model), deletion_policy="Delete").response
    assert not response.ok
    assert "ValidationException: A custom model deployment named bot-ondemand already exists." in response.reason
    assert NAME_TAKEN in response.reason
    assert ON_DEMAND not in response.reason


def test_a_deployment_name_taken_by_another_resource_gets_no_on_demand_advice(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    model = fake.add_model("bot-usw2")
    assert cfn.create("First", _deployment(model), deletion_policy="Delete").response.ok
    response = cfn.create("Second", _deployment(model), deletion_policy="Delete").response
    assert not response.ok
    assert "named 'bot-ondemand' exists in this Region" in response.reason
    assert ON_DEMAND not in response.reason


def test_a_model_bedrock_does_not_support_on_demand_still_gets_the_on_demand_advice(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.serving.on_demand_regions = ("us-east-1",)
    response = cfn.create("Endpoint", _deployment(fake.add_model("bot-usw2")), deletion_policy="Delete").response
    assert not response.ok
    assert ON_DEMAND in response.reason and NAME_TAKEN not in response.reason


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()  # the handler's calls as such: these tests are about the messages
