"""How the copy resource hands a long copy to the copy watcher (the StartExecution the handler makes).

Written from the mutation-testing survivors of ``lambda/model_copy/watcher.py``
(docs/mutation.md). Through the provider-framework driver, the fake Bedrock (with the
synthesized IAM) and the kit's Step Functions, as ``tests/test_long_copy.py`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from scenario import NAME

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, ProviderFramework
from bedrock_model_copy.testing.iam import handler_role_policies
from conftest import ENV, SOURCE_ARN, STACK_NAME

HOUR = 3600
LONG_ID = "CopyOfTheSupportBotForTheWestCoastRegionWithAVeryLongConstructId"


def _template(construct_id: str = "Copy", **props: Any) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Watched", env=ENV)
    BedrockModelCopy(
        stack, construct_id, source_model_arn=SOURCE_ARN, target_model_name=NAME, timeout=cdk.Duration.hours(6), **props
    )
    return assertions.Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return {"six-hours": _template(), "retagged": _template(tags={"team": "ml"}), "long-id": _template(LONG_ID)}


@pytest.fixture
def fake(templates: dict[str, dict[str, Any]]) -> FakeBedrock:
    policies = handler_role_policies(
        templates["six-hours"], stack_name=STACK_NAME, region=ENV.region, account=ENV.account
    )
    return FakeBedrock(iam=policies)


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone nine hours from UTC (Lambda's is UTC; a developer's may not be)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _copy_id(template: dict[str, Any]) -> str:
    (copy_id,) = (
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "Custom::BedrockModelCopy" and resource["Properties"]["Mode"] == "Copy"
    )
    return copy_id


def _started_inputs(fake: FakeBedrock) -> list[dict[str, Any]]:
    return [json.loads(call.params["input"]) for call in fake.calls_to("StartExecution")]


def test_the_watcher_gets_its_budget_and_a_deadline_in_utc_whatever_the_local_time_zone(
    templates: dict[str, dict[str, Any]], fake: FakeBedrock, framework: ProviderFramework, far_from_utc: None
) -> None:
    template = templates["six-hours"]
    copy_props = template["Resources"][_copy_id(template)]["Properties"]
    fake.script_copy(NAME, duration=2 * HOUR)
    started = fake.clock.time()
    operations, _ = CloudFormationStack(framework).deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    (given,) = _started_inputs(fake)
    (job_arn,) = fake.jobs
    polls, poll_seconds = int(copy_props["WatchMaxPolls"]), int(copy_props["WatchPollSeconds"])
    assert given["JobArn"] == job_arn and given["StackId"].endswith(f":stack/{STACK_NAME}/" + given["StackId"][-36:])
    assert given["WaitLogicalId"] == copy_props["WaitConditionLogicalId"]
    assert (given["PollSeconds"], given["MaxPolls"]) == (poll_seconds, polls) == (30, 720)
    assert given["PollsPerPulse"] == int(copy_props["WatchPollsPerPulse"]) == 100
    assert given["SignalCount"] == int(copy_props["WatchSignalCount"]) == 8
    deadline = dt.datetime.strptime(given["Deadline"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
    assert 0 <= deadline - (started + polls * poll_seconds) < 60


def test_a_long_logical_id_still_gives_an_execution_name_step_functions_accepts(
    templates: dict[str, dict[str, Any]], fake: FakeBedrock, framework: ProviderFramework
) -> None:
    template = templates["long-id"]
    assert len(_copy_id(template)) > 60
    fake.script_copy(NAME, duration=2 * HOUR)
    operations, _ = CloudFormationStack(framework).deploy_template(template)
    assert all(operation.response.ok for operation in operations.values())
    (start,) = fake.calls_to("StartExecution")
    name = start.params["name"]
    # StartExecution: 1 to 80 characters; the name keeps the start of the logical id, to be found by it.
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name)
    assert name.startswith(_copy_id(template)[:40])


def test_an_update_that_keeps_the_copy_and_its_wait_starts_no_watcher(
    templates: dict[str, dict[str, Any]], fake: FakeBedrock, framework: ProviderFramework
) -> None:
    fake.script_copy(NAME, duration=2 * HOUR)
    stack = CloudFormationStack(framework)
    stack.deploy_template(templates["six-hours"])
    assert len(fake.calls_to("StartExecution")) == 1
    operations = stack.update_template(templates["retagged"])
    assert all(operation.response.ok for operation in operations.values())
    assert len(fake.calls_to("StartExecution")) == 1  # not even one answered ExecutionAlreadyExists


def test_a_watcher_that_cannot_start_fails_the_copy_naming_the_call_the_watcher_and_the_job(
    templates: dict[str, dict[str, Any]], fake: FakeBedrock, framework: ProviderFramework
) -> None:
    template = templates["six-hours"]
    fake.script_copy(NAME, duration=2 * HOUR)
    fake.inject_fault("StartExecution", "AccessDeniedException", status=400, message="not authorized", times=10)
    operations, _ = CloudFormationStack(framework).deploy_template(template)
    response = operations[_copy_id(template)].response
    (job_arn,) = fake.jobs
    assert response.status == "FAILED"
    assert re.search(
        rf"StartExecution failed for copy watcher arn:aws:states:us-west-2:111122223333:stateMachine:\S+ "
        rf"\(job {re.escape(job_arn)}\): AccessDeniedException",
        response.reason,
    ), response.reason
