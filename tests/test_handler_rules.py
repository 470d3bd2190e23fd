"""The handler's small rules, one by one: error classification, advice, stack phase, deadlines, ownership.

Written against the survivors of ``make mutation`` (docs/mutation.md): each test pins a
boundary or a branch that the scenario tests pass through without telling its sides apart.
AWS calls go through botocore's Stubber, which also checks each request against the
service model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber

from bedrock_model_copy._lambda.model_copy import advice
from bedrock_model_copy._lambda.model_copy import aws as bedrock
from bedrock_model_copy._lambda.model_copy.contract import MAX_TIMEOUT_SECONDS, STARTED_AT_KEY
from bedrock_model_copy._lambda.model_copy.engine import lifecycle, ownership, phase, reading
from bedrock_model_copy._lambda.model_copy.engine import request as poll
from bedrock_model_copy._lambda.model_copy.engine.request import Request
from bedrock_model_copy._lambda.model_copy.kinds import copy, waiter

ROWS = (*copy.ADVICE, *advice.GENERIC)  # the copy's rows, then the generic one

NOW = 1_800_000_000.0
STACK = "BedrockModelCopyExample"
STACK_ID = f"arn:aws:cloudformation:us-west-2:111122223333:stack/{STACK}/5b2e9f60-1a2b-11f0-9c3d-0a1b2c3d4e5f"
JOB = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12"
MODEL = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/zyxwvutsrq98"
SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"


def client_error(code: str, message: str = "", status: int = 400, operation: str = "GetModelCopyJob") -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}}
    if status:
        response["ResponseMetadata"]["HTTPStatusCode"] = status
    return ClientError(response, operation)  # type: ignore[arg-type]


def event(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "RequestType": "Delete",
        "StackId": STACK_ID,
        "LogicalResourceId": "Copy",
        "PhysicalResourceId": JOB,
        "ResourceProperties": {"Mode": "Copy"},
    }
    base.update(extra)
    return base


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    """Stubbed Bedrock and CloudFormation clients in the handler's cache, and a fixed clock."""
    made = {
        service: boto3.client(service, region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
        for service in ("bedrock", "cloudformation")
    }
    monkeypatch.setattr(bedrock, "_clients", made)
    monkeypatch.setattr(poll, "clock", lambda: NOW)
    stubbers = {service: Stubber(client) for service, client in made.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


# ---------------------------------------------------------------- bedrock.py: classifying errors


def test_error_code_is_the_aws_code_or_the_exception_type() -> None:
    assert bedrock.error_code(client_error("ThrottlingException")) == "ThrottlingException"
    assert bedrock.error_code(ClientError({}, "GetModelCopyJob")) == ""  # type: ignore[arg-type]
    assert bedrock.error_code(EndpointConnectionError(endpoint_url="https://x")) == "EndpointConnectionError"


def test_error_message_drops_one_final_period_and_surrounding_space() -> None:
    assert bedrock.error_message(client_error("X", "  Model not found.  ")) == "Model not found"
    assert bedrock.error_message(client_error("X", "")) == str(client_error("X", "")).strip()
    assert bedrock.error_message(ValueError("plain")) == "plain"


def test_a_bedrock_message_over_600_characters_is_cut_to_600_with_an_ellipsis() -> None:
    # CloudFormation's whole response, reason included, must stay under 4096 bytes.
    assert bedrock.MAX_QUOTED_MESSAGE == 600
    long = "x" * 599 + "yz"
    cut = bedrock.error_message(client_error("ValidationException", long))
    assert cut == "x" * 597 + "..." and len(cut) == 600
    exact = "w" * 599 + "."
    assert bedrock.error_message(client_error("ValidationException", exact)) == "w" * 599  # 600: kept, period dropped
    assert bedrock.error_message(client_error("X", "v" * 600)) == "v" * 600


def test_http_status_is_read_from_the_response_metadata() -> None:
    assert bedrock.http_status(client_error("X", status=503)) == 503
    assert bedrock.http_status(client_error("X", status=0)) == 0
    assert bedrock.http_status(ValueError("no response")) == 0


@pytest.mark.parametrize("code", sorted(bedrock.TRANSIENT_ERROR_CODES))
def test_transient_codes_are_transient_whatever_the_status(code: str) -> None:
    assert bedrock.is_transient(client_error(code, status=400))


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (599, True),
        (400, False),
        (403, False),
        (428, False),
        (430, False),
        (499, False),
        (0, False),
    ],
)
def test_errors_are_transient_by_http_status_alone(status: int, transient: bool) -> None:
    # A code botocore's model does not know, answered with a 5xx or 429, is still worth another poll.
    assert bedrock.is_transient(client_error("SomethingNewException", status=status)) is transient


def test_network_and_botocore_errors_are_transient_other_exceptions_are_not() -> None:
    assert bedrock.is_transient(EndpointConnectionError(endpoint_url="https://x"))
    assert bedrock.is_transient(ConnectTimeoutError(endpoint_url="https://x"))
    assert bedrock.is_transient(NoCredentialsError())
    assert not bedrock.is_transient(ValueError("bug"))


