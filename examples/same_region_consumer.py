#!/usr/bin/env python3
"""Copy a model and use it from the same stack: a function allowed to invoke exactly the copied model.

    cdk synth --app "python3 examples/same_region_consumer.py"

A copied customized model is invoked through a deployment, not by its own ARN: the stack deploys
the copy on demand, the function receives the deployment ARN in its environment, and its role may
call ``bedrock:InvokeModel`` through that deployment only (``grant_invoke``). CloudFormation orders
it after the copy and the deployment because it reads their attributes.
"""

from __future__ import annotations

import aws_cdk as cdk
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
        endpoint = copy.deploy_on_demand()
        function = lambda_.Function(
            self,
            "Invoker",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={"MODEL_ARN": endpoint.model_arn},  # the deployment ARN: what Bedrock invokes
            timeout=cdk.Duration.seconds(60),
            log_group=logs.LogGroup(self, "InvokerLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        endpoint.grant_invoke(function)
        cdk.CfnOutput(self, "InvokerName", value=function.function_name)
        cdk.CfnOutput(self, "ModelArn", value=copy.target_model_arn)
        cdk.CfnOutput(self, "DeploymentArn", value=endpoint.arn)


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
