"""Unit tests of the command's serving code against botocore's own model (Stubber).

Every request and response here is validated by botocore's Stubber, so the shapes the command reads
cannot drift from the service model; tests/test_cli_serving.py drives the same code over HTTP against
the fake, with resources made by the real handler.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.stub import Stubber

from bedrock_model_copy._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from bedrock_model_copy.cli._aws import Aws
from bedrock_model_copy.cli.clean import execute, plan
from bedrock_model_copy.cli.inventory import Inventory, Item, Source, sources

REGION = "us-west-2"
NOW = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)
ACCOUNT = "111122223333"
DEPLOY_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model-deployment/abcdef123456"
PT_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:provisioned-model/pt0000000001"
MODEL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/amazon.nova-lite-v1:0:300k/m00000000001"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/Serve/1"
DEPLOYMENT_DESCRIBED = {
    "customModelDeploymentArn": DEPLOY_ARN,
    "modelDeploymentName": "d",
    "modelArn": MODEL_ARN,
    "createdAt": NOW,
    "status": "Active",
}
THROUGHPUT_DESCRIBED = {
    "modelUnits": 1,
    "desiredModelUnits": 1,
    "provisionedModelName": "pt",
    "provisionedModelArn": PT_ARN,
    "modelArn": MODEL_ARN,
    "desiredModelArn": MODEL_ARN,
    "foundationModelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0",
    "status": "InService",
    "creationTime": NOW,
    "lastModifiedTime": NOW,
}


MODEL, DEPLOYMENT, THROUGHPUT = "custom-model", "custom-model-deployment", "provisioned-throughput"


def source(label: str) -> Source:
    return next(source for source in sources() if source.listing.label == label)


def tags(stack: str, resource: str) -> dict[str, Any]:
    return {"tags": [{"key": OWNER_TAG_KEY, "value": stack}, {"key": OWNER_RESOURCE_TAG_KEY, "value": resource}]}


def test_a_deployment_a_live_stack_declares_and_a_throughput_whose_stack_is_gone(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, bedrock, cfn = stubbed
    bedrock.add_response("list_model_copy_jobs", {"modelCopyJobSummaries": []}, {})
    bedrock.add_response("list_custom_models", {"modelSummaries": []}, {"isOwned": True})
    deployment = {
        "customModelDeploymentArn": DEPLOY_ARN,
        "customModelDeploymentName": "serve-endpoint",
        "modelArn": MODEL_ARN,
        "createdAt": NOW,
        "status": "Active",
    }
    bedrock.add_response(
        "list_custom_model_deployments", {"modelDeploymentSummaries": [deployment], "nextToken": "t"}, {}
    )
    bedrock.add_response("list_custom_model_deployments", {"modelDeploymentSummaries": []}, {"nextToken": "t"})
    bedrock.add_response("list_tags_for_resource", tags("Serve", "Endpoint"), {"resourceARN": DEPLOY_ARN})
    throughput = {
        "provisionedModelName": "serve-pt",
        "provisionedModelArn": PT_ARN,
        "modelArn": MODEL_ARN,
        "desiredModelArn": MODEL_ARN,
        "foundationModelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0",
        "modelUnits": 1,
        "desiredModelUnits": 1,
        "status": "InService",
        "commitmentDuration": "OneMonth",
        "commitmentExpirationTime": NOW + dt.timedelta(days=3),
        "creationTime": NOW,
        "lastModifiedTime": NOW,
    }
    bedrock.add_response("list_provisioned_model_throughputs", {"provisionedModelSummaries": [throughput]}, {})
    bedrock.add_response("list_tags_for_resource", tags("OldServe", "Throughput"), {"resourceARN": PT_ARN})
    bedrock.add_response("list_model_import_jobs", {"modelImportJobSummaries": []}, {})  # the import kind's listings
    bedrock.add_response("list_imported_models", {"modelSummaries": []}, {})
    stack = {"StackName": "Serve", "StackId": STACK_ID, "CreationTime": NOW, "StackStatus": "UPDATE_COMPLETE"}
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "Serve"})
    summary = {"LastUpdatedTimestamp": NOW, "ResourceStatus": "CREATE_COMPLETE"}
    resources = [
        {"LogicalResourceId": "Endpoint", "PhysicalResourceId": DEPLOY_ARN, "ResourceType": "Custom::X", **summary}
    ]
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": "Serve"})
    cfn.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id OldServe does not exist",
        expected_params={"StackName": "OldServe"},
    )
    items = Inventory(aws, NOW).collect([REGION])
    by_kind = {item.kind: item for item in items}
    assert by_kind[DEPLOYMENT].state == "declared" and by_kind[DEPLOYMENT].model_arn == MODEL_ARN
    billing = by_kind[THROUGHPUT].billing
    assert by_kind[THROUGHPUT].state == "kept" and billing is not None
    assert billing.expires == (NOW + dt.timedelta(days=3)).isoformat() and billing.until == billing.expires
    assert billing.text == "1 model unit hourly, OneMonth term until 2027-01-18 12:00 UTC" and billing.idle
    result = plan(items, NOW)
    assert result.delete == [] and "under commitment until 2027-01-18 12:00 UTC" in result.later[0][1]


def item(kind: str, arn: str, name: str, *, status: str = "Active", model: str = "", **extra: Any) -> Item:
    made = Item(REGION, source(kind), arn, name, status, "Gone", "R", model_arn=model, **extra)
    made.state = "kept"
    return made


def pt_billing(expires: dt.datetime | None, commitment: str = "OneMonth") -> Any:
    raw = {"modelUnits": 1, "commitmentDuration": commitment, "commitmentExpirationTime": expires}
    return source(THROUGHPUT).kind.billing(source(THROUGHPUT).listing, raw, NOW.timestamp())


def test_clean_deletes_servers_before_the_model_they_serve_and_waits_for_busy_ones(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    aws, bedrock, _ = stubbed
    model = item(MODEL, MODEL_ARN, "m")
    pt = item(THROUGHPUT, PT_ARN, "pt", status="InService", model=MODEL_ARN, billing=pt_billing(NOW - dt.timedelta(1)))
    deployment = item(DEPLOYMENT, DEPLOY_ARN, "d", model=MODEL_ARN)
    busy = item(DEPLOYMENT, DEPLOY_ARN + "b", "busy", status="Creating", model=MODEL_ARN + "x")
    result = plan([model, pt, deployment, busy], NOW)
    assert [i.name for i in result.delete] == ["d", "pt", "m"] and [i.name for i, _ in result.later] == ["busy"]
    described = {
        DEPLOY_ARN: ("get_custom_model_deployment", DEPLOYMENT_DESCRIBED),
        PT_ARN: ("get_provisioned_model_throughput", {**THROUGHPUT_DESCRIBED, "commitmentExpirationTime": NOW}),
    }
    for arn, operation, parameter in (
        (DEPLOY_ARN, "delete_custom_model_deployment", "customModelDeploymentIdentifier"),
        (PT_ARN, "delete_provisioned_model_throughput", "provisionedModelId"),
        (MODEL_ARN, "delete_custom_model", "modelIdentifier"),
    ):
        bedrock.add_response("list_tags_for_resource", tags("Gone", "R"), {"resourceARN": arn})
        if arn in described:  # read again just before the delete: its state decides, not the list's
            bedrock.add_response(described[arn][0], described[arn][1], {parameter: arn})
        bedrock.add_response(operation, {}, {parameter: arn})
    execute(aws, result, NOW)
    assert [i.name for i in result.deleted] == ["d", "pt", "m"] and result.failed == []


def test_a_model_a_declared_server_still_serves_is_not_deleted() -> None:
    model = item(MODEL, MODEL_ARN, "m")
    deployment = item(DEPLOYMENT, DEPLOY_ARN, "d", model=MODEL_ARN)
    deployment.state = "declared"
    result = plan([model, deployment], NOW)
    assert result.delete == [] and result.later == [(model, "still served by d: clean deletes it once they are gone")]


def test_access_denied_on_a_delete_names_the_action_and_sets_exit_4(stubbed: tuple[Aws, Stubber, Stubber]) -> None:
    aws, bedrock, _ = stubbed
    result = plan([item(THROUGHPUT, PT_ARN, "pt", status="InService")], NOW)
    bedrock.add_response("list_tags_for_resource", tags("Gone", "R"), {"resourceARN": PT_ARN})
    bedrock.add_response("get_provisioned_model_throughput", THROUGHPUT_DESCRIBED, {"provisionedModelId": PT_ARN})
    bedrock.add_client_error(
        "delete_provisioned_model_throughput", "AccessDeniedException", "not authorized", 403,
        expected_params={"provisionedModelId": PT_ARN},
    )  # fmt: skip
    bedrock.add_response("get_provisioned_model_throughput", THROUGHPUT_DESCRIBED, {"provisionedModelId": PT_ARN})
    execute(aws, result, NOW)
    assert result.exit_code() == 4 and "bedrock:DeleteProvisionedModelThroughput" in result.failed[0][1]


def test_a_committed_throughput_whose_end_bedrock_has_not_reported_is_never_deleted() -> None:
    """Issue 21, defect 9's survivor: a commitment is read from commitmentDuration too, not only from its end."""
    unreported = item(THROUGHPUT, PT_ARN, "pt", status="InService", billing=pt_billing(None))
    assert unreported.billing is not None and unreported.billing.idle
    assert unreported.billing.text == "1 model unit hourly, OneMonth term, its end not reported yet"
    result = plan([unreported], NOW)
    assert result.delete == [] and result.later[0][1].startswith("under commitment until a date Bedrock did not report")
    ended = item(THROUGHPUT, PT_ARN, "pt", status="InService", billing=pt_billing(NOW - dt.timedelta(seconds=1)))
    assert plan([ended], NOW).delete == [ended]
    no_term = item(THROUGHPUT, PT_ARN, "pt", status="InService", billing=pt_billing(NOW + dt.timedelta(days=9), ""))
    assert no_term.billing is not None and no_term.billing.text == "1 model unit hourly, no term"
    assert plan([no_term], NOW).delete == [no_term]  # an end without a commitment is not a commitment