def test_not_found_means_resource_not_found_only_and_only_from_aws() -> None:
    # A refusal is never read as gone (docs/aws-behaviour.md M9): ValidationException is not not-found.
    assert bedrock.is_not_found(client_error("ResourceNotFoundException", status=404))
    assert not bedrock.is_not_found(client_error("ValidationException"))
    assert not bedrock.is_not_found(client_error("ConflictException", status=409))
    assert not bedrock.is_not_found(client_error("AccessDeniedException", status=403))
    assert not bedrock.is_not_found(ValueError("ResourceNotFoundException"))


def test_clients_are_made_once_per_service_with_the_retry_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setattr(bedrock, "_clients", {})
    first = bedrock.client()
    assert bedrock.client() is first and first.meta.service_model.service_name == "bedrock"
    assert first.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
    stacks = bedrock.cloudformation()
    assert stacks is not first and stacks.meta.service_model.service_name == "cloudformation"
    assert bedrock.cloudformation() is stacks
    bedrock.reset_client()
    assert bedrock.client() is not first


# ---------------------------------------------------------------- advice.py: one table, by call and code


ADVICE_CASES = [
    ("CreateModelCopyJob", "AccessDeniedException", "not authorized to use the KMS key", 0),
    ("CreateModelCopyJob", "AccessDeniedException", "User is not authorized to perform this action", 1),
    ("CreateModelCopyJob", "ResourceNotFoundException", "", 2),
    ("CreateModelCopyJob", "ValidationException", "", 3),
    ("CreateModelCopyJob", "ServiceQuotaExceededException", "", 4),
    ("CreateModelCopyJob", "TooManyTagsException", "", 5),
    ("CreateModelCopyJob", "ConflictException", "", 6),
    ("ListModelCopyJobs", "AccessDeniedException", "", 7),
    ("GetModelCopyJob", "AccessDeniedException", "kms", 8),
    ("GetModelCopyJob", "ResourceNotFoundException", "", 9),
    ("DeleteCustomModel", "ConflictException", "", 10),
    ("DeleteCustomModel", "AccessDeniedException", "", 11),
    ("TagResource", "AccessDeniedException", "", 12),
    ("ListTagsForResource", "AccessDeniedException", "", 13),
    ("GetModelCopyJob (copy watcher)", "AccessDeniedException", "", 14),
    ("GetCustomModel", "ThrottlingException", "", 15),
    ("DeleteCustomModel", "ThrottlingException", "", 15),
]


@pytest.mark.parametrize(("operation", "code", "message", "row"), ADVICE_CASES)
def test_advice_is_chosen_by_call_code_and_message(operation: str, code: str, message: str, row: int) -> None:
    assert advice.advice_for(copy.ADVICE, operation, client_error(code, message)) == ROWS[row].text


def test_the_kms_row_matches_the_message_in_any_case() -> None:
    text = advice.advice_for(
        copy.ADVICE, "CreateModelCopyJob", client_error("AccessDeniedException", "KMS key policy denies")
    )
    assert text.startswith("A KMS key policy does not let the handler role use a key")


def test_advice_for_a_code_of_another_call_or_no_row_is_empty_unless_transient() -> None:
    assert advice.advice_for(copy.ADVICE, "GetModelCopyJob", client_error("ConflictException")) == ""
    assert advice.advice_for(copy.ADVICE, "TagResource", client_error("ConflictException")) == ""
    assert advice.advice_for(copy.ADVICE, "GetModelCopyJob", client_error("SomethingNewException", status=503)) == (
        ROWS[-1].text
    )
    assert advice.advice_for(copy.ADVICE, "GetModelCopyJob", EndpointConnectionError(endpoint_url="https://x")) == (
        ROWS[-1].text
    )


def test_a_failure_names_call_subject_code_message_and_advice_in_one_sentence_each() -> None:
    error = client_error("ResourceNotFoundException", "Model not found.", status=404)
    failure = advice.describe_failure(copy.ADVICE, "CreateModelCopyJob", "source S -> target model name 'n'", error)
    assert isinstance(failure, bedrock.HandlerError)
    assert str(failure) == (
        "CreateModelCopyJob failed for source S -> target model name 'n': ResourceNotFoundException: Model not "
        f"found. {ROWS[2].text}"
    )


def test_a_failure_without_advice_ends_with_the_message() -> None:
    failure = advice.describe_failure(copy.ADVICE, "GetCustomModel", "model M", client_error("OddException", "odd"))
    assert str(failure) == "GetCustomModel failed for model M: OddException: odd."


def test_a_cut_message_keeps_its_ellipsis_and_gets_no_period() -> None:
    failure = advice.describe_failure(copy.ADVICE, "GetCustomModel", "model M", client_error("OddException", "m" * 700))
    assert str(failure) == f"GetCustomModel failed for model M: OddException: {'m' * 597}..."


