#!/usr/bin/env python3
"""Import an open-weight model from S3 into Amazon Bedrock and let a function invoke it, in one ``cdk deploy``.

    cdk synth --app "python3 examples/model_import.py"

Custom Model Import reads the model's files (Hugging Face format: ``config.json``, tokenizer,
``.safetensors``) from a key prefix of a bucket with a service role, and makes an imported model,
invoked on demand by its own ARN and billed per use (docs/model-import.md). ``BedrockModelImport``
makes that role (it reads only the prefix), starts the import, waits for it (up to 12 hours), and
``grant_invoke`` lets the function's role invoke the model. ``examples/test_model_import.py`` deploys
this app offline against the fake Bedrock, invokes the model as the function's role and deletes it.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from bedrock_model_copy import BedrockModelImport
from constructs import Construct

ENV = cdk.Environment(account="111122223333", region="us-west-2")
STACK = "ModelImport"
WEIGHTS = "s3://my-model-weights"  # your bucket (or an aws_s3.IBucket of your app)
PREFIX = "llama-3.1-8b-instruct/"  # where the model's files are in it

CHAT = """
import json, os, boto3

def handler(event, context):
    runtime = boto3.client("bedrock-runtime")
    body = json.dumps({"prompt": event.get("prompt", "Hello"), "max_gen_len": 256})
    answer = runtime.invoke_model(modelId=os.environ["MODEL_ARN"], body=body)
    return json.loads(answer["body"].read())
"""


class ModelImportStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.model = BedrockModelImport(
            self,
            "Llama",
            bucket=WEIGHTS,
            prefix=PREFIX,
            imported_model_name="llama-31-8b-instruct",
            tags={"team": "ml"},
            removal_policy=cdk.RemovalPolicy.DESTROY,  # the imported model goes with the stack
            timeout=cdk.Duration.hours(2),  # above 57 minutes: the stack's watcher waits for the import
        )
        self.chat = lambda_.Function(
            self,
            "Chat",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(CHAT),
            timeout=cdk.Duration.minutes(1),
            environment={"MODEL_ARN": self.model.model_arn},
        )
        self.model.grant_invoke(self.chat)  # bedrock:InvokeModel on the imported model only
        cdk.CfnOutput(self, "ModelArn", value=self.model.model_arn)
        cdk.CfnOutput(self, "CustomModelUnits", value=self.model.custom_model_units_per_model_copy)


if __name__ == "__main__":
    app = cdk.App()
    ModelImportStack(app, STACK, env=ENV)
    app.synth()
