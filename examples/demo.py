#!/usr/bin/env python3
"""``make demo``: deploy the example app's copy stack against the fake Bedrock, offline.

Synthesizes ``app.py`` with the context in ``cdk.json``, then runs every
``Custom::BedrockModelCopy`` of the copy stack through the real handler, the
provider framework's contract and a fake Bedrock on loopback, printing what a
person deploying it would see: stack events while the copy runs, then the outputs.
Time is simulated (a 25-minute copy takes a second).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402

from app import build_app  # noqa: E402
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment  # noqa: E402

STACK = "BedrockModelCopyExample"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copy-minutes", type=float, default=25.0, help="how long the simulated copy takes")
    parser.add_argument("--fail", metavar="MESSAGE", help="make the copy fail with this Bedrock message")
    args = parser.parse_args()

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as outdir:
        assembly = build_app(cdk.App(context=context, outdir=outdir)).synth()
        template: dict[str, Any] = assembly.get_stack_by_name(STACK).template

    fake = FakeBedrock(region=context["targetRegion"], account=str(context["account"]))
    fake.default_copy_duration = args.copy_minutes * 60
    if args.fail:
        fake.script_copy(
            context["targetModelName"],
            duration=fake.default_copy_duration / 2,
            outcome="Failed",
            failure_message=args.fail,
        )

    def stamp() -> str:
        return dt.datetime.fromtimestamp(fake.clock.time(), tz=dt.UTC).strftime("%H:%M:%S")

    def progress(event: dict[str, Any], poll: int, waited: float) -> None:
        if poll % 10 == 1:  # one line every ten polls, as the console's event list would grow
            print(
                f"{stamp()}  {STACK}  {event['LogicalResourceId']}  CREATE_IN_PROGRESS  "
                f"copy job {event['PhysicalResourceId']} running ({waited / 60:.0f} min)"
            )

    print(f"Deploying {STACK} to {context['account']}/{context['targetRegion']} (simulated, offline)")
    print(f"Copying {context['sourceModelArn']}\n     as {context['targetModelName']}\n")
    with simulated_environment(fake, progress=progress) as framework:
        stack = CloudFormationStack(framework, stack_name=STACK, region=fake.region, account=fake.account)
        print(f"{stamp()}  {STACK}  CREATE_IN_PROGRESS")
        operations, outputs = stack.deploy_template(template)
    failed = False
    for logical_id, operation in operations.items():
        response = operation.response
        state = "CREATE_COMPLETE" if response.ok else "CREATE_FAILED"
        failed = failed or not response.ok
        print(f"{stamp()}  {STACK}  {logical_id}  {state}" + ("" if response.ok else f"  {response.reason.strip()}"))
    print(f"{stamp()}  {STACK}  {'ROLLBACK_COMPLETE' if failed else 'CREATE_COMPLETE'}\n")
    if outputs:
        print("Outputs:")
        for name, value in outputs.items():
            print(f"{STACK}.{name} = {value}")
    print(f"\nBedrock calls: {len(fake.calls)} ({', '.join(sorted(set(fake.operations())))})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
