"""The bedrock-model-copy command against fake Bedrocks in two Regions, over HTTP (README, Day 2)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import pytest

from bedrock_model_copy._lambda.model_copy.contract import COPY_REQUEST_TAG_KEY, OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from bedrock_model_copy.cli import main
from bedrock_model_copy.cli.inventory import Inventory
from bedrock_model_copy.testing import CloudFormationStack, simulated_environment
from bedrock_model_copy.testing.fake_fleet import FakeFleet
from bedrock_model_copy.testing.iam import PolicySet
from conftest import copy_properties

WEST, EU = "us-west-2", "eu-west-1"
# The fake answers the deployment and Provisioned Throughput APIs once testing/aws/serving.py exists (issue 16);
# until then these tests leave serving out of the inventory, and tests/test_cli_serving.py covers it with Stubber.
FAKE_SERVES = importlib.util.find_spec("bedrock_model_copy.testing.aws.serving") is not None
DELETES = ("DeleteCustomModel", "DeleteCustomModelDeployment", "DeleteProvisionedModelThroughput")


def owner(stack: str, resource: str = "Copy") -> dict[str, str]:
    return {OWNER_TAG_KEY: stack, OWNER_RESOURCE_TAG_KEY: resource, COPY_REQUEST_TAG_KEY: "0" * 32}


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with fleet_environment() as made:
        yield made


@contextmanager
def fleet_environment() -> Iterator[FakeFleet]:
    """Fakes in two Regions on one loopback endpoint, and the command's environment pointed at it."""
    fleet = FakeFleet.of(WEST, EU)
    with fleet.serve() as endpoint:
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": WEST,
            "AWS_MAX_ATTEMPTS": "2",
        }
        with mock.patch.dict(os.environ, env), ExitStack() as stack:
            if not FAKE_SERVES:
                stack.enter_context(mock.patch.object(Inventory, "_serving", lambda self, region: []))
            endpoints = [key for key in os.environ if key.startswith("AWS_ENDPOINT_URL_")]
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", *endpoints):
                os.environ.pop(name, None)
            yield fleet


