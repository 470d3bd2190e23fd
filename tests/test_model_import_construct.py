"""BedrockModelImport at synth time: props, the service role, the handler's IAM, long waits (issue 23)."""

from __future__ import annotations

import inspect
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from bedrock_model_copy import BedrockModelImport, PropertyTypeError, PropertyValidationError
from conftest import ENV

ROLE_ARN = "arn:aws:iam::111122223333:role/model-import"
IMPORT_TYPE = "Custom::BedrockModelImport"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "S", env=ENV)


def _resources(stack: cdk.Stack, type_: str) -> dict[str, Any]:
    return dict(Template.from_stack(stack).find_resources(type_))


def _import_properties(stack: cdk.Stack) -> dict[str, Any]:
    (resource,) = [r for r in _resources(stack, IMPORT_TYPE).values() if "S3Uri" in r["Properties"]]
    return dict(resource["Properties"])


def _statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    return [
        statement
        for type_ in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
        for policy in _resources(stack, type_).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_props_are_keyword_only_and_documented_with_their_defaults() -> None:
    parameters = list(inspect.signature(BedrockModelImport).parameters.values())
    assert [p.name for p in parameters[:2]] == ["scope", "id"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:])
    doc = (BedrockModelImport.__doc__ or "").split("    Attributes\n", 1)[0]
    sections = dict(re.findall(r"^    (\w+) : [^\n]*\n((?:        [^\n]*\n)+)", doc, re.M))
    for parameter in parameters[2:]:
        assert parameter.name in sections, parameter.name
        if parameter.default is not inspect.Parameter.empty:
            assert "Default" in sections[parameter.name], parameter.name


def test_it_is_a_bedrock_model_for_step_functions() -> None:
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    stack = _stack()
    imported = BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/")
    invoke = tasks.BedrockInvokeModel(stack, "Invoke", model=imported, body=sfn.TaskInput.from_object({"p": "hi"}))
    sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(invoke))
    arn = stack.resolve(imported.imported_model_arn)
    assert arn["Fn::GetAtt"][1] == "ImportedModelArn" and stack.resolve(imported.model_arn) == arn
    statements = _statements(stack)
    assert any(s["Action"] == "bedrock:InvokeModel" and s["Resource"] == arn for s in statements)


def test_an_s3_uri_string_and_a_bucket_make_the_s3_uri() -> None:
    stack = _stack()
    BedrockModelImport(stack, "Import", bucket="s3://my-weights", prefix="/llama/8b/")
    properties = _import_properties(stack)
    assert properties["S3Uri"] == "s3://my-weights/llama/8b/" and properties["ResourceKind"] == "ModelImport"
    assert properties["DeleteModelOnDelete"] == "false"  # RETAIN by default
    assert properties["ImportedModelName"].startswith("S-Import-")
    other = _stack()
    BedrockModelImport(other, "Import", bucket=s3.Bucket(other, "Weights"), prefix="m/")
    (bucket_id,) = _resources(other, "AWS::S3::Bucket")
    assert _import_properties(other)["S3Uri"] == {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/m/"]]}


@pytest.mark.parametrize(
    ("props", "error", "match"),
    [
        ({"bucket": "s3://weights/llama/"}, PropertyValidationError, "give the key prefix as prefix="),
        ({"bucket": "weights"}, PropertyValidationError, "s3://<bucket name>"),
        ({"bucket": 42}, PropertyTypeError, "an aws_s3.IBucket"),
        ({"prefix": "a//b"}, PropertyValidationError, "prefix 's3://weights/a//b' is not valid"),
        ({"imported_model_name": "bad name"}, PropertyValidationError, "imported_model_name 'bad name'"),
        ({"timeout": cdk.Duration.hours(13)}, PropertyValidationError, "at most 12 hours"),
        ({"tags": {"aws:x": "y"}}, PropertyValidationError, "reserved by AWS"),
        ({"vpc_subnets": ec2.SubnetSelection()}, PropertyValidationError, "only with vpc"),
        ({"removal_policy": cdk.RemovalPolicy.SNAPSHOT}, PropertyValidationError, "RETAIN or RemovalPolicy.DESTROY"),
    ],
)
def test_a_bad_prop_names_the_prop_the_value_and_the_rule(props: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        BedrockModelImport(_stack(), "Import", **{"bucket": "s3://weights", "prefix": "llama/", **props})


def test_the_default_role_trusts_bedrock_for_this_accounts_import_jobs_and_reads_only_the_prefix() -> None:
    stack = _stack()
    bucket = s3.Bucket(stack, "Weights", encryption_key=kms.Key(stack, "BucketKey"))
    imported = BedrockModelImport(stack, "Import", bucket=bucket, prefix="llama/8b/")
    (role,) = [r for k, r in _resources(stack, "AWS::IAM::Role").items() if k.startswith("ImportServiceRole")]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "model-import-job/*" in str(trust["Condition"]["ArnLike"]["aws:SourceArn"])
    statements = _statements(stack)
    (read,) = [s for s in statements if s.get("Sid") == "ReadWeights"]
    assert read["Action"] == "s3:GetObject" and read["Resource"]["Fn::Join"][1][-1] == "/llama/8b/*"
    (listing,) = [s for s in statements if s.get("Sid") == "ListWeights"]
    assert listing["Condition"]["StringLike"] == {"s3:prefix": ["llama/8b/*"]}
    (decrypt,) = [s for s in statements if s.get("Action") == "kms:Decrypt"]
    assert "s3.us-west-2." in str(decrypt["Condition"]["StringEquals"]["kms:ViaService"])
    # The handler may pass that role, only to Bedrock.
    (passing,) = [s for s in statements if s.get("Action") == "iam:PassRole"]
    assert passing["Resource"] == {
        "Fn::GetAtt": [next(k for k in _resources(stack, "AWS::IAM::Role") if "Service" in k), "Arn"]
    }
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}
    assert imported.role is not None


def test_a_given_role_is_used_as_it_is() -> None:
    stack = _stack()
    role = iam.Role.from_role_arn(stack, "Given", ROLE_ARN, mutable=False)
    BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/", role=role)
    assert [k for k in _resources(stack, "AWS::IAM::Role") if k.startswith("Import")] == []
    assert _import_properties(stack)["RoleArn"] == ROLE_ARN
    (passing,) = [s for s in _statements(stack) if s.get("Action") == "iam:PassRole"]
    assert passing["Resource"] == ROLE_ARN


def test_the_handler_policy_of_imports_is_the_kinds_own_and_the_resource_depends_on_it() -> None:
    stack = _stack()
    BedrockModelImport(
        stack, "Import", bucket="s3://weights", prefix="llama/", removal_policy=cdk.RemovalPolicy.DESTROY
    )
    policies = _resources(stack, "AWS::IAM::ManagedPolicy")
    (policy_id,) = [k for k in policies if k.startswith("BedrockModelCopyProviderModelImportPolicy")]
    sids = [s["Sid"] for s in policies[policy_id]["Properties"]["PolicyDocument"]["Statement"]]
    assert "StartImports" in sids and "DeleteOwnImportedModels" in sids
    (resource,) = _resources(stack, IMPORT_TYPE).values()
    assert policy_id in resource["DependsOn"]
    assert resource["Properties"]["DeleteModelOnDelete"] == "true" and resource["DeletionPolicy"] == "Delete"


def test_a_vpc_runs_the_job_in_its_subnets_with_an_https_only_group() -> None:
    stack = _stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["us-west-2a"], private_subnet_ids=["subnet-1"]
    )
    BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/", vpc=vpc)
    properties = _import_properties(stack)
    assert properties["SubnetIds"] == ["subnet-1"] and len(properties["SecurityGroupIds"]) == 1
    (group,) = _resources(stack, "AWS::EC2::SecurityGroup").values()
    assert [rule["ToPort"] for rule in group["Properties"]["SecurityGroupEgress"]] == [443]


