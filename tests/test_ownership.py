"""Ownership and rollback safety: one scenario per rule, through the provider-framework driver.

The fake Bedrock enforces the handler role's synthesized IAM policies (``conftest.fake``),
and answers the handler's DescribeStacks with the phase the driver is in.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from scenario import COPY_REQUEST, NAME, OWNER, OWNER_RESOURCE, owned_by, user_tags, writes

from bedrock_model_copy._lambda.model_copy.kinds.copy import copy_request_id
from bedrock_model_copy.testing import CREATE_FAILED_MARKER, CloudFormationStack, FakeBedrock
from bedrock_model_copy.testing.cfn.resources import DeployedResource
from bedrock_model_copy.testing.iam import PolicySet
from conftest import (
    OTHER_SOURCE_ARN,
    SOURCE_ARN,
    STACK_NAME,
    TAG_ON_CREATE_READINGS,
    copy_properties,
    fake_under_reading,
)

KEY_A = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DESTROY = {"DeleteModelOnDelete": "true"}


def own_tags(logical_id: str = "Copy", stack: str = STACK_NAME, **props: Any) -> dict[str, str]:
    """The ownership tags this handler writes for a copy of ``copy_properties(**props)``."""
    return {OWNER: stack, OWNER_RESOURCE: logical_id, COPY_REQUEST: copy_request_id(copy_properties(**props))}


def no_double_period(text: str) -> bool:
    return ".." not in text.replace("...", "")


@pytest.fixture(**TAG_ON_CREATE_READINGS)
def fake(request: pytest.FixtureRequest, copy_stack_policies: list[dict[str, Any]]) -> FakeBedrock:
    """conftest's fake, under both readings of tag-on-create (docs/aws-behaviour.md T8)."""
    return fake_under_reading(request, copy_stack_policies)


# ---------------------------------------------------------------- adopt only your own


REFUSED_OWNERS = {
    "no owner tag": ({}, SOURCE_ARN, "", "it is owned by no owner tag"),
    "another stack": (own_tags(stack="OtherStack"), SOURCE_ARN, "", "it is owned by stack OtherStack, resource Copy"),
    "another logical id": (own_tags("Elsewhere"), SOURCE_ARN, "", f"stack {STACK_NAME}, resource Elsewhere"),
    "another source": (
        own_tags(SourceModelArn=OTHER_SOURCE_ARN),
        OTHER_SOURCE_ARN,
        "",
        f"it was requested with another source model or KMS key (it copies {OTHER_SOURCE_ARN}, key AWS owned)",
    ),
    "made without the requested key": (
        own_tags(),
        SOURCE_ARN,
        "",
        "it was requested with another source model or KMS key",
    ),
    "a 0.1.0 copy of another stack": (
        {OWNER: "OtherStack"},
        SOURCE_ARN,
        "",
        "it is owned by stack OtherStack (no resource recorded)",
    ),
}


@pytest.mark.parametrize("finished", [False, True], ids=["running", "finished"])
@pytest.mark.parametrize("case", list(REFUSED_OWNERS))
def test_a_same_named_copy_this_resource_did_not_make_fails_the_create_before_anything_changes(
    fake: FakeBedrock, cfn: CloudFormationStack, case: str, finished: bool
) -> None:
    tags, source, key, why = REFUSED_OWNERS[case]
    other = fake.add_job(
        source_model_arn=source,
        target_model_name=NAME,
        started_ago=7200 if finished else 60,
        duration=3600,
        tags=tags,
        kms_key=key,
    )
    props = (
        copy_properties(TargetModelKmsKeyId=KEY_A) if case == "made without the requested key" else copy_properties()
    )
    response = cfn.create("Copy", props).response
    assert response.status == "FAILED" and response.physical_resource_id == CREATE_FAILED_MARKER
    state = "already exists" if finished else "is being copied"
    assert response.reason.startswith(
        f"A model named '{NAME}' {state} in this Region (job {other}), and this resource (stack {STACK_NAME}, "
        f"resource Copy) did not start it from these properties: "
    )
    assert why in response.reason
    assert (
        f"Choose another target_model_name; or read that copy without owning it with ModelCopyJobWaiter(job_arn='{other}')"
        in response.reason
    )
    assert writes(fake) == [] and no_double_period(response.reason)


