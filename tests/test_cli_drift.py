"""``bedrock-model-copy drift`` against the fake over HTTP (issue 24, point 8; docs/day2.md, "Drift").

A CDK app (a copy encrypted with a key of its own stack, its on-demand deployment and a Provisioned
Throughput, every one with tags) is deployed by the real handler through the kit; then a resource is changed
by hand as a person would with the AWS CLI (a model retagged, a deployment moved to another model, a
Provisioned Throughput deleted, an ownership tag changed), and ``drift`` must say exactly that, with its
exit code. A hand-written template covers what the command resolves from CloudFormation's own answers
(parameters, an SSM parameter, an export of another stack) and what it cannot tell offline (a ``NoEcho``
parameter, a dynamic reference), and a waiter (nothing of its own to compare).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import boto3
import botocore.session
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import cx_api
from test_cli import WEST, fleet_environment, run, run_json

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy._lambda.model_copy.contract import OWNER_TAG_KEY
from bedrock_model_copy._lambda.model_copy.kinds import KINDS
from bedrock_model_copy._lambda.model_copy.kinds.base import Kind
from bedrock_model_copy._lambda.model_copy.kinds.fleet import KMS_KEY
from bedrock_model_copy.cli import IAM
from bedrock_model_copy.cli.drift import same, unresolved
from bedrock_model_copy.testing import CloudFormationStack, TemplateValues, deploy_app, simulated_environment
from bedrock_model_copy.testing.fake_fleet import FakeFleet
from bedrock_model_copy.testing.iam import PolicySet
from conftest import ENV, SOURCE_ARN

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{WEST}:111122223333:key/{KEY_ID}"
BEDROCK = botocore.session.get_session().get_service_model("bedrock")


class Serve(cdk.Stack):
    def __init__(self, scope: cdk.App, id: str) -> None:
        super().__init__(scope, id, env=ENV)
        key = kms.Key(self, "Key")
        copy = BedrockModelCopy(
            self, "Copy", source_model_arn=SOURCE_ARN, target_model_name="serve-model", target_kms_key=key,
            tags={"team": "ml"},
        )  # fmt: skip
        copy.deploy_on_demand(deployment_name="serve-endpoint", tags={"app": "bot"})
        copy.provision(model_units=1, name="serve-pt")


@functools.cache
def assembly() -> cx_api.CloudAssembly:
    """The app, synthesized once for the module (each test deploys it into fakes of its own)."""
    app = cdk.App()
    Serve(app, "Serve")
    return app.synth()


def logical_id(resource_type: str) -> str:
    resources = assembly().get_stack_by_name("Serve").template["Resources"]
    (found,) = [lid for lid, resource in resources.items() if resource["Type"] == resource_type]
    return found


COPY, ENDPOINT = logical_id("Custom::BedrockModelCopy"), logical_id("Custom::BedrockCustomModelDeployment")
PROVISIONED, KEY = logical_id("Custom::BedrockProvisionedThroughput"), logical_id("AWS::KMS::Key")


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with fleet_environment() as made:
        yield made


@pytest.fixture
def serve(fleet: FakeFleet) -> dict[str, str]:
    """The app deployed by the real handler; names -> ARNs."""
    key = TemplateValues(refs={KEY: KEY_ID}, attributes={f"{KEY}.Arn": KEY_ARN})
    with simulated_environment(fleet[WEST]) as framework:
        deployed = deploy_app(assembly(), framework, values={"Serve": key})
    assert deployed.failed is None
    model = fleet[WEST].model_named("serve-model")
    endpoint, provisioned = fleet[WEST].serving.named("serve-endpoint"), fleet[WEST].serving.named("serve-pt")
    assert model is not None and endpoint is not None and provisioned is not None
    assert model.kms_key_arn == KEY_ARN
    return {"model": model.model_arn, "endpoint": endpoint.arn, "pt": provisioned.arn}


def bedrock() -> Any:
    """A person's own client, through the fleet's endpoint (the environment fleet_environment set)."""
    return boto3.client("bedrock", region_name=WEST)


def rows(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(row["resource"], row["field"], row["template"], row["bedrock"]) for row in report["differences"]}


# ---------------------------------------------------------------- the descriptors


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_gives_drift_fields_or_says_it_has_none(kind: Kind) -> None:
    drift = kind.drift
    assert drift is not None, f"{kind.name} does not say what drift compares (kinds/fleet.py, Drift)"
    assert bool(drift.fields) != bool(drift.none), f"{kind.name}: fields, or why there are none; not both"
    operation, parameter = drift.read  # every kind reads its physical id: its attributes resolve Fn::GetAtt
    assert parameter in BEDROCK.operation_model(operation).input_shape.members
    if drift.product_read[0]:
        operation, parameter = drift.product_read
        assert parameter in BEDROCK.operation_model(operation).input_shape.members
    answer = set(BEDROCK.operation_model(operation).output_shape.members)
    for compared in drift.fields:
        assert compared.answer in answer, f"{kind.name}: {operation} has no {compared.answer}"
        assert compared.label and compared.property
    if drift.fields and drift.tags:
        assert kind.tags_property, f"{kind.name} compares tags but names no tags property"


@pytest.mark.parametrize(
    ("template", "bedrock", "expected"),
    [
        ("", "", (True, "")),
        ("", KEY_ARN, (False, "")),
        (KEY_ARN, KEY_ARN, (True, "")),
        (KEY_ID, KEY_ARN, (True, "")),
        (KEY_ID, KEY_ARN.replace("1234abcd", "9999abcd"), (False, "")),
        (KEY_ARN, "", (False, "")),
    ],
)
def test_a_kms_key_id_or_arn_is_compared_with_the_arn_bedrock_reports(
    template: str, bedrock: str, expected: tuple[bool, str]
) -> None:
    assert same(KMS_KEY, template, bedrock) == expected


@pytest.mark.parametrize("switches", [True, False], ids=["top-level-switches", "top-level-stays"])
def test_a_deployment_drifts_by_the_model_it_serves_or_moves_to_under_either_s15_answer(switches: bool) -> None:
    first, moved = (
        "arn:aws:bedrock:us-west-2:111122223333:custom-model/a",
        "arn:aws:bedrock:us-west-2:111122223333:custom-model/b",
    )
    kind = next(kind for kind in KINDS if kind.name == "CustomModelDeployment")
    for status, served in (("Updating", moved), ("UpdateCompleted", moved), ("UpdateFailed", first)):
        raw = {"modelArn": moved if switches and status == "UpdateCompleted" else first, "status": "Active"}
        raw["updateDetails"] = {"modelArn": moved, "updateStatus": status}
        assert kind.drift_values(raw)["modelArn"] == served, status
    assert kind.drift_values({"modelArn": first})["modelArn"] == first


def test_an_alias_or_an_unresolved_value_cannot_be_told_offline() -> None:
    equal, why = same(KMS_KEY, "alias/models", KEY_ARN)
    assert not equal and "alias" in why
    assert unresolved("<unresolved GetAtt Other.Arn>").startswith("GetAtt Other.Arn: CloudFormation does not report")
    assert "dynamic reference" in unresolved({"team": "{{resolve:ssm:/team}}"})
    assert unresolved({"team": "ml"}) == "" and unresolved(None) == ""


# ---------------------------------------------------------------- a CDK app, changed by hand


def test_a_stack_as_deployed_has_no_drift_and_check_exits_0(fleet: FakeFleet, serve: dict[str, str]) -> None:
    code, report = run_json(fleet, "drift", "--region", WEST, "--check")
    assert code == 0 and report["drifted"] is False and report["differences"] == []
    # Everything resolved: the key's ARN from its physical id, the model from the copy's job (Fn::GetAtt).
    assert report["cannotTellOffline"] == [] and report["notCompared"] == []
    assert report["stacks"] == [
        {"region": WEST, "name": "Serve", "status": "CREATE_COMPLETE", "compared": 3, "note": ""}
    ]
    code, text = run(fleet, "drift", "--region", WEST, "--check")
    assert code == 0 and "No drift: 3 resources compared (1 stack) match their templates." in text


def test_a_retagged_model_and_a_moved_deployment_are_drift(fleet: FakeFleet, serve: dict[str, str]) -> None:
    other = fleet[WEST].add_model("other-model")
    bedrock().tag_resource(resourceARN=serve["model"], tags=[{"key": "team", "value": "ops"}])
    bedrock().update_custom_model_deployment(customModelDeploymentIdentifier=serve["endpoint"], modelArn=other)
    moving = run_json(fleet, "drift", "--region", WEST)[1]  # Updating: the model it is moving to
    assert (ENDPOINT, "model", serve["model"], other) in rows(moving)
    fleet.clock.advance(fleet[WEST].serving.update_duration + 1)
    code, report = run_json(fleet, "drift", "--region", WEST)
    assert code == 0  # without --check: it reports
    assert rows(report) == {(COPY, "tag team", "ml", "ops"), (ENDPOINT, "model", serve["model"], other)}
    kinds = {row["resource"]: (row["kind"], row["arn"]) for row in report["differences"]}
    assert kinds == {COPY: ("custom-model", serve["model"]), ENDPOINT: ("custom-model-deployment", serve["endpoint"])}
    code, text = run(fleet, "drift", "--region", WEST, "--check")
    assert code == 1
    assert "2 differences in 2 of 3 resources compared (1 stack)." in text
    line = next(line for line in text.splitlines() if f"Serve / {ENDPOINT}" in line)
    assert line.split() == [WEST, "Serve", "/", ENDPOINT, "custom-model-deployment", "model", serve["model"], other]


def test_a_throughput_deleted_by_hand_is_gone(fleet: FakeFleet, serve: dict[str, str]) -> None:
    bedrock().delete_provisioned_model_throughput(provisionedModelId=serve["pt"])
    code, report = run_json(fleet, "drift", "--region", WEST, "--check")
    assert code == 0 and report["differences"] == []  # still being deleted: Bedrock still describes it
    fleet.clock.advance(fleet[WEST].serving.delete_duration + 1)
    code, report = run_json(fleet, "drift", "--region", WEST, "--check")
    gone = "gone (GetProvisionedModelThroughput: ResourceNotFoundException)"
    assert code == 1 and rows(report) == {(PROVISIONED, "resource", serve["pt"], gone)}
    assert report["stacks"][0]["compared"] == 3


def test_a_changed_ownership_tag_is_drift_and_says_what_it_does(fleet: FakeFleet, serve: dict[str, str]) -> None:
    bedrock().tag_resource(resourceARN=serve["endpoint"], tags=[{"key": OWNER_TAG_KEY, "value": "Other"}])
    code, report = run_json(fleet, "drift", "--region", WEST, "--check")
    assert code == 1 and rows(report) == {(ENDPOINT, f"tag {OWNER_TAG_KEY}", "Serve", "Other")}
    assert report["differences"][0]["ownership"] is True
    code, text = run(fleet, "drift", "--region", WEST)
    assert "Ownership tags (1): an ownership tag: while it names another owner, the stack's handler leaves" in text


def test_a_stack_is_chosen_by_name_and_one_in_progress_is_not_compared(
    fleet: FakeFleet, serve: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    bedrock().tag_resource(resourceARN=serve["pt"], tags=[{"key": "extra", "value": "by-hand"}])
    code, report = run_json(fleet, "drift", "--region", WEST, "--stack", "Serve", "--check")
    assert code == 1 and rows(report) == {(PROVISIONED, "tag extra", "(none)", "by-hand")}
    assert run(fleet, "drift", "--region", WEST, "--stack", "Nope")[0] == 2
    assert "No live stack named 'Nope'" in capsys.readouterr().err
    (stack_id,) = fleet[WEST].stacks
    fleet[WEST].stack_statuses[stack_id] = "UPDATE_IN_PROGRESS"
    code, text = run(fleet, "drift", "--region", WEST, "--check")
    assert code == 0 and "Serve: UPDATE_IN_PROGRESS: its resources are changing" in text


def test_drift_needs_exactly_the_actions_its_iam_row_lists(
    fleet: FakeFleet, serve: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fleet[WEST].iam = PolicySet([{"Statement": [{"Effect": "Allow", "Action": IAM["drift"], "Resource": "*"}]}])
    assert run(fleet, "drift", "--region", WEST, "--check")[0] == 0
    fewer = [action for action in IAM["drift"] if action != "cloudformation:GetTemplate"]
    fleet[WEST].iam = PolicySet([{"Statement": [{"Effect": "Allow", "Action": fewer, "Resource": "*"}]}])
    assert run(fleet, "drift", "--region", WEST)[0] == 4
    assert "cloudformation:GetTemplate" in capsys.readouterr().err


# ---------------------------------------------------------------- what CloudFormation reports, and what it does not

PARAMETERS = {
    "EndpointName": {"Type": "String"},
    "Secret": {"Type": "String", "NoEcho": True},
    "Team": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/models/team"},
}


def served(job_arn: str) -> dict[str, Any]:
    endpoint = {
        "ServiceToken": "token",
        "ResourceKind": "CustomModelDeployment",
        "ModelArn": {"Fn::ImportValue": "shared-model"},
        "Name": {"Ref": "EndpointName"},
        "Description": {"Ref": "Secret"},
        "Tags": {"team": {"Ref": "Team"}, "cost": "{{resolve:ssm:/models/cost}}"},
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }
    waiter = {"ServiceToken": "token", "Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "3420"}
    return {
        "Parameters": PARAMETERS,
        "Resources": {
            "Endpoint": {"Type": "Custom::BedrockCustomModelDeployment", "Properties": endpoint},
            "Waiter": {"Type": "Custom::BedrockModelCopy", "Properties": {**waiter, "PollIntervalSeconds": "30"}},
        },
    }


def test_parameters_and_exports_resolve_and_what_cloudformation_does_not_report_is_said(fleet: FakeFleet) -> None:
    west = fleet[WEST]
    model, other = west.add_model("shared-model"), west.add_model("other-model")
    job = west.add_job(source_model_arn=SOURCE_ARN, target_model_name="elsewhere", duration=60)
    values = TemplateValues(
        refs={"EndpointName": "shared-endpoint", "Secret": "a secret description"},
        ssm_parameters={"/models/team": "ml", "/models/cost": "cc-1"},
    )
    exporter = {"Resources": {}, "Outputs": {"Model": {"Value": model, "Export": {"Name": "shared-model"}}}}
    with simulated_environment(west) as framework:
        CloudFormationStack(framework, stack_name="Exporter").deploy_template(exporter)
        fleet.clock.advance(120)
        operations, _ = CloudFormationStack(framework, stack_name="Shared").deploy_template(served(job), values)
    assert all(operation.response.ok for operation in operations.values())
    code, report = run_json(fleet, "drift", "--region", WEST, "--stack", "Shared", "--check")
    assert code == 0 and report["differences"] == []
    unknown = {(row["resource"], row["field"]): row["why"] for row in report["cannotTellOffline"]}
    assert set(unknown) == {("Endpoint", "description"), ("Endpoint", "tag cost")}
    assert "a NoEcho parameter" in unknown[("Endpoint", "description")]
    assert "dynamic reference" in unknown[("Endpoint", "tag cost")]
    (waiter,) = report["notCompared"]
    assert waiter["resource"] == "Waiter" and "a waiter reads a copy job started elsewhere" in waiter["why"]
    # The model the export names, the name from a parameter and the tag from an SSM parameter were compared:
    endpoint = west.serving.named("shared-endpoint")
    assert endpoint is not None
    bedrock().update_custom_model_deployment(customModelDeploymentIdentifier=endpoint.arn, modelArn=other)
    bedrock().tag_resource(resourceARN=endpoint.arn, tags=[{"key": "team", "value": "ops"}])
    code, report = run_json(fleet, "drift", "--region", WEST, "--stack", "Shared", "--check")
    assert code == 1 and rows(report) == {("Endpoint", "model", model, other), ("Endpoint", "tag team", "ml", "ops")}
