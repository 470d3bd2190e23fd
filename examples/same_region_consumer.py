#!/usr/bin/env python3
"""Copy a model and use it from the same stack: a function allowed to invoke exactly the copied model.

    cdk synth --app "python3 examples/same_region_consumer.py"

The function receives the copied model's ARN in its environment, and its role may call
``bedrock:InvokeModel`` on that model only. CloudFormation orders it after the copy because it
reads ``target_model_arn``. (A custom model is invoked through Provisioned Throughput or an
on-demand deployment; create one for the copied model before invoking it.)
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from bedrock_model_copy import BedrockModelCopy
from constructs import Construct

HANDLER = """
import json, os, boto3
runtime = boto3.client("bedrock-runtime")
def handler(event, context):
    response = runtime.invoke_model(modelId=os.environ["MODEL_ARN"], body=json.dumps(event["body"]))
    return json.loads(response["body"].read())
"""


class CopyAndUseStack(cdk.Stack):
    def __init__(
        self, scope: Construct, id: str, *, source_model_arn: str, target_model_name: str, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        copy = BedrockModelCopy(self, "Copy", source_model_arn=source_model_arn, target_model_name=target_model_name)
        function = lambda_.Function(
            self,
            "Invoker",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={"MODEL_ARN": copy.target_model_arn},
            timeout=cdk.Duration.seconds(60),
            log_group=logs.LogGroup(self, "InvokerLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=[copy.target_model_arn])
        )
        cdk.CfnOutput(self, "InvokerName", value=function.function_name)
        cdk.CfnOutput(self, "ModelArn", value=copy.target_model_arn)


def build_app(app: cdk.App) -> cdk.App:
    context = app.node.try_get_context
    CopyAndUseStack(
        app,
        "BedrockModelCopyAndUse",
        env=cdk.Environment(account=str(context("account")), region=str(context("targetRegion"))),
        source_model_arn=str(context("sourceModelArn")),
        target_model_name=str(context("targetModelName")),
    )
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
