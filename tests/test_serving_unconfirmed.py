"""Serving behaviours AWS does not document: the fake takes the harder answer, and each test shows the
design survives the other answer too (docs/aws-behaviour.md, Serving).

- S7: Bedrock may refuse ``DeleteCustomModel`` while a deployment or Provisioned Throughput serves
  the model. The stack delete order makes it moot for what the stack serves (CloudFormation deletes
  the serving resources first, since they depend on the copy); a model still served by a
  Provisioned Throughput left under commitment is left, and the copy's delete succeeds.
- S5: the code of a commitment-delete refusal: the handler never asks (it reads
  ``commitmentExpirationTime``), and a refusal of any code is waited out, not failed on.
- S10: a successful custom-resource response carries no reason the user sees, so what a delete
  leaves behind is in the handler's log (one WARNING line per resource).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
import test_serving_lifecycle as lifecycle
from aws_cdk import assertions

from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.iam import PolicySet
from conftest import ENV, STACK_NAME


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    lifecycle._serving_stack(stack)
    return assertions.Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    return lifecycle.synthesized_handler_policies(lifecycle._serving_stack)


@pytest.fixture
def fake(policies: list[dict[str, Any]]) -> FakeBedrock:
    return FakeBedrock(iam=PolicySet(copy.deepcopy(policies)))


@pytest.fixture
def cfn(fake: FakeBedrock) -> Iterator[CloudFormationStack]:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework)


def _logical_ids(template: dict[str, Any], resource_type: str) -> list[str]:
    return [name for name, resource in template["Resources"].items() if resource["Type"] == resource_type]


# ---------------------------------------------------------------- S7: a served model cannot be deleted


def test_a_stack_delete_removes_what_serves_the_copy_before_the_copy(
    fake: FakeBedrock, cfn: CloudFormationStack, template: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Without the committed Provisioned Throughput, everything goes, in dependency order, with no refusal.
    (committed,) = [
        name
        for name in _logical_ids(template, "Custom::BedrockProvisionedThroughput")
        if "Commitment" in template["Resources"][name]["Properties"]
    ]
    without = copy.deepcopy(template)
    del without["Resources"][committed]
    operations, _ = cfn.deploy_template(without)
    assert all(operation.response.ok for operation in operations.values())
    deleted = cfn.delete_stack()
    assert all(operation.response.ok for operation in deleted.values())
    order = list(deleted)
    (copied,) = _logical_ids(template, "Custom::BedrockModelCopy")
    served = [name for name in order if name != copied and not name.startswith("BedrockModelCopyProvider")]
    assert served and all(order.index(name) < order.index(copied) for name in served)
    assert fake.serving.resources == {} and fake.model_named("bot-usw2") is None
    assert [call.status for call in fake.calls_to("DeleteCustomModel")] == [200]


@pytest.mark.parametrize("refused", [True, False], ids=["bedrock-refuses", "bedrock-allows"])
def test_a_destroy_copy_served_by_a_committed_throughput(
    fake: FakeBedrock,
    cfn: CloudFormationStack,
    template: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    refused: bool,
) -> None:
    # The Provisioned Throughput under commitment is left and its delete succeeds either way. Its model: where
    # Bedrock refuses to delete a served model, the copy's delete finds that only this stack's committed PT serves
    # it, leaves the model and succeeds (a stack delete never fails because of a commitment, issue 16).
    fake.serving.refuse_model_delete_in_use = refused
    operations, _ = cfn.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    model = fake.model_named("bot-usw2")
    assert model is not None
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        deleted = cfn.delete_stack()
    (left,) = fake.serving.of_kind("throughput")  # the committed one, left until its term ends
    assert left.commitment == "OneMonth" and left.model_arn == model.model_arn
    assert all(operation.response.ok for operation in deleted.values()), cfn.first_failure()
    assert cfn.status == "DELETE_COMPLETE"
    (delete,) = fake.calls_to("DeleteCustomModel")
    assert fake.iam is not None and fake.iam.denied == []
    if refused:
        assert delete.status == 409 and fake.model_named("bot-usw2") is not None
        (line,) = [
            r.getMessage() for r in caplog.records if "decision=leave-model-served-under-commitment" in r.getMessage()
        ]
        expiry = next(iter(cfn_expiry(fake, left.arn)))
        for text in (
            model.model_arn,
            left.arn,
            expiry,
            f"bedrock-model-copy clean --region {ENV.region} --stack {STACK_NAME} --yes",
            f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {left.arn}",
            f"aws bedrock delete-custom-model --model-identifier {model.model_arn}",
        ):
            assert text in line, (text, line)
    else:
        assert delete.status == 200 and fake.model_named("bot-usw2") is None


def cfn_expiry(fake: FakeBedrock, arn: str) -> list[str]:
    """The commitment expiry of a fake Provisioned Throughput as Bedrock reports it."""
    import boto3

    with fake.serve() as endpoint:
        policies, fake.iam = fake.iam, None
        try:
            bedrock = boto3.client(
                "bedrock",
                endpoint_url=endpoint,
                region_name=fake.region,
                aws_access_key_id="k",
                aws_secret_access_key="s",
            )
            body = bedrock.get_provisioned_model_throughput(provisionedModelId=arn)
        finally:
            fake.iam = policies
    return [body["commitmentExpirationTime"].isoformat()]


def _another_stacks_throughput(fake: FakeBedrock, model_arn: str, *, committed: bool) -> str:
    """A Provisioned Throughput of another stack (or a user's) serving ``model_arn``."""
    from bedrock_model_copy.testing.aws.served import Script, Served

    arn = f"arn:aws:bedrock:{fake.region}:{ENV.account}:provisioned-model/other0000001"
    tags = {lifecycle.OWNER: "OtherStack", lifecycle.OWNER_RESOURCE: "Theirs"}
    fake.serving.resources[arn] = Served(
        "throughput",
        arn,
        "theirs",
        model_arn,
        tags,
        fake.clock.time(),
        Script(0.0, "InService"),
        model_units=1,
        commitment="OneMonth" if committed else "",
    )
    return arn


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "hourly"])
def test_a_stack_delete_still_fails_when_another_stacks_throughput_serves_the_copy(
    fake: FakeBedrock, cfn: CloudFormationStack, template: dict[str, Any], committed: bool
) -> None:
    operations, _ = cfn.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    model = fake.model_named("bot-usw2")
    assert model is not None
    theirs = _another_stacks_throughput(fake, model.model_arn, committed=committed)
    deleted = cfn.delete_stack()
    copy_delete = deleted["Copy1ED8A51E"].response
    assert not copy_delete.ok and fake.model_named("bot-usw2") is not None
    assert "ConflictException" in copy_delete.reason and "delete those first" in copy_delete.reason
    assert theirs in fake.serving.resources  # never touched
    assert fake.iam is not None and fake.iam.denied == []


