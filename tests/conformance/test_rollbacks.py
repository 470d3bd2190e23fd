"""Each rollback, and the deploy after it, for every kind.

``ROLLBACK`` of a first deploy (another resource fails after this one, the resource fails in Bedrock, or it is
slower than its timeout), ``UPDATE_ROLLBACK`` when a later resource fails (after an update in place or a
replacement), the clean-up phases (a replacement deleted after a failed update, a resource an update added
deleted after it failed), and the second deploy after a rolled-back first deploy, which must take back or
clean what the first left and end with exactly one resource. Every stack operation is checked against the
invariants (:mod:`.harness`).
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .harness import FAST, Run
from .profiles import RETAIN, UNFINISHED
from .templates import (
    BASE,
    BASE_BROKEN,
    IN_PLACE_BROKEN,
    NEIGHBOUR,
    REPLACED_BROKEN,
    RETAINED,
    RETAINED_BROKEN,
    WITH_NEIGHBOUR_BROKEN,
    runtime_kind,
)

NAMES = [kind.name for kind in KINDS]
SLOWER_THAN_ITS_TIMEOUT = 80 * 60.0  # the default timeout is 57 minutes


def _bought(run: Run) -> int:
    """How many of the kind's create calls answered 2xx."""
    operation = run.kind.create_operation
    return sum(1 for _, code in run.calls_in(operation) if code < 300) if operation else 0


@pytest.mark.parametrize("retain", [False, True], ids=["destroy", "retain"])
@pytest.mark.parametrize("name", NAMES)
def test_a_rolled_back_first_deploy_then_deployed_again_ends_with_one(name: str, retain: bool) -> None:
    kind = runtime_kind(name)
    makes = bool(kind.create_operation)
    broken, good = (RETAINED_BROKEN, RETAINED) if retain else (BASE_BROKEN, BASE)
    with Run(name, keeps=[RETAIN] if retain else []) as run:
        kept = run.deletion_policy(broken) == "Retain"  # a kind without a removal policy is deleted
        assert not run.deploy(broken)  # another resource fails after it
        assert run.stack.status == "ROLLBACK_COMPLETE"
        (created,) = run.requests("Create", "CREATE_IN_PROGRESS")
        first = created.response.physical_resource_id
        assert created.response.ok and kind.arn_marker in first
        rollback = [entry.response.ok for entry in run.requests("Delete", "ROLLBACK_IN_PROGRESS")]
        assert rollback == ([] if kept else [True])  # RETAIN: CloudFormation sends no Delete
        assert run.left() == ({first} if kept and makes else set())

        run.recreate()  # what cdk deploy does after a rolled-back first deploy
        assert run.deploy(good)
        assert run.left() == ({run.physical_id()} if makes else set())  # exactly one
        if kept and makes:  # what the rollback kept is taken back, not bought again
            assert run.physical_id() == first and _bought(run) == 1
        assert run.delete()


@pytest.mark.parametrize("change", ["in_place", "replacement"])
@pytest.mark.parametrize("name", NAMES)
def test_an_update_rolled_back_when_a_later_resource_fails(name: str, change: str) -> None:
    kind = runtime_kind(name)
    with Run(name) as run:
        assert run.deploy(BASE)
        before = run.physical_id()
        assert not run.deploy(IN_PLACE_BROKEN if change == "in_place" else REPLACED_BROKEN)
        assert run.stack.status == "UPDATE_ROLLBACK_COMPLETE"
        (forward,) = run.requests("Update", "UPDATE_IN_PROGRESS")
        (back,) = run.requests("Update", "UPDATE_ROLLBACK_IN_PROGRESS")
        assert forward.response.ok and back.response.ok and back.physical_id == forward.response.physical_resource_id
        assert run.physical_id() == before == back.response.physical_resource_id  # the stack holds what it held
        cleanup = run.requests("Delete", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        if change == "replacement":  # the replacement is deleted after the rollback
            assert [(entry.physical_id, entry.response.ok) for entry in cleanup] == [
                (forward.response.physical_resource_id, True)
            ]
            assert forward.response.physical_resource_id != before
        else:
            assert cleanup == [] and forward.response.physical_resource_id == before
        assert run.left() == ({before} if kind.create_operation else set())
        assert run.delete()


@pytest.mark.parametrize("name", NAMES)
def test_a_resource_added_by_a_failed_update_is_deleted_in_its_clean_up(name: str) -> None:
    with Run(name) as run:
        assert run.deploy(NEIGHBOUR)
        assert not run.deploy(WITH_NEIGHBOUR_BROKEN)
        (created,) = run.requests("Create", "UPDATE_IN_PROGRESS")
        (deleted,) = run.requests("Delete", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        assert created.response.ok and deleted.physical_id == created.response.physical_resource_id
        assert deleted.response.ok and run.physical_id() == "" and run.left() == set()
        assert run.delete()


@pytest.mark.parametrize("name", NAMES)
def test_a_resource_slower_than_its_timeout_rolls_back_and_the_next_deploy_ends_with_one(name: str) -> None:
    """The wait runs out at 57 minutes: the rollback deletes what was made, or leaves a job still running (the
    documented keep), and the next deploy takes that back or starts again."""
    kind = runtime_kind(name)
    with Run(name, duration=SLOWER_THAN_ITS_TIMEOUT, keeps=[UNFINISHED]) as run:
        assert not run.deploy(BASE)
        (created,) = run.requests("Create", "CREATE_IN_PROGRESS")
        assert not created.response.ok and kind.arn_marker in created.response.physical_resource_id
        assert "still" in created.response.reason  # says what it waited for
        left = run.left()
        assert left <= {created.response.physical_resource_id}

        run.recreate()
        run.profile.prepare(run.fake, duration=FAST)  # what starts again is quicker this time
        assert run.deploy(BASE)
        assert run.left() == ({run.physical_id()} if kind.create_operation else set())
        if left:  # taken back, not bought again
            assert run.physical_id() in left and _bought(run) == 1
        assert run.delete()


@pytest.mark.parametrize("name", NAMES)
def test_a_resource_that_fails_in_bedrock_rolls_back_leaving_nothing(name: str) -> None:
    kind = runtime_kind(name)
    with Run(name, fails=True) as run:
        assert not run.deploy(BASE)
        (created,) = run.requests("Create", "CREATE_IN_PROGRESS")
        assert not created.response.ok and "Injected" in created.response.reason  # Bedrock's own message
        assert kind.arn_marker in created.response.physical_resource_id
        assert [entry.response.ok for entry in run.requests("Delete", "ROLLBACK_IN_PROGRESS")] == [True]
        assert run.left() == set()