def test_a_resource_takes_back_only_the_copy_made_from_its_properties(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # A failed job of its own and a finished copy whose model was deleted are passed over; the running one is taken.
    fake.add_job(
        source_model_arn=SOURCE_ARN,
        target_model_name=NAME,
        started_ago=9000,
        duration=60,
        outcome="Failed",
        tags=own_tags(),
    )
    mine = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=100, duration=600, tags=own_tags()
    )
    fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=50, duration=10, outcome="Failed")
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and response.physical_resource_id == mine and writes(fake) == []


# ---------------------------------------------------------------- returns to the current job (rollbacks)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("alias/models-a", "alias/models-b"),
        ("alias/models-a", KEY_A),
        (KEY_A, "alias/models-a"),
        ("", "alias/models-a"),
    ],
)
def test_a_refused_key_change_keeping_the_name_rolls_back_cleanly(
    fake: FakeBedrock, cfn: CloudFormationStack, before: str, after: str
) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=before or None))
    job_arn = cfn.resources["Copy"].physical_resource_id
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=after))
    assert operation.response.status == "FAILED"
    assert operation.response.reason.startswith("Changing target_kms_key requires a new copy")
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and rollback.data["Status"] == "Completed"
    assert cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert writes(fake) == ["CreateModelCopyJob"]


def test_a_replacement_whose_copy_outlives_the_update_is_left_for_the_next_deploy_to_take_back(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="model_copy")
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    old_job = cfn.resources["Copy"].physical_resource_id
    fake.script_copy("support-bot-v2", duration=3 * 3600)
    new = copy_properties(TargetModelName="support-bot-v2", TimeoutSeconds="1200", **DESTROY)
    operation = cfn.update("Copy", new)
    new_job = operation.response.physical_resource_id
    assert operation.response.status == "FAILED" and "is still InProgress" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == old_job  # its own finished copy, taken back
    (cleanup,) = operation.cleanup
    # UPDATE_ROLLBACK_COMPLETE_CLEANUP: the running copy is left (at once) for a later deploy to take back.
    assert cleanup.ok and cleanup.physical_resource_id == new_job and cleanup.polls == 1
    model_arn = fake.jobs[new_job].target_model_arn
    command = (
        f"aws bedrock delete-custom-model --model-identifier {model_arn} --region us-west-2 "
        f"(or: bedrock-model-copy clean --region us-west-2 --stack {cfn.stack_name} --yes)"
    )
    assert any(
        "phase=rollback decision=leave-running-copy" in r.getMessage() and command in r.getMessage()
        for r in caplog.records
    )
    # Deploying the same change again (after the copy ended) takes it back: no second copy of support-bot-v2.
    fake.clock.advance(3 * 3600)
    again = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2", **DESTROY))
    assert again.response.ok and again.response.physical_resource_id == new_job
    assert writes(fake) == ["CreateModelCopyJob", "CreateModelCopyJob", "DeleteCustomModel"]
    assert fake.model_named(NAME) is None and fake.model_named("support-bot-v2") is not None


# ---------------------------------------------------------------- touch only your own: retags


