"""The CDK conventions users expect: IModel, IModelCopy, generated names, Tags.of, removal policies, docs, escape hatches."""

from __future__ import annotations

import inspect
import json
import pydoc
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Match, Template

from bedrock_model_copy import (
    BedrockModelCopy,
    IModelCopy,
    ModelCopyJobWaiter,
    PropertyTypeError,
    PropertyValidationError,
)
from bedrock_model_copy._lambda.model_copy import rules as handler_rules
from conftest import ENV, JOB_ARN, OTHER_SOURCE_ARN, PUBLIC_ATTRIBUTES, SOURCE_ARN
from constructs import Construct

NAME_RULE = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = "arn:aws:kms:us-west-2:111122223333:key/9999abcd-12ab-34cd-56ef-1234567890ab"


def new_stack(name: str = "S", app: cdk.App | None = None) -> cdk.Stack:
    return cdk.Stack(app or cdk.App(), name, env=ENV)


def copy_resources(stack: cdk.Stack) -> dict[str, Any]:
    return Template.from_stack(stack).find_resources("Custom::BedrockModelCopy")


def copy_properties_of(stack: cdk.Stack, construct: BedrockModelCopy | ModelCopyJobWaiter) -> dict[str, Any]:
    logical_id = stack.get_logical_id(construct.cfn_resource)
    return dict(copy_resources(stack)[logical_id]["Properties"])


def get_att(stack: cdk.Stack, construct: BedrockModelCopy | ModelCopyJobWaiter, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [stack.get_logical_id(construct.cfn_resource), attribute]}


# ---------------------------------------------------------------- aws_bedrock.IModel and IModelCopy


@pytest.mark.parametrize("kind", ["copy", "waiter"])
def test_both_constructs_are_bedrock_models_for_step_functions(kind: str) -> None:
    stack = new_stack()
    model: BedrockModelCopy | ModelCopyJobWaiter = (
        BedrockModelCopy(stack, "Model", source_model_arn=SOURCE_ARN)
        if kind == "copy"
        else ModelCopyJobWaiter(stack, "Model", job_arn=JOB_ARN)
    )
    invoke = tasks.BedrockInvokeModel(stack, "Invoke", model=model, body=sfn.TaskInput.from_object({"prompt": "hi"}))
    sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(invoke))
    template = Template.from_stack(stack)
    arn = get_att(stack, model, "TargetModelArn")
    assert stack.resolve(model.model_arn) == arn
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": [{"Action": "bedrock:InvokeModel", "Effect": "Allow", "Resource": arn}]}},
    )
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    (machine,) = [resource for logical_id, resource in machines.items() if logical_id.startswith("Machine")]
    assert arn in machine["Properties"]["DefinitionString"]["Fn::Join"][1]


def test_both_constructs_implement_imodelcopy_with_the_nine_attributes() -> None:
    stack = new_stack()
    models: list[IModelCopy] = [
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN),
        ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN),
    ]
    protocol_members = {name for name, _ in inspect.getmembers(IModelCopy, lambda m: isinstance(m, property))}
    assert protocol_members == {*PUBLIC_ATTRIBUTES, "model_arn", "node"}
    for model in models:
        assert isinstance(model, IModelCopy)
        assert isinstance(model, (BedrockModelCopy, ModelCopyJobWaiter))
        for python_name, attribute in PUBLIC_ATTRIBUTES.items():
            assert stack.resolve(getattr(model, python_name)) == get_att(stack, model, attribute)  # type: ignore[arg-type]
    assert not isinstance(object(), IModelCopy)


# ---------------------------------------------------------------- generated target_model_name


def generated_name(stack: cdk.Stack, construct: BedrockModelCopy) -> str:
    name = copy_properties_of(stack, construct)["TargetModelName"]
    assert isinstance(name, str)
    return name


def test_an_omitted_name_is_generated_from_stack_path_and_hash() -> None:
    stack = new_stack("ModelCopies")
    copy = BedrockModelCopy(Construct(stack, "Team"), "Copy", source_model_arn=SOURCE_ARN)
    name = generated_name(stack, copy)
    assert re.fullmatch(r"ModelCopies-Team-Copy-[0-9a-f]{8}", name), name


def _build(
    *,
    stack_name: str = "S",
    source: str | None = SOURCE_ARN,
    key_arn: str | None = None,
    noise: int = 0,
    token_source: bool = False,
    key_in_stack: bool = False,
) -> str:
    """Synthesize one app and return the copy's generated name. ``noise`` creates unrelated tokens first."""
    app = cdk.App()
    stack = new_stack(stack_name, app)
    for index in range(noise):
        cdk.CfnParameter(stack, f"Noise{index}").value_as_string  # noqa: B018 - shifts every later token's number
    if token_source:
        source = cdk.CfnParameter(stack, "Source").value_as_string
    key: kms.IKey | None = None
    if key_in_stack:
        key = kms.Key(stack, "Key")
    elif key_arn:
        key = kms.Key.from_key_arn(stack, "Key", key_arn)
    assert source is not None
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=source, target_kms_key=key)
    return generated_name(stack, copy)