def test_a_long_import_waits_through_the_watcher_and_reads_its_result() -> None:
    stack = _stack()
    imported = BedrockModelImport(
        stack, "Import", bucket="s3://weights", prefix="llama/", timeout=cdk.Duration.hours(6)
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert len([r for r in resources.values() if r["Type"] == "AWS::CloudFormation::WaitCondition"]) == 1
    (result,) = [r for r in resources.values() if r["Type"] == IMPORT_TYPE and r["Properties"].get("Mode") == "Result"]
    assert result["Properties"]["ResourceKind"] == "ModelImport"
    assert "Result" in str(Stack_resolve(stack, imported.imported_model_arn))
    machine = next(r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine" and "Metadata" in r)
    assert "getModelImportJob" in str(machine["Properties"]["DefinitionString"])


def Stack_resolve(stack: cdk.Stack, value: str) -> Any:  # noqa: N802 - read as Stack.resolve
    return stack.resolve(value)


def test_grant_invoke_grants_the_imported_model_and_tags_of_reach_it() -> None:
    stack = _stack()
    imported = BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/", tags={"team": "ml"})
    cdk.Tags.of(stack).add("cost-center", "42")
    role = iam.Role(stack, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_invoke(role)
    (statement,) = [
        s
        for s in _statements(stack)
        if s.get("Action") == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    ]
    assert statement["Resource"] == {"Fn::GetAtt": [next(iter(_resources(stack, IMPORT_TYPE))), "ImportedModelArn"]}
    assert _import_properties(stack)["Tags"] == {"team": "ml", "cost-center": "42"}


def test_the_docs_props_table_lists_every_keyword_with_its_default() -> None:
    from conftest import ROOT

    page = (ROOT / "docs" / "model-import.md").read_text().split("## Props\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[0].strip().strip("`"): cells[2].strip()
        for cells in (line.split("|")[1:-1] for line in page.splitlines() if line.startswith("| `"))
    }
    parameters = list(inspect.signature(BedrockModelImport).parameters.values())[2:]
    assert sorted(rows) == sorted(p.name for p in parameters)
    for parameter in parameters:
        assert (rows[parameter.name] == "required") == (parameter.default is inspect.Parameter.empty), parameter.name


def test_tagging_on_create_is_allowed_only_on_an_untagged_job_or_model_and_only_with_this_stacks_tag() -> None:
    stack = _stack()
    BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/")
    statements = [
        statement
        for policy in _resources(stack, "AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "TagImportsOnCreate"
    ]
    (statement,) = statements
    assert statement["Action"] == "bedrock:TagResource"
    assert statement["Condition"] == {
        "StringEquals": {"aws:RequestTag/bedrock-model-copy:owner-stack": {"Ref": "AWS::StackName"}},
        "Null": {"aws:ResourceTag/bedrock-model-copy:owner-stack": "true"},
    }


def test_a_subnet_selection_chooses_the_jobs_subnets() -> None:
    stack = _stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-1",
        availability_zones=["us-west-2a"],
        private_subnet_ids=["subnet-private"],
        public_subnet_ids=["subnet-public"],
    )
    selection = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
    BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/", vpc=vpc, vpc_subnets=selection)
    assert _import_properties(stack)["SubnetIds"] == ["subnet-public"]
