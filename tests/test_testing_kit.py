"""The testing kit on users' own stacks: the extra, and deploy_template with the template's functions resolved."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from typing import Any
from unittest import mock

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template
from botocore.config import Config
from botocore.exceptions import ClientError

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from bedrock_model_copy.testing import (
    CloudFormationStack,
    FakeBedrock,
    TemplateValues,
    UnresolvedIntrinsicError,
    simulated_environment,
)
from bedrock_model_copy.testing.aws.bedrock import Bedrock
from bedrock_model_copy.testing.cfn import kinds
from bedrock_model_copy.testing.fake_bedrock import DEFAULT_SERVICES
from bedrock_model_copy.testing.iam import PolicySet
from bedrock_model_copy.testing.intrinsics import Resolver, pseudo_parameters
from conftest import ENV, ROOT, SOURCE_ARN
from constructs import Construct

KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PSEUDO = pseudo_parameters(
    stack_name="S", stack_id="arn:aws:cloudformation:us-west-2:111122223333:stack/S/x", region="us-west-2", account="1"
)


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()


def logical_id(stack: cdk.Stack, construct: BedrockModelCopy | ModelCopyJobWaiter | kms.Key) -> str:
    child = construct.node.default_child if isinstance(construct, kms.Key) else construct.cfn_resource
    assert isinstance(child, cdk.CfnElement)
    return stack.get_logical_id(child)


# ---------------------------------------------------------------- the testing extra


def test_the_testing_extra_brings_boto3_and_botocore() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {requirement.split(">=")[0] for requirement in extras["testing"]} == {"boto3", "botocore"}


def test_importing_the_kit_without_boto3_names_the_extra() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["boto3"] = None  # as if not installed: import raises ImportError
        sys.modules["botocore"] = None
        import bedrock_model_copy  # the library itself needs neither
        try:
            import bedrock_model_copy.testing
        except ImportError as error:
            print(error)
        else:
            print("imported")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, timeout=300
    )
    assert 'pip install "bedrock-model-copy[testing]"' in result.stdout, result.stdout + result.stderr


# ---------------------------------------------------------------- the resolver


def resolve(value: Any, values: TemplateValues | None = None, template: dict[str, Any] | None = None) -> Any:
    return Resolver(template or {}, values or TemplateValues(), PSEUDO).resolve(value, "Copy.Properties")


def test_pseudo_parameters_joins_subs_and_selects() -> None:
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":kms:", {"Ref": "AWS::Region"}, ":key/1"]]}
    assert resolve(arn) == "arn:aws:kms:us-west-2:key/1"
    assert resolve({"Fn::Sub": "${AWS::StackName}-${Name}-${!Literal}"}, TemplateValues(refs={"Name": "n"})) == (
        "S-n-${Literal}"
    )
    assert resolve({"Fn::Sub": ["${A}.${K.Arn}", {"A": "x"}]}, TemplateValues(attributes={"K.Arn": "k"})) == "x.k"
    assert resolve({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}) == "b"
    assert resolve({"Tags": {"A": {"Ref": "AWS::NoValue"}, "B": "b"}}) == {"Tags": {"B": "b"}}
    cn = pseudo_parameters(stack_name="S", stack_id="x", region="cn-north-1", account="1")
    assert (cn["AWS::Partition"], cn["AWS::URLSuffix"]) == ("aws-cn", "amazonaws.com.cn")


def test_ssm_parameters_through_template_parameters_and_dynamic_references() -> None:
    template = {"Parameters": {"Src": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/models/src"}}}
    values = TemplateValues(ssm_parameters={"/models/src": SOURCE_ARN})
    assert resolve({"Ref": "Src"}, values, template) == SOURCE_ARN
    assert resolve("{{resolve:ssm:/models/src:3}}", values) == SOURCE_ARN
    assert resolve({"Ref": "Plain"}, template={"Parameters": {"Plain": {"Type": "String", "Default": "d"}}}) == "d"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Param"}, r"Copy.Properties: Ref Param has no value in this test; give it in TemplateValues\(refs="),
        (
            {"Fn::GetAtt": ["Key", "Arn"]},
            r"Fn::GetAtt Key.Arn has no value .* TemplateValues\(attributes=\{'Key.Arn': ...\}\)",
        ),
        ({"Fn::ImportValue": "Other:Arn"}, r"Fn::ImportValue Other:Arn .* TemplateValues\(imports="),
        ("{{resolve:ssm:/x}}", r"SSM parameter /x .* TemplateValues\(ssm_parameters="),
        ({"Fn::If": ["C", "a", "b"]}, r"Fn::If is not supported by the testing kit"),
    ],
)
def test_a_missing_value_names_the_key_to_add(value: Any, message: str) -> None:
    with pytest.raises(UnresolvedIntrinsicError, match=message):
        resolve(value)


# ---------------------------------------------------------------- deploy_template on users' stacks


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock(region="us-west-2", account="111122223333")


@pytest.fixture
def cfn(fake: FakeBedrock) -> Any:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework, stack_name="S", region="us-west-2", account="111122223333")


def test_the_readme_example_deploys_with_a_key_of_the_same_stack(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    key = kms.Key(stack, "ModelKey", enable_key_rotation=True)
    copy = BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="support-bot-usw2", target_kms_key=key
    )
    cdk.CfnOutput(stack, "ModelArn", value=copy.target_model_arn)
    cdk.CfnOutput(stack, "Where", value=f"{stack.region}/{cdk.Aws.ACCOUNT_ID}")
    job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name="elsewhere", started_ago=10)
    waiter = ModelCopyJobWaiter(stack, "Wait", job_arn=job_arn)
    template = template_of(stack)

    operations, outputs = cfn.deploy_template(
        template, TemplateValues(attributes={f"{logical_id(stack, key)}.Arn": KEY_ARN})
    )

    assert set(operations) == {logical_id(stack, copy), logical_id(stack, waiter)}
    assert all(operation.response.ok for operation in operations.values())
    (create,) = fake.calls_to("CreateModelCopyJob")
    assert create.params["modelKmsKeyId"] == KEY_ARN
    assert outputs["ModelArn"].startswith("arn:aws:bedrock:us-west-2:111122223333:custom-model/")
    assert outputs["Where"] == "us-west-2/111122223333"


def test_imported_values_and_token_sources_and_a_missing_one(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    app = cdk.App()
    producer = cdk.Stack(app, "Producer", env=ENV)
    source = ssm.StringParameter(producer, "Source", string_value=SOURCE_ARN)
    stack = cdk.Stack(app, "S", env=ENV)
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=source.string_value)  # cross-stack: Fn::ImportValue
    template = app.synth().get_stack_by_name("S").template
    (export,) = {
        r["Properties"]["SourceModelArn"]["Fn::ImportValue"]
        for r in template["Resources"].values()
        if r["Type"] == "Custom::BedrockModelCopy"
    }

    with pytest.raises(UnresolvedIntrinsicError, match=rf"SourceModelArn: Fn::ImportValue {export} has no value"):
        cfn.deploy_template(template)
    assert fake.calls == []

    operations, _ = cfn.deploy_template(template, TemplateValues(imports={export: SOURCE_ARN}))
    assert operations[logical_id(stack, copy)].response.ok
    assert fake.calls_to("CreateModelCopyJob")[0].params["sourceModelArn"] == SOURCE_ARN


def test_a_copy_of_a_copy_is_deployed_after_it_reading_its_attribute(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    early = Construct(stack, "Early")  # the second copy lives here: it comes first in the template
    first = BedrockModelCopy(stack, "First", source_model_arn=SOURCE_ARN, target_model_name="first")
    second = BedrockModelCopy(early, "Second", source_model_arn=first.target_model_arn)
    template = template_of(stack)
    in_template = [name for name, r in template["Resources"].items() if r["Type"] == "Custom::BedrockModelCopy"]
    assert in_template == [logical_id(stack, second), logical_id(stack, first)]

    operations, _ = cfn.deploy_template(template)

    assert list(operations) == [logical_id(stack, first), logical_id(stack, second)]
    created = fake.calls_to("CreateModelCopyJob")
    assert created[1].params["sourceModelArn"] == operations[logical_id(stack, first)].response.data["TargetModelArn"]
    assert operations[logical_id(stack, second)].response.ok


def test_a_second_deploy_updates_changed_copies_only_and_deletes_removed_ones(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    def synth(*, with_b: bool, team: str) -> dict[str, Any]:
        stack = cdk.Stack(cdk.App(), "S", env=ENV)
        BedrockModelCopy(stack, "A", source_model_arn=SOURCE_ARN, target_model_name="a")
        if with_b:
            BedrockModelCopy(
                stack, "B", source_model_arn=SOURCE_ARN, target_model_name="b", removal_policy=cdk.RemovalPolicy.DESTROY
            )
        cdk.Tags.of(stack).add("team", team)
        return template_of(stack)

    first, _ = cfn.deploy_template(synth(with_b=True, team="ml"))
    assert len(first) == 2 and all(operation.response.ok for operation in first.values())
    unchanged, _ = cfn.deploy_template(synth(with_b=True, team="ml"))
    assert unchanged == {}
    second, _ = cfn.deploy_template(synth(with_b=False, team="search"))
    assert {name: operation.response.request_type for name, operation in second.items()} == {
        next(name for name in first if name.startswith("A")): "Update",
        next(name for name in first if name.startswith("B")): "Delete",
    }
    assert fake.model_named("a").tags["team"] == "search"  # type: ignore[union-attr]
    assert fake.model_named("b") is None


# ---------------------------------------------------------------- one fake, composed from services (issue 21, defect 10)


def documented_service() -> Any:
    """The service that docs/testing-kit.md adds to a fake (SSM ``GetParameter`` from a dict), run from the page."""
    page = (ROOT / "docs" / "testing-kit.md").read_text().split("## Faking one more service", 1)[1]
    namespace: dict[str, Any] = {}
    exec(compile(page.split("```python\n", 1)[1].split("```", 1)[0], "docs/testing-kit.md", "exec"), namespace)  # noqa: S102
    assert namespace["fake"].service(namespace["ParameterStore"]).parameters == {
        "/models/source": "arn:aws:bedrock:..."
    }
    return namespace["ParameterStore"]


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_a_service_added_to_the_fake_answers_with_its_faults_iam_and_call_record() -> None:
    allowed = {"Effect": "Allow", "Action": ["ssm:GetParameter", "bedrock:List*"], "Resource": "*"}
    denied = {"Effect": "Deny", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:*:*:parameter/secret/*"}
    parameter_store = documented_service()
    fake = FakeBedrock(services=(*DEFAULT_SERVICES, parameter_store), iam=PolicySet([{"Statement": [allowed, denied]}]))
    fake.service(parameter_store).parameters["/models/source"] = SOURCE_ARN
    fake.inject_fault("GetParameter", "ThrottlingException", status=400)
    with fake.serve() as endpoint:
        ssm = _client("ssm", endpoint)
        with pytest.raises(ClientError, match="ThrottlingException"):
            ssm.get_parameter(Name="/models/source")
        assert ssm.get_parameter(Name="/models/source")["Parameter"]["Value"] == SOURCE_ARN
        with pytest.raises(ClientError, match="ParameterNotFound"):
            ssm.get_parameter(Name="/models/missing")
        with pytest.raises(ClientError, match="AccessDenied"):
            ssm.get_parameter(Name="/secret/key")
        assert _client("bedrock", endpoint).list_model_copy_jobs()["modelCopyJobSummaries"] == []  # the rest too
    assert [call.status for call in fake.calls_to("GetParameter")] == [400, 200, 400, 400]
    assert fake.iam is not None and fake.iam.denied == [
        ("ssm:GetParameter", "arn:aws:ssm:us-west-2:111122223333:parameter/secret/key")
    ]


def test_a_fake_answers_only_with_the_services_it_is_given() -> None:
    fake = FakeBedrock(services=(Bedrock,))
    with fake.serve() as endpoint:
        assert _client("bedrock", endpoint).list_custom_models()["modelSummaries"] == []
        with pytest.raises(ClientError, match="InvalidAction"):
            _client("cloudformation", endpoint).describe_stacks(StackName="S")
        with pytest.raises(ClientError, match="UnknownOperationException"):
            _client("stepfunctions", endpoint).list_executions(
                stateMachineArn="arn:aws:states:us-west-2:1:stateMachine:W"
            )
    with pytest.raises(LookupError, match="no Serving service"):
        _ = fake.serving


def test_importing_fake_fleet_changes_nothing_a_fake_answers() -> None:
    # The operator's read calls belong to the services: a fake answers them though fake_fleet is never imported
    # (on 0.2.0 they were registered when the testing package imported fake_fleet).
    script = textwrap.dedent(
        """
        import sys
        sys.modules["bedrock_model_copy.testing.fake_fleet"] = None  # importing it would fail
        from bedrock_model_copy.testing import FakeBedrock
        fake = FakeBedrock()
        stack_id = "arn:aws:cloudformation:us-west-2:111122223333:stack/S/1"
        fake.stack_statuses[stack_id] = "CREATE_COMPLETE"
        fake.stacks[stack_id] = {"Topic": ("AWS::SNS::Topic", "topic")}
        form = {"content-type": "application/x-www-form-urlencoded"}
        print(fake.handle("GET", "/custom-models", b"")[0])
        print(fake.handle("POST", "/", b"Action=DescribeStacks&StackName=S", form)[0])
        print(fake.handle("POST", "/", b"Action=ListStackResources&StackName=S", form)[0])
        """
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "constructs"), str(ROOT)])}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=environment,
        timeout=300,
    )
    assert result.stdout.split() == ["200", "200", "200"], result.stdout + result.stderr


def test_the_driver_deploys_the_resource_types_of_its_kinds_list(
    fake: FakeBedrock, cfn: CloudFormationStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = {"Resources": {"Other": {"Type": "Custom::Other", "Properties": {"ServiceToken": "t", "Mode": "Copy"}}}}
    assert cfn.deploy_template(template)[0] == {}  # not a kind of the list: CloudFormation's business, not the driver's
    monkeypatch.setattr(kinds, "PROVIDER_KINDS", (*kinds.PROVIDER_KINDS, kinds.ProviderKind("Custom::Other")))
    with mock.patch.object(cfn.framework, "submit", wraps=cfn.framework.submit) as submit:
        operations, _ = cfn.deploy_template(template)
    assert list(operations) == ["Other"] and operations["Other"].response.request_type == "Create"
    assert submit.call_args_list[0].args[0]["ResourceType"] == "Custom::Other"


def test_every_module_of_the_kit_stays_small() -> None:
    kit = ROOT / "constructs" / "bedrock_model_copy" / "testing"
    sizes = {str(path.relative_to(kit)): len(path.read_text().splitlines()) for path in kit.rglob("*.py")}
    assert {path: size for path, size in sizes.items() if size > 420} == {}
