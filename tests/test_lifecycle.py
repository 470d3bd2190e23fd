"""Lifecycle and fault scenarios: the real handler, a real boto3 client, the fake Bedrock over HTTP.

Each test asserts the Bedrock calls made and exactly what CloudFormation receives.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from scenario import COPY_REQUEST, NAME, OWNER, OWNER_RESOURCE, owned_by, user_tags, writes

from bedrock_model_copy._lambda.model_copy.kinds.copy import CopyKind
from bedrock_model_copy.testing import CREATE_FAILED_MARKER, CloudFormationStack, FakeBedrock, ProviderFramework
from conftest import (
    OTHER_SOURCE_ARN,
    PUBLIC_ATTRIBUTES,
    SOURCE_ARN,
    TAG_ON_CREATE_READINGS,
    copy_properties,
    fake_under_reading,
)

ATTRIBUTES = set(PUBLIC_ATTRIBUTES.values())


@pytest.fixture(**TAG_ON_CREATE_READINGS)
def fake(request: pytest.FixtureRequest, copy_stack_policies: list[dict[str, Any]]) -> FakeBedrock:
    """conftest's fake, under both readings of tag-on-create (docs/aws-behaviour.md T8)."""
    return fake_under_reading(request, copy_stack_policies)


# ---------------------------------------------------------------- create