def run(fleet: FakeFleet, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    now = dt.datetime.fromtimestamp(fleet.clock.time(), tz=dt.UTC)
    code = main(list(argv), out=out, now=lambda: now)
    return code, out.getvalue()


def run_json(fleet: FakeFleet, *argv: str) -> tuple[int, Any]:
    code, text = run(fleet, *argv, "--json")
    return code, json.loads(text)


def deploy(fleet: FakeFleet, region: str, stack_name: str) -> tuple[CloudFormationStack, Any]:
    """A driver stack in ``region`` whose handler talks to that Region's fake (the CLI is run outside)."""
    context = simulated_environment(fleet[region])
    framework = context.__enter__()
    return CloudFormationStack(framework, stack_name=stack_name, region=region), context


@pytest.fixture
def estate(fleet: FakeFleet) -> dict[str, str]:
    """Every state: declared, kept (stack deleted, resource removed, replaced), running; and others' models."""
    arns: dict[str, str] = {}
    live, context = deploy(fleet, WEST, "Live")
    live.create("Copy", copy_properties(TargetModelName="live-v1"))
    live.create("Removed", copy_properties(TargetModelName="removed-copy"))
    live.delete("Removed", during="update-cleanup")  # DeletionPolicy Retain: the model stays
    live.update("Copy", copy_properties(TargetModelName="live-v2"))  # replacement; the old model is retained
    gone = CloudFormationStack(live.framework, stack_name="Gone", region=WEST)
    gone.create("Copy", copy_properties(TargetModelName="gone-copy"))
    gone.delete_stack()
    context.__exit__(None, None, None)
    euro, context = deploy(fleet, EU, "Euro")
    euro.create("Copy", copy_properties(TargetModelName="euro-copy"))
    context.__exit__(None, None, None)
    west = fleet[WEST]
    arns["running"] = west.add_job(
        source_model_arn=copy_properties()["SourceModelArn"],
        target_model_name="running-copy",
        duration=7200,
        tags=owner("Gone"),
    )
    arns["other-tool"] = west.add_model("other-tool", tags={"team": "search"})
    arns["other-stack"] = west.add_model("lookalike", tags={OWNER_TAG_KEY: "Elsewhere", "team": "x"})
    for name in ("live-v1", "live-v2", "removed-copy", "gone-copy"):
        model = west.model_named(name)
        assert model is not None
        arns[name] = model.model_arn
    return arns


def states(listing: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {row["name"]: (row["region"], row["state"]) for row in listing["resources"]}


def test_list_tells_declared_kept_and_running_apart_in_several_regions(
    fleet: FakeFleet, estate: dict[str, str]
) -> None:
    code, listing = run_json(fleet, "list", "--region", WEST, "--region", EU)
    assert code == 0
    assert states(listing) == {
        "live-v2": (WEST, "declared"),
        "live-v1": (WEST, "kept"),  # replaced: Live's Copy now points at live-v2's job
        "removed-copy": (WEST, "kept"),  # removed from the template with RETAIN
        "gone-copy": (WEST, "kept"),  # its stack was deleted
        "running-copy": (WEST, "running"),
        "euro-copy": (EU, "declared"),
        "lookalike": (WEST, "kept"),  # tagged by a stack that never existed
    }
    rows = {row["name"]: row for row in listing["resources"]}
    assert rows["live-v2"]["ownerStack"] == "Live" and rows["live-v2"]["ownerResource"] == "Copy"
    assert rows["live-v2"]["kind"] == "custom-model" and rows["live-v2"]["arn"] == estate["live-v2"]
    assert rows["running-copy"]["kind"] == "model-copy-job" and rows["running-copy"]["jobArn"] == estate["running"]
    assert "does not exist" in rows["gone-copy"]["reason"]
    assert "now points at another resource" in rows["live-v1"]["reason"]
    assert set(rows["live-v2"]) == {
        "region", "kind", "arn", "name", "status", "ownerStack", "ownerResource", "state", "declared", "reason",
        "createdAt", "jobArn", "modelArn", "commitmentExpiresAt",
    }  # fmt: skip
    code, text = run(fleet, "list", "--region", WEST)
    assert code == 0 and "live-v2" in text and "euro-copy" not in text and "other-tool" not in text
    assert "7 resources" not in text and "6 resources: 1 declared, 4 kept, 1 running" in text


def test_check_exits_1_only_when_something_is_kept(fleet: FakeFleet, estate: dict[str, str]) -> None:
    assert run(fleet, "list", "--region", WEST, "--check")[0] == 1
    assert run(fleet, "list", "--region", EU, "--check")[0] == 0
    assert run(fleet, "list", "--region", WEST, "--stack", "Live", "--check")[0] == 1
    code, listing = run_json(fleet, "list", "--region", WEST, "--stack", "Live")
    assert code == 0 and set(states(listing)) == {"live-v1", "live-v2", "removed-copy"}


def test_clean_without_yes_changes_nothing(fleet: FakeFleet, estate: dict[str, str]) -> None:
    before = set(fleet[WEST].models)
    code, plan = run_json(fleet, "clean", "--region", WEST, "--region", EU)
    assert {row["name"] for row in plan["wouldDelete"]} == {"live-v1", "removed-copy", "gone-copy", "lookalike"}
    assert plan["dryRun"] is True and "deleted" not in plan
    assert [row["name"] for row in plan["notNow"]] == ["running-copy"]
    assert code == 1  # the running copy is left for later
    assert set(fleet[WEST].models) == before
    assert not [op for fake in fleet.fakes.values() for op in fake.operations() if op in DELETES]
    code, text = run(fleet, "clean", "--region", WEST)
    assert "Would delete (run again with --yes to delete):" in text and "come back after it ends" in text


def test_clean_yes_deletes_exactly_the_kept_models_never_a_live_stacks_or_another_tools(
    fleet: FakeFleet, estate: dict[str, str]
) -> None:
    code, result = run_json(fleet, "clean", "--region", WEST, "--region", EU, "--yes")
    deleted = {call.params["modelIdentifier"] for call in fleet[WEST].calls_to("DeleteCustomModel")}
    assert deleted == {estate[name] for name in ("live-v1", "removed-copy", "gone-copy", "other-stack")}
    assert {row["name"] for row in result["deleted"]} == {"live-v1", "removed-copy", "gone-copy", "lookalike"}
    assert fleet[EU].calls_to("DeleteCustomModel") == []
    assert estate["live-v2"] in fleet[WEST].models and estate["other-tool"] in fleet[WEST].models
    assert code == 1 and "status Gone --region us-west-2" in result["notNow"][0]["why"]
    # The running copy ends: its stack is gone, so it is kept now, and a second clean deletes it.
    fleet.clock.advance(7200)
    code, result = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert code == 0 and [row["name"] for row in result["deleted"]] == ["running-copy"]


def test_clean_leaves_a_model_whose_tags_changed_since_the_list(fleet: FakeFleet) -> None:
    arn = fleet[WEST].add_model("retagged", tags=owner("Gone"))
    fleet[WEST].inject_fault("DeleteCustomModel", "ConflictException", status=409)  # never reached
    real_call = __import__("bedrock_model_copy.cli._aws", fromlist=["Aws"]).Aws.call

    def retag_before_delete(self: Any, service: str, region: str, operation: str, **params: Any) -> Any:
        if operation == "list_tags_for_resource" and any(
            c.operation == "ListTagsForResource" for c in fleet[WEST].calls
        ):
            fleet[WEST].models[arn].tags[OWNER_TAG_KEY] = "SomeoneElse"
        return real_call(self, service, region, operation, **params)

    with mock.patch("bedrock_model_copy.cli._aws.Aws.call", retag_before_delete):
        code, result = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert fleet[WEST].calls_to("DeleteCustomModel") == [] and arn in fleet[WEST].models
    assert code == 1 and "changed meanwhile" in result["failed"][0]["why"]


def test_list_pages_through_hundreds_of_models_and_jobs(fleet: FakeFleet) -> None:
    west = fleet[WEST]
    west.page_size = 100
    for number in range(250):
        west.add_model(f"copy-{number}", tags=owner(f"Stack{number % 5}"))
    west.add_model("untagged")
    code, listing = run_json(fleet, "list", "--region", WEST)
    assert code == 0 and len(listing["resources"]) == 250
    pages = west.calls_to("ListCustomModels")
    assert len(pages) == 3 and [call.params.get("nextToken") for call in pages] == [None, "100", "200"]
    assert len(west.calls_to("ListTagsForResource")) == 251
    assert len(west.calls_to("DescribeStacks")) == 5  # once per owner stack


def test_list_stack_resources_is_paged(fleet: FakeFleet) -> None:
    """The owner resource is on the stack's third page of ListStackResources."""
    west = fleet[WEST]
    stack_id = f"arn:aws:cloudformation:{WEST}:111122223333:stack/Big/1"
    job = west.add_job(
        source_model_arn=copy_properties()["SourceModelArn"], target_model_name="big", tags=owner("Big", "Z")
    )
    fleet.clock.advance(3600)
    west.stack_statuses[stack_id] = "UPDATE_COMPLETE"
    west.stacks[stack_id] = {f"R{i}": ("AWS::SNS::Topic", f"topic-{i}") for i in range(5)} | {
        "Z": ("Custom::BedrockModelCopy", job)
    }
    code, listing = run_json(fleet, "list", "--region", WEST)
    assert code == 0 and states(listing) == {"big": (WEST, "declared")}
    assert len(west.calls_to("ListStackResources")) == 3


def test_a_stack_in_progress_declares_everything_it_owns(fleet: FakeFleet) -> None:
    west = fleet[WEST]
    stack_id = f"arn:aws:cloudformation:{WEST}:111122223333:stack/Busy/1"
    west.stack_statuses[stack_id] = "UPDATE_IN_PROGRESS"
    west.stacks[stack_id] = {}
    west.add_model("just-finished", tags=owner("Busy"))
    code, plan = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert code == 0 and plan["deleted"] == [] and west.calls_to("DeleteCustomModel") == []


def test_access_denied_names_the_action(fleet: FakeFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet[WEST].add_model("m", tags=owner("Gone"))
    read = ["bedrock:ListModelCopyJobs", "bedrock:ListCustomModels", "bedrock:ListProvisionedModelThroughputs"]
    read += ["bedrock:ListCustomModelDeployments"]
    fleet[WEST].iam = PolicySet([{"Statement": [{"Effect": "Allow", "Action": read, "Resource": "*"}]}])
    code, _ = run(fleet, "list", "--region", WEST)
    assert code == 4
    assert "Access denied: bedrock:ListTagsForResource in us-west-2" in capsys.readouterr().err


def test_no_credentials_exit_3(fleet: FakeFleet, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.pop(name)
    missing = str(tmp_path / "none")
    env = {"AWS_SHARED_CREDENTIALS_FILE": missing, "AWS_CONFIG_FILE": missing, "AWS_EC2_METADATA_DISABLED": "true"}
    with mock.patch.dict(os.environ, env):
        code, _ = run(fleet, "list", "--region", WEST)
    assert code == 3 and "No AWS credentials found" in capsys.readouterr().err


def test_a_region_without_bedrock_exit_5(fleet: FakeFleet, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fleet, "list", "--region", "xx-nowhere-1")[0] == 5
    assert "not available in 'xx-nowhere-1'" in capsys.readouterr().err
    assert run(fleet, "list", "--region", "ap-south-2")[0] == 5  # listed, but nothing answers there
    assert "Cannot reach bedrock in ap-south-2" in capsys.readouterr().err


def test_usage_errors_exit_2(fleet: FakeFleet) -> None:
    assert run(fleet, "list", "--bogus")[0] == 2
    os.environ.pop("AWS_DEFAULT_REGION")
    with mock.patch.dict(os.environ, {"AWS_CONFIG_FILE": "/nonexistent"}):
        assert run(fleet, "list")[0] == 2


def test_status_shows_a_long_copy_its_watcher_execution_and_the_wait(fleet: FakeFleet) -> None:
    """The watcher is found as the stack's state machine; its execution by the job ARN in its input, not its name."""
    from bedrock_model_copy.testing.aws.stepfunctions import StepFunctions

    west = fleet[WEST]
    west.step_functions = StepFunctions(fleet.clock, endpoint="http://unused", region=WEST, account=west.account)
    machine = west.step_functions.create_state_machine(
        "Watcher", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}, access_key="k"
    )
    job = west.add_job(
        source_model_arn=copy_properties()["SourceModelArn"],
        target_model_name="long",
        duration=5400,
        tags=owner("Long"),
    )
    other_job = west.add_job(source_model_arn=copy_properties()["SourceModelArn"], target_model_name="x", duration=1)
    west.step_functions.start_execution(machine, "any-name-at-all", json.dumps({"JobArn": other_job}))
    execution = west.step_functions.start_execution(
        machine, "Copy-1234", json.dumps({"JobArn": job, "Deadline": "2027-01-15T20:00:00Z", "SignalCount": 2})
    )
    stack_id = f"arn:aws:cloudformation:{WEST}:111122223333:stack/Long/1"
    west.stack_statuses[stack_id] = "CREATE_IN_PROGRESS"
    resources: dict[str, tuple[str, ...]] = {
        "Copy": ("Custom::BedrockModelCopy", job),
        "CopyWatcher": ("AWS::StepFunctions::StateMachine", machine),
        "CopyWait": ("AWS::CloudFormation::WaitCondition", "", "CREATE_IN_PROGRESS"),
    }
    west.stacks[stack_id] = resources
    fleet.clock.advance(600)

    code, report = run_json(fleet, "status", "Long", "--region", WEST)
    assert code == 0 and report["stackStatus"] == "CREATE_IN_PROGRESS" and report["finished"] is False
    (row,) = report["resources"]
    assert row["name"] == "long" and row["state"] == "running" and row["elapsedSeconds"] == 600
    assert row["watcher"] == {
        "executionArn": execution.arn,
        "status": "RUNNING",
        "startedAt": row["watcher"]["startedAt"],
        "deadline": "2027-01-15T20:00:00Z",
        "signalsNeeded": 2,
        "signalsSent": 0,
        "polls": 0,  # a Wait state only: no Task has run
        "maxPolls": None,  # not in this input
    }
    assert report["waitConditions"] == [{"logicalId": "CopyWait", "status": "CREATE_IN_PROGRESS"}]
    code, text = run(fleet, "status", "Long", "--region", WEST)
    assert "RUNNING: polls 0, signals 0/2 sent, deadline 2027-01-15T20:00:00Z" in text and "10 min" in text

    def sleep(seconds: float) -> None:  # meanwhile the copy ends, the watcher signals, the stack completes
        fleet.clock.advance(5400)
        execution.status = "SUCCEEDED"
        resources["CopyWait"] = ("AWS::CloudFormation::WaitCondition", "", "CREATE_COMPLETE")
        west.stack_statuses[stack_id] = "CREATE_COMPLETE"

    out = io.StringIO()
    code = main(
        ["status", "Long", "--region", WEST, "--watch", "--json"],
        out=out,
        now=lambda: dt.datetime.fromtimestamp(fleet.clock.time(), tz=dt.UTC),
        sleep=sleep,
    )
    first, last = (json.loads(line) for line in out.getvalue().splitlines())
    assert code == 0 and first["finished"] is False and last["finished"] is True
    assert last["resources"][0]["kind"] == "custom-model" and last["resources"][0]["state"] == "declared"
    assert last["resources"][0]["watcher"]["status"] == "SUCCEEDED"


def test_status_of_a_deleted_stack_shows_what_it_left(fleet: FakeFleet) -> None:
    fleet[WEST].add_model("left-behind", tags=owner("Gone"))
    code, text = run(fleet, "status", "Gone", "--region", WEST)
    assert code == 0 and "Stack Gone in us-west-2: does not exist" in text and "left-behind" in text and "kept" in text
