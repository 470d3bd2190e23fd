"""cdk-nag (AwsSolutionsChecks) and cfn-lint on the example app and on a stack using every option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from cdk_nag import AwsSolutionsChecks

from app import build_app
from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from conftest import ENV, JOB_ARN, ROOT, SOURCE_ARN


def every_option_app(outdir: Path) -> cdk.App:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "EveryOption", env=ENV)
    key = kms.Key(stack, "CopyKey", enable_key_rotation=True)
    imported = kms.Key.from_key_arn(
        stack, "ImportedKey", "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    token_source = cdk.CfnParameter(stack, "SourceModelArn").value_as_string
    BedrockModelCopy(
        stack,
        "Full",
        source_model_arn=SOURCE_ARN,
        target_model_name="full",
        target_kms_key=key,
        tags={"team": "ml"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.minutes(50),
    )
    BedrockModelCopy(
        stack, "Imported", source_model_arn=SOURCE_ARN, target_model_name="imported-key", target_kms_key=imported
    )
    BedrockModelCopy(stack, "FromToken", source_model_arn=token_source, target_model_name="from-token")
    ModelCopyJobWaiter(stack, "Waiter", job_arn=JOB_ARN)
    many = cdk.Stack(app, "ManySources", env=ENV)
    for index in range(60):  # past the policy budget: sources are widened per account
        BedrockModelCopy(
            many,
            f"Copy{index}",
            source_model_arn=f"arn:aws:bedrock:us-east-1:444455556666:custom-model/amazon.nova-lite-v1:0:300k/{index:012d}",
            target_model_name=f"copy-{index}",
        )
    return app


def long_copy_app(outdir: Path) -> cdk.App:
    """A stack with long copies (WaitCondition, result resource, copy watcher) beside a short copy and a waiter."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "LongCopies", env=ENV)
    key = kms.Key(stack, "CopyKey", enable_key_rotation=True)
    BedrockModelCopy(
        stack,
        "SixHours",
        source_model_arn=SOURCE_ARN,
        target_model_name="six-hours",
        target_kms_key=key,
        tags={"team": "ml"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.hours(6),
    )
    BedrockModelCopy(
        stack, "TwelveHours", source_model_arn=SOURCE_ARN, target_model_name="twelve", timeout=cdk.Duration.hours(12)
    )
    BedrockModelCopy(stack, "Short", source_model_arn=SOURCE_ARN, target_model_name="short")
    ModelCopyJobWaiter(stack, "Waiter", job_arn=JOB_ARN)
    only = cdk.Stack(app, "OneLongCopy", env=ENV)
    BedrockModelCopy(only, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy", timeout=cdk.Duration.hours(3))
    return app


def example_app(outdir: Path) -> cdk.App:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return build_app(cdk.App(outdir=str(outdir), context=context))


CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
APPS = {"example": example_app, "every-option": every_option_app, "long-copies": long_copy_app}


@pytest.mark.parametrize("name", APPS)
def test_cdk_nag_has_no_unsuppressed_findings(name: str, tmp_path: Path) -> None:
    app = APPS[name](tmp_path)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed on any unsuppressed error
    report = json.loads((tmp_path / "validation-report.json").read_text())
    (nag,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []  # no warnings either
    for suppressed in nag["suppressedViolations"]:
        # Every acknowledgement names the rule, sits on the specific resource, and says why.
        assert suppressed["acknowledgedId"].startswith(f"AwsSolutions::{suppressed['ruleName']}")
        paths = [c["constructPath"] for c in suppressed["violatingConstructs"]]
        assert all(path.startswith(suppressed["acknowledgedAt"]) for path in paths)
        assert "/BedrockModelCopyProvider/" in suppressed["acknowledgedAt"]
        assert len(suppressed["reason"]) > 60


def test_cdk_nag_still_catches_an_unacknowledged_finding(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy")
    cdk.aws_sqs.Queue(stack, "UnencryptedQueueWithoutDlq")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed: ERROR The SQS queue"):
        app.synth()


@pytest.mark.parametrize("name", APPS)
def test_cfn_lint_reports_no_errors_or_warnings(name: str, tmp_path: Path) -> None:
    APPS[name](tmp_path).synth()
    templates = sorted(str(path) for path in tmp_path.glob("*.template.json"))
    assert len(templates) == 2
    result = subprocess.run(
        [CFN_LINT, "--config-file", str(ROOT / ".cfnlintrc.yaml"), *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    # cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational.
    assert result.returncode in (0, 8), result.stdout + result.stderr


def test_cfn_lint_would_report_a_broken_template(tmp_path: Path) -> None:
    template = tmp_path / "broken.template.json"
    template.write_text(
        json.dumps({"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python2.7"}}}})
    )
    result = subprocess.run(
        [CFN_LINT, "--config-file", str(ROOT / ".cfnlintrc.yaml"), str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & 2, result.stdout + result.stderr
    assert "E3030" in result.stdout or "python2.7" in result.stdout
