"""The handler on whatever boto3 the Lambda runtime ships (issue 22, point 6; docs/aws-behaviour.md C7).

Every kind lists the Bedrock operations it calls; before its first call that buys or changes anything,
the handler checks that this function's boto3 knows them all, and fails naming the runtime's botocore
version otherwise. The lower-bound pass of ``make test`` runs this file again on botocore 1.34.152,
which has model copy but none of the deployment operations.
"""

from __future__ import annotations

from typing import Any

import botocore
import pytest

from bedrock_model_copy._lambda.model_copy import aws
from bedrock_model_copy._lambda.model_copy.kinds import KINDS
from bedrock_model_copy._lambda.model_copy.kinds import deployment as deployment_kind
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock

DEPLOYMENT_WRITES = ("CreateCustomModelDeployment", "DeleteCustomModelDeployment", "UpdateCustomModelDeployment")


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()  # IAM is not what these tests are about


def deployment(model_arn: str) -> dict[str, Any]:
    return {
        "ResourceKind": "CustomModelDeployment",
        "ModelArn": model_arn,
        "Name": "bot-ondemand",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }


def _runtime_has(operation: str) -> bool:
    import boto3

    client = boto3.client("bedrock", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    return operation in client.meta.method_to_api_mapping


def test_every_kind_names_the_operations_it_calls_and_the_botocore_that_has_them() -> None:
    for kind in KINDS:
        assert kind.operations, kind.name
        assert all(name == name.lower() and " " not in name for name in kind.operations), kind.name
        assert tuple(int(part) for part in kind.minimum_botocore.split(".")) >= (1, 34, 152), kind.name
    assert deployment_kind.KIND.minimum_botocore == "1.39.7"


def test_a_create_on_a_runtime_without_the_kinds_operations_buys_nothing_and_names_the_version(
    fake: FakeBedrock, cfn: CloudFormationStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = aws.has_operation
    monkeypatch.setattr(aws, "has_operation", lambda name: name != "create_custom_model_deployment" and known(name))
    response = cfn.create("Endpoint", deployment(fake.add_model("m")), deletion_policy="Delete").response
    assert not response.ok
    assert f"botocore {botocore.__version__}) has no CreateCustomModelDeployment" in response.reason
    assert "botocore 1.39.7 or later" in response.reason and "Nothing was bought or changed" in response.reason
    assert [call for call in fake.calls if call.operation in DEPLOYMENT_WRITES] == []
    assert response.physical_resource_id == "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


def test_a_delete_on_such_a_runtime_says_what_it_could_not_delete(
    fake: FakeBedrock, cfn: CloudFormationStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Not in the lower-bound pass: it needs a botocore with the deployment operations to create one first.)
    created = cfn.create("Endpoint", deployment(fake.add_model("m")), deletion_policy="Delete").response
    known = aws.has_operation
    monkeypatch.setattr(aws, "has_operation", lambda name: name != "delete_custom_model_deployment" and known(name))
    response = cfn.delete_stack()["Endpoint"].response
    assert not response.ok and created.physical_resource_id in response.reason
    assert "has no DeleteCustomModelDeployment" in response.reason and "--retain-resources Endpoint" in response.reason
    assert len(fake.serving.of_kind("deployment")) == 1  # not deleted, and CloudFormation was told


def test_the_handler_on_this_environments_own_botocore(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # In .venv (a current botocore) the deployment is made; in .venv-lower (botocore 1.34.152, the declared lower
    # bound) the same request fails before any call, naming that version.
    response = cfn.create("Endpoint", deployment(fake.add_model("m")), deletion_policy="Delete").response
    if _runtime_has("create_custom_model_deployment"):
        assert response.ok and response.data["Status"] == "Active"
    else:
        assert not response.ok and f"botocore {botocore.__version__}) has no " in response.reason
        assert [call for call in fake.calls if call.operation in DEPLOYMENT_WRITES] == []


def test_every_test_the_lower_bound_pass_names_or_deselects_exists() -> None:
    """A renamed test must not leave the lower-bound pass deselecting nothing, or running nothing, in silence."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text()
    start = makefile.index("LOWER_BOUND_TESTS :=")
    block = makefile[start : makefile.index("\n\n", start)]
    named = re.findall(r"(tests/[\w/]+\.py)(?:::(\w+))?", block)
    assert len(named) > 10
    for path, test in named:
        assert (root / path).is_file(), path
        if test:
            assert f"def {test}(" in (root / path).read_text(), f"{path}::{test}"