def test_the_troubleshooting_table_has_one_line_per_row_under_its_header() -> None:
    lines = advice.markdown_table(copy.ADVICE).split("\n")
    assert lines[:2] == ["| call | error | when the message mentions | what to do |", "|---|---|---|---|"]
    assert len(lines) == 2 + len(ROWS)
    assert lines[2] == f"| `CreateModelCopyJob` | `AccessDeniedException` | kms | {ROWS[0].text} |"
    assert lines[3] == f"| `CreateModelCopyJob` | `AccessDeniedException` |  | {ROWS[1].text} |"
    assert lines[-1] == (
        f"| any call | `ThrottlingException` (or any 5xx, or a dropped connection) |  | {ROWS[-1].text} |"
    )


# ---------------------------------------------------------------- phase.py: each stack status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("ROLLBACK_IN_PROGRESS", "rollback"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", "rollback"),
        ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "rollback"),
        ("IMPORT_ROLLBACK_IN_PROGRESS", "rollback"),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "cleanup"),
        ("DELETE_IN_PROGRESS", "stack-delete"),
        ("CREATE_IN_PROGRESS", "forward"),
        ("UPDATE_IN_PROGRESS", "forward"),
        ("ROLLBACK_COMPLETE", "forward"),
    ],
)
def test_each_stack_status_has_its_phase(clients: dict[str, Stubber], status: str, expected: str) -> None:
    created = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    stack = {"StackName": STACK, "StackId": STACK_ID, "CreationTime": created, "StackStatus": status}
    clients["cloudformation"].add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": STACK_ID})
    assert phase.current(Request(event())) == expected


def test_no_stack_in_the_answer_is_an_unknown_phase(clients: dict[str, Stubber]) -> None:
    clients["cloudformation"].add_response("describe_stacks", {"Stacks": []}, {"StackName": STACK_ID})
    assert phase.current(Request(event())) == "unknown"
    clients["cloudformation"].add_response("describe_stacks", {}, {"StackName": STACK_ID})
    assert phase.current(Request(event())) == "unknown"


@pytest.mark.parametrize(("code", "status"), [("AccessDenied", 403), ("ValidationError", 400)])
def test_describe_stacks_refused_is_an_unknown_phase(clients: dict[str, Stubber], code: str, status: int) -> None:
    clients["cloudformation"].add_client_error("describe_stacks", code, "no", status, expected_params=None)
    assert phase.current(Request(event())) == "unknown"


@pytest.mark.parametrize(
    ("code", "status"), [("Throttling", 400), ("InternalFailure", 500), ("ServiceUnavailable", 503)]
)
def test_describe_stacks_throttled_or_unavailable_is_a_pending_phase(
    clients: dict[str, Stubber], code: str, status: int
) -> None:
    clients["cloudformation"].add_client_error("describe_stacks", code, "slow down", status, expected_params=None)
    assert phase.current(Request(event())) == "pending"


def test_only_rollbacks_and_cleanups_must_not_fail() -> None:
    phases = ("rollback", "cleanup", "stack-delete", "forward", "pending", "unknown")
    assert [p for p in phases if phase.must_not_fail(p)] == [
        "rollback",
        "cleanup",
    ]


# ---------------------------------------------------------------- poll.py: time and deadlines


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (45.4, "45 s"), (89, "89 s"), (90, "2 min"), (150, "2 min"), (3420, "57 min")]
)
def test_minutes_reads_as_a_person_would(seconds: float, text: str) -> None:
    assert poll.minutes(seconds) == text


def test_timeout_and_poll_interval_default_to_the_maximum_and_thirty_seconds() -> None:
    assert Request(event(ResourceProperties={})).timeout_seconds == MAX_TIMEOUT_SECONDS
    assert Request(event(ResourceProperties={"TimeoutSeconds": "600"})).timeout_seconds == 600
    assert Request(event(ResourceProperties={})).poll_seconds == 30
    assert Request(event(ResourceProperties={"PollIntervalSeconds": "5"})).poll_seconds == 5


def test_the_deadline_is_the_last_poll_that_still_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    props = {"PollIntervalSeconds": "30"}
    monkeypatch.setattr(poll, "clock", lambda: NOW)
    assert not Request(event(ResourceProperties=props, **{STARTED_AT_KEY: NOW - 570})).past(600)  # 570+30 = 600
    assert Request(event(ResourceProperties=props, **{STARTED_AT_KEY: NOW - 571})).past(600)
    assert Request(event(**{STARTED_AT_KEY: NOW - 5})).started_at == NOW - 5
    assert Request(event()).started_at == NOW  # no start recorded: now


def test_how_long_says_when_the_job_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poll, "clock", lambda: NOW)
    created = dt.datetime.fromtimestamp(NOW - 1800, tz=dt.UTC)
    assert copy.how_long({"creationTime": created}) == f", started {created.isoformat()} (30 min ago)"
    assert copy.how_long({"creationTime": "2026-11-27"}) == ""
    assert copy.how_long({}) == ""


