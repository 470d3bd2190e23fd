#!/usr/bin/env python3
"""``make demo``: deploy the example app's copy stack against the fake Bedrock, offline.

Synthesizes ``app.py`` with the context in ``cdk.json``, then runs every
``Custom::BedrockModelCopy`` of the copy stack through the real handler, the
provider framework's contract and a fake Bedrock on loopback, printing the stack
events as CloudFormation lists them (CREATE_IN_PROGRESS when a resource starts,
CREATE_COMPLETE or CREATE_FAILED when it ends, nothing while a copy waits), then
the outputs. Time is simulated (a 25-minute copy takes a second); the resources
around the copy are shown, not simulated.
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
from bedrock_model_copy.testing.intrinsics import dependency_order  # noqa: E402

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

    def stamp(at: float | None = None) -> str:
        moment = fake.clock.time() if at is None else at
        return dt.datetime.fromtimestamp(moment, tz=dt.UTC).strftime("%H:%M:%S")

    resources: dict[str, Any] = template["Resources"]
    width = max(len(name) for name in [STACK, *resources])

    def event(at: float, status: str, resource_type: str, logical_id: str, reason: str = "") -> None:
        # The columns of the console's Events tab and `aws cloudformation describe-stack-events`:
        # timestamp, logical ID, status, type, status reason.
        print(f"{stamp(at)}  {logical_id:<{width}}  {status:<20}  {resource_type:<34}  {reason}".rstrip())

    # CloudFormation shows no event while a custom resource waits: only when it starts and when it ends.
    started: dict[str, float] = {}

    def progress(request: dict[str, Any], poll: int, waited: float) -> None:
        started.setdefault(request["LogicalResourceId"], fake.clock.time() - waited)

    print(f"Deploying {STACK} to {context['account']}/{context['targetRegion']} (simulated, offline)")
    print(f"Copying {context['sourceModelArn']}\n     as {context['targetModelName']}\n")
    order = dependency_order(resources)
    custom = [logical_id for logical_id in order if resources[logical_id]["Type"] == "Custom::BedrockModelCopy"]
    begin = fake.clock.time()
    event(begin, "CREATE_IN_PROGRESS", "AWS::CloudFormation::Stack", STACK, "User Initiated")
    # The rest of the stack (roles, functions, the waiter state machine) is not simulated: it is shown
    # created, in dependency order, before the copies that need it.
    created = [logical_id for logical_id in order if logical_id not in custom]
    for logical_id in created:
        event(begin, "CREATE_IN_PROGRESS", resources[logical_id]["Type"], logical_id)
        event(begin, "CREATE_COMPLETE", resources[logical_id]["Type"], logical_id)
    with simulated_environment(fake, progress=progress) as framework:
        stack = CloudFormationStack(framework, stack_name=STACK, region=fake.region, account=fake.account)
        operations, outputs = stack.deploy_template(template)
    end = fake.clock.time()
    failed = [logical_id for logical_id, operation in operations.items() if not operation.response.ok]
    # When each custom resource ended, from the simulated stack's own events; then all of them in time order.
    ended = {e.logical_id: e.at for e in stack.events if e.status in ("CREATE_COMPLETE", "CREATE_FAILED")}
    shown: list[tuple[float, int, str, str, str, str]] = []
    for logical_id, operation in operations.items():
        response = operation.response
        resource_type = resources[logical_id]["Type"]
        at = started.get(logical_id, ended.get(logical_id, end))
        shown.append((at, len(shown), "CREATE_IN_PROGRESS", resource_type, logical_id, ""))
        status, reason = ("CREATE_COMPLETE", "") if response.ok else ("CREATE_FAILED", response.reason.strip())
        shown.append((ended.get(logical_id, end), len(shown), status, resource_type, logical_id, reason))
    for at, _, status, resource_type, logical_id, reason in sorted(shown):
        event(at, status, resource_type, logical_id, reason)
    if failed:
        event(
            end,
            "ROLLBACK_IN_PROGRESS",
            "AWS::CloudFormation::Stack",
            STACK,
            f"The following resource(s) failed to create: [{', '.join(failed)}]. Rollback requested by user.",
        )
        for logical_id in reversed([*created, *(i for i in operations if i not in failed)]):
            event(end, "DELETE_IN_PROGRESS", resources[logical_id]["Type"], logical_id)
            event(end, "DELETE_COMPLETE", resources[logical_id]["Type"], logical_id)
        event(end, "ROLLBACK_COMPLETE", "AWS::CloudFormation::Stack", STACK)
    else:
        event(end, "CREATE_COMPLETE", "AWS::CloudFormation::Stack", STACK)
    if outputs and not failed:
        print("\nOutputs:")
        for name, value in outputs.items():
            print(f"{STACK}.{name} = {value}")
    print(f"\nBedrock calls: {len(fake.calls)} ({', '.join(sorted(set(fake.operations())))})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
