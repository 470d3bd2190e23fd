"""The real-AWS integration test app (opt-in: ``make integ``), built with aws-cdk's integ-tests-alpha.

Case 1 deploys a ``BedrockModelCopy`` (removal policy DESTROY) of the model named by
``BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN`` into the target Region and asserts through the
AWS API that the copy job Completed and the model exists with the requested tags.
Case 2 deploys a ``ModelCopyJobWaiter`` on that job and asserts it reports the same model.
``integ/run.py`` then destroys the stacks and checks that the model is gone.

Without the environment variables the app still synthesizes (``make test`` checks its
template) with a placeholder source model.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk.integ_tests_alpha import ActualResult, ExpectedResult, IntegTest, Match
from integ_settings import PLACEHOLDER_SOURCE, REGION_ENV, RUN_ID_ENV, SOURCE_ENV, target_model_name

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter

INTEG_TAG = "bedrock-model-copy-integ"


def build(app: cdk.App) -> IntegTest:
    """Add the two test-case stacks and their assertions to ``app``."""
    source = os.environ.get(SOURCE_ENV, PLACEHOLDER_SOURCE)
    run_id = os.environ.get(RUN_ID_ENV, "local")
    region = os.environ.get(REGION_ENV) or os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region) if region else None

    copy_stack = cdk.Stack(app, "BedrockModelCopyInteg", env=env)
    copy = BedrockModelCopy(
        copy_stack,
        "Copy",
        source_model_arn=source,
        target_model_name=target_model_name(run_id),
        tags={INTEG_TAG: run_id},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        poll_interval=cdk.Duration.seconds(30),
    )
    waiter_stack = cdk.Stack(app, "BedrockModelCopyIntegWaiter", env=env)
    waiter = ModelCopyJobWaiter(waiter_stack, "Wait", job_arn=copy.job_arn)

    integ = IntegTest(
        app,
        "BedrockModelCopyIntegTest",
        test_cases=[copy_stack, waiter_stack],
        regions=[region] if region else None,
        diff_assets=True,
    )
    job = integ.assertions.aws_api_call("Bedrock", "getModelCopyJob", {"jobArn": copy.job_arn})
    job.expect(ExpectedResult.object_like({"status": "Completed", "targetModelName": target_model_name(run_id)}))
    model = integ.assertions.aws_api_call("Bedrock", "getCustomModel", {"modelIdentifier": copy.target_model_arn})
    model.expect(ExpectedResult.object_like({"modelName": target_model_name(run_id)}))
    tags = integ.assertions.aws_api_call("Bedrock", "listTagsForResource", {"resourceARN": copy.target_model_arn})
    tags.expect(ExpectedResult.object_like({"tags": Match.array_with([{"key": INTEG_TAG, "value": run_id}])}))
    integ.assertions.expect(
        "WaiterSeesTheSameModel",
        ExpectedResult.exact(copy.target_model_arn),
        ActualResult.from_custom_resource(waiter.resource, "TargetModelArn"),
    )
    return integ


if __name__ == "__main__":
    application = cdk.App()
    build(application)
    application.synth()