def test_attributes_are_strings_and_blanks_never_missing() -> None:
    created = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    data = copy.job_attributes({"jobArn": JOB, "status": "Completed", "creationTime": created, "sourceAccountId": 0})
    assert data["CreationTime"] == "2026-11-27T12:00:00+00:00"
    assert data["SourceAccountId"] == "0" and data["JobArn"] == JOB and data["TargetModelArn"] == ""
    assert len(data) == 9


def test_a_job_unknown_right_after_its_start_is_read_again_for_one_minute(clients: dict[str, Stubber]) -> None:
    from bedrock_model_copy._lambda.model_copy import handler

    stub = clients["bedrock"]
    props = {"Mode": "Copy"}
    stub.add_client_error(
        "get_model_copy_job", "ResourceNotFoundException", "no job", 404, expected_params={"jobArn": JOB}
    )
    assert reading.read(copy.KIND, JOB, props).state == reading.GONE
    stub.add_client_error(
        "get_model_copy_job", "ResourceNotFoundException", "no job", 404, expected_params={"jobArn": JOB}
    )
    fresh = event(RequestType="Create", ResourceProperties=props, **{STARTED_AT_KEY: NOW - 59})
    assert handler.is_complete(fresh) == {"IsComplete": False}
    stub.add_client_error(
        "get_model_copy_job", "ResourceNotFoundException", "no job", 404, expected_params={"jobArn": JOB}
    )
    with pytest.raises(bedrock.HandlerError, match=f"GetModelCopyJob failed for job {JOB}: ResourceNotFoundException"):
        handler.is_complete(event(RequestType="Create", ResourceProperties=props, **{STARTED_AT_KEY: NOW - 60}))


def test_a_throttled_read_is_unknown_and_a_denied_one_fails(clients: dict[str, Stubber]) -> None:
    stub = clients["bedrock"]
    stub.add_client_error("get_model_copy_job", "ThrottlingException", "slow down", 429)
    throttled = reading.read(copy.KIND, JOB, {})
    assert throttled.state == reading.UNKNOWN and throttled.raw["status"] == "unknown (ThrottlingException)"
    stub.add_client_error("get_model_copy_job", "AccessDeniedException", "denied", 403)
    with pytest.raises(bedrock.HandlerError, match=r"GetModelCopyJob failed for job .*AccessDeniedException: denied"):
        reading.read(copy.KIND, JOB, {})


def test_a_job_bedrock_does_not_know_is_gone(clients: dict[str, Stubber]) -> None:
    clients["bedrock"].add_client_error("get_model_copy_job", "ResourceNotFoundException", "no job", 404)
    gone = reading.read(copy.KIND, JOB, {})
    assert gone.state == reading.GONE and gone.raw == {}
    clients["bedrock"].add_client_error("get_model_copy_job", "ValidationException", "odd", 400)
    with pytest.raises(bedrock.HandlerError, match="ValidationException"):  # a refusal is not gone
        reading.read(copy.KIND, JOB, {})


# ---------------------------------------------------------------- ownership.py: who made a copy


def test_the_stack_name_comes_from_the_stack_id() -> None:
    assert Request(event()).stack_name == STACK


def test_the_copy_request_fingerprint_tells_source_name_and_key_apart() -> None:
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n", "TargetModelKmsKeyId": KEY_ARN}
    fingerprint = copy.copy_request_id(props)
    assert len(fingerprint) == 32 and int(fingerprint, 16) >= 0
    for key, other in (("SourceModelArn", SOURCE + "x"), ("TargetModelName", "m"), ("TargetModelKmsKeyId", "alias/x")):
        assert copy.copy_request_id({**props, key: other}) != fingerprint, key
    assert copy.copy_request_id({**props, "Mode": "Copy", "TargetModelTags": {"a": "b"}}) == fingerprint
    assert copy.copy_request_id({}) == copy.copy_request_id(
        {"SourceModelArn": "", "TargetModelName": None, "TargetModelKmsKeyId": ""}
    )


def test_the_three_ownership_tags() -> None:
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n"}
    assert ownership.ownership_tags(Request(event()), copy.copy_request_id(props)) == [
        {"key": "bedrock-model-copy:owner-stack", "value": STACK},
        {"key": "bedrock-model-copy:owner-resource", "value": "Copy"},
        {"key": "bedrock-model-copy:copy-request", "value": copy.copy_request_id(props)},
    ]


OWN = {
    "bedrock-model-copy:owner-stack": STACK,
    "bedrock-model-copy:owner-resource": "Copy",
    "bedrock-model-copy:copy-request": "r",
}


