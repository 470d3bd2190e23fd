"""The testing kit on whole apps: exports between stacks, deploy_app, client_as, and what a failing test prints.

examples/test_two_stacks.py is the user's view (a copy and its deployment in one stack, the invoker in another);
these tests hold the kit's rules: CloudFormation's export rules, dependency order, the values client_as resolves
with, the serving fake's kinds, and one handler log line per state change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import aws_cdk.assertions
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from botocore.exceptions import ClientError

from bedrock_model_copy import BedrockModelCopy, CustomModelDeployment
from bedrock_model_copy.testing import (
    DEPLOYMENT,
    THROUGHPUT,
    CloudFormationStack,
    FakeBedrock,
    ProviderFramework,
    TemplateValues,
    UnresolvedIntrinsicError,
    client_as,
    deploy_app,
    simulated_environment,
)
from bedrock_model_copy.testing.intrinsics import imported_names
from conftest import ENV, SOURCE_ARN

BODY = b'{"messages": [{"role": "user", "content": [{"text": "hi"}]}]}'


class Model(cdk.Stack):
    def __init__(self, scope: cdk.App, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, env=ENV, **kwargs)
        copy = BedrockModelCopy(self, "Copy", source_model_arn=SOURCE_ARN, target_model_name="bot-usw2")
        self.endpoint = copy.deploy_on_demand()


class Invoker(cdk.Stack):
    def __init__(self, scope: cdk.App, id: str, *, endpoint: CustomModelDeployment, **kwargs: Any) -> None:
        super().__init__(scope, id, env=ENV, **kwargs)
        self.role = iam.Role(self, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        endpoint.grant_invoke(self.role)
        cdk.CfnOutput(self, "Invokes", value=endpoint.model_arn)


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()


@pytest.fixture
def framework(fake: FakeBedrock) -> Iterator[ProviderFramework]:
    with simulated_environment(fake) as made:
        yield made


def two_stacks() -> tuple[cdk.App, Model, Invoker]:
    app = cdk.App()
    model = Model(app, "Model")
    return app, model, Invoker(app, "Invoker", endpoint=model.endpoint)


def template(app: cdk.App, name: str) -> dict[str, Any]:
    return dict(app.synth().get_stack_by_name(name).template)


# ---------------------------------------------------------------- exports between stacks


def test_a_stack_imports_what_a_stack_deployed_before_exported(fake: FakeBedrock, framework: ProviderFramework) -> None:
    app, _, _ = two_stacks()
    model = CloudFormationStack(framework, stack_name="Model")
    invoker = CloudFormationStack(framework, stack_name="Invoker")
    model.deploy_template(template(app, "Model"))

    _, outputs = invoker.deploy_template(template(app, "Invoker"))  # no TemplateValues: the export is deployed

    (deployed,) = fake.serving.of_kind(DEPLOYMENT)
    assert outputs["Invokes"] == deployed.arn
    assert {export.stack_name for export in fake.exports.values()} == {"Model"}
    assert all(export.importers == {"Invoker"} for export in fake.exports.values())


def test_an_import_nobody_exports_says_how_to_get_it(fake: FakeBedrock, framework: ProviderFramework) -> None:
    stack = cdk.Stack(cdk.App(), "Reader", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=cdk.Fn.import_value("source-model"))
    reader = CloudFormationStack(framework, stack_name="Reader")
    with pytest.raises(UnresolvedIntrinsicError, match=r"no stack deployed before .* exports it: deploy that stack"):
        reader.deploy_template(dict(cdk.assertions.Template.from_stack(stack).to_json()))
    assert fake.calls == []


def test_template_values_win_over_a_deployed_export(fake: FakeBedrock, framework: ProviderFramework) -> None:
    app, _, _ = two_stacks()
    CloudFormationStack(framework, stack_name="Model").deploy_template(template(app, "Model"))
    invoker_template = template(app, "Invoker")
    export = invoker_template["Outputs"]["Invokes"]["Value"]["Fn::ImportValue"]
    _, outputs = CloudFormationStack(framework, stack_name="Invoker").deploy_template(
        invoker_template, TemplateValues(imports={export: "given"})
    )
    assert outputs["Invokes"] == "given"


def test_export_names_are_unique_and_an_imported_export_cannot_go(framework: ProviderFramework) -> None:
    app, _, _ = two_stacks()
    model_template = template(app, "Model")
    model = CloudFormationStack(framework, stack_name="Model")
    model.deploy_template(model_template)
    with pytest.raises(ValueError, match=r"already exported by stack Model"):
        CloudFormationStack(framework, stack_name="Copycat").deploy_template(model_template)
    CloudFormationStack(framework, stack_name="Invoker").deploy_template(template(app, "Invoker"))
    without_exports = {**model_template, "Outputs": {}}
    with pytest.raises(ValueError, match=r"Cannot delete export .* in use by Invoker"):
        model.update_template(without_exports)
    with pytest.raises(ValueError, match=r"cannot be deleted as it is in use by Invoker"):
        model.delete_stack()
    assert model.resources  # refused before anything changed


# ---------------------------------------------------------------- deploy_app


def test_deploy_app_deploys_in_dependency_order_not_definition_order(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    app = cdk.App()
    first_defined = cdk.Stack(app, "Reader", env=ENV)
    producer = cdk.Stack(app, "Producer", env=ENV)
    source = ssm.StringParameter(producer, "SourceParameter", string_value=SOURCE_ARN)
    cdk.CfnOutput(producer, "Source", value=SOURCE_ARN, export_name="source-model")
    BedrockModelCopy(first_defined, "Copy", source_model_arn=cdk.Fn.import_value("source-model"))
    first_defined.add_dependency(producer)
    assert source.parameter_name  # the producer has a resource of its own

    deployed = deploy_app(app, framework)

    assert list(deployed.stacks) == ["Producer", "Reader"]
    assert fake.calls_to("CreateModelCopyJob")[0].params["sourceModelArn"] == SOURCE_ARN


def test_deploy_app_stops_at_the_first_stack_that_fails(fake: FakeBedrock, framework: ProviderFramework) -> None:
    app, _, _ = two_stacks()
    fake.script_copy("bot-usw2", duration=60, outcome="Failed", failure_message="no access to the source key")
    deployed = deploy_app(app, framework)
    assert deployed.failed == "Model"
    assert list(deployed.stacks) == ["Model"]  # the invoker was not deployed
    assert not deployed.operations["Model"][next(iter(deployed.operations["Model"]))].response.ok


def test_deploy_app_refuses_a_stack_of_another_account_or_region(framework: ProviderFramework) -> None:
    app = cdk.App()
    cdk.Stack(app, "Elsewhere", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    with pytest.raises(ValueError, match=r"stack Elsewhere is in account 111122223333 and Region eu-west-1"):
        deploy_app(app, framework)


@pytest.mark.parametrize("handler_iam", [True, False])
def test_deploy_app_enforces_each_stacks_handler_role(
    fake: FakeBedrock, framework: ProviderFramework, handler_iam: bool
) -> None:
    app, _, _ = two_stacks()
    other = cdk.Stack(app, "OtherAccountsModel", env=ENV)  # the handler role deploys this account's models only
    CustomModelDeployment(
        other, "Endpoint", model=SOURCE_ARN.replace("us-east-1:111122223333", "us-west-2:444455556666")
    )
    deployed = deploy_app(app, framework, handler_iam=handler_iam)
    assert deployed.failed == "OtherAccountsModel"
    assert fake.iam is None  # restored after each stack
    (operation,) = deployed.operations["OtherAccountsModel"].values()
    refused = "AccessDeniedException" if handler_iam else "ResourceNotFoundException"
    assert "CreateCustomModelDeployment failed for deployment" in operation.response.reason
    assert refused in operation.response.reason
    assert deployed.operations["Model"] and all(o.response.ok for o in deployed.operations["Model"].values())


def test_client_as_resolves_with_the_values_the_stack_was_deployed_with(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    app, _, invoker = two_stacks()
    model = CloudFormationStack(framework, stack_name="Model")
    model.deploy_template(template(app, "Model"))
    (deployed,) = fake.serving.of_kind(DEPLOYMENT)
    invoker_template = template(app, "Invoker")
    imports = {name: export.value for name, export in fake.exports.items()}
    assert set(imports) == set(imported_names(invoker_template))
    fake.exports.clear()  # as if the model stack were deployed elsewhere: the test gives the imports
    stack = CloudFormationStack(framework, stack_name="Invoker")
    stack.deploy_template(invoker_template, TemplateValues(imports=imports))

    runtime = client_as(stack, invoker.get_logical_id(_cfn(invoker.role)))  # no values given again

    assert "fake answer" in runtime.invoke_model(modelId=deployed.arn, body=BODY)["body"].read().decode()


def test_two_stacks_roles_of_one_logical_id_are_told_apart(fake: FakeBedrock, framework: ProviderFramework) -> None:
    app, model_stack, invoker = two_stacks()
    other = cdk.Stack(app, "Other", env=ENV)
    iam.Role(other, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))  # same logical id, no grant
    deployed = deploy_app(app, framework)
    (endpoint,) = fake.serving.of_kind(DEPLOYMENT)
    allowed = deployed.client_as(invoker.role)
    denied = deployed.client_as(other.node.find_child("Invoker"))
    assert allowed.invoke_model(modelId=endpoint.arn, body=BODY)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError, match="AccessDeniedException"):
        denied.invoke_model(modelId=endpoint.arn, body=BODY)
    assert deployed.stack(model_stack) is deployed.stacks["Model"]


def _cfn(construct: Any) -> cdk.CfnElement:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return child


# ---------------------------------------------------------------- the serving fake's kinds, and status


def test_of_kind_takes_the_kit_constants_and_refuses_any_other_kind(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    deploy_app(two_stacks()[0], framework)
    assert [item.kind for item in fake.serving.of_kind(DEPLOYMENT)] == [DEPLOYMENT]
    assert fake.serving.of_kind(THROUGHPUT) == []
    with pytest.raises(ValueError, match=r"kind 'deployments' is not a kind of the serving fake; use DEPLOYMENT"):
        fake.serving.of_kind("deployments")


def test_served_status_reads_the_fakes_clock_unless_given_a_time(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    model = fake.add_model("served")
    fake.serving.deployment_duration = 600
    with fake.serve() as endpoint:
        import boto3

        bedrock = boto3.client("bedrock", endpoint_url=endpoint, region_name=fake.region)
        bedrock.create_custom_model_deployment(modelDeploymentName="served", modelArn=model)
    (item,) = fake.serving.of_kind(DEPLOYMENT)
    assert item.status() == "Creating" == item.status(fake.clock.time())
    fake.clock.advance(600)
    assert item.status() == "Active" == item.status(fake.clock.time())
    assert item.status(fake.clock.time() - 600) == "Creating"  # the old form: any time


# ---------------------------------------------------------------- handler logs


def _poll_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if "decision=poll-again" in record.getMessage()]


def test_handler_logs_show_one_line_per_state_change_by_default(caplog: pytest.LogCaptureFixture) -> None:
    app, _, _ = two_stacks()
    fake = FakeBedrock()
    fake.script_copy("bot-usw2", duration=45 * 60)
    caplog.set_level(logging.INFO, logger="model_copy")
    with simulated_environment(fake) as framework:
        deploy_app(app, framework)
    lines = _poll_lines(caplog)
    # One line for the copy InProgress, one for the deployment Creating: not one per poll.
    assert len(lines) == 2 and len(set(lines)) == 2
    assert any("status=Completed decision=complete" in record.getMessage() for record in caplog.records)


def test_every_handler_line_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    app, _, _ = two_stacks()
    fake = FakeBedrock()
    fake.script_copy("bot-usw2", duration=45 * 60)
    caplog.set_level(logging.INFO, logger="model_copy")
    with simulated_environment(fake, handler_logs="all") as framework:
        deploy_app(app, framework)
    assert len(_poll_lines(caplog)) > 80  # one per poll, every 30 seconds of 45 minutes
    assert logging.getLogger("model_copy").filters == []  # the default filter is gone with its environment
    with (
        pytest.raises(ValueError, match="handler_logs must be 'changes' or 'all'"),
        simulated_environment(
            fake,
            handler_logs="some",  # type: ignore[arg-type]
        ),
    ):
        pass
