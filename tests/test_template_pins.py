"""What a deploy and an upgrade rely on in the synthesized template, and the exact synth-time messages.

Written from the construct modules' mutation-testing survivors (docs/mutation.md): each test
pins something a changed construct would silently break in a real account, where no offline
scenario notices:

- the logical ids an upgrade must keep (a new id for the provider's framework function changes
  every copy's ``ServiceToken``, which CloudFormation refuses; a new id for a named log group
  or the copy watcher replaces it, and the new one's name is taken);
- the trust of each role (without ``states.amazonaws.com`` the copy watcher cannot run);
- the log settings (retention, level, execution data, encryption, destination);
- the synthesized watcher definition's paths, checked independently of the kit's interpreter;
- tag keys and values given as tokens (checked at deploy time, not as their ``${Token[...]}`` text);
- the generated target model names (tests/test_refusal_texts.py has every synth-time refusal's text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_kms as kms

from bedrock_model_copy import (
    LOG_RETENTION_CONTEXT_KEY,
    BedrockModelCopy,
    ModelCopyJobWaiter,
    ModelCopyProviderOptions,
    PropertyValidationError,
)
from conftest import ENV, JOB_ARN, SOURCE_ARN
from constructs import Construct

Template = dict[str, Any]

FRAMEWORK_ON_EVENT = "BedrockModelCopyProviderframeworkonEvent57F79E67"
WATCHER = "BedrockModelCopyProviderCopyWatcherStateMachine80BA9FEF"
WAITER = "BedrockModelCopyProviderwaiterstatemachineEBF9C0D2"
HANDLER_LOGS = "BedrockModelCopyProviderHandlerLogs8796CDA7"
WAITER_LOGS = "BedrockModelCopyProviderWaiterLogsDAAE9933"
WATCHER_LOGS = "BedrockModelCopyProviderCopyWatcherLogs99130311"
# What 0.1.0 deployed (tests/fixtures/v0_1_0/template.json) and the watcher 0.2.0 adds: an
# upgrade keeps every one of these resources (and so their logical ids and types).
KEPT: dict[str, str] = {
    FRAMEWORK_ON_EVENT: "AWS::Lambda::Function",
    "BedrockModelCopyProviderframeworkisComplete915AF8A0": "AWS::Lambda::Function",
    "BedrockModelCopyProviderframeworkonTimeoutBD6F1BC2": "AWS::Lambda::Function",
    "BedrockModelCopyProviderOnEventHandlerE4D3D931": "AWS::Lambda::Function",
    "BedrockModelCopyProviderIsCompleteHandler2F701EDF": "AWS::Lambda::Function",
    WAITER: "AWS::StepFunctions::StateMachine",
    WATCHER: "AWS::StepFunctions::StateMachine",
    HANDLER_LOGS: "AWS::Logs::LogGroup",
    WAITER_LOGS: "AWS::Logs::LogGroup",
    WATCHER_LOGS: "AWS::Logs::LogGroup",
    "Copy1ED8A51E": "Custom::BedrockModelCopy",
    "Wait4449FB25": "Custom::BedrockModelCopy",
}


def _template(build: Callable[[cdk.Stack], Any], context: dict[str, Any] | None = None) -> Template:
    stack = cdk.Stack(cdk.App(context=context), "Pins", env=ENV)
    build(stack)
    return assertions.Template.from_stack(stack).to_json()


def _long_copy_and_waiter(stack: cdk.Stack, **options: Any) -> None:
    BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="pinned", timeout=cdk.Duration.hours(6), **options
    )
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN, **options)


def _waiter(**props: Any) -> Callable[[cdk.Stack], None]:
    def build(stack: cdk.Stack) -> None:
        ModelCopyJobWaiter(stack, "Wait", **{"job_arn": JOB_ARN, **props})

    return build


@pytest.fixture
def long_template() -> Template:
    """Synthesized for each test: mutmut runs a construct mutant only against the tests that ran the
    construct's code, and a module-scoped fixture runs it in the first test only (docs/mutation.md)."""
    return _template(_long_copy_and_waiter)