def test_an_owner_is_read_from_a_tag_list_a_tag_map_or_nothing() -> None:
    listed = [{"key": key, "value": value} for key, value in OWN.items()]
    assert ownership.Owner.from_tags(listed) == ownership.Owner(STACK, "Copy", "r")
    assert ownership.Owner.from_tags(OWN) == ownership.Owner(STACK, "Copy", "r")
    assert ownership.Owner.from_tags(None) == ownership.Owner("", "", "")
    assert copy.KIND.recorded_owner({"targetModelTags": listed}) == ownership.Owner(STACK, "Copy", "r")


def test_an_owner_describes_itself_for_the_messages() -> None:
    assert ownership.Owner("", "", "").describe() == "no owner tag"
    assert ownership.Owner("", "Copy", "").describe() == "no owner tag"
    assert ownership.Owner("S", "", "").describe() == "stack S (no resource recorded)"
    assert ownership.Owner("S", "R", "").describe() == "stack S, resource R"
    assert ownership.Owner("S", "", "").is_upgraded_copy and not ownership.Owner("S", "R", "").is_upgraded_copy
    assert not ownership.Owner("", "", "").is_upgraded_copy
    assert ownership.Owner(STACK, "Copy", "").is_resource(Request(event()))
    assert not ownership.Owner(STACK, "Other", "").is_resource(Request(event()))
    assert not ownership.Owner("Other", "Copy", "").is_resource(Request(event()))


def test_a_0_1_0_copy_is_matched_by_the_key_arn_bedrock_reports() -> None:
    job = {"sourceModelArn": SOURCE, "targetModelName": "n", "targetModelTags": [{"key": OWN_KEY, "value": STACK}]}
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n"}
    assert copy.made_from(job, props)
    assert not copy.made_from({**job, "targetModelKmsKeyArn": KEY_ARN}, props)
    assert copy.made_from({**job, "targetModelKmsKeyArn": KEY_ARN}, {**props, "TargetModelKmsKeyId": KEY_ARN})
    assert copy.made_from({**job, "targetModelKmsKeyArn": KEY_ARN}, {**props, "TargetModelKmsKeyId": KEY_ID})
    assert not copy.made_from({**job, "targetModelKmsKeyArn": KEY_ARN}, {**props, "TargetModelKmsKeyId": "alias/k"})
    assert not copy.made_from(job, {**props, "TargetModelKmsKeyId": KEY_ID})
    assert not copy.made_from(job, {**props, "SourceModelArn": SOURCE + "x"})
    assert not copy.made_from(job, {**props, "TargetModelName": "m"})


OWN_KEY = "bedrock-model-copy:owner-stack"


def test_a_copy_with_a_request_tag_is_matched_by_the_fingerprint_alone() -> None:
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n", "TargetModelKmsKeyId": "alias/k"}
    tags = [{"key": "bedrock-model-copy:copy-request", "value": copy.copy_request_id(props)}]
    job = {"sourceModelArn": "reported differently", "targetModelName": "n", "targetModelTags": tags}
    assert copy.made_from(job, props)
    assert not copy.made_from(job, {**props, "TargetModelKmsKeyId": "alias/other"})


def is_own_job(job: dict[str, Any], props: dict[str, Any]) -> bool:
    owner = copy.KIND.recorded_owner(job)
    return owner is not None and owner.started_by(Request(event())) and copy.made_from(job, props)


def test_an_own_job_is_this_resources_or_a_0_1_0_job_of_this_stack() -> None:
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n"}
    request = copy.copy_request_id(props)
    job = {"sourceModelArn": SOURCE, "targetModelName": "n"}

    def tagged(**tags: str) -> dict[str, Any]:
        keys = {"stack": OWN_KEY, "resource": "bedrock-model-copy:owner-resource"}
        keys["request"] = "bedrock-model-copy:copy-request"
        return {**job, "targetModelTags": [{"key": keys[k], "value": v} for k, v in tags.items()]}

    assert is_own_job(tagged(stack=STACK, resource="Copy", request=request), props)
    assert not is_own_job(tagged(stack=STACK, resource="Copy", request="other"), props)
    assert not is_own_job(tagged(stack=STACK, resource="Else", request=request), props)
    assert is_own_job(tagged(stack=STACK), props)  # 0.1.0: stack tag only
    assert not is_own_job(tagged(stack="Other"), props)
    assert not is_own_job(tagged(stack=STACK), {**props, "TargetModelName": "m"})
    assert not is_own_job(job, props)


def test_a_model_is_owned_by_its_current_tags() -> None:
    mine = {"targetModelTags": [{"key": OWN_KEY, "value": STACK}]}
    theirs = {"targetModelTags": [{"key": OWN_KEY, "value": "Other"}]}

    def owns_model(tags: dict[str, str], job: dict[str, Any]) -> bool:
        return ownership.owns(tags, Request(event()), copy.KIND.legacy_stack(job))

    assert owns_model(OWN, theirs)  # the model's tags decide, when they name a resource
    assert not owns_model({**OWN, "bedrock-model-copy:owner-resource": "Else"}, mine)
    assert not owns_model({**OWN, OWN_KEY: "Other"}, mine)
    assert owns_model({OWN_KEY: STACK}, mine)  # 0.1.0 model, job of this stack
    assert not owns_model({OWN_KEY: STACK}, theirs)
    assert not owns_model({}, mine)


