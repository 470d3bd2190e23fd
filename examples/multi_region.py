#!/usr/bin/env python3
"""Copy one model into several Regions from one app: a stack per Region, the ARNs gathered in one place.

    cdk synth --app "python3 examples/multi_region.py" -c targetRegions=us-west-2,eu-central-1

Each ``ModelCopy-<region>`` stack copies the source model into its Region and outputs the copied
model's ARN. ``ModelCopyCatalog``, in the home Region, reads every ARN across Regions (CDK's
cross-Region references) and keeps them in SSM parameters ``/bedrock-model-copy/<name>/<region>``,
so other stacks and tools find every copy in one place.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ssm as ssm

from bedrock_model_copy import BedrockModelCopy
from constructs import Construct

DEFAULT_REGIONS = "us-west-2,eu-central-1,ap-northeast-1"


class RegionalCopyStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, source_model_arn: str, name: str, **kwargs: object) -> None:
        super().__init__(scope, id, cross_region_references=True, **kwargs)  # type: ignore[arg-type]
        self.copy = BedrockModelCopy(
            self, "Copy", source_model_arn=source_model_arn, target_model_name=f"{name}-{self.region}"
        )
        cdk.CfnOutput(self, "TargetModelArn", value=self.copy.target_model_arn)


class CatalogStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, name: str, copies: dict[str, str], **kwargs: object) -> None:
        super().__init__(scope, id, cross_region_references=True, **kwargs)  # type: ignore[arg-type]
        for region, model_arn in copies.items():
            ssm.StringParameter(
                self,
                f"Arn-{region}",
                parameter_name=f"/bedrock-model-copy/{name}/{region}",
                string_value=model_arn,
                description=f"Copied Bedrock model {name} in {region}",
            )
            cdk.CfnOutput(self, f"ModelArn{region.replace('-', '')}", value=model_arn)


def build_app(app: cdk.App) -> cdk.App:
    context = app.node.try_get_context
    account = str(context("account"))
    regions = [r.strip() for r in str(context("targetRegions") or DEFAULT_REGIONS).split(",") if r.strip()]
    name = str(context("targetModelName"))
    copies = {}
    for region in regions:
        stack = RegionalCopyStack(
            app,
            f"ModelCopy-{region}",
            env=cdk.Environment(account=account, region=region),
            source_model_arn=str(context("sourceModelArn")),
            name=name,
        )
        copies[region] = stack.copy.target_model_arn
    CatalogStack(
        app,
        "ModelCopyCatalog",
        env=cdk.Environment(account=account, region=str(context("sourceRegion"))),
        name=name,
        copies=copies,
    )
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
