#!/usr/bin/env python3
"""A user's app, written the way a CDK user writes one: the copy is just another Bedrock model.

    cdk synth --app "python3 examples/user_app.py"

- the source model's ARN comes from an SSM parameter (a token until deploy time) and the
  copy is encrypted with a KMS key of the same stack;
- no ``target_model_name``: the construct generates a stable, unique one;
- ``Tags.of(app)`` tags the copied model like every other resource;
- ``RemovalPolicies.of(stack)`` makes this development stack remove the copy with itself;
- the copy is deployed on demand (a customized model is invoked through a deployment, not by its
  own ARN), and the deployment is passed as an ``aws_bedrock.IModel`` to a Step Functions task.

``examples/test_user_app.py`` is the user's own pytest for this stack, offline, with the
library's testing kit.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from bedrock_model_copy import BedrockModelCopy
from constructs import Construct

SOURCE_PARAMETER = "/models/support-bot/source-arn"
ENV = cdk.Environment(account="111122223333", region="us-west-2")


def summarizer(scope: Construct, id: str, model: bedrock.IModel) -> sfn.StateMachine:
    """A state machine that invokes ``model``: a deployment or Provisioned Throughput of a copy."""
    invoke = tasks.BedrockInvokeModel(
        scope,
        f"{id}Invoke",
        model=model,  # an aws_bedrock.IModel: model_arn is the deployment's ARN, the one Bedrock invokes
        body=sfn.TaskInput.from_object({"inputText": sfn.JsonPath.string_at("$.text")}),
        result_selector={"summary": sfn.JsonPath.string_at("$.Body.results[0].outputText")},
    )
    return sfn.StateMachine(scope, id, definition_body=sfn.DefinitionBody.from_chainable(invoke))


class SupportBotStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        key = kms.Key(self, "ModelKey", enable_key_rotation=True)
        self.copy = BedrockModelCopy(
            self,
            "SupportBot",
            source_model_arn=ssm.StringParameter.value_for_string_parameter(self, SOURCE_PARAMETER),
            target_kms_key=key,
            tags={"team": "support"},
        )
        self.endpoint = self.copy.deploy_on_demand()
        summarizer(self, "Summarizer", self.endpoint)
        cdk.CfnOutput(self, "ModelArn", value=self.copy.model_arn)
        cdk.CfnOutput(self, "ModelName", value=self.copy.target_model_name)


def build_app(app: cdk.App, *, extra_tags: dict[str, str] | None = None) -> SupportBotStack:
    stack = SupportBotStack(app, "SupportBotDev", env=ENV)
    cdk.Tags.of(app).add("cost-center", "42")
    for key, value in (extra_tags or {}).items():
        cdk.Tags.of(app).add(key, value)
    cdk.RemovalPolicies.of(stack).destroy()  # a development stack: the copy goes with it
    return stack


if __name__ == "__main__":
    application = cdk.App()
    build_app(application)
    application.synth()
