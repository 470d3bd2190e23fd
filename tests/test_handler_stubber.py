"""The handler against botocore's real Bedrock service model: Stubber validates every request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bedrock_model_copy._lambda.model_copy import aws as bedrock
from bedrock_model_copy._lambda.model_copy import handler
from bedrock_model_copy._lambda.model_copy.contract import STARTED_AT_KEY
from bedrock_model_copy._lambda.model_copy.engine import request as poll
from bedrock_model_copy._lambda.model_copy.engine.lifecycle import client_request_token
from bedrock_model_copy._lambda.model_copy.engine.request import Request
from bedrock_model_copy._lambda.model_copy.kinds.copy import copy_request_id
from conftest import load_event

SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
JOB = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/amazon.titan-text-lite-v1:0:4k/abcdef123456"
MODEL = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/zyxwvutsrq98"
CREATED = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
STACK = "BedrockModelCopyExample"
LOGICAL_ID = "Copy1ED8A51E"  # tests/events/*_copy*.json


def ownership(props: dict[str, Any]) -> list[dict[str, str]]:
    """The ownership tags the handler starts a copy of ``props`` with."""
    return [
        {"key": "bedrock-model-copy:owner-stack", "value": STACK},
        {"key": "bedrock-model-copy:owner-resource", "value": LOGICAL_ID},
        {"key": "bedrock-model-copy:copy-request", "value": copy_request_id(props)},
    ]


@pytest.fixture
def stubber(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client(
        "bedrock",
        region_name="us-west-2",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=bedrock.RETRY_CONFIG,
    )
    monkeypatch.setattr(bedrock, "_clients", {"bedrock": client})
    monkeypatch.setattr(poll, "clock", lambda: 1_800_000_000.0)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def job(status: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "jobArn": JOB,
        "status": status,
        "creationTime": CREATED,
        "targetModelArn": MODEL,
        "targetModelName": "support-bot-usw2",
        "sourceAccountId": "111122223333",
        "sourceModelArn": SOURCE,
    }
    body.update(extra)
    return body


def test_create_lists_then_starts_a_copy_with_a_deterministic_token(stubber: Stubber) -> None:
    event = load_event("create_copy")
    stubber.add_response(
        "list_model_copy_jobs",
        {"modelCopyJobSummaries": []},
        {"targetModelNameContains": "support-bot-usw2", "sortBy": "CreationTime", "sortOrder": "Descending"},
    )
    expected = {
        "sourceModelArn": SOURCE,
        "targetModelName": "support-bot-usw2",
        "modelKmsKeyId": KEY,
        "targetModelTags": [{"key": "team", "value": "ml"}, *ownership(event["ResourceProperties"])],
        "clientRequestToken": client_request_token(Request(event)),
    }
    stubber.add_response("create_model_copy_job", {"jobArn": JOB}, expected)
    result = handler.on_event(event)
    assert result == {"PhysicalResourceId": JOB, STARTED_AT_KEY: 1_800_000_000.0}
    token = expected["clientRequestToken"]
    assert len(token) == 64 and token == client_request_token(Request(load_event("create_copy")))
    other = dict(event, RequestId="another-request")
    assert client_request_token(Request(other)) != token


def test_create_takes_back_its_own_running_job_of_the_exact_name(stubber: Stubber) -> None:
    own = ownership(load_event("create_copy")["ResourceProperties"])
    stubber.add_response(
        "list_model_copy_jobs",
        {
            "modelCopyJobSummaries": [
                job("InProgress", targetModelName="support-bot-usw2-old"),  # substring match only
                job("InProgress", targetModelTags=own),
            ]
        },
        {"targetModelNameContains": "support-bot-usw2", "sortBy": "CreationTime", "sortOrder": "Descending"},
    )
    assert handler.on_event(load_event("create_copy"))["PhysicalResourceId"] == JOB


def test_is_complete_in_progress(stubber: Stubber) -> None:
    stubber.add_response("get_model_copy_job", job("InProgress"), {"jobArn": JOB})
    assert handler.is_complete(load_event("is_complete_copy")) == {"IsComplete": False}


def test_is_complete_completed_returns_every_attribute(stubber: Stubber) -> None:
    stubber.add_response(
        "get_model_copy_job",
        job(
            "Completed",
            targetModelKmsKeyArn=KEY,
            sourceModelName="support-bot",
            targetModelTags=[{"key": "team", "value": "ml"}],
        ),
        {"jobArn": JOB},
    )
    assert handler.is_complete(load_event("is_complete_copy")) == {
        "IsComplete": True,
        "Data": {
            "TargetModelArn": MODEL,
            "TargetModelName": "support-bot-usw2",
            "JobArn": JOB,
            "SourceModelArn": SOURCE,
            "SourceModelName": "support-bot",
            "SourceAccountId": "111122223333",
            "TargetModelKmsKeyArn": KEY,
            "Status": "Completed",
            "CreationTime": "2026-11-27T12:00:00+00:00",
        },
    }


def test_is_complete_completed_without_optional_fields_still_has_every_key(stubber: Stubber) -> None:
    stubber.add_response("get_model_copy_job", job("Completed"), {"jobArn": JOB})
    data = handler.is_complete(load_event("is_complete_copy"))["Data"]
    assert data["SourceModelName"] == "" and data["TargetModelKmsKeyArn"] == ""
    assert len(data) == 9


def test_is_complete_failed_raises_with_bedrock_message_and_job_arn(stubber: Stubber) -> None:
    stubber.add_response(
        "get_model_copy_job",
        job("Failed", failureMessage="Source model is encrypted with a key you cannot use"),
        {"jobArn": JOB},
    )
    with pytest.raises(
        bedrock.HandlerError,
        match=rf"Model copy job {JOB} failed: Source model is encrypted with a key you cannot use\. Fix the cause",
    ):
        handler.is_complete(load_event("is_complete_copy"))


def test_waiter_mode_never_calls_create_or_list(stubber: Stubber) -> None:
    event = load_event("create_wait")
    result = handler.on_event(event)
    assert result["PhysicalResourceId"] == JOB
    stubber.add_response("get_model_copy_job", job("Completed"), {"jobArn": JOB})
    completed = handler.is_complete(dict(event, **result))
    assert completed["IsComplete"] is True and completed["Data"]["JobArn"] == JOB


def test_tags_only_update_keeps_the_job_and_retags_in_place(stubber: Stubber) -> None:
    event = load_event("update_tags")
    assert handler.on_event(event)["PhysicalResourceId"] == JOB  # no Bedrock call: nothing stubbed
    own = ownership(event["ResourceProperties"])
    stubber.add_response("get_model_copy_job", job("Completed", targetModelTags=own), {"jobArn": JOB})
    current = [{"key": "team", "value": "ai"}, {"key": "owner", "value": "alice"}, *own]
    stubber.add_response("list_tags_for_resource", {"tags": current}, {"resourceARN": MODEL})
    stubber.add_response("untag_resource", {}, {"resourceARN": MODEL, "tagKeys": ["owner"]})
    stubber.add_response(
        "tag_resource",
        {},
        {"resourceARN": MODEL, "tags": [{"key": "cost-center", "value": "42"}, {"key": "team", "value": "ml"}]},
    )
    assert handler.is_complete(dict(event, BedrockModelCopyStartedAt=1_800_000_000.0))["IsComplete"] is True


def test_delete_with_destroy_deletes_the_copied_model(stubber: Stubber) -> None:
    event = load_event("delete_copy_destroy")
    assert handler.on_event(event)["PhysicalResourceId"] == JOB
    own = ownership(event["ResourceProperties"])
    stubber.add_response("get_model_copy_job", job("Completed", targetModelTags=own), {"jobArn": JOB})
    stubber.add_response("list_tags_for_resource", {"tags": own}, {"resourceARN": MODEL})
    stubber.add_response("delete_custom_model", {}, {"modelIdentifier": MODEL})
    assert handler.is_complete(dict(event, BedrockModelCopyStartedAt=1_800_000_000.0)) == {"IsComplete": True}


def test_create_access_denied_by_iam_names_the_permission_not_the_key_policy(stubber: Stubber) -> None:
    stubber.add_response("list_model_copy_jobs", {"modelCopyJobSummaries": []}, None)
    stubber.add_client_error(
        "create_model_copy_job", "AccessDeniedException", "not authorized", 403, expected_params=None
    )
    with pytest.raises(bedrock.HandlerError) as error:
        handler.on_event(load_event("create_copy"))
    message = str(error.value)
    assert f"CreateModelCopyJob failed for source {SOURCE} -> target model name 'support-bot-usw2'" in message
    assert "AccessDeniedException: not authorized" in message
    assert "IAM denied the copy" in message and "bedrock:CreateModelCopyJob" in message
    assert "kms:CreateGrant" not in message


def test_create_request_matches_the_service_model_even_without_optional_fields(stubber: Stubber) -> None:
    event = load_event("create_copy")
    props = event["ResourceProperties"]
    del props["TargetModelKmsKeyId"], props["TargetModelTags"]
    stubber.add_response("list_model_copy_jobs", {"modelCopyJobSummaries": []}, None)
    stubber.add_response(
        "create_model_copy_job",
        {"jobArn": JOB},
        {
            "sourceModelArn": SOURCE,
            "targetModelName": "support-bot-usw2",
            "targetModelTags": ownership(props),
            "clientRequestToken": ANY,
        },
    )
    handler.on_event(event)
