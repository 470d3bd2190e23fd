"""Scenarios the mutation run found untested, through the provider-framework driver (docs/mutation.md).

Each test drives the real handler as CloudFormation and the provider framework would,
against the fake Bedrock with the handler role's synthesized IAM, and pins the outcome
and the exact message a user would read.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from scenario import COPY_REQUEST, NAME, OWNER, OWNER_RESOURCE, writes

from bedrock_model_copy._lambda.model_copy import handler
from bedrock_model_copy._lambda.model_copy.kinds.copy import copy_request_id
from bedrock_model_copy.testing import CREATE_FAILED_MARKER, CloudFormationStack, FakeBedrock
from bedrock_model_copy.testing.cfn.framework import HANDLER_LOG_GROUP, IS_COMPLETE_FUNCTION_NAME
from bedrock_model_copy.testing.cfn.resources import DeployedResource
from conftest import OTHER_SOURCE_ARN, SOURCE_ARN, STACK_NAME, copy_properties

KEY_A = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_B = "arn:aws:kms:us-west-2:111122223333:key/9876fedc-12ab-34cd-56ef-1234567890ab"
DESTROY = {"DeleteModelOnDelete": "true"}
# What the provider framework appends to an error of the on_event and of the is_complete function.
LOGS = f"\n\nLogs: {HANDLER_LOG_GROUP}\n"
IS_COMPLETE_LOGS = f"\n\nLogs: /aws/lambda/{IS_COMPLETE_FUNCTION_NAME}\n"


def own_tags(logical_id: str = "Copy", **props: Any) -> dict[str, str]:
    return {OWNER: STACK_NAME, OWNER_RESOURCE: logical_id, COPY_REQUEST: copy_request_id(copy_properties(**props))}


def model_arn_of(fake: FakeBedrock, job_arn: str) -> str:
    return fake.jobs[job_arn].target_model_arn


# ---------------------------------------------------------------- deletes


def test_a_destroy_delete_of_a_resource_whose_create_never_started_a_job_calls_nothing(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # Its PhysicalResourceId is the framework's default, the Create's request id: no job, nothing to look up.
    request_id = "5f0c3c3e-7d1a-4b7e-9a5e-2f3d4c5b6a79"
    cfn.resources["Copy"] = DeployedResource(request_id, copy_properties(**DESTROY), {}, "Delete", "Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 1
    assert operation.response.physical_resource_id == request_id
    assert fake.operations() == []


def test_a_throttled_read_during_a_destroy_delete_is_polled_again_then_the_model_is_deleted(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("GetModelCopyJob", "ThrottlingException", status=429, times=5)  # boto3's 5 attempts
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 2
    assert fake.model_named(NAME) is None and writes(fake) == ["CreateModelCopyJob", "DeleteCustomModel"]


def test_a_throttled_read_of_another_stacks_job_is_polled_again_and_then_left_alone(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    other = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=7200, duration=60, tags={OWNER: "OtherStack"}
    )
    cfn.resources["Copy"] = DeployedResource(other, copy_properties(**DESTROY), {}, "Delete", "Delete")
    fake.inject_fault("GetModelCopyJob", "ThrottlingException", status=429, times=5)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 2
    assert writes(fake) == [] and fake.model_named(NAME) is not None


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 429), ("ServiceUnavailableException", 503)])
def test_a_transient_delete_custom_model_error_is_polled_again(
    fake: FakeBedrock, cfn: CloudFormationStack, code: str, status: int
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", code, status=status, times=5)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 2
    assert [call.status for call in fake.calls_to("DeleteCustomModel")][:5] == [status] * 5
    assert fake.model_named(NAME) is None


def test_a_delete_custom_model_error_that_outlasts_the_delete_fails_the_stack_delete_with_advice(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault("DeleteCustomModel", "ThrottlingException", status=429, times=100_000, message="Rate exceeded")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.status == "FAILED"
    assert operation.response.reason == (
        f"DeleteCustomModel failed for model {model_arn_of(fake, job_arn)} (job {job_arn}): ThrottlingException: "
        "Rate exceeded. Bedrock is throttling or unavailable and boto3's retries ran out: deploy again in a few "
        f"minutes.{IS_COMPLETE_LOGS}"
    )
    # Asked again until the retry deadline: 52 minutes after the request (the rest of the hour reads the phase).
    assert 3000 <= fake.calls_to("DeleteCustomModel")[-1].at - fake.calls_to("DeleteCustomModel")[0].at <= 3120


def test_a_delete_custom_model_refusal_that_is_not_transient_fails_at_once(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", "AccessDeniedException", status=403, message="explicit deny")
    operation = cfn.delete("Copy")
    # The first poll raised (the driver counts the polls that returned).
    assert operation is not None and operation.response.status == "FAILED" and operation.response.polls == 0
    assert "DeleteCustomModel failed for model" in operation.response.reason
    assert "AccessDeniedException: explicit deny. IAM lets the handler delete only models" in operation.response.reason


def test_a_destroy_delete_of_a_model_gone_between_its_tags_and_its_delete_succeeds(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    # Deleted by someone else after its tags were read: the delete and then the Get answer not-found.
    fake.inject_fault("DeleteCustomModel", "ResourceNotFoundException", status=404, message="no such model")
    fake.inject_fault("GetCustomModel", "ResourceNotFoundException", status=404, message="no such model")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 1
    assert [c.status for c in fake.calls_to("GetCustomModel")] == [404]  # gone: its Get said so


def test_a_delete_that_answers_not_found_for_a_model_its_get_still_finds_is_asked_again(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # Not-found from the delete is not proof: GetCustomModel still finds the model, so the delete is asked again.
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", "ResourceNotFoundException", status=404, message="no such model")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 2
    assert fake.model_named(NAME) is None and [c.status for c in fake.calls_to("DeleteCustomModel")] == [404, 200]


def test_a_stack_delete_that_cannot_read_its_phase_waits_for_the_copy_then_deletes(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # Phase unknown (DescribeStacks denied): not a rollback, so the running copy is waited for, then deleted.
    job_arn = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=60, duration=1500, tags=own_tags()
    )
    cfn.resources["Copy"] = DeployedResource(job_arn, copy_properties(**DESTROY), {}, "Delete", "Delete")
    fake.inject_fault("DescribeStacks", "AccessDenied", status=403, times=1000)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls > 40
    assert fake.model_named(NAME) is None and writes(fake) == ["DeleteCustomModel"]


def test_a_stack_delete_of_an_unknown_job_succeeds_without_deleting(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    job_arn = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/unknownjob12"
    cfn.resources["Copy"] = DeployedResource(job_arn, copy_properties(**DESTROY), {}, "Delete", "Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 1
    assert writes(fake) == []


# ---------------------------------------------------------------- creates: what is taken back


def test_a_failed_job_listed_ahead_of_the_own_running_copy_is_passed_over(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    mine = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=600, duration=1200, tags=own_tags()
    )
    fake.add_job(  # newer, so listed first: a failed retry of the same copy
        source_model_arn=SOURCE_ARN,
        target_model_name=NAME,
        started_ago=60,
        duration=10,
        outcome="Failed",
        tags=own_tags(),
    )
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and response.physical_resource_id == mine and writes(fake) == []


def test_a_finished_copy_whose_model_was_deleted_is_passed_over_for_an_older_running_one(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    mine = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=900, duration=3600, tags=own_tags()
    )
    done = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=300, duration=10, tags=own_tags()
    )
    model = fake.model_named(NAME)
    assert model is not None and model.model_arn == fake.jobs[done].target_model_arn
    del fake.models[model.model_arn]
    response = cfn.create("Copy", copy_properties(TimeoutSeconds="3420")).response
    assert response.ok and response.physical_resource_id == mine and writes(fake) == []


def test_a_model_of_another_name_that_contains_this_name_is_not_a_match(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # ListModelCopyJobs filters by substring; only the exact name counts.
    fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME + "-old", started_ago=600, duration=10)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and writes(fake) == ["CreateModelCopyJob"]


def test_a_refusal_names_the_source_and_key_of_a_copy_made_from_other_properties(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    other = fake.add_job(
        source_model_arn=OTHER_SOURCE_ARN,
        target_model_name=NAME,
        started_ago=60,
        duration=3600,
        tags=own_tags(SourceModelArn=OTHER_SOURCE_ARN),
        kms_key=KEY_A,
    )
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.physical_resource_id == CREATE_FAILED_MARKER
    assert response.reason == (
        f"A model named '{NAME}' is being copied in this Region (job {other}), and this resource (stack "
        f"{STACK_NAME}, resource Copy) did not start it from these properties: it was requested with another source "
        f"model or KMS key (it copies {OTHER_SOURCE_ARN}, key {KEY_A}). Nothing was changed. Choose another "
        f"target_model_name; or read that copy without owning it with ModelCopyJobWaiter(job_arn='{other}'); or "
        f"delete that model first.{LOGS}"
    )


def test_a_model_of_that_name_that_cannot_be_checked_fails_with_the_call_that_failed(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    done = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=300, duration=10, tags=own_tags()
    )
    fake.inject_fault("GetCustomModel", "AccessDeniedException", status=403, message="denied")
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED"
    assert response.reason.startswith(
        f"GetCustomModel failed for model {fake.jobs[done].target_model_arn}: AccessDeniedException: denied."
    )
    assert writes(fake) == []


def test_a_list_that_fails_names_the_call_the_name_and_the_source(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault("ListModelCopyJobs", "AccessDeniedException", status=403, message="denied")
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED"
    assert response.reason.startswith(
        f"ListModelCopyJobs failed for target model name '{NAME}' (source {SOURCE_ARN}): AccessDeniedException: "
        "denied. The handler role needs bedrock:ListModelCopyJobs"
    )


def test_the_copy_is_started_with_the_user_tags_sorted_then_the_ownership_tags_and_the_key(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    props = copy_properties(TargetModelKmsKeyId=KEY_A, TargetModelTags={"team": "ml", "cost": "42"})
    assert cfn.create("Copy", props).response.ok
    (call,) = fake.calls_to("CreateModelCopyJob")
    assert call.params["modelKmsKeyId"] == KEY_A
    assert call.params["targetModelTags"] == [
        {"key": "cost", "value": "42"},
        {"key": "team", "value": "ml"},
        {"key": OWNER, "value": STACK_NAME},
        {"key": OWNER_RESOURCE, "value": "Copy"},
        {"key": COPY_REQUEST, "value": copy_request_id(props)},
    ]
    assert len(call.params["clientRequestToken"]) == 64


# ---------------------------------------------------------------- updates


def test_a_change_from_one_kms_key_to_another_keeping_the_name_is_refused_and_rolls_back(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    job_arn = cfn.resources["Copy"].physical_resource_id
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=KEY_B))
    assert operation.response.status == "FAILED"
    assert operation.response.reason == (
        "Changing target_kms_key requires a new copy, and CloudFormation creates the new model before it deletes "
        f"the old one, so both cannot be named '{NAME}'. Choose a new target_model_name and deploy again (current "
        f"job {job_arn} was left unchanged).{LOGS}"
    )
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and rollback.data["TargetModelKmsKeyArn"] == KEY_A
    assert writes(fake) == ["CreateModelCopyJob"]


def test_a_refused_change_names_every_identity_prop_that_changed(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    operation = cfn.update("Copy", copy_properties(SourceModelArn=OTHER_SOURCE_ARN))
    assert operation.response.reason.startswith("Changing source_model_arn and target_kms_key requires a new copy")


def test_a_waiter_turned_into_a_copy_of_the_same_name_starts_the_copy(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    waited = fake.add_job(source_model_arn=OTHER_SOURCE_ARN, target_model_name="elsewhere", started_ago=60, duration=10)
    cfn.create("Copy", {"Mode": "Wait", "JobArn": waited})
    operation = cfn.update("Copy", copy_properties())
    assert operation.response.ok and operation.response.physical_resource_id != waited
    assert writes(fake) == ["CreateModelCopyJob"]


def test_a_waiter_turned_into_a_copy_never_claims_the_job_it_waited_for(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    """The waited job copies exactly these properties but another stack started it: the ownership tags decide.

    A change of construct type is a replacement, whatever the job says of its request: the replacement's take-back
    finds the job, owned elsewhere, and refuses it (the update fails; nothing is written or claimed).
    """
    request = copy_request_id(copy_properties())
    owner = {OWNER: "OtherStack", OWNER_RESOURCE: "Copy", COPY_REQUEST: request}
    waited = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, tags=owner, duration=0)
    cfn.create("Copy", {"Mode": "Wait", "JobArn": waited})
    operation = cfn.update("Copy", copy_properties())
    assert operation.response.status == "FAILED" and "OtherStack" in operation.response.reason
    assert writes(fake) == []


def test_a_rollback_whose_job_cannot_be_read_keeps_every_attribute_blank_but_the_job(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties())
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault("GetModelCopyJob", "AccessDeniedException", status=403, times=3, message="explicit deny")
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn
    assert rollback.data == {**dict.fromkeys(rollback.data, ""), "JobArn": job_arn}
    assert len(rollback.data) == 9


def test_a_retag_that_finds_nothing_to_change_writes_nothing(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    model = fake.model_named(NAME)
    assert model is not None
    model.tags["team"] = "ai"  # already what the update asks for
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.ok and writes(fake) == ["CreateModelCopyJob"]


def test_a_retag_removes_only_dropped_keys_the_model_still_has(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml", "cost": "42", "gone": "x"}))
    model = fake.model_named(NAME)
    assert model is not None
    del model.tags["gone"]
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    assert operation.response.ok and writes(fake) == ["CreateModelCopyJob", "UntagResource"]
    (untag,) = fake.calls_to("UntagResource")
    assert untag.params["tagKeys"] == ["cost"]
    assert "cost" not in model.tags and model.tags["team"] == "ml"


def test_a_retag_that_is_denied_fails_with_the_retag_advice(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    fake.inject_fault("TagResource", "AccessDeniedException", status=403, message="denied")
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.status == "FAILED"
    model = fake.model_named(NAME)
    assert model is not None
    assert operation.response.reason.startswith(
        f"TagResource failed for model {model.model_arn}: AccessDeniedException: denied. IAM lets the handler retag"
    )


# ---------------------------------------------------------------- transient by HTTP status alone, long messages


@pytest.mark.parametrize("status", [500, 503, 429])
def test_an_unmodelled_error_code_is_transient_by_its_http_status(
    fake: FakeBedrock, cfn: CloudFormationStack, status: int
) -> None:
    fake.inject_fault("GetModelCopyJob", "SomethingNewException", status=status, times=5)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and response.polls >= 2


def test_an_unmodelled_client_error_while_polling_fails_at_once(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault("GetModelCopyJob", "SomethingNewException", status=409, message="conflict")
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.polls == 0  # the first poll raised
    job_arn = response.physical_resource_id
    assert (
        response.reason
        == f"GetModelCopyJob failed for job {job_arn}: SomethingNewException: conflict.{IS_COMPLETE_LOGS}"
    )


def test_a_bedrock_message_over_600_characters_is_cut_so_the_reason_fits_4_kb(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.inject_fault("CreateModelCopyJob", "ValidationException", status=400, message="v" * 3000)
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.body_bytes < 4096
    assert f": ValidationException: {'v' * 597}... Bedrock refused the request" in response.reason
    assert "v" * 598 not in response.reason


# ---------------------------------------------------------------- deploy-time checks of properties


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"SourceModelArn": SOURCE_ARN}, "Property Mode is None; expected 'Copy', 'Wait' or 'Result'."),
        ({"Mode": "Mirror"}, "Property Mode is 'Mirror'; expected 'Copy', 'Wait' or 'Result'."),
        (
            {"Mode": "Copy", "TargetModelName": NAME},
            "Property SourceModelArn is missing; the construct always sets it (is the template edited?).",
        ),
        (
            {"Mode": "Copy", "SourceModelArn": SOURCE_ARN},
            "Property TargetModelName is missing; the construct always sets it (is the template edited?).",
        ),
        ({"Mode": "Wait"}, "Property JobArn is missing; the construct always sets it (is the template edited?)."),
    ],
)
def test_properties_the_construct_always_sets_are_checked_before_any_call(
    fake: FakeBedrock, cfn: CloudFormationStack, props: dict[str, Any], message: str
) -> None:
    response = cfn.create("Copy", props).response
    assert response.status == "FAILED" and response.reason == f"{message}{LOGS}"
    assert fake.operations() == []


def test_a_kms_key_of_the_wrong_form_is_refused_but_an_empty_one_means_aws_owned(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    refused = cfn.create("Copy", copy_properties(TargetModelKmsKeyId="not a key")).response
    assert refused.status == "FAILED" and refused.reason.startswith("target_kms_key 'not a key' is not valid")
    assert cfn.create("Copy", copy_properties(TargetModelKmsKeyId="")).response.ok
    (call,) = fake.calls_to("CreateModelCopyJob")
    assert "modelKmsKeyId" not in call.params


def test_on_event_of_a_delete_only_records_the_start() -> None:
    result = handler.on_event({"RequestType": "Delete", "PhysicalResourceId": "job", "ResourceProperties": {}})
    assert result["PhysicalResourceId"] == "job" and isinstance(result["BedrockModelCopyStartedAt"], float)


def test_a_rollback_that_cannot_read_the_stack_phase_still_returns_to_the_current_job(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # The return is recognised from the job's copy-request tag, not from the phase: it needs no DescribeStacks.
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault("DescribeStacks", "AccessDenied", status=403, times=1000)
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=KEY_B))
    assert operation.response.status == "FAILED"
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and cfn.status == "UPDATE_ROLLBACK_COMPLETE"


def test_an_identity_change_of_a_resource_that_has_no_job_reads_no_job(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.resources["Copy"] = DeployedResource("5f0c3c3e-request-id", copy_properties(), {}, "Retain", "Retain")
    operation = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2"))
    assert operation.response.ok
    assert "GetModelCopyJob" not in fake.operations()[: fake.operations().index("CreateModelCopyJob")]


def test_a_stack_delete_that_never_reads_its_job_names_what_it_could_not_delete(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault("GetModelCopyJob", "ThrottlingException", status=429, times=100_000)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.status == "FAILED"
    # boto3's retry back-off (with jitter) moves the simulated clock too: the wait ends at the retry deadline.
    before, _, after = re.split(r"(5[123] min)", operation.response.reason)
    assert before == f"Model copy job {job_arn} is still unknown (ThrottlingException); this delete waited "
    assert after == (
        " to delete model the copied model when the copy ends, and CloudFormation allows a custom resource one hour. "
        f"Delete the stack again after the copy ends (aws bedrock get-model-copy-job --job-arn {job_arn} --region "
        "us-west-2) and the model is deleted; or finish now with --retain-resources Copy and, after the copy ends, "
        "run: aws bedrock delete-custom-model --model-identifier the copied model --region us-west-2 (or: "
        f"bedrock-model-copy clean --region us-west-2 --stack {STACK_NAME} --yes){IS_COMPLETE_LOGS}"
    )


def test_an_identity_change_whose_current_job_cannot_be_read_fails_naming_the_call(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties())
    job_arn = cfn.resources["Copy"].physical_resource_id
    fake.inject_fault("GetModelCopyJob", "AccessDeniedException", status=403, message="denied")
    operation = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2"))
    assert operation.response.status == "FAILED"
    assert operation.response.reason.startswith(
        f"GetModelCopyJob failed for job {job_arn}: AccessDeniedException: denied. The handler role may read copy jobs"
    )
    assert writes(fake) == ["CreateModelCopyJob"]


def test_an_identity_change_whose_current_job_bedrock_no_longer_knows_starts_the_new_copy(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    gone = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/forgotten123"
    cfn.resources["Copy"] = DeployedResource(gone, copy_properties(), {}, "Retain", "Retain")
    operation = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2"))
    assert operation.response.ok and operation.response.physical_resource_id not in (gone, "")
    assert writes(fake) == ["CreateModelCopyJob"]


def test_a_stack_delete_of_a_destroy_copy_whose_job_failed_succeeds_at_once(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    failed = fake.add_job(
        source_model_arn=SOURCE_ARN,
        target_model_name=NAME,
        started_ago=600,
        duration=60,
        outcome="Failed",
        tags=own_tags(),
    )
    cfn.resources["Copy"] = DeployedResource(failed, copy_properties(**DESTROY), {}, "Delete", "Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 1
    assert writes(fake) == []


def test_a_stack_delete_leaves_a_running_copy_of_another_resource_of_this_stack_at_once(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    other = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=60, duration=3600, tags=own_tags("Elsewhere")
    )
    cfn.resources["Copy"] = DeployedResource(other, copy_properties(**DESTROY), {}, "Delete", "Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok and operation.response.polls == 1
    assert writes(fake) == []


def test_a_retag_of_a_model_deleted_by_hand_says_exactly_what_to_do(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    job_arn = cfn.resources["Copy"].physical_resource_id
    model = fake.model_named(NAME)
    assert model is not None
    del fake.models[model.model_arn]
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.reason == (
        f"Model {model.model_arn} (job {job_arn}) no longer exists: it was deleted outside CloudFormation, so its "
        f"tags cannot change. To copy the model again, give the resource a new target_model_name.{IS_COMPLETE_LOGS}"
    )


def test_a_retag_of_a_model_another_owner_holds_says_exactly_what_to_do(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    model = fake.model_named(NAME)
    assert model is not None
    model.tags[OWNER] = "SomeoneElse"
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai"}))
    assert operation.response.reason == (
        f"Model {model.model_arn} is owned by stack SomeoneElse, resource Copy, not by this resource (stack "
        f"{STACK_NAME}, resource Copy), so its tags were left unchanged. Restore its ownership tags, or give the "
        f"resource a new target_model_name.{IS_COMPLETE_LOGS}"
    )


def test_a_rollback_update_that_cannot_check_its_job_succeeds_on_the_current_job(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelKmsKeyId=KEY_A))
    job_arn = cfn.resources["Copy"].physical_resource_id
    # The forward update's check and the rollback's are both denied; the rollback's poll then reads the job.
    fake.inject_fault("GetModelCopyJob", "AccessDeniedException", status=403, times=2, message="denied")
    operation = cfn.update("Copy", copy_properties(TargetModelKmsKeyId=KEY_B))
    assert operation.response.status == "FAILED" and "GetModelCopyJob failed" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and rollback.data["Status"] == "Completed"


def test_a_cleanup_delete_that_fails_succeeds_without_attributes(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault("DeleteCustomModel", "ConflictException", status=409, message="Model is in use.", times=100_000)
    operation = cfn.delete("Copy", during="update-cleanup")
    assert operation is not None and operation.response.ok and operation.response.data == {}
    # After the last refused delete: what serves the model is looked up (nothing of this stack's), then the phase; no
    # job read for attributes.
    operations = fake.operations()
    last = len(operations) - 1 - operations[::-1].index("DeleteCustomModel")
    after = operations[last:]
    assert after[-1] == "DescribeStacks" and "GetModelCopyJob" not in after


def test_a_failed_create_fails_without_reading_the_stack_phase(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    # A Create is never part of a rollback or clean-up: its failure is reported as it is.
    fake.script_copy(NAME, duration=60, outcome="Failed", failure_message="Denied by key")
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and "failed: Denied by key. Fix the cause" in response.reason
    assert "DescribeStacks" not in fake.operations()


# ---------------------------------------------------------------- ValidationException is not proof a model is gone
# Bedrock documents only ResourceNotFoundException for a missing resource (docs/aws-behaviour.md, M9): a
# ValidationException is confirmed with GetCustomModel before a delete counts the model as gone.


@pytest.mark.parametrize("call", ["ListTagsForResource", "DeleteCustomModel"])
def test_a_validation_error_about_a_model_that_still_exists_does_not_pass_for_gone(
    fake: FakeBedrock, cfn: CloudFormationStack, call: str
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    model = fake.model_named(NAME)
    assert model is not None
    fake.inject_fault(call, "ValidationException", status=400, message="Input failed validation", times=100_000)
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.status == "FAILED"
    assert f"{call} failed" in operation.response.reason and model.model_arn in operation.response.reason
    assert fake.model_named(NAME) is not None and "GetCustomModel" in fake.operations()


@pytest.mark.parametrize("call", ["ListTagsForResource", "DeleteCustomModel"])
def test_a_validation_error_about_a_model_that_is_gone_lets_the_delete_finish(
    fake: FakeBedrock, cfn: CloudFormationStack, call: str
) -> None:
    # The other answer: Bedrock says ValidationException for a model it no longer knows.
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    model = fake.model_named(NAME)
    assert model is not None
    if call == "ListTagsForResource":
        del fake.models[model.model_arn]
        fake.inject_fault("GetCustomModel", "ValidationException", status=400, message="Input failed validation")
    fake.inject_fault(call, "ValidationException", status=400, message="Input failed validation")
    if call == "DeleteCustomModel":
        fake.inject_fault("GetCustomModel", "ResourceNotFoundException", status=404, message="not found")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert fake.calls_to("GetCustomModel") and not any(c.status == 200 for c in fake.calls_to("DeleteCustomModel"))


def test_a_cleanup_delete_whose_model_answers_a_validation_error_still_succeeds(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(**DESTROY), deletion_policy="Delete")
    fake.inject_fault(
        "ListTagsForResource", "ValidationException", status=400, message="Input failed validation", times=100_000
    )
    operation = cfn.delete("Copy", during="update-cleanup")
    assert operation is not None and operation.response.ok and fake.model_named(NAME) is not None
