"""The command on custom model deployments and Provisioned Throughputs, over HTTP against the fake (issue 17).

Every resource is made by the real handler through the driver, as CloudFormation would: a live stack
that declares a copy, a deployment and a Provisioned Throughput; one that no longer declares a
deployment (removed with Retain); stacks deleted with what they retained, and with a Provisioned
Throughput under commitment, which the handler leaves. The fake serves two Regions (on-demand
deployments only in us-west-2), pages every list call, refuses to delete a model while something
serves it, also while that server is still being deleted (docs/aws-behaviour.md S7, the harder answer;
the other answer is tested too), and refuses a Provisioned Throughput's delete under commitment (S5).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from test_cli import DELETES, EU, WEST, deploy, fleet_environment, run, run_json, states

from bedrock_model_copy._lambda.model_copy.contract import OWNER_TAG_KEY
from bedrock_model_copy.cli import IAM
from bedrock_model_copy.testing import CloudFormationStack
from bedrock_model_copy.testing.aws.served import COMMITMENT_SECONDS
from bedrock_model_copy.testing.fake_fleet import FakeFleet
from bedrock_model_copy.testing.iam import PolicySet
from conftest import copy_properties

HOUR, DAY = 3600.0, 86400.0


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with fleet_environment() as made:
        yield made


def deployment(model_arn: str, name: str, **extra: str) -> dict[str, Any]:
    props = {"ResourceKind": "CustomModelDeployment", "ModelArn": model_arn, "Name": name}
    return {**props, "TimeoutSeconds": "3420", "PollIntervalSeconds": "30", **extra}


def throughput(model_arn: str, name: str, **extra: str) -> dict[str, Any]:
    props = {"ResourceKind": "ProvisionedThroughput", "ModelArn": model_arn, "Name": name, "ModelUnits": "1"}
    return {**props, "TimeoutSeconds": "3420", "PollIntervalSeconds": "30", **extra}


def copied(stack: CloudFormationStack, fleet: FakeFleet, region: str, name: str) -> str:
    assert stack.create("Copy", copy_properties(TargetModelName=name)).response.ok
    model = fleet[region].model_named(name)
    assert model is not None
    return model.model_arn


@pytest.fixture
def estate(fleet: FakeFleet, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Names -> ARNs. Live declares live-*; old-endpoint was removed from Live; Gone and Euro were deleted."""
    fleet[WEST].page_size = fleet[EU].page_size = 1  # every list call takes several pages
    live, context = deploy(fleet, WEST, "Live")
    model = copied(live, fleet, WEST, "live-model")
    assert live.create("Endpoint", deployment(model, "live-endpoint"), deletion_policy="Delete").response.ok
    assert live.create("Provisioned", throughput(model, "live-pt"), deletion_policy="Delete").response.ok
    assert live.create("OldEndpoint", deployment(model, "old-endpoint")).response.ok
    live.delete("OldEndpoint", during="update-cleanup")  # removed from the template; DeletionPolicy Retain
    gone = CloudFormationStack(live.framework, stack_name="Gone", region=WEST)
    gone_model = copied(gone, fleet, WEST, "gone-model")
    assert gone.create("Endpoint", deployment(gone_model, "gone-endpoint")).response.ok  # Retain
    committed = throughput(gone_model, "gone-committed", Commitment="OneMonth")
    assert gone.create("Committed", committed, deletion_policy="Delete").response.ok
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        assert all(operation.response.ok for operation in gone.delete_stack().values())
    context.__exit__(None, None, None)
    euro, context = deploy(fleet, EU, "Euro")
    euro_model = copied(euro, fleet, EU, "euro-model")
    assert euro.create("Provisioned", throughput(euro_model, "euro-pt")).response.ok  # Retain
    euro.delete_stack()
    context.__exit__(None, None, None)
    found = {item.name: item.arn for fake in fleet.fakes.values() for item in fake.serving.resources.values()}
    models = {model.model_name: arn for fake in fleet.fakes.values() for arn, model in fake.models.items()}
    return {**found, **models, "left-message": caplog.text}