def test_model_tags_are_none_once_the_models_get_says_it_is_gone(clients: dict[str, Stubber]) -> None:
    stub = clients["bedrock"]
    stub.add_response("list_tags_for_resource", {"tags": [{"key": "a", "value": "b"}]}, {"resourceARN": MODEL})
    assert lifecycle.product_tags(copy.KIND, MODEL) == {"a": "b"}
    stub.add_response("list_tags_for_resource", {}, {"resourceARN": MODEL})
    assert lifecycle.product_tags(copy.KIND, MODEL) == {}
    stub.add_client_error("list_tags_for_resource", "ResourceNotFoundException", "gone", 404)
    stub.add_client_error("get_custom_model", "ResourceNotFoundException", "gone", 404)
    assert lifecycle.product_tags(copy.KIND, MODEL) is None
    stub.add_client_error("list_tags_for_resource", "ResourceNotFoundException", "gone", 404)
    stub.add_response("get_custom_model", model_body(), {"modelIdentifier": MODEL})
    with pytest.raises(bedrock.HandlerError, match=f"ListTagsForResource failed for model {MODEL}: ResourceNotFound"):
        lifecycle.product_tags(copy.KIND, MODEL)  # the tag call said not-found, the Get finds it: not gone
    stub.add_client_error("list_tags_for_resource", "AccessDeniedException", "denied", 403)
    with pytest.raises(bedrock.HandlerError, match=f"ListTagsForResource failed for model {MODEL}: AccessDenied"):
        lifecycle.product_tags(copy.KIND, MODEL)


def model_body() -> dict[str, Any]:
    return {
        "modelArn": MODEL,
        "modelName": "n",
        "creationTime": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        "baseModelArn": "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0:300k",
    }


def test_a_0_1_0_model_gets_the_resource_and_request_tags_once(clients: dict[str, Stubber]) -> None:
    props = {"SourceModelArn": SOURCE, "TargetModelName": "n"}
    request = Request(event(ResourceProperties=props))
    job = {"status": "Completed", "targetModelArn": MODEL}
    stub = clients["bedrock"]
    stub.add_response(
        "tag_resource",
        {},
        {
            "resourceARN": MODEL,
            "tags": [t for t in ownership.ownership_tags(request, copy.copy_request_id(props)) if t["key"] != OWN_KEY],
        },
    )
    copy.KIND.settle(request, job, {OWN_KEY: STACK})
    copy.KIND.settle(request, job, OWN)  # already recorded: no call
    stub.add_client_error("tag_resource", "AccessDeniedException", "denied", 403)
    with pytest.raises(bedrock.HandlerError, match=f"TagResource failed for model {MODEL}: AccessDeniedException"):
        copy.KIND.settle(request, job, {OWN_KEY: STACK})


# ---------------------------------------------------------------- start.py, update.py, delete.py: small rules


def test_the_idempotency_token_is_one_per_cloudformation_request() -> None:
    request = event(RequestType="Create", RequestId="r-1")
    token = lifecycle.client_request_token(Request(request))
    assert len(token) == 64 and token == lifecycle.client_request_token(Request(dict(request)))
    changed = [
        lifecycle.client_request_token(Request({**request, "StackId": STACK_ID + "x"})),
        lifecycle.client_request_token(Request({**request, "LogicalResourceId": "Other"})),
        lifecycle.client_request_token(Request({**request, "RequestId": "r-2"})),
    ]
    assert token not in changed and len(set(changed)) == len(changed)
    # The properties are not part of it: a retry of one request sends the same token whatever it resolves to.
    assert lifecycle.client_request_token(Request({**request, "ResourceProperties": {"TargetModelName": "m"}})) == token


@pytest.mark.parametrize(
    ("old", "new", "replaces"),
    [
        ({"Mode": "Copy"}, {"Mode": "Wait"}, True),
        ({"SourceModelArn": "a"}, {"SourceModelArn": "b"}, True),
        ({"TargetModelName": "a"}, {"TargetModelName": "b"}, True),
        ({"TargetModelKmsKeyId": "alias/a"}, {"TargetModelKmsKeyId": "alias/b"}, True),
        ({"TargetModelKmsKeyId": ""}, {}, False),
        ({}, {"TargetModelKmsKeyId": None}, False),
        ({"TargetModelTags": {"a": "b"}}, {"TargetModelTags": {}}, False),
        ({"TimeoutSeconds": "60", "DeleteModelOnDelete": "true"}, {"TimeoutSeconds": "90"}, False),
        ({"JobArn": "a"}, {"JobArn": "b"}, False),
    ],
)
def test_only_the_copy_identity_makes_a_new_copy(old: dict[str, Any], new: dict[str, Any], replaces: bool) -> None:
    request = Request(event(RequestType="Update", ResourceProperties=new, OldResourceProperties=old))
    assert bool(lifecycle.identity_changes(copy.KIND, copy.KIND, request)) is replaces


