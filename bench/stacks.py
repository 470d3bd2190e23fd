"""Stacks the benchmark synthesizes: this library's shared provider, and the naive pattern."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy._asset import ASSET_EXCLUDES, handler_asset_dir
from constructs import Construct

ENV = cdk.Environment(account="111122223333", region="us-west-2")


def source_arn(index: int) -> str:
    return f"arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/{index:012d}"


class NaiveModelCopy(Construct):
    """What a user writes without this library: handler functions and a Provider for every copy."""

    def __init__(self, scope: Construct, id: str, *, source_model_arn: str, target_model_name: str) -> None:
        super().__init__(scope, id)
        code = lambda_.Code.from_asset(str(handler_asset_dir()), exclude=ASSET_EXCLUDES)
        on_event = lambda_.Function(
            self, "OnEvent", code=code, handler="model_copy.handler.on_event", runtime=lambda_.Runtime.PYTHON_3_14
        )
        is_complete = lambda_.Function(
            self, "IsComplete", code=code, handler="model_copy.handler.is_complete", runtime=lambda_.Runtime.PYTHON_3_14
        )
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=on_event,
            is_complete_handler=is_complete,
            query_interval=cdk.Duration.seconds(30),
            total_timeout=cdk.Duration.minutes(57),
        )
        cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::BedrockModelCopy",
            properties={"Mode": "Copy", "SourceModelArn": source_model_arn, "TargetModelName": target_model_name},
        )


def build(app: cdk.App, count: int, pattern: str) -> cdk.Stack:
    """A stack named Bench with ``count`` copies made the ``pattern`` way (``shared``, ``long``, ``served`` or ``naive``).

    ``served``: shared copies, each with an on-demand deployment and a Provisioned Throughput.

    ``long``: long copies (``timeout`` 6 hours): a WaitCondition and a result resource each, and the
    stack's copy watcher.
    """
    stack = cdk.Stack(app, "Bench", env=ENV)
    timeout = cdk.Duration.hours(6) if pattern == "long" else None
    for index in range(count):
        if pattern in ("shared", "long", "served"):
            copied = BedrockModelCopy(
                stack,
                f"Copy{index}",
                source_model_arn=source_arn(index),
                target_model_name=f"copy-{index}",
                tags={"team": "ml"},
                timeout=timeout,
            )
            if pattern == "served":  # each copy served both ways (issue 16)
                copied.deploy_on_demand()
                copied.provision(model_units=1)
        else:
            NaiveModelCopy(stack, f"Copy{index}", source_model_arn=source_arn(index), target_model_name=f"copy-{index}")
    return stack
