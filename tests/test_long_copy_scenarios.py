"""Long copies where users run them: in an existing stack, after a rollback, on the second and third
deploy, with an old watcher still running, with denials, and when the watcher stops for a reason
that is not the timeout (issue 15, defects 1 to 3).

The stacks hold a second long copy ("Keep") besides the one under test ("Copy"), so the copy
watcher state machine stays in the stack across updates and rollbacks, as it does for any stack
with more than one long copy: a re-created state machine would be a new one, with new execution
names. The fake is the conservative one: a copy job carries no tags of its own, StartExecution
follows Step Functions' name rules, and IAM is on for the handler and the watcher.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from scenario import NAME, writes

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy._long_copy import NOT_A_LIBRARY_WAIT, WAIT_METADATA_KEY, definition, watch_budget
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.asl import StatesError
from bedrock_model_copy.testing.aws.cloudformation import WaitConditionState
from bedrock_model_copy.testing.aws.stepfunctions import StepFunctions
from bedrock_model_copy.testing.iam import handler_role_policies
from conftest import ENV, SOURCE_ARN, STACK_NAME

HOUR = 3600
KEEP = "keeper-usw2"
WAIT = "AWS::CloudFormation::WaitCondition"


def _template(copy: dict[str, Any] | None, *, keep_tags: dict[str, str] | None = None) -> dict[str, Any]:
    """A stack with the long copy "Keep" and, unless ``copy`` is None, the copy "Copy" with these props."""
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(
        stack,
        "Keep",
        source_model_arn=SOURCE_ARN,
        target_model_name=KEEP,
        timeout=cdk.Duration.hours(3),
        tags=keep_tags,
    )
    if copy is not None:
        made = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME, **copy)
        cdk.CfnOutput(stack, "Status", value=made.status)
    return dict(assertions.Template.from_stack(stack).to_json())


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    hours = cdk.Duration.hours
    return {
        "keep": _template(None),
        "keep-retagged": _template(None, keep_tags={"team": "ml"}),
        "two-hours": _template({"timeout": hours(2)}),
        "two-hours-retagged": _template({"timeout": hours(2)}, keep_tags={"team": "ml"}),
        "fifty-minutes": _template({"timeout": cdk.Duration.minutes(50)}),
        "six-hours": _template({"timeout": hours(6)}),
    }


def _ids(template: dict[str, Any], construct: str) -> tuple[str, str, str]:
    """(copy, wait, result) logical ids of one BedrockModelCopy of the template."""
    resources = template["Resources"]
    mine = [i for i in resources if i.startswith(construct)]
    (r1,) = [i for i in mine if resources[i]["Type"] == "Custom::BedrockModelCopy" and "Result" not in i]
    (wait,) = [i for i in mine if resources[i]["Type"] == WAIT]
    (r3,) = [i for i in mine if resources[i]["Type"] == "Custom::BedrockModelCopy" and "Result" in i]
    return r1, wait, r3


def _fake(template: dict[str, Any], **options: Any) -> FakeBedrock:
    policies = handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    return FakeBedrock(iam=policies, **options)


def _no_denials(fake: FakeBedrock) -> None:
    assert fake.iam is not None and fake.iam.denied == []
    assert all(policies.denied == [] for policies in fake.role_iam.values())


def _executions_for(fake: FakeBedrock, r1: str) -> list[Any]:
    assert fake.step_functions is not None
    return [e for e in fake.step_functions.executions.values() if e.name.startswith(f"{r1[:40]}-")]


# ---------------------------------------------------------------- defect 1: the watcher can read the job


@pytest.mark.parametrize("job_has_tags", [False, True], ids=["job-carries-no-tags", "job-carries-model-tags"])
def test_the_watcher_reads_copy_jobs_whether_or_not_a_job_carries_tags(
    templates: dict[str, dict[str, Any]], job_has_tags: bool
) -> None:
    # Unconfirmed in AWS: whether targetModelTags also tag the job. The design needs neither answer.
    template = templates["keep"]
    fake = _fake(template, job_tags_from_target_model_tags=job_has_tags)
    fake.script_copy(KEEP, duration=2.5 * HOUR)
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        operations, _ = stack.deploy_template(template)
    assert all(o.response.ok for o in operations.values()), stack.first_failure()
    _, _, r3 = _ids(template, "Keep")
    assert stack.resources[r3].data["Status"] == "Completed"
    (execution,) = fake.step_functions.executions.values()  # type: ignore[union-attr]
    polls = [c for c in execution.calls if c.action == "bedrock:getModelCopyJob"]
    assert len(polls) >= 2.5 * HOUR // 30 and not any(c.error for c in polls)
    _no_denials(fake)


# ---------------------------------------------------------------- defect 2: deploy again to resume, same stack


def test_a_long_copy_added_by_an_update_resumes_after_the_rollback_in_the_same_stack(
    templates: dict[str, dict[str, Any]],
) -> None:
    fake = _fake(templates["two-hours"])
    fake.script_copy(KEEP, duration=HOUR)
    fake.script_copy(NAME, duration=3.5 * HOUR)
    r1, wait, r3 = _ids(templates["two-hours"], "Copy")
    keep_r1, _, _ = _ids(templates["keep"], "Keep")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        assert all(o.response.ok for o in stack.deploy_template(templates["keep"])[0].values())
        started = fake.clock.time()
        # The update retags Keep and adds Copy, whose job outlives its two-hour timeout: the update rolls back.
        failed = stack.update_template(templates["two-hours-retagged"])
        assert failed[r3].response.status == "FAILED"
        first = stack.first_failure()
        assert first is not None and first.logical_id == r3  # the result resource, not the copy resource
        assert "timeout of 120 min" in first.reason and "deploy again" in first.reason
        assert stack.status == "UPDATE_ROLLBACK_COMPLETE"
        stack_events = [e.status for e in stack.events if e.logical_id == stack.stack_name]
        assert stack_events[-3:] == [
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_ROLLBACK_COMPLETE",
        ]
        # What the update changed is undone: Keep updated back (its tag removed), Copy's resources deleted.
        assert [e.status for e in stack.events if e.logical_id == keep_r1][-2:] == ["UPDATE_COMPLETE"] * 2
        keep_model = fake.model_named(KEEP)
        assert keep_model is not None and "team" not in keep_model.tags
        assert r1 not in stack.resources and wait not in stack.resources and r3 not in stack.resources
        assert [e.status for e in stack.events if e.logical_id == r1][-1] == "DELETE_SKIPPED"  # RETAIN: job goes on
        # The user deploys the same template again, in the same stack: the job is taken back and watched.
        again = stack.update_template(templates["two-hours"])
    assert all(o.response.ok for o in again.values()), stack.first_failure()
    (job_arn,) = [arn for arn, job in fake.jobs.items() if job.target_model_name == NAME]
    assert stack.resources[r1].physical_resource_id == job_arn and stack.resources[r3].data["Status"] == "Completed"
    assert 3.5 * HOUR <= fake.clock.time() - started <= 3.5 * HOUR + 60  # ended by the job, not by a backstop
    assert writes(fake).count("CreateModelCopyJob") == 2  # Keep's and Copy's: never a second copy
    assert [e.status for e in _executions_for(fake, r1)] == ["SUCCEEDED", "SUCCEEDED"]
    _no_denials(fake)


def test_a_wait_created_again_by_long_short_long_gets_its_signals(templates: dict[str, dict[str, Any]]) -> None:
    fake = _fake(templates["two-hours"])
    fake.script_copy(KEEP, duration=HOUR)
    fake.script_copy(NAME, duration=30 * 60)
    r1, wait, r3 = _ids(templates["two-hours"], "Copy")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        assert all(o.response.ok for o in stack.deploy_template(templates["two-hours"])[0].values())
        shorter = stack.update_template(templates["fifty-minutes"])  # a short copy: the wait and result go
        assert all(o.response.ok for o in shorter.values()) and wait not in stack.resources
        started = fake.clock.time()
        longer = stack.update_template(templates["two-hours"])  # the same wait is created again
    assert all(o.response.ok for o in longer.values()), stack.first_failure()
    assert longer[wait].response.ok and fake.clock.time() - started < 60  # signalled at once: the job is done
    assert stack.resources[r3].data["Status"] == "Completed"
    assert [e.status for e in _executions_for(fake, r1)] == ["SUCCEEDED", "SUCCEEDED"]
    assert writes(fake).count("CreateModelCopyJob") == 2
    _no_denials(fake)


def test_a_redeploy_while_the_rolled_back_watcher_runs_stops_it_and_gets_every_signal(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["six-hours"]
    fake = _fake(template)
    fake.script_copy(KEEP, duration=HOUR)
    fake.script_copy(NAME, duration=5 * HOUR)
    r1, wait, r3 = _ids(template, "Copy")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        assert all(o.response.ok for o in stack.deploy_template(templates["keep"])[0].values())
        started = fake.clock.time()
        # Another resource of the update fails 55 minutes in, after the watcher's first pulse: rollback.
        stack.fail_update_during_wait_after = 55 * 60
        failed = stack.update_template(template)
        assert failed[wait].response.reason == "Resource creation cancelled"
        assert stack.status == "UPDATE_ROLLBACK_COMPLETE" and wait not in stack.resources
        (old,) = _executions_for(fake, r1)
        assert old.status == "RUNNING"  # still polling: its next pulse would reach a new wait of the same id
        stack.fail_update_during_wait_after = None
        again = stack.update_template(template)  # at once: the old watcher has not noticed anything yet
    assert all(o.response.ok for o in again.values()), stack.first_failure()
    assert old.status == "ABORTED"  # stopped by the new copy resource
    new = [e for e in _executions_for(fake, r1) if e is not old]
    assert len(new) == 1 and new[0].status == "SUCCEEDED"
    budget = watch_budget(6 * HOUR, 30)
    received = [e.reason for e in stack.events if e.logical_id == wait and e.reason.startswith("Received")]
    assert len(received) == budget["signal_count"] + 1  # one pulse to the cancelled wait, all of them to the new
    assert all(reason.endswith(new[0].input["WatchId"]) for reason in received[1:])
    assert 5 * HOUR <= fake.clock.time() - started <= 5 * HOUR + 60  # the new wait ended with the job
    assert stack.resources[r3].data["Status"] == "Completed"
    _no_denials(fake)


# ---------------------------------------------------------------- defect 3: what stopped the watcher


def test_a_watcher_denied_by_a_policy_reports_the_denial_with_advice_at_once(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = templates["keep"]
    fake = _fake(template, watcher_denied_actions={"bedrock:GetModelCopyJob"})  # e.g. an SCP or boundary
    fake.script_copy(KEEP, duration=5 * HOUR)
    _, wait, r3 = _ids(template, "Keep")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        started = fake.clock.time()
        operations, _ = stack.deploy_template(template)
    assert operations[wait].response.ok and fake.clock.time() - started < 60  # the wait did not sit to its backstop
    first = stack.first_failure()
    assert first is not None and first.logical_id == r3 and operations[r3].response.status == "FAILED"
    (execution,) = fake.step_functions.executions.values()  # type: ignore[union-attr]
    assert execution.status == "FAILED" and execution.error_name == "Bedrock.AccessDeniedException"
    assert f"The copy watcher {execution.arn} stopped (FAILED)" in first.reason
    assert "Bedrock.AccessDeniedException: User:" in first.reason and "bedrock:GetModelCopyJob" in first.reason
    assert "IAM denied the copy watcher's poll" in first.reason, first.reason  # the advice for that cause
    assert f"/aws/vendedlogs/states/{STACK_NAME}-bedrock-model-copy-watcher" in first.reason
    assert "stopped waiting at this copy's timeout" not in first.reason
    assert stack.status == "ROLLBACK_COMPLETE" and writes(fake) == ["CreateModelCopyJob"]


def test_a_watcher_stopped_by_hand_is_reported_as_stopped() -> None:
    template = _template(None)
    fake = _fake(template)
    fake.script_copy(KEEP, duration=5 * HOUR)
    _, wait, r3 = _ids(template, "Keep")
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        sfn = stack._step_functions()
        # Someone stops the execution an hour in: the wait gets no more signals and fails at its backstop.
        original = sfn.run_until

        def stop_after_an_hour(done: Any, deadline: float) -> None:
            original(done, min(deadline, fake.clock.time() + HOUR))
            for execution in sfn.running():
                sfn.stop_execution(execution.arn)
            original(done, deadline)

        sfn.run_until = stop_after_an_hour  # type: ignore[method-assign]
        operations, _ = stack.deploy_template(template)
    assert operations[wait].response.status == "FAILED" and r3 not in operations
    first = stack.first_failure()
    assert first is not None and first.logical_id == wait
    assert "Failed to receive" in first.reason


def test_a_states_runtime_error_fails_the_wait_at_its_backstop_and_the_log_group_says_why(
    templates: dict[str, dict[str, Any]],
) -> None:
    # States.Runtime cannot be caught ("A retry or catch on States.ALL won't catch States.Runtime"): the
    # watcher ends without its remaining signals. What the user sees: the wait fails at its backstop, and
    # the watcher's execution (history and log group) names the error. The result resource never runs.
    template = templates["keep"]
    fake = _fake(template)
    fake.script_copy(KEEP, duration=5 * HOUR)
    _, wait, r3 = _ids(template, "Keep")
    budget = watch_budget(3 * HOUR, 30)
    with simulated_environment(fake) as framework:
        stack = CloudFormationStack(framework)
        stack.runtime_error_during_wait_after = 2 * HOUR
        started = fake.clock.time()
        operations, _ = stack.deploy_template(template)
    first = stack.first_failure()
    assert first is not None and first.logical_id == wait and r3 not in operations
    assert (
        first.reason == f"Failed to receive {budget['signal_count']} resource signal(s) within the specified duration"
    )
    assert fake.clock.time() - started == budget["backstop_seconds"]
    (execution,) = fake.step_functions.executions.values()  # type: ignore[union-attr]
    assert execution.status == "FAILED" and execution.error_name == "States.Runtime"
    assert stack.status == "ROLLBACK_COMPLETE"


# ---------------------------------------------------------------- the watcher signals only its own wait


@pytest.mark.parametrize(
    ("metadata", "resource_type"),
    [
        (None, WAIT),  # a WaitCondition the user made
        ({WAIT_METADATA_KEY: "OtherCopy"}, WAIT),  # the library's wait for another copy
        ({WAIT_METADATA_KEY: "Copy"}, "AWS::AutoScaling::AutoScalingGroup"),  # not a WaitCondition
    ],
    ids=["users-wait", "other-copys-wait", "not-a-wait"],
)
def test_the_watcher_signals_only_the_librarys_wait_for_its_copy(
    metadata: dict[str, str] | None, resource_type: str
) -> None:
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=0)
        stack_id = "arn:aws:cloudformation:us-west-2:111122223333:stack/S/1"
        fake.stack_statuses[stack_id] = "CREATE_IN_PROGRESS"
        wait = WaitConditionState(stack_id, "Wait", 2, metadata=metadata, resource_type=resource_type)
        fake.wait_conditions[(stack_id, "Wait")] = wait
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine("w", definition("aws"), access_key="k")
        execution_input = {
            "JobArn": job_arn,
            "StackId": stack_id,
            "WaitLogicalId": "Wait",
            "CopyLogicalId": "Copy",
            "WatchId": "0123abcd",
            "PollSeconds": 30,
            "MaxPolls": 10,
            "PollsPerPulse": 100,
            "SignalCount": 2,
            "Deadline": "2099-01-01T00:00:00Z",
        }
        execution = sfn.start_execution(arn, "x", json.dumps(execution_input))
        sfn.run_until(lambda: execution.status != "RUNNING", fake.clock.time() + HOUR)
    assert wait.signals == []
    assert execution.status == "FAILED" and execution.error_name == NOT_A_LIBRARY_WAIT


# ---------------------------------------------------------------- the kit keeps Step Functions' rules


def test_start_execution_follows_step_functions_name_rules() -> None:
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        sfn = StepFunctions(fake.clock, endpoint=framework.endpoint, region=fake.region, account=fake.account)
        arn = sfn.create_state_machine(
            "w", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}, access_key="k"
        )
        first = sfn.start_execution(arn, "n", '{"a": 1}')
        assert sfn.start_execution(arn, "n", '{"a": 1}') is first  # open, same input: the same execution
        with pytest.raises(StatesError, match="ExecutionAlreadyExists"):
            sfn.start_execution(arn, "n", '{"a": 2}')  # open, another input
        sfn.run_until(lambda: first.status != "RUNNING", fake.clock.time() + HOUR)
        for text in ('{"a": 1}', '{"a": 2}'):
            with pytest.raises(StatesError, match="ExecutionAlreadyExists"):
                sfn.start_execution(arn, "n", text)  # closed: whatever the input
        fake.clock.advance(90 * 86400)
        assert sfn.start_execution(arn, "n", "{}") is not first  # 90 days after it closed, the name is free
        for bad in ("", "a" * 81, "a b", "a:b", "a/b", "a*"):
            with pytest.raises(StatesError, match="InvalidName"):
                sfn.start_execution(arn, bad, "{}")
        sfn.stop_execution(sfn.start_execution(arn, "m", "{}").arn)
        assert [e.name for e in sfn.list_executions(arn, "ABORTED")] == ["m"]
        assert {e.name for e in sfn.list_executions(arn)} == {"m", "n"}


def test_the_kit_refuses_a_watcher_whose_role_step_functions_cannot_assume(
    templates: dict[str, dict[str, Any]],
) -> None:
    template = json.loads(json.dumps(templates["keep"]))
    (role_id,) = [
        r["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        for r in template["Resources"].values()
        if "bedrock-model-copy:copy-watcher" in r.get("Metadata", {})
    ]
    template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {
        "Service": "lambda.amazonaws.com"
    }
    with (
        simulated_environment(_fake(template)) as framework,
        pytest.raises(ValueError, match=r"states\.amazonaws\.com"),
    ):
        CloudFormationStack(framework).deploy_template(template)
