"""The scenarios the matrix runs (each a sequence of stack operations a user would make), and their baselines.

A scenario's baseline is one run without faults: which of the kind's calls it makes, in which stack status.
The fault matrix reads it to fault each call in each phase it is made in; a kind that joins gets its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from .harness import FAST, Run
from .profiles import UNFINISHED
from .templates import (
    BASE,
    BASE_BROKEN,
    IN_PLACE,
    IN_PLACE_BROKEN,
    LONG,
    LONG_BROKEN,
    LONG_REPLACED,
    REPLACED,
    Spec,
)

ATTEMPTS = 3  # how often a user deploys (or deletes) again before a case gives up
LONG_DURATION = 65 * 60.0  # a resource that takes longer than a custom resource may wait
# In the fault matrix's long scenario the timeout is what makes the wait long (the WaitCondition and the watcher
# wait whatever the resource's duration): a shorter one keeps a rollback's delete of a deployment still Creating
# quick. test_long_waits.py and test_after_purchase.py keep LONG_DURATION.
MATRIX_LONG_DURATION = 10 * 60.0
Until = Callable[[], bool]


def deploy_until_up(run: Run, spec: Spec) -> None:
    """Deploy ``spec``; after a first deploy that rolled back, recreate the stack and deploy again (at most 3 times)."""
    for _ in range(ATTEMPTS):
        if run.stack.status == "ROLLBACK_COMPLETE":
            run.recreate()
        if run.deploy(spec):
            return
    raise AssertionError(run.context([f"{spec} could not be deployed in {ATTEMPTS} attempts"]))


def delete_until_gone(run: Run) -> None:
    """Delete the stack; after DELETE_FAILED, delete it again (at most 3 times)."""
    if run.stack.status == "ROLLBACK_COMPLETE":
        return  # nothing to delete: CloudFormation removed what the first deploy made
    for _ in range(ATTEMPTS):
        if run.delete():
            return
    raise AssertionError(run.context([f"the stack could not be deleted in {ATTEMPTS} attempts"]))


def _steps(run: Run, steps: list[Callable[[], object]], until: Until | None) -> None:
    for step in steps:
        step()
        if until is not None and until():
            break  # what was to be tested has happened: delete the stack and see what is left
    delete_until_gone(run)


def every_phase(run: Run, until: Until | None = None) -> None:
    """One stack life that sends the kind a request of every type in every phase (the fault matrix's scenario).

    a. first deploy, another resource fails after it: ROLLBACK_IN_PROGRESS deletes it;
    b. the stack recreated and deployed again: CREATE_IN_PROGRESS (a take-back looks for what a made);
    c. an update in place: UPDATE_IN_PROGRESS;
    d. an update in place back, another resource fails: UPDATE_ROLLBACK_IN_PROGRESS updates it again;
    e. a replacement: UPDATE_IN_PROGRESS creates, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS deletes the old one;
    f. a replacement back, another resource fails: UPDATE_ROLLBACK_IN_PROGRESS returns to the current one,
       UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS deletes the one just made;
    g. the stack deleted: DELETE_IN_PROGRESS (again after DELETE_FAILED).

    ``until`` ends it early (after the step in which it turns true), with g.
    """
    _steps(
        run,
        [
            lambda: run.deploy(BASE_BROKEN),
            lambda: deploy_until_up(run, BASE),
            lambda: run.deploy(IN_PLACE),
            lambda: run.deploy(BASE_BROKEN),
            lambda: run.deploy(REPLACED),
            lambda: run.deploy(IN_PLACE_BROKEN),
        ],
        until,
    )


def long_life(run: Run, until: Until | None = None) -> None:
    """A long wait's life: a first deploy rolled back by another resource, deployed again, replaced, deleted."""
    _steps(
        run,
        [
            lambda: run.deploy(LONG_BROKEN),
            lambda: deploy_until_up(run, LONG),
            lambda: run.deploy(LONG_REPLACED),
        ],
        until,
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Run, Until | None], None]
    duration: float  # how long the kind's Bedrock resources take in it


SCENARIOS = {
    "every_phase": Scenario("every_phase", every_phase, FAST),
    "long_life": Scenario("long_life", long_life, MATRIX_LONG_DURATION),
}


@dataclass(frozen=True)
class Baseline:
    """What one run of a scenario without faults did: the calls of each request, by the stack's status."""

    calls: tuple[tuple[str, str, str, bool], ...]  # (stack status, request type, operation, after a purchase)

    def statuses(self, operation: str) -> list[str]:
        """The stack statuses in which ``operation`` is called (in the order first seen)."""
        return list(dict.fromkeys(status for status, _, called, _ in self.calls if called == operation))

    def after_purchase(self, request_type: str) -> list[tuple[str, str]]:
        """(operation, status) called in a ``request_type`` request after the kind's create call answered 2xx."""
        return list(
            dict.fromkeys(
                (called, status) for status, kind, called, after in self.calls if after and kind == request_type
            )
        )


@functools.cache
def baseline(name: str, scenario: str) -> Baseline:
    """The scenario run once for the kind, without faults (once per session)."""
    with Run(name, duration=SCENARIOS[scenario].duration) as run:
        SCENARIOS[scenario].run(run, None)
    calls = []
    for entry in run.entries:
        bought = False
        for call in entry.calls:
            calls.append((entry.status, entry.type, call.operation, bought))
            bought = bought or (call.operation == run.kind.create_operation and call.status < 300)
    return Baseline(tuple(calls))


def fault_case(name: str, operation: str, scenario: str, code: str, status: int, times: int) -> None:
    """One case of the fault matrix: the scenario once for each stack status in which its baseline makes
    ``operation``, the fault waiting for that status; every invariant after every stack operation."""
    statuses = baseline(name, scenario).statuses(operation)
    assert statuses, f"{scenario} never makes {name}'s {operation}: the kind's profile must let it be reached"
    for phase in statuses:
        # A copy job a failed create leaves running is left by the rollback, for the next deploy to take back
        # (docs/lifecycle.md, "No silent orphan"): the one keep these scenarios can meet.
        with Run(name, duration=SCENARIOS[scenario].duration, keeps=[UNFINISHED]) as run:
            run.fake.inject_fault(operation, code, status=status, times=times, during=phase)
            SCENARIOS[scenario].run(run, lambda run=run: run.fake.served[operation] >= times)
        assert run.fake.served[operation] == times, f"the fault on {operation} in {phase} was not spent"
