"""Serving scenarios: the real handler drives deployments and Provisioned Throughput in the fake Bedrock.

The fake enforces the handler role's synthesized policies (the copy's and each serving kind's) for a
stack with a copy, a deployment and a Provisioned Throughput.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from bedrock_model_copy import BedrockModelCopy, Commitment, ProvisionedThroughput
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock
from bedrock_model_copy.testing.iam import PolicySet
from conftest import ENV, SOURCE_ARN, STACK_NAME, synthesized_handler_policies

OWNER = "bedrock-model-copy:owner-stack"
OWNER_RESOURCE = "bedrock-model-copy:owner-resource"
SERVING_WRITES = {
    "CreateCustomModelDeployment",
    "UpdateCustomModelDeployment",
    "DeleteCustomModelDeployment",
    "CreateProvisionedModelThroughput",
    "UpdateProvisionedModelThroughput",
    "DeleteProvisionedModelThroughput",
}


def _serving_stack(stack: cdk.Stack) -> None:
    copied = BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    copied.deploy_on_demand(tags={"team": "ml"})
    copied.provision(model_units=1)
    ProvisionedThroughput(
        stack,
        "Committed",
        model=copied,
        model_units=1,
        commitment=Commitment.ONE_MONTH,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )


@pytest.fixture(scope="module")
def serving_template() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    _serving_stack(stack)
    return assertions.Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def serving_policies() -> list[dict[str, Any]]:
    return synthesized_handler_policies(_serving_stack)


@pytest.fixture
def fake(serving_policies: list[dict[str, Any]]) -> FakeBedrock:
    return FakeBedrock(iam=PolicySet(copy.deepcopy(serving_policies)))


def serving_writes(fake: FakeBedrock) -> list[str]:
    return [operation for operation in fake.operations() if operation in SERVING_WRITES]


def deployment(model_arn: str, **overrides: Any) -> dict[str, Any]:
    props = {
        "ResourceKind": "CustomModelDeployment",
        "ModelArn": model_arn,
        "Name": "bot-ondemand",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }
    return {**props, **overrides}


def throughput(model_arn: str, **overrides: Any) -> dict[str, Any]:
    props = {
        "ResourceKind": "ProvisionedThroughput",
        "ModelArn": model_arn,
        "Name": "bot-pt",
        "ModelUnits": "1",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }
    return {**props, **overrides}


def nova_model(fake: FakeBedrock, name: str = "bot-usw2") -> str:
    return fake.add_model(name)


# ---------------------------------------------------------------- one deploy


def test_a_copy_a_deployment_and_provisioned_throughput_deploy_together(
    fake: FakeBedrock, cfn: CloudFormationStack, serving_template: dict[str, Any]
) -> None:
    operations, _ = cfn.deploy_template(serving_template)
    assert all(operation.response.ok for operation in operations.values()), [
        operation.response.reason for operation in operations.values()
    ]
    model = fake.model_named("bot-usw2")
    assert model is not None
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == model.model_arn and deployed.status(fake.clock.time()) == "Active"
    assert deployed.tags == {"team": "ml", OWNER: STACK_NAME, OWNER_RESOURCE: "CopyOnDemandE9F0C920"}
    throughputs = fake.serving.of_kind("throughput")
    assert len(throughputs) == 2 and all(item.status(fake.clock.time()) == "InService" for item in throughputs)
    copy_done = next(call.at for call in fake.calls if call.operation == "GetModelCopyJob" and call.status == 200)
    first_serving = min(call.at for call in fake.calls if call.operation in SERVING_WRITES)
    assert first_serving >= copy_done  # nothing is bought before the copy completes
    data = operations["CopyOnDemandE9F0C920"].response.data
    assert data == {"Arn": deployed.arn, "Name": deployed.name, "Status": "Active", "ModelArn": model.model_arn}


def test_a_failed_copy_fails_before_any_deployment_or_throughput_is_bought(
    fake: FakeBedrock, cfn: CloudFormationStack, serving_template: dict[str, Any]
) -> None:
    fake.script_copy("bot-usw2", duration=300, outcome="Failed", failure_message="Source model is not copyable")
    operations, _ = cfn.deploy_template(serving_template)
    assert not operations["Copy1ED8A51E"].response.ok
    assert serving_writes(fake) == []


# ---------------------------------------------------------------- create


def test_create_waits_until_active(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    model = nova_model(fake)
    response = cfn.create("Endpoint", deployment(model), deletion_policy="Delete").response
    assert response.ok and response.data["Status"] == "Active"
    assert response.polls == 21  # 600 s at 30 s: ready on the first poll after it
    assert serving_writes(fake) == ["CreateCustomModelDeployment"]


def test_a_failed_deployment_fails_with_bedrocks_message_and_its_arn(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    model = nova_model(fake)
    fake.serving.script("bot-ondemand", duration=120, outcome="Failed", failure_message="Capacity unavailable")
    operation = cfn.create("Endpoint", deployment(model), deletion_policy="Delete")
    assert not operation.response.ok
    assert "Capacity unavailable" in operation.response.reason
    assert operation.response.physical_resource_id in operation.response.reason
    assert [response.ok for response in operation.rollback] == [True]
    assert fake.serving.of_kind("deployment") == []  # the rollback deleted it and waited until it was gone


@pytest.mark.parametrize(("kind", "props"), [("deployment", deployment), ("throughput", throughput)])
def test_a_retried_create_takes_back_what_its_first_try_made(
    fake: FakeBedrock, cfn: CloudFormationStack, kind: str, props: Any
) -> None:
    # The retry finds its first try's resource by name and ownership tags, and buys nothing more.
    request = cfn.request("Create", "Endpoint", props(nova_model(fake)))
    first = cfn.create("Endpoint", {}, resend=request).response
    second = cfn.create("Endpoint", {}, resend=request).response
    assert first.ok and second.ok, second.reason
    assert first.physical_resource_id == second.physical_resource_id
    operation = "CreateCustomModelDeployment" if kind == "deployment" else "CreateProvisionedModelThroughput"
    assert len(fake.calls_to(operation)) == 1
    assert len(fake.serving.of_kind(kind)) == 1


@pytest.mark.parametrize("remember_tokens", [False, True], ids=["tokens-forgotten", "tokens-remembered"])
@pytest.mark.parametrize(("kind", "props"), [("deployment", deployment), ("throughput", throughput)])
def test_a_retried_create_makes_one_resource_when_the_list_lags(
    fake: FakeBedrock, cfn: CloudFormationStack, remember_tokens: bool, kind: str, props: Any, monkeypatch: Any
) -> None:
    # docs/aws-behaviour.md M3: whether Bedrock remembers the token is unconfirmed; both answers make one resource,
    # also when the list the retry looks in first does not show the first try's resource yet.
    from bedrock_model_copy._lambda.model_copy.kinds import deployment as deployment_kind
    from bedrock_model_copy._lambda.model_copy.kinds import throughput as throughput_kind

    kind_class = type(deployment_kind.KIND if kind == "deployment" else throughput_kind.KIND)
    listed = kind_class.same_named
    lagging = iter([True, True])  # the first try's and the retry's first listing do not show it yet
    monkeypatch.setattr(kind_class, "same_named", lambda self, p: [] if next(lagging, False) else listed(self, p))
    fake.remember_tokens = remember_tokens
    request = cfn.request("Create", "Endpoint", props(nova_model(fake)))
    first = cfn.create("Endpoint", {}, resend=request).response
    second = cfn.create("Endpoint", {}, resend=request).response
    assert first.ok and second.ok, second.reason
    assert first.physical_resource_id == second.physical_resource_id
    operation = "CreateCustomModelDeployment" if kind == "deployment" else "CreateProvisionedModelThroughput"
    creates = fake.calls_to(operation)
    assert len(creates) == 2 and creates[0].params["clientRequestToken"] == creates[1].params["clientRequestToken"]
    accepted = 202 if kind == "deployment" else 201
    assert creates[1].status == (accepted if remember_tokens else 400)  # forgotten: refused as a taken name
    assert len(fake.serving.of_kind(kind)) == 1


def test_a_create_does_not_take_back_a_resource_of_another_logical_id(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    model = nova_model(fake)
    assert cfn.create("Endpoint", deployment(model), deletion_policy="Delete").response.ok
    other = cfn.create("Other", deployment(model), deletion_policy="Delete").response  # the same name
    assert not other.ok and "bot-ondemand" in other.reason
    assert f"its ownership tags name stack {cfn.stack_name}, resource Endpoint" in other.reason
    assert len(fake.calls_to("CreateCustomModelDeployment")) == 1  # refused before anything was bought
    assert len(fake.serving.of_kind("deployment")) == 1


def test_quota_error_says_to_request_model_units(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.serving.model_unit_quota = 0
    response = cfn.create("Provisioned", throughput(nova_model(fake)), deletion_policy="Delete").response
    assert not response.ok
    assert "ServiceQuotaExceededException" in response.reason and "AWS Support" in response.reason


def test_a_region_without_on_demand_deployment_says_what_to_do(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.serving.on_demand_regions = ("us-east-1",)
    response = cfn.create("Endpoint", deployment(nova_model(fake)), deletion_policy="Delete").response
    assert not response.ok
    assert "not supported" in response.reason and "provision()" in response.reason


# ---------------------------------------------------------------- update


def test_a_new_model_moves_the_deployment_in_place(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    first, second = nova_model(fake), nova_model(fake, "bot-usw2-v2")
    created = cfn.create("Endpoint", deployment(first), deletion_policy="Delete").response
    updated = cfn.update("Endpoint", deployment(second)).response
    assert updated.ok and updated.physical_resource_id == created.physical_resource_id
    assert updated.data["ModelArn"] == second and updated.polls > 1  # waited for UpdateCompleted
    assert serving_writes(fake) == ["CreateCustomModelDeployment", "UpdateCustomModelDeployment"]


def test_a_rename_of_provisioned_throughput_is_in_place(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    created = cfn.create("Provisioned", throughput(nova_model(fake)), deletion_policy="Delete").response
    updated = cfn.update("Provisioned", throughput(nova_model(fake), Name="bot-pt-renamed")).response
    assert updated.ok and updated.physical_resource_id == created.physical_resource_id
    assert updated.data["Name"] == "bot-pt-renamed"
    update = fake.calls_to("UpdateProvisionedModelThroughput")[0].params
    assert update["desiredProvisionedModelName"] == "bot-pt-renamed" and "desiredModelId" not in update


def test_new_model_units_replace_the_provisioned_throughput(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    model = nova_model(fake)
    created = cfn.create("Provisioned", throughput(model), deletion_policy="Delete").response
    operation = cfn.update("Provisioned", throughput(model, ModelUnits="2", Name="bot-pt-2"))
    assert operation.response.ok and operation.response.physical_resource_id != created.physical_resource_id
    assert [response.ok for response in operation.cleanup] == [True]  # the old one deleted in the clean-up
    (remaining,) = fake.serving.of_kind("throughput")
    assert remaining.arn == operation.response.physical_resource_id and remaining.model_units == 2


def test_new_model_units_under_the_same_explicit_name_fail_before_buying(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    model = nova_model(fake)
    cfn.create("Provisioned", throughput(model), deletion_policy="Delete")
    operation = cfn.update("Provisioned", throughput(model, ModelUnits="2"))
    assert not operation.response.ok and "needs a new name" in operation.response.reason
    assert len(fake.calls_to("CreateProvisionedModelThroughput")) == 1


def test_a_rollback_of_an_update_never_fails(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    first, second = nova_model(fake), nova_model(fake, "bot-usw2-v2")
    created = cfn.create("Endpoint", deployment(first), deletion_policy="Delete").response
    # The update is denied, and so is the rollback's move back: the rollback still succeeds.
    fake.inject_fault("UpdateCustomModelDeployment", "AccessDeniedException", status=403, times=2)
    operation = cfn.update("Endpoint", deployment(second))
    assert not operation.response.ok and "AccessDeniedException" in operation.response.reason
    assert [response.ok for response in operation.rollback] == [True]
    assert operation.rollback[0].physical_resource_id == created.physical_resource_id


@pytest.mark.parametrize("messages", [False, True], ids=["no-failure-message", "failure-message"])
def test_an_update_that_bedrock_fails_reports_it_and_rolls_back(
    fake: FakeBedrock, cfn: CloudFormationStack, messages: bool
) -> None:
    # docs/aws-behaviour.md S15: whether an UpdateFailed carries a failureMessage is not documented; either way.
    fake.serving.update_failure_messages = messages
    first, second = nova_model(fake), nova_model(fake, "bot-usw2-v2")
    cfn.create("Endpoint", deployment(first), deletion_policy="Delete")
    fake.serving.script("update:bot-ondemand", duration=60, outcome="UpdateFailed", failure_message="Incompatible")
    operation = cfn.update("Endpoint", deployment(second))
    reason = operation.response.reason
    assert not operation.response.ok and f"failed to move to model {second}" in reason
    assert ("Incompatible" if messages else "Bedrock gave no reason") in reason
    assert "still serves" not in reason  # nothing documented says which model it serves after a failed update
    assert [response.ok for response in operation.rollback] == [True]
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == first


# ---------------------------------------------------------------- delete


def test_delete_waits_until_the_deployment_is_gone(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Endpoint", deployment(nova_model(fake)), deletion_policy="Delete")
    operations = cfn.delete_stack()
    response = operations["Endpoint"].response
    assert response.ok and response.polls > 1
    assert fake.serving.of_kind("deployment") == []
    # Bedrock shows no "Deleting" status: each poll asks again, and a refusal while it is being deleted is waited out.
    writes = serving_writes(fake)
    assert writes[0] == "CreateCustomModelDeployment" and set(writes[1:]) == {"DeleteCustomModelDeployment"}
    assert [call.status for call in fake.calls_to("DeleteCustomModelDeployment")][1:] == [400] * (len(writes) - 2)


def test_delete_leaves_a_deployment_this_resource_did_not_make(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    created = cfn.create("Endpoint", deployment(nova_model(fake)), deletion_policy="Delete").response
    fake.serving.resources[created.physical_resource_id].tags[OWNER_RESOURCE] = "SomeoneElse"
    assert cfn.delete_stack()["Endpoint"].response.ok
    assert len(fake.serving.of_kind("deployment")) == 1
    assert "DeleteCustomModelDeployment" not in fake.operations()


@pytest.mark.parametrize("during", ["stack-delete", "update-cleanup"])
def test_a_committed_throughput_is_left_by_a_delete_that_never_fails(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture, during: str
) -> None:
    created = cfn.create(
        "Provisioned", throughput(nova_model(fake), Commitment="OneMonth"), deletion_policy="Delete"
    ).response
    expiry = created.data["CommitmentExpirationTime"]
    assert expiry
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        operation = cfn.delete("Provisioned", during=during)
    assert operation is not None and operation.response.ok
    assert len(fake.serving.of_kind("throughput")) == 1
    assert "DeleteProvisionedModelThroughput" not in fake.operations()
    message = caplog.text
    assert created.physical_resource_id in message and expiry in message
    assert f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {created.physical_resource_id}" in (
        message
    )


@pytest.mark.parametrize("renews", [False, True], ids=["term-ends", "term-renews"])
def test_an_expired_commitment_is_deleted(fake: FakeBedrock, cfn: CloudFormationStack, renews: bool) -> None:
    """S13 (unconfirmed): a term that ended is deletable; a renewed one reports its next end and is left."""
    fake.serving.commitments_renew = renews
    cfn.create("Provisioned", throughput(nova_model(fake), Commitment="OneMonth"), deletion_policy="Delete")
    fake.clock.advance(31 * 86400)
    assert cfn.delete_stack()["Provisioned"].response.ok
    assert len(fake.serving.of_kind("throughput")) == (1 if renews else 0)
    assert [call.status for call in fake.calls_to("DeleteProvisionedModelThroughput")][:1] == ([] if renews else [200])
