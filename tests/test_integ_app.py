"""The opt-in real-AWS integration test: its app synthesizes here, and `make integ` explains itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from conftest import ROOT

sys.path.insert(0, str(ROOT / "integ"))

from integ_app import INTEG_TAG, PLACEHOLDER_SOURCE, build


def test_integ_app_synthesizes_both_cases_and_their_assertions(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    build(app)
    assembly = app.synth()
    names = sorted(stack.stack_name for stack in assembly.stacks)
    assert names[:2] == ["BedrockModelCopyInteg", "BedrockModelCopyIntegTestDefaultTestDeployAssert65A22110"]
    copy_stack = app.node.find_child("BedrockModelCopyInteg")
    assert isinstance(copy_stack, cdk.Stack)
    Template.from_stack(copy_stack).has_resource(
        "Custom::BedrockModelCopy",
        {
            "Properties": Match.object_like(
                {
                    "SourceModelArn": PLACEHOLDER_SOURCE,
                    "TargetModelName": "integ-copy-local",
                    "TargetModelTags": {INTEG_TAG: "local"},
                    "DeleteModelOnDelete": "true",
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )
    waiter_stack = app.node.find_child("BedrockModelCopyIntegWaiter")
    assert isinstance(waiter_stack, cdk.Stack)
    Template.from_stack(waiter_stack).has_resource_properties(
        "Custom::BedrockModelCopy", {"Mode": "Wait", "JobArn": {"Fn::ImportValue": Match.string_like_regexp("JobArn")}}
    )
    assertion_types = {
        r["Type"]
        for r in assembly.get_stack_by_name(names[1]).template["Resources"].values()
        if r["Type"].startswith("Custom::")
    }
    assert {
        "Custom::DeployAssert@SdkCallBedrockgetModelCopyJob",
        "Custom::DeployAssert@SdkCallBedrockgetCustomModel",
        "Custom::DeployAssert@SdkCallBedrocklistTagsForResource",
        "Custom::DeployAssert@AssertEquals",
    } <= assertion_types
    assert (tmp_path / "integ.json").is_file()
    (tags_call,) = [
        r
        for r in assembly.get_stack_by_name(names[1]).template["Resources"].values()
        if r["Type"] == "Custom::DeployAssert@SdkCallBedrocklistTagsForResource"
    ]
    # Nested matchers must be objects, not strings: the assertion handler only decodes objects.
    assert json.loads(tags_call["Properties"]["expected"]) == {
        "$ObjectLike": {"tags": {"$ArrayWith": [{"key": INTEG_TAG, "value": "local"}]}}
    }


def test_integ_entry_point_synthesizes_as_the_runner_calls_it(tmp_path: Path) -> None:
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "integ" / "integ.model_copy.py")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "BedrockModelCopyInteg.template.json").is_file()


@pytest.mark.parametrize("drop", ["BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN", "credentials"])
def test_make_integ_without_settings_stops_at_once_and_says_what_to_set(drop: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("BEDROCK_COPY_INTEG")}
    env.update(
        {
            "HOME": str(tmp_path),  # no ~/.aws
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "BEDROCK_COPY_INTEG_REGION": "us-west-2",
        }
    )
    if drop != "BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN":
        env["BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN"] = PLACEHOLDER_SOURCE
    result = subprocess.run(
        [sys.executable, str(ROOT / "integ" / "run.py")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "make integ needs a real AWS account; nothing was deployed" in result.stderr
    expected = "AWS credentials" if drop == "credentials" else "BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN"
    assert f"Missing: {expected}" in result.stderr
    assert "cdk deploy" not in result.stdout + result.stderr


def test_assertion_results_are_read_as_the_integ_runner_reads_them() -> None:
    from run import assertion_failures

    stack = "BedrockModelCopyIntegTestDefaultTestDeployAssert65A22110"
    passed = {
        "BedrockModelCopyInteg": {"TargetModelArn": "arn"},
        stack: {"AssertionResultsAwsApiCallBedrockgetModelCopyJob": '{"status":"success"}'},
    }
    assert assertion_failures(passed) == []
    failed = {
        stack: {
            "AssertionResultsA": '{"status":"success"}',
            "AssertionResultsB": '{"status":"fail","message":"Expected Completed\nactual InProgress"}',
        }
    }
    assert assertion_failures(failed) == ["AssertionResultsB: Expected Completed\nactual InProgress"]
    assert assertion_failures({"BedrockModelCopyInteg": {}}) == [
        "no assertion results: the assertion stack reported nothing"
    ]
