"""A corpus of apps whose templates must not change across a refactor (issue 21, point 7).

Each app uses only the public API that 0.2.0 already had, so the same code synthesizes under 0.2.0 and
now. ``tests/fixtures/v0_2_0/templates/<name>.json`` holds what 0.2.0 synthesized (recorded with
``python tests/corpus.py record`` on the 0.2.0 tree); ``tests/test_corpus.py`` compares.

Normalized before comparing: asset hashes (the handler's code changes with every release) and the
version string in descriptions; nothing else.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from bedrock_model_copy import (
    BedrockModelCopy,
    Commitment,
    CustomModelDeployment,
    ModelCopyJobWaiter,
    ModelCopyProviderOptions,
    ProvisionedThroughput,
)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "v0_2_0" / "templates"
ENV = cdk.Environment(account="111122223333", region="us-west-2")
SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
OTHER = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-micro-v1:0:128k/zyxwvutsrq98"
JOB = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12"
MODEL = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/mnopqrstuv34"


def default(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Default", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE)


def every_option(app: cdk.App) -> None:
    stack = cdk.Stack(app, "EveryOption", env=ENV)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-west-2a", "us-west-2b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    options = ModelCopyProviderOptions(
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        encryption_key=kms.Key(stack, "LogKey", enable_key_rotation=True),
        tracing=True,
        reserved_concurrent_executions=2,
        log_retention_days=2557,
    )
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE,
        target_model_name="every-option-copy",
        target_kms_key=kms.Key(stack, "CopyKey", enable_key_rotation=True),
        tags={"team": "ml", "data-class": "phi"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.minutes(55),
        poll_interval=cdk.Duration.seconds(15),
        provider_options=options,
    )
    ModelCopyJobWaiter(
        stack,
        "Waiter",
        job_arn=JOB,
        timeout=cdk.Duration.minutes(40),
        poll_interval=cdk.Duration.seconds(15),
        provider_options=options,
    )
    cdk.Tags.of(stack).add("cost-center", "42")


def long_copies(app: cdk.App) -> None:
    stack = cdk.Stack(app, "LongCopies", env=ENV)
    BedrockModelCopy(
        stack, "Long", source_model_arn=SOURCE, target_model_name="long-copy", timeout=cdk.Duration.hours(6)
    )
    BedrockModelCopy(
        stack,
        "Longest",
        source_model_arn=OTHER,
        timeout=cdk.Duration.hours(12),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    BedrockModelCopy(stack, "Short", source_model_arn=SOURCE, target_model_name="short-copy")


def serving(app: cdk.App) -> None:
    stack = cdk.Stack(app, "Serving", env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE, removal_policy=cdk.RemovalPolicy.DESTROY)
    deployment = copied.deploy_on_demand(tags={"team": "ml"})
    throughput = copied.provision(model_units=1)
    ProvisionedThroughput(stack, "Committed", model=copied, model_units=2, commitment=Commitment.ONE_MONTH)
    CustomModelDeployment(stack, "ByArn", model=MODEL, description="a model copied elsewhere")
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    deployment.grant_invoke(invoker)
    throughput.grant_invoke(invoker)


def deployment_only(app: cdk.App) -> None:
    stack = cdk.Stack(app, "DeploymentOnly", env=ENV)
    CustomModelDeployment(stack, "Deployment", model=MODEL)


def throughput_only(app: cdk.App) -> None:
    stack = cdk.Stack(app, "ThroughputOnly", env=ENV)
    ProvisionedThroughput(stack, "Throughput", model=MODEL, model_units=1)


def long_serving(app: cdk.App) -> None:
    stack = cdk.Stack(app, "LongServing", env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE, timeout=cdk.Duration.hours(3))
    copied.deploy_on_demand(timeout=cdk.Duration.hours(2))
    copied.provision(model_units=2, commitment=Commitment.SIX_MONTHS, timeout=cdk.Duration.hours(3))


def regulated_serving(app: cdk.App) -> None:
    stack = cdk.Stack(app, "RegulatedServing", env=ENV)
    options = ModelCopyProviderOptions(
        encryption_key=kms.Key(stack, "LogKey", enable_key_rotation=True), tracing=True, log_retention_days=2557
    )
    copied = BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE, target_model_name="regulated", provider_options=options
    )
    copied.deploy_on_demand(tags={"data-class": "phi"})
    copied.provision(model_units=1)
    fn = lambda_.Function(
        stack,
        "Invoker",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )
    copied.deploy_on_demand("Second", deployment_name="second").grant_invoke(fn)


APPS: dict[str, Callable[[cdk.App], None]] = {
    "default": default,
    "every_option": every_option,
    "long_copies": long_copies,
    "serving": serving,
    "deployment_only": deployment_only,
    "throughput_only": throughput_only,
    "long_serving": long_serving,
    "regulated_serving": regulated_serving,
}

_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalize(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes replaced (the handler's code is not what the corpus pins)."""
    text = json.dumps(template, sort_keys=True, indent=1)
    text = _ASSET_HASH.sub("<asset-hash>", text)
    return dict(json.loads(text))


def synthesize(name: str) -> dict[str, dict[str, Any]]:
    """Stack name -> normalized template, for one app of the corpus."""
    app = cdk.App()
    APPS[name](app)
    return {
        stack.stack_name: normalize(Template.from_stack(stack).to_json())
        for stack in app.node.children
        if isinstance(stack, cdk.Stack)
    }


def recorded(name: str) -> dict[str, dict[str, Any]]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text()))


def record() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name in APPS:
        (FIXTURES / f"{name}.json").write_text(json.dumps(synthesize(name), sort_keys=True, indent=1) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["record"]:
        raise SystemExit("usage: python tests/corpus.py record")
    record()
