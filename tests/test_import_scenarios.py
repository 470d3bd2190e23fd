"""Model imports (issue 23): the real handler drives Custom Model Import in the fake, which enforces the synthesized IAM.

Every scenario asserts what is left in the fake (jobs, models, their tags), not only the response. The fake
takes the harder answers of docs/aws-behaviour.md I7-I14 (job names taken forever, a model still described
while it is deleted, each tag list authorized on its own); creation runs under both readings of T8.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import aws_cdk as cdk
import botocore
import pytest
from aws_cdk import aws_iam as iam

from bedrock_model_copy import BedrockModelImport
from bedrock_model_copy._lambda.model_copy import aws
from bedrock_model_copy._lambda.model_copy.import_contract import JOB_NAME_PATTERN
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock
from bedrock_model_copy.testing.iam import PolicySet
from conftest import synthesized_handler_policies

OWNER = "bedrock-model-copy:owner-stack"
OWNER_RESOURCE = "bedrock-model-copy:owner-resource"
ROLE_ARN = "arn:aws:iam::111122223333:role/model-import"
S3_URI = "s3://weights/llama/8b/"


def _import_stack(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "ImportRole", ROLE_ARN, mutable=False)
    BedrockModelImport(
        stack,
        "Import",
        bucket="s3://weights",
        prefix="llama/8b/",
        role=role,
        imported_model_name="llama-8b",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )


@pytest.fixture(scope="module")
def import_policies() -> list[dict[str, Any]]:
    return synthesized_handler_policies(_import_stack)


@pytest.fixture(params=[True, False], ids=["tags-as-TagResource", "tags-in-create-only"])
def fake(request: pytest.FixtureRequest, import_policies: list[dict[str, Any]]) -> FakeBedrock:
    # docs/aws-behaviour.md T8: either reading
    return FakeBedrock(iam=PolicySet(copy.deepcopy(import_policies)), create_tags_as_tag_resource=request.param)


def props(**overrides: Any) -> dict[str, Any]:
    """ResourceProperties as the construct writes them (DESTROY)."""
    values = {
        "ResourceKind": "ModelImport",
        "ImportedModelName": "llama-8b",
        "S3Uri": S3_URI,
        "RoleArn": ROLE_ARN,
        "DeleteModelOnDelete": "true",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def writes(fake: FakeBedrock) -> list[str]:
    return [op for op in fake.operations() if op in ("CreateModelImportJob", "DeleteImportedModel")]


# ---------------------------------------------------------------- create


def test_an_import_carries_the_ownership_tags_on_the_job_and_on_the_model(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    response = cfn.create("Import", props(Tags={"team": "ml"}), deletion_policy="Delete").response
    assert response.ok, response.reason
    (create,) = fake.calls_to("CreateModelImportJob")
    ownership = {OWNER: cfn.stack_name, OWNER_RESOURCE: "Import"}
    (job,) = fake.imports.jobs.values()
    assert job.tags == job.model_tags == {"team": "ml", **ownership}
    # The handler sends its own idempotency token (botocore fills in none for this operation, I1) and a job name
    # made for this request.
    assert create.params["clientRequestToken"] and JOB_NAME_PATTERN.fullmatch(create.params["jobName"])
    assert create.params["jobName"].startswith("llama-8b-") and job.role_arn == ROLE_ARN and job.s3_uri == S3_URI
    model = fake.imports.model_named("llama-8b")
    assert model is not None and model.tags == {"team": "ml", **ownership}
    assert response.physical_resource_id == job.arn
    assert response.data["ImportedModelArn"] == model.arn and response.data["Status"] == "Completed"
    assert response.data["ModelArchitecture"] == "llama3" and response.data["InstructSupported"] == "true"
    assert response.data["CustomModelUnitsPerModelCopy"] == "2" and response.data["JobName"] == job.name


def test_a_failed_import_reports_bedrocks_message_and_advice(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.imports.script("llama-8b", duration=300, outcome="Failed", failure_message="Unsupported architecture")
    operation = cfn.create("Import", props(), deletion_policy="Delete")
    assert not operation.response.ok
    reason = operation.response.reason
    assert "Unsupported architecture" in reason and "a new import job is started" in reason
    assert [r.ok for r in operation.rollback] == [True]  # nothing to delete: the job made no model
    assert fake.imports.models == {} and writes(fake) == ["CreateModelImportJob"]


def test_a_same_named_import_of_another_owner_is_refused_before_anything_is_started(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    assert cfn.create("Import", props(), deletion_policy="Retain").response.ok
    other = cfn.create("Other", props(), deletion_policy="Retain").response  # the same model name
    assert not other.ok and "llama-8b" in other.reason
    assert f"owned by stack {cfn.stack_name}, resource Import" in other.reason
    assert writes(fake) == ["CreateModelImportJob"] and len(fake.imports.models) == 1


def test_a_timed_out_import_is_taken_back_by_the_next_deploy(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.imports.script("llama-8b", duration=5000)  # past the 57 minutes one deploy of a short import waits
    first = cfn.create("Import", props(), deletion_policy="Delete")
    assert not first.response.ok and "deploy again (same stack name and properties) to resume" in first.response.reason
    assert [r.ok for r in first.rollback] == [True]  # the rollback leaves the running job (it cannot be stopped)
    second = cfn.create("Import", props(), deletion_policy="Delete").response
    assert second.ok, second.reason
    (job,) = fake.imports.jobs.values()  # one import: the second deploy took back the first one's job
    assert second.physical_resource_id == job.arn and writes(fake) == ["CreateModelImportJob"]


def test_a_failed_job_of_this_resource_is_passed_over_and_imported_anew(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.imports.script("llama-8b", duration=60, outcome="Failed", failure_message="Bad config.json")
    assert not cfn.create("Import", props(), deletion_policy="Delete").response.ok
    fake.imports.scripts.clear()
    again = cfn.create("Import", props(), deletion_policy="Delete").response
    assert again.ok, again.reason
    names = [job.name for job in fake.imports.jobs.values()]
    assert len(names) == 2 and len(set(names)) == 2  # job names are never reused (I12)


def test_a_runtime_without_the_import_operations_starts_nothing(
    fake: FakeBedrock, cfn: CloudFormationStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = aws.has_operation
    monkeypatch.setattr(aws, "has_operation", lambda name: name != "create_model_import_job" and known(name))
    response = cfn.create("Import", props(), deletion_policy="Delete").response
    assert not response.ok and f"botocore {botocore.__version__}) has no CreateModelImportJob" in response.reason
    assert "botocore 1.35.4 or later" in response.reason and fake.imports.jobs == {}


def test_passing_another_role_is_denied_with_advice(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    other_role = "arn:aws:iam::111122223333:role/someone-elses"
    response = cfn.create("Import", props(RoleArn=other_role), deletion_policy="Delete").response
    assert not response.ok and "iam:PassRole" in response.reason
    assert "may pass only this import's role" in response.reason and fake.imports.jobs == {}


# ---------------------------------------------------------------- update


def test_new_tags_retag_the_model_in_place(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    created = cfn.create("Import", props(Tags={"team": "ml", "old": "x"}), deletion_policy="Delete").response
    updated = cfn.update("Import", props(Tags={"team": "search"})).response
    assert updated.ok and updated.physical_resource_id == created.physical_resource_id
    model = fake.imports.model_named("llama-8b")
    assert model is not None and model.tags == {"team": "search", OWNER: cfn.stack_name, OWNER_RESOURCE: "Import"}
    assert writes(fake) == ["CreateModelImportJob"]


def test_a_new_prefix_imports_again_and_the_old_model_follows_the_removal_policy(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    created = cfn.create("Import", props(), deletion_policy="Delete").response
    new = props(S3Uri="s3://weights/llama/8b-v2/", ImportedModelName="llama-8b-v2")
    operation = cfn.update("Import", new)
    assert operation.response.ok, operation.response.reason
    assert operation.response.physical_resource_id != created.physical_resource_id
    assert [r.ok for r in operation.cleanup] == [True]  # the old model deleted in the clean-up (DESTROY)
    fake.clock.advance(fake.imports.delete_duration)
    assert [model.name for model in fake.imports.models.values()] == ["llama-8b-v2"]


def test_a_replacement_under_retain_says_the_old_model_is_kept_and_bills(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 22's rule for every kind: whatever a replacement leaves billed is said when it happens.
    cfn.create("Import", props(DeleteModelOnDelete="false"), deletion_policy="Retain")
    old = fake.imports.model_named("llama-8b")
    assert old is not None
    new = props(S3Uri="s3://weights/llama/8b-v2/", ImportedModelName="llama-8b-v2", DeleteModelOnDelete="false")
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        operation = cfn.update("Import", new)
    assert operation.response.ok, operation.response.reason
    (line,) = [r.getMessage() for r in caplog.records if "decision=keep-replaced" in r.getMessage()]
    assert old.arn in line and "removal policy RETAIN" in line
    assert f"delete-imported-model --model-identifier {old.arn}" in line
    assert {model.name for model in fake.imports.models.values()} == {"llama-8b", "llama-8b-v2"}


def test_a_new_prefix_under_the_same_name_is_refused_before_importing(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Import", props(), deletion_policy="Delete")
    operation = cfn.update("Import", props(S3Uri="s3://weights/llama/8b-v2/"))
    assert not operation.response.ok and "Choose a new imported_model_name" in operation.response.reason
    assert "bucket or prefix" in operation.response.reason and writes(fake) == ["CreateModelImportJob"]


def test_a_new_role_changes_nothing_in_bedrock(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    created = cfn.create("Import", props(), deletion_policy="Delete").response
    updated = cfn.update("Import", props(RoleArn="arn:aws:iam::111122223333:role/other")).response
    assert updated.ok and updated.physical_resource_id == created.physical_resource_id
    assert writes(fake) == ["CreateModelImportJob"]


# ---------------------------------------------------------------- delete


def test_destroy_deletes_the_model_and_waits_until_it_is_gone(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Import", props(), deletion_policy="Delete")
    response = cfn.delete_stack()["Import"].response
    assert response.ok and response.polls > 1  # I13: still described for a while after the delete
    assert fake.imports.models == {}
    # A delete asked again while the first one runs is refused (I13), and that refusal is waited out.
    deletes = [call.status for call in fake.calls_to("DeleteImportedModel")]
    assert deletes[0] == 200 and set(deletes[1:]) <= {409}


def test_retain_keeps_the_model(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Import", props(DeleteModelOnDelete="false"), deletion_policy="Retain")
    assert cfn.delete_stack().get("Import") is None  # CloudFormation sends no Delete
    # Should a Delete come all the same (the final DeletionPolicy is what the construct renders), nothing goes.
    cfn.create("Kept", props(ImportedModelName="kept", DeleteModelOnDelete="false"), deletion_policy="Delete")
    assert cfn.delete_stack()["Kept"].response.ok
    assert len(fake.imports.models) == 2 and writes(fake) == ["CreateModelImportJob"] * 2


def test_a_model_whose_ownership_changed_is_left_alone(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Import", props(), deletion_policy="Delete")
    model = fake.imports.model_named("llama-8b")
    assert model is not None
    model.tags[OWNER_RESOURCE] = "SomeoneElse"
    assert cfn.delete_stack()["Import"].response.ok
    assert len(fake.imports.models) == 1 and writes(fake) == ["CreateModelImportJob"]


def test_a_refused_tag_read_of_a_found_job_is_not_read_as_gone(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # The engine confirms a found resource gone with the kind's own Get (the job's), never the product's (the
    # model's, which a running job does not have yet): a refusal is never read as gone.
    fake.imports.script("llama-8b", duration=5000)
    assert not cfn.create("Import", props(), deletion_policy="Delete").response.ok  # timed out, still running
    fake.inject_fault("ListTagsForResource", "ValidationException", status=400)
    again = cfn.create("Import", props(), deletion_policy="Delete").response
    assert not again.ok and "ListTagsForResource failed for job" in again.reason
    assert len(fake.calls_to("CreateModelImportJob")) == 1 and len(fake.imports.jobs) == 1


# ---------------------------------------------------------------- a whole stack: default role, long wait, invoke


def _long_import_stack(stack: cdk.Stack) -> None:
    imported = BedrockModelImport(
        stack,
        "Import",
        bucket="s3://weights",
        prefix="llama/70b/",
        timeout=cdk.Duration.hours(6),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_invoke(invoker)
    cdk.CfnOutput(stack, "ModelArn", value=imported.model_arn)


def test_a_long_import_with_its_own_role_deploys_is_invoked_and_deleted(framework_for: Any) -> None:
    from bedrock_model_copy.testing.runtime import client_as

    fake, cfn, template = framework_for(_long_import_stack)
    (name,) = [
        resource["Properties"]["ImportedModelName"]
        for resource in template["Resources"].values()
        if resource["Type"] == "Custom::BedrockModelImport" and "ImportedModelName" in resource["Properties"]
    ]
    fake.imports.script(name, duration=3 * 3600)  # past one hour: the watcher waits (I11)
    operations, outputs = cfn.deploy_template(template)
    assert all(op.response.ok for op in operations.values()), [op.response.reason for op in operations.values()]
    model = fake.imports.model_named(name)
    assert model is not None and outputs["ModelArn"] == model.arn
    (job,) = fake.imports.jobs.values()
    roles = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::IAM::Role" and k.startswith("Import")]
    assert job.role_arn.endswith(f":role/{cfn.generated_name(roles[0])}")  # passed as the handler's policy allows
    # R1 completed at once; the watcher polled the job (its own role) until it ended, then R3 read it.
    assert operations[next(k for k in operations if k.endswith("Result") or "Result" in k)].response.ok
    assert len(fake.calls_to("GetModelImportJob")) > 3 * 3600 // 60
    invoker = next(k for k in template["Resources"] if k.startswith("Invoker") and "Policy" not in k)
    answer = client_as(cfn, invoker).invoke_model(modelId=model.arn, body=b'{"prompt": "hi"}')
    assert model.arn in answer["body"].read().decode() and fake.imports.invocations[-1][0] == model.arn
    deleted = cfn.delete_stack()
    assert all(op.response.ok for op in deleted.values())
    fake.clock.advance(fake.imports.delete_duration)
    assert fake.imports.models == {}


@pytest.fixture
def framework_for() -> Any:
    from aws_cdk import assertions

    from bedrock_model_copy.testing import simulated_environment
    from conftest import ENV, STACK_NAME

    environments: list[Any] = []

    def make(build: Any) -> tuple[FakeBedrock, CloudFormationStack, dict[str, Any]]:
        stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
        build(stack)
        template = assertions.Template.from_stack(stack).to_json()
        fake = FakeBedrock(iam=PolicySet(synthesized_handler_policies(build)))
        environment = simulated_environment(fake)
        environments.append(environment)
        return fake, CloudFormationStack(environment.__enter__()), template

    yield make
    for environment in environments:
        environment.__exit__(None, None, None)
