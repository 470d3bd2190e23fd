"""`bedrock-model-copy status STACK --watch` on a long copy in progress (issue 17).

The stack is deployed from the synthesized template by the offline driver: the real handler starts the
copy and the copy watcher's execution, and the interpreter runs the watcher's definition as synthesized,
in simulated time. While the WaitCondition waits, the command is run as an operator would, with its own
credentials, allowed exactly the IAM the README lists for `status`. What it says the watcher did (polls,
signals sent) is checked against the interpreter's own record of the watcher's calls.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from bedrock_model_copy import BedrockModelCopy, cli
from bedrock_model_copy._long_copy import watch_budget
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.aws.stepfunctions import Execution, StepFunctions
from bedrock_model_copy.testing.iam import PolicySet, handler_role_policies
from conftest import ENV, SOURCE_ARN, STACK_NAME

HOUR = 3600
NAME = "long-copy-usw2"
OPERATOR = "AKIAOPERATORSTATUS"  # the command's own credentials: allowed only what README says `status` needs


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME, timeout=cdk.Duration.hours(3))
    return dict(assertions.Template.from_stack(stack).to_json())


@pytest.fixture
def fake(template: dict[str, Any]) -> FakeBedrock:
    fake = FakeBedrock(
        iam=handler_role_policies(template, stack_name=STACK_NAME, region=ENV.region, account=ENV.account)
    )
    allowed = {"Effect": "Allow", "Action": cli.IAM["status"], "Resource": "*"}
    fake.role_iam[OPERATOR] = PolicySet([{"Statement": [allowed]}])
    fake.script_copy(NAME, duration=2.5 * HOUR)
    return fake


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def status(fake: FakeBedrock, *argv: str, sleep: Callable[[float], None] | None = None, out: Any = None) -> Any:
    """Run the command as the operator; returns (exit code, output)."""
    out = out if out is not None else io.StringIO()

    def never(seconds: float) -> None:
        raise AssertionError("status slept: it should have ended by itself")

    with mock.patch.dict(os.environ, {"AWS_ACCESS_KEY_ID": OPERATOR}):
        code = cli.main(
            ["status", STACK_NAME, "--region", ENV.region or "", *argv],
            out=out,
            now=lambda: dt.datetime.fromtimestamp(fake.clock.time(), tz=dt.UTC),
            sleep=sleep or never,
        )
    return code, out.getvalue()


def watcher_record(fake: FakeBedrock) -> tuple[Execution, int, int]:
    """The watcher's execution and, from the interpreter's own record, its polls and signals sent so far."""
    assert fake.step_functions is not None
    (execution,) = fake.step_functions.executions.values()
    polls = sum(call.action == "bedrock:getModelCopyJob" for call in execution.calls)
    signals = sum(call.action == "cloudformation:signalResource" and not call.error for call in execution.calls)
    return execution, polls, signals


@pytest.fixture
def during_the_wait(fake: FakeBedrock) -> Iterator[Callable[[float, Callable[[], None]], None]]:
    """``at(seconds, look)``: run ``look()`` once the watcher has run ``seconds`` (in simulated time)."""
    looks: list[tuple[float, Callable[[], None]]] = []
    real_resume = StepFunctions._resume

    def resume(self: StepFunctions, execution: Execution) -> None:
        real_resume(self, execution)
        while looks and self.clock.time() - execution.started >= looks[0][0]:
            looks.pop(0)[1]()

    with mock.patch.object(StepFunctions, "_resume", resume):
        yield lambda seconds, look: looks.append((seconds, look))
    assert looks == [], "the copy ended before every look was taken"


def test_status_of_a_long_copy_in_progress_shows_polls_signals_and_deadline_of_the_watcher(
    fake: FakeBedrock, template: dict[str, Any], during_the_wait: Callable[[float, Callable[[], None]], None]
) -> None:
    budget = watch_budget(3 * HOUR, 30)
    seen: dict[str, Any] = {}
    fake.inject_fault("SignalResource", "Throttling", status=400, times=2)  # the first pulse is retried twice

    def look() -> None:
        code, text = status(fake, "--json")
        execution, polls, signals = watcher_record(fake)
        seen.update(code=code, report=json.loads(text), polls=polls, signals=signals, execution=execution)
        seen["text"] = status(fake)[1]

    during_the_wait(70 * 60, look)
    with simulated_environment(fake) as framework:
        operations, _ = CloudFormationStack(framework).deploy_template(template)
        assert all(operation.response.ok for operation in operations.values())
        after = status(fake, "--json")
        after_watch = status(fake, "--watch")  # fails the test if it sleeps

    report, execution = seen["report"], seen["execution"]
    assert seen["code"] == 0 and report["stackStatus"] == "CREATE_IN_PROGRESS" and report["finished"] is False
    (job,) = [row for row in report["resources"] if row["kind"] == "model-copy-job"]
    assert job["name"] == NAME and job["state"] == "running" and job["status"] == "InProgress"
    watcher = job["watcher"]
    assert seen["polls"] > 100 and seen["signals"] == 1  # one pulse after 50 minutes, sent at its third try
    assert sum(call.action == "cloudformation:signalResource" for call in execution.calls) >= 3
    assert watcher == {
        "executionArn": execution.arn,
        "status": "RUNNING",
        "startedAt": watcher["startedAt"],
        "deadline": execution.input["Deadline"],
        "signalsNeeded": budget["signal_count"],
        "signalsSent": seen["signals"],
        "polls": seen["polls"],
        "maxPolls": budget["max_polls"],
    }
    (wait,) = report["waitConditions"]
    assert wait["status"] == "CREATE_IN_PROGRESS"
    line = f"RUNNING: polls {seen['polls']}/{budget['max_polls']}, signals 1/{budget['signal_count']} sent, "
    assert line + f"deadline {execution.input['Deadline']}" in seen["text"]
    assert "Still in progress." in seen["text"]

    # After the deploy: the watcher ended having sent every signal the wait needed, and the command says so.
    code, text = after
    finished = json.loads(text)
    (model,) = finished["resources"]
    _, polls, signals = watcher_record(fake)
    assert code == 0 and finished["finished"] is True and model["state"] == "declared"
    assert model["watcher"]["status"] == "SUCCEEDED" and signals == budget["signal_count"]
    assert (model["watcher"]["polls"], model["watcher"]["signalsSent"]) == (polls, signals)
    # --watch ends by itself when everything has ended.
    code, text = after_watch
    assert code == 0 and text.count("All done.") == 1 and "Refreshing" not in text


def test_watch_refreshes_reading_only_new_history_and_ctrl_c_exits_130(
    fake: FakeBedrock,
    template: dict[str, Any],
    during_the_wait: Callable[[float, Callable[[], None]], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    frames: list[tuple[int, int, int]] = []  # the interpreter's polls and signals, and history pages read
    slept: list[float] = []
    seen: dict[str, Any] = {}

    def sleep(seconds: float) -> None:  # the watcher runs on meanwhile; the third refresh is interrupted
        slept.append(seconds)
        assert fake.step_functions is not None
        _, polls, signals = watcher_record(fake)
        frames.append((polls, signals, len(fake.calls_to("GetExecutionHistory"))))
        if len(slept) == 3:
            raise KeyboardInterrupt
        fake.step_functions.run_until(lambda: False, fake.clock.time() + seconds)

    def look() -> None:
        seen["code"], seen["out"] = status(fake, "--watch", "--json", "--interval", "1200", sleep=sleep)

    during_the_wait(40 * 60, look)
    with simulated_environment(fake) as framework:
        CloudFormationStack(framework).deploy_template(template)

    assert seen["code"] == 130 and "interrupted" in capsys.readouterr().err
    reports = [json.loads(line) for line in seen["out"].splitlines()]
    assert len(reports) == 3 and slept == [1200, 1200, 1200]
    watchers = [next(r for r in report["resources"] if r["watcher"])["watcher"] for report in reports]
    assert [(w["polls"], w["signalsSent"]) for w in watchers] == [(p, s) for p, s, _ in frames]
    assert [w["signalsSent"] for w in watchers] == [0, 1, 1]  # the pulse at 50 minutes
    # Pages of 1,000 events, newest first, down to the last event counted: each refresh reads only its news.
    pages = [frames[0][2], frames[1][2] - frames[0][2], frames[2][2] - frames[1][2]]
    assert pages == [1, 1, 1]
    history = fake.calls_to("GetExecutionHistory")
    assert all(call.params["reverseOrder"] is True and call.params["includeExecutionData"] is False for call in history)


def test_the_live_display_redraws_in_place_on_a_terminal_at_the_documented_interval(fake: FakeBedrock) -> None:
    fake.add_job(source_model_arn=SOURCE_ARN, target_model_name="x", duration=HOUR, tags={
        "bedrock-model-copy:owner-stack": STACK_NAME, "bedrock-model-copy:owner-resource": "Copy"})  # fmt: skip
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise KeyboardInterrupt

    with simulated_environment(fake):
        code, text = status(fake, "--watch", sleep=sleep, out=Terminal())
        slept.clear()
        assert status(fake, "--watch", "--interval", "1", sleep=sleep)[0] == 130
    assert code == 130 and slept == [cli.MIN_INTERVAL] * 2  # --interval 1 is raised to the minimum
    assert f"Refreshing every {cli.DEFAULT_INTERVAL} s" in text  # the default interval, as --help says
    frames = text.split(cli.CLEAR)
    assert frames[0] == "" and len(frames) == 3  # each frame starts by clearing the screen
    assert all("RUNNING" not in frame and "Still in progress." in frame for frame in frames[1:])
    assert all(f"Refreshing every {cli.DEFAULT_INTERVAL} s; Ctrl-C stops." in frame for frame in frames[1:])