def commitment_end(fleet: FakeFleet, name: str) -> dt.datetime:
    item = fleet[WEST].serving.named(name)
    assert item is not None
    return dt.datetime.fromtimestamp(item.created_at + COMMITMENT_SECONDS[item.commitment], tz=dt.UTC)


def test_list_tells_declared_and_kept_serving_resources_apart_in_two_regions_through_every_page(
    fleet: FakeFleet, estate: dict[str, str]
) -> None:
    code, listing = run_json(fleet, "list", "--region", WEST, "--region", EU)
    assert code == 0
    assert states(listing) == {
        "live-model": (WEST, "declared"),
        "live-endpoint": (WEST, "declared"),  # its physical id is its ARN (serving.on_event)
        "live-pt": (WEST, "declared"),
        "old-endpoint": (WEST, "kept"),  # Live no longer declares it
        "gone-model": (WEST, "kept"),
        "gone-endpoint": (WEST, "kept"),
        "gone-committed": (WEST, "kept"),  # left by the stack delete: under commitment
        "euro-model": (EU, "kept"),
        "euro-pt": (EU, "kept"),
    }
    rows = {row["name"]: row for row in listing["resources"]}
    assert rows["live-endpoint"]["kind"] == "custom-model-deployment"
    assert (
        rows["live-endpoint"]["modelArn"] == estate["live-model"] and rows["live-pt"]["ownerResource"] == "Provisioned"
    )
    assert rows["gone-committed"]["commitmentExpiresAt"] == commitment_end(fleet, "gone-committed").isoformat()
    assert "stack Live has no resource OldEndpoint" in rows["old-endpoint"]["reason"]
    for region, operation, pages in (
        (WEST, "ListCustomModelDeployments", 3),
        (WEST, "ListProvisionedModelThroughputs", 2),
        (EU, "ListProvisionedModelThroughputs", 1),
    ):
        calls = fleet[region].calls_to(operation)[-pages:]
        assert [call.params.get("nextToken") for call in calls] == [None, *[str(n) for n in range(1, pages)]]
    assert "3 resources: 3 declared" not in run(fleet, "list", "--region", WEST, "--stack", "Live")[1]


def test_the_handler_names_the_clean_command_for_the_throughput_it_left_under_commitment(
    estate: dict[str, str],
) -> None:
    message = estate["left-message"]
    assert estate["gone-committed"] in message and "commitment" in message
    assert f"bedrock-model-copy clean --region {WEST} --stack Gone --yes" in message