def test_a_clean_up_never_fails_when_another_stacks_throughput_serves_the_copy(
    fake: FakeBedrock, cfn: CloudFormationStack, template: dict[str, Any]
) -> None:
    operations, _ = cfn.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    model = fake.model_named("bot-usw2")
    assert model is not None
    _another_stacks_throughput(fake, model.model_arn, committed=True)
    operation = cfn.delete("Copy1ED8A51E", during="update-cleanup")
    assert operation is not None and operation.response.ok
    assert fake.model_named("bot-usw2") is not None


def test_a_copy_replaced_under_a_deployment_is_deleted_after_the_deployment_moved(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # The clean-up deletes the old copy after the update phase moved the deployment to the new one.
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    first = lifecycle.BedrockModelCopy(stack, "Copy", source_model_arn=lifecycle.SOURCE_ARN, target_model_name="a")
    first.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
    first.deploy_on_demand()
    assert all(
        op.response.ok for op in cfn.deploy_template(assertions.Template.from_stack(stack).to_json())[0].values()
    )
    old = fake.model_named("a")
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    second = lifecycle.BedrockModelCopy(stack, "Copy", source_model_arn=lifecycle.SOURCE_ARN, target_model_name="b")
    second.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
    second.deploy_on_demand()
    operations, _ = cfn.deploy_template(assertions.Template.from_stack(stack).to_json())
    assert all(operation.response.ok for operation in operations.values())
    new = fake.model_named("b")
    assert old is not None and new is not None
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == new.model_arn
    assert [call.status for call in fake.calls_to("DeleteCustomModel")] == [200]
    assert fake.model_named("a") is None


# ---------------------------------------------------------------- S5: the refusal's code


@pytest.mark.parametrize("code", ["ValidationException", "ConflictException", "AccessDeniedException"])
def test_a_commitment_is_read_before_delete_whatever_code_bedrock_would_refuse_with(
    fake: FakeBedrock, cfn: CloudFormationStack, code: str
) -> None:
    # The handler never calls Delete on a committed, unexpired PT: the refusal's code cannot matter.
    fake.inject_fault("DeleteProvisionedModelThroughput", code, status=400, times=10)
    props = lifecycle.throughput(lifecycle.nova_model(fake), Commitment="SixMonths")
    assert cfn.create("Provisioned", props, deletion_policy="Delete").response.ok
    assert cfn.delete_stack()["Provisioned"].response.ok
    assert fake.calls_to("DeleteProvisionedModelThroughput") == []
    assert len(fake.serving.of_kind("throughput")) == 1


def test_the_fake_refuses_a_committed_delete_with_a_validation_exception(fake: FakeBedrock) -> None:
    import boto3

    model = lifecycle.nova_model(fake)
    fake.iam = None
    with fake.serve() as endpoint:
        bedrock = boto3.client(
            "bedrock", endpoint_url=endpoint, region_name=fake.region, aws_access_key_id="k", aws_secret_access_key="s"
        )
        arn = bedrock.create_provisioned_model_throughput(
            modelUnits=1, provisionedModelName="pt", modelId=model, commitmentDuration="OneMonth"
        )["provisionedModelArn"]
        fake.clock.advance(3600)
        with pytest.raises(bedrock.exceptions.ValidationException, match="commitment term"):
            bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
        fake.clock.advance(31 * 86400)  # past the first term: renewed (S13, the fake's default), still refused
        with pytest.raises(bedrock.exceptions.ValidationException, match="commitment term"):
            bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)
        fake.serving.commitments_renew = False  # the other answer: the term has ended, the delete is accepted
        bedrock.delete_provisioned_model_throughput(provisionedModelId=arn)


