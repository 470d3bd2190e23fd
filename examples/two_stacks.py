#!/usr/bin/env python3
"""A copy and its on-demand deployment in one stack, the function that invokes it in another.

    cdk synth --app "python3 examples/two_stacks.py"

``ModelStack`` copies a customized model into us-west-2 and deploys the copy on demand.
``InvokerStack`` gets the deployment construct: its function's ``MODEL_ID`` (``endpoint.model_arn``) and
``endpoint.grant_invoke(function)`` are cross-stack references, so CDK exports the deployment's ARN (and
the model it serves) from ``ModelStack`` and imports them in ``InvokerStack`` (``Fn::ImportValue``); CDK
deploys ``ModelStack`` first. ``examples/test_two_stacks.py`` deploys the whole app offline with
``bedrock_model_copy.testing.deploy_app`` and invokes the deployment as the function's role, with no value
written by hand.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from bedrock_model_copy import BedrockModelCopy, CustomModelDeployment
from constructs import Construct

SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
ENV = cdk.Environment(account="111122223333", region="us-west-2")

# The function's code: it invokes whatever MODEL_ID names (the deployment ARN), in Nova's message format.
HANDLER = """
import json, os, boto3
runtime = boto3.client("bedrock-runtime")
def handler(event, context):
    body = {"messages": [{"role": "user", "content": [{"text": event["prompt"]}]}]}
    response = runtime.invoke_model(modelId=os.environ["MODEL_ID"], body=json.dumps(body))
    answer = json.loads(response["body"].read())
    return {"answer": answer["output"]["message"]["content"][0]["text"]}
"""


class ModelStack(cdk.Stack):
    """The copy, and its deployment once the copy completes."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.copy = BedrockModelCopy(self, "Copy", source_model_arn=SOURCE, tags={"team": "ml"})
        self.endpoint: CustomModelDeployment = self.copy.deploy_on_demand()  # billed per token
        cdk.CfnOutput(self, "DeploymentArn", value=self.endpoint.arn)


class InvokerStack(cdk.Stack):
    """A function that invokes the deployment of another stack."""

    def __init__(self, scope: Construct, id: str, *, endpoint: CustomModelDeployment, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.function = lambda_.Function(
            self,
            "Invoker",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={"MODEL_ID": endpoint.model_arn},  # imported from ModelStack's export
            timeout=cdk.Duration.seconds(60),
            log_group=logs.LogGroup(self, "InvokerLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        endpoint.grant_invoke(self.function)  # the function's role: InvokeModel on the imported ARNs


def build_app(app: cdk.App) -> tuple[ModelStack, InvokerStack]:
    model = ModelStack(app, "ModelStack", env=ENV)
    invoker = InvokerStack(app, "InvokerStack", env=ENV, endpoint=model.endpoint)
    return model, invoker


if __name__ == "__main__":
    application = cdk.App()
    build_app(application)
    application.synth()