@pytest.mark.parametrize("deleting_still_serves", [True, False], ids=["bedrock-refuses", "bedrock-allows"])
def test_clean_deletes_servers_then_models_and_never_a_live_stacks_or_a_committed_one(
    fleet: FakeFleet, estate: dict[str, str], deleting_still_serves: bool
) -> None:
    for fake in fleet.fakes.values():
        fake.serving.deleting_still_serves = deleting_still_serves  # S7: unconfirmed; both answers
    until = commitment_end(fleet, "gone-committed")
    code, plan = run_json(fleet, "clean", "--region", WEST, "--region", EU)
    assert code == 1 and plan["dryRun"] is True
    assert [row["name"] for row in plan["wouldDelete"]] == ["gone-endpoint", "old-endpoint", "euro-pt", "euro-model"]
    later = {row["name"]: row["why"] for row in plan["notNow"]}
    assert set(later) == {"gone-committed", "gone-model"}
    assert f"under commitment until {until:%Y-%m-%d %H:%M} UTC" in later["gone-committed"]
    assert f"come back after {until:%Y-%m-%d %H:%M} UTC" in later["gone-committed"]
    assert "still served by gone-committed" in later["gone-model"]
    assert not [op for fake in fleet.fakes.values() for op in fake.operations() if op in DELETES]

    code, result = run_json(fleet, "clean", "--region", WEST, "--region", EU, "--yes")
    calls = [(c.operation, c.params) for fake in fleet.fakes.values() for c in fake.calls if c.operation in DELETES]
    order = [params.get("customModelDeploymentIdentifier") or params.get("provisionedModelId") or params.get(
        "modelIdentifier") for _, params in calls]  # fmt: skip
    assert order == [estate[name] for name in ("gone-endpoint", "old-endpoint", "euro-pt", "euro-model")]
    deleted = [row["name"] for row in result["deleted"]]
    later = {row["name"]: row["why"] for row in result["notNow"]}
    if deleting_still_serves:  # euro-pt is still being deleted: the model is refused, and left for the next run
        assert code == 1 and deleted == ["gone-endpoint", "old-endpoint", "euro-pt"] and result["failed"] == []
        assert "euro-pt (deleted just now) still being deleted" in later["euro-model"]
        assert f"bedrock-model-copy clean --region {EU} --stack Euro --yes" in later["euro-model"]
        fleet.clock.advance(120)
        code, result = run_json(fleet, "clean", "--region", EU, "--yes")
        assert code == 0 and [row["name"] for row in result["deleted"]] == ["euro-model"]
    else:
        assert code == 1 and deleted == ["gone-endpoint", "old-endpoint", "euro-pt", "euro-model"]
    assert {"gone-committed", "gone-model"} <= set(later)
    live = {estate[name] for name in ("live-model", "live-endpoint", "live-pt")}
    assert live <= set(fleet[WEST].models) | set(fleet[WEST].serving.resources)
    assert estate["gone-committed"] in fleet[WEST].serving.resources


@pytest.mark.parametrize("renews", [True, False], ids=["term-renews", "term-ends"])
def test_clean_deletes_a_committed_throughput_only_once_bedrock_reports_its_term_ended(
    fleet: FakeFleet, estate: dict[str, str], renews: bool
) -> None:
    """S13 (unconfirmed): renewed, Bedrock reports the next term's end and the delete waits for it; else it goes."""
    west = fleet[WEST]
    west.serving.commitments_renew = renews  # the fake's default is True (the harder answer)
    first_end = commitment_end(fleet, "gone-committed")
    fleet.clock.advance(first_end.timestamp() - fleet.clock.time() + 60)  # a minute past the first term
    gets = len(west.calls_to("GetProvisionedModelThroughput"))
    code, result = run_json(fleet, "clean", "--region", WEST, "--stack", "Gone", "--yes")
    later = {row["name"]: row["why"] for row in result["notNow"]}
    deletes = [call.params["provisionedModelId"] for call in west.calls_to("DeleteProvisionedModelThroughput")]
    if renews:
        next_end = first_end + dt.timedelta(seconds=COMMITMENT_SECONDS["OneMonth"])
        assert code == 1 and estate["gone-committed"] not in deletes
        assert f"under commitment until {next_end:%Y-%m-%d %H:%M} UTC" in later["gone-committed"]
        assert "still served by gone-committed" in later["gone-model"]
        code, listing = run_json(fleet, "list", "--region", WEST, "--stack", "Gone", "--check")
        rows = {row["name"]: row for row in listing["resources"]}
        assert code == 1 and estate["gone-committed"] in listing["keptBilling"]
        assert rows["gone-committed"]["billing"]["termEndsAt"] == next_end.isoformat()
        assert rows["gone-committed"]["billing"]["text"].endswith(f"term until {next_end:%Y-%m-%d %H:%M} UTC")
    else:
        assert deletes == [estate["gone-committed"]] and "gone-committed" not in later
        assert [row["name"] for row in result["deleted"]] == ["gone-endpoint", "gone-committed"]
        # Read again just before its delete (the list's answer can be minutes old: a renewal moves the end).
        assert len(west.calls_to("GetProvisionedModelThroughput")) > gets
        fleet.clock.advance(120)  # the delete takes a while; then the model it served goes too
        code, result = run_json(fleet, "clean", "--region", WEST, "--stack", "Gone", "--yes")
        assert code == 0 and result["deleted"][-1]["name"] == "gone-model"
        fleet.clock.advance(120)
        code, listing = run_json(fleet, "list", "--region", WEST, "--stack", "Gone", "--check")
        assert code == 0 and listing["resources"] == [] and listing["keptBilling"] == []


