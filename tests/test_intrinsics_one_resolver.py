"""The kit has one CloudFormation intrinsic resolver, and its former call sites give the answers they gave.

Before issue 15, ``testing/iam.py`` (policy documents, the copy watcher's definition) and
``tests/test_regulated.py`` (parliament's input) each had a resolver of their own. The
expectations below are what those implementations answered for the same inputs, computed
with the old code before it was deleted; one answer changes on purpose (marked).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bedrock_model_copy.testing import iam
from bedrock_model_copy.testing.intrinsics import Resolver, UnresolvedIntrinsicError, pseudo_parameters
from conftest import ROOT

PART = {"Ref": "AWS::Partition"}
POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "bedrock:GetCustomModel",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        PART,
                        ":bedrock:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":custom-model/*",
                    ],
                ]
            },
            "Condition": {
                "StringEquals": {"aws:ResourceTag/bedrock-model-copy:owner-stack": {"Ref": "AWS::StackName"}}
            },
        },
        {
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": [{"Fn::GetAtt": ["WatcherStateMachine1234", "Arn"]}, {"Ref": "WatcherStateMachine1234"}],
        },
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        PART,
                        ":logs:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":log-group:",
                        {"Ref": "HandlerLogs5678"},
                        ":*",
                    ],
                ]
            },
        },
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": {"Fn::Join": ["", ["states.", {"Ref": "AWS::URLSuffix"}]]}},
        },
    ],
}
WATCHER_DEFINITION: dict[str, Any] = {
    "Fn::Join": [
        "",
        [
            '{"StartAt":"Poll","States":{"Poll":{"Type":"Task","Resource":"arn:',
            PART,
            ':states:::aws-sdk:bedrock:getModelCopyJob","Next":"Done"},"Done":{"Type":"Task","Resource":"arn:',
            PART,
            ':states:::aws-sdk:cloudformation:signalResource","End":true}}}',
        ],
    ]
}
RESOURCES: dict[str, Any] = {
    "HandlerRoleAB12": {"Type": "AWS::IAM::Role"},
    "HandlerFnCD34": {"Type": "AWS::Lambda::Function"},
    "LogKeyEF56": {"Type": "AWS::KMS::Key"},
    "HandlerLogs5678": {"Type": "AWS::Logs::LogGroup"},
    "WatcherStateMachine1234": {"Type": "AWS::StepFunctions::StateMachine"},
}
PARLIAMENT_INPUT: dict[str, Any] = {
    "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": {"Ref": "HandlerRoleAB12"}},
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": [
                {"Fn::GetAtt": ["HandlerFnCD34", "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["HandlerFnCD34", "Arn"]}, ":*"]]},
            ],
        },
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": {"Fn::GetAtt": ["LogKeyEF56", "Arn"]},
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": {
                        "Fn::Join": ["", ["lambda.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]]
                    }
                },
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                PART,
                                ":logs:",
                                {"Ref": "AWS::Region"},
                                ":",
                                {"Ref": "AWS::AccountId"},
                                ":log-group:",
                                {"Ref": "HandlerLogs5678"},
                            ],
                        ]
                    }
                },
            },
        },
        {
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": {"Ref": "WatcherStateMachine1234"},
            "Condition": {
                "StringLike": {"x": {"Fn::Join": ["", [{"Fn::GetAtt": ["WatcherStateMachine1234", "Name"]}, "-*"]]}}
            },
        },
    ]
}
ASL_INPUT: dict[str, Any] = {
    "Fn::Join": [
        "",
        [
            '{"Resource":"arn:',
            PART,
            ':states:::lambda:invoke","Parameters":{"FunctionName":"',
            {"Fn::GetAtt": ["BedrockModelCopyProviderframeworkonEventABCDEF0123456789ABCDEF0123456789", "Arn"]},
            '"}}',
        ],
    ]
}

OLD_POLICY_AWS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "bedrock:GetCustomModel",
            "Resource": "arn:aws:bedrock:us-west-2:111122223333:custom-model/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/bedrock-model-copy:owner-stack": "S"}},
        },
        {
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": ["<unresolved GetAtt WatcherStateMachine1234.Arn>", "<unresolved Ref WatcherStateMachine1234>"],
        },
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": "arn:aws:logs:us-west-2:111122223333:log-group:<unresolved Ref HandlerLogs5678>:*",
        },
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com"}},
    ],
}
# The old iam.pseudo_parameters gave AWS::URLSuffix "amazonaws.com" in every partition; CloudFormation
# gives "amazonaws.com.cn" in aws-cn, and so does the one resolver now (the only answer that changed).
OLD_POLICY_CN: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "bedrock:GetCustomModel",
            "Resource": "arn:aws-cn:bedrock:cn-north-1:111122223333:custom-model/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/bedrock-model-copy:owner-stack": "S"}},
        },
        {
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": ["<unresolved GetAtt WatcherStateMachine1234.Arn>", "<unresolved Ref WatcherStateMachine1234>"],
        },
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": "arn:aws-cn:logs:cn-north-1:111122223333:log-group:<unresolved Ref HandlerLogs5678>:*",
        },
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "states.amazonaws.com.cn"}},
    ],
}
OLD_WATCHER_CN = '{"StartAt":"Poll","States":{"Poll":{"Type":"Task","Resource":"arn:aws-cn:states:::aws-sdk:bedrock:getModelCopyJob","Next":"Done"},"Done":{"Type":"Task","Resource":"arn:aws-cn:states:::aws-sdk:cloudformation:signalResource","End":true}}}'
OLD_PARLIAMENT: dict[str, Any] = {
    "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/HandlerRoleAB12"},
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": [
                "arn:aws:lambda:us-west-2:111122223333:function:HandlerFnCD34",
                "arn:aws:lambda:us-west-2:111122223333:function:HandlerFnCD34:*",
            ],
        },
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "arn:aws:kms:us-west-2:111122223333:key/LogKeyEF56",
            "Condition": {
                "StringEquals": {"kms:ViaService": "lambda.us-west-2.amazonaws.com"},
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-west-2:111122223333:log-group:arn:aws:logs:us-west-2:111122223333:log-group:HandlerLogs5678:*"
                },
            },
        },
        {
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": "arn:aws:states:us-west-2:111122223333:stateMachine:WatcherStateMachine1234",
            "Condition": {"StringLike": {"x": "WatcherStateMachine1234-*"}},
        },
    ]
}
OLD_ASL = '{"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-west-2:111122223333:function:BedrockModelCopyProviderframeworkonEvent"}}'

sys.path.insert(0, str(Path(__file__).parent))
import test_regulated  # noqa: E402  (the parliament call site)
import test_state_machines  # noqa: E402  (the asl-validator call site)


def test_policy_documents_resolve_as_the_iam_simulator_did() -> None:
    aws = iam.pseudo_parameters(stack_name="S", region="us-west-2", account="111122223333")
    assert iam.resolve(POLICY, aws) == OLD_POLICY_AWS
    cn = iam.pseudo_parameters(stack_name="S", region="cn-north-1", account="111122223333", partition="aws-cn")
    assert iam.resolve(POLICY, cn) == OLD_POLICY_CN


def test_the_markers_still_bind_when_the_resource_exists() -> None:
    parameters = iam.pseudo_parameters(stack_name="S", region="us-west-2", account="111122223333")
    policies = iam.PolicySet([iam.resolve(POLICY, parameters)])
    arn = "arn:aws:states:us-west-2:111122223333:stateMachine:WatcherStateMachine1234-abc"
    policies.bind("WatcherStateMachine1234", arn, {"Arn": arn})
    assert policies.is_allowed("states:StartExecution", arn, {})
    assert not policies.is_allowed("states:StartExecution", arn + "x", {})


def test_the_watcher_definition_resolves_as_the_driver_did() -> None:
    cn = iam.pseudo_parameters(stack_name="S", region="cn-north-1", account="111122223333", partition="aws-cn")
    text = iam.resolve(WATCHER_DEFINITION, cn)
    assert text == OLD_WATCHER_CN
    assert json.loads(text)["States"]["Poll"]["Resource"] == "arn:aws-cn:states:::aws-sdk:bedrock:getModelCopyJob"


def test_parliaments_input_resolves_as_the_regulated_tests_did() -> None:
    assert test_regulated._resolve(PARLIAMENT_INPUT, RESOURCES) == OLD_PARLIAMENT


def test_the_asl_validators_input_resolves_as_before() -> None:
    assert test_state_machines._resolve(ASL_INPUT) == OLD_ASL


def test_only_the_lenient_mode_leaves_markers() -> None:
    pseudo = pseudo_parameters(stack_name="S", region="us-west-2", account="111122223333")
    with pytest.raises(UnresolvedIntrinsicError, match=r"Fn::GetAtt WatcherStateMachine1234\.Arn"):
        Resolver({}, None, pseudo).resolve(POLICY, "Policy")
    lenient = Resolver({}, None, pseudo, lenient=True)
    assert lenient.resolve({"Fn::GetAtt": "Fn.Arn"}, "x") == "<unresolved GetAtt Fn.Arn>"
    assert lenient.resolve({"Fn::ImportValue": "Other"}, "x") == "<unresolved Fn::ImportValue>"
    assert lenient.resolve({"Fn::If": ["C", 1, 2]}, "x") == "<unresolved Fn::If>"
    assert lenient.resolve({"Ref": "AWS::StackId"}, "x") == "<unresolved Ref AWS::StackId>"
    assert lenient.resolve("{{resolve:ssm:/p}}", "x") == "{{resolve:ssm:/p}}"
    assert lenient.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"}, "x") == (
        "arn:aws:s3:::<unresolved Ref Bucket>"
    )


INTRINSIC_KEYS = {"Ref", "Fn::Join", "Fn::GetAtt", "Fn::Sub", "Fn::Select", "Fn::Split", "Fn::ImportValue"}


def _walkers(source: str, where: str) -> list[str]:
    """Recursive functions of ``source`` that look up CloudFormation function keys: a resolver of their own."""
    found = []
    for node in ast.walk(ast.parse(source, where)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
        keys = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value in INTRINSIC_KEYS}
        if keys and node.name in calls:  # it calls itself (walks a value) and reads Ref/Fn:: keys
            found.append(f"{where}:{node.lineno} {node.name}")
    return found


# What testing/iam.py had before issue 15 (tests/test_regulated.py's was the same shape).
FORMER_IAM_RESOLVER = """
def resolve(value, parameters):
    if isinstance(value, list):
        return [resolve(item, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return parameters.get(value["Ref"], f"<unresolved Ref {value['Ref']}>")
    if set(value) == {"Fn::Join"}:
        separator, items = value["Fn::Join"]
        return str(separator).join(str(resolve(item, parameters)) for item in items)
    return {key: resolve(item, parameters) for key, item in value.items()}
"""


def test_the_kit_has_one_intrinsic_resolver() -> None:
    # The kit's and the drift command's: bedrock_model_copy._intrinsics (testing/intrinsics.py gives its names).
    intrinsics = ROOT / "constructs" / "bedrock_model_copy" / "_intrinsics.py"
    sources = [
        path
        for folder in ("constructs", "tests", "examples", "bench", "integ")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != intrinsics and ".venv" not in path.parts
    ]
    assert len(sources) > 50
    found = [walker for path in sources for walker in _walkers(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []
    # The check sees a resolver where there is one: the kit's own, and the one iam.py had.
    assert _walkers(intrinsics.read_text(), "intrinsics.py")
    assert _walkers(FORMER_IAM_RESOLVER, "former iam.py") == ["former iam.py:2 resolve"]


def test_a_ref_to_no_value_removes_the_property_or_the_item() -> None:
    pseudo = pseudo_parameters(stack_name="S", region="us-west-2", account="111122223333")
    resolver = Resolver({}, None, pseudo)
    assert resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": "b"}, "x") == {"B": "b"}
    assert resolver.resolve([{"Ref": "AWS::NoValue"}, "b"], "x") == ["b"]
