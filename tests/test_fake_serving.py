"""The fake's serving answers match botocore's service model.

Every serving operation is called through a real boto3 client against the fake, in each status a
resource passes through (Creating, Active/InService, Updating, Failed, under commitment), and each
parsed answer is validated against the operation's output shape: types and required members
(botocore's ParamValidator), and enum values (which ParamValidator does not check).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

from bedrock_model_copy.testing import FakeBedrock

MODEL_ARN = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"


def _enum_errors(shape: Shape, value: Any, where: str) -> list[str]:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return [
            error
            for name, member in shape.members.items()
            if name in value
            for error in _enum_errors(member, value[name], f"{where}.{name}")
        ]
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [error for i, item in enumerate(value) for error in _enum_errors(shape.member, item, f"{where}[{i}]")]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return [error for key, item in value.items() for error in _enum_errors(shape.value, item, f"{where}.{key}")]
    enum = shape.enum if shape.type_name == "string" else []
    return [f"{where}={value!r} not in {enum}"] if enum and value not in enum else []


def check_output(client: Any, operation: str, response: dict[str, Any]) -> None:
    """Assert that ``response`` (parsed by boto3) fits ``operation``'s output shape."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), f"{operation}: {report.generate_report()}"
    assert _enum_errors(shape, body, operation) == []


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()


@pytest.fixture
def bedrock(fake: FakeBedrock) -> Iterator[Any]:
    with fake.serve() as endpoint:
        yield boto3.client(
            "bedrock",
            endpoint_url=endpoint,
            region_name=fake.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def test_the_validator_catches_a_wrong_answer(bedrock: Any) -> None:
    # The check can fail: a missing required member, a wrong type, a status outside the enum.
    with pytest.raises(AssertionError, match="status"):
        check_output(bedrock, "GetCustomModelDeployment", {"customModelDeploymentArn": "a", "modelArn": "b"})
    with pytest.raises(AssertionError, match="not in"):
        check_output(
            bedrock,
            "ListProvisionedModelThroughputs",
            {"provisionedModelSummaries": [_summary_with_status("Deleting")]},
        )


def _summary_with_status(status: str) -> dict[str, Any]:
    import datetime as dt

    now = dt.datetime.now(tz=dt.UTC)
    return {
        "provisionedModelName": "n",
        "provisionedModelArn": "arn:aws:bedrock:us-west-2:111122223333:provisioned-model/abcdefghij12",
        "modelArn": MODEL_ARN,
        "desiredModelArn": MODEL_ARN,
        "foundationModelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0:300k",
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "status": status,
        "creationTime": now,
        "lastModifiedTime": now,
    }


def test_deployment_answers_fit_the_model_in_every_status(fake: FakeBedrock, bedrock: Any) -> None:
    first, second = fake.add_model("one"), fake.add_model("two")
    fake.serving.script("failing", duration=60, outcome="Failed", failure_message="No capacity")
    arn = bedrock.create_custom_model_deployment(modelDeploymentName="dep", modelArn=first, description="d", tags=[])
    check_output(bedrock, "CreateCustomModelDeployment", arn)
    arn = arn["customModelDeploymentArn"]
    failing = bedrock.create_custom_model_deployment(modelDeploymentName="failing", modelArn=first)
    seen = set()
    for step in (0, 700):  # Creating, then Active (and the scripted one Failed)
        fake.clock.advance(step)
        for identifier in (arn, failing["customModelDeploymentArn"]):
            answer = bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=identifier)
            check_output(bedrock, "GetCustomModelDeployment", answer)
            seen.add(answer["status"])
        check_output(bedrock, "ListCustomModelDeployments", bedrock.list_custom_model_deployments())
    assert seen == {"Creating", "Active", "Failed"}
    check_output(
        bedrock,
        "UpdateCustomModelDeployment",
        bedrock.update_custom_model_deployment(customModelDeploymentIdentifier=arn, modelArn=second),
    )
    updating = bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=arn)
    check_output(bedrock, "GetCustomModelDeployment", updating)
    assert updating["updateDetails"]["updateStatus"] == "Updating"
    fake.clock.advance(400)
    done = bedrock.get_custom_model_deployment(customModelDeploymentIdentifier=arn)
    check_output(bedrock, "GetCustomModelDeployment", done)
    assert done["updateDetails"] == {"modelArn": second, "updateStatus": "UpdateCompleted"}
    assert done["modelArn"] == first  # S15: the top-level modelArn never switches, unless the fake is told so
    check_output(
        bedrock,
        "DeleteCustomModelDeployment",
        bedrock.delete_custom_model_deployment(customModelDeploymentIdentifier=arn),
    )
    check_output(bedrock, "ListTagsForResource", bedrock.list_tags_for_resource(resourceARN=arn))


def test_throughput_answers_fit_the_model_in_every_status(fake: FakeBedrock, bedrock: Any) -> None:
    first, second = fake.add_model("one"), fake.add_model("two")
    created = bedrock.create_provisioned_model_throughput(
        modelUnits=1, provisionedModelName="pt", modelId=first, commitmentDuration="OneMonth", tags=[]
    )
    check_output(bedrock, "CreateProvisionedModelThroughput", created)
    arn = created["provisionedModelArn"]
    fake.serving.script("bad", duration=60, outcome="Failed", failure_message="No capacity")
    bad = bedrock.create_provisioned_model_throughput(modelUnits=1, provisionedModelName="bad", modelId=first)
    seen = set()
    for step in (0, 1000):
        fake.clock.advance(step)
        for identifier in (arn, bad["provisionedModelArn"]):
            answer = bedrock.get_provisioned_model_throughput(provisionedModelId=identifier)
            check_output(bedrock, "GetProvisionedModelThroughput", answer)
            seen.add(answer["status"])
        check_output(bedrock, "ListProvisionedModelThroughputs", bedrock.list_provisioned_model_throughputs())
    committed = bedrock.get_provisioned_model_throughput(provisionedModelId=arn)
    assert committed["commitmentDuration"] == "OneMonth" and committed["commitmentExpirationTime"]
    check_output(
        bedrock,
        "UpdateProvisionedModelThroughput",
        bedrock.update_provisioned_model_throughput(provisionedModelId=arn, desiredModelId=second),
    )
    updating = bedrock.get_provisioned_model_throughput(provisionedModelId=arn)
    check_output(bedrock, "GetProvisionedModelThroughput", updating)
    seen.add(updating["status"])
    assert seen == {"Creating", "InService", "Updating", "Failed"}
    fake.serving.commitments_renew = False  # S13's other answer: the term ends (renewed, it is never deletable)
    fake.clock.advance(31 * 86400)
    check_output(
        bedrock,
        "DeleteProvisionedModelThroughput",
        bedrock.delete_provisioned_model_throughput(provisionedModelId=arn),
    )


def test_invoke_model_answers_fit_the_runtime_model(fake: FakeBedrock) -> None:
    model = fake.add_model("one")
    with fake.serve() as endpoint:
        session = {"region_name": fake.region, "aws_access_key_id": "t", "aws_secret_access_key": "t"}
        bedrock = boto3.client("bedrock", endpoint_url=endpoint, **session)
        runtime = boto3.client("bedrock-runtime", endpoint_url=endpoint, **session)
        arn = bedrock.create_custom_model_deployment(modelDeploymentName="dep", modelArn=model)
        fake.clock.advance(700)
        answer = runtime.invoke_model(modelId=arn["customModelDeploymentArn"], body=b'{"messages": []}')
        body = answer.pop("body").read()
        assert body.startswith(b"{")
        check_output(runtime, "InvokeModel", {**answer, "body": body})
