"""Long copies (timeout above 57 minutes): the whole path offline, in simulated time.

The templates are synthesized by the construct; the driver creates their resources as
CloudFormation does (WaitCondition with CreationPolicy included), the real handler runs behind
the provider-framework driver, and the copy watcher's Amazon States Language definition runs AS
SYNTHESIZED in the interpreter (testing/asl.py), its SDK calls answered by the fake Bedrock
and the fake SignalResource. IAM mode is on: the handler role and the watcher role each get only
what their synthesized policies allow.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from scenario import NAME, writes

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from bedrock_model_copy._long_copy import (
    MAX_WATCH_POLLS,
    PULSE_SECONDS,
    WAIT_METADATA_KEY,
    definition,
    watch_budget,
)
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, ProviderFramework, simulated_environment
from bedrock_model_copy.testing.asl import StatesError
from bedrock_model_copy.testing.aws.cloudformation import WaitConditionState
from bedrock_model_copy.testing.aws.stepfunctions import StepFunctions
from bedrock_model_copy.testing.iam import handler_role_policies, pseudo_parameters, resolve
from conftest import ENV, JOB_ARN, PUBLIC_ATTRIBUTES, SOURCE_ARN, STACK_NAME

HOUR = 3600
WAIT = "AWS::CloudFormation::WaitCondition"
RESULT_ATTRIBUTES = set(PUBLIC_ATTRIBUTES.values())


def _copy(stack: cdk.Stack, **props: Any) -> BedrockModelCopy:
    arguments: dict[str, Any] = {
        "source_model_arn": SOURCE_ARN,
        "target_model_name": NAME,
        "timeout": cdk.Duration.hours(6),
    }
    arguments.update(props)
    copy_ = BedrockModelCopy(stack, "Copy", **arguments)
    cdk.CfnOutput(stack, "ModelArn", value=copy_.target_model_arn)
    cdk.CfnOutput(stack, "Status", value=copy_.status)
    return copy_


VARIANTS: dict[str, dict[str, Any]] = {
    "six-hours": {},
    "six-hours-destroy": {"removal_policy": cdk.RemovalPolicy.DESTROY},
    "two-hours": {"timeout": cdk.Duration.hours(2)},
    "renamed": {"target_model_name": "support-bot-v2"},
    "retagged": {"tags": {"team": "ml"}, "timeout": cdk.Duration.hours(8), "poll_interval": cdk.Duration.seconds(60)},
    "twelve-hours": {"timeout": cdk.Duration.hours(12)},
    "short": {"timeout": cdk.Duration.minutes(57)},
}


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """Every variant synthesized once (one app); the driver resolves names with its own stack name."""
    app = cdk.App()
    stacks = {}
    for name, props in VARIANTS.items():
        stack = cdk.Stack(app, name.title().replace("-", ""), env=ENV)
        _copy(stack, **props)
        stacks[name] = stack
    return {name: assertions.Template.from_stack(stack).to_json() for name, stack in stacks.items()}


def _fake_for(template: dict[str, Any]) -> FakeBedrock:
    return FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    )


@pytest.fixture
def long_fake(templates: dict[str, dict[str, Any]]) -> FakeBedrock:
    return _fake_for(templates["six-hours"])


@pytest.fixture
def long_framework(long_fake: FakeBedrock) -> Iterator[ProviderFramework]:
    with simulated_environment(long_fake) as running:
        yield running


def _ids(template: dict[str, Any], kind: str) -> list[str]:
    return [logical_id for logical_id, r in template["Resources"].items() if r["Type"] == kind]


def _copy_ids(template: dict[str, Any]) -> tuple[str, str, str]:
    """(R1 copy, R2 wait, R3 result) logical ids."""
    customs = _ids(template, "Custom::BedrockModelCopy")
    (wait,) = _ids(template, WAIT)
    (r1,) = [c for c in customs if template["Resources"][c]["Properties"]["Mode"] == "Copy"]
    (r3,) = [c for c in customs if template["Resources"][c]["Properties"]["Mode"] == "Result"]
    return r1, wait, r3


def _no_denials(fake: FakeBedrock) -> None:
    assert fake.iam is not None and fake.iam.denied == []
    assert all(policies.denied == [] for policies in fake.role_iam.values())


def _rfc3339(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _watch_input(job_arn: str, stack_id: str, **values: Any) -> dict[str, Any]:
    """A copy watcher's input, as the copy resource "Copy" builds it, for the library wait "Wait"."""
    return {
        "JobArn": job_arn,
        "StackId": stack_id,
        "WaitLogicalId": "Wait",
        "CopyLogicalId": "Copy",
        "WatchId": "0123abcd",
        **values,
    }


def _library_wait(stack_id: str, count: int, status: str = "CREATE_IN_PROGRESS") -> WaitConditionState:
    """A WaitCondition the construct made for the copy resource "Copy" (its Metadata says so)."""
    return WaitConditionState(stack_id, "Wait", count, status, metadata={WAIT_METADATA_KEY: "Copy"})


