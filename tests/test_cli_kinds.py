"""The command knows kinds only through the runtime's descriptors (issue 21, points 1 and 7; docs/day2.md).

- Every kind that makes something in Bedrock lists it for the command, and every name a listing gives
  (operations, parameters, summary fields) is one botocore's Bedrock model has.
- A kind that joins ``KINDS`` (model import, which joined after the command was written; against botocore's Stubber) is listed,
  declared through its job, shown in ``--help`` and the IAM table, and cleaned, with no edit to the command.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from bedrock_model_copy._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from bedrock_model_copy._lambda.model_copy.kinds import KINDS
from bedrock_model_copy._lambda.model_copy.kinds.base import Kind
from bedrock_model_copy.cli import inventory, reference
from bedrock_model_copy.cli._aws import Aws, snake
from bedrock_model_copy.cli.clean import execute, plan
from bedrock_model_copy.cli.inventory import Inventory, sources

MODEL = botocore.session.get_session().get_service_model("bedrock")
REGION, ACCOUNT = "us-west-2", "111122223333"
NOW = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)


def _members(shape_name: str) -> set[str]:
    return set(MODEL.shape_for(shape_name).members)


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind.create_operation], ids=lambda kind: kind.name)
def test_every_kind_that_makes_something_lists_it_with_names_botocore_has(kind: Kind) -> None:
    assert kind.listings, f"{kind.name} makes resources ({kind.create_operation}) but gives the command no listing"
    client = boto3.client("bedrock", region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s")
    for listing in kind.listings:
        operation = MODEL.operation_model(listing.operation)
        assert client.can_paginate(snake(listing.operation))
        assert {key for key, _ in listing.parameters} <= set(operation.input_shape.members)
        summary = operation.output_shape.members[listing.items].member
        fields = {listing.arn, listing.name, listing.status, listing.created, listing.tags, listing.serves} - {""}
        assert fields <= set(summary.members), f"{listing.label}: {fields - set(summary.members)}"
        for call in (listing.get, listing.delete):
            if call:
                assert listing.identifier in MODEL.operation_model(call).input_shape.members
        assert listing.plural and listing.label
    operation, parameter = kind.lookup
    if operation:
        assert parameter in MODEL.operation_model(operation).input_shape.members


# ---------------------------------------------------------------- a kind that joins the list


JOB = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-import-job/abcdefabcdef"
OLD_JOB = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-import-job/000000000000"
IMPORTED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:imported-model/aaaaaaaaaaaa"
OTHER = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:imported-model/bbbbbbbbbbbb"


@pytest.fixture
def joined(stubbed: tuple[Aws, Stubber, Stubber], monkeypatch: pytest.MonkeyPatch) -> tuple[Aws, Stubber, Stubber]:
    """The stubbed command, its reads in one thread (a stub answers in the order its answers were added)."""
    monkeypatch.setattr(inventory, "in_threads", lambda function, items: [function(item) for item in items])
    return stubbed


def _owned(resource: str) -> dict[str, Any]:
    return {"tags": [{"key": OWNER_TAG_KEY, "value": "Imports"}, {"key": OWNER_RESOURCE_TAG_KEY, "value": resource}]}


def test_a_kind_that_joins_the_list_is_listed_declared_through_its_job_and_cleaned(
    joined: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, bedrock, cfn = joined
    assert [source.listing.label for source in sources()][-2:] == ["model-import-job", "imported-model"]
    assert (
        "running import jobs" in reference.summaries()["list"] and "imported models" in reference.summaries()["clean"]
    )
    assert {"bedrock:ListImportedModels", "bedrock:GetModelImportJob"} <= set(reference.iam()["list"])
    assert "bedrock:DeleteImportedModel" in reference.iam()["clean"]
    for operation, key in (
        ("list_model_copy_jobs", "modelCopyJobSummaries"),
        ("list_custom_models", "modelSummaries"),
        ("list_custom_model_deployments", "modelDeploymentSummaries"),
        ("list_provisioned_model_throughputs", "provisionedModelSummaries"),
    ):
        bedrock.add_response(operation, {key: []}, {"isOwned": True} if operation == "list_custom_models" else {})
    jobs = [
        {"jobArn": JOB, "jobName": "import-1", "status": "Completed", "creationTime": NOW, "importedModelArn": OTHER}
    ]
    bedrock.add_response("list_model_import_jobs", {"modelImportJobSummaries": jobs}, {})
    models = [
        {"modelArn": arn, "modelName": name, "creationTime": NOW} for arn, name in ((IMPORTED, "kept"), (OTHER, "new"))
    ]
    bedrock.add_response("list_imported_models", {"modelSummaries": models}, {})
    for arn in (IMPORTED, OTHER):
        bedrock.add_response("list_tags_for_resource", _owned("Import"), {"resourceARN": arn})
    stack = {"StackName": "Imports", "CreationTime": NOW, "StackStatus": "UPDATE_COMPLETE"}
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "Imports"})
    summary = {"LastUpdatedTimestamp": NOW, "ResourceStatus": "UPDATE_COMPLETE", "ResourceType": "Custom::X"}
    resources = [{"LogicalResourceId": "Import", "PhysicalResourceId": OLD_JOB, **summary}]
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": "Imports"})
    # The stack's physical id is a job the listing no longer shows: the kind's lookup reads what it made.
    old = {
        "jobArn": OLD_JOB,
        "jobName": "import-0",
        "importedModelName": "kept",
        "importedModelArn": IMPORTED,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "modelDataSource": {"s3DataSource": {"s3Uri": "s3://b/k/"}},
        "status": "Completed",
        "creationTime": NOW,
    }
    bedrock.add_response("get_model_import_job", old, {"jobIdentifier": OLD_JOB})
    items = {item.name: item for item in Inventory(aws, NOW).collect([REGION])}
    assert {name: (item.kind, item.state) for name, item in items.items()} == {
        "kept": ("imported-model", "declared"),  # the stack's job made it
        "new": ("imported-model", "kept"),  # made by a job the stack's resource no longer names
    }
    assert (
        items["new"].job_arn == JOB and items["kept"].reason == "stack Imports (UPDATE_COMPLETE) declares it as Import"
    )
    result = plan(list(items.values()), NOW)
    assert result.delete == [items["new"]]
    bedrock.add_response("list_tags_for_resource", _owned("Import"), {"resourceARN": OTHER})
    described = {"modelArn": OTHER, "modelName": "new", "jobArn": JOB, "creationTime": NOW}
    described |= {"modelDataSource": {"s3DataSource": {"s3Uri": "s3://b/k/"}}, "jobName": "import-1"}
    bedrock.add_response("get_imported_model", described, {"modelIdentifier": OTHER})
    bedrock.add_response("delete_imported_model", {}, {"modelIdentifier": OTHER})
    execute(aws, result, NOW)
    assert result.deleted == [items["new"]] and result.exit_code() == 0
