"""A failure at every step after the purchase: once the kind's create call answered 2xx, nothing is orphaned.

For each call the baseline makes after the purchase in the same request (a Create, or an Update that replaces:
the Get that waits for it, the tag read after a replacement, the stack's status and the watcher's ListExecutions
and StartExecution for a long wait), that call keeps being refused once the purchase answered (AccessDenied: IAM
not propagated yet). The request fails naming what it bought (never the provider framework's CREATE_FAILED
marker), CloudFormation's rollback sends the Delete (or the Update back and the clean-up's Delete), and nothing
is left but the documented keep: a copy job still running, left for the next deploy to take back. (A refused
DescribeStacks is no failure: the phase it would read only keeps a rollback from starting a watcher.)
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .harness import Run
from .profiles import UNFINISHED
from .scenarios import LONG_DURATION, SCENARIOS, baseline
from .templates import BASE, LONG, LONG_REPLACED, REPLACED

CASES = [(kind.name, "every_phase") for kind in KINDS if kind.create_operation]
CASES += [(kind.name, "long_life") for kind in KINDS if kind.watch is not None]
FIRST = {"every_phase": (BASE, REPLACED), "long_life": (LONG, LONG_REPLACED)}


@pytest.mark.parametrize(("name", "scenario"), CASES)
def test_a_failure_after_the_purchase_is_reported_with_what_was_bought(name: str, scenario: str) -> None:
    known = baseline(name, scenario)
    steps = [(*step, "Create") for step in known.after_purchase("Create")]
    steps += [(*step, "Update") for step in known.after_purchase("Update") if step[1] == "UPDATE_IN_PROGRESS"]
    assert {request_type for *_, request_type in steps} == {"Create", "Update"}, steps
    base, replaced = FIRST[scenario]
    for operation, status, request_type in steps:
        duration = LONG_DURATION if scenario == "long_life" else SCENARIOS[scenario].duration
        with Run(name, duration=duration, keeps=[UNFINISHED]) as run:
            if request_type == "Update":
                assert run.deploy(base)
            run.fake.after_purchase = run.kind.create_operation
            run.fake.inject_fault(operation, "AccessDeniedException", status=403, times=10_000, during=status)
            if run.deploy(base if request_type == "Create" else replaced):
                assert operation == "DescribeStacks" and run.fake.served[operation], (operation, status)
                continue
            assert run.fake.served[operation], (operation, status)
            (failed,) = run.requests(request_type, status)
            bought = failed.response.physical_resource_id  # what CloudFormation is told it has (invariant 2)
            assert not failed.response.ok and operation in failed.response.reason
            assert run.kind.arn_marker in bought and bought != failed.physical_id
            if request_type == "Create":
                (undone,) = run.requests("Delete", "ROLLBACK_IN_PROGRESS")
            else:
                (undone,) = run.requests("Delete", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
            assert undone.physical_id == bought and undone.response.ok  # CloudFormation knew it: it sent the Delete
            if request_type == "Update":
                assert run.delete()