def test_the_delete_command_names_the_model_the_jobs_region_and_the_clean_command() -> None:
    delete_command = copy.delete_command

    assert delete_command(MODEL, JOB, "Prod") == (
        f"aws bedrock delete-custom-model --model-identifier {MODEL} --region us-west-2 "
        "(or: bedrock-model-copy clean --region us-west-2 --stack Prod --yes)"
    )
    assert delete_command(MODEL, "arn:aws:bedrock", "S").startswith(
        f"aws bedrock delete-custom-model --model-identifier {MODEL} --region  (or"
    )
    assert delete_command(MODEL, "a:b:c:eu-west-1", "S") == (
        f"aws bedrock delete-custom-model --model-identifier {MODEL} --region eu-west-1 "
        "(or: bedrock-model-copy clean --region eu-west-1 --stack S --yes)"
    )


def test_a_rollback_that_cannot_read_its_job_reports_blank_attributes(clients: dict[str, Stubber]) -> None:
    stub = clients["bedrock"]
    stub.add_client_error("get_model_copy_job", "AccessDeniedException", "denied", 403, expected_params={"jobArn": JOB})
    blank = dict.fromkeys(copy.job_attributes({}), "")
    assert lifecycle.attributes_if_readable(copy.KIND, JOB) == {**blank, "JobArn": JOB}
    stub.add_client_error("get_model_copy_job", "ValidationException", "not an ARN", 400)
    blanks = lifecycle.attributes_if_readable(copy.KIND, "5f0c3c3e-request-id")
    assert blanks == blank and len(blanks) == 9
    created = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    body = {
        "jobArn": JOB,
        "status": "Completed",
        "creationTime": created,
        "targetModelArn": MODEL,
        "sourceAccountId": "111122223333",
        "sourceModelArn": SOURCE,
    }
    stub.add_response("get_model_copy_job", body, {"jobArn": JOB})
    assert lifecycle.attributes_if_readable(copy.KIND, JOB)["TargetModelArn"] == MODEL


@pytest.mark.parametrize(
    ("mode", "advice_text"),
    [
        ("Wait", "deploy again to resume waiting for the same job"),
        (
            "Copy",
            "deploy again (same stack name and properties) to resume: the resource takes back the job it started "
            "instead of starting another",
        ),
    ],
)
def test_the_timeout_message_says_how_long_and_how_to_resume(
    monkeypatch: pytest.MonkeyPatch, mode: str, advice_text: str
) -> None:
    monkeypatch.setattr(poll, "clock", lambda: NOW)
    request = event(
        RequestType="Create",
        ResourceProperties={"Mode": mode, "TimeoutSeconds": "600", "PollIntervalSeconds": "30"},
        **{STARTED_AT_KEY: NOW - 580},
    )
    created = dt.datetime.fromtimestamp(NOW - 3600, tz=dt.UTC)
    kind = waiter.KIND if mode == "Wait" else copy.KIND
    assert Request(request).past(600) and not Request({**request, STARTED_AT_KEY: NOW - 570}).past(600)
    message = kind.timeout_message(Request(request), {"jobArn": JOB, "status": "InProgress", "creationTime": created})
    assert message == (
        f"Model copy job {JOB} is still InProgress, started {created.isoformat()} (60 min ago); this resource waited "
        f"10 min and its timeout is 10 min (CloudFormation allows a custom resource one hour). The copy continues "
        f"in Bedrock: {advice_text}."
    )


# ---------------------------------------------------------------- rules.py: the edges of each rule


def test_a_property_error_keeps_prop_value_and_rule() -> None:
    from bedrock_model_copy._lambda.model_copy.rules import PropertyValidationError

    error = PropertyValidationError("tags", {"n": 5}, "must be strings")
    assert (error.prop, error.value, error.rule) == ("tags", {"n": 5}, "must be strings")
    assert str(error) == "tags {'n': 5} is not valid: must be strings"


def test_a_job_arn_is_at_most_1011_characters_and_never_a_model_arn() -> None:
    from bedrock_model_copy._lambda.model_copy.rules import PropertyValidationError, check_job_arn

    prefix = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/"
    check_job_arn(prefix + "a" * (1011 - len(prefix)))
    with pytest.raises(PropertyValidationError, match="expected arn:aws:bedrock"):
        check_job_arn(prefix + "a" * (1012 - len(prefix)))
    for model in (SOURCE, "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"):
        with pytest.raises(PropertyValidationError, match="this is a model ARN, not a model copy job ARN"):
            check_job_arn(model)


