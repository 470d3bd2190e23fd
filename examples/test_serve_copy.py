"""The user's own pytest for examples/serve_copy.py: copy, serve and invoke, offline, in one deploy.

The stack's template is deployed against the fake Bedrock with the real handler and the handler
role's synthesized policies; then the function's own code runs with its role's synthesized
policies (``bedrock_model_copy.testing.runtime.client_as``) against the fake's ``InvokeModel``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError

from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.iam import handler_role_policies
from bedrock_model_copy.testing.runtime import client_as
from examples.serve_copy import ENV, NAME, STACK, ServeCopyStack


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return dict(Template.from_stack(ServeCopyStack(cdk.App(), STACK, env=ENV)).to_json())


@pytest.fixture
def fake(template: dict[str, Any]) -> FakeBedrock:
    return FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK, region="us-west-2", account="111122223333")
    )


@pytest.fixture
def stack(fake: FakeBedrock) -> Iterator[CloudFormationStack]:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework, stack_name=STACK, region="us-west-2", account="111122223333")


def of_type(template: dict[str, Any], resource_type: str) -> str:
    (logical_id,) = [str(name) for name, r in template["Resources"].items() if r["Type"] == resource_type]
    return logical_id


def invoker_role(template: dict[str, Any]) -> str:
    (function,) = [
        r for n, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and n.startswith("Invoker")
    ]
    role: str = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


def test_one_deploy_copies_serves_and_the_function_may_invoke_the_deployment(
    fake: FakeBedrock, stack: CloudFormationStack, template: dict[str, Any]
) -> None:
    operations, outputs = stack.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    endpoint = of_type(template, "Custom::BedrockCustomModelDeployment")
    assert list(operations) == [of_type(template, "Custom::BedrockModelCopy"), endpoint]  # the copy first
    model = fake.model_named(NAME)
    (deployed,) = fake.serving.of_kind("deployment")
    assert model is not None and deployed.model_arn == model.model_arn
    assert outputs["DeploymentArn"] == deployed.arn and outputs["ModelArn"] == model.model_arn
    runtime = client_as(stack, invoker_role(template))
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    answer = json.loads(runtime.invoke_model(modelId=deployed.arn, body=body)["body"].read())
    assert answer["output"]["message"]["content"][0]["text"] == f"(fake answer of {model.model_arn})"
    # What the README used to show fails: a customized model is not invoked by its own ARN.
    with pytest.raises(ClientError, match=r"ValidationException.*on-demand throughput"):
        runtime.invoke_model(modelId=model.model_arn, body=body)


def test_the_function_may_not_invoke_a_deployment_it_was_not_granted(
    fake: FakeBedrock, stack: CloudFormationStack, template: dict[str, Any]
) -> None:
    stack.deploy_template(template)
    other_model = fake.add_model("someone-elses")
    fake_iam, fake.iam = fake.iam, None  # made outside the stack, by someone allowed to
    with fake.serve() as endpoint:
        import boto3

        bedrock = boto3.client(
            "bedrock",
            endpoint_url=endpoint,
            region_name="us-west-2",
            aws_access_key_id="k",
            aws_secret_access_key="s",  # noqa: S106
        )
        other = bedrock.create_custom_model_deployment(modelDeploymentName="other", modelArn=other_model)
    fake.iam = fake_iam
    fake.clock.advance(3600)
    runtime = client_as(stack, invoker_role(template))
    with pytest.raises(ClientError, match="AccessDeniedException"):
        runtime.invoke_model(modelId=other["customModelDeploymentArn"], body=b"{}")