def test_a_tags_update_on_a_model_deleted_by_hand_fails_forward_and_rolls_back(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    model = fake.model_named(NAME)
    assert model is not None
    del fake.models[model.model_arn]
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.status == "FAILED"
    assert operation.response.reason.startswith(f"Model {model.model_arn} (job ")
    assert "no longer exists: it was deleted outside CloudFormation" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert writes(fake) == ["CreateModelCopyJob"]


def test_a_tags_update_on_a_model_another_owner_holds_changes_nothing_and_rolls_back(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    model = fake.model_named(NAME)
    assert model is not None
    model.tags[OWNER] = "SomeoneElse"  # retagged outside CloudFormation
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.status == "FAILED"
    assert f"Model {model.model_arn} is owned by stack SomeoneElse, resource Copy, not by this resource" in (
        operation.response.reason
    )
    (rollback,) = operation.rollback
    assert rollback.ok and cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert writes(fake) == ["CreateModelCopyJob"] and model.tags["team"] == "ml"


def test_any_error_during_a_rollback_update_ends_in_success(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties())
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault(
        "GetModelCopyJob", "AccessDeniedException", status=403, times=2, message="explicit deny in an SCP"
    )
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.status == "FAILED" and "AccessDeniedException" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn
    assert set(rollback.data) >= {"TargetModelArn", "JobArn"} and cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "DescribeStacks" in fake.operations()


def test_when_the_stack_phase_cannot_be_read_a_forward_error_still_fails(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties())
    fake.inject_fault("DescribeStacks", "AccessDenied", status=403, times=50)
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    assert operation.response.status == "FAILED" and "Changing target_kms_key" in operation.response.reason


# A status read throttled past boto3's five attempts: 5 injected throttles spend one DescribeStacks call.
ONE_THROTTLED_READ = 5


def throttled_reads(fake: FakeBedrock) -> int:
    return sum(1 for call in fake.calls_to("DescribeStacks") if call.status == 400) // ONE_THROTTLED_READ


def test_a_rollback_update_succeeds_when_its_stack_status_is_throttled_past_boto3s_retries(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    job_arn = cfn.resources["Copy"].physical_resource_id
    # The forward update and its rollback both fail to check the job; only the rollback's status reads are throttled.
    fake.inject_fault("GetModelCopyJob", "AccessDeniedException", status=403, times=2, message="denied")
    fake.inject_fault(
        "DescribeStacks", "Throttling", status=400, times=2 * ONE_THROTTLED_READ, during="UPDATE_ROLLBACK_IN_PROGRESS"
    )
    operation = cfn.update("Copy", copy_properties())
    assert operation.response.status == "FAILED" and "GetModelCopyJob failed" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and cfn.status == "UPDATE_ROLLBACK_COMPLETE"
    assert rollback.data["JobArn"] == job_arn and rollback.data["Status"] == "Completed"
    assert throttled_reads(fake) == 2  # on_event's read and the first poll's; the second poll's read answered


def test_a_forward_update_whose_stack_status_is_throttled_fails_once_the_status_is_read(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties())
    fake.inject_fault("DescribeStacks", "Throttling", status=400, times=2 * ONE_THROTTLED_READ)
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    # on_event's status read and the first poll's are throttled (that poll asks again); the second poll's answers.
    assert operation.response.status == "FAILED" and operation.response.polls == 1
    assert operation.response.reason.startswith("Changing target_kms_key requires a new copy")
    assert "DescribeStacks kept failing" not in operation.response.reason and throttled_reads(fake) == 2


def test_a_rollback_whose_stack_status_never_answers_fails_at_the_deadline_with_the_command_to_continue(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    fake.inject_fault("GetModelCopyJob", "AccessDeniedException", status=403, times=2, message="denied")
    fake.inject_fault("DescribeStacks", "Throttling", status=400, times=10_000, during="UPDATE_ROLLBACK_IN_PROGRESS")
    operation = cfn.update("Copy", copy_properties())
    (rollback,) = operation.rollback
    assert rollback.status == "FAILED" and cfn.status == "UPDATE_ROLLBACK_FAILED"
    assert "GetModelCopyJob failed" in rollback.reason and "DescribeStacks kept failing" in rollback.reason
    assert (
        f"aws cloudformation continue-update-rollback --stack-name {cfn.stack_id} --resources-to-skip Copy"
        in rollback.reason
    )
    assert rollback.reason != "Operation timed out"  # the handler answered before the framework's own timeout


def test_a_cleanup_delete_that_fails_while_the_status_is_throttled_still_succeeds(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    # Refused until the retry deadline; then the phase read is throttled once, and asked again at the next poll.
    fake.inject_fault("DeleteCustomModel", "ConflictException", status=409, times=100_000, message="Model is in use.")
    fake.inject_fault("DescribeStacks", "Throttling", status=400, times=ONE_THROTTLED_READ)
    operation = cfn.delete("Copy", during="update-cleanup")
    assert operation is not None and operation.response.ok and throttled_reads(fake) == 1
    assert fake.model_named(NAME) is not None


# ---------------------------------------------------------------- touch only your own: deletes


def test_a_destroy_delete_leaves_a_model_another_owner_holds(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="model_copy")
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    model = fake.model_named(NAME)
    assert model is not None
    model.tags[OWNER_RESOURCE] = "AnotherResource"
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert fake.calls_to("DeleteCustomModel") == [] and fake.model_named(NAME) is not None
    assert any("decision=leave-alone reason=owned-by" in record.getMessage() for record in caplog.records)


def test_a_destroy_delete_of_a_job_another_stack_started_leaves_it(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # As a 0.1.0 resource that adopted another stack's copy by name would have it.
    other = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=7200, duration=60, tags={OWNER: "OtherStack"}
    )
    cfn.resources["Copy"] = DeployedResource(other, copy_properties(**DESTROY), {}, "Delete", "Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert writes(fake) == [] and fake.model_named(NAME) is not None


@pytest.mark.parametrize("during", ["update-cleanup", "rollback-cleanup"])
def test_removing_the_last_destroy_copy_deletes_its_model_under_the_policy_without_copies(
    fake: FakeBedrock,
    cfn: CloudFormationStack,
    waiter_stack_policies: list[dict[str, Any]],
    during: str,
) -> None:
    # update-cleanup: the copy was removed from a template that keeps a waiter (so the provider stays);
    # rollback-cleanup: the update that added the first DESTROY copy failed later, and the policy was rolled back.
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete", first_deploy=False)
    fake.iam = PolicySet(copy.deepcopy(waiter_stack_policies))
    operation = cfn.delete("Copy", during=during)
    assert operation is not None and operation.response.ok
    assert fake.calls_to("DeleteCustomModel")[-1].status == 200 and fake.model_named(NAME) is None
    assert fake.iam.denied == []


def test_iam_refuses_what_the_handler_must_never_do(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # The role's policy alone (not the handler) keeps it off other stacks' models and off the ownership tags.
    assert fake.iam is not None
    other = fake.add_model("someone-elses", tags={OWNER: "OtherStack"})
    cfn.create("Copy", copy_properties())
    own = fake.model_named(NAME)
    assert own is not None
    context_other = {"aws:RequestedRegion": "us-west-2", f"aws:ResourceTag/{OWNER}": "OtherStack"}
    context_own = {"aws:RequestedRegion": "us-west-2", **{f"aws:ResourceTag/{k}": v for k, v in own.tags.items()}}
    assert not fake.iam.is_allowed("bedrock:DeleteCustomModel", other, context_other)
    assert fake.iam.is_allowed("bedrock:DeleteCustomModel", own.model_arn, context_own)
    assert not fake.iam.is_allowed("bedrock:TagResource", own.model_arn, {**context_own, "aws:TagKeys": [OWNER]})
    assert not fake.iam.is_allowed(
        "bedrock:UntagResource", own.model_arn, {**context_own, "aws:TagKeys": [OWNER_RESOURCE]}
    )
    assert fake.iam.is_allowed("bedrock:TagResource", own.model_arn, {**context_own, "aws:TagKeys": ["team"]})
    create = {"aws:RequestedRegion": "us-west-2", f"aws:RequestTag/{OWNER}": STACK_NAME, "aws:TagKeys": [OWNER]}
    assert not fake.iam.is_allowed("bedrock:CreateModelCopyJob", SOURCE_ARN, create)  # no resource/request tags
    full = {**create, f"aws:RequestTag/{OWNER_RESOURCE}": "Copy", f"aws:RequestTag/{COPY_REQUEST}": "x"}
    assert fake.iam.is_allowed("bedrock:CreateModelCopyJob", SOURCE_ARN, full)
    assert not fake.iam.is_allowed(
        "bedrock:CreateModelCopyJob", SOURCE_ARN, {**full, f"aws:RequestTag/{OWNER}": "OtherStack"}
    )
    assert not fake.iam.is_allowed(
        "bedrock:CreateModelCopyJob", SOURCE_ARN, {**full, "aws:RequestedRegion": "eu-west-1"}
    )


# ---------------------------------------------------------------- unfinished copies and the delete budget


def _running_copy(fake: FakeBedrock, cfn: CloudFormationStack, *, duration: float) -> str:
    """A DESTROY resource whose own copy is still running (as a rollback that returned to it leaves it)."""
    job = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=duration, tags=own_tags())
    cfn.resources["Copy"] = DeployedResource(job, copy_properties(**DESTROY), {}, "Delete", "Delete")
    return job


def test_a_stack_delete_waits_for_a_running_copy_then_deletes_its_model(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    _running_copy(fake, cfn, duration=1800)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls > 50
    assert fake.model_named(NAME) is None
    fake.clock.advance(10 * 3600)
    assert fake.model_named(NAME) is None and cfn.status == "DELETE_COMPLETE"


def test_a_stack_delete_that_runs_out_of_time_names_the_model_and_the_commands(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    job = _running_copy(fake, cfn, duration=5 * 3600)
    model_arn = fake.jobs[job].target_model_arn
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.status == "FAILED" and cfn.status == "DELETE_FAILED"
    reason = operation.response.reason
    assert reason.startswith(f"Model copy job {job} is still InProgress, started ")
    assert f"to delete model {model_arn} when the copy ends" in reason
    assert "Delete the stack again after the copy ends" in reason and "--retain-resources Copy" in reason
    assert f"aws bedrock delete-custom-model --model-identifier {model_arn} --region us-west-2" in reason
    assert "retry the stack delete" not in reason and no_double_period(reason)
    fake.clock.advance(5 * 3600)  # the user retries after the copy has ended
    retried = cfn.delete("Copy")
    assert retried is not None and retried.response.ok and fake.model_named(NAME) is None


def test_an_update_cleanup_that_runs_out_of_time_succeeds_and_logs_the_command(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="model_copy")
    job = _running_copy(fake, cfn, duration=5 * 3600)
    operation = cfn.delete("Copy", during="update-cleanup")
    assert operation is not None and operation.response.ok
    model_arn = fake.jobs[job].target_model_arn
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "phase=cleanup decision=leave-running-copy" in text
    assert f"aws bedrock delete-custom-model --model-identifier {model_arn} --region us-west-2" in text
    assert f"bedrock-model-copy clean --region us-west-2 --stack {cfn.stack_name} --yes" in text


# ---------------------------------------------------------------- advice that fits the call


def test_a_model_in_use_fails_a_stack_delete_with_advice_for_that_case(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault(
        "DeleteCustomModel",
        "ConflictException",
        status=409,
        message="Model is in use by a provisioned throughput.",
        times=100_000,
    )
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.status == "FAILED"
    # Asked again at every poll until the retry deadline (a server of it may still be being deleted).
    asked = fake.calls_to("DeleteCustomModel")
    assert len(asked) > 90 and 3000 <= asked[-1].at - asked[0].at <= 3120
    reason = operation.response.reason
    assert (
        "DeleteCustomModel failed for model" in reason
        and "ConflictException: Model is in use by a provisioned throughput." in reason
    )
    assert "delete those first, then delete the stack again" in reason
    assert "target_model_name" not in reason and no_double_period(reason)


def test_a_model_in_use_does_not_fail_an_update_cleanup(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", "ConflictException", status=409, message="Model is in use.", times=100_000)
    operation = cfn.delete("Copy", during="update-cleanup")
    assert operation is not None and operation.response.ok and fake.model_named(NAME) is not None


def test_a_model_in_use_for_a_moment_is_deleted_at_the_next_poll(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # A refusal is not an answer: the delete is asked again (a deployment serving it may still be being deleted).
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", "ConflictException", status=409, message="Model is in use.", times=1)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 2
    assert fake.model_named(NAME) is None and [c.status for c in fake.calls_to("DeleteCustomModel")] == [409, 200]


@pytest.mark.parametrize(
    ("message", "advice", "not_advice"),
    [
        (
            "User is not authorized to perform: bedrock:CreateModelCopyJob with an explicit deny in a service control policy",
            "IAM denied the copy",
            "KMS key policy",
        ),
        (
            "The KMS key policy does not allow the caller to use kms:CreateGrant.",
            "A KMS key policy does not let the handler role use a key",
            "IAM denied the copy",
        ),
    ],
)
def test_access_denied_on_create_gets_advice_for_its_cause(
    fake: FakeBedrock, cfn: CloudFormationStack, message: str, advice: str, not_advice: str
) -> None:
    fake.inject_fault("CreateModelCopyJob", "AccessDeniedException", status=403, message=message)
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and advice in response.reason and not_advice not in response.reason
    assert no_double_period(response.reason)


def test_a_conflict_after_an_empty_list_suggests_resuming_first(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault(
        "CreateModelCopyJob", "ConflictException", status=409, message="A job with this name is in progress."
    )
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED"
    assert "If this resource started it moments ago (the list can lag), deploy again to resume it" in response.reason


def test_failure_messages_never_end_in_two_periods(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.script_copy(NAME, duration=60, outcome="Failed", failure_message="Source model key denied kms:Decrypt.")
    response = cfn.create("Copy", copy_properties()).response
    assert "failed: Source model key denied kms:Decrypt. Fix the cause" in response.reason
    assert no_double_period(response.reason)


def test_every_copy_in_the_stack_is_tagged_with_its_own_resource(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties())
    cfn.create("Other", copy_properties(SourceModelArn=OTHER_SOURCE_ARN, TargetModelName="other-copy"))
    first, second = fake.model_named(NAME), fake.model_named("other-copy")
    assert first is not None and second is not None
    assert owned_by(first.tags, cfn, "Copy") and owned_by(second.tags, cfn, "Other")
    assert first.tags[COPY_REQUEST] != second.tags[COPY_REQUEST] and user_tags(first.tags) == {}


def test_a_replacement_that_takes_back_its_own_earlier_model_gives_it_the_templates_tags(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    """The copy-request fingerprint leaves tags out, so a name used before takes its old model back."""
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "a", "cost-center": "1", "project": "x"}))
    renamed = cfn.update(
        "Copy", copy_properties(TargetModelName="support-bot-v2", TargetModelTags={"team": "b", "project": "y"})
    )
    assert renamed.response.ok and renamed.cleanup == []  # RETAIN: the first model stays, still this resource's
    first_job = next(job for job, copy in fake.jobs.items() if copy.target_model_name == NAME)
    back = cfn.update("Copy", copy_properties(TargetModelTags={"team": "c"}))
    assert back.response.ok and back.response.physical_resource_id == first_job  # taken back, not copied again
    model = fake.model_named(NAME)
    assert model is not None and owned_by(model.tags, cfn, "Copy")
    # Exactly the template's tags, as a copy started now would carry: nothing left from the first deploy's
    # template (cost-center) or from the one before this update (project).
    assert user_tags(model.tags) == {"team": "c"}
    assert writes(fake) == ["CreateModelCopyJob", "CreateModelCopyJob", "UntagResource", "TagResource"]