def test_generated_names_are_stable_even_with_tokens() -> None:
    assert _build() == _build(noise=3)
    # A token's text (${Token[...]}) changes with the number of tokens made before it; the name must not.
    assert _build(token_source=True) == _build(token_source=True, noise=5)
    assert _build(key_in_stack=True) == _build(key_in_stack=True, noise=2)
    for name in (_build(token_source=True), _build(key_in_stack=True)):
        assert NAME_RULE.fullmatch(name) and len(name) <= 63


def test_a_new_source_or_key_gives_a_new_generated_name() -> None:
    names = {
        _build(),
        _build(source=OTHER_SOURCE_ARN),
        _build(key_arn=KEY_ARN),
        _build(key_arn=OTHER_KEY_ARN),
        _build(stack_name="OtherStack"),
        _build(token_source=True),
        _build(key_in_stack=True),
    }
    assert len(names) == 7


def test_generated_names_fit_63_characters_and_bedrocks_pattern_and_stay_unique() -> None:
    app = cdk.App()
    stack = new_stack("A-very-long-stack-name-for-the-production-model-copies-of-team-42", app)
    deep = Construct(Construct(stack, "Regional_Replication__Layer"), "x" * 40)
    copies = [
        BedrockModelCopy(deep, f"Copy--{index}--of-the-support-bot-model", source_model_arn=SOURCE_ARN)
        for index in range(5)
    ]
    names = set()
    for copy in copies:
        name = generated_name(stack, copy)
        assert len(name) <= 63 and NAME_RULE.fullmatch(name), name
        assert name.startswith("A-very-long-stack-name") and "-of-the-support-bot-model-" in name, name
        names.add(name)
    assert len(names) == 5


def test_generated_names_go_through_the_one_name_per_stack_check() -> None:
    stack = new_stack()
    first = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    taken = generated_name(stack, first)
    with pytest.raises(PropertyValidationError, match=rf"target_model_name '{taken}' is not valid: is already the"):
        BedrockModelCopy(stack, "Explicit", source_model_arn=SOURCE_ARN, target_model_name=taken)


def test_an_explicit_name_is_kept_as_given() -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="support-bot-usw2")
    assert generated_name(stack, copy) == "support-bot-usw2"


# ---------------------------------------------------------------- Tags.of


def test_tags_of_reach_the_copy_merged_with_the_tags_prop() -> None:
    app = cdk.App()
    stack = new_stack("S", app)
    team = Construct(stack, "Team")
    copy = BedrockModelCopy(team, "Copy", source_model_arn=SOURCE_ARN, tags={"team": "ml", "env": "prop"})
    plain = BedrockModelCopy(stack, "Plain", source_model_arn=SOURCE_ARN)
    waiter = ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)
    cdk.Tags.of(app).add("cost-center", "42")
    cdk.Tags.of(team).add("env", "aspect")  # default priority 100 beats the prop's 50, as on L1 resources
    cdk.Tags.of(team).add("team", "aspect-low", priority=10)  # a lower priority loses to the prop
    cdk.Tags.of(stack).add("skipped", "x", exclude_resource_types=["Custom::BedrockModelCopy"])
    cdk.Tags.of(stack).add("only-keys", "x", include_resource_types=["AWS::KMS::Key"])
    cdk.Tags.of(plain).remove("cost-center")
    assert copy_properties_of(stack, copy)["TargetModelTags"] == {"team": "ml", "env": "aspect", "cost-center": "42"}
    assert "TargetModelTags" not in copy_properties_of(stack, plain)
    assert "TargetModelTags" not in copy_properties_of(stack, waiter)


def test_no_tags_at_all_writes_no_tags_property() -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    assert "TargetModelTags" not in copy_properties_of(stack, copy)


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (
            lambda scope: [cdk.Tags.of(scope).add(f"k{i}", "v") for i in range(40)],
            r"tags '48 tags' is not valid: at most 47 tags are allowed .*\(the tags prop and Tags.of\(...\) together\)",
        ),
        (
            lambda scope: cdk.Tags.of(scope).add("aws:cloudformation:x", "v"),
            r"tags 'aws:cloudformation:x' is not valid: tag keys beginning with 'aws:' are reserved",
        ),
        (
            lambda scope: cdk.Tags.of(scope).add("bedrock-model-copy:owner-stack", "v"),
            r"tags 'bedrock-model-copy:owner-stack' is not valid: this key is reserved",
        ),
        (
            lambda scope: cdk.Tags.of(scope).add("team", "a" * 300),
            r"tags 'team=a{300}' is not valid: tag values .*: this one is 300 characters; at most 256",
        ),
    ],
    ids=["count with the prop", "aws: key", "ownership key", "long value"],
)
def test_tags_of_are_validated_like_the_tags_prop(add: Any, message: str) -> None:
    app = cdk.App()
    stack = new_stack("S", app)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, tags={f"p{i}": "v" for i in range(8)})
    add(stack)
    # aws-cdk-lib's validation error (docs/errors.md), which lists every message after its construct path.
    with pytest.raises(RuntimeError, match=r"\[S/Copy\] " + message) as raised:
        app.synth()
    assert str(raised.value).startswith("ValidationFailedWithErrors: Validation failed with the following errors:")
    assert not isinstance(raised.value, PropertyValidationError)


