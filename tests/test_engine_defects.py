"""The defects of 0.2.0 that issue 21 names, each as a scenario that failed on 0.2.0 and passes now.

The real handler, driven as the provider framework and CloudFormation drive it, against the fake
Bedrock enforcing the synthesized IAM. Each test asserts what is left in the fake, not only what
CloudFormation was told.
"""

from __future__ import annotations

import copy
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from bedrock_model_copy import BedrockModelCopy, ProvisionedThroughput
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, TemplateValues, simulated_environment
from bedrock_model_copy.testing.iam import PolicySet
from conftest import ENV, SOURCE_ARN, STACK_NAME, synthesized_handler_policies

ONE_THROTTLED_READ = 5
THROUGHPUT = "ThroughputA46AA366"  # boto3's standard retry mode makes 5 attempts: one read that fails past its retries


def _stack(stack: cdk.Stack) -> None:
    copied = BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    copied.deploy_on_demand()
    ProvisionedThroughput(stack, "Throughput", model=copied, model_units=1, removal_policy=cdk.RemovalPolicy.DESTROY)


def _long_stack(stack: cdk.Stack) -> None:
    """A long copy, and a long Provisioned Throughput of a model given as a parameter (so it is bought at once)."""
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.hours(2),
    )
    model = cdk.CfnParameter(stack, "Model", type="String")
    ProvisionedThroughput(
        stack,
        "Throughput",
        model=model.value_as_string,
        model_units=1,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.hours(2),
    )


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    return synthesized_handler_policies(_stack)


@pytest.fixture(scope="module")
def long_template() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    _long_stack(stack)
    return assertions.Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def long_policies() -> list[dict[str, Any]]:
    return synthesized_handler_policies(_long_stack)


@pytest.fixture
def fake(policies: list[dict[str, Any]]) -> FakeBedrock:
    return FakeBedrock(iam=PolicySet(copy.deepcopy(policies)))


def deployment(model_arn: str, **overrides: Any) -> dict[str, Any]:
    props = {"ResourceKind": "CustomModelDeployment", "ModelArn": model_arn, "Name": "bot-ondemand"}
    return {**props, "TimeoutSeconds": "3420", "PollIntervalSeconds": "30", **overrides}


def throughput(model_arn: str, **overrides: Any) -> dict[str, Any]:
    props = {"ResourceKind": "ProvisionedThroughput", "ModelArn": model_arn, "Name": "bot-pt", "ModelUnits": "1"}
    return {**props, "TimeoutSeconds": "3420", "PollIntervalSeconds": "30", **overrides}


# ---------------------------------------------------------------- defect 1: a refusal read as "gone"


@pytest.mark.parametrize(
    ("kind", "props", "operation"),
    [
        ("throughput", throughput, "DeleteProvisionedModelThroughput"),
        ("deployment", deployment, "DeleteCustomModelDeployment"),
        ("throughput", throughput, "ListTagsForResource"),
    ],
)
def test_a_refused_serving_delete_is_never_reported_deleted(
    fake: FakeBedrock, cfn: CloudFormationStack, kind: str, props: Any, operation: str
) -> None:
    # Bedrock refuses the delete (or the ownership read) with ValidationException, every time: 0.2.0 read that
    # as "already deleted" and answered SUCCESS while the resource still existed and billed.
    assert cfn.create("Served", props(fake.add_model("bot-usw2")), deletion_policy="Delete").response.ok
    fake.inject_fault(operation, "ValidationException", status=400, message="Cannot delete now", times=100_000)
    response = cfn.delete_stack()["Served"].response
    assert not response.ok and operation in response.reason and "Cannot delete now" in response.reason
    assert len(fake.serving.of_kind(kind)) == 1  # still there: and CloudFormation was told so


def test_a_refused_serving_delete_that_bedrock_later_accepts_deletes_it(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    assert cfn.create("Served", throughput(fake.add_model("bot-usw2")), deletion_policy="Delete").response.ok
    fake.inject_fault("DeleteProvisionedModelThroughput", "ValidationException", status=400, times=3)
    response = cfn.delete_stack()["Served"].response
    assert response.ok and fake.serving.of_kind("throughput") == []  # asked again until it was deleted


# ---------------------------------------------------------------- defect 2: an orphan after a purchase


@pytest.mark.parametrize("operation", ["ListExecutions", "StartExecution"])
def test_a_watcher_that_cannot_start_after_a_purchase_leaves_nothing_billed(
    long_template: dict[str, Any], long_policies: list[dict[str, Any]], operation: str
) -> None:
    # The Provisioned Throughput is bought, then its watcher cannot start (IAM not propagated yet, throttling past
    # retries). 0.2.0 raised from on_event: CloudFormation got the framework's CREATE_FAILED marker and never sent
    # a Delete, so the Provisioned Throughput stayed, billed, and nothing said so.
    fake = FakeBedrock(iam=PolicySet(copy.deepcopy(long_policies)))
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework)
        model = fake.add_model("served-model")
        fake.inject_fault(operation, "AccessDeniedException", status=400, message="not yet", times=100_000)
        without_copy = copy.deepcopy(long_template)
        for logical_id in [name for name in without_copy["Resources"] if name.startswith("Copy")]:
            del without_copy["Resources"][logical_id]
        operations, _ = cfn.deploy_template(without_copy, TemplateValues(refs={"Model": model}))
    response = operations[THROUGHPUT].response
    (_bought,) = [call for call in fake.calls_to("CreateProvisionedModelThroughput") if call.status < 300]
    assert not response.ok and "not yet" in response.reason
    assert response.physical_resource_id.startswith("arn:aws:bedrock:us-west-2:111122223333:provisioned-model/")
    assert response.physical_resource_id in response.reason  # what was bought is named
    assert [r.ok for r in operations[THROUGHPUT].rollback] == [True]  # CloudFormation sent its Delete
    assert fake.serving.of_kind("throughput") == []  # and nothing is left, billed


