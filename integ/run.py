#!/usr/bin/env python3
"""``make integ``: the opt-in integration test against real AWS. Never part of ``make test``.

Needs AWS credentials for an account where the CDK is bootstrapped in the target Region,
and a custom model to copy. Without them it stops at once and says what to set.

It takes the CDK integ runner's steps with the project's pinned CDK CLI: deploy every stack
of ``integ/integ.model_copy.py`` (the two test cases, then the integ-tests assertion stack),
read the ``AssertionResults`` outputs of the assertion stack exactly as the integ runner does,
destroy everything, and finally check that the copied model is gone (removal policy DESTROY).

Why not ``integ-runner`` itself: the newest ``@aws-cdk/integ-runner`` on the npm registry
(2.197.10) bundles a toolkit that reads cloud assembly schema 53 at most, and aws-cdk-lib 2.275
writes schema 55, so it refuses this app ("AssemblyVersionMismatch"). Switch back to it when a
release reads schema 55.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from integ_settings import REGION_ENV, RUN_ID_ENV, SOURCE_ENV, target_model_name  # noqa: E402

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
    import boto3

    # Look for credentials without asking the instance metadata service (no network for a "no").
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    if boto3.Session().get_credentials() is None:
        missing.append("AWS credentials")
    return missing


def assertion_failures(outputs: dict[str, dict[str, str]]) -> list[str]:
    """Failed assertions in a ``cdk deploy --outputs-file`` result, read as the integ runner reads them."""
    results: dict[str, Any] = {}
    for stack_name, stack_outputs in outputs.items():
        if "DeployAssert" not in stack_name:
            continue
        for output, value in stack_outputs.items():
            if output.startswith("AssertionResults"):
                result = json.loads(value.replace("\n", "\\n"))
                if result.get("status") in ("fail", "success"):
                    results[output] = result
    if not results:
        return ["no assertion results: the assertion stack reported nothing"]
    return [f"{name}: {result.get('message', '')}" for name, result in results.items() if result["status"] == "fail"]


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
    cdk = str(ROOT / "node_modules" / ".bin" / "cdk")
    app = f"{sys.executable} {HERE / 'integ.model_copy.py'}"
    with tempfile.TemporaryDirectory() as tmp:
        outputs_file = Path(tmp) / "assertion-results.json"
        common = ["--app", app, "--output", str(Path(tmp) / "cdk.out")]
        try:
            deployed = subprocess.run(
                [cdk, "deploy", *common, "--all", "--require-approval", "never", "--outputs-file", str(outputs_file)],
                cwd=ROOT,
                check=False,
            )
            failures = (
                assertion_failures(json.loads(outputs_file.read_text()))
                if deployed.returncode == 0 and outputs_file.is_file()
                else [f"cdk deploy exited {deployed.returncode}"]
            )
        finally:
            destroyed = subprocess.run([cdk, "destroy", *common, "--all", "--force"], cwd=ROOT, check=False)
    if destroyed.returncode != 0:
        failures.append(f"cdk destroy exited {destroyed.returncode}")
    elif not model_is_gone(region, target_model_name(run_id)):
        failures.append("the copied model was not deleted")
    for failure in failures:
        print(f"integ: FAILED {failure}", file=sys.stderr)
    print("integ: " + ("1 failed" if failures else "passed: copy, assertions, waiter, destroy, model gone"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