def test_an_error_without_the_usual_fields_still_reads() -> None:
    # botocore fills Error and ResponseMetadata; a ClientError built without them must not break the reason.
    bare = ClientError({}, "GetModelCopyJob")  # type: ignore[arg-type]
    assert bedrock.error_message(bare) == str(bare).strip() and bedrock.http_status(bare) == 0
    no_message = ClientError({"Error": {"Code": "Odd"}}, "GetModelCopyJob")  # type: ignore[typeddict-item]
    assert bedrock.error_message(no_message) == str(no_message).strip()
    assert "Odd" in bedrock.error_message(no_message) and not bedrock.is_transient(no_message)


def test_only_final_periods_are_dropped_from_a_message() -> None:
    assert bedrock.error_message(client_error("X", "Key alias/XX.")) == "Key alias/XX"
    assert bedrock.error_message(client_error("X", "Ends in two periods..")) == "Ends in two periods"
    assert bedrock.error_message(client_error("X", "... starts with dots")) == "... starts with dots"


def test_a_stack_without_a_status_is_an_unknown_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stacks:
        def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's parameter name
            assert StackName == STACK_ID
            return {"Stacks": [{"StackName": STACK}]}

    monkeypatch.setattr(bedrock, "_clients", {"cloudformation": Stacks()})
    assert phase.current(Request(event())) == "unknown"


# ---------------------------------------------------------------- handler.py: failures of a copy


def copy_job(status: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "jobArn": JOB,
        "status": status,
        "creationTime": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        "targetModelArn": MODEL,
        "sourceAccountId": "111122223333",
        "sourceModelArn": SOURCE,
    }
    body.update(extra)
    return body


@pytest.mark.parametrize(
    ("failure", "reason"),
    [({}, "Bedrock gave no reason"), ({"failureMessage": "Denied by key XX."}, "Denied by key XX")],
)
def test_a_failed_copy_fails_its_create_with_bedrocks_reason_and_reads_no_stack_phase(
    clients: dict[str, Stubber], failure: dict[str, str], reason: str
) -> None:
    from bedrock_model_copy._lambda.model_copy import handler

    clients["bedrock"].add_response("get_model_copy_job", copy_job("Failed", **failure), {"jobArn": JOB})
    request = event(RequestType="Create", ResourceProperties={"Mode": "Copy"}, **{STARTED_AT_KEY: NOW})
    with pytest.raises(bedrock.HandlerError) as raised:
        handler.is_complete(request)  # a Create always fails: no DescribeStacks (nothing is stubbed for it)
    assert str(raised.value) == (
        f"Model copy job {JOB} failed: {reason}. Fix the cause (source model, KMS key policy, quotas) and deploy "
        "again; a new copy job is started."
    )


def test_a_source_arn_is_at_most_1011_characters_and_never_a_job_arn() -> None:
    from bedrock_model_copy._lambda.model_copy.rules import PropertyValidationError, check_source_model_arn

    tail = ":bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
    partition = "aws-" + "p" * (1011 - len("arn:aws-") - len(tail))
    check_source_model_arn(f"arn:{partition}{tail}")
    with pytest.raises(PropertyValidationError) as too_long:
        check_source_model_arn(f"arn:{partition}p{tail}")
    assert too_long.value.rule == (
        "expected a Bedrock model ARN such as arn:aws:bedrock:<region>:<account>:custom-model/<base-model>/<12 chars>, "
        "...:custom-model/imported/<12 chars> or ...::foundation-model/<model-id>"
    )
    with pytest.raises(PropertyValidationError) as job:
        check_source_model_arn(JOB)
    assert job.value.rule == (
        "this is a model copy job ARN, not a model ARN; to wait for a copy started elsewhere use "
        "ModelCopyJobWaiter(job_arn=...)"
    )


def test_the_copy_request_fingerprint_never_changes_between_versions() -> None:
    # It is written on every copy's tags: a later version must compute the same value to take a copy back.
    assert copy.copy_request_id({"SourceModelArn": SOURCE, "TargetModelName": "support-bot-usw2"}) == (
        "03f04e9e9e888f342a2336d4cf671d02"
    )
    assert copy.copy_request_id(
        {"SourceModelArn": SOURCE, "TargetModelName": "support-bot-usw2", "TargetModelKmsKeyId": "alias/models"}
    ) == ("4e578ad1711c6535799fed52d9da2eea")
    assert copy.copy_request_id({}) == "39623ca591e0c65aedf53f332da7505a"


def test_a_list_page_without_summaries_means_no_jobs(clients: dict[str, Stubber]) -> None:
    # modelCopyJobSummaries is optional in the service model: an empty answer may leave it out.
    stub = clients["bedrock"]
    stub.add_response("list_model_copy_jobs", {}, None)
    stub.add_response("create_model_copy_job", {"jobArn": JOB}, None)
    request = event(RequestType="Create", RequestId="r-1", LogicalResourceId="Copy")
    props = {"Mode": "Copy", "SourceModelArn": SOURCE, "TargetModelName": "n"}
    assert lifecycle.make(copy.KIND, Request(request), props) == JOB