def test_a_copy_whose_watcher_cannot_start_is_known_to_cloudformation(
    long_template: dict[str, Any], long_policies: list[dict[str, Any]]
) -> None:
    fake = FakeBedrock(iam=PolicySet(copy.deepcopy(long_policies)))
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework)
        fake.inject_fault("StartExecution", "AccessDeniedException", status=400, message="not yet.", times=100_000)
        operations, _ = cfn.deploy_template(long_template, TemplateValues(refs={"Model": fake.add_model("m")}))
    response = operations["Copy1ED8A51E"].response
    (job,) = fake.jobs.values()
    assert not response.ok and response.physical_resource_id == job.job_arn and job.job_arn in response.reason
    # Bedrock's message, one full stop (not two), then what was started (kinds/job.py, made_note).
    started = f"Model copy job {job.job_arn} was started before this failure and cannot be stopped"
    assert f"AccessDeniedException: not yet. {started}" in response.reason
    # The rollback's Delete reached the handler for the job (0.2.0: the framework's marker, and no Delete).
    assert [r.physical_resource_id for r in operations["Copy1ED8A51E"].rollback] == [job.job_arn]


# ---------------------------------------------------------------- defect 3: a rollback that can fail


def test_a_serving_rollback_succeeds_when_its_stack_status_is_throttled(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    first, second = fake.add_model("bot-usw2"), fake.add_model("bot-usw2-v2")
    created = cfn.create("Endpoint", deployment(first), deletion_policy="Delete").response
    # The move is refused, and so is the rollback's move back; the rollback's DescribeStacks is throttled past
    # boto3's retries once. 0.2.0's serving path raised then (UPDATE_ROLLBACK_FAILED).
    fake.inject_fault("UpdateCustomModelDeployment", "AccessDeniedException", status=403, times=2)
    fake.inject_fault(
        "DescribeStacks", "Throttling", status=400, times=ONE_THROTTLED_READ, during="UPDATE_ROLLBACK_IN_PROGRESS"
    )
    operation = cfn.update("Endpoint", deployment(second))
    assert not operation.response.ok
    assert [response.ok for response in operation.rollback] == [True] and cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert operation.rollback[0].physical_resource_id == created.physical_resource_id
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == first


def test_a_rollback_whose_change_is_refused_does_not_wait_for_it(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # The swap back is refused in UPDATE_ROLLBACK: nothing can bring the old model back now, so the request
    # completes at once. 0.2.0 polled until its deadline (57 minutes) before the rollback went on.
    first, second = fake.add_model("bot-usw2"), fake.add_model("bot-usw2-v2")
    cfn.create("Endpoint", deployment(first), deletion_policy="Delete")
    fake.inject_fault(
        "UpdateCustomModelDeployment", "ValidationException", status=400, during="UPDATE_ROLLBACK_IN_PROGRESS"
    )
    # The move succeeds, then another resource of the stack fails: the rollback moves it back, and that is refused.
    operation = cfn.update("Endpoint", deployment(second), later_resource_fails=True)
    assert operation.response.ok
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.polls == 1 and cfn.status == "UPDATE_ROLLBACK_COMPLETE"  # 0.2.0: 115 polls
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == second  # what it serves now: the rollback could not move it back


# ---------------------------------------------------------------- defect 7: messages name real operations


def test_a_failed_read_names_the_real_bedrock_operation(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # 0.2.0 wrote f"Get{kind}": "GetProvisionedThroughput", an operation that does not exist.
    fake.inject_fault("GetProvisionedModelThroughput", "AccessDeniedException", status=403, times=100_000)
    response = cfn.create("Served", throughput(fake.add_model("bot-usw2")), deletion_policy="Delete").response
    assert not response.ok and "GetProvisionedModelThroughput failed for" in response.reason
    assert "GetProvisionedThroughput " not in response.reason


# ---------------------------------------------------------------- defect 9: the survivors of the mutation sample


@pytest.mark.parametrize(
    ("props", "kind", "create"),
    [
        (throughput, "throughput", "CreateProvisionedModelThroughput"),
        (deployment, "deployment", "CreateCustomModelDeployment"),
    ],
)
def test_a_failed_same_named_resource_of_its_own_is_never_taken_back(
    fake: FakeBedrock, cfn: CloudFormationStack, props: Any, kind: str, create: str
) -> None:
    """A take-back passes over a Failed resource, even one whose ownership tags and properties are this resource's."""
    asked = props(fake.add_model("bot-usw2"))
    fake.serving.script(asked["Name"], duration=60, outcome="Failed", failure_message="Capacity unavailable")
    first = cfn.create("Served", asked)  # Retain (the driver's default): the rollback leaves the failed one
    assert not first.response.ok and "Capacity unavailable" in first.response.reason
    (failed,) = fake.serving.of_kind(kind)
    assert failed.status(fake.clock.time()) == "Failed" and failed.tags["bedrock-model-copy:owner-resource"] == "Served"
    second = cfn.create("Served", asked)  # the same stack deployed again
    assert second.response.physical_resource_id != failed.arn  # never this resource's own
    assert "Capacity unavailable" not in second.response.reason  # not the old one's failure, read as its own
    assert len(fake.calls_to(create)) == 2  # a new purchase was asked for (Bedrock refused it: the name is taken)
    assert [item.arn for item in fake.serving.of_kind(kind)] == [failed.arn]