def test_tags_of_with_a_token_value_is_left_to_deploy_time() -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    cdk.Tags.of(stack).add("owner", cdk.CfnParameter(stack, "Owner").value_as_string)
    assert copy_properties_of(stack, copy)["TargetModelTags"] == {"owner": {"Ref": "Owner"}}


# ---------------------------------------------------------------- removal policy, the CDK way


def _deletion(stack: cdk.Stack) -> tuple[str, str, str]:
    (resource,) = copy_resources(stack).values()
    return resource["DeletionPolicy"], resource["UpdateReplacePolicy"], resource["Properties"]["DeleteModelOnDelete"]


@pytest.mark.parametrize(
    ("prop", "apply", "expected"),
    [
        (cdk.RemovalPolicy.DESTROY, None, ("Delete", "Delete", "true")),
        (cdk.RemovalPolicy.RETAIN, None, ("Retain", "Retain", "false")),
        (
            cdk.RemovalPolicy.RETAIN,
            lambda stack, copy: copy.apply_removal_policy(cdk.RemovalPolicy.DESTROY),
            ("Delete", "Delete", "true"),
        ),
        (
            cdk.RemovalPolicy.DESTROY,
            lambda stack, copy: copy.apply_removal_policy(cdk.RemovalPolicy.RETAIN),
            ("Retain", "Retain", "false"),
        ),
        (
            cdk.RemovalPolicy.RETAIN,
            lambda stack, copy: cdk.RemovalPolicies.of(stack).apply(cdk.RemovalPolicy.DESTROY),
            ("Delete", "Delete", "true"),
        ),
        (
            cdk.RemovalPolicy.DESTROY,
            lambda stack, copy: cdk.RemovalPolicies.of(copy).retain(),
            ("Retain", "Retain", "false"),
        ),
    ],
    ids=["prop destroy", "prop retain", "method destroy", "method retain", "aspect destroy", "aspect retain"],
)
def test_apply_removal_policy_and_aspects_give_what_the_prop_gives(
    prop: cdk.RemovalPolicy, apply: Any, expected: tuple[str, str, str]
) -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, removal_policy=prop)
    if apply is not None:
        apply(stack, copy)
    assert _deletion(stack) == expected


def test_apply_removal_policy_refuses_what_the_prop_refuses() -> None:
    copy = BedrockModelCopy(new_stack(), "Copy", source_model_arn=SOURCE_ARN)
    with pytest.raises(PropertyValidationError, match=r"removal_policy '.*SNAPSHOT.*' is not valid: must be"):
        copy.apply_removal_policy(cdk.RemovalPolicy.SNAPSHOT)


def test_a_snapshot_aspect_fails_synth_naming_the_copy() -> None:
    app = cdk.App()
    stack = new_stack("S", app)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    cdk.RemovalPolicies.of(stack).snapshot()
    with pytest.raises(RuntimeError, match=r"\[S/Copy\] removal_policy 'RemovalPolicy.SNAPSHOT' is not valid"):
        app.synth()


def test_a_waiter_takes_a_removal_policy_and_never_deletes() -> None:
    stack = new_stack()
    waiter = ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)
    waiter.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    (resource,) = copy_resources(stack).values()
    assert resource["DeletionPolicy"] == "Retain" and "DeleteModelOnDelete" not in resource["Properties"]


# ---------------------------------------------------------------- docs where the user looks


def test_help_shows_the_real_signatures_and_the_attributes() -> None:
    copy_parameters = inspect.signature(BedrockModelCopy).parameters
    assert list(copy_parameters) == [
        "scope",
        "id",
        "source_model_arn",
        "target_model_name",
        "target_kms_key",
        "tags",
        "removal_policy",
        "timeout",
        "poll_interval",
        "provider_options",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(copy_parameters.values())[2:])
    assert copy_parameters["target_model_name"].default is None
    assert list(inspect.signature(ModelCopyJobWaiter).parameters) == [
        "scope",
        "id",
        "job_arn",
        "timeout",
        "poll_interval",
        "provider_options",
    ]
    for construct_class in (BedrockModelCopy, ModelCopyJobWaiter):
        text = pydoc.render_doc(construct_class, renderer=pydoc.plaintext)
        assert "*args" not in text.split("Method resolution order")[0]
        attributes = text.split("Attributes\n")[1]
        for name in [*PUBLIC_ATTRIBUTES, "model_arn", "resource", "provider"]:
            assert f"{name} : " in attributes, name
        assert "apply_removal_policy(self, policy" in text


