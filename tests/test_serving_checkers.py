"""Checkers on a stack that serves a copy both ways (a deployment and a Provisioned Throughput).

cfn-lint, the cdk-nag packs of tests/test_checkers.py and tests/test_regulated.py, and checkov
report nothing unacknowledged; each serving kind's policy's acknowledgement ids are exactly the ids
the report prints for it, each is used, and none covers a user's own over-broad statement.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from test_checkers import CFN_LINT
from test_regulated import CHECKOV, PACKS, every_option_stack

from bedrock_model_copy import BedrockModelCopy, Commitment
from conftest import ENV, ROOT, SOURCE_ARN

STACK = "Serving"
PREFIX = "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>"
# Each serving kind's policy, and the findings acknowledged on it: its own resource type, the models it names, '*'.
SERVING_IAM5 = {
    policy: {
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{PREFIX}:{arn_type}/*]",
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{PREFIX}:custom-model/*]",
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
    }
    for policy, arn_type in (
        ("CustomModelDeploymentPolicy", "custom-model-deployment"),
        ("ProvisionedThroughputPolicy", "provisioned-model"),
    )
}


def serving_stack(app: cdk.App) -> cdk.Stack:
    """Default provider options (as tests/test_checkers.py): a copy served both ways, a function granted invoke."""
    stack = cdk.Stack(app, STACK, env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="served")
    endpoint = copied.deploy_on_demand(tags={"team": "ml"})
    copied.provision(model_units=1, commitment=Commitment.ONE_MONTH)
    function = lambda_.Function(
        stack,
        "Invoker",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
    )
    endpoint.grant_invoke(function)
    return stack


def regulated_serving_stack(app: cdk.App) -> cdk.Stack:
    """tests/test_regulated.py's every-option stack (the five packs' needs), its copy served both ways, with long
    waits (the watcher polls both serving kinds: its role's statements and their acknowledgements are checked)."""
    stack = every_option_stack(app)
    copied = stack.node.find_child("Copy")
    assert isinstance(copied, BedrockModelCopy)
    copied.deploy_on_demand(tags={"data-class": "phi"}, timeout=cdk.Duration.hours(2))
    copied.provision(model_units=2, commitment=Commitment.SIX_MONTHS, timeout=cdk.Duration.hours(3))
    return stack


def _synth(
    tmp_path: Path, build: Any = serving_stack, packs: tuple[str, ...] = ("AwsSolutions",), extra: Any = None
) -> tuple[cdk.App, dict[str, Any], Path]:
    app = cdk.App(outdir=str(tmp_path))
    stack = build(app)
    if extra:
        extra(stack)
    cdk.Validations.of(app).add_plugins(*(PACKS[pack](app) for pack in packs))
    with contextlib.suppress(RuntimeError):  # ValidationFailed: the report says why
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return app, {r["pluginName"]: r for r in report["pluginReports"]}, tmp_path / f"{stack.stack_name}.template.json"


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, dict[str, Any], Path]:
    return _synth(tmp_path_factory.mktemp("serving"))


@pytest.fixture(scope="module")
def regulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, dict[str, Any], Path]:
    return _synth(tmp_path_factory.mktemp("regulated-serving"), regulated_serving_stack, tuple(PACKS))


def test_aws_solutions_reports_nothing_on_the_librarys_resources(synthesized: tuple[cdk.App, Any, Path]) -> None:
    _, reports, _ = synthesized
    paths = [c["constructPath"] for v in reports["AwsSolutions"]["violations"] for c in v["violatingConstructs"]]
    assert all(path.startswith(f"{STACK}/Invoker/") for path in paths), paths  # only the user's own function


