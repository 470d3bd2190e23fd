"""Synth-time behaviour of the serving constructs, and the serving contract shared with the handler."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_lambda as lambda_

from bedrock_model_copy import (
    BedrockModelCopy,
    Commitment,
    CustomModelDeployment,
    PropertyValidationError,
    ProvisionedThroughput,
)
from bedrock_model_copy._lambda.model_copy import serving_contract
from conftest import ENV, SOURCE_ARN

IMPORTED = "arn:aws:bedrock:us-east-1:111122223333:custom-model/imported/abcdefghij12"


def _stack(region: str = "us-west-2") -> cdk.Stack:
    return cdk.Stack(cdk.App(), "S", env=cdk.Environment(account=ENV.account, region=region))


def _function(stack: cdk.Stack) -> lambda_.Function:
    return lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="i.h", code=lambda_.Code.from_inline("x")
    )


def test_the_serving_contract_names_each_attribute_once() -> None:
    props = {k: v for k, v in vars(serving_contract).items() if k.startswith("PROP_")}
    assert set(serving_contract.SERVING_PROPERTY_NAMES) == set(props.values())
    for kind, attributes in serving_contract.ATTRIBUTES.items():
        assert tuple(attributes.values()) == serving_contract.ATTRIBUTE_NAMES[kind]


def test_serving_adds_one_policy_per_kind_whatever_the_number_of_served_copies() -> None:
    counts = []
    for copies in (1, 3):
        stack = _stack()
        for index in range(copies):
            copied = BedrockModelCopy(stack, f"C{index}", source_model_arn=SOURCE_ARN)
            copied.deploy_on_demand()
            copied.provision(model_units=1)
        counts.append(len(assertions.Template.from_stack(stack).to_json()["Resources"]))
    plain = len(assertions.Template.from_stack(_plain_stack()).to_json()["Resources"])
    # Copies (1 each), one policy per serving kind (2), 2 per served copy.
    assert counts == [plain + 2 + 2, plain + 2 + 2 + 3 * 2]


def _plain_stack() -> cdk.Stack:
    stack = _stack()
    BedrockModelCopy(stack, "C0", source_model_arn=SOURCE_ARN)
    return stack


def test_serving_resources_wait_for_the_copy_and_their_kinds_policy() -> None:
    stack = _stack()
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    endpoint = copied.deploy_on_demand()
    throughput = copied.provision(model_units=1)
    resources = assertions.Template.from_stack(stack).to_json()["Resources"]
    resource = resources[stack.get_logical_id(endpoint.cfn_resource)]
    assert stack.get_logical_id(copied.cfn_resource) in resource["DependsOn"]
    policies = [item for item in resource["DependsOn"] if resources[item]["Type"] == "AWS::IAM::ManagedPolicy"]
    assert [policy[:-8] for policy in policies] == ["BedrockModelCopyProviderCustomModelDeploymentPolicy"]
    other = resources[stack.get_logical_id(throughput.cfn_resource)]["DependsOn"]
    assert [p[:-8] for p in other if "Policy" in p] == ["BedrockModelCopyProviderProvisionedThroughputPolicy"]
    assert resource["Properties"]["ModelArn"] == {
        "Fn::GetAtt": [stack.get_logical_id(copied.cfn_resource), "TargetModelArn"]
    }


def test_grant_invoke_on_a_customized_copy_refuses_and_names_the_serving_methods() -> None:
    stack = _stack()
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    with pytest.raises(PropertyValidationError, match=r"deploy_on_demand\(\).*provision\("):
        copied.grant_invoke(_function(stack))


def test_no_copy_is_invoked_by_its_own_arn_and_a_custom_model_imported_copy_is_served() -> None:
    # docs/aws-behaviour.md I6 (fixed in 0.3.0): a custom-model/imported/ model needs Provisioned Throughput; 0.2.0
    # granted invoke on such a copy's own ARN and refused to serve it.
    stack = _stack()
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=IMPORTED)
    with pytest.raises(PropertyValidationError, match=r"never by the copy's own ARN.*provision\(model_units=1\)"):
        copied.grant_invoke(lambda_.Function.from_function_name(stack, "Invoker", "invoker"))
    copied.provision(model_units=1).grant_invoke(_function(stack))
    ProvisionedThroughput(stack, "ByArn", model=IMPORTED.replace("us-east-1", "us-west-2"), model_units=1)
    assertions.Template.from_stack(stack)


@pytest.mark.parametrize("construct", ["deployment", "throughput"])
def test_a_model_from_custom_model_import_is_refused_by_the_serving_constructs(construct: str) -> None:
    from bedrock_model_copy import BedrockModelImport

    stack = _stack()
    imported = BedrockModelImport(stack, "Import", bucket="s3://weights", prefix="llama/")
    arn = "arn:aws:bedrock:us-west-2:111122223333:imported-model/abcdefghij12"
    for model in (imported, arn):
        with pytest.raises(PropertyValidationError, match=r"invokes on demand by its own ARN: use BedrockModelImport"):
            if construct == "deployment":
                CustomModelDeployment(stack, f"D{len(stack.node.children)}", model=model)
            else:
                ProvisionedThroughput(stack, f"P{len(stack.node.children)}", model=model, model_units=1)


def test_a_deployment_grants_invoke_on_its_arn_and_is_an_imodel() -> None:
    stack = _stack()
    endpoint = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN).deploy_on_demand()
    endpoint.grant_invoke(_function(stack))
    assert endpoint.model_arn == endpoint.arn
    policies = assertions.Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (statement,) = [s for s in statements if "bedrock:InvokeModel" in s["Action"]]
    assert statement["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    logical_id = stack.get_logical_id(endpoint.cfn_resource)
    assert {"Fn::GetAtt": [logical_id, "Arn"]} in statement["Resource"]


def test_a_timeout_past_57_minutes_waits_through_the_watcher_and_past_12_hours_is_refused() -> None:
    stack = _stack()
    model = SOURCE_ARN.replace("us-east-1", "us-west-2")
    endpoint = CustomModelDeployment(stack, "D", model=model, timeout=cdk.Duration.hours(2))
    assert endpoint.result is not None  # the attributes come from the Result resource (tests/test_long_serving.py)
    assert stack.resolve(endpoint.arn) == {
        "Fn::GetAtt": [stack.get_logical_id(endpoint.result.node.default_child), "Arn"]
    }
    with pytest.raises(PropertyValidationError, match="at most 12 hours"):
        CustomModelDeployment(stack, "E", model=model, timeout=cdk.Duration.hours(13))


def test_a_commitment_defaults_to_retain_and_none_to_destroy() -> None:
    stack = _stack()
    model = SOURCE_ARN.replace("us-east-1", "us-west-2")
    committed = ProvisionedThroughput(stack, "A", model=model, model_units=1, commitment=Commitment.SIX_MONTHS)
    hourly = ProvisionedThroughput(stack, "B", model=model, model_units=1)
    assert committed.cfn_resource.cfn_options.deletion_policy == cdk.CfnDeletionPolicy.RETAIN
    assert hourly.cfn_resource.cfn_options.deletion_policy == cdk.CfnDeletionPolicy.DELETE


@pytest.mark.parametrize(("props", "prop"), [({"model_units": 0}, "model_units"), ({"name": "bad name!"}, "name")])
def test_bad_throughput_props_name_the_prop(props: dict[str, object], prop: str) -> None:
    stack = _stack()
    kwargs = {"model": SOURCE_ARN.replace("us-east-1", "us-west-2"), "model_units": 1, **props}
    with pytest.raises(PropertyValidationError, match=rf"^{prop} "):
        ProvisionedThroughput(stack, "P", **kwargs)  # type: ignore[arg-type]


def test_on_demand_outside_the_documented_regions_and_families_warns() -> None:
    stack = _stack("eu-west-1")
    micro_elsewhere = "arn:aws:bedrock:eu-west-1:111122223333:custom-model/meta.llama3-1-8b-instruct-v1:0/abcdefghij12"
    CustomModelDeployment(stack, "D", model=micro_elsewhere)
    warnings = assertions.Annotations.from_stack(stack).find_warning("*", assertions.Match.any_value())
    texts = " ".join(str(warning.entry.data) for warning in warnings)
    assert "Region eu-west-1 is not listed" in texts and "not of a family listed" in texts
    quiet = _stack("us-west-2")
    BedrockModelCopy(quiet, "Copy", source_model_arn=SOURCE_ARN).deploy_on_demand()
    assert (
        assertions.Annotations.from_stack(quiet).find_warning("*", assertions.Match.string_like_regexp("on-demand"))
        == []
    )


def _readme_serving_section() -> str:
    """docs/serving.md, the serving page the README links to (its table and its IAM section)."""
    from conftest import ROOT

    return (ROOT / "docs" / "serving.md").read_text()


def test_the_readme_iam_paragraph_names_exactly_the_serving_policys_actions() -> None:
    stack = _stack()
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    copied.deploy_on_demand()
    copied.provision(model_units=1)
    policies = assertions.Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    served = [p for name, p in policies.items() if name.endswith(("DeploymentPolicy", "ThroughputPolicy"), 0, -8)]
    assert len(served) == 2
    actions = set()
    for statement in [s for policy in served for s in policy["Properties"]["PolicyDocument"]["Statement"]]:
        listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        actions |= {action.split(":", 1)[1] for action in listed}
    paragraph = _readme_serving_section().split("\n## IAM\n", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([A-Z][A-Za-z]+)(?:\*)?`", paragraph))
    wildcards = {name for name in re.findall(r"`([A-Z][A-Za-z]*)\*`", paragraph)}  # Get*, Update*, Delete*
    expanded = {a for a in actions if any(a.startswith(prefix) for prefix in wildcards)}
    assert actions - expanded <= named, sorted(actions - expanded - named)
    assert {name for name in named if name not in wildcards} <= actions


def test_the_readme_table_rows_match_the_constructs() -> None:
    section = _readme_serving_section()
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| ")}
    assert "`DESTROY`" in rows["default removal policy"].split("|")[2]
    assert "`RETAIN` with a commitment, `DESTROY` without" in rows["default removal policy"].split("|")[3]
    # What replaces and what is in place: the handler's contract says the same.
    assert "a new name or description" in rows["replaced"].split("|")[2]
    assert serving_contract.REPLACING_PROPERTIES["CustomModelDeployment"] == ("Name", "Description")
    assert "`model_units` or `commitment`" in rows["replaced"].split("|")[3]
    assert serving_contract.REPLACING_PROPERTIES["ProvisionedThroughput"] == ("ModelUnits", "Commitment")
    assert "us-east-1 and us-west-2" in rows["models, Regions (user guide, as of today)"]
    from bedrock_model_copy import deployment

    assert deployment.ON_DEMAND_REGIONS == ("us-east-1", "us-west-2")


@pytest.mark.parametrize("prop", ["deployment_name", "description"])
def test_a_deployment_prop_of_the_wrong_type_is_named(prop: str) -> None:
    model = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
    with pytest.raises(TypeError) as raised:
        CustomModelDeployment(_stack(), "Serve", model=model, **{prop: 42})  # type: ignore[arg-type]
    assert isinstance(raised.value, PropertyValidationError) and raised.value.prop == prop
    assert str(raised.value).startswith(f"{prop} must be a str or None")
