#!/usr/bin/env python3
"""``make integ``: the opt-in integration test against real AWS. Never part of ``make test``.

Needs AWS credentials for an account where the CDK is bootstrapped in the target Region,
and a custom model to copy. Without them it stops at once and says what to set.

Runs the CDK integ runner on ``integ/integ.model_copy.py`` (deploy, assert through the AWS
API, destroy), then checks that the copied model is gone after the destroy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from integ_app import REGION_ENV, RUN_ID_ENV, SOURCE_ENV, target_model_name  # noqa: E402

USAGE = f"""make integ needs a real AWS account; nothing was deployed. Set:

  {SOURCE_ENV}=arn:aws:bedrock:<source-region>:<account>:custom-model/<base-model>/<id>
      the custom model to copy (Bedrock console > Custom models, or
      `aws bedrock list-custom-models --region <source-region>`)
  {REGION_ENV}=<target-region>            (or AWS_REGION) where the copy is made
  AWS credentials                          (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)

The target Region must be bootstrapped (cdk bootstrap aws://<account>/<target-region>).
The test copies the model, asserts it, deletes it (removal policy DESTROY) and checks it is gone;
a copy can take an hour or more.
"""


def missing_settings() -> list[str]:
    missing = []
    if not os.environ.get(SOURCE_ENV):
        missing.append(SOURCE_ENV)
    if not (os.environ.get(REGION_ENV) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        missing.append(REGION_ENV)
    import boto3  # imported here: the check above must answer without it

    # Look for credentials without asking the instance metadata service (no network for a "no").
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if boto3.Session().get_credentials() is None:
        missing.append("AWS credentials")
    return missing


def model_is_gone(region: str, name: str) -> bool:
    import boto3

    bedrock = boto3.client("bedrock", region_name=region)
    summaries = bedrock.list_model_copy_jobs(targetModelNameContains=name)["modelCopyJobSummaries"]
    for summary in (s for s in summaries if s.get("targetModelName") == name and s.get("status") == "Completed"):
        try:
            bedrock.get_custom_model(modelIdentifier=summary["targetModelArn"])
        except bedrock.exceptions.ResourceNotFoundException:
            continue
        print(f"integ: the copied model {summary['targetModelArn']} still exists after the destroy")
        return False
    return True


def main() -> int:
    missing = missing_settings()
    if missing:
        print(USAGE + f"\nMissing: {', '.join(missing)}", file=sys.stderr)
        return 2
    region = os.environ.get(REGION_ENV) or os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
    run_id = os.environ.setdefault(RUN_ID_ENV, time.strftime("%Y%m%d%H%M%S"))
    os.environ[REGION_ENV] = region
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    runner = HERE / "node_modules" / ".bin" / "integ-runner"
    result = subprocess.run(
        [
            str(runner),
            "--directory",
            str(HERE),
            "--language",
            "python",
            "--app",
            f"{sys.executable} {{filePath}}",
            "--test-regex",
            r"^integ\..*\.py$",
            "--parallel-regions",
            region,
            "--update-on-failed",
            "--force",
            "--verbose",
        ],
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        return result.returncode
    return 0 if model_is_gone(region, target_model_name(run_id)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
