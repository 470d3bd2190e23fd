"""What the runtime says, word for word, where the 0.3.0 mutation sample found nothing pinning it (docs/mutation.md).

The deploy-time property rules of the serving kinds and the import (the construct checks the same rules at synth
time, but a template edited by hand reaches only these), the message for a resource kind the handler does not
know, and the messages and take-back answers the kinds build from Bedrock's answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bedrock_model_copy._lambda.model_copy import kinds, serving_rules
from bedrock_model_copy._lambda.model_copy.aws import HandlerError
from bedrock_model_copy._lambda.model_copy.engine import request as clock
from bedrock_model_copy._lambda.model_copy.engine.request import Request
from bedrock_model_copy._lambda.model_copy.import_contract import check_network
from bedrock_model_copy._lambda.model_copy.kinds import copy, deployment, model_import, served, throughput
from bedrock_model_copy._lambda.model_copy.rules import PropertyValidationError

MODEL = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
IMPORTED = "arn:aws:bedrock:us-west-2:111122223333:imported-model/abcdefghij12"
JOB = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12"
DEPLOYMENT = "arn:aws:bedrock:us-west-2:111122223333:custom-model-deployment/abcdefghij12"
STACK_ID = "arn:aws:cloudformation:us-west-2:111122223333:stack/Prod/0f0e0d0c-0b0a-0908-0706-050403020100"


@pytest.mark.parametrize(
    ("check", "prop", "bad", "rule"),
    [
        (lambda: check_network([], ["sg-0123abcd"]), "vpc_subnets", [], "an import job runs in 1 to 16 subnets"),
        (
            lambda: check_network(["subnet-0123abcd"], []),
            "security_groups",
            [],
            "an import job takes 1 to 5 groups",
        ),
        (
            lambda: check_network(["subnet-0123abcd"], ["sg_0123"]),
            "vpc_subnets",
            "sg_0123",
            "expected a subnet or security group id",
        ),
        (
            lambda: serving_rules.check_commitment("TwoYears"),
            "commitment",
            "TwoYears",
            "must be none or one of ['OneMonth', 'SixMonths']",
        ),
        (lambda: serving_rules.check_description(""), "description", "", "must be 1 to 2048 characters"),
        (
            lambda: serving_rules.check_model_arn(IMPORTED),
            "model",
            IMPORTED,
            serving_rules.IMPORTED_MODEL_RULE,
        ),
    ],
    ids=["no-subnets", "no-groups", "not-an-id", "commitment", "description", "imported-model"],
)
def test_a_deploy_time_rule_names_the_prop_the_value_and_the_rule(
    check: Any, prop: str, bad: object, rule: str
) -> None:
    with pytest.raises(PropertyValidationError) as raised:
        check()
    assert (raised.value.prop, raised.value.value, raised.value.rule) == (prop, bad, rule)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"ResourceKind": "Nope"},
            "Property ResourceKind is 'Nope'; expected 'CustomModelDeployment', 'ProvisionedThroughput' or "
            "'ModelImport'.",
        ),
        ({"Mode": "Nope"}, "Property Mode is 'Nope'; expected 'Copy', 'Wait' or 'Result'."),
    ],
)
def test_an_unknown_kind_is_refused_with_the_kinds_its_property_takes(props: dict[str, str], message: str) -> None:
    with pytest.raises(HandlerError) as raised:
        kinds.of(props)
    assert str(raised.value) == message


def test_a_deployments_create_failure_names_the_deployment_and_its_model() -> None:
    props = {"Name": "support-bot", "ModelArn": MODEL}
    assert deployment.KIND.create_subject(props) == f"deployment support-bot of model {MODEL}"


def test_a_job_that_outlived_its_watcher_is_named_with_its_state() -> None:
    raw = {"jobArn": JOB, "status": "InProgress"}
    assert copy.KIND.watched_subject(raw) == f"model copy job {JOB} was still InProgress"
    assert model_import.KIND.watched_subject(raw) == f"model import job {JOB} was still InProgress"


def test_a_serving_resource_past_its_long_timeout_says_what_each_removal_policy_does() -> None:
    event: dict[str, Any] = {
        "RequestType": "Create",
        "StackId": STACK_ID,
        "LogicalResourceId": "Serve",
        "PhysicalResourceId": DEPLOYMENT,
        "ResourceProperties": {"ResourceKind": "CustomModelDeployment", "TimeoutSeconds": "7200"},
    }
    message = deployment.KIND.long_timeout_message(Request(event), {"status": "Creating"}, " (the watcher's note)")
    assert message == (
        f"Custom model deployment {DEPLOYMENT} is still Creating; the watcher stopped waiting at this resource's "
        "timeout of 120 min (the watcher's note). Bedrock goes on. With removal policy DESTROY the rollback deletes "
        "it: raise timeout (up to 12 hours) and deploy again. With RETAIN (the default with a commitment) it is "
        "kept: deploy again (same stack name and properties) to take it back and resume waiting."
    )


def test_a_deployment_is_taken_back_only_with_the_description_it_was_made_with() -> None:
    raw = {"modelDeploymentName": "support-bot", "modelArn": MODEL, "description": "for support"}
    props = {"Name": "support-bot", "ModelArn": MODEL, "Description": "for support"}
    assert deployment.KIND.made_from(raw, props)
    assert not deployment.KIND.made_from(raw, {**props, "Description": "for sales"})
    assert deployment.KIND.made_from({**raw, "description": None}, {**props, "Description": "for sales"})


def test_a_throughput_is_taken_back_by_the_units_it_has_when_none_are_pending() -> None:
    raw = {"provisionedModelName": "bot", "modelArn": MODEL, "modelUnits": 2}
    props = {"Name": "bot", "ModelArn": MODEL, "ModelUnits": "2"}
    assert throughput.KIND.made_from(raw, props)
    assert not throughput.KIND.made_from(raw, {**props, "ModelUnits": "3"})


def test_a_commitment_that_ends_this_second_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    end = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    summary = {"commitmentDuration": "OneMonth", "commitmentExpirationTime": end}
    monkeypatch.setattr(clock, "clock", lambda: end.timestamp() - 1)
    assert served._unexpired(summary) == end.isoformat()
    monkeypatch.setattr(clock, "clock", lambda: end.timestamp())
    assert served._unexpired(summary) == ""


def test_a_failed_lookup_of_a_same_named_resource_names_what_it_looked_for() -> None:
    assert deployment.KIND.list_subject({"Name": "support-bot"}) == "name 'support-bot'"
    assert throughput.KIND.list_subject({"Name": "bot"}) == "name 'bot'"
