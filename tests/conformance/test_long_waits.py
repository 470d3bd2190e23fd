"""Long waits: a timeout above the 57 minutes a custom resource may wait, for every kind whose descriptor has a watch.

The resource (R1) starts the stack's watcher and completes at once; the WaitCondition waits while the watcher
polls Bedrock and signals it; the Result resource (R3) then reads the resource. The resource takes longer than a
custom resource may wait. A first deploy rolled back by another resource, the deploy after it, a replacement
(a new watcher and wait) and the stack delete are checked against the invariants (:mod:`.harness`).
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy.contract import MAX_TIMEOUT_SECONDS
from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .harness import Run
from .scenarios import LONG_DURATION, long_life
from .templates import RESOURCE

LONG_KINDS = [kind.name for kind in KINDS if kind.watch is not None]


@pytest.mark.parametrize("name", LONG_KINDS)
def test_a_long_wait_goes_through_the_watcher_and_its_wait_condition(name: str) -> None:
    with Run(name, duration=LONG_DURATION) as run:
        long_life(run)
        starts = [status for status, code in run.calls_in("StartExecution") if code < 300]
        # One watcher per wait: the rolled-back first deploy, the deploy after it, the replacement.
        assert starts == ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"]
        results = [
            entry
            for entry in run.entries
            if entry.type in ("Create", "Update") and str(entry.request["LogicalResourceId"]).startswith(RESOURCE)
        ]
        made = [entry for entry in results if run.own(entry)]
        read = [entry for entry in results if not run.own(entry) and entry.response.ok]
        assert made and all(entry.response.polls <= 2 for entry in made)  # R1 completes at once: the wait waits
        assert len(read) == 3  # R3 of each wait read the resource once it was ready
        assert all(entry.at - made[0].at >= MAX_TIMEOUT_SECONDS for entry in read[:1])  # longer than an hour allows
        assert all(set(run.kind.attributes({})) <= set(entry.response.data) for entry in read)
