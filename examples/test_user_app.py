"""The user's own pytest for examples/user_app.py, offline, with bedrock_model_copy.testing.

It synthesizes the user's stack, deploys its template against the fake Bedrock with the real
handler, and checks a successful copy, a failed copy and a retag. The template's functions
(the KMS key's ``Fn::GetAtt``, the SSM parameter, the pseudo parameters) are resolved through
``TemplateValues``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, TemplateValues, simulated_environment
from examples.user_app import SOURCE_PARAMETER, build_app

SOURCE_ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def synth(extra_tags: dict[str, str] | None = None) -> dict[str, Any]:
    stack = build_app(cdk.App(), extra_tags=extra_tags)
    return dict(Template.from_stack(stack).to_json())


def values_for(template: dict[str, Any]) -> TemplateValues:
    (key_id,) = [name for name, r in template["Resources"].items() if r["Type"] == "AWS::KMS::Key"]
    return TemplateValues(attributes={f"{key_id}.Arn": KEY_ARN}, ssm_parameters={SOURCE_PARAMETER: SOURCE_ARN})


def copy_of(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = [
        (name, r) for name, r in template["Resources"].items() if r["Type"] == "Custom::BedrockModelCopy"
    ]
    return logical_id, resource


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock(region="us-west-2", account="111122223333")


@pytest.fixture
def stack(fake: FakeBedrock) -> Iterator[CloudFormationStack]:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework, stack_name="SupportBotDev", region="us-west-2", account="111122223333")


def test_the_copy_deploys_and_outputs_the_copied_model(fake: FakeBedrock, stack: CloudFormationStack) -> None:
    template = synth()
    logical_id, resource = copy_of(template)
    name = resource["Properties"]["TargetModelName"]
    fake.script_copy(name, duration=45 * 60)  # simulated time: runs in milliseconds

    operations, outputs = stack.deploy_template(template, values_for(template))

    assert operations[logical_id].response.ok
    assert outputs["ModelName"] == name
    assert outputs["ModelArn"].startswith("arn:aws:bedrock:us-west-2:111122223333:custom-model/")
    (create,) = fake.calls_to("CreateModelCopyJob")
    assert create.params["sourceModelArn"] == SOURCE_ARN and create.params["modelKmsKeyId"] == KEY_ARN
    tags = {tag["key"]: tag["value"] for tag in create.params["targetModelTags"]}
    assert tags["team"] == "support" and tags["cost-center"] == "42"
    assert resource["DeletionPolicy"] == "Delete"  # RemovalPolicies.of(stack).destroy()


def test_a_failed_copy_fails_the_deploy_with_bedrocks_reason(fake: FakeBedrock, stack: CloudFormationStack) -> None:
    template = synth()
    logical_id, resource = copy_of(template)
    fake.script_copy(
        resource["Properties"]["TargetModelName"],
        duration=600,
        outcome="Failed",
        failure_message="The source model's KMS key denied access",
    )

    operations, outputs = stack.deploy_template(template, values_for(template))

    response = operations[logical_id].response
    assert response.status == "FAILED" and outputs == {}
    assert "The source model's KMS key denied access" in response.reason


def test_a_new_tag_retags_the_copied_model_in_place(fake: FakeBedrock, stack: CloudFormationStack) -> None:
    first = synth()
    logical_id, resource = copy_of(first)
    operations, _ = stack.deploy_template(first, values_for(first))
    job_arn = operations[logical_id].response.physical_resource_id

    second = synth(extra_tags={"owner": "support-team"})
    operations, _ = stack.deploy_template(second, values_for(second))

    response = operations[logical_id].response
    assert response.request_type == "Update" and response.ok
    assert response.physical_resource_id == job_arn  # the same copy: no new job, no replacement
    assert len(fake.calls_to("CreateModelCopyJob")) == 1 and fake.calls_to("TagResource")
    model = fake.model_named(resource["Properties"]["TargetModelName"])
    assert model is not None and model.tags["owner"] == "support-team"