def _of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {logical_id: r for logical_id, r in template["Resources"].items() if r["Type"] == kind}


def _role_of(template: Template, resource: dict[str, Any], prop: str = "Role") -> dict[str, Any]:
    logical_id, attribute = resource["Properties"][prop]["Fn::GetAtt"]
    assert attribute == "Arn"
    return template["Resources"][logical_id]


# ---------------------------------------------------------------- upgrades keep their resources


def test_an_upgrade_keeps_the_logical_ids_of_the_provider_the_watcher_and_the_log_groups(
    long_template: Template,
) -> None:
    resources = long_template["Resources"]
    assert {logical_id: resources[logical_id]["Type"] for logical_id in KEPT if logical_id in resources} == KEPT
    customs = _of_type(long_template, "Custom::BedrockModelCopy")
    assert len(customs) == 3  # the copy, its result resource and the waiter
    for resource in customs.values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [FRAMEWORK_ON_EVENT, "Arn"]}
    assert resources["Copy1ED8A51E"]["Properties"]["CopyWatcherArn"] == {"Ref": WATCHER}


def test_what_0_1_0_deployed_is_still_there_under_the_same_ids(long_template: Template) -> None:
    from test_upgrade import TEMPLATE_0_1_0

    kept = {
        logical_id: resource["Type"]
        for logical_id, resource in TEMPLATE_0_1_0["Resources"].items()
        if resource["Type"] in ("AWS::Lambda::Function", "Custom::BedrockModelCopy")
    }
    assert len(kept) == 7
    assert {logical_id: long_template["Resources"][logical_id]["Type"] for logical_id in kept} == kept


# ---------------------------------------------------------------- roles


