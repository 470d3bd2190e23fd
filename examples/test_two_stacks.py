"""The user's own pytest for examples/two_stacks.py: two stacks, one export, tested offline with no value by hand.

``deploy_app`` deploys both stacks in dependency order against the fake Bedrock (the real handler, each
stack's handler role policies enforced); the invoker stack's ``Fn::ImportValue`` of the deployment's ARN
resolves to what the model stack exported. The function's own code then runs with its environment as Lambda
gives it and with its role's policies (``client_as``), against the fake's ``InvokeModel``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import aws_cdk as cdk
import pytest
from botocore.exceptions import ClientError

from bedrock_model_copy.testing import DEPLOYMENT, DeployedApp, FakeBedrock, deploy_app, simulated_environment
from examples.two_stacks import ENV, InvokerStack, ModelStack, build_app


@pytest.fixture
def fake() -> FakeBedrock:
    assert ENV.region is not None and ENV.account is not None
    return FakeBedrock(region=ENV.region, account=ENV.account)


@pytest.fixture
def app() -> tuple[cdk.App, ModelStack, InvokerStack]:
    application = cdk.App()
    return (application, *build_app(application))


@pytest.fixture
def deployed(fake: FakeBedrock, app: tuple[cdk.App, ModelStack, InvokerStack]) -> Iterator[DeployedApp]:
    with simulated_environment(fake) as framework:
        yield deploy_app(app[0], framework)


def run_the_function(deployed: DeployedApp, invoker: InvokerStack, prompt: str) -> Any:
    """The function's inline code, with its environment and its role, as Lambda would run it."""
    properties = deployed.properties_of(invoker.function)
    namespace: dict[str, Any] = {}
    with mock.patch.dict(os.environ, properties["Environment"]["Variables"]):
        exec(properties["Code"]["ZipFile"], namespace)  # noqa: S102 - this example's own inline code
        namespace["runtime"] = deployed.client_as(invoker.function.role)  # the invoker stack's role
        return namespace["handler"]({"prompt": prompt}, None)


def test_the_invoker_stack_invokes_the_other_stacks_deployment_through_its_own_role(
    fake: FakeBedrock, app: tuple[cdk.App, ModelStack, InvokerStack], deployed: DeployedApp
) -> None:
    _, model_stack, invoker = app
    assert deployed.failed is None
    assert list(deployed.stacks) == [model_stack.stack_name, invoker.stack_name]  # the exporting stack first
    (deployment,) = fake.serving.of_kind(DEPLOYMENT)
    assert deployment.status() == "Active"
    assert deployed.outputs[model_stack.stack_name]["DeploymentArn"] == deployment.arn
    # The function's MODEL_ID is the import of that export, resolved as CloudFormation would.
    variables = deployed.properties_of(invoker.function)["Environment"]["Variables"]
    assert variables["MODEL_ID"] == deployment.arn

    answer = run_the_function(deployed, invoker, "hello")

    assert answer == {"answer": f"(fake answer of {deployment.model_arn})"}
    assert fake.serving.invocations[-1][0] == deployment.arn


def test_the_invoker_role_may_invoke_nothing_else(
    fake: FakeBedrock, app: tuple[cdk.App, ModelStack, InvokerStack], deployed: DeployedApp
) -> None:
    _, _, invoker = app
    (deployment,) = fake.serving.of_kind(DEPLOYMENT)
    runtime = deployed.client_as(invoker.function.role)
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    other = deployment.arn[: -len(deployment.arn.rsplit("/", 1)[1])] + "0123456789ab"
    with pytest.raises(ClientError, match="AccessDeniedException"):
        runtime.invoke_model(modelId=other, body=body)


def test_the_app_is_deleted_importing_stack_first(
    fake: FakeBedrock, app: tuple[cdk.App, ModelStack, InvokerStack], deployed: DeployedApp
) -> None:
    _, model_stack, invoker = app
    with pytest.raises(ValueError, match=rf"in use by {invoker.stack_name}"):
        deployed.stack(model_stack).delete_stack()  # CloudFormation refuses: the invoker imports its export
    assert len(fake.serving.of_kind(DEPLOYMENT)) == 1  # nothing was deleted

    deleted = deployed.delete()

    assert list(deleted) == [invoker.stack_name, model_stack.stack_name]
    assert fake.serving.of_kind(DEPLOYMENT) == []  # the deployment's removal policy is DESTROY
    assert fake.exports == {}
