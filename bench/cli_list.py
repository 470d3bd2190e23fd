"""How long `bedrock-model-copy list` takes for a Region with hundreds of models (not a test).

Serves a fake Bedrock with MODELS tagged models (owned by STACKS stacks that no longer exist), a
deployment and a Provisioned Throughput for one model in ten, and times `list --json`, with each
request delayed by LATENCY seconds to stand for the network (a real Bedrock call takes tens of
milliseconds). ListTagsForResource runs in a bounded thread pool (cli._aws.WORKERS), so the time is
about pages + resources / WORKERS round trips. ``make bench`` appends the figure to its page
(:func:`append_section`).

    .venv/bin/python bench/cli_list.py [--models 500] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from unittest import mock

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "constructs"), str(ROOT / "lambda")]

from bedrock_model_copy._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY  # noqa: E402
from bedrock_model_copy.cli import main  # noqa: E402
from bedrock_model_copy.cli._aws import WORKERS  # noqa: E402
from bedrock_model_copy.testing.fake_bedrock import FakeBedrock  # noqa: E402
from bedrock_model_copy.testing.fake_fleet import FakeFleet  # noqa: E402


def measure(models: int, stacks: int, latency: float) -> tuple[float, int, int]:
    """(wall seconds, calls the command made, resources it listed)."""
    fleet = FakeFleet.of("us-west-2", page_size=100)
    served: list[str] = []
    west = fleet["us-west-2"]
    for number in range(models):
        tags = {OWNER_TAG_KEY: f"Stack{number % stacks}", OWNER_RESOURCE_TAG_KEY: "Copy"}
        arn = west.add_model(f"copy-{number}", tags=tags)
        if number % 10 == 0:  # served: a deployment and a Provisioned Throughput, made as the handler makes them
            served.append(arn)
    real_handle = FakeBedrock.handle

    def slow_handle(self: FakeBedrock, *args: object, **kwargs: object) -> object:
        time.sleep(latency)  # outside the fake's lock: requests overlap as on a network
        return real_handle(self, *args, **kwargs)  # type: ignore[arg-type]

    env = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-west-2"}
    with fleet.serve() as endpoint, mock.patch.dict(os.environ, {**env, "AWS_ENDPOINT_URL": endpoint}):
        client = boto3.client("bedrock", region_name="us-west-2")
        for number, arn in enumerate(served):
            owner = [{"key": OWNER_TAG_KEY, "value": f"Stack{number % stacks}"}]
            name = f"served-{number}"
            client.create_custom_model_deployment(modelDeploymentName=name, modelArn=arn, tags=owner)
            client.create_provisioned_model_throughput(provisionedModelName=name, modelId=arn, modelUnits=1, tags=owner)
        before = len(west.calls)
        with mock.patch.object(FakeBedrock, "handle", slow_handle):
            start = time.perf_counter()
            out = io.StringIO()
            code = main(["list", "--region", "us-west-2", "--json"], out=out)
            elapsed = time.perf_counter() - start
    assert code == 0
    found = len(json.loads(out.getvalue())["resources"])
    return elapsed, len(west.calls) - before, found


def append_section(output: Path, models: int = 500, stacks: int = 20, latency: float = 0.05) -> None:
    """``make bench``: the figure, under a heading of its own, at the end of the page."""
    elapsed, calls, found = measure(models, stacks, latency)
    with output.open("a", encoding="utf-8") as page:
        page.write(
            "\n## CLI: `bedrock-model-copy list`\n\n"
            f"One Region with {models} tagged copied models of {stacks} owner stacks (none still exists), one in "
            f"ten served by a deployment and a Provisioned Throughput ({found} resources), every request delayed "
            f"{latency * 1000:.0f} ms to stand for the network, {WORKERS} concurrent ListTagsForResource calls "
            f"(bench/cli_list.py):\n\n"
            "| resources | calls | wall time (s) |\n|---:|---:|---:|\n"
            f"| {found} | {calls} | {elapsed:.2f} |\n"
        )


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--stacks", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    elapsed, calls, found = measure(args.models, args.stacks, args.latency)
    print(
        f"list: {found} tagged resources ({args.models} models), {args.stacks} owner stacks, "
        f"{args.latency * 1000:.0f} ms per call, {WORKERS} workers: {elapsed:.2f} s ({calls} calls)"
    )


if __name__ == "__main__":
    run()