def _signals(stack: CloudFormationStack, wait: str) -> list[tuple[float, str]]:
    return [(e.at, e.reason) for e in stack.events if e.logical_id == wait and e.reason.startswith("Received")]


# ---------------------------------------------------------------- the long path, end to end


def test_a_five_hour_copy_succeeds_in_one_deploy_with_signals_at_least_hourly(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    template = templates["six-hours"]
    r1, wait, r3 = _copy_ids(template)
    long_fake.script_copy(NAME, duration=5 * HOUR)
    stack = CloudFormationStack(long_framework)
    started = long_fake.clock.time()
    operations, outputs = stack.deploy_template(template)
    assert [operations[i].response.status for i in (r1, wait, r3)] == ["SUCCESS"] * 3
    (job_arn,) = long_fake.jobs
    model = long_fake.model_named(NAME)
    assert model is not None
    assert outputs == {"ModelArn": model.model_arn, "Status": "Completed"}
    assert set(operations[r3].response.data) == RESULT_ATTRIBUTES
    assert operations[r3].response.data["JobArn"] == job_arn
    # One deploy waited the copy out: done within one poll interval of the copy's end.
    assert 5 * HOUR <= long_fake.clock.time() - started <= 5 * HOUR + 60
    # No Lambda per poll: the copy and the result resource each ran is_complete once.
    assert operations[r1].response.polls == 1 and operations[r3].response.polls == 1
    (execution,) = long_fake.step_functions.executions.values()  # type: ignore[union-attr]
    assert execution.status == "SUCCEEDED" and execution.end_state == "Done"
    assert sum(c.action == "bedrock:getModelCopyJob" for c in execution.calls) >= 5 * HOUR // 30
    # Its input (logged with the execution data) holds no ResponseURL or other secret.
    assert set(execution.input) == {
        "JobArn",
        "StackId",
        "WaitLogicalId",
        "CopyLogicalId",
        "WatchId",
        "PollSeconds",
        "MaxPolls",
        "PollsPerPulse",
        "SignalCount",
        "Deadline",
    }
    # The stack events show the copy alive at least once an hour, then the end.
    signals = _signals(stack, wait)
    times = [started, *(at for at, _ in signals)]
    assert all(later - earlier <= HOUR for earlier, later in itertools.pairwise(times))
    budget = watch_budget(6 * HOUR, 30)
    assert (
        len(signals)
        == budget["signal_count"]
        == template["Resources"][wait]["CreationPolicy"]["ResourceSignal"]["Count"]
    )
    watch_id = execution.input["WatchId"]
    assert len(watch_id) == 8 and execution.name.endswith(watch_id)
    assert signals[0][1] == f"Received SUCCESS signal with UniqueId copy-InProgress-polled-3000s-signal-1-{watch_id}"
    assert signals[-1][1].startswith("Received SUCCESS signal with UniqueId copy-Completed-polled-")
    assert writes(long_fake) == ["CreateModelCopyJob"]
    _no_denials(long_fake)


def test_a_copy_that_fails_after_three_hours_reports_bedrocks_message_and_the_job(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    template = templates["six-hours"]
    _, wait, r3 = _copy_ids(template)
    long_fake.script_copy(
        NAME, duration=3 * HOUR, outcome="Failed", failure_message="The source model is not copyable."
    )
    stack = CloudFormationStack(long_framework)
    started = long_fake.clock.time()
    operations, outputs = stack.deploy_template(template)
    (job_arn,) = long_fake.jobs
    assert operations[wait].response.ok  # the wait ends at the failure, not at its timeout
    failed = operations[r3].response
    assert failed.status == "FAILED"
    assert f"Model copy job {job_arn} failed: The source model is not copyable." in failed.reason
    assert 3 * HOUR <= long_fake.clock.time() - started <= 3 * HOUR + 60
    # CloudFormation rolls the first deploy back; nothing is left and nothing more is started.
    assert stack.status == "ROLLBACK_COMPLETE" and stack.resources == {} and outputs == {}
    assert writes(long_fake) == ["CreateModelCopyJob"]
    _no_denials(long_fake)


def test_a_copy_past_its_timeout_fails_with_resume_advice_and_the_next_deploy_takes_it_back(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["two-hours"]
    r1, wait, r3 = _copy_ids(template)
    fake = _fake_for(template)
    fake.script_copy(NAME, duration=3.5 * HOUR)
    with simulated_environment(fake) as framework:
        first = CloudFormationStack(framework)
        started = fake.clock.time()
        operations, _ = first.deploy_template(template)
        timed_out = operations[r3].response
        (job_arn,) = fake.jobs
        assert operations[wait].response.ok  # the watcher's deadline signals come before CloudFormation's backstop
        assert timed_out.status == "FAILED"
        assert f"Model copy job {job_arn} is still InProgress" in timed_out.reason
        assert "timeout of 120 min" in timed_out.reason
        assert "deploy again (same stack name and properties) to resume" in timed_out.reason
        assert 2 * HOUR - 60 <= fake.clock.time() - started <= 2 * HOUR + 60  # the last poll before the timeout
        assert first.status == "ROLLBACK_COMPLETE"
        # The user deploys again: a stack of the same name takes back its running copy and waits for the rest.
        again = CloudFormationStack(framework)
        operations, outputs = again.deploy_template(template)
        assert all(operation.response.ok for operation in operations.values()), [
            (o.response.status, o.response.reason) for o in operations.values()
        ]
        assert outputs["Status"] == "Completed" and operations[r1].response.physical_resource_id == job_arn
        assert writes(fake) == ["CreateModelCopyJob"]
        assert 3.5 * HOUR <= fake.clock.time() - started <= 3.5 * HOUR + 120
        executions = fake.step_functions.executions  # type: ignore[union-attr]
        assert len(executions) == 2  # one watcher per stack, never two for one wait
    _no_denials(fake)


def test_a_copy_that_finished_before_its_wait_exists_is_signalled_once_the_wait_exists(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    # A resumed deploy whose copy finished meanwhile: the watcher's first signal comes before
    # CloudFormation creates the WaitCondition; it is retried until the wait takes it.
    template = templates["six-hours"]
    _copy_ids(template)  # one copy, one wait, one result
    first = CloudFormationStack(long_framework)
    long_fake.script_copy(NAME, duration=2 * HOUR)
    first.delete_stack_during_wait_after = 10 * 60  # the first deploy is cancelled; the copy goes on
    first.deploy_template(template)
    long_fake.clock.advance(3 * HOUR)
    again = CloudFormationStack(long_framework)
    operations, outputs = again.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values()) and outputs["Status"] == "Completed"
    execution = [e for e in long_fake.step_functions.executions.values() if e.status == "SUCCEEDED"][-1]  # type: ignore[union-attr]
    checks = [c for c in execution.calls if c.action == "cloudformation:describeStackResource"]
    assert checks[0].error and not checks[-1].error  # unknown until CloudFormation created the wait, then checked
    signal_calls = [c for c in execution.calls if c.action == "cloudformation:signalResource"]
    assert signal_calls[0].at >= checks[-1].at
    assert [c.error for c in signal_calls] == [""] * watch_budget(6 * HOUR, 30)["signal_count"]
    assert writes(long_fake) == ["CreateModelCopyJob"]


def test_a_repeated_copy_request_never_starts_a_second_watcher(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    template = templates["six-hours"]
    r1, _, _ = _copy_ids(template)
    long_fake.script_copy(NAME, duration=2 * HOUR)
    stack = CloudFormationStack(long_framework)
    stack.deploy_template(template)
    (first,) = long_fake.step_functions.executions.values()  # type: ignore[union-attr]
    assert first.status == "SUCCEEDED"
    # The framework sends the same request (same RequestId) twice: one watcher for it, whatever the answer.
    request = stack.request("Create", r1, stack.resources[r1].properties)
    answers = [long_framework.submit(request), long_framework.submit(request)]
    assert all(a.ok and a.physical_resource_id == first.input["JobArn"] for a in answers)
    executions = long_fake.step_functions.executions  # type: ignore[union-attr]
    assert len(executions) == 2  # the deploy's watcher, and one for this request
    starts = long_fake.calls_to("StartExecution")
    assert len(starts) == 3 and starts[1].params["name"] == starts[2].params["name"] != starts[0].params["name"]
    assert [call.status for call in starts] in ([200, 200, 200], [200, 200, 400])  # idempotent or already there
    assert answers[0].data["WatcherExecutionArn"] == answers[1].data["WatcherExecutionArn"] != ""
    assert writes(long_fake) == ["CreateModelCopyJob"]


def test_a_stack_delete_in_the_middle_keeps_the_copy_and_the_watcher_stops(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    template = templates["six-hours"]
    _, wait, r3 = _copy_ids(template)
    long_fake.script_copy(NAME, duration=5 * HOUR)
    stack = CloudFormationStack(long_framework)
    stack.delete_stack_during_wait_after = 2 * HOUR
    operations, _ = stack.deploy_template(template)
    assert operations[wait].response.reason == "Resource creation cancelled"
    assert r3 not in operations and stack.status == "DELETE_COMPLETE" and stack.resources == {}
    assert operations[wait].rollback == []  # RETAIN: CloudFormation sends the copy no Delete
    (execution,) = long_fake.step_functions.executions.values()  # type: ignore[union-attr]
    # Deleting its state machine ends the execution at its next state transition, not at once (aws-behaviour W10).
    polls = len(long_fake.calls_to("GetModelCopyJob"))
    stack.advance(10 * HOUR)
    assert execution.status == "FAILED" and execution.error_name == "States.Runtime"
    assert len(long_fake.calls_to("GetModelCopyJob")) == polls  # nothing polls an orphaned copy for hours
    model = long_fake.model_named(NAME)
    assert model is not None and writes(long_fake) == ["CreateModelCopyJob"]  # RETAIN: the model is kept


def test_a_stack_delete_in_the_middle_of_a_destroy_copy_says_which_model_remains(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["six-hours-destroy"]
    _, wait, _ = _copy_ids(template)
    fake = _fake_for(template)
    fake.script_copy(NAME, duration=5 * HOUR)
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        stack.delete_stack_during_wait_after = 2 * HOUR
        operations, _ = stack.deploy_template(template)
    (delete,) = operations[wait].rollback
    (job_arn,) = fake.jobs
    # As for a short copy: the delete waits as long as CloudFormation allows, then names the job and commands.
    assert delete.status == "FAILED" and f"Model copy job {job_arn} is still InProgress" in delete.reason
    assert "aws bedrock delete-custom-model --model-identifier" in delete.reason
    _no_denials(fake)


def test_deleting_a_finished_destroy_long_copy_deletes_its_model_once(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["six-hours-destroy"]
    r1, _, r3 = _copy_ids(template)
    fake = _fake_for(template)
    fake.script_copy(NAME, duration=90 * 60)
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        operations, _ = stack.deploy_template(template)
        assert all(operation.response.ok for operation in operations.values())
        deleted = stack.delete_stack()
    assert set(deleted) == {r1, r3}  # the wait and the watcher need no request
    assert all(operation.response.ok for operation in deleted.values())
    assert fake.model_named(NAME) is None and writes(fake) == ["CreateModelCopyJob", "DeleteCustomModel"]
    assert stack.resources == {} and not fake.step_functions.running()  # type: ignore[union-attr]
    _no_denials(fake)


def test_the_watcher_ends_quietly_when_its_wait_is_gone(templates: dict[str, dict[str, Any]]) -> None:
    # The state machine stays (another long copy needs it) but this wait was deleted: the signal is
    # retried for ten minutes, then the execution ends without an error and stops polling.
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=HOUR)
        stack_id = "arn:aws:cloudformation:us-west-2:111122223333:stack/S/1"
        fake.stack_statuses[stack_id] = "UPDATE_ROLLBACK_IN_PROGRESS"
        fake.wait_conditions[(stack_id, "Wait")] = _library_wait(stack_id, 3, "DELETE_COMPLETE")
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine(
            "w", json.loads(json.dumps(definition()).replace("${Partition}", "aws")), access_key="k"
        )
        execution_input = _watch_input(
            job_arn,
            stack_id,
            PollSeconds=30,
            MaxPolls=1000,
            PollsPerPulse=100,
            SignalCount=3,
            Deadline=_rfc3339(fake.clock.time() + 1000 * 30),
        )
        execution = sfn.start_execution(arn, "x", json.dumps(execution_input))
        sfn.run_until(lambda: execution.status != "RUNNING", fake.clock.time() + 12 * HOUR)
    assert execution.status == "SUCCEEDED" and execution.end_state == "WaitIsGone"
    # Checking which resource to signal fails (the wait is gone): 1 + 20 retries, no signal at all.
    assert sum(c.action == "cloudformation:describeStackResource" for c in execution.calls) == 21
    assert not any(c.action == "cloudformation:signalResource" for c in execution.calls)
    assert execution.calls[-1].at - execution.calls[0].at < 2 * HOUR


def test_the_watcher_keeps_its_deadline_in_time_when_polls_run_late() -> None:
    # Its poll count would allow days; the Deadline (set by the copy resource from the same budget)
    # ends the watch on time anyway, with every signal the wait needs.
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=10 * HOUR)
        stack_id = "arn:aws:cloudformation:us-west-2:111122223333:stack/S/1"
        fake.stack_statuses[stack_id] = "CREATE_IN_PROGRESS"
        wait = _library_wait(stack_id, 5)
        fake.wait_conditions[(stack_id, "Wait")] = wait
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine("w", definition("aws"), access_key="k")
        started = fake.clock.time()
        execution_input = _watch_input(
            job_arn,
            stack_id,
            PollSeconds=30,
            MaxPolls=10**6,
            PollsPerPulse=100,
            SignalCount=5,
            Deadline=_rfc3339(started + 2 * HOUR),
        )
        execution = sfn.start_execution(arn, "x", json.dumps(execution_input))
        sfn.run_until(lambda: execution.status != "RUNNING", started + 12 * HOUR)
    assert execution.status == "SUCCEEDED" and execution.end_state == "Done"
    assert 2 * HOUR <= fake.clock.time() - started <= 2 * HOUR + 30
    assert wait.successes == 5 and wait.signals[-1].unique_id.startswith("copy-InProgress-")


# ---------------------------------------------------------------- updates


def test_an_update_that_changes_the_copy_identity_starts_a_new_copy_and_waits_again(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    old, new = templates["six-hours"], templates["renamed"]
    r1, old_wait, r3 = _copy_ids(old)
    _, new_wait, _ = _copy_ids(new)
    assert new_wait != old_wait
    long_fake.script_copy(NAME, duration=90 * 60)
    long_fake.script_copy("support-bot-v2", duration=4 * HOUR)
    stack = CloudFormationStack(long_framework)
    stack.deploy_template(old)
    first_job = stack.resources[r1].physical_resource_id
    started = long_fake.clock.time()
    operations = stack.update_template(new)
    assert all(operation.response.ok for operation in operations.values())
    new_job = stack.resources[r1].physical_resource_id
    assert new_job != first_job and len(long_fake.jobs) == 2
    assert operations[new_wait].response.ok and 4 * HOUR <= long_fake.clock.time() - started <= 4 * HOUR + 60
    assert stack.resources[r3].data["JobArn"] == new_job and stack.resources[r3].data["Status"] == "Completed"
    assert stack.resources[r3].data["TargetModelName"] == "support-bot-v2"
    assert old_wait not in stack.resources and new_wait in stack.resources  # the old wait is cleaned up
    assert len(long_fake.step_functions.executions) == 2  # type: ignore[union-attr]
    assert writes(long_fake) == ["CreateModelCopyJob", "CreateModelCopyJob"]  # RETAIN: the first model is kept
    _no_denials(long_fake)


def test_an_update_of_tags_timeout_and_poll_interval_does_not_wait_again(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    old, new = templates["six-hours"], templates["retagged"]
    r1, wait, r3 = _copy_ids(old)
    assert _copy_ids(new) == (r1, wait, r3)  # the same wait: tags, timeout and poll interval are not identity
    assert new["Resources"][wait]["CreationPolicy"] != old["Resources"][wait]["CreationPolicy"]
    long_fake.script_copy(NAME, duration=2 * HOUR)
    stack = CloudFormationStack(long_framework)
    stack.deploy_template(old)
    started = long_fake.clock.time()
    operations = stack.update_template(new)
    assert set(operations) == {r1, r3} and all(operation.response.ok for operation in operations.values())
    assert long_fake.clock.time() - started < 60  # no wait
    assert len(long_fake.step_functions.executions) == 1  # type: ignore[union-attr]
    model = long_fake.model_named(NAME)
    assert model is not None and model.tags["team"] == "ml"  # retagged in place by the copy resource
    assert writes(long_fake) == ["CreateModelCopyJob", "TagResource"]
    _no_denials(long_fake)


def test_a_short_copy_made_long_by_a_timeout_update_gets_a_wait_that_is_signalled_at_once(
    templates: dict[str, dict[str, Any]], long_fake: FakeBedrock, long_framework: ProviderFramework
) -> None:
    short, long = templates["short"], templates["six-hours"]
    r1, wait, r3 = _copy_ids(long)
    assert not _ids(short, WAIT)
    long_fake.script_copy(NAME, duration=40 * 60)
    stack = CloudFormationStack(long_framework)
    operations, _ = stack.deploy_template(short)
    assert operations[r1].response.ok and operations[r1].response.data["Status"] == "Completed"
    started = long_fake.clock.time()
    operations = stack.update_template(long)
    assert all(operation.response.ok for operation in operations.values())
    assert set(operations) == {r1, wait, r3} and stack.resources[r3].data["Status"] == "Completed"
    assert long_fake.clock.time() - started < 60  # the finished job is signalled at its first poll
    assert len(long_fake.step_functions.executions) == 1  # type: ignore[union-attr]
    assert writes(long_fake) == ["CreateModelCopyJob"]
    _no_denials(long_fake)


# ---------------------------------------------------------------- synthesized template


def test_short_copies_are_unchanged_and_long_copies_add_three_resources_and_a_watcher() -> None:
    def resources(**props: Any) -> dict[str, Any]:
        stack = cdk.Stack(cdk.App(), "S", env=ENV)
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME, **props)
        return dict(assertions.Template.from_stack(stack).to_json()["Resources"])

    default, at_limit = resources(), resources(timeout=cdk.Duration.minutes(57))
    assert default == at_limit and len(default) == 17 + 1
    assert not any(
        r["Type"] == WAIT or "bedrock-model-copy:copy-watcher" in r.get("Metadata", {}) for r in default.values()
    )
    long = resources(timeout=cdk.Duration.minutes(58))
    assert len(long) == 17 + 1 + 2 + 5  # R2 and R3; the watcher's state machine, role, two policies, log group
    assert sum(r["Type"] == WAIT for r in long.values()) == 1


def test_the_wait_follows_identity_and_its_policy_fits_cloudformation(templates: dict[str, dict[str, Any]]) -> None:
    six, twelve = templates["six-hours"], templates["twelve-hours"]
    r1, wait, r3 = _copy_ids(six)
    assert six["Resources"][wait]["DependsOn"] == [r1] and six["Resources"][r3]["DependsOn"] == [wait]
    assert six["Resources"][r3]["Properties"]["JobArn"] == {"Ref": r1}
    assert six["Resources"][wait]["CreationPolicy"]["ResourceSignal"] == {"Count": 8, "Timeout": "PT22500S"}
    (_, twelve_wait, _) = _copy_ids(twelve)
    signal = twelve["Resources"][twelve_wait]["CreationPolicy"]["ResourceSignal"]
    assert signal["Timeout"] == "PT43200S"  # CloudFormation's maximum, PT12H
    assert twelve_wait == wait  # a timeout change keeps the wait
    assert _copy_ids(templates["renamed"])[1] != wait  # a name change makes a new one
    props = six["Resources"][r1]["Properties"]
    assert props["WaitConditionLogicalId"] == wait and props["CopyWatcherArn"] == {"Ref": _watcher_id(six)}


def _watcher_id(template: dict[str, Any]) -> str:
    (watcher,) = [
        i for i, r in template["Resources"].items() if "bedrock-model-copy:copy-watcher" in r.get("Metadata", {})
    ]
    return watcher


def test_iam_lets_the_handler_start_only_the_watcher_and_the_watcher_signal_only_this_stack(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["six-hours"]
    watcher = _watcher_id(template)
    handler = handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    starts = [s for s in handler.statements() if "states" in json.dumps(s.get("Action"))]
    assert starts == [
        {
            "Sid": "StartCopyWatcher",
            "Effect": "Allow",
            "Action": ["states:StartExecution", "states:ListExecutions"],
            "Resource": f"<unresolved Ref {watcher}>",
        },
        {
            "Sid": "StopOrReadCopyWatcherExecutions",
            "Effect": "Allow",
            "Action": ["states:StopExecution", "states:DescribeExecution"],
            "Resource": f"arn:aws:states:us-west-2:111122223333:execution:<unresolved GetAtt {watcher}.Name>:*",
        },
    ]
    handler.bind(watcher, "arn:aws:states:us-west-2:111122223333:stateMachine:W-1", {"Name": "W-1"})
    execution = "arn:aws:states:us-west-2:111122223333:execution:W-1:Copy-0123456789-0123456789abcdef"
    assert handler.is_allowed("states:StopExecution", execution, {})
    assert not handler.is_allowed("states:StopExecution", execution.replace("W-1", "Other"), {})
    role_id = template["Resources"][watcher]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    from bedrock_model_copy.testing.iam import role_policies

    role = role_policies(template, role_id, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    own_stack = f"arn:aws:cloudformation:us-west-2:111122223333:stack/{STACK_NAME}/guid"
    assert role.is_allowed("cloudformation:SignalResource", own_stack, {})
    assert not role.is_allowed("cloudformation:SignalResource", own_stack.replace(STACK_NAME, "Other"), {})
    assert role.is_allowed("cloudformation:DescribeStackResource", own_stack, {})
    assert not role.is_allowed("cloudformation:DescribeStackResource", own_stack.replace(STACK_NAME, "Other"), {})
    job = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abc"
    owner = {"aws:ResourceTag/bedrock-model-copy:owner-stack": STACK_NAME}
    # Read-only on this account's and Region's jobs, whether or not a job carries tags (unconfirmed).
    assert role.is_allowed("bedrock:GetModelCopyJob", job, owner)
    assert role.is_allowed("bedrock:GetModelCopyJob", job, {})
    assert not role.is_allowed("bedrock:GetModelCopyJob", job.replace("us-west-2", "us-east-1"), {})
    assert not role.is_allowed("bedrock:GetModelCopyJob", job.replace("111122223333", "444455556666"), {})
    for action in ("bedrock:CreateModelCopyJob", "bedrock:DeleteCustomModel", "states:StartExecution"):
        assert not role.is_allowed(action, "*", owner)
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}}
    ]  # without it Step Functions cannot run the watcher: every long copy would fail to start
    short = cdk.Stack(cdk.App(), "Short", env=ENV)
    BedrockModelCopy(short, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME)
    short_policies = handler_role_policies(
        assertions.Template.from_stack(short).to_json(), stack_name="Short", region=ENV.region, account=ENV.account
    )
    assert "states:" not in json.dumps(short_policies.documents)


def test_timeout_limits_name_the_prop() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(ValueError, match=r"timeout.*43260 seconds.*at most 12 hours"):
        BedrockModelCopy(
            stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME, timeout=cdk.Duration.seconds(43260)
        )
    with pytest.raises(ValueError, match=r"timeout.*at most 57 minutes"):
        ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN, timeout=cdk.Duration.hours(2))


# ---------------------------------------------------------------- the interpreter keeps Step Functions' rules


def _run_definition(states: dict[str, Any]) -> Any:
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=0)
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine("t", {"StartAt": "Get", "States": states}, access_key="k")
        execution = sfn.start_execution(arn, "x", json.dumps({"JobArn": job_arn}))
        sfn.run_until(lambda: execution.status != "RUNNING", fake.clock.time() + HOUR)
    return execution


@pytest.mark.parametrize(
    ("parameters", "selector", "outcome"),
    [
        ({"JobArn.$": "$.JobArn"}, {"Status.$": "$.Status"}, "SUCCEEDED"),
        ({"jobArn.$": "$.JobArn"}, {"Status.$": "$.Status"}, "FAILED"),  # camelCase parameters fail in AWS
        ({"JobArn.$": "$.JobArn"}, {"Status.$": "$.status"}, "FAILED"),  # results come back PascalCase
    ],
)
def test_sdk_tasks_follow_step_functions_casing(
    parameters: dict[str, str], selector: dict[str, str], outcome: str
) -> None:
    execution = _run_definition(
        {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:bedrock:getModelCopyJob",
                "Parameters": parameters,
                "ResultSelector": selector,
                "End": True,
            }
        }
    )
    assert execution.status == outcome
    if outcome == "SUCCEEDED":
        assert execution.output == {"Status": "Completed"}
    else:
        assert execution.error.startswith("States.Runtime")


def test_sdk_errors_are_named_after_the_service_and_can_be_caught() -> None:
    execution = _run_definition(
        {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:bedrock:getModelCopyJob",
                "Parameters": {"JobArn": JOB_ARN + "x"},
                "Catch": [{"ErrorEquals": ["Bedrock.ResourceNotFoundException"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        }
    )
    assert execution.status == "SUCCEEDED" and execution.end_state == "Caught"
    assert execution.output["Error"] == "Bedrock.ResourceNotFoundException"


def test_intrinsics_reject_what_step_functions_rejects() -> None:
    from bedrock_model_copy.testing.asl import evaluate

    data = {"A": 1, "S": "x"}
    assert evaluate("States.Format('{}-{}', $.S, States.MathAdd($.A, 2))", data, {}) == "x-3"
    with pytest.raises(StatesError):
        evaluate("States.MathAdd($.S, 1)", data, {})
    with pytest.raises(StatesError):
        evaluate("States.Format('{}', $.A, $.S)", data, {})


def test_the_synthesized_definition_is_the_library_definition(templates: dict[str, dict[str, Any]]) -> None:
    template = templates["six-hours"]
    properties = template["Resources"][_watcher_id(template)]["Properties"]
    parameters = pseudo_parameters(stack_name=STACK_NAME, region=ENV.region, account=ENV.account, partition="aws-cn")
    assert json.loads(resolve(properties["DefinitionString"], parameters)) == definition("aws-cn")
    tasks = [state for state in definition("aws")["States"].values() if state["Type"] == "Task"]
    assert {t["Resource"] for t in tasks} == {
        "arn:aws:states:::aws-sdk:bedrock:getModelCopyJob",
        "arn:aws:states:::aws-sdk:cloudformation:describeStackResource",
        "arn:aws:states:::aws-sdk:cloudformation:signalResource",
    }
    assert len(tasks) == 4  # every Task is one of the three SDK calls: no Lambda anywhere in the loop
    assert PULSE_SECONDS < HOUR


def test_the_watch_budget_fits_cloudformation_for_every_allowed_timeout() -> None:
    for timeout in (58 * 60, 2 * HOUR, 6 * HOUR, 11 * HOUR + 59 * 60, 12 * HOUR):
        for poll in (5, 30, 600):
            budget = watch_budget(timeout, poll)
            assert budget["interval_seconds"] >= poll
            assert budget["max_polls"] <= MAX_WATCH_POLLS
            assert budget["backstop_seconds"] <= 12 * HOUR
            deadline = budget["max_polls"] * budget["interval_seconds"]
            assert deadline + 10 * 60 <= budget["backstop_seconds"]  # the final signals come first
            assert deadline >= min(timeout, 11 * HOUR + 45 * 60) - budget["interval_seconds"]
            pulses = (budget["max_polls"] - 1) // budget["polls_per_pulse"]
            assert budget["signal_count"] >= pulses + 1
            assert budget["polls_per_pulse"] * budget["interval_seconds"] <= HOUR
    assert copy.deepcopy(watch_budget(6 * HOUR, 30)) == {
        "interval_seconds": 30,
        "max_polls": 720,
        "polls_per_pulse": 100,
        "signal_count": 8,
        "backstop_seconds": 22500,
    }
    assert watch_budget(12 * HOUR, 5)["interval_seconds"] == 27  # 42,300 s of polling in at most 1,600 polls


def test_a_twelve_hour_watch_stays_within_step_functions_history_limit() -> None:
    # Standard executions keep at most 25,000 history events. Count them for the longest watch at the
    # shortest poll_interval, with a throttling storm on top: 2 per state entered (entered, exited),
    # 3 more per Task attempt (scheduled, started, succeeded or failed), 2 for the execution.
    fake = FakeBedrock()
    budget = watch_budget(12 * HOUR, 5)
    with simulated_environment(fake) as framework:
        job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=13 * HOUR)
        fake.inject_fault("GetModelCopyJob", times=300)
        stack_id = "arn:aws:cloudformation:us-west-2:111122223333:stack/S/1"
        fake.stack_statuses[stack_id] = "CREATE_IN_PROGRESS"
        wait = _library_wait(stack_id, budget["signal_count"])
        fake.wait_conditions[(stack_id, "Wait")] = wait
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine("w", definition("aws"), access_key="k")
        execution_input = _watch_input(
            job_arn,
            stack_id,
            PollSeconds=budget["interval_seconds"],
            MaxPolls=budget["max_polls"],
            PollsPerPulse=budget["polls_per_pulse"],
            SignalCount=budget["signal_count"],
            Deadline=_rfc3339(fake.clock.time() + budget["max_polls"] * budget["interval_seconds"]),
        )
        execution = sfn.start_execution(arn, "x", json.dumps(execution_input))
        sfn.run_until(lambda: execution.status != "RUNNING", fake.clock.time() + 14 * HOUR)
    assert execution.status == "SUCCEEDED" and execution.end_state == "Done"
    assert wait.successes == budget["signal_count"]  # the deadline's signals, as the timeout path needs
    events = 2 + 2 * len(execution.states_entered) + 3 * len(execution.calls)
    assert 15_000 < events < 25_000, events  # about 18,000


# ---------------------------------------------------------------- the simulator's WaitCondition semantics


def _signaller(stack: CloudFormationStack, *signals: tuple[str, str]) -> None:
    """Start a state machine that sends ``signals`` ((UniqueId, Status), ten minutes apart) to the wait W."""
    states: dict[str, Any] = {}
    for index, (unique_id, status) in enumerate(signals):
        states[f"Sleep{index}"] = {"Type": "Wait", "Seconds": 600, "Next": f"Signal{index}"}
        states[f"Signal{index}"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:cloudformation:signalResource",
            "Parameters": {
                "StackName": stack.stack_id,
                "LogicalResourceId": "W",
                "UniqueId": unique_id,
                "Status": status,
            },
            "ResultPath": "$.Signal",
            **({"Next": f"Sleep{index + 1}"} if index + 1 < len(signals) else {"End": True}),
        }
    sfn = stack._step_functions()
    arn = sfn.create_state_machine(
        f"signaller{len(sfn.state_machines)}", {"StartAt": "Sleep0", "States": states}, access_key="k"
    )
    sfn.start_execution(arn, "go", "{}")


WAIT_ONLY = {"Resources": {"W": {"Type": WAIT, "CreationPolicy": {"ResourceSignal": {"Count": 2, "Timeout": "PT1H"}}}}}


@pytest.mark.parametrize(
    ("signals", "status", "reason", "waited"),
    [
        ((("a", "SUCCESS"), ("b", "SUCCESS")), "SUCCESS", "SUCCESS", 1200),
        (
            (("a", "SUCCESS"), ("a", "SUCCESS")),
            "FAILED",
            "Failed to receive 2 resource signal(s) within the specified duration",
            3600,
        ),
        ((("a", "SUCCESS"), ("b", "FAILURE")), "FAILED", "Received FAILURE signal with UniqueId b", 1200),
        ((), "FAILED", "Failed to receive 2 resource signal(s) within the specified duration", 3600),
    ],
    ids=["count reached", "a repeated UniqueId counts once", "FAILURE fails it", "timeout"],
)
def test_the_simulated_wait_condition_follows_its_creation_policy(
    signals: tuple[tuple[str, str], ...], status: str, reason: str, waited: float
) -> None:
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        if signals:
            _signaller(stack, *signals)
        started = fake.clock.time()
        operations, _ = stack.deploy_template(copy.deepcopy(WAIT_ONLY))
        assert operations["W"].response.status == status and operations["W"].response.reason == reason
        assert fake.clock.time() - started == waited
        if status == "SUCCESS":
            # Only evaluated on CREATE: deploying the same wait again waits for nothing, and signals are refused.
            assert stack.update_template(copy.deepcopy(WAIT_ONLY)) == {}
            _signaller(stack, ("c", "SUCCESS"))
            stack.advance(HOUR)
            late = fake.step_functions.executions  # type: ignore[union-attr]
            assert [e.status for e in late.values()] == ["SUCCEEDED", "FAILED"]
            assert "is in CREATE_COMPLETE state and can not be signaled" in list(late.values())[-1].error
