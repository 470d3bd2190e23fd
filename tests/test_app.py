"""The example app: its stacks, the cross-stack use of target_model_arn, the CLI synth and make demo."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from app import build_app
from conftest import ROOT

CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]


def synth_example(**overrides: str) -> cdk.App:
    app = build_app(cdk.App(context={**CONTEXT, **overrides}))
    app.synth()
    return app


def test_copy_stack_and_consumer_stack() -> None:
    app = synth_example()
    copy_stack = app.node.find_child("BedrockModelCopyExample")
    consumer = app.node.find_child("BedrockModelConsumerExample")
    assert isinstance(copy_stack, cdk.Stack) and isinstance(consumer, cdk.Stack)
    assert copy_stack.region == "us-west-2" and copy_stack.account == "111122223333"
    copy_template = Template.from_stack(copy_stack)
    copy_template.has_resource_properties(
        "Custom::BedrockModelCopy",
        {"SourceModelArn": CONTEXT["sourceModelArn"], "TargetModelName": "support-bot-usw2", "Mode": "Copy"},
    )
    copy_template.has_output(
        "TargetModelArn", {"Value": {"Fn::GetAtt": [Match.string_like_regexp("^Copy"), "TargetModelArn"]}}
    )
    copy_template.has_resource_properties(
        "Custom::BedrockCustomModelDeployment",
        {"ModelArn": {"Fn::GetAtt": [Match.string_like_regexp("^Copy"), "TargetModelArn"]}},
    )
    imported = {"Fn::ImportValue": Match.string_like_regexp("TargetModelArn")}
    deployment = {"Fn::ImportValue": Match.string_like_regexp("OnDemand.*Arn")}
    consumer_template = Template.from_stack(consumer)
    # Invoked through the deployment (a customized model answers nothing by its own ARN).
    consumer_template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                        "Effect": "Allow",
                        "Resource": Match.array_with([deployment]),
                    }
                ]
            }
        },
    )
    consumer_template.has_resource_properties("AWS::SSM::Parameter", {"Value": imported})
    consumer_template.has_output("ModelArnParameterName", {})


def test_context_overrides_reach_the_stacks() -> None:
    app = synth_example(targetRegion="eu-central-1", targetModelName="support-bot-euc1", account="444455556666")
    stack = app.node.find_child("BedrockModelCopyExample")
    assert isinstance(stack, cdk.Stack)
    assert stack.region == "eu-central-1" and stack.account == "444455556666"
    Template.from_stack(stack).has_resource_properties(
        "Custom::BedrockModelCopy", {"TargetModelName": "support-bot-euc1"}
    )


def test_cdk_cli_synthesizes_the_example_app(tmp_path: Path) -> None:
    cdk_cli = shutil.which("cdk", path=str(ROOT / "node_modules" / ".bin"))
    assert cdk_cli, "the pinned aws-cdk CLI is installed by `make venv` (npm ci)"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CDK_DISABLE_VERSION_CHECK": "1",
    }
    result = subprocess.run(
        [cdk_cli, "synth", "--quiet", "--output", str(tmp_path), "-c", "targetModelName=from-the-cli"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # A newcomer's first command prints no warnings (reference strength, unconfigured feature flags).
    output = result.stdout + result.stderr
    assert "WARNING" not in output.upper() and "feature flags are not configured" not in output, output[-3000:]
    template = json.loads((tmp_path / "BedrockModelCopyExample.template.json").read_text())
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::BedrockModelCopy"]
    assert resource["Properties"]["TargetModelName"] == "from-the-cli"
    assert (tmp_path / "BedrockModelConsumerExample.template.json").is_file()


STACK_EVENT = re.compile(
    r"(?P<time>\d\d:\d\d:\d\d)  (?P<id>\S+) +(?P<status>[A-Z_]+) +(?P<type>(AWS|Custom)::\S+)( +(?P<reason>.*))?"
)
# The resource and stack statuses CloudFormation reports (DescribeStackEvents' ResourceStatus).
CFN_STATUSES = {
    "CREATE_IN_PROGRESS",
    "CREATE_COMPLETE",
    "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_COMPLETE",
}


def demo_events(*args: str) -> tuple[int, list[dict[str, str]], str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    events = [match.groupdict() for line in result.stdout.splitlines() if (match := STACK_EVENT.fullmatch(line))]
    return result.returncode, events, result.stdout + result.stderr


def test_make_demo_shows_the_events_cloudformation_shows_and_the_outputs() -> None:
    returncode, events, output = demo_events("--copy-minutes", "12")
    assert returncode == 0, output[-3000:]
    assert {event["status"] for event in events} <= CFN_STATUSES
    first, last = events[0], events[-1]
    assert (first["id"], first["status"], first["type"], first["reason"]) == (
        "BedrockModelCopyExample",
        "CREATE_IN_PROGRESS",
        "AWS::CloudFormation::Stack",
        "User Initiated",
    )
    assert (last["id"], last["status"], last["type"]) == (
        "BedrockModelCopyExample",
        "CREATE_COMPLETE",
        "AWS::CloudFormation::Stack",
    )
    copy = [event for event in events if event["type"] == "Custom::BedrockModelCopy"]
    # CloudFormation shows a custom resource twice: when it starts and when it ends, nothing while it waits.
    assert [(event["id"], event["status"]) for event in copy] == [
        ("Copy1ED8A51E", "CREATE_IN_PROGRESS"),
        ("Copy1ED8A51E", "CREATE_COMPLETE"),
    ]
    minutes = [int(event["time"][:2]) * 60 + int(event["time"][3:5]) for event in copy]
    assert minutes[1] - minutes[0] == 12
    # Every other resource is complete before the copy starts (the copy references the provider).
    started = events.index(copy[0])
    for event in events[1:started]:
        assert (
            event["status"] in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE") and event["type"] != "Custom::BedrockModelCopy"
        )
    assert sum(event["status"] == "CREATE_COMPLETE" for event in events[1:started]) == (started - 1) / 2
    assert "running (" not in output
    assert any(
        line.startswith("BedrockModelCopyExample.TargetModelArn = arn:aws:bedrock:us-west-2:111122223333:custom-model/")
        for line in output.splitlines()
    )


def test_make_demo_shows_a_failure_as_the_stack_events_would() -> None:
    returncode, events, output = demo_events("--fail", "Source model KMS key denied")
    assert returncode == 1
    (failed,) = [event for event in events if event["status"] == "CREATE_FAILED"]
    assert (failed["id"], failed["type"]) == ("Copy1ED8A51E", "Custom::BedrockModelCopy")
    assert failed["reason"].startswith("Model copy job arn:aws:bedrock:us-west-2:111122223333:model-copy-job/")
    assert "failed: Source model KMS key denied." in failed["reason"]
    statuses = [(event["id"], event["status"]) for event in events]
    rollback = statuses.index(("BedrockModelCopyExample", "ROLLBACK_IN_PROGRESS"))
    assert events[rollback]["reason"] == (
        "The following resource(s) failed to create: [Copy1ED8A51E]. Rollback requested by user."
    )
    assert statuses[-1] == ("BedrockModelCopyExample", "ROLLBACK_COMPLETE")
    assert {status for _, status in statuses[rollback + 1 : -1]} == {"DELETE_IN_PROGRESS", "DELETE_COMPLETE"}
    assert "Outputs:" not in output


def _example(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_multi_region_example_gathers_every_copy(tmp_path: Path) -> None:
    example = _example("multi_region")
    app = cdk.App(outdir=str(tmp_path), context={**CONTEXT, "targetRegions": "us-west-2,eu-central-1"})
    example.build_app(app)  # type: ignore[attr-defined]
    assembly = app.synth()
    for region in ("us-west-2", "eu-central-1"):
        template = assembly.get_stack_by_name(f"ModelCopy-{region}").template
        (copy,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::BedrockModelCopy"]
        assert copy["Properties"]["TargetModelName"] == f"support-bot-usw2-{region}"
    catalog = assembly.get_stack_by_name("ModelCopyCatalog")
    assert catalog.environment.region == "us-east-1"
    parameters = [r for r in catalog.template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"]
    assert sorted(p["Properties"]["Name"] for p in parameters) == [
        "/bedrock-model-copy/support-bot-usw2/eu-central-1",
        "/bedrock-model-copy/support-bot-usw2/us-west-2",
    ]


def test_same_region_consumer_example_invokes_only_the_copy(tmp_path: Path) -> None:
    example = _example("same_region_consumer")
    app = cdk.App(outdir=str(tmp_path), context=CONTEXT)
    example.build_app(app)  # type: ignore[attr-defined]
    stack = app.node.find_child("BedrockModelCopyAndUse")
    assert isinstance(stack, cdk.Stack)
    template = Template.from_stack(stack)
    arn = {"Fn::GetAtt": [Match.string_like_regexp("^CopyOnDemand"), "Arn"]}
    template.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": {"MODEL_ARN": arn}}})
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                            "Effect": "Allow",
                            "Resource": Match.array_with([arn]),
                        }
                    ]
                )
            }
        },
    )


def test_long_copy_example_waits_hours_in_one_simulated_deploy() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "long_copy.py"), "--simulate", "--copy-hours", "2.5"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Received SUCCESS signal with UniqueId copy-InProgress-polled-" in result.stdout
    assert "(+ 2.5 h)  BedrockModelLongCopy  CREATE_COMPLETE" in result.stdout
    assert "BedrockModelLongCopy.ModelArn = arn:aws:bedrock:us-west-2:111122223333:custom-model/" in result.stdout
    template = _example("long_copy").build_app(cdk.App()).synth().get_stack_by_name("BedrockModelLongCopy").template  # type: ignore[attr-defined]
    (wait,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::WaitCondition"]
    assert wait["CreationPolicy"]["ResourceSignal"]["Timeout"] == "PT22500S"  # 6 h plus the 15-minute backstop


def test_simulate_prints_the_stack_events_outputs_and_the_answer() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "serve_copy.py"),
            "--simulate",
            "--copy-minutes",
            "25",
            "--prompt",
            "ping",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.endswith("Copy1ED8A51E  CREATE_COMPLETE") for line in lines)
    assert any(line.endswith("CopyOnDemandE9F0C920  CREATE_COMPLETE") for line in lines)
    assert any(
        line.startswith(
            "BedrockServeCopy.DeploymentArn = arn:aws:bedrock:us-west-2:111122223333:custom-model-deployment/"
        )
        for line in lines
    )
    assert 'Invoker({"prompt": "ping"}) -> {"answer": "(fake answer of arn:aws:bedrock:us-west-2:' in result.stdout


def test_simulate_a_failed_copy_buys_nothing_and_fails() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "serve_copy.py"),
            "--simulate",
            "--fail",
            "Source model KMS key denied",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Copy1ED8A51E  CREATE_FAILED" in result.stdout and "Source model KMS key denied" in result.stdout
    assert "CopyOnDemand" not in result.stdout and "Invoker(" not in result.stdout