def test_every_pack_passes_a_regulated_stack_that_serves(regulated: tuple[cdk.App, Any, Path]) -> None:
    _, reports, template = regulated
    # A pack with neither findings nor acknowledged ones is left out of the report (that every pack runs is
    # shown by test_regulated.py::test_cdk_nag_packs_still_catch_an_unacknowledged_finding).
    assert set(reports) <= set(PACKS) and "AwsSolutions" in reports
    for pack, report in reports.items():
        assert report["violations"] == [], pack
        assert report["conclusion"] == "success", pack
    resources = json.loads(template.read_text())["Resources"].values()
    assert {r["Type"] for r in resources} >= {
        "Custom::BedrockCustomModelDeployment",
        "Custom::BedrockProvisionedThroughput",
    }


@pytest.mark.parametrize("policy_id", list(SERVING_IAM5))
@pytest.mark.parametrize("which", ["default", "regulated"])
def test_serving_acknowledgements_are_the_printed_ids_and_each_is_used(
    which: str, policy_id: str, synthesized: tuple[cdk.App, Any, Path], regulated: tuple[cdk.App, Any, Path]
) -> None:
    app, reports, _ = synthesized if which == "default" else regulated
    (policy,) = [c for c in app.node.find_all() if c.node.path.endswith(f"/BedrockModelCopyProvider/{policy_id}")]
    path = policy.node.path
    acknowledged = {
        rule for entry in policy.node.metadata if entry.type == "aws:cdk:acknowledged-rules" for rule in entry.data
    }
    assert acknowledged == SERVING_IAM5[policy_id]
    suppressed = [s for r in reports.values() for s in r["suppressedViolations"] if s["acknowledgedAt"] == path]
    assert {s["acknowledgedId"] for s in suppressed} == SERVING_IAM5[policy_id]  # every one used, nothing else
    for violation in suppressed:
        assert violation["acknowledgedId"] == f"AwsSolutions::{violation['ruleName']}"  # the id the report prints
        (construct,) = violation["violatingConstructs"]
        assert construct["constructPath"] in (path, f"{path}/Resource")


def test_a_users_own_over_broad_statement_is_still_reported(tmp_path: Path) -> None:
    def own_statements(stack: cdk.Stack) -> None:
        role = iam.Role(stack, "UserRole", assumed_by=iam.AccountRootPrincipal())
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],
                resources=[
                    f"arn:{cdk.Aws.PARTITION}:bedrock:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:provisioned-model/*"
                ],
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=["bedrock:ListCustomModelDeployments"], resources=["*"]))

    _, reports, _ = _synth(tmp_path, extra=own_statements)
    iam5 = [
        (v["ruleName"], c["constructPath"])
        for v in reports["AwsSolutions"]["violations"]
        for c in v["violatingConstructs"]
        if v["ruleName"].startswith("AwsSolutions-IAM5")
    ]
    assert {path for _, path in iam5} == {f"{STACK}/UserRole/DefaultPolicy/Resource"}
    assert {rule for rule, _ in iam5} == {
        f"AwsSolutions-IAM5[Resource::{PREFIX}:provisioned-model/*]",
        "AwsSolutions-IAM5[Resource::*]",
    }


def test_cfn_lint_reports_no_errors_or_warnings(
    synthesized: tuple[cdk.App, Any, Path], regulated: tuple[cdk.App, Any, Path]
) -> None:
    result = subprocess.run(
        [CFN_LINT, "--config-file", str(ROOT / ".cfnlintrc.yaml"), str(synthesized[2]), str(regulated[2])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 8), result.stdout + result.stderr


def test_checkov_fails_nothing_of_the_library(regulated: tuple[cdk.App, Any, Path]) -> None:
    command = [str(CHECKOV), "--file", str(regulated[2]), "--framework", "cloudformation", "--output", "json"]
    result = subprocess.run([*command, "--skip-download"], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)["results"]
    failed = [(c["check_id"], c["resource"]) for c in report["failed_checks"]]
    assert failed == []
    for policy_id in SERVING_IAM5:  # checkov did look at each serving kind's policy
        assert [c for c in report["passed_checks"] if f"BedrockModelCopyProvider{policy_id}" in c["resource"]]