def test_property_validation_error_is_public_and_a_value_error() -> None:
    assert issubclass(PropertyValidationError, ValueError)
    assert PropertyValidationError is handler_rules.PropertyValidationError
    with pytest.raises(PropertyValidationError) as error:
        BedrockModelCopy(new_stack(), "Copy", source_model_arn=SOURCE_ARN, target_model_name="bad name")
    assert (error.value.prop, error.value.value) == ("target_model_name", "bad name")
    assert error.value.rule.startswith("must match")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"timeout": "30m"}, "timeout must be a Duration (for example Duration.minutes(30)), not str '30m'"),
        ({"poll_interval": 30}, "poll_interval must be a Duration (for example Duration.minutes(30)), not int 30"),
        ({"source_model_arn": None}, "source_model_arn must be a str (a model ARN), not NoneType None"),
        ({"target_model_name": 7}, "target_model_name must be a str or None, not int 7"),
        ({"tags": [("team", "ml")]}, "tags must be a mapping of str to str, not list [('team', 'ml')]"),
        ({"removal_policy": "RETAIN"}, "removal_policy must be a RemovalPolicy (RemovalPolicy.RETAIN or DESTROY)"),
        ({"target_kms_key": KEY_ARN}, "target_kms_key must be an aws_kms.IKey (kms.Key, kms.Key.from_key_arn(...))"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_wrong_types_are_named(props: dict[str, Any], message: str) -> None:
    stack = new_stack()
    before = len(stack.node.find_all())
    arguments: dict[str, Any] = {"source_model_arn": SOURCE_ARN, **props}
    with pytest.raises(PropertyTypeError) as error:
        BedrockModelCopy(stack, "Copy", **arguments)
    assert str(error.value).startswith(message)
    assert isinstance(error.value, TypeError) and isinstance(error.value, PropertyValidationError)
    assert len(stack.node.find_all()) == before


def test_waiter_wrong_types_are_named() -> None:
    with pytest.raises(PropertyTypeError, match=r"^timeout must be a Duration"):
        ModelCopyJobWaiter(new_stack(), "Wait", job_arn=JOB_ARN, timeout=600)  # type: ignore[arg-type]
    with pytest.raises(PropertyTypeError, match=r"^job_arn must be a str"):
        ModelCopyJobWaiter(new_stack(), "Wait", job_arn=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("construct_class", [BedrockModelCopy, ModelCopyJobWaiter])
def test_a_construct_outside_a_stack_is_named_in_the_error(construct_class: type) -> None:
    app = cdk.App()
    group = Construct(app, "Models")
    props = {"source_model_arn": SOURCE_ARN} if construct_class is BedrockModelCopy else {"job_arn": JOB_ARN}
    with pytest.raises(
        PropertyValidationError,
        match=rf"scope 'Construct at path Models' is not valid: {construct_class.__name__} 'Copy' must be created "
        r"inside a Stack",
    ):
        construct_class(group, "Copy", **props)
    with pytest.raises(PropertyValidationError, match=r"scope 'App at path <the App>' is not valid"):
        construct_class(app, "Copy", **props)


# ---------------------------------------------------------------- escape hatches


def test_escape_hatches_the_provider_role_and_the_underlying_resource() -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    shared_source = "arn:aws:bedrock:us-east-1:444455556666:custom-model/amazon.nova-lite-v1:0:300k/zzzzzzzzzz99"
    copy.provider.handler_role.add_to_principal_policy(
        iam.PolicyStatement(actions=["bedrock:CreateModelCopyJob"], resources=[shared_source])
    )
    assert isinstance(copy.resource, cdk.CustomResource)
    copy.cfn_resource.add_property_override("ExtraSetting", "x")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",  # every policy the library writes for its roles is a managed policy
        {
            "Roles": [{"Ref": Match.string_like_regexp("BedrockModelCopyProviderHandlerRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [{"Action": "bedrock:CreateModelCopyJob", "Effect": "Allow", "Resource": shared_source}]
                )
            },
        },
    )
    template.has_resource_properties("Custom::BedrockModelCopy", {"ExtraSetting": "x"})
    assert json.dumps(stack.resolve(copy.provider.handler_role.role_arn)).startswith('{"Fn::GetAtt"')