def test_create_copies_waits_and_returns_every_attribute(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.script_copy(NAME, duration=600)
    operation = cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    response = operation.response
    assert response.status == "SUCCESS"
    (job_arn,) = fake.jobs
    assert response.physical_resource_id == job_arn
    assert set(response.data) == ATTRIBUTES
    assert response.data["Status"] == "Completed" and response.data["JobArn"] == job_arn
    assert response.data["TargetModelArn"] == fake.model_named(NAME).model_arn  # type: ignore[union-attr]
    # 600 s at a 30 s interval: the first poll at once, then 20 more; completion noticed on the first poll after it.
    assert fake.operations() == ["ListModelCopyJobs", "CreateModelCopyJob"] + ["GetModelCopyJob"] * 21
    create = fake.calls_to("CreateModelCopyJob")[0].params
    assert create["sourceModelArn"] == SOURCE_ARN and create["targetModelName"] == NAME
    tags = {tag["key"]: tag["value"] for tag in create["targetModelTags"]}
    assert list(tags) == ["team", OWNER, OWNER_RESOURCE, COPY_REQUEST]  # user tags first, then ownership
    assert tags["team"] == "ml" and owned_by(tags, cfn, "Copy")
    assert fake.model_named(NAME).tags == tags  # type: ignore[union-attr]


def test_opaque_job_arns_travel_url_encoded(cfn: CloudFormationStack, fake: FakeBedrock) -> None:
    fake.job_arn_style = "example"
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and "/amazon.nova-lite-v1:0:300k/" in response.physical_resource_id
    assert fake.calls_to("GetModelCopyJob")[0].params["jobArn"] == response.physical_resource_id


def test_create_retried_with_the_same_request_starts_one_copy(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    request = cfn.request("Create", "Copy", copy_properties())
    first = cfn.create("Copy", {}, resend=request).response
    second = cfn.create("Copy", {}, resend=request).response
    assert first.ok and second.ok
    assert first.physical_resource_id == second.physical_resource_id
    assert len(fake.jobs) == 1 and writes(fake) == ["CreateModelCopyJob"]


def test_retried_create_is_idempotent_through_the_token_alone(
    fake: FakeBedrock, cfn: CloudFormationStack, framework: ProviderFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if ListModelCopyJobs did not show the first job yet: the clientRequestToken still dedupes, where Bedrock
    # remembers it (docs/aws-behaviour.md M3; the fake's default is the other answer).
    fake.remember_tokens = True
    monkeypatch.setattr(CopyKind, "same_named", lambda self, props: [])
    request = cfn.request("Create", "Copy", copy_properties())
    first = cfn.create("Copy", {}, resend=request).response
    second = cfn.create("Copy", {}, resend=request).response
    assert first.physical_resource_id == second.physical_resource_id
    creates = fake.calls_to("CreateModelCopyJob")
    assert len(creates) == 2 and creates[0].params["clientRequestToken"] == creates[1].params["clientRequestToken"]
    assert len(fake.jobs) == 1


def test_a_retried_create_survives_a_bedrock_that_forgets_tokens(
    fake: FakeBedrock, cfn: CloudFormationStack, framework: ProviderFramework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other answer of docs/aws-behaviour.md M3: the token is not remembered, so the retry's Create is refused
    # as a taken name; the handler looks again, finds the job its first try started and takes it back.
    assert not fake.remember_tokens  # the fake's default
    listed = CopyKind.same_named
    lagging = iter([True, True])  # the first try's and the retry's first listing do not show the job yet
    monkeypatch.setattr(CopyKind, "same_named", lambda self, props: [] if next(lagging, False) else listed(self, props))
    request = cfn.request("Create", "Copy", copy_properties())
    first = cfn.create("Copy", {}, resend=request).response
    second = cfn.create("Copy", {}, resend=request).response
    assert first.ok and second.ok and first.physical_resource_id == second.physical_resource_id
    assert [call.status for call in fake.calls_to("CreateModelCopyJob")] == [201, 409] and len(fake.jobs) == 1


def test_a_name_conflict_with_no_own_job_behind_it_still_fails(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.add_model(NAME)  # a model of that name that no copy job made (not listed by ListModelCopyJobs)
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and "CreateModelCopyJob failed" in response.reason
    assert [call.status for call in fake.calls_to("CreateModelCopyJob")] == [409]


def test_a_recreated_stack_takes_back_its_running_copy_instead_of_starting_another(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    # The first deploy times out while the copy runs; CloudFormation rolls the stack back; the user deploys
    # again, which deletes the ROLLBACK_COMPLETE stack and creates one of the same name.
    fake.script_copy(NAME, duration=3600)
    first = CloudFormationStack(framework)
    timed_out = first.create("Copy", copy_properties(TimeoutSeconds="1200")).response
    (job_arn,) = fake.jobs
    assert (
        timed_out.status == "FAILED" and "deploy again (same stack name and properties) to resume" in timed_out.reason
    )
    again = CloudFormationStack(framework)
    assert again.stack_id != first.stack_id
    response = again.create("Copy", copy_properties()).response
    assert response.ok and response.physical_resource_id == job_arn
    assert writes(fake) == ["CreateModelCopyJob"]
    assert fake.jobs[job_arn].created_at + 3600 <= fake.clock.time()


def test_a_recreated_stack_takes_back_a_copy_that_finished_in_between(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    fake.script_copy(NAME, duration=3600)
    first = CloudFormationStack(framework)
    assert first.create("Copy", copy_properties(TimeoutSeconds="600")).response.status == "FAILED"
    fake.clock.advance(4 * 3600)  # the user comes back after the copy has finished
    response = CloudFormationStack(framework).create("Copy", copy_properties()).response
    (job_arn,) = fake.jobs
    assert response.ok and response.physical_resource_id == job_arn and response.data["Status"] == "Completed"
    assert writes(fake) == ["CreateModelCopyJob"]


def test_completed_job_whose_model_is_gone_gets_a_new_copy(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    old = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=7200, duration=3600)
    del fake.models[fake.model_named(NAME).model_arn]  # type: ignore[union-attr]
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and response.physical_resource_id != old
    assert writes(fake) == ["CreateModelCopyJob"]


def test_failed_job_of_the_same_name_is_not_adopted(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    old = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=7200, duration=60, outcome="Failed"
    )
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and response.physical_resource_id != old


# ---------------------------------------------------------------- failures


def test_failed_copy_reports_bedrock_message_and_rollback_delete_succeeds(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.script_copy(
        NAME, duration=300, outcome="Failed", failure_message="The source model's KMS key denied kms:Decrypt"
    )
    operation = cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    (job_arn,) = fake.jobs
    assert operation.response.status == "FAILED"
    assert operation.response.physical_resource_id == job_arn
    assert operation.response.reason.startswith(
        f"Model copy job {job_arn} failed: The source model's KMS key denied kms:Decrypt. Fix the cause"
    )
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn
    assert "DeleteCustomModel" not in fake.operations()  # a failed job has nothing to delete


def test_delete_after_create_failed_in_on_event_is_answered_by_the_framework(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.missing_sources.add(SOURCE_ARN)
    operation = cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    assert operation.response.status == "FAILED" and operation.response.physical_resource_id == CREATE_FAILED_MARKER
    assert "ResourceNotFoundException" in operation.response.reason
    assert "shared with this account through AWS RAM" in operation.response.reason
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.polls == 0
    assert fake.operations() == ["ListModelCopyJobs", "CreateModelCopyJob"]


def test_quota_exceeded_says_what_to_do(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.max_concurrent_jobs = 0
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED"
    assert (
        "ServiceQuotaExceededException" in response.reason
        and "request an increase in Service Quotas" in response.reason
    )


def test_access_denied_while_polling_names_the_job_and_the_permission(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.inject_fault(
        "GetModelCopyJob", "AccessDeniedException", status=403, message="not authorized to GetModelCopyJob"
    )
    response = cfn.create("Copy", copy_properties()).response
    (job_arn,) = fake.jobs
    assert response.status == "FAILED" and response.physical_resource_id == job_arn
    assert f"GetModelCopyJob failed for job {job_arn}: AccessDeniedException" in response.reason
    assert "bedrock:GetModelCopyJob" in response.reason


def test_long_messages_keep_the_response_under_4096_bytes(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    name = "n" * 63
    fake.script_copy(name, duration=60, outcome="Failed", failure_message="x" * 2048)
    response = cfn.create("Copy", copy_properties(TargetModelName=name)).response
    assert response.status == "FAILED" and response.reason.startswith("Model copy job")
    assert response.body_bytes < 4096
    fake.script_copy("m" * 63, duration=60)
    success = cfn.create("Copy2", copy_properties(TargetModelName="m" * 63)).response
    assert success.ok and success.body_bytes < 4096


# ---------------------------------------------------------------- deadlines and transient faults


def test_timeout_fails_with_an_actionable_message_and_redeploy_resumes(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.script_copy(NAME, duration=3000)
    response = cfn.create("Copy", copy_properties(TimeoutSeconds="600")).response
    (job_arn,) = fake.jobs
    assert response.status == "FAILED" and response.physical_resource_id == job_arn
    assert response.reason.startswith(f"Model copy job {job_arn} is still InProgress, started ")
    assert "this resource waited 10 min and its timeout is 10 min" in response.reason
    assert (
        "The copy continues in Bedrock: deploy again (same stack name and properties) to resume: the resource takes "
        "back the job it started instead of starting another." in response.reason
    )
    assert response.reason != "Operation timed out"

    # Re-deploying (a new Create after the rollback) waits for the same job.
    resumed = cfn.create("Copy", copy_properties()).response
    assert resumed.ok and resumed.physical_resource_id == job_arn
    assert writes(fake) == ["CreateModelCopyJob"]


def test_maximum_timeout_message_comes_before_the_framework_gives_up(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.script_copy(NAME, duration=5 * 3600)
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED"
    assert "is still InProgress" in response.reason and "its timeout is 57 min" in response.reason


def test_throttling_storm_longer_than_boto3_retries_never_fails_the_poll(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.script_copy(NAME, duration=600)
    fake.inject_fault("GetModelCopyJob", "ThrottlingException", status=429, times=40)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok
    gets = fake.calls_to("GetModelCopyJob")
    assert sum(call.status == 429 for call in gets) == 40
    assert gets[-1].status == 200
    assert response.polls > 8  # several polls saw only throttling (5 attempts each) and asked to be polled again


def test_server_errors_and_dropped_connections_while_polling_are_retried(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    fake.inject_fault("GetModelCopyJob", "InternalServerException", status=500, times=7)
    fake.inject_fault("GetModelCopyJob", "ConnectionReset", times=6)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok
    statuses = [call.status for call in fake.calls_to("GetModelCopyJob")]
    assert statuses.count(500) == 7 and statuses.count(0) == 6


def test_create_throttled_briefly_succeeds_through_boto3_retries(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault("CreateModelCopyJob", "ThrottlingException", status=429, times=3)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok and len(fake.jobs) == 1
    assert [call.status for call in fake.calls_to("CreateModelCopyJob")] == [429, 429, 429, 201]


def test_create_throttled_past_retries_fails_clearly(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault("CreateModelCopyJob", "ThrottlingException", status=429, times=50)
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.physical_resource_id == CREATE_FAILED_MARKER
    assert "CreateModelCopyJob failed for source" in response.reason and "ThrottlingException" in response.reason
    assert "boto3's retries ran out: deploy again in a few minutes" in response.reason
    assert len(fake.calls_to("CreateModelCopyJob")) == 5 and fake.jobs == {}


# ---------------------------------------------------------------- updates


def test_replacement_with_a_new_name_starts_a_copy_and_deletes_the_old_model(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    old_job = cfn.resources["Copy"].physical_resource_id
    old_model = fake.model_named(NAME).model_arn  # type: ignore[union-attr]
    operation = cfn.update(
        "Copy",
        copy_properties(SourceModelArn=OTHER_SOURCE_ARN, TargetModelName="support-bot-v2", DeleteModelOnDelete="true"),
    )
    assert operation.response.ok and operation.response.physical_resource_id != old_job
    assert operation.response.data["SourceModelArn"] == OTHER_SOURCE_ARN
    (cleanup,) = operation.cleanup
    assert cleanup.ok and cleanup.physical_resource_id == old_job
    assert fake.calls_to("DeleteCustomModel")[-1].params["modelIdentifier"] == old_model
    assert fake.model_named(NAME) is None and fake.model_named("support-bot-v2") is not None


def test_replacement_with_retain_keeps_the_old_model(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    cfn.create("Copy", copy_properties())
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        operation = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2"))
    assert operation.response.ok and operation.cleanup == []
    old, new = fake.model_named(NAME), fake.model_named("support-bot-v2")
    assert old is not None and new is not None
    # CloudFormation asks nothing more of the old one: the handler says what it leaves billed (issue 22, point 1).
    (line,) = [r.getMessage() for r in caplog.records if "decision=keep-replaced" in r.getMessage()]
    for text in (f"model {old.model_arn} was replaced by {new.model_arn}", "removal policy RETAIN", "storage fee"):
        assert text in line, (text, line)
    assert f"aws bedrock delete-custom-model --model-identifier {old.model_arn} --region us-west-2" in line
    assert writes(fake) == ["CreateModelCopyJob", "CreateModelCopyJob"]  # nothing tagged or deleted


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"SourceModelArn": OTHER_SOURCE_ARN}, "source_model_arn"),
        (
            {"TargetModelKmsKeyId": "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "target_kms_key",
        ),
    ],
)
def test_replacement_keeping_the_name_is_refused_and_rolls_back(
    fake: FakeBedrock, cfn: CloudFormationStack, change: dict[str, str], label: str
) -> None:
    cfn.create("Copy", copy_properties())
    job_arn = cfn.resources["Copy"].physical_resource_id
    operation = cfn.update("Copy", copy_properties(**change))
    assert operation.response.status == "FAILED" and operation.response.physical_resource_id == job_arn
    assert operation.response.reason.startswith(
        f"Changing {label} requires a new copy, and CloudFormation creates the new model before it deletes the old one, "
        f"so both cannot be named '{NAME}'. Choose a new target_model_name"
    )
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == job_arn and rollback.data["Status"] == "Completed"
    assert writes(fake) == ["CreateModelCopyJob"]  # only the original create
    assert len(fake.jobs) == 1


def test_tags_only_update_retags_in_place_and_its_rollback_restores_them(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml", "owner": "alice"}))
    job_arn = cfn.resources["Copy"].physical_resource_id
    model = fake.model_named(NAME)
    assert model is not None
    operation = cfn.update("Copy", copy_properties(TargetModelTags={"team": "ai", "cost": "42"}))
    assert operation.response.ok and operation.response.physical_resource_id == job_arn
    assert user_tags(model.tags) == {"team": "ai", "cost": "42"} and owned_by(model.tags, cfn, "Copy")
    assert fake.calls_to("UntagResource")[-1].params == {"resourceARN": model.model_arn, "tagKeys": ["owner"]}

    rolled_back = cfn.update("Copy", copy_properties(TargetModelTags={"team": "x"}), later_resource_fails=True)
    assert rolled_back.response.ok and rolled_back.rollback[0].ok
    assert rolled_back.rollback[0].physical_resource_id == job_arn
    assert user_tags(model.tags) == {"team": "ai", "cost": "42"} and owned_by(model.tags, cfn, "Copy")
    assert writes(fake).count("CreateModelCopyJob") == 1


def test_timeout_or_poll_interval_change_alone_writes_nothing(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties())
    before = len(fake.calls)
    operation = cfn.update(
        "Copy", copy_properties(TimeoutSeconds="1800", PollIntervalSeconds="15", DeleteModelOnDelete="true")
    )
    assert (
        operation.response.ok and operation.response.physical_resource_id == cfn.resources["Copy"].physical_resource_id
    )
    assert [call.operation for call in fake.calls[before:]] == ["GetModelCopyJob"]


def test_rollback_of_a_successful_replacement_returns_to_the_old_job(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    old_job = cfn.resources["Copy"].physical_resource_id
    operation = cfn.update(
        "Copy", copy_properties(TargetModelName="support-bot-v2", DeleteModelOnDelete="true"), later_resource_fails=True
    )
    new_job = operation.response.physical_resource_id
    assert operation.response.ok and new_job != old_job
    (rollback,) = operation.rollback
    assert rollback.ok and rollback.physical_resource_id == old_job  # adopted, not copied again
    (cleanup,) = operation.cleanup
    assert cleanup.ok and cleanup.physical_resource_id == new_job
    assert fake.model_named("support-bot-v2") is None and fake.model_named(NAME) is not None
    assert writes(fake) == ["CreateModelCopyJob", "CreateModelCopyJob", "DeleteCustomModel"]


# ---------------------------------------------------------------- deletes


def test_retain_sends_nothing_and_keeps_the_model(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties())
    before = len(fake.calls)
    assert cfn.delete("Copy") is None
    assert len(fake.calls) == before and fake.model_named(NAME) is not None


def test_delete_request_without_destroy_never_deletes(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(), deletion_policy="Delete")  # DeleteModelOnDelete stays "false"
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert "DeleteCustomModel" not in fake.operations() and fake.model_named(NAME) is not None


def test_destroy_deletes_the_model(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert fake.operations()[-3:] == ["GetModelCopyJob", "ListTagsForResource", "DeleteCustomModel"]
    assert fake.model_named(NAME) is None


def test_destroy_when_the_model_is_already_gone_succeeds(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(DeleteModelOnDelete="true"), deletion_policy="Delete")
    del fake.models[fake.model_named(NAME).model_arn]  # type: ignore[union-attr]
    operation = cfn.delete("Copy")
    assert operation is not None and operation.response.ok
    assert fake.calls_to("ListTagsForResource")[-1].status == 404 and fake.calls_to("DeleteCustomModel") == []


def test_waiter_never_deletes_the_model(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, started_ago=100, duration=400)
    created = cfn.create(
        "Wait",
        {"Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "1200", "PollIntervalSeconds": "30"},
        deletion_policy="Delete",
    )
    assert created.response.ok and created.response.physical_resource_id == job_arn
    assert created.response.data["TargetModelName"] == NAME
    # Even a template edited to ask for deletion does not make the waiter delete.
    cfn.resources["Wait"].properties["DeleteModelOnDelete"] = "true"
    operation = cfn.delete("Wait")
    assert operation is not None and operation.response.ok
    assert writes(fake) == [] and fake.model_named(NAME) is not None


def test_waiter_reports_a_failed_job(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    job_arn = fake.add_job(
        source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=120, outcome="Failed", failure_message="Quota"
    )
    response = cfn.create("Wait", {"Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "1200"}).response
    assert response.status == "FAILED" and response.reason.startswith(f"Model copy job {job_arn} failed: Quota.")


def test_waiter_timeout_says_deploy_again_to_wait(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    job_arn = fake.add_job(source_model_arn=SOURCE_ARN, target_model_name=NAME, duration=7200)
    response = cfn.create("Wait", {"Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "300"}).response
    assert response.status == "FAILED" and "deploy again to resume waiting for the same job" in response.reason


def test_waiter_for_an_unknown_job_fails_with_the_arn(cfn: CloudFormationStack) -> None:
    job_arn = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/zzzzzzzzzzzz"
    response = cfn.create("Wait", {"Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "300"}).response
    assert (
        response.status == "FAILED"
        and f"GetModelCopyJob failed for job {job_arn}: ResourceNotFoundException" in response.reason
    )


# ---------------------------------------------------------------- logs


def test_whole_lifecycle_never_logs_the_response_url(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Lambda's Python runtime logs at INFO; the handler's own logger is captured at every level.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="model_copy")
    fake.inject_fault("GetModelCopyJob", times=3)
    requests: list[dict[str, object]] = []
    original = cfn.request

    def recording_request(*args: object, **kwargs: object) -> dict[str, object]:
        request = original(*args, **kwargs)  # type: ignore[arg-type]
        requests.append(request)
        return request

    cfn.request = recording_request  # type: ignore[method-assign]
    created = cfn.create(
        "Copy", copy_properties(DeleteModelOnDelete="true", TargetModelTags={"a": "b"}), deletion_policy="Delete"
    )
    cfn.update("Copy", copy_properties(DeleteModelOnDelete="true", TargetModelTags={"a": "c"}))
    cfn.update("Copy", copy_properties(DeleteModelOnDelete="true", TargetModelName="v2"))
    cfn.create("Bad", copy_properties(TargetModelName="bad name"))
    cfn.delete("Copy")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert len(requests) >= 5
    assert created.response.physical_resource_id in text  # it logs job ARNs, statuses and decisions
    assert "decision=started-new-copy" in text and "status=Completed" in text
    for request in requests:
        url = str(request["ResponseURL"])
        signature = cfn.response_url_signature(str(request["RequestId"]))
        assert signature in url
        assert url not in text and signature not in text
    assert "X-Amz-" not in text and "cloudformation-custom-resource-response" not in text
    assert "ResourceProperties" not in text and "clientRequestToken" not in text  # no events, no request bodies


def test_replacement_does_not_retag_the_new_copy(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    cfn.create("Copy", copy_properties(TargetModelTags={"team": "ml"}))
    operation = cfn.update("Copy", copy_properties(TargetModelName="support-bot-v2", TargetModelTags={"team": "ai"}))
    assert operation.response.ok
    assert "TagResource" not in fake.operations() and "UntagResource" not in fake.operations()
    tags = fake.model_named("support-bot-v2").tags  # type: ignore[union-attr]
    assert user_tags(tags) == {"team": "ai"} and owned_by(tags, cfn, "Copy")


def test_validation_exception_on_create_says_what_to_correct(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault(
        "CreateModelCopyJob", "ValidationException", status=400, message="Model copy is not supported for this model"
    )
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.physical_resource_id == CREATE_FAILED_MARKER
    assert "CreateModelCopyJob failed for source" in response.reason
    assert "ValidationException: Model copy is not supported for this model" in response.reason
    assert "Bedrock refused the request: correct the property it names and deploy again." in response.reason
    assert len(fake.calls_to("CreateModelCopyJob")) == 1  # not retried: it cannot succeed by retrying


def test_a_just_started_job_not_yet_readable_is_polled_again(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.inject_fault("GetModelCopyJob", "ResourceNotFoundException", status=404, times=2)
    response = cfn.create("Copy", copy_properties()).response
    assert response.ok
    assert [call.status for call in fake.calls_to("GetModelCopyJob")][:3] == [404, 404, 200]


def test_a_model_of_that_name_made_otherwise_is_a_clear_conflict(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    fake.add_model(NAME)  # fine-tuned here, not copied: no copy job lists it
    response = cfn.create("Copy", copy_properties()).response
    assert response.status == "FAILED" and response.physical_resource_id == CREATE_FAILED_MARKER
    assert (
        f"CreateModelCopyJob failed for source {SOURCE_ARN} -> target model name '{NAME}': ConflictException"
        in response.reason
    )
    assert "choose another target_model_name" in response.reason
    assert fake.jobs == {}
