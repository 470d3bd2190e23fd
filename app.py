#!/usr/bin/env python3
"""Example app: copy a fine-tuned model into another Region, serve it on demand, use it from a second stack.

Context (cdk.json, override with ``-c key=value``): ``account``, ``sourceRegion``,
``targetRegion``, ``sourceModelArn``, ``targetModelName``.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from bedrock_model_copy import BedrockModelCopy, CustomModelDeployment
from constructs import Construct


class ModelCopyStack(cdk.Stack):
    """Copies the source model into this stack's Region and deploys it on demand (what Bedrock invokes)."""

    def __init__(
        self, scope: Construct, id: str, *, source_model_arn: str, target_model_name: str, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.copy = BedrockModelCopy(
            self,
            "Copy",
            source_model_arn=source_model_arn,
            target_model_name=target_model_name,
            tags={"team": "ml", "purpose": "example"},
        )
        self.endpoint = self.copy.deploy_on_demand()  # a customized model is invoked through a deployment
        cdk.CfnOutput(self, "TargetModelArn", value=self.copy.target_model_arn)
        cdk.CfnOutput(self, "DeploymentArn", value=self.endpoint.arn)
        cdk.CfnOutput(self, "CopyJobArn", value=self.copy.job_arn)
        cdk.CfnOutput(self, "CopyCreationTime", value=self.copy.creation_time)


class ModelConsumerStack(cdk.Stack):
    """Uses the copied model: a role that may invoke its deployment, and an SSM parameter holding the model's ARN."""

    def __init__(
        self, scope: Construct, id: str, *, model_arn: str, endpoint: CustomModelDeployment, **kwargs: object
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        role = iam.Role(
            self,
            "InvokeRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="May invoke the copied Bedrock model through its on-demand deployment",
        )
        endpoint.grant_invoke(role)  # bedrock:InvokeModel(+WithResponseStream) on the deployment
        parameter = ssm.StringParameter(
            self,
            "ModelArnParameter",
            parameter_name="/bedrock-model-copy/example/target-model-arn",
            string_value=model_arn,
            description="ARN of the copied Bedrock model",
        )
        cdk.CfnOutput(self, "InvokeRoleArn", value=role.role_arn)
        cdk.CfnOutput(self, "ModelArnParameterName", value=parameter.parameter_name)


def build_app(app: cdk.App) -> cdk.App:
    """Add the example stacks to ``app`` from its context; returns ``app``."""
    context = app.node.try_get_context
    env = cdk.Environment(account=str(context("account")), region=str(context("targetRegion")))
    copy_stack = ModelCopyStack(
        app,
        "BedrockModelCopyExample",
        env=env,
        source_model_arn=str(context("sourceModelArn")),
        target_model_name=str(context("targetModelName")),
        description="Copies a Bedrock custom model into this Region (bedrock-model-copy example)",
    )
    ModelConsumerStack(
        app,
        "BedrockModelConsumerExample",
        env=env,
        model_arn=copy_stack.copy.target_model_arn,
        endpoint=copy_stack.endpoint,
        description="Uses the copied Bedrock model (bedrock-model-copy example)",
    )
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
