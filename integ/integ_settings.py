"""What ``make integ`` reads from the environment, shared by the runner and the app (no CDK import here).

``run.py`` checks these before anything heavy is imported, so that a run without an account stops at once.
"""

from __future__ import annotations

SOURCE_ENV = "BEDROCK_COPY_INTEG_SOURCE_MODEL_ARN"
REGION_ENV = "BEDROCK_COPY_INTEG_REGION"
RUN_ID_ENV = "BEDROCK_COPY_INTEG_RUN_ID"
PLACEHOLDER_SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"


def target_model_name(run_id: str) -> str:
    return f"integ-copy-{run_id}"