def test_each_role_trusts_exactly_the_service_that_runs_as_it(long_template: Template) -> None:
    resources = long_template["Resources"]

    def trusted(role: dict[str, Any]) -> list[dict[str, Any]]:
        return role["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    def service(name: str) -> list[dict[str, Any]]:
        return [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": name}}]

    assert trusted(_role_of(long_template, resources[WATCHER], "RoleArn")) == service("states.amazonaws.com")
    assert trusted(_role_of(long_template, resources[WAITER], "RoleArn")) == service("states.amazonaws.com")
    for logical_id, function in _of_type(long_template, "AWS::Lambda::Function").items():
        assert trusted(_role_of(long_template, function)) == service("lambda.amazonaws.com"), logical_id


def test_the_watcher_role_may_poll_this_regions_jobs_and_signal_only_its_stack(long_template: Template) -> None:
    watcher_role = _role_of(long_template, long_template["Resources"][WATCHER], "RoleArn")
    role_id = next(k for k, v in long_template["Resources"].items() if v is watcher_role)
    policies = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in long_template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role_id} in r["Properties"].get("Roles", [])
    ]
    statements = {s["Sid"]: s for statement_list in policies for s in statement_list if "Sid" in s}
    # No tag condition: a copy job carries no tags of its own that IAM could read (docs/aws-behaviour.md T1).
    assert statements["PollCopyJobs"]["Action"] == "bedrock:GetModelCopyJob"
    assert "Condition" not in statements["PollCopyJobs"]
    assert statements["PollCopyJobs"]["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":model-copy-job/*",
            ],
        ]
    }
    # DescribeStackResource: the watcher checks that what it signals is this library's wait (aws-behaviour W14).
    assert statements["SignalOwnStackWaits"]["Action"] == [
        "cloudformation:SignalResource",
        "cloudformation:DescribeStackResource",
    ]
    assert statements["SignalOwnStackWaits"]["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":cloudformation:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":stack/",
                {"Ref": "AWS::StackName"},
                "/*",
            ],
        ]
    }


# ---------------------------------------------------------------- logs


def _stack_named(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["/aws/vendedlogs/states/", {"Ref": "AWS::StackName"}, suffix]]}


def test_the_log_groups_state_machines_and_functions_log_where_and_as_documented(long_template: Template) -> None:
    resources = long_template["Resources"]
    assert _of_type(long_template, "AWS::Logs::LogGroup").keys() == {HANDLER_LOGS, WAITER_LOGS, WATCHER_LOGS}
    names = {logical_id: resources[logical_id]["Properties"].get("LogGroupName") for logical_id in KEPT}
    assert names[HANDLER_LOGS] is None  # Lambda's own /aws/lambda/... name is not needed: functions name it
    assert names[WAITER_LOGS] == _stack_named("-bedrock-model-copy-waiter")
    assert names[WATCHER_LOGS] == _stack_named("-bedrock-model-copy-watcher")
    for logical_id in (HANDLER_LOGS, WAITER_LOGS, WATCHER_LOGS):
        assert resources[logical_id]["DeletionPolicy"] == "Delete"
        assert resources[logical_id]["Properties"]["RetentionInDays"] == 365
        assert "KmsKeyId" not in resources[logical_id]["Properties"]

    def logging(state_machine: str) -> dict[str, Any]:
        return resources[state_machine]["Properties"]["LoggingConfiguration"]

    def to(log_group: str) -> list[dict[str, Any]]:
        return [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [log_group, "Arn"]}}}]

    # The watcher's input holds no secret: its execution data is logged. The waiter's holds the ResponseURL.
    assert logging(WATCHER) == {"Destinations": to(WATCHER_LOGS), "IncludeExecutionData": True, "Level": "ALL"}
    assert logging(WAITER) == {"Destinations": to(WAITER_LOGS), "IncludeExecutionData": False, "Level": "ALL"}
    for logical_id, function in _of_type(long_template, "AWS::Lambda::Function").items():
        assert function["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": HANDLER_LOGS}, logical_id


@pytest.mark.parametrize(
    ("context", "option", "days"),
    [({LOG_RETENTION_CONTEXT_KEY: 30}, None, 30), ({}, 14, 14), ({LOG_RETENTION_CONTEXT_KEY: "90"}, 90, 90)],
)
def test_every_log_group_keeps_its_logs_as_long_as_asked(
    context: dict[str, Any], option: int | None, days: int
) -> None:
    options = ModelCopyProviderOptions(log_retention_days=option)
    template = _template(lambda stack: _long_copy_and_waiter(stack, provider_options=options), context)
    retention = {k: r["Properties"]["RetentionInDays"] for k, r in _of_type(template, "AWS::Logs::LogGroup").items()}
    assert retention == {HANDLER_LOGS: days, WAITER_LOGS: days, WATCHER_LOGS: days}


def test_an_encryption_key_encrypts_every_log_group() -> None:
    def build(stack: cdk.Stack) -> None:
        key = kms.Key(stack, "LogKey")
        _long_copy_and_waiter(stack, provider_options=ModelCopyProviderOptions(encryption_key=key))

    template = _template(build)
    (key_id,) = _of_type(template, "AWS::KMS::Key")
    for logical_id, log_group in _of_type(template, "AWS::Logs::LogGroup").items():
        assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}, logical_id


# ---------------------------------------------------------------- the watcher's definition

_PATH = re.compile(r"^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CONTEXT_PATH = re.compile(r"^\$\$(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_INTRINSIC = re.compile(r"^States\.(Format|MathAdd|StringToJson|JsonToString|Array|ArrayLength)\(.*\)$")
_STATE_TYPES = {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}


def _definition_of(template: Template, logical_id: str) -> dict[str, Any]:
    parts = template["Resources"][logical_id]["Properties"]["DefinitionString"]["Fn::Join"][1]
    text = "".join(part if isinstance(part, str) else {"Ref": "aws"}.get(part["Ref"], "aws") for part in parts)
    return json.loads(text)


def _check_parameters(where: str, parameters: Any) -> None:
    if isinstance(parameters, dict):
        for key, value in parameters.items():
            if key.endswith(".$"):
                assert isinstance(value, str), where
                assert _PATH.match(value) or _CONTEXT_PATH.match(value) or _INTRINSIC.match(value), (where, key, value)
            else:
                _check_parameters(f"{where}.{key}", value)


def _check_choice_rule(where: str, rule: dict[str, Any]) -> None:
    for combinator in ("And", "Or"):
        for inner in rule.get(combinator, []):
            _check_choice_rule(where, inner)
    if "Not" in rule:
        _check_choice_rule(where, rule["Not"])
    if "Variable" in rule:
        assert _PATH.match(rule["Variable"]) or _CONTEXT_PATH.match(rule["Variable"]), (where, rule)
        for key, value in rule.items():
            if key.endswith("Path") and key != "Variable":
                assert _PATH.match(value), (where, key, value)


def test_the_synthesized_watcher_definition_uses_only_valid_paths_and_states(long_template: Template) -> None:
    """An independent check of the Amazon States Language rules the definition relies on."""
    definition = _definition_of(long_template, WATCHER)
    states = definition["States"]
    assert definition["StartAt"] in states
    for name, state in states.items():
        assert state["Type"] in _STATE_TYPES, name
        for field in ("InputPath", "OutputPath", "ResultPath", "SecondsPath", "TimestampPath"):
            if field in state:
                assert isinstance(state[field], str) and _PATH.match(state[field]), (name, field, state[field])
        _check_parameters(name, state.get("Parameters"))
        _check_parameters(name, state.get("ResultSelector"))
        for catcher in state.get("Catch", []):
            assert _PATH.match(catcher["ResultPath"]), (name, catcher)
            assert catcher["Next"] in states, (name, catcher)
        for rule in state.get("Choices", []):
            _check_choice_rule(name, rule)
            assert rule["Next"] in states, (name, rule)
        targets = [state[key] for key in ("Next", "Default") if key in state]
        assert all(target in states for target in targets), (name, targets)
        assert ("Next" in state) != (state["Type"] in ("Succeed", "Fail", "Choice") or state.get("End") is True), name
    # Every state is reachable from StartAt.
    reached, todo = set(), [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        state = states[name]
        todo += [state[key] for key in ("Next", "Default") if key in state]
        todo += [rule["Next"] for rule in state.get("Choices", [])] + [c["Next"] for c in state.get("Catch", [])]
    assert reached == set(states)


# ---------------------------------------------------------------- tags given as tokens


def test_tag_keys_and_values_given_as_tokens_are_left_to_deploy_time() -> None:
    """Their ``${Token[...]}`` text breaks the tag rules; what they resolve to is checked by the handler."""

    def build(stack: cdk.Stack) -> None:
        key = cdk.Token.as_string(cdk.Intrinsic("cost-center"))  # a token that resolves to a string
        assert cdk.Token.is_unresolved(key)
        value = cdk.CfnParameter(stack, "TagValue").value_as_string
        BedrockModelCopy(
            stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="tokens", tags={key: "42", "team": value}
        )

    template = _template(build)
    (copy,) = _of_type(template, "Custom::BedrockModelCopy").values()
    assert copy["Properties"]["TargetModelTags"] == {"cost-center": "42", "team": {"Ref": "TagValue"}}


def test_a_concrete_tag_key_or_value_is_checked_even_beside_a_token() -> None:
    def build(key: str, value: str) -> Callable[[cdk.Stack], None]:
        def fill(stack: cdk.Stack) -> None:
            token = cdk.CfnParameter(stack, "TagValue").value_as_string
            BedrockModelCopy(
                stack,
                "Copy",
                source_model_arn=SOURCE_ARN,
                target_model_name="tokens",
                tags={key: value, "other": token},
            )

        return fill

    with pytest.raises(PropertyValidationError) as refused_key:
        _template(build("aws:reserved", "x"))
    assert refused_key.value.prop == "tags" and refused_key.value.value == "aws:reserved"
    with pytest.raises(PropertyValidationError) as refused_value:
        _template(build("team", "no\u0000null"))
    assert refused_value.value.prop == "tags"


# ---------------------------------------------------------------- options reach every part


def test_tracing_reaches_every_function_and_both_state_machines_also_from_a_waiter_alone() -> None:
    tracing = ModelCopyProviderOptions(tracing=True)
    for build in (
        lambda stack: _long_copy_and_waiter(stack, provider_options=tracing),
        _waiter(provider_options=tracing),
    ):
        template = _template(build)
        for logical_id, function in _of_type(template, "AWS::Lambda::Function").items():
            assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, logical_id
        machines = _of_type(template, "AWS::StepFunctions::StateMachine")
        assert machines and all(m["Properties"]["TracingConfiguration"] == {"Enabled": True} for m in machines.values())
    untraced = _template(_long_copy_and_waiter)
    for machine in _of_type(untraced, "AWS::StepFunctions::StateMachine").values():
        assert machine["Properties"].get("TracingConfiguration", {"Enabled": False}) == {"Enabled": False}


def test_the_encryption_key_lets_cloudwatch_logs_use_it_only_for_log_groups_of_this_account_and_region() -> None:
    def build(stack: cdk.Stack) -> None:
        key = kms.Key(stack, "LogKey")
        _long_copy_and_waiter(stack, provider_options=ModelCopyProviderOptions(encryption_key=key))

    template = _template(build)
    (key,) = _of_type(template, "AWS::KMS::Key").values()
    (statement,) = (
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "CloudWatchLogsEncryptsBedrockModelCopyLogs"
    )
    assert statement["Principal"] == {"Service": {"Fn::Join": ["", ["logs.us-west-2.", {"Ref": "AWS::URLSuffix"}]]}}
    (operator,) = statement["Condition"]
    assert operator == "ArnEquals"  # exactly this library's log groups, no wildcard
    (context_key, arns) = next(iter(statement["Condition"]["ArnEquals"].items()))
    assert context_key == "kms:EncryptionContext:aws:logs:arn"
    assert len(arns) == 3 and all(
        json.dumps(arn).startswith(
            '{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:us-west-2:111122223333:log-group:'
        )
        for arn in arns
    )


# ---------------------------------------------------------------- generated names never change


def _generated_name(stack_id: str, *, stack_name: str | None = None, scopes: tuple[str, ...] = (), **props: Any) -> str:
    stack = cdk.Stack(cdk.App(), stack_id, env=ENV, stack_name=stack_name)
    scope: Construct = stack
    for scope_id in scopes:
        scope = Construct(scope, scope_id)
    source = cdk.CfnParameter(stack, "Source").value_as_string if props.pop("token_source", False) else SOURCE_ARN
    BedrockModelCopy(scope, props.pop("construct_id", "Copy"), source_model_arn=source, **props)
    (copy,) = _of_type(assertions.Template.from_stack(stack).to_json(), "Custom::BedrockModelCopy").values()
    name: str = copy["Properties"]["TargetModelName"]
    return name


def test_generated_target_model_names_are_the_ones_earlier_versions_generated() -> None:
    """The name is the copied model's: a different one on upgrade would replace every such copy."""
    assert _generated_name("Pins") == "Pins-Copy-5e1e6b77"
    assert _generated_name("Pins", token_source=True) == "Pins-Copy-57fbff74"
    # The stack's name, not its construct id.
    assert _generated_name("PinsId", stack_name="prod-model-copies") == "prod-model-copies-Copy-871aeb2d"
    # Shortened to 63 characters: the start of the stack name, the end of the path.
    assert (
        _generated_name(
            "A-very-long-stack-name-for-the-production-model-copies-of-team-42",
            scopes=("Regional_Replication__Layer", "x" * 40),
            construct_id="Copy--3--of-the-support-bot-model",
        )
        == "A-very-long-stack-name-for-3-of-the-support-bot-model-94b60968"
    )
    assert (
        _generated_name("Short", scopes=("Regional_Replication__Layer", "y" * 60))
        == "Short-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy-Copy-3cad2dab"
    )
