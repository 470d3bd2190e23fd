#!/usr/bin/env python3
"""Copy a customized model to us-west-2, serve it on demand and invoke it, in one ``cdk deploy``.

    cdk synth --app "python3 examples/serve_copy.py"
    python3 examples/serve_copy.py --simulate [--copy-minutes 20] [--fail MESSAGE] [--prompt TEXT]

A copied customized model cannot answer by its own ARN: Bedrock invokes it through a custom
model deployment (on demand, billed per token) or a Provisioned Throughput. This stack copies
the model, deploys it on demand once the copy completes (``copy.deploy_on_demand()``), and gives
a function ``bedrock:InvokeModel`` on the deployment (``endpoint.grant_invoke(function)``); the
function invokes the deployment ARN (``endpoint.model_arn``).

``--simulate`` deploys the synthesized template offline against the fake Bedrock (the real
handler, the handler role's synthesized policies enforced), then runs the function's code as
the function's role, with its synthesized policies, against the fake's ``InvokeModel``, and prints
the stack events, the outputs and the answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from bedrock_model_copy import BedrockModelCopy
from constructs import Construct

STACK = "BedrockServeCopy"
SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
NAME = "support-bot-usw2"
ACCOUNT, REGION = "111122223333", "us-west-2"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)

# The function's code: it invokes whatever MODEL_ID names (the deployment ARN), Nova's message format.
HANDLER = """
import json, os, boto3
runtime = boto3.client("bedrock-runtime")
def handler(event, context):
    body = {"messages": [{"role": "user", "content": [{"text": event["prompt"]}]}]}
    response = runtime.invoke_model(modelId=os.environ["MODEL_ID"], body=json.dumps(body))
    answer = json.loads(response["body"].read())
    return {"answer": answer["output"]["message"]["content"][0]["text"]}
"""


class ServeCopyStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        copy = BedrockModelCopy(
            self,
            "Copy",
            source_model_arn=self.node.try_get_context("sourceModelArn") or SOURCE,
            target_model_name=NAME,
        )
        self.endpoint = copy.deploy_on_demand()  # a CustomModelDeployment, after the copy completes
        self.function = lambda_.Function(
            self,
            "Invoker",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            environment={"MODEL_ID": self.endpoint.model_arn},  # the deployment ARN: what Bedrock invokes
            timeout=cdk.Duration.seconds(60),
            log_group=logs.LogGroup(self, "InvokerLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        self.endpoint.grant_invoke(self.function)  # bedrock:InvokeModel(+WithResponseStream) on the deployment
        cdk.CfnOutput(self, "DeploymentArn", value=self.endpoint.arn)
        cdk.CfnOutput(self, "ModelArn", value=copy.target_model_arn)
        cdk.CfnOutput(self, "InvokerName", value=self.function.function_name)


def build_app(app: cdk.App) -> cdk.App:
    ServeCopyStack(app, STACK, env=ENV)
    return app


def simulate(copy_minutes: float, fail: str | None, prompt: str) -> int:
    """Deploy the synthesized stack offline, then invoke as the function. Returns 0 on success."""
    from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
    from bedrock_model_copy.testing.iam import handler_role_policies
    from bedrock_model_copy.testing.runtime import client_as

    with tempfile.TemporaryDirectory() as outdir:
        template = build_app(cdk.App(outdir=outdir)).synth().get_stack_by_name(STACK).template
    fake = FakeBedrock(iam=handler_role_policies(template, stack_name=STACK, region=REGION, account=ACCOUNT))
    fake.script_copy(
        NAME, duration=copy_minutes * 60, outcome="Failed" if fail else "Completed", failure_message=fail or ""
    )
    start = fake.clock.time()

    def stamp(at: float) -> str:
        return f"{dt.datetime.fromtimestamp(at, tz=dt.UTC):%H:%M:%S} (+{(at - start) / 60:5.1f} min)"

    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework, stack_name=STACK, region=fake.region, account=fake.account)
        print(f"{stamp(start)}  {STACK}  CREATE_IN_PROGRESS")
        operations, outputs = stack.deploy_template(template)
        for logical_id, operation in operations.items():  # in the order CloudFormation completed them
            response = operation.response
            status = f"{response.request_type.upper()}_{'COMPLETE' if response.ok else 'FAILED'}"
            reason = "" if response.ok else f"  {response.reason.splitlines()[0]}"
            print(f"{' ' * 23}{STACK}  {logical_id}  {status}{reason}")
        if not all(operation.response.ok for operation in operations.values()):
            print(f"{stamp(fake.clock.time())}  {STACK}  ROLLBACK_COMPLETE")
            return 1
        print(f"{stamp(fake.clock.time())}  {STACK}  CREATE_COMPLETE")
        for name, value in outputs.items():
            print(f"{STACK}.{name} = {value}")
        answer = _invoke_as_the_function(stack, template, client_as, prompt)
    print(f"\nInvoker({json.dumps({'prompt': prompt})}) -> {json.dumps(answer)}")
    return 0


def _invoke_as_the_function(stack: Any, template: dict[str, Any], client_as: Any, prompt: str) -> Any:
    """Run the function's own code, with its environment and its role's synthesized policies, on the fake."""
    ((_, function),) = [
        (name, resource)
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and name.startswith("Invoker")
    ]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (endpoint_id,) = [
        n for n, r in template["Resources"].items() if r["Type"] == "Custom::BedrockCustomModelDeployment"
    ]
    environment = {"MODEL_ID": stack.resources[endpoint_id].data["Arn"]}
    namespace: dict[str, Any] = {}
    with mock.patch.dict(os.environ, environment):
        code = function["Properties"]["Code"]["ZipFile"]  # this example's own inline code, as Lambda loads it
        exec(code, namespace)  # noqa: S102
        namespace["runtime"] = client_as(stack, role_id)  # ... with the function role's credentials
        return namespace["handler"]({"prompt": prompt}, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--simulate", action="store_true", help="deploy and invoke offline against the fake Bedrock")
    parser.add_argument("--copy-minutes", type=float, default=20.0, help="how long the simulated copy takes")
    parser.add_argument("--fail", metavar="MESSAGE", help="make the simulated copy fail with this Bedrock message")
    parser.add_argument("--prompt", default="Hello from us-west-2", help="what the function asks the model")
    args = parser.parse_args()
    if args.simulate:
        return simulate(args.copy_minutes, args.fail, args.prompt)
    build_app(cdk.App()).synth()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
