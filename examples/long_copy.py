#!/usr/bin/env python3
"""Copy a large model that takes hours, in one ``cdk deploy`` (``timeout`` up to 12 hours).

    cdk synth --app "python3 examples/long_copy.py"
    python3 examples/long_copy.py --simulate [--copy-hours 5] [--fail MESSAGE]

With ``timeout=Duration.hours(6)`` the copy is a long copy: the copy resource starts the job
and hands it to the stack's copy watcher (a Step Functions state machine, no Lambda in its
loop), a WaitCondition waits for the watcher's signals (one about every 50 minutes while the
copy runs, visible in the stack events), and a result resource exposes the same attributes
as a short copy. ``--simulate`` deploys the synthesized template offline against the fake
Bedrock, running the watcher's definition as synthesized, in simulated time, and prints the
stack events as the console would show them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from bedrock_model_copy import BedrockModelCopy
from constructs import Construct

STACK = "BedrockModelLongCopy"
SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/imported/abcdefghij12"
NAME = "big-model-usw2"


class LongCopyStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        copy = BedrockModelCopy(
            self,
            "Copy",
            source_model_arn=self.node.try_get_context("sourceModelArn") or SOURCE,
            target_model_name=NAME,
            timeout=cdk.Duration.hours(6),  # one deploy waits up to 6 hours
            poll_interval=cdk.Duration.minutes(1),
        )
        cdk.CfnOutput(self, "ModelArn", value=copy.target_model_arn)
        cdk.CfnOutput(self, "JobArn", value=copy.job_arn)


def build_app(app: cdk.App) -> cdk.App:
    LongCopyStack(app, STACK, env=cdk.Environment(account="111122223333", region="us-west-2"))
    return app


def simulate(copy_hours: float, fail: str | None) -> int:
    """Deploy the synthesized stack offline; print its events and outputs. Returns 0 on success."""
    from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
    from bedrock_model_copy.testing.iam import handler_role_policies

    with tempfile.TemporaryDirectory() as outdir:
        template = build_app(cdk.App(outdir=outdir)).synth().get_stack_by_name(STACK).template
    fake = FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK, region="us-west-2", account="111122223333")
    )
    fake.script_copy(
        NAME, duration=copy_hours * 3600, outcome="Failed" if fail else "Completed", failure_message=fail or ""
    )
    start = fake.clock.time()

    def stamp(at: float) -> str:
        return f"{dt.datetime.fromtimestamp(at, tz=dt.UTC):%H:%M:%S} (+{(at - start) / 3600:4.1f} h)"

    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework, stack_name=STACK, region=fake.region, account=fake.account)
        print(f"{stamp(start)}  {STACK}  CREATE_IN_PROGRESS")
        operations, outputs = stack.deploy_template(template)
    for event in stack.events:
        reason = event.reason.strip().splitlines()[0] if event.reason.strip() else ""
        print(f"{stamp(event.at)}  {STACK}  {event.logical_id}  {event.status}  {reason}".rstrip())
    failed = not all(operation.response.ok for operation in operations.values())
    print(f"{stamp(fake.clock.time())}  {STACK}  {stack.status}")
    for name, value in outputs.items():
        print(f"{STACK}.{name} = {value}")
    print(f"\nBedrock calls: {len(fake.calls)}; handler invocations: {2 * len(framework.responses)}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulate", action="store_true", help="deploy offline against the fake Bedrock")
    parser.add_argument("--copy-hours", type=float, default=5.0, help="how long the simulated copy takes")
    parser.add_argument("--fail", metavar="MESSAGE", help="make the simulated copy fail with this Bedrock message")
    args = parser.parse_args()
    if args.simulate:
        return simulate(args.copy_hours, args.fail)
    build_app(cdk.App()).synth()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
