"""The bedrock-model-copy command against fake Bedrocks in two Regions, over HTTP (README, Day 2)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest

from bedrock_model_copy._lambda.model_copy.contract import COPY_REQUEST_TAG_KEY, OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
from bedrock_model_copy.cli import main
from bedrock_model_copy.testing import CloudFormationStack, simulated_environment
from bedrock_model_copy.testing.command import CLEARED, command_environment
from bedrock_model_copy.testing.fake_fleet import FakeFleet
from bedrock_model_copy.testing.iam import PolicySet
from conftest import copy_properties

WEST, EU = "us-west-2", "eu-west-1"
DELETES = ("DeleteCustomModel", "DeleteCustomModelDeployment", "DeleteProvisionedModelThroughput")


def owner(stack: str, resource: str = "Copy") -> dict[str, str]:
    return {OWNER_TAG_KEY: stack, OWNER_RESOURCE_TAG_KEY: resource, COPY_REQUEST_TAG_KEY: "0" * 32}


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with fleet_environment() as made:
        yield made


@contextmanager
def fleet_environment() -> Iterator[FakeFleet]:
    """Fakes in two Regions on one loopback endpoint, and the command's environment pointed at it (the kit's)."""
    fleet = FakeFleet.of(WEST, EU)
    with fleet.serve() as endpoint:
        env = {**command_environment(fleet, endpoint), "AWS_MAX_ATTEMPTS": "2"}
        with mock.patch.dict(os.environ, env):
            for name in [*CLEARED, *(key for key in os.environ if key.startswith("AWS_ENDPOINT_URL_"))]:
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
        "createdAt", "jobArn", "modelArn", "commitmentExpiresAt", "billing",
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


def test_no_region_is_a_usage_error_that_says_how_to_give_one(
    fleet: FakeFleet, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert run(fleet, "list")[0] == 2
    assert "No Region: give --region R (repeat for several) or configure a default Region." in capsys.readouterr().err


def test_the_help_says_what_profile_is_used_by_default() -> None:
    from bedrock_model_copy.cli.reference import parser

    assert "AWS profile (default: boto3's usual credential chain)" in " ".join(parser().format_help().split())


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


def test_a_0_1_0_copy_its_stack_still_declares_is_declared_and_clean_never_deletes_it(fleet: FakeFleet) -> None:
    """Issue 21, defect 9: a 0.1.0 copy has no owner-resource tag; any resource of its stack may declare it.

    The stack is 0.1.0's own (the recorded fixture, tests/fixtures/v0_1_0), deployed through the driver: its
    copy resource's physical id is the job that made the model, beside 0.1.0's ModelCopyJobWaiter. Another
    0.1.0 copy of the same stack that no resource names any more (replaced, RETAIN) is kept, and only it goes.
    """
    from test_upgrade import DEPLOYED_0_1_0, LOGICAL_ID, PROPS_0_1_0

    from bedrock_model_copy.testing.cfn.resources import DeployedResource

    west = fleet[WEST]
    request = DEPLOYED_0_1_0["create_model_copy_job"]
    tags = {tag["key"]: tag["value"] for tag in request["targetModelTags"]}
    assert OWNER_RESOURCE_TAG_KEY not in tags  # 0.1.0 wrote the owner-stack tag only
    source, stack_name = request["sourceModelArn"], tags[OWNER_TAG_KEY]
    replaced = west.add_job(source_model_arn=source, target_model_name="old-name", started_ago=9000, tags=tags)
    job = west.add_job(
        source_model_arn=source, target_model_name=request["targetModelName"], started_ago=7200, tags=tags
    )
    waited = west.add_job(source_model_arn=source, target_model_name="made-elsewhere", started_ago=7200)
    stack, context = deploy(fleet, WEST, stack_name)
    stack.resources[LOGICAL_ID] = DeployedResource(job, dict(PROPS_0_1_0), DEPLOYED_0_1_0["data"], "Delete", "Delete")
    waiter = {"Mode": "Wait", "JobArn": waited, "TimeoutSeconds": "3420", "PollIntervalSeconds": "30"}
    stack.resources["Wait4449FB25"] = DeployedResource(waited, waiter, {}, "Delete", "Delete")
    west.stack_statuses[stack.stack_id] = "UPDATE_COMPLETE"
    context.__exit__(None, None, None)
    declared, kept = (west.model_named(name) for name in (request["targetModelName"], "old-name"))
    assert declared is not None and kept is not None and replaced in {j.job_arn for j in west.jobs.values()}

    code, listing = run_json(fleet, "list", "--region", WEST)
    rows = {row["name"]: row for row in listing["resources"]}
    assert code == 0 and set(rows) == {request["targetModelName"], "old-name"}
    assert rows[request["targetModelName"]]["state"] == "declared" and rows["old-name"]["state"] == "kept"
    assert rows[request["targetModelName"]]["ownerResource"] == ""
    assert (
        rows[request["targetModelName"]]["reason"]
        == f"stack {stack_name} (UPDATE_COMPLETE) declares it as {LOGICAL_ID}"
    )
    assert rows["old-name"]["reason"] == f"no resource of stack {stack_name} points at it"
    code, result = run_json(fleet, "clean", "--region", WEST, "--yes")
    assert code == 0 and [row["name"] for row in result["deleted"]] == ["old-name"]
    assert [call.params["modelIdentifier"] for call in west.calls_to("DeleteCustomModel")] == [kept.model_arn]
    assert declared.model_arn in west.models


# ---------------------------------------------------------------- the command against the testing kit (issue 24)


def test_the_installed_command_against_the_kit_tells_ages_by_the_fakes_clock(fleet: FakeFleet, tmp_path: Any) -> None:
    """A subprocess with the kit's environment: endpoint, dummy credentials, Region, and the fake's time."""
    import subprocess
    import sys
    from pathlib import Path

    from bedrock_model_copy.cli import NOW_VARIABLE

    west = fleet[WEST]
    job = west.add_job(
        source_model_arn=copy_properties()["SourceModelArn"],
        target_model_name="long",
        duration=5400,
        tags=owner("Long"),
    )
    west.stack_statuses[f"arn:aws:cloudformation:{WEST}:111122223333:stack/Long/1"] = "CREATE_IN_PROGRESS"
    fleet.clock.advance(600)
    root = Path(__file__).resolve().parent.parent
    with fleet.serve() as endpoint:
        variables = command_environment(fleet, endpoint)
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(root / "constructs"), **variables}
        env |= {"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
        command = [sys.executable, "-m", "bedrock_model_copy", "status", "Long", "--json"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    fake_now = dt.datetime.fromtimestamp(fleet.clock.time(), tz=dt.UTC)
    assert variables[NOW_VARIABLE] == fake_now.isoformat() and variables["AWS_DEFAULT_REGION"] == WEST
    assert report["asOf"] == fake_now.isoformat() and report["region"] == WEST
    (row,) = report["resources"]
    assert row["jobArn"] == job and row["elapsedSeconds"] == 600  # not negative: the command's clock is the fake's


def test_run_command_reads_the_fakes_clock_and_watch_waits_on_it(fleet: FakeFleet) -> None:
    from bedrock_model_copy.testing.command import run_command

    west = fleet[WEST]
    west.add_job(
        source_model_arn=copy_properties()["SourceModelArn"], target_model_name="short", duration=120, tags=owner("S")
    )
    start = fleet.clock.time()
    with fleet.serve() as endpoint:
        argv = ("status", "S", "--region", WEST, "--watch", "--json", "--interval", "60")
        code, text = run_command(fleet, endpoint, *argv)
    reports = [json.loads(line) for line in text.splitlines()]
    assert code == 0 and [report["finished"] for report in reports] == [False, False, True]
    assert [report["asOf"] for report in reports] == [
        dt.datetime.fromtimestamp(start + seconds, tz=dt.UTC).isoformat() for seconds in (0, 60, 120)
    ]
    # The job's age, then the model's, made when the copy completed.
    assert [report["resources"][0]["elapsedSeconds"] for report in reports] == [0, 60, 0]
    assert [report["resources"][0]["kind"] for report in reports] == ["model-copy-job"] * 2 + ["custom-model"]


def test_a_clock_that_is_not_a_time_is_a_usage_error(fleet: FakeFleet, capsys: pytest.CaptureFixture[str]) -> None:
    from bedrock_model_copy.cli import NOW_VARIABLE

    with mock.patch.dict(os.environ, {NOW_VARIABLE: "yesterday"}):
        assert main(["list", "--region", WEST], out=io.StringIO()) == 2
    assert f"{NOW_VARIABLE}='yesterday' is not an ISO 8601 time" in capsys.readouterr().err