def test_the_commitment_is_read_again_just_before_the_delete_and_a_renewed_term_is_left(
    stubbed: tuple[Aws, Stubber, Stubber],
) -> None:
    """S13: the list said the term ended; Bedrock reports a new end by the time of the delete: nothing is sent."""
    aws, bedrock, _ = stubbed
    listed = item(THROUGHPUT, PT_ARN, "pt", status="InService", billing=pt_billing(NOW - dt.timedelta(hours=1)))
    result = plan([listed], NOW)
    assert result.delete == [listed]
    renewed = NOW + dt.timedelta(days=30)
    described = {**THROUGHPUT_DESCRIBED, "commitmentDuration": "OneMonth", "commitmentExpirationTime": renewed}
    bedrock.add_response("list_tags_for_resource", tags("Gone", "R"), {"resourceARN": PT_ARN})
    bedrock.add_response("get_provisioned_model_throughput", described, {"provisionedModelId": PT_ARN})
    execute(aws, result, NOW)  # the Stubber fails on any other call: no DeleteProvisionedModelThroughput
    assert result.deleted == [] and result.exit_code() == 1
    (left, why) = result.later[0]
    assert left is listed and why.startswith("under commitment until 2027-02-14 12:00 UTC (Bedrock refuses")
    assert (
        "come back after 2027-02-14 12:00 UTC (bedrock-model-copy clean --region us-west-2 --stack Gone --yes)" in why
    )