def test_clean_waits_for_a_deployment_a_rollback_left_creating_and_a_throughput_updating(
    fleet: FakeFleet,
) -> None:
    west = fleet[WEST]
    west.serving.script("slow-endpoint", duration=3 * HOUR, outcome="Active")
    busy, context = deploy(fleet, WEST, "Busy")
    model = copied(busy, fleet, WEST, "busy-model")
    made = busy.create("Endpoint", deployment(model, "slow-endpoint", TimeoutSeconds="600"), deletion_policy="Delete")
    assert not made.response.ok  # timed out; the rollback cannot delete it while Creating and never fails
    assert busy.create("Provisioned", throughput(model, "moving-pt")).response.ok
    busy.delete_stack()
    context.__exit__(None, None, None)
    other = west.add_model("busy-model-v2")
    boto3.client("bedrock", region_name=WEST).update_provisioned_model_throughput(
        provisionedModelId=west.serving.named("moving-pt").arn,
        desiredModelId=other,  # type: ignore[union-attr]
    )  # someone moves it by hand: Updating for a while
    before = len(west.calls)  # the rollback's refused deletes are the handler's
    code, plan = run_json(fleet, "clean", "--region", WEST, "--yes")
    later = {row["name"]: row["why"] for row in plan["notNow"]}
    assert code == 1 and plan["deleted"] == []
    assert later["slow-endpoint"].startswith("Creating: come back when it has finished")
    assert later["moving-pt"].startswith("Updating: come back when it has finished")
    assert "bedrock-model-copy status Busy --region us-west-2" in later["moving-pt"]
    assert "still served by" in later["busy-model"]
    assert not [call for call in west.calls[before:] if call.operation in DELETES]
    fleet.clock.advance(3 * HOUR)
    code, result = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert [row["name"] for row in result["deleted"]][:2] == ["slow-endpoint", "moving-pt"]


def test_access_denied_names_the_serving_action_and_deletes_can_be_limited_by_owner_tag(
    fleet: FakeFleet, estate: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    reads = [action for action in IAM["list"] if action != "bedrock:ListProvisionedModelThroughputs"]
    fleet[WEST].iam = PolicySet([{"Statement": [{"Effect": "Allow", "Action": reads, "Resource": "*"}]}])
    assert run(fleet, "list", "--region", WEST)[0] == 4
    assert "Access denied: bedrock:ListProvisionedModelThroughputs in us-west-2" in capsys.readouterr().err
    # README: the deletes can be limited with aws:ResourceTag/<owner-stack key>.
    deletes = [action for action in IAM["clean"] if action.startswith("bedrock:Delete")]
    others = [action for action in IAM["clean"] if action not in deletes]
    only_gone = {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG_KEY}": "Gone"}}
    fleet[WEST].iam = PolicySet(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": others, "Resource": "*"},
                    {"Effect": "Allow", "Action": deletes, "Resource": "*", "Condition": only_gone},
                ]
            }
        ]
    )
    code, result = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert code == 4 and [row["name"] for row in result["deleted"]] == ["gone-endpoint"]
    (failed,) = result["failed"]
    assert failed["name"] == "old-endpoint" and "Access denied: bedrock:DeleteCustomModelDeployment" in failed["why"]
    assert estate["old-endpoint"] in fleet[WEST].serving.resources