# ---------------------------------------------------------------- S10: where the user reads what was left


def test_what_a_delete_leaves_is_one_log_line_naming_it_and_the_success_response_carries_no_reason(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    props = lifecycle.throughput(lifecycle.nova_model(fake), Commitment="OneMonth")
    created = cfn.create("Provisioned", props, deletion_policy="Delete").response
    with caplog.at_level(logging.INFO, logger="model_copy"):
        response = cfn.delete_stack()["Provisioned"].response
    assert response.ok and response.reason == "SUCCESS"  # the framework sends only the status
    (line,) = [record for record in caplog.records if "decision=leave-under-commitment" in record.getMessage()]
    assert line.levelno == logging.WARNING
    assert line.getMessage().startswith(f"resource={created.physical_resource_id} decision=leave-under-commitment: ")
    assert created.data["CommitmentExpirationTime"] in line.getMessage()


def _copy_only(stack: cdk.Stack) -> None:
    from bedrock_model_copy import BedrockModelCopy
    from conftest import SOURCE_ARN

    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )


def test_the_reads_that_let_a_stack_delete_leave_a_committed_model_need_no_serving_policy() -> None:
    # In a stack delete a serving kind's policy may be deleted in parallel with the copy (the copy does not depend on
    # it): the handler role's own policies (a stack with no serving resource) must allow what the copy's delete
    # reads. IAM here is only the copy-only stack's policies; the PT is this stack's, under commitment.
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    _copy_only(stack)
    template = assertions.Template.from_stack(stack).to_json()
    fake = FakeBedrock(iam=PolicySet(lifecycle.synthesized_handler_policies(_copy_only)))
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework)
        operations, _ = cfn.deploy_template(template)
        assert all(operation.response.ok for operation in operations.values())
        model = fake.model_named("bot-usw2")
        assert model is not None
        ours = _another_stacks_throughput(fake, model.model_arn, committed=True)
        fake.serving.resources[ours].tags.update({lifecycle.OWNER: STACK_NAME, lifecycle.OWNER_RESOURCE: "Committed"})
        deleted = cfn.delete_stack()
    assert all(operation.response.ok for operation in deleted.values()), cfn.first_failure()
    assert fake.iam is not None and fake.iam.denied == []
    assert fake.model_named("bot-usw2") is not None and ours in fake.serving.resources
