"""Serving resources made elsewhere, by ARN (issue 24, point 4), as aws-cdk-lib's ``from_*_arn`` methods.

``CustomModelDeployment.from_custom_model_deployment_arn`` and ``ProvisionedThroughput.from_provisioned_throughput_arn``
give an ``aws_bedrock.IModel`` with ``grant_invoke``; a concrete ARN is checked, a token accepted; ``grant_invoke``
grants what the construct's own grants. Offline, a stack that only invokes deploys and invokes through its role.
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Template

from bedrock_model_copy import (
    BedrockModelCopy,
    CustomModelDeployment,
    ModelFromArn,
    PropertyTypeError,
    PropertyValidationError,
    ProvisionedThroughput,
)
from bedrock_model_copy._by_arn import arn_pattern
from bedrock_model_copy.testing import THROUGHPUT, FakeBedrock, deploy_app, simulated_environment
from conftest import ENV, SOURCE_ARN

DEPLOYMENT_ARN = "arn:aws:bedrock:us-west-2:111122223333:custom-model-deployment/abcdef123456"
THROUGHPUT_ARN = "arn:aws:bedrock:us-west-2:111122223333:provisioned-model/abcdef123456"
MODEL_ARN = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
BODY = b'{"messages": [{"role": "user", "content": [{"text": "hi"}]}]}'


def _invoke_statement(stack: cdk.Stack) -> dict[str, Any]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    (statement,) = [
        s
        for policy in policies.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "bedrock:InvokeModel" in s["Action"]
    ]
    return statement


def _role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


@pytest.mark.parametrize(
    ("method", "arn", "prop"),
    [
        (CustomModelDeployment.from_custom_model_deployment_arn, DEPLOYMENT_ARN, "custom_model_deployment_arn"),
        (ProvisionedThroughput.from_provisioned_throughput_arn, THROUGHPUT_ARN, "provisioned_throughput_arn"),
    ],
)
def test_a_resource_by_arn_is_an_imodel_that_grants_invoke(method: Any, arn: str, prop: str) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    served = method(stack, "Served", arn)
    assert isinstance(served, ModelFromArn)
    assert served.model_arn == arn == served.arn
    # An aws_bedrock.IModel: what takes one (a Step Functions task) takes it, and grants on its model_arn.
    tasks.BedrockInvokeModel(stack, "Task", model=served, body=sfn.TaskInput.from_object({}))
    assert (served.env.account, served.env.region) == ("111122223333", "us-west-2")  # from the ARN, as aws-cdk-lib
    elsewhere = method(stack, "Elsewhere", arn.replace(":us-west-2:111122223333:", ":eu-west-1:444455556666:"))
    assert (elsewhere.env.account, elsewhere.env.region) == ("444455556666", "eu-west-1")  # not the stack's

    served.grant_invoke(_role(stack))

    statement = _invoke_statement(stack)
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert statement["Resource"] == arn
    with pytest.raises(ValueError, match="not a Bedrock ARN resource type"):
        arn_pattern("custom-model/*")

    with pytest.raises(PropertyValidationError, match=rf"^{prop} '{re.escape(MODEL_ARN)}' is not valid: expected"):
        method(stack, "Wrong", MODEL_ARN)  # a custom model is not a deployment nor a Provisioned Throughput
    with pytest.raises(PropertyTypeError, match=prop):
        method(stack, "NotAString", 12)


def test_given_the_served_model_grant_invoke_grants_what_the_constructs_own_grants() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    endpoint = CustomModelDeployment(stack, "Endpoint", model=MODEL_ARN)
    endpoint.grant_invoke(_role(stack))
    own = _invoke_statement(stack)["Resource"]

    other = cdk.Stack(cdk.App(), "S", env=ENV)
    by_arn = CustomModelDeployment.from_custom_model_deployment_arn(
        other, "Endpoint", DEPLOYMENT_ARN, served_model_arn=MODEL_ARN
    )
    by_arn.grant_invoke(_role(other))

    assert own[1] == MODEL_ARN and _invoke_statement(other)["Resource"] == [DEPLOYMENT_ARN, MODEL_ARN]
    with pytest.raises(PropertyValidationError, match=r"^served_model_arn 'model' is not valid"):
        CustomModelDeployment.from_custom_model_deployment_arn(other, "Bad", DEPLOYMENT_ARN, served_model_arn="model")


def test_a_token_arn_is_accepted_and_resolved_at_deploy_time() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    imported = cdk.Fn.import_value("shared-endpoint")
    served = CustomModelDeployment.from_custom_model_deployment_arn(stack, "Endpoint", imported)
    served.grant_invoke(_role(stack))
    assert _invoke_statement(stack)["Resource"] == {"Fn::ImportValue": "shared-endpoint"}


def test_the_arn_patterns_are_botocores() -> None:
    model = botocore.session.get_session().get_service_model("bedrock")
    for shape, resource_type in [
        ("CustomModelDeploymentArn", "custom-model-deployment"),
        ("ProvisionedModelArn", "provisioned-model"),
        ("ImportedModelArn", "imported-model"),
    ]:
        assert arn_pattern(resource_type).pattern == model.shape_for(shape).metadata["pattern"]


def test_a_stack_that_only_invokes_a_provisioned_throughput_by_arn(fake: FakeBedrock) -> None:
    """Offline: one stack buys the Provisioned Throughput, another invokes it by the ARN it exports."""
    app = cdk.App()
    owner = cdk.Stack(app, "Owner", env=ENV)
    copied = BedrockModelCopy(owner, "Copy", source_model_arn=SOURCE_ARN, target_model_name="bot-usw2")
    provisioned = copied.provision(model_units=1)
    cdk.CfnOutput(owner, "Arn", value=provisioned.arn, export_name="bot-throughput")
    cdk.CfnOutput(owner, "Model", value=copied.target_model_arn, export_name="bot-model")
    invoker = cdk.Stack(app, "Invoker", env=ENV)
    invoker.add_dependency(owner)
    role = _role(invoker)
    ProvisionedThroughput.from_provisioned_throughput_arn(
        invoker, "Throughput", cdk.Fn.import_value("bot-throughput"), served_model_arn=cdk.Fn.import_value("bot-model")
    ).grant_invoke(role)

    with simulated_environment(fake) as framework:
        deployed = deploy_app(app, framework)
        (item,) = fake.serving.of_kind(THROUGHPUT)
        answer = deployed.client_as(role).invoke_model(modelId=item.arn, body=BODY)

    assert deployed.failed is None
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_the_constructs_own_grant_invoke_lets_a_role_invoke_through_a_provisioned_throughput(
    fake: FakeBedrock,
) -> None:
    """The fake checks InvokeModel on the Provisioned Throughput and on the model behind it (S9): the construct's
    own grant_invoke grants both, as a deployment's does."""
    app = cdk.App()
    stack = cdk.Stack(app, "Owner", env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="bot-usw2")
    role = _role(stack)
    copied.provision(model_units=1).grant_invoke(role)
    with simulated_environment(fake) as framework:
        deployed = deploy_app(app, framework)
        (item,) = fake.serving.of_kind(THROUGHPUT)
        answer = deployed.client_as(role).invoke_model(modelId=item.arn, body=BODY)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()
