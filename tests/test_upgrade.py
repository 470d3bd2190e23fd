"""Upgrade from 0.1.0: what 0.1.0 deployed (its template, its handler's state), the new handler.

``fixtures/v0_1_0`` was recorded from the 0.1.0 release (commit 685bf91) by ``record.py``:
the template's custom resources and handler role policies, and what its handler left
after a successful create (resource properties, PhysicalResourceId, the tags it started
the copy with: only ``bedrock-model-copy:owner-stack``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scenario import COPY_REQUEST, OWNER, owned_by, user_tags, writes

from bedrock_model_copy._lambda.model_copy.kinds.copy import copy_request_id
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, ProviderFramework
from bedrock_model_copy.testing.driver import DeployedResource
from bedrock_model_copy.testing.iam import handler_role_policies
from conftest import STACK_NAME

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "v0_1_0"
TEMPLATE_0_1_0 = json.loads((FIXTURES / "template.json").read_text())
DEPLOYED_0_1_0 = json.loads((FIXTURES / "deployed_copy.json").read_text())
LOGICAL_ID = DEPLOYED_0_1_0["logical_id"]
PROPS_0_1_0: dict[str, Any] = DEPLOYED_0_1_0["resource_properties"]
NAME = PROPS_0_1_0["TargetModelName"]


def _job_made_by_0_1_0(fake: FakeBedrock, *, started_ago: float = 7200, duration: float = 600) -> str:
    request = DEPLOYED_0_1_0["create_model_copy_job"]
    tags = {tag["key"]: tag["value"] for tag in request["targetModelTags"]}
    return fake.add_job(
        source_model_arn=request["sourceModelArn"],
        target_model_name=request["targetModelName"],
        started_ago=started_ago,
        duration=duration,
        tags=tags,
    )


@pytest.fixture
def upgraded(fake: FakeBedrock, cfn: CloudFormationStack) -> str:
    """A stack 0.1.0 deployed, now served by the new handler and the new template's policies."""
    job = _job_made_by_0_1_0(fake)
    model = fake.model_named(NAME)
    assert model is not None and model.tags == DEPLOYED_0_1_0["model_tags"]
    cfn.resources[LOGICAL_ID] = DeployedResource(job, dict(PROPS_0_1_0), DEPLOYED_0_1_0["data"], "Delete", "Delete")
    return job


def test_the_recorded_0_1_0_state_is_what_0_1_0_wrote() -> None:
    tags = DEPLOYED_0_1_0["create_model_copy_job"]["targetModelTags"]
    assert [tag["key"] for tag in tags] == ["team", OWNER]
    assert (
        PROPS_0_1_0["DeleteModelOnDelete"] == "true"
        and DEPLOYED_0_1_0["physical_resource_id"].count(":model-copy-job/") == 1
    )
    old_policies = handler_role_policies(
        TEMPLATE_0_1_0, stack_name=STACK_NAME, region="us-west-2", account="111122223333"
    )
    sids = {statement.get("Sid") for statement in old_policies.statements()}
    assert {"PollCopyJobs", "StartCopies", "DeleteOwnCopies", "RetagOwnCopies"} <= sids


def test_a_tags_update_records_the_ownership_of_a_0_1_0_copy_and_retags_it(
    fake: FakeBedrock, cfn: CloudFormationStack, upgraded: str
) -> None:
    operation = cfn.update(LOGICAL_ID, {**PROPS_0_1_0, "TargetModelTags": {"team": "ai"}})
    assert operation.response.ok and operation.response.physical_resource_id == upgraded
    model = fake.model_named(NAME)
    assert model is not None and owned_by(model.tags, cfn, LOGICAL_ID)
    assert model.tags[COPY_REQUEST] == copy_request_id(PROPS_0_1_0) and user_tags(model.tags) == {"team": "ai"}
    assert writes(fake) == ["TagResource", "TagResource"]  # the ownership, once; then the user's tag
    assert fake.iam is not None and fake.iam.denied == []


def test_an_update_that_changes_nothing_records_the_ownership_too(
    fake: FakeBedrock, cfn: CloudFormationStack, upgraded: str
) -> None:
    operation = cfn.update(LOGICAL_ID, {**PROPS_0_1_0, "TimeoutSeconds": "1800"})
    assert operation.response.ok
    model = fake.model_named(NAME)
    assert model is not None and owned_by(model.tags, cfn, LOGICAL_ID)
    second = cfn.update(LOGICAL_ID, {**PROPS_0_1_0, "TimeoutSeconds": "1200"})
    assert second.response.ok and writes(fake) == ["TagResource"]  # recorded once, not on every poll


def test_a_0_1_0_copy_is_still_deleted_by_its_destroy_resource(
    fake: FakeBedrock, cfn: CloudFormationStack, upgraded: str
) -> None:
    operation = cfn.delete(LOGICAL_ID)
    assert operation is not None and operation.response.ok
    assert writes(fake) == ["DeleteCustomModel"] and fake.model_named(NAME) is None


def test_a_0_1_0_copy_replaced_under_a_new_name_is_deleted_in_the_clean_up(
    fake: FakeBedrock, cfn: CloudFormationStack, upgraded: str
) -> None:
    operation = cfn.update(LOGICAL_ID, {**PROPS_0_1_0, "TargetModelName": "support-bot-v2"})
    assert operation.response.ok and operation.response.physical_resource_id != upgraded
    (cleanup,) = operation.cleanup
    assert cleanup.ok and fake.model_named(NAME) is None and fake.model_named("support-bot-v2") is not None


def test_a_0_1_0_first_deploy_that_timed_out_is_resumed_by_the_new_version(
    fake: FakeBedrock, framework: ProviderFramework
) -> None:
    job = _job_made_by_0_1_0(fake, started_ago=3000, duration=3600)
    cfn = CloudFormationStack(framework)
    response = cfn.create(LOGICAL_ID, dict(PROPS_0_1_0), deletion_policy="Delete").response
    assert response.ok and response.physical_resource_id == job
    model = fake.model_named(NAME)
    assert model is not None and owned_by(model.tags, cfn, LOGICAL_ID)  # recorded when the copy finished
    assert writes(fake) == ["TagResource"]
