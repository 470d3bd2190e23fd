"""Shared fixtures: synthesized stacks, the fake Bedrock and the simulated provider framework."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import assertions
from botocore.stub import Stubber

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from bedrock_model_copy.cli._aws import Aws
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, ProviderFramework, simulated_environment
from bedrock_model_copy.testing.iam import PolicySet, handler_role_policies

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"

SOURCE_ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
OTHER_SOURCE_ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-micro-v1:0:128k/zyxwvutsrq98"
JOB_ARN = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12"
ENV = cdk.Environment(account="111122223333", region="us-west-2")
STACK_NAME = "BedrockModelCopyExample"  # CloudFormationStack's default name

# The public attributes and their CloudFormation names, as the design fixes them (issue 2).
# Written out here, independently of both contract modules, so tests can hold both to it.
PUBLIC_ATTRIBUTES = {
    "target_model_arn": "TargetModelArn",
    "target_model_name": "TargetModelName",
    "job_arn": "JobArn",
    "source_model_arn": "SourceModelArn",
    "source_model_name": "SourceModelName",
    "source_account_id": "SourceAccountId",
    "target_model_kms_key_arn": "TargetModelKmsKeyArn",
    "status": "Status",
    "creation_time": "CreationTime",
}


def load_event(name: str) -> dict[str, Any]:
    """A JSON event fixture from tests/events/."""
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "TestStack", env=ENV)


def handler_asset_dirs(outdir: Path) -> list[Path]:
    """The file assets of a cloud assembly that hold the handler package."""
    manifest = json.loads(next(outdir.glob("*.assets.json")).read_text())
    paths = (outdir / asset["source"]["path"] for asset in manifest["files"].values())
    return [path for path in paths if (path / "model_copy" / "handler.py").is_file()]


def template_of(stack: cdk.Stack) -> assertions.Template:
    return assertions.Template.from_stack(stack)


def copy_properties(**overrides: Any) -> dict[str, Any]:
    """ResourceProperties as the construct writes them for a default BedrockModelCopy."""
    properties: dict[str, Any] = {
        "Mode": "Copy",
        "SourceModelArn": SOURCE_ARN,
        "TargetModelName": "support-bot-usw2",
        "DeleteModelOnDelete": "false",
        "TimeoutSeconds": "3420",
        "PollIntervalSeconds": "30",
    }
    properties.update(overrides)
    return {key: value for key, value in properties.items() if value is not None}


def synthesized_handler_policies(build: Any) -> list[dict[str, Any]]:
    """The handler role's policy documents of a stack that ``build(stack)`` fills, as IAM sees them deployed."""
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    build(stack)
    template = assertions.Template.from_stack(stack).to_json()
    policies = handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    return policies.documents


def _copies_and_a_waiter(stack: cdk.Stack) -> None:
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="support-bot-usw2",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    BedrockModelCopy(stack, "Other", source_model_arn=OTHER_SOURCE_ARN, target_model_name="other-copy")
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)


def _waiter_only(stack: cdk.Stack) -> None:
    ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN)


@pytest.fixture(scope="session")
def copy_stack_policies() -> list[dict[str, Any]]:
    """The synthesized handler policies of a stack with two copies (one DESTROY) and a waiter."""
    return synthesized_handler_policies(_copies_and_a_waiter)


@pytest.fixture(scope="session")
def waiter_stack_policies() -> list[dict[str, Any]]:
    """The synthesized handler policies once the template holds only a waiter (every copy removed)."""
    return synthesized_handler_policies(_waiter_only)


@pytest.fixture
def fake(copy_stack_policies: list[dict[str, Any]]) -> FakeBedrock:
    """The fake Bedrock, enforcing the handler role's synthesized IAM policies."""
    return FakeBedrock(iam=PolicySet(copy.deepcopy(copy_stack_policies)))


# docs/aws-behaviour.md T8: whether Bedrock also authorizes a create's tags as TagResource on the new resource is
# unconfirmed. The copy lifecycle modules override ``fake`` with these params to run under both readings.
TAG_ON_CREATE_READINGS = {"params": [True, False], "ids": ["create-tags-as-TagResource", "create-tags-only-on-create"]}


def fake_under_reading(request: pytest.FixtureRequest, policies: list[dict[str, Any]]) -> FakeBedrock:
    """``fake`` under one reading of tag-on-create (``request.param``: whether tags are authorized as TagResource)."""
    return FakeBedrock(iam=PolicySet(copy.deepcopy(policies)), create_tags_as_tag_resource=request.param)


@pytest.fixture
def framework(fake: FakeBedrock) -> Iterator[ProviderFramework]:
    with simulated_environment(fake) as running:
        yield running


@pytest.fixture
def cfn(framework: ProviderFramework) -> CloudFormationStack:
    return CloudFormationStack(framework)


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Aws, Stubber, Stubber]]:
    """The command's AWS access in us-west-2 with stubbed Bedrock and CloudFormation clients (each used up)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws = Aws()
    session = boto3.session.Session(region_name=str(ENV.region))
    bedrock, cloudformation = session.client("bedrock"), session.client("cloudformation")
    aws._clients[("bedrock", str(ENV.region))] = bedrock
    aws._clients[("cloudformation", str(ENV.region))] = cloudformation
    with Stubber(bedrock) as bedrock_stub, Stubber(cloudformation) as cfn_stub:
        yield aws, bedrock_stub, cfn_stub
        bedrock_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()