@pytest.mark.parametrize("code", ["ValidationException", "ConflictException"])
def test_a_refused_delete_is_decided_from_what_the_throughput_says_afterwards(
    stubbed: tuple[Aws, Stubber, Stubber], code: str
) -> None:
    """Whatever code Bedrock refuses with (S5): a Get after it says whether a commitment holds it."""
    aws, bedrock, _ = stubbed
    first, second = (f"{PT_ARN[:-1]}{n}" for n in (1, 2))
    result = plan([item(THROUGHPUT, arn, arn[-3:], status="InService") for arn in (first, second)], NOW)
    committed = {**THROUGHPUT_DESCRIBED, "commitmentDuration": "SixMonths", "commitmentExpirationTime": NOW}
    for arn, after in ((first, {**committed, "commitmentExpirationTime": NOW + dt.timedelta(days=1)}),
                       (second, THROUGHPUT_DESCRIBED)):  # fmt: skip
        bedrock.add_response("list_tags_for_resource", tags("Gone", "R"), {"resourceARN": arn})
        bedrock.add_response("get_provisioned_model_throughput", THROUGHPUT_DESCRIBED, {"provisionedModelId": arn})
        bedrock.add_client_error(
            "delete_provisioned_model_throughput", code, "refused", 400, expected_params={"provisionedModelId": arn}
        )
        bedrock.add_response("get_provisioned_model_throughput", after, {"provisionedModelId": arn})
    execute(aws, result, NOW)
    assert [(i.arn, why.split(" (")[0]) for i, why in result.later] == [
        (first, "under commitment until 2027-01-16 12:00 UTC")
    ]
    assert [(i.arn, why.split(f": {code}")[0]) for i, why in result.failed] == [
        (second, "bedrock:DeleteProvisionedModelThroughput failed in us-west-2")
    ]
    assert result.exit_code() == 6
