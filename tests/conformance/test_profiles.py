"""Every kind of the runtime's list has a profile, every call it names is reached, and the invariants can fail.

A kind that joins ``bedrock_model_copy._lambda.model_copy.kinds.KINDS`` gets the whole matrix by adding its
profile to ``tests/conformance/profiles.py`` (``PROFILES``); until then these tests say what is missing.
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy import kinds as runtime_kinds
from bedrock_model_copy._lambda.model_copy.kinds import KINDS
from bedrock_model_copy.testing import CREATE_FAILED_MARKER, CfnResponse, CloudFormationStack, RecordedCall

from .faults import WATCHER_OPERATIONS, operations_of
from .harness import Entry, Run
from .profiles import PROFILES
from .scenarios import baseline
from .templates import LONG_SPECS, RESOURCE, specs_of, templates

NAMES = [kind.name for kind in KINDS]
MAKERS = [kind.name for kind in KINDS if kind.create_operation]


def test_every_kind_has_a_profile() -> None:
    missing = sorted({kind.name for kind in KINDS} - set(PROFILES))
    stale = sorted(set(PROFILES) - {kind.name for kind in KINDS})
    assert not missing, (
        f"kinds without a conformance profile: {missing}. Add a Profile subclass for each to "
        "tests/conformance/profiles.py (build, prepare, left, kept) and list it in PROFILES."
    )
    assert not stale, f"profiles of no kind in KINDS: {stale}"


@pytest.mark.parametrize("name", NAMES)
def test_every_template_holds_the_kind_once_and_long_ones_wait(name: str) -> None:
    kind = next(kind for kind in KINDS if kind.name == name)
    for spec, template in templates(name).items():
        own = [
            logical_id
            for logical_id, resource in template["Resources"].items()
            if logical_id.startswith(RESOURCE)
            and resource["Type"] == kind.resource_type
            and runtime_kinds.of(resource["Properties"]) == (kind, False)
        ]
        assert len(own) == (1 if spec.resource else 0), (spec, own)
        waits = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::WaitCondition"]
        assert len(waits) == (spec in LONG_SPECS) + spec.breaker, spec
    assert (set(LONG_SPECS) <= set(specs_of(name))) == (kind.watch is not None)


@pytest.mark.parametrize("name", NAMES)
def test_every_call_a_kind_names_is_made_by_the_scenarios(name: str) -> None:
    kind = next(kind for kind in KINDS if kind.name == name)
    unreached = [
        operation for operation in operations_of(kind) if not baseline(name, "every_phase").statuses(operation)
    ]
    assert not unreached, f"every_phase never makes {name}'s {unreached}: its profile's variants must reach them"
    if kind.watch is not None:
        assert all(baseline(name, "long_life").statuses(operation) for operation in WATCHER_OPERATIONS)


# ---------------------------------------------------------------- the invariants can fail


def _entry(request_type: str, status: str, response_status: str, physical_id: str, **extra: object) -> Entry:
    request = {
        "RequestType": request_type,
        "RequestId": "11111111-2222-3333-4444-555555555555",
        "LogicalResourceId": "ResE0A55A37",
        "PhysicalResourceId": physical_id,
        "ResourceProperties": {"Mode": "Copy", "DeleteModelOnDelete": "true"},
    }
    response = CfnResponse(request_type, response_status, "reason", physical_id, {}, 1, 100)
    return Entry(request, status, response, [], **extra)  # type: ignore[arg-type]


def test_a_failed_rollback_request_breaks_invariant_1() -> None:
    with Run("Copy") as run, pytest.raises(AssertionError, match=r"\(1\) a request of a rollback"):
        run.check([_entry("Update", "UPDATE_ROLLBACK_IN_PROGRESS", "FAILED", "x")], set(), False, {})


def test_the_create_failed_marker_after_a_purchase_breaks_invariant_2() -> None:
    entry = _entry("Create", "CREATE_IN_PROGRESS", "FAILED", CREATE_FAILED_MARKER)
    entry.calls.append(RecordedCall("CreateModelCopyJob", {}, 201, 0.0))
    with Run("Copy") as run, pytest.raises(AssertionError, match=r"\(2\) CreateModelCopyJob answered 2xx"):
        run.check([entry], set(), False, {})


def test_a_delete_that_left_its_resource_breaks_invariant_3() -> None:
    arn = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12"
    entry = _entry("Delete", "DELETE_IN_PROGRESS", "SUCCESS", arn, left={arn})
    with Run("Copy") as run, pytest.raises(AssertionError, match=r"\(3\) a Delete answered SUCCESS and left"):
        run.check([entry], set(), True, {"Resources": {}})


@pytest.mark.parametrize("name", MAKERS)
def test_a_resource_the_stack_forgot_breaks_invariant_4(name: str) -> None:
    from .templates import BASE

    with Run(name) as run:
        assert run.deploy(BASE)
        run.stack.resources.clear()  # as if CloudFormation had been told nothing of it
        with pytest.raises(AssertionError, match=r"\(4\) left in the fake, owned by the stack"):
            run.check([], set(), True, {"Resources": {}})


def test_a_logged_signature_or_event_breaks_invariant_5() -> None:
    entry = _entry("Create", "CREATE_IN_PROGRESS", "SUCCESS", "x")
    signature = CloudFormationStack.response_url_signature(entry.request["RequestId"])
    with Run("Copy") as run:
        run.logs.append(f"url=...&X-Sig={signature}")
        with pytest.raises(AssertionError, match=r"\(5\) a log line holds the ResponseURL's signature"):
            run.check([entry], set(), False, {})
        run.logs[:] = ["event={'ResponseURL': 'https://...'}"]
        with pytest.raises(AssertionError, match=r"\(5\) a log line holds a whole event"):
            run.check([], set(), False, {})
