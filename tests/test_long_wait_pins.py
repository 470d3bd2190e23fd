"""Pins written from the survivors of the mutation sample re-measured on the final code (docs/mutation.md).

Each test holds one behaviour a surviving mutant changed: what names a long copy's wait, the largest
poll interval, which watcher executions a new deploy stops, the watcher's stop message and advice,
and the copy watcher's encryption.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import assertions
from aws_cdk import aws_kms as kms
from botocore.stub import Stubber

from bedrock_model_copy import BedrockModelCopy, ModelCopyProviderOptions, PropertyValidationError
from bedrock_model_copy._lambda.model_copy import aws as bedrock
from bedrock_model_copy._lambda.model_copy.contract import (
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
)
from bedrock_model_copy._lambda.model_copy.engine import long_wait as watcher
from bedrock_model_copy._lambda.model_copy.engine.request import Request
from bedrock_model_copy._lambda.model_copy.kinds import copy as copy_kind
from bedrock_model_copy._long_copy import identity_hash
from conftest import ENV, OTHER_SOURCE_ARN, SOURCE_ARN

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STACK_ID = "arn:aws:cloudformation:us-west-2:111122223333:stack/Pins/11111111-2222-3333-4444-555555555555"
MACHINE = "arn:aws:states:us-west-2:111122223333:stateMachine:Watcher-abc"


# ---------------------------------------------------------------- a long copy's wait is named after its identity


def _hash(**props: str) -> str:
    stack = cdk.Stack(cdk.App(), "Pins", env=ENV)
    return identity_hash(stack, {PROP_SOURCE_MODEL_ARN: SOURCE_ARN, PROP_TARGET_MODEL_NAME: "copy-a", **props})


def test_the_wait_hash_follows_source_name_and_key_and_nothing_else() -> None:
    base = _hash()
    assert len(base) == 8 and int(base, 16) >= 0
    assert _hash() == base  # stable across synths
    assert _hash(**{PROP_TARGET_MODEL_NAME: "copy-b"}) != base
    assert _hash(**{PROP_SOURCE_MODEL_ARN: OTHER_SOURCE_ARN}) != base
    assert _hash(**{PROP_TARGET_MODEL_KMS_KEY_ID: KEY}) != base
    assert _hash(**{"TargetModelTags": "ignored", "TimeoutSeconds": "7200"}) == base


# ---------------------------------------------------------------- the largest poll interval is allowed


def test_a_poll_interval_of_ten_minutes_is_allowed_and_one_second_more_is_not() -> None:
    stack = cdk.Stack(cdk.App(), "Pins", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, poll_interval=cdk.Duration.minutes(10))
    other = cdk.Stack(cdk.App(), "Pins", env=ENV)
    with pytest.raises(PropertyValidationError, match="poll_interval"):
        BedrockModelCopy(other, "Copy", source_model_arn=SOURCE_ARN, poll_interval=cdk.Duration.seconds(601))


# ---------------------------------------------------------------- a new deploy stops only running watchers


@pytest.fixture
def states(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("stepfunctions", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(bedrock, "_clients", {"stepfunctions": client})
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_a_new_deploy_lists_only_running_watchers_and_stops_this_resources_others(states: Stubber) -> None:
    event: dict[str, Any] = {"StackId": STACK_ID, "LogicalResourceId": "Copy"}
    prefix = watcher.owner_prefix(Request(event))  # type: ignore[arg-type]
    mine, older, someone_elses = f"{prefix}new", f"{prefix}old", "Other-0000000000-ffffffff"
    now = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
    listed = [
        {
            "executionArn": f"{MACHINE}:{name}",
            "stateMachineArn": MACHINE,
            "name": name,
            "status": "RUNNING",
            "startDate": now,
        }
        for name in (mine, older, someone_elses)
    ]
    states.add_response(
        "list_executions", {"executions": listed}, {"stateMachineArn": MACHINE, "statusFilter": "RUNNING"}
    )
    states.add_response("stop_execution", {"stopDate": now}, {"executionArn": f"{MACHINE}:{older}"})
    assert watcher.stop_superseded(Request(event), MACHINE, keep=mine) == [f"{MACHINE}:{older}"]  # type: ignore[arg-type]


# ---------------------------------------------------------------- the watcher's stop: its cause and advice


def test_a_watcher_denied_its_poll_gets_the_poll_advice_and_a_missing_cause_is_said() -> None:
    advice = watcher.watcher_advice(
        copy_kind.KIND, "FAILED", "Bedrock.AccessDeniedException", "User: x is not authorized"
    )
    assert advice.startswith("IAM denied the copy watcher's poll")
    assert watcher.watcher_advice(copy_kind.KIND, "FAILED", "States.Runtime", "boom").startswith(
        "Read the execution's history"
    )


def test_a_stopped_watcher_without_a_cause_says_no_cause_given(monkeypatch: pytest.MonkeyPatch) -> None:
    class States:
        def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
            return {"status": "FAILED", "error": "Bedrock.InternalServerException"}

    monkeypatch.setattr(watcher, "states", States)
    event: dict[str, Any] = {"ResourceProperties": {"WatcherExecutionArn": f"{MACHINE}:run"}}
    outcome, message = watcher.watcher_end(copy_kind.KIND, Request(event), "job j was still InProgress")  # type: ignore[arg-type]
    assert outcome == watcher.STOPPED_EARLY
    assert "Bedrock.InternalServerException: no cause given." in message


# ---------------------------------------------------------------- the copy watcher's execution data is encrypted


def test_the_copy_watcher_encrypts_its_execution_data_with_the_key() -> None:
    stack = cdk.Stack(cdk.App(), "Pins", env=ENV)
    key = kms.Key(stack, "Key")
    options = ModelCopyProviderOptions(encryption_key=key)
    BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, timeout=cdk.Duration.hours(3), provider_options=options
    )
    machines = assertions.Template.from_stack(stack).find_resources("AWS::StepFunctions::StateMachine")
    watchers = [m for m in machines.values() if "bedrock-model-copy:copy-watcher" in (m.get("Metadata") or {})]
    (machine,) = watchers
    configuration = machine["Properties"]["EncryptionConfiguration"]
    assert configuration["Type"] == "CUSTOMER_MANAGED_KMS_KEY" and "KmsKeyId" in configuration
