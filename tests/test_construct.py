"""Template assertions: resources, properties, attributes, policies and the handler asset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from bedrock_model_copy._asset import handler_asset_dir
from conftest import ENV, JOB_ARN, PUBLIC_ATTRIBUTES, SOURCE_ARN, handler_asset_dirs

OVERHEAD_COUNTS = {
    "AWS::Lambda::Function": 5,  # on_event, is_complete, 3 framework functions
    "AWS::StepFunctions::StateMachine": 1,
    "AWS::IAM::Role": 4,
    # Customer managed policies: the Bedrock policy, one per role this library makes, and the waiter
    # state machine role's (made inside custom_resources.Provider, its inline policy moved out): no inline policy.
    "AWS::IAM::ManagedPolicy": 5,
    "AWS::IAM::Policy": 0,
    "AWS::Logs::LogGroup": 2,
}
REGION_ARN = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}],
    ]
}


def region_arn(suffix: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                suffix,
            ],
        ]
    }


POLL = {
    "Sid": "PollCopyJobs",
    "Effect": "Allow",
    "Action": "bedrock:GetModelCopyJob",
    "Resource": region_arn(":model-copy-job/*"),
}
OWNER_STACK = "bedrock-model-copy:owner-stack"
OWNER_RESOURCE = "bedrock-model-copy:owner-resource"
COPY_REQUEST = "bedrock-model-copy:copy-request"
FIND_JOBS = {"Sid": "FindJobsToResume", "Effect": "Allow", "Action": "bedrock:ListModelCopyJobs", "Resource": "*"}
# docs/aws-behaviour.md T8: should Bedrock authorize targetModelTags as TagResource on the new model, the create's
# own tag conditions, on a model with no owner tag yet, and no library key but the ones the create sends.
TAG_ON_CREATE = {
    "Sid": "TagCopiesOnCreate",
    "Effect": "Allow",
    "Action": "bedrock:TagResource",
    "Resource": region_arn(":custom-model/*"),
    "Condition": {
        "StringEquals": {f"aws:RequestTag/{OWNER_STACK}": {"Ref": "AWS::StackName"}},
        "Null": {
            f"aws:ResourceTag/{OWNER_STACK}": "true",
            f"aws:RequestTag/{OWNER_RESOURCE}": "false",
            f"aws:RequestTag/{COPY_REQUEST}": "false",
        },
        "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": ["bedrock-model-copy:replaced-by"]},
    },
}
READ = {
    "Sid": "ReadModels",
    "Effect": "Allow",
    "Action": "bedrock:GetCustomModel",
    "Resource": region_arn(":custom-model/*"),
}
READ_TAGS = {
    "Sid": "ReadOwnershipTags",
    "Effect": "Allow",
    "Action": "bedrock:ListTagsForResource",
    "Resource": region_arn(":custom-model/*"),
}
READ_SERVED_TAGS = {
    "Sid": "ReadWhatServesModels",
    "Effect": "Allow",
    "Action": "bedrock:ListTagsForResource",
    "Resource": [region_arn(":provisioned-model/*"), region_arn(":custom-model-deployment/*")],
}
FIND_SERVED = {
    "Sid": "FindWhatServesModels",
    "Effect": "Allow",
    "Action": ["bedrock:ListProvisionedModelThroughputs", "bedrock:ListCustomModelDeployments"],
    "Resource": "*",
}
STACK_PHASE = {
    "Sid": "ReadOwnStackPhase",
    "Effect": "Allow",
    "Action": "cloudformation:DescribeStacks",
    "Resource": {
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
    },
}
OWNED = {f"aws:ResourceTag/{OWNER_STACK}": {"Ref": "AWS::StackName"}}
DELETE = {
    "Sid": "DeleteOwnCopies",
    "Effect": "Allow",
    "Action": "bedrock:DeleteCustomModel",
    "Resource": region_arn(":custom-model/*"),
    "Condition": {"StringEquals": OWNED},
}
RETAG = {
    "Sid": "RetagOwnCopies",
    "Effect": "Allow",
    "Action": ["bedrock:TagResource", "bedrock:UntagResource"],
    "Resource": region_arn(":custom-model/*"),
    "Condition": {
        "StringEquals": OWNED,
        "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": [OWNER_STACK, OWNER_RESOURCE, COPY_REQUEST]},
    },
}
RECORD_UPGRADED = {
    "Sid": "RecordOwnershipOfUpgradedCopies",
    "Effect": "Allow",
    "Action": "bedrock:TagResource",
    "Resource": region_arn(":custom-model/*"),
    "Condition": {
        "StringEquals": OWNED,
        "Null": {f"aws:ResourceTag/{OWNER_RESOURCE}": "true"},
        "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_RESOURCE, COPY_REQUEST]},
    },
}
# Granted whenever the provider exists: clean-up and rollback deletes run under the policy of the
# template that no longer holds the copy (the IAM-order rule of the ownership issue).
ALWAYS = [POLL, READ, READ_TAGS, READ_SERVED_TAGS, FIND_SERVED, STACK_PHASE, DELETE, RETAG, RECORD_UPGRADED]


def start(resources: list[Any]) -> dict[str, Any]:
    return {
        "Sid": "StartCopies",
        "Effect": "Allow",
        "Action": "bedrock:CreateModelCopyJob",
        "Resource": resources,
        "Condition": {
            "StringEquals": {
                "aws:RequestedRegion": {"Ref": "AWS::Region"},
                f"aws:RequestTag/{OWNER_STACK}": {"Ref": "AWS::StackName"},
            },
            "Null": {f"aws:RequestTag/{OWNER_RESOURCE}": "false", f"aws:RequestTag/{COPY_REQUEST}": "false"},
        },
    }


def new_stack(context: dict[str, Any] | None = None) -> cdk.Stack:
    return cdk.Stack(cdk.App(context=context or {}), "S", env=ENV)


def bedrock_policy(template: Template) -> dict[str, Any]:
    policies = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": "bedrock-model-copy: Bedrock permissions of the model copy handler"}},
    )
    assert len(policies) == 1
    return next(iter(policies.values()))["Properties"]["PolicyDocument"]


def test_one_copy_resource_counts() -> None:
    stack = new_stack()
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::BedrockModelCopy", 1)
    for resource_type, count in OVERHEAD_COUNTS.items():
        template.resource_count_is(resource_type, count)
    assert len(template.to_json()["Resources"]) == sum(OVERHEAD_COUNTS.values()) + 1


def test_many_instances_share_one_provider() -> None:
    stack = new_stack()
    for index in range(4):
        BedrockModelCopy(stack, f"Copy{index}", source_model_arn=SOURCE_ARN, target_model_name=f"copy-{index}")
    for index in range(3):
        ModelCopyJobWaiter(stack, f"Wait{index}", job_arn=f"{JOB_ARN[:-1]}{index}")
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::BedrockModelCopy", 7)
    for resource_type, count in OVERHEAD_COUNTS.items():
        template.resource_count_is(resource_type, count)
    tokens = {
        json.dumps(r["Properties"]["ServiceToken"])
        for r in template.find_resources("Custom::BedrockModelCopy").values()
    }
    assert len(tokens) == 1


def test_copy_resource_properties_and_policies() -> None:
    stack = new_stack()
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="support-bot-usw2",
        tags={"team": "ml"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.minutes(55),
        poll_interval=cdk.Duration.seconds(15),
    )
    template = Template.from_stack(stack)
    template.has_resource(
        "Custom::BedrockModelCopy",
        {
            "Properties": {
                "ServiceToken": {"Fn::GetAtt": [Match.string_like_regexp("frameworkonEvent"), "Arn"]},
                "ServiceTimeout": "3600",
                "Mode": "Copy",
                "SourceModelArn": SOURCE_ARN,
                "TargetModelName": "support-bot-usw2",
                "TargetModelTags": {"team": "ml"},
                "DeleteModelOnDelete": "true",
                "TimeoutSeconds": "3300",
                "PollIntervalSeconds": "15",
            },
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )
    props = next(iter(template.find_resources("Custom::BedrockModelCopy").values()))["Properties"]
    assert "TargetModelKmsKeyId" not in props and "JobArn" not in props


def test_default_removal_policy_is_retain() -> None:
    stack = new_stack()
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    template = Template.from_stack(stack)
    template.has_resource(
        "Custom::BedrockModelCopy",
        {
            "Properties": Match.object_like(
                {"DeleteModelOnDelete": "false", "TimeoutSeconds": "3420", "PollIntervalSeconds": "30"}
            ),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_waiter_resource_properties() -> None:
    stack = new_stack()
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN, timeout=cdk.Duration.minutes(10))
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "Custom::BedrockModelCopy",
        {
            "Mode": "Wait",
            "JobArn": JOB_ARN,
            "TimeoutSeconds": "600",
            "PollIntervalSeconds": "30",
            "ServiceTimeout": "3600",
        },
    )
    props = next(iter(template.find_resources("Custom::BedrockModelCopy").values()))["Properties"]
    assert set(props) == {"ServiceToken", "ServiceTimeout", "Mode", "JobArn", "TimeoutSeconds", "PollIntervalSeconds"}


def test_handler_functions_and_waiter_state_machine() -> None:
    stack = new_stack()
    BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", poll_interval=cdk.Duration.seconds(20)
    )
    template = Template.from_stack(stack)
    for handler in ("model_copy.handler.on_event", "model_copy.handler.is_complete"):
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Handler": handler,
                "Runtime": "python3.14",
                "Architectures": ["arm64"],
                "Timeout": 120,
                "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("HandlerLogs")}},
            },
        )
    state_machine = next(iter(template.find_resources("AWS::StepFunctions::StateMachine").values()))
    definition = json.dumps(state_machine["Properties"]["DefinitionString"])
    # 57 minutes in 20-second polls: 171 attempts; the handler fails with its own message first.
    assert '\\"IntervalSeconds\\":20,\\"MaxAttempts\\":171,\\"BackoffRate\\":1' in definition
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": False, "Destinations": Match.any_value()}},
    )


def test_every_log_group_has_retention_and_context_changes_it() -> None:
    stack = new_stack()
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    for log_group in Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 365
    stack = new_stack({"bedrock-model-copy:logRetentionDays": "30"})
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    log_groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup")
    assert {g["Properties"]["RetentionInDays"] for g in log_groups.values()} == {30}
    # Every function (the framework's included) logs to a group with retention.
    assert all("LoggingConfig" in f["Properties"] for f in functions.values())


def test_attributes_are_get_att_of_the_contract_names() -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    waiter = ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)
    names = PUBLIC_ATTRIBUTES
    for construct, prefix in ((copy, "C"), (waiter, "W")):
        for python_name in names:
            cdk.CfnOutput(stack, f"{prefix}{python_name.replace('_', '')}", value=getattr(construct, python_name))
    outputs = Template.from_stack(stack).to_json()["Outputs"]
    for construct, prefix in ((copy, "C"), (waiter, "W")):
        logical_id = stack.resolve(construct.resource.node.default_child.logical_id)  # type: ignore[union-attr]
        for python_name, attribute in names.items():
            assert outputs[f"{prefix}{python_name.replace('_', '')}"]["Value"] == {
                "Fn::GetAtt": [logical_id, attribute]
            }


# ---------------------------------------------------------------- IAM, exact per combination


def test_policy_waiter_only() -> None:
    stack = new_stack()
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)
    assert bedrock_policy(Template.from_stack(stack)) == {"Version": "2012-10-17", "Statement": ALWAYS}


def test_policy_is_the_same_for_retain_destroy_and_tags() -> None:
    # Delete and retag permissions do not follow the removal policy or the tags: a later deploy that
    # removes the last DESTROY copy or tag still needs them after CloudFormation has updated the policy.
    for tags, policy in (({}, cdk.RemovalPolicy.RETAIN), ({"a": "b"}, cdk.RemovalPolicy.DESTROY)):
        stack = new_stack()
        BedrockModelCopy(
            stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", tags=tags, removal_policy=policy
        )
        statements = bedrock_policy(Template.from_stack(stack))["Statement"]
        assert statements == [*ALWAYS, start([SOURCE_ARN]), FIND_JOBS, TAG_ON_CREATE]


def test_policy_every_option_and_sources_deduplicated() -> None:
    other = SOURCE_ARN.replace("abcdefghij12", "zzzzzzzzzz99")
    stack = new_stack()
    BedrockModelCopy(stack, "A", source_model_arn=SOURCE_ARN, target_model_name="a", tags={"a": "b"})
    BedrockModelCopy(
        stack, "B", source_model_arn=SOURCE_ARN, target_model_name="b", removal_policy=cdk.RemovalPolicy.DESTROY
    )
    BedrockModelCopy(stack, "C", source_model_arn=other, target_model_name="c")
    ModelCopyJobWaiter(stack, "W", job_arn=JOB_ARN)
    statements = bedrock_policy(Template.from_stack(stack))["Statement"]
    assert statements == [*ALWAYS, start([SOURCE_ARN, other]), FIND_JOBS, TAG_ON_CREATE]


def test_policy_token_source_is_scoped_to_the_accounts_custom_models() -> None:
    stack = new_stack()
    source = cdk.CfnParameter(stack, "Source").value_as_string
    BedrockModelCopy(stack, "Copy", source_model_arn=source, target_model_name="copy-1")
    expected = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:*:", {"Ref": "AWS::AccountId"}, ":custom-model/*"],
        ]
    }
    assert bedrock_policy(Template.from_stack(stack))["Statement"][len(ALWAYS)] == start([expected])


def test_policy_stays_bounded_with_many_distinct_sources() -> None:
    stack = new_stack()
    for index in range(400):
        account = "111122223333" if index % 2 else "444455556666"
        BedrockModelCopy(
            stack,
            f"Copy{index}",
            source_model_arn=f"arn:aws:bedrock:us-east-1:{account}:custom-model/amazon.nova-lite-v1:0:300k/{index:012d}",
            target_model_name=f"copy-{index}",
        )
    template = Template.from_stack(stack)
    statements = bedrock_policy(template)["Statement"]
    assert statements[len(ALWAYS)]["Resource"] == [
        "arn:aws:bedrock:us-east-1:111122223333:custom-model/*",
        "arn:aws:bedrock:us-east-1:444455556666:custom-model/*",
    ]
    # A customer managed policy holds at most 6,144 characters (IAM quotas; whitespace not counted).
    assert len(json.dumps(bedrock_policy(template), separators=(",", ":"))) < 6_144


VIA_BEDROCK = {
    "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["bedrock.us-west-2.", {"Ref": "AWS::URLSuffix"}]]}}
}
KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
# CreateGrant only for grants that Bedrock makes for itself (kms:GrantIsForAWSResource), through Bedrock.
CREATE_GRANT_CONDITION = {**VIA_BEDROCK, "Bool": {"kms:GrantIsForAWSResource": "true"}}


def handler_role_statements(template: Template) -> list[dict[str, Any]]:
    policies = {
        logical_id: policy
        for logical_id, policy in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith("BedrockModelCopyProviderHandlerRolePolicy")
    }
    (policy,) = policies.values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_kms_key_of_the_app_is_granted_through_its_grant_method_with_via_service() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", target_kms_key=key)
    template = Template.from_stack(stack)
    statements = handler_role_statements(template)
    assert {
        "Action": KMS_ACTIONS,
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": ["Key961B73FD", "Arn"]},
        "Condition": VIA_BEDROCK,
    } in statements
    assert {
        "Action": "kms:CreateGrant",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": ["Key961B73FD", "Arn"]},
        "Condition": CREATE_GRANT_CONDITION,
    } in statements
    # The key's policy delegates to the account's IAM (CDK's default key policy), so Key.grant
    # needs no key-policy statement of its own for a role of the same account.
    (key_resource,) = template.find_resources("AWS::KMS::Key").values()
    assert [s["Action"] for s in key_resource["Properties"]["KeyPolicy"]["Statement"]] == ["kms:*"]
    template.has_resource_properties(
        "Custom::BedrockModelCopy", {"TargetModelKmsKeyId": {"Fn::GetAtt": ["Key961B73FD", "Arn"]}}
    )


def test_imported_kms_key_gets_the_role_side_with_via_service() -> None:
    stack = new_stack()
    key_arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key = kms.Key.from_key_arn(stack, "Key", key_arn)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", target_kms_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    statements = handler_role_statements(template)
    assert {"Action": KMS_ACTIONS, "Effect": "Allow", "Resource": key_arn, "Condition": VIA_BEDROCK} in statements
    assert {
        "Action": "kms:CreateGrant",
        "Effect": "Allow",
        "Resource": key_arn,
        "Condition": CREATE_GRANT_CONDITION,
    } in statements
    template.has_resource_properties("Custom::BedrockModelCopy", {"TargetModelKmsKeyId": key_arn})


def test_kms_key_in_another_region_is_refused() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValueError,
        match=r"target_kms_key 'S/Key' is not valid: is in eu-west-1; the key that encrypts the copy must be in the stack's Region us-west-2",
    ):
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", target_kms_key=key)


def test_kms_key_construct_of_another_account_is_refused() -> None:
    app = cdk.App()
    key = kms.Key(cdk.Stack(app, "Keys", env=cdk.Environment(account="999988887777", region="us-west-2")), "Key")
    stack = cdk.Stack(app, "S", env=ENV)
    with pytest.raises(
        ValueError,
        match=r"target_kms_key 'Keys/Key' is not valid: is a kms.Key of account 999988887777; import it with Key.from_key_arn",
    ):
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", target_kms_key=key)


def test_no_wildcard_action_anywhere() -> None:
    stack = new_stack()
    BedrockModelCopy(
        stack,
        "A",
        source_model_arn=SOURCE_ARN,
        target_model_name="a",
        tags={"a": "b"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    ModelCopyJobWaiter(stack, "W", job_arn=JOB_ARN)
    template = Template.from_stack(stack)
    policies = [*template.find_resources("AWS::IAM::Policy").values()]
    policies += template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert len(policies) == 5
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all("*" not in action for action in actions), statement
            if statement["Resource"] == "*":
                # Only what AWS offers no resource-level permission for.
                no_resource_level = {
                    "bedrock:ListModelCopyJobs",
                    "bedrock:ListProvisionedModelThroughputs",
                    "bedrock:ListCustomModelDeployments",
                }
                assert set(actions) <= no_resource_level or all(a.startswith("logs:") for a in actions), statement


# ---------------------------------------------------------------- the handler asset


def _synth_asset_hash(tmp_path: Path, name: str) -> tuple[str, Path]:
    outdir = tmp_path / name
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "S", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1")
    app.synth()
    (path,) = handler_asset_dirs(outdir)
    return path.name, path


def test_asset_excludes_bytecode_and_its_hash_is_stable(tmp_path: Path) -> None:
    first_hash, _ = _synth_asset_hash(tmp_path, "first")
    stray = handler_asset_dir() / "model_copy" / "__pycache__" / "stray.cpython-311.pyc"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"\x00bytecode")
    try:
        second_hash, path = _synth_asset_hash(tmp_path, "second")
    finally:
        stray.unlink()
    assert first_hash == second_hash
    shipped = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    assert shipped == [
        "model_copy/__init__.py",
        "model_copy/advice.py",
        "model_copy/aws.py",
        "model_copy/contract.py",
        "model_copy/engine/__init__.py",
        "model_copy/engine/deleting.py",
        "model_copy/engine/handling.py",
        "model_copy/engine/lifecycle.py",
        "model_copy/engine/long_wait.py",
        "model_copy/engine/ownership.py",
        "model_copy/engine/phase.py",
        "model_copy/engine/reading.py",
        "model_copy/engine/replacing.py",
        "model_copy/engine/request.py",
        "model_copy/handler.py",
        "model_copy/import_contract.py",
        "model_copy/kinds/__init__.py",
        "model_copy/kinds/base.py",
        "model_copy/kinds/copy.py",
        "model_copy/kinds/copy_advice.py",
        "model_copy/kinds/deployment.py",
        "model_copy/kinds/fleet.py",
        "model_copy/kinds/import_advice.py",
        "model_copy/kinds/job.py",
        "model_copy/kinds/model_import.py",
        "model_copy/kinds/served.py",
        "model_copy/kinds/serving.py",
        "model_copy/kinds/throughput.py",
        "model_copy/kinds/waiter.py",
        "model_copy/logs.py",
        "model_copy/rules.py",
        "model_copy/serving_contract.py",
        "model_copy/serving_rules.py",
    ]


def test_asset_path_does_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert handler_asset_dir().is_absolute()
    assert (handler_asset_dir() / "model_copy" / "handler.py").is_file()


# ---------------------------------------------------------------- the final DeletionPolicy decides


def _deletion(stack: cdk.Stack) -> tuple[str, str]:
    (resource,) = Template.from_stack(stack).find_resources("Custom::BedrockModelCopy").values()
    return resource["DeletionPolicy"], resource["Properties"]["DeleteModelOnDelete"]


@pytest.mark.parametrize(
    ("prop", "apply", "expected"),
    [
        (cdk.RemovalPolicy.RETAIN, None, ("Retain", "false")),
        (cdk.RemovalPolicy.DESTROY, None, ("Delete", "true")),
        (cdk.RemovalPolicy.RETAIN, lambda stack, copy: cdk.RemovalPolicies.of(stack).destroy(), ("Delete", "true")),
        (cdk.RemovalPolicy.DESTROY, lambda stack, copy: cdk.RemovalPolicies.of(stack).retain(), ("Retain", "false")),
        (
            cdk.RemovalPolicy.RETAIN,
            lambda stack, copy: copy.resource.apply_removal_policy(cdk.RemovalPolicy.DESTROY),
            ("Delete", "true"),
        ),
        (
            cdk.RemovalPolicy.DESTROY,
            lambda stack, copy: setattr(copy.cfn_resource.cfn_options, "deletion_policy", cdk.CfnDeletionPolicy.RETAIN),
            ("Retain", "false"),
        ),
    ],
    ids=["prop-retain", "prop-destroy", "aspect-destroy", "aspect-retain", "apply-destroy", "cfn-options-retain"],
)
def test_the_handler_deletes_the_model_exactly_when_the_final_deletion_policy_is_delete(
    prop: cdk.RemovalPolicy, apply: Any, expected: tuple[str, str]
) -> None:
    stack = new_stack()
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy-1", removal_policy=prop)
    if apply is not None:
        apply(stack, copy)
    assert _deletion(stack) == expected
