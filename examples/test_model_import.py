"""The user's own pytest for examples/model_import.py: import, invoke as the function's role, delete, offline.

The app's template is deployed against the fake Bedrock with the real handler and the handler role's
synthesized policies (the import waits through the stack's watcher: the import is scripted past an
hour); the function's role, with its synthesized policies, then invokes the imported model
(``bedrock_model_copy.testing.runtime.client_as``); deleting the stack deletes the model.
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
from examples.model_import import ENV, STACK, ModelImportStack


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return dict(Template.from_stack(ModelImportStack(cdk.App(), STACK, env=ENV)).to_json())


@pytest.fixture
def fake(template: dict[str, Any]) -> FakeBedrock:
    fake = FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK, region="us-west-2", account="111122223333")
    )
    fake.imports.script("llama-31-8b-instruct", duration=90 * 60)  # an import past one hour
    return fake


@pytest.fixture
def stack(fake: FakeBedrock) -> Iterator[CloudFormationStack]:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework, stack_name=STACK, region="us-west-2", account="111122223333")


def chat_role(template: dict[str, Any]) -> str:
    (function,) = [
        r for n, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and n.startswith("Chat")
    ]
    role: str = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


def test_the_model_is_imported_invoked_by_the_functions_role_and_deleted_with_the_stack(
    fake: FakeBedrock, stack: CloudFormationStack, template: dict[str, Any]
) -> None:
    operations, outputs = stack.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    model = fake.imports.model_named("llama-31-8b-instruct")
    assert model is not None and outputs["ModelArn"] == model.arn and outputs["CustomModelUnits"] == "2"
    (job,) = fake.imports.jobs.values()
    assert job.s3_uri == "s3://my-model-weights/llama-3.1-8b-instruct/"
    runtime = client_as(stack, chat_role(template))
    answer = runtime.invoke_model(modelId=model.arn, body=json.dumps({"prompt": "Hello"}))
    assert json.loads(answer["body"].read())["generation"] == f"(fake answer of {model.arn})"
    # The role may invoke this model only.
    with pytest.raises(ClientError, match="AccessDeniedException"):
        runtime.invoke_model(modelId=model.arn.replace(model.arn[-12:], "0" * 12), body="{}")
    deleted = stack.delete_stack()
    assert all(operation.response.ok for operation in deleted.values())
    assert fake.imports.models == {}
