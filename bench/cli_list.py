"""How long `bedrock-model-copy list` takes for a Region with hundreds of models (not a test).

Serves a fake Bedrock with MODELS tagged models (owned by STACKS stacks that no longer exist) and
times `list --json`, with each request delayed by LATENCY seconds to stand for the network (a
real Bedrock call takes tens of milliseconds). ListTagsForResource runs in a bounded thread
pool (cli._aws.WORKERS), so the time is about pages + models / WORKERS round trips.

    .venv/bin/python bench/cli_list.py [--models 500] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "constructs"), str(ROOT / "lambda")]

from bedrock_model_copy._contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY  # noqa: E402
from bedrock_model_copy.cli import main  # noqa: E402
from bedrock_model_copy.cli._aws import WORKERS  # noqa: E402
from bedrock_model_copy.cli.inventory import Inventory  # noqa: E402
from bedrock_model_copy.testing.fake_bedrock import FakeBedrock  # noqa: E402
from bedrock_model_copy.testing.fake_fleet import FakeFleet  # noqa: E402


def measure(models: int, stacks: int, latency: float) -> tuple[float, int, int]:
    fleet = FakeFleet.of("us-west-2", page_size=100)
    for number in range(models):
        tags = {OWNER_TAG_KEY: f"Stack{number % stacks}", OWNER_RESOURCE_TAG_KEY: "Copy"}
        fleet["us-west-2"].add_model(f"copy-{number}", tags=tags)
    real_handle = FakeBedrock.handle

    def slow_handle(self: FakeBedrock, *args: object, **kwargs: object) -> object:
        time.sleep(latency)  # outside the fake's lock: requests overlap as on a network
        return real_handle(self, *args, **kwargs)  # type: ignore[arg-type]

    env = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-west-2"}
    # The fake has no deployment/PT APIs yet (issue 16): serving is left out of the figure.
    with (
        fleet.serve() as endpoint,
        mock.patch.dict(os.environ, {**env, "AWS_ENDPOINT_URL": endpoint}),
        mock.patch.object(FakeBedrock, "handle", slow_handle),
        mock.patch.object(Inventory, "_serving", lambda s, r: []),
    ):
        start = time.perf_counter()
        code = main(["list", "--region", "us-west-2", "--json"], out=io.StringIO())
        elapsed = time.perf_counter() - start
    assert code == 0
    return elapsed, len(fleet["us-west-2"].calls), code


def run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--stacks", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    elapsed, calls, _ = measure(args.models, args.stacks, args.latency)
    print(
        f"list: {args.models} tagged models, {args.stacks} owner stacks, {args.latency * 1000:.0f} ms per call, "
        f"{WORKERS} workers: {elapsed:.2f} s ({calls} calls)"
    )


if __name__ == "__main__":
    run()
