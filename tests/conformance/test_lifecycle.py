"""Create, update (in place and replacement) and delete, in a new stack and in an existing one, for every kind.

Every stack operation is checked against the invariants (:mod:`.harness`); each case adds what its own
lifecycle step must have done, read from the kind's descriptor where it depends on the kind.
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .harness import Run
from .profiles import RETAIN
from .templates import BASE, IN_PLACE, NEIGHBOUR, REPLACED, RETAINED, RETAINED_REPLACED, WITH_NEIGHBOUR, runtime_kind

NAMES = [kind.name for kind in KINDS]


def _succeeded(run: Run, operation: str, status: str) -> list[int]:
    """HTTP statuses below 300 of ``operation`` in the requests sent in ``status``."""
    return [code for where, code in run.calls_in(operation) if where == status and code < 300]


@pytest.mark.parametrize("name", NAMES)
def test_create_update_in_place_replace_and_delete_in_a_new_stack(name: str) -> None:
    kind = runtime_kind(name)
    with Run(name) as run:
        assert run.deploy(BASE)
        (created,) = run.requests("Create", "CREATE_IN_PROGRESS")
        made = run.physical_id()
        assert created.response.physical_resource_id == made and kind.arn_marker in made
        assert run.left() == ({made} if kind.create_operation else set())

        start = len(run.entries)
        assert run.deploy(IN_PLACE)
        assert run.physical_id() == made  # in place: the same resource
        in_place = run.entries[start:]
        assert [entry.type for entry in in_place if run.own(entry)] == ["Update"]
        if kind.update_operation:  # the change reached Bedrock
            assert any(call.operation == kind.update_operation and call.status < 300 for call in in_place[0].calls)
        if kind.tags_property:  # one tag value changed, one key removed
            operations = [call.operation for call in in_place[0].calls if call.status < 300]
            assert {"TagResource", "UntagResource"} <= set(operations)

        assert run.deploy(REPLACED)
        replacement = run.physical_id()
        assert replacement != made and kind.arn_marker in replacement
        (cleanup,) = run.requests("Delete", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        assert cleanup.physical_id == made and cleanup.response.ok  # the old one, after the update
        assert run.left() == ({replacement} if kind.create_operation else set())

        assert run.delete()
        (deleted,) = run.requests("Delete", "DELETE_IN_PROGRESS")
        assert deleted.physical_id == replacement and deleted.response.ok
        assert run.left() == set()


@pytest.mark.parametrize("name", NAMES)
def test_create_and_remove_in_an_existing_stack(name: str) -> None:
    """A stack that already holds another resource: the kind's resource is created by an update, then
    removed from the template and deleted in the update's clean-up, under the policies in force then."""
    kind = runtime_kind(name)
    with Run(name) as run:
        assert run.deploy(NEIGHBOUR)
        assert run.deploy(WITH_NEIGHBOUR)
        (created,) = run.requests("Create", "UPDATE_IN_PROGRESS")
        assert created.response.ok and created.response.physical_resource_id == run.physical_id()
        assert run.left() == ({run.physical_id()} if kind.create_operation else set())

        assert run.deploy(NEIGHBOUR)
        (removed,) = run.requests("Delete", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        assert removed.physical_id == created.response.physical_resource_id and removed.response.ok
        if kind.delete_operation:
            assert _succeeded(run, kind.delete_operation, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        assert run.physical_id() == "" and run.left() == set()
        assert run.delete()


@pytest.mark.parametrize("name", NAMES)
def test_retain_keeps_what_the_resource_made(name: str) -> None:
    """RETAIN: CloudFormation sends no Delete, neither for the replaced resource nor in the stack delete."""
    kind = runtime_kind(name)
    with Run(name, keeps=[RETAIN]) as run:
        assert run.deploy(RETAINED)
        first = run.physical_id()
        assert run.deploy(RETAINED_REPLACED)
        second = run.physical_id()
        assert run.delete()
        if run.deletion_policy(RETAINED) == "Retain" and kind.create_operation:  # not every kind has a policy
            assert [entry for entry in run.entries if entry.type == "Delete" and run.own(entry)] == []
            assert run.left() == {first, second}