@pytest.fixture
def served_then_deleted(fleet: FakeFleet, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Stack Serve: a copy served by a deployment and a committed Provisioned Throughput; then the stack is deleted.

    The deployment has removal policy RETAIN (kept); the Provisioned Throughput DESTROY, but under its commitment
    the handler must leave it (kept, billing); the copy's model stays with them (Bedrock refuses to delete a model
    that is served, S7). Stack Live still declares its own copy and deployment.
    """
    serve, context = deploy(fleet, WEST, "Serve")
    model = copied(serve, fleet, WEST, "serve-model")
    assert serve.create("Endpoint", deployment(model, "serve-endpoint")).response.ok
    committed = throughput(model, "serve-committed", Commitment="SixMonths", ModelUnits="2")
    assert serve.create("Provisioned", committed, deletion_policy="Delete").response.ok
    live = CloudFormationStack(serve.framework, stack_name="Live", region=WEST)
    live_model = copied(live, fleet, WEST, "live-model")
    assert live.create("Endpoint", deployment(live_model, "live-endpoint"), deletion_policy="Delete").response.ok
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        assert all(operation.response.ok for operation in serve.delete_stack().values())
    context.__exit__(None, None, None)
    return {item.name: item.arn for item in fleet[WEST].serving.resources.values()}


def test_list_says_what_each_kept_resource_bills_and_check_fails_while_one_bills_unused(
    fleet: FakeFleet, served_then_deleted: dict[str, str]
) -> None:
    fleet.clock.advance(DAY)
    end = commitment_end(fleet, "serve-committed")
    code, text = run(fleet, "list", "--region", WEST)
    assert code == 0  # without --check, list only reports
    code, checked = run(fleet, "list", "--region", WEST, "--check")
    assert code == 1 and checked == text
    lines = {line.split()[2]: line for line in text.splitlines()[1:] if line.startswith(WEST)}
    assert f"2 model units hourly, SixMonths term until {end:%Y-%m-%d %H:%M} UTC" in lines["serve-committed"]
    assert "per token, nothing while idle" in lines["serve-endpoint"] and " kept " in lines["serve-endpoint"]
    assert "monthly storage fee until deleted" in lines["serve-model"]
    assert " declared " in lines["live-endpoint"] and " declared " in lines["live-model"]
    tail = text.split("\nKept and billing until deleted (2):\n", 1)[1].splitlines()
    assert tail == [
        "  us-west-2  custom-model  serve-model: monthly storage fee until deleted",
        "  us-west-2  provisioned-throughput  serve-committed: 2 model units hourly, SixMonths term until "
        f"{end:%Y-%m-%d %H:%M} UTC",
        "Kept, billing only when used (1):",
        "  us-west-2  custom-model-deployment  serve-endpoint: per token, nothing while idle",
    ]
    code, listing = run_json(fleet, "list", "--region", WEST, "--check")
    rows = {row["name"]: row for row in listing["resources"]}
    assert code == 1 and set(listing["keptBilling"]) == {
        served_then_deleted["serve-committed"],
        rows["serve-model"]["arn"],
    }
    assert rows["serve-committed"]["billing"] == {
        "text": f"2 model units hourly, SixMonths term until {end:%Y-%m-%d %H:%M} UTC",
        "billsWhileIdle": True,
        "termEndsAt": end.isoformat(),
        "notDeletableUntil": end.isoformat(),
        "modelUnits": 2,
        "commitment": "SixMonths",
    }
    assert rows["serve-endpoint"]["billing"]["billsWhileIdle"] is False
    assert rows["live-endpoint"]["billing"]["text"] == "per token, nothing while idle"


def test_check_exits_0_when_only_a_deployment_is_kept_it_bills_only_when_used(fleet: FakeFleet) -> None:
    west = fleet[WEST]
    model = west.add_model("shared-model")  # no ownership tags: not this library's
    stack, context = deploy(fleet, WEST, "Endpoints")
    assert stack.create("Endpoint", deployment(model, "left-endpoint")).response.ok  # Retain
    stack.delete_stack()
    context.__exit__(None, None, None)
    code, text = run(fleet, "list", "--region", WEST, "--check")
    assert code == 0 and "left-endpoint" in text and " kept " in text
    assert "Kept, billing only when used (1):\n  us-west-2  custom-model-deployment  left-endpoint: per token" in text
    assert "Kept and billing until deleted" not in text
