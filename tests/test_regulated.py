"""Regulated accounts: a stack that uses every provider option passes all five cdk-nag packs,
checkov and parliament, with each remaining finding acknowledged on the one resource it concerns."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NIST80053R4Checks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    ServerlessChecks,
)

from bedrock_model_copy import BedrockModelCopy, BedrockModelImport, ModelCopyJobWaiter, ModelCopyProviderOptions
from bedrock_model_copy.testing.intrinsics import Resolver
from conftest import ENV, JOB_ARN, ROOT, SOURCE_ARN

# checkov pins boto3 1.35 (this project 1.44) and parliament needs setuptools < 81: both run from
# their own venv, .venv-scanners (requirements-scanners.txt; `make venv` builds it).
SCANNERS = ROOT / ".venv-scanners" / "bin"
CHECKOV = SCANNERS / "checkov"
# parliament's Python API, run in the scanners' venv: policy documents in (stdin), findings out.
PARLIAMENT_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
import parliament
documents = json.load(sys.stdin)
print(json.dumps({
    name: sorted(
        f"{f.issue} {json.dumps(f.detail, default=str)}"
        for f in parliament.analyze_policy_string(json.dumps(document), include_community_auditors=False).findings
    )
    for name, document in documents.items()
}))
"""
# The five compliance packs, and Serverless (a sixth, not a compliance pack).
PACKS = {
    "AwsSolutions": AwsSolutionsChecks,
    "HIPAA.Security": HIPAASecurityChecks,
    "NIST.800.53.R4": NIST80053R4Checks,
    "NIST.800.53.R5": NIST80053R5Checks,
    "PCI.DSS.321": PCIDSS321Checks,
    "Serverless": ServerlessChecks,
}
PROVIDER = "Regulated/BedrockModelCopyProvider"
IMPORT = "Regulated/Import"
WAITER_POLICY = "BedrockModelCopyProviderWaiterStateMachinePolicy"
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"


def every_option_stack(app: cdk.App) -> cdk.Stack:
    """One DESTROY copy with a customer key and tags, one waiter, one long copy, and every provider option."""
    stack = cdk.Stack(app, "Regulated", env=ENV)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-west-2a", "us-west-2b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    options = ModelCopyProviderOptions(
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        encryption_key=kms.Key(stack, "LogKey", enable_key_rotation=True),
        tracing=True,
        reserved_concurrent_executions=2,
        log_retention_days=2557,
    )
    BedrockModelCopy(
        stack,
        "Copy",
        source_model_arn=SOURCE_ARN,
        target_model_name="regulated-copy",
        target_kms_key=kms.Key(stack, "CopyKey", enable_key_rotation=True),
        tags={"team": "ml", "data-class": "phi"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        provider_options=options,
    )
    ModelCopyJobWaiter(stack, "Waiter", job_arn=JOB_ARN, provider_options=options)
    # A long copy: the copy watcher state machine, its role, policy and log group join the stack.
    BedrockModelCopy(
        stack,
        "LongCopy",
        source_model_arn=SOURCE_ARN,
        target_model_name="regulated-long-copy",
        timeout=cdk.Duration.hours(6),
        provider_options=options,
    )
    # A long import with every option of its own: the bucket's key, a model key, the VPC, tags, DESTROY.
    weights_key = kms.Key.from_key_arn(
        stack, "WeightsKey", "arn:aws:kms:us-west-2:111122223333:key/0123abcd-0123-abcd-0123-0123456789ab"
    )
    BedrockModelImport(
        stack,
        "Import",
        bucket=s3.Bucket.from_bucket_attributes(
            stack, "Weights", bucket_name="regulated-weights", encryption_key=weights_key
        ),
        prefix="llama/8b/",
        imported_model_name="regulated-import",
        kms_key=kms.Key(stack, "ImportKey", enable_key_rotation=True),
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "ImportGroup", "sg-0123456789abcdef0")],
        tags={"team": "ml", "data-class": "phi"},
        removal_policy=cdk.RemovalPolicy.DESTROY,
        timeout=cdk.Duration.hours(3),
    )
    return stack


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[cdk.App, Path]:
    """The every-option app, synthesized once with all five cdk-nag packs as validation plugins."""
    outdir = tmp_path_factory.mktemp("regulated")
    app = cdk.App(outdir=str(outdir))
    every_option_stack(app)
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS.values()))
    app.synth()  # raises ValidationFailed on any unacknowledged error
    return app, outdir


@pytest.fixture(scope="module")
def template(synthesized: tuple[cdk.App, Path]) -> dict[str, Any]:
    return json.loads((synthesized[1] / "Regulated.template.json").read_text())


@pytest.fixture(scope="module")
def nag_reports(synthesized: tuple[cdk.App, Path]) -> dict[str, dict[str, Any]]:
    report = json.loads((synthesized[1] / "validation-report.json").read_text())
    reports = {r["pluginName"]: r for r in report["pluginReports"]}
    # A pack with neither findings nor acknowledged ones is left out of the report (that every pack
    # runs is shown by test_cdk_nag_packs_still_catch_an_unacknowledged_finding).
    empty = {"conclusion": "success", "violations": [], "suppressedViolations": []}
    return {pack: reports.get(pack, {"pluginName": pack, **empty}) for pack in PACKS}


@pytest.fixture(scope="module")
def checkov_report(synthesized: tuple[cdk.App, Path]) -> dict[str, Any]:
    """checkov over the template, once per session (it is slow)."""
    report = _checkov(synthesized[1] / "Regulated.template.json")
    return dict(report["results"]) | {"summary": report["summary"]}


def _checkov(template: Path) -> dict[str, Any]:
    """checkov's JSON report on one CloudFormation template."""
    assert CHECKOV.is_file(), f"{CHECKOV} is missing: run `make venv`"
    command = [str(CHECKOV), "--file", str(template), "--framework", "cloudformation", "--output", "json"]
    result = subprocess.run([*command, "--skip-download"], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr  # 1: failed checks, read them from the report
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["check_type"] == "cloudformation"
    return report


# ------------------------------------------------------------------ the options are in the template


def test_every_option_reaches_the_template(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 5
    for function in functions:
        assert function["VpcConfig"]["SubnetIds"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
        assert len(function["VpcConfig"]["SecurityGroupIds"]) == 1
        assert function["TracingConfig"] == {"Mode": "Active"}
        assert function["ReservedConcurrentExecutions"] == 2
        assert function["KmsKeyArn"]["Fn::GetAtt"][0].startswith("LogKey")
        assert function["MemorySize"] in (128, 256)
    log_groups = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(log_groups) == 3  # handler, framework waiter, copy watcher
    for log_group in log_groups:
        assert log_group["RetentionInDays"] == 2557
        assert log_group["KmsKeyId"]["Fn::GetAtt"][0].startswith("LogKey")
    state_machines = [r for r in resources.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert len(state_machines) == 2  # the provider framework's waiter and the copy watcher
    for state_machine in state_machines:
        assert state_machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    (group,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroup"]
    assert group["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS to Bedrock, CloudWatch Logs, Lambda",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    assert "SecurityGroupIngress" not in group
    # CloudWatch Logs may use the log key, for this account's log groups in this Region only.
    (log_key,) = [r for name, r in resources.items() if name.startswith("LogKey")]
    logs_statement = next(
        s for s in log_key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid", "").startswith("CloudWatchLogs")
    )
    assert logs_statement["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.us-west-2.", {"Ref": "AWS::URLSuffix"}]]}
    }
    assert "kms:EncryptionContext:aws:logs:arn" in logs_statement["Condition"]["ArnEquals"]


def test_the_default_stack_keeps_its_resources() -> None:
    stack = cdk.Stack(cdk.App(), "Default", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="copy")
    ModelCopyJobWaiter(stack, "Waiter", job_arn=JOB_ARN)
    resources = Template.from_stack(stack).to_json()["Resources"]
    assert len(resources) == 17 + 2
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function":
            assert properties["MemorySize"] in (128, 256)  # explicit everywhere
            for absent in ("VpcConfig", "TracingConfig", "ReservedConcurrentExecutions", "KmsKeyArn"):
                assert absent not in properties
        if resource["Type"] == "AWS::Logs::LogGroup":
            assert properties["RetentionInDays"] == 365
            assert "KmsKeyId" not in properties
    assert not any(r["Type"] == "AWS::EC2::SecurityGroup" for r in resources.values())


# ------------------------------------------------------------------ options set once per stack


def test_disagreeing_provider_options_are_refused() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(
        stack,
        "A",
        source_model_arn=SOURCE_ARN,
        target_model_name="a",
        provider_options=ModelCopyProviderOptions(tracing=True),
    )
    # Equal options (another object with the same values) join the same provider.
    ModelCopyJobWaiter(stack, "W", job_arn=JOB_ARN, provider_options=ModelCopyProviderOptions(tracing=True))
    with pytest.raises(
        ValueError,
        match=r"provider_options 'differing in tracing' is not valid: every construct of this library in stack S "
        r"shares one provider, set up by BedrockModelCopy S/A with provider_options setting tracing",
    ):
        BedrockModelCopy(stack, "B", source_model_arn=SOURCE_ARN, target_model_name="b")
    assert stack.node.try_find_child("B") is None  # refused before joining the tree


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"reserved_concurrent_executions": 0},
            r"provider_options.reserved_concurrent_executions 0 is not valid: must be a whole number of at least 1",
        ),
        (
            {"log_retention_days": 42},
            r"provider_options.log_retention_days 42 is not valid: must be one of CloudWatch Logs' retention periods",
        ),
        ({"vpc_subnets": ec2.SubnetSelection()}, r"provider_options.vpc_subnets .* needs provider_options.vpc"),
    ],
)
def test_options_that_cannot_work_are_refused(options: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(ValueError, match=message):
        ModelCopyJobWaiter(stack, "W", job_arn=JOB_ARN, provider_options=ModelCopyProviderOptions(**options))


def test_log_retention_option_and_context_key() -> None:
    def retention(context: dict[str, Any], days: int | None) -> set[int]:
        stack = cdk.Stack(cdk.App(context=context), "S", env=ENV)
        options = ModelCopyProviderOptions(log_retention_days=days)
        ModelCopyJobWaiter(stack, "W", job_arn=JOB_ARN, provider_options=options)
        groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values()
        return {g["Properties"]["RetentionInDays"] for g in groups}

    key = "bedrock-model-copy:logRetentionDays"
    assert retention({}, None) == {365}
    assert retention({key: 90}, None) == {90}  # the context key still works
    assert retention({}, 731) == {731}
    assert retention({key: "731"}, 731) == {731}  # both, agreeing
    with pytest.raises(
        ValueError, match=r"provider_options.log_retention_days 731 is not valid: disagrees with the context key"
    ):
        retention({key: 90}, 731)


# ------------------------------------------------------------------ cdk-nag: all five packs


@pytest.mark.parametrize("pack", PACKS)
def test_cdk_nag_pack_has_no_unacknowledged_finding(pack: str, nag_reports: dict[str, dict[str, Any]]) -> None:
    report = nag_reports[pack]
    assert report["conclusion"] == "success"
    assert report["violations"] == []  # no warnings either


def _acknowledgements(app: cdk.App) -> dict[tuple[str, str], str]:
    """Every acknowledgement in the app: (construct path, rule id) -> reason."""
    found = {}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED_RULES:
                for rule_id, reason in entry.data.items():
                    found[(construct.node.path, rule_id)] = reason
    return found


def _cfn_resources_under(app: cdk.App, path: str) -> list[str]:
    (construct,) = [c for c in app.node.find_all() if c.node.path == path]
    return [c.node.path for c in construct.node.find_all() if isinstance(c, cdk.CfnResource)]


def test_each_acknowledgement_sits_on_one_resource_with_a_reason(
    synthesized: tuple[cdk.App, Path], nag_reports: dict[str, dict[str, Any]]
) -> None:
    app = synthesized[0]
    acknowledgements = _acknowledgements(app)
    assert acknowledgements
    for (path, rule_id), reason in acknowledgements.items():
        # On the provider's resources, or on the one an import makes itself (its service role's policy).
        assert path.startswith((f"{PROVIDER}/", f"{IMPORT}/ServiceRole/")), (path, rule_id)
        assert len(_cfn_resources_under(app, path)) == 1, (path, rule_id)  # one resource, not a subtree
        assert len(reason) > 60 and rule_id.split("::")[0] in PACKS, (path, rule_id, reason)
    suppressed = [s for report in nag_reports.values() for s in report["suppressedViolations"]]
    # One of them on the copy watcher's executions (StopExecution, DescribeExecution); two on the tag reads of
    # provisioned-model/* and custom-model-deployment/* (what serves a model a stack delete cannot delete); five of
    # the import: its kind policy's three, its service role's prefix, and the watcher's poll of import jobs.
    assert len(suppressed) == 49
    for violation in suppressed:
        (construct,) = violation["violatingConstructs"]
        assert construct["constructPath"].startswith(violation["acknowledgedAt"])
        assert (violation["acknowledgedAt"], violation["acknowledgedId"]) in acknowledgements
        assert violation["acknowledgedId"].endswith(f"::{violation['ruleName']}")


def test_acknowledged_rules_are_the_documented_ones(nag_reports: dict[str, dict[str, Any]]) -> None:
    rules = {
        pack: sorted({s["ruleName"].split("[")[0] for s in report["suppressedViolations"]})
        for pack, report in nag_reports.items()
    }
    assert rules == {
        "AwsSolutions": ["AwsSolutions-IAM5"],
        "HIPAA.Security": ["HIPAA.Security-LambdaDLQ"],
        "NIST.800.53.R4": [],
        "NIST.800.53.R5": ["NIST.800.53.R5-LambdaDLQ"],
        "PCI.DSS.321": [],
        "Serverless": ["Serverless-LambdaDLQ"],
    }
    compliance = (ROOT / "docs" / "compliance.md").read_text()  # the scanners' page, linked from the README
    for names in rules.values():
        for name in names:
            assert f"`{name}`" in compliance, name


def test_cdk_nag_packs_still_catch_an_unacknowledged_finding(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = every_option_stack(app)
    cdk.aws_lambda.Function(
        stack,
        "Plain",
        code=cdk.aws_lambda.Code.from_inline("def handler(event, context): pass"),
        handler="index.handler",
        runtime=cdk.aws_lambda.Runtime.PYTHON_3_13,
    )
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS.values()))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    failing = {r["pluginName"] for r in report["pluginReports"] if r["violations"]}
    assert failing == set(PACKS)
    paths = {
        c["constructPath"] for r in report["pluginReports"] for v in r["violations"] for c in v["violatingConstructs"]
    }
    assert all("/Plain/" in path for path in paths), paths


# ------------------------------------------------------------------ checkov


def test_checkov_has_no_failed_check(checkov_report: dict[str, Any]) -> None:
    failed = [(c["check_id"], c["resource"]) for c in checkov_report["failed_checks"]]
    assert failed == []
    assert checkov_report["summary"]["passed"] > 90
    assert checkov_report["summary"]["parsing_errors"] == 0


def test_checkov_skips_are_on_one_resource_each_with_a_reason(
    checkov_report: dict[str, Any], template: dict[str, Any]
) -> None:
    skipped = sorted((c["check_id"], c["resource"].split(".")[-1]) for c in checkov_report["skipped_checks"])
    functions = sorted(name for name, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function")
    assert not [name for name, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Policy"]
    (state_machine_policy,) = [name for name in template["Resources"] if name.startswith(WAITER_POLICY)]
    assert skipped == sorted([*(("CKV_AWS_116", f) for f in functions), ("CKV_AWS_111", state_machine_policy)])
    for check in checkov_report["skipped_checks"]:
        assert len(check["check_result"]["suppress_comment"]) > 60, check["check_id"]


def test_checkov_still_reports_a_failed_check(tmp_path: Path) -> None:
    template = tmp_path / "bad.template.json"
    template.write_text(
        json.dumps({"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1}}}})
    )
    failed = {c["check_id"] for c in _checkov(template)["results"]["failed_checks"]}
    assert "CKV_AWS_158" in failed  # a log group without a KMS key


# ------------------------------------------------------------------ parliament

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-west-2",
    "AWS::AccountId": "111122223333",
    "AWS::StackName": "Regulated",
    "AWS::URLSuffix": "amazonaws.com",
}
ARN_OF_TYPE = {
    "AWS::Lambda::Function": "arn:aws:lambda:us-west-2:111122223333:function:{}",
    "AWS::Logs::LogGroup": "arn:aws:logs:us-west-2:111122223333:log-group:{}:*",
    "AWS::KMS::Key": "arn:aws:kms:us-west-2:111122223333:key/{}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:us-west-2:111122223333:stateMachine:{}",
    "AWS::IAM::Role": "arn:aws:iam::111122223333:role/{}",
}


def _resolve(value: Any, resources: dict[str, Any]) -> Any:
    """The kit's resolver, with plausible values of this account and Region for resources never deployed."""

    def ref(name: str) -> str:
        return ARN_OF_TYPE.get(resources[name]["Type"], "{}").format(name)

    def attribute(name: str, attribute: str) -> str:
        assert attribute in ("Arn", "Name"), (name, attribute)
        return name if attribute == "Name" else ARN_OF_TYPE[resources[name]["Type"]].format(name)

    return Resolver({"Resources": resources}, None, PSEUDO, attribute, ref).resolve(value, "template")


def _policy_documents(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources = template["Resources"]
    return {
        name: _resolve(resource["Properties"]["PolicyDocument"], resources)
        for name, resource in resources.items()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    }


# Findings that parliament reports and that are documented here rather than fixed, by issue and action.
DOCUMENTED_PARLIAMENT_FINDINGS: dict[tuple[str, str], str] = {
    ("RESOURCE_MISMATCH", "ec2:CreateNetworkInterface"): (
        "parliament wants every required resource type in each statement; CreateNetworkInterface is split in two "
        "statements on purpose: subnets and security groups limited by ec2:Vpc (which the Service Authorization "
        "Reference lists for them), the new network interface without it (ec2:Vpc is not listed for it). IAM "
        "authorizes each resource of the request against all statements of the policy."
    ),
    ("RESOURCE_MISMATCH", "bedrock:ListTagsForResource"): (
        "The Service Authorization Reference marks each of ListTagsForResource's nineteen resource types "
        "(custom-model among them) with '*', the one a request names being required; parliament reads that as "
        "every type required in one statement. The statement names custom-model/*, the only type whose tags the "
        "handler reads (tests check the type against parliament's own copy of the reference)."
    ),
    ("RESOURCE_MISMATCH", "bedrock:CreateModelCopyJob"): (
        "parliament compares ARNs field by field after splitting at ':'; a custom model's resource id holds its "
        "base model id with colons (custom-model/amazon.nova-lite-v1:0:300k/<id>), so the source model ARN cannot "
        "match arn:*:bedrock:*:*:custom-model/* in parliament although it is that resource type (Service "
        "Authorization Reference; the Bedrock user guide's copy example uses it)."
    ),
    ("RESOURCE_MISMATCH", "states:DescribeExecution"): (
        "parliament's copy of the Service Authorization Reference lists two resource types for DescribeExecution, "
        "execution and express (Express workflows' executions), and wants both; the copy watcher is a Standard "
        "state machine, whose executions are execution ARNs (arn:<p>:states:<r>:<a>:execution:<machine>:<name>), "
        "and the handler describes only those."
    ),
    ("RESOURCE_MISMATCH", "states:ListExecutions"): (
        "parliament's copy of the Service Authorization Reference lists two resource types for ListExecutions, "
        "stateMachine and mapRun (a Distributed Map's child runs), and wants both; the handler lists the "
        "executions of the copy watcher state machine only, which has no Map state."
    ),
}


# Actions newer than parliament 1.6's copy of the Service Authorization Reference (it answers UNKNOWN_ACTION):
# docs/aws-behaviour.md S11 gives their source (iam-floyd, generated from the SAR: "*" only).
NEWER_THAN_PARLIAMENT = {"bedrock:ListCustomModelDeployments"}


def _documented(finding: str) -> bool:
    issue, _, detail = finding.partition(" ")
    if issue == "UNKNOWN_ACTION":
        return any(detail.strip('"').endswith(f"Unknown action {action}") for action in NEWER_THAN_PARLIAMENT)
    items = json.loads(detail) if detail.startswith("[") else []
    actions = {item.get("action") if isinstance(item, dict) else item for item in items}
    return bool(actions) and all((issue, str(action)) in DOCUMENTED_PARLIAMENT_FINDINGS for action in actions)


def _parliament_findings(documents: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    assert (SCANNERS / "python").is_file(), f"{SCANNERS} is missing: run `make venv`"
    result = subprocess.run(
        [str(SCANNERS / "python"), "-c", PARLIAMENT_SCRIPT],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        check=True,
    )
    findings: dict[str, list[str]] = json.loads(result.stdout)
    return findings


def test_parliament_finds_nothing_in_the_library_policies(template: dict[str, Any]) -> None:
    documents = _policy_documents(template)
    # All customer managed: per role (three library roles, copy watcher) its policy and its unscoped one, per
    # Lambda role a network policy (vpc option), the Bedrock policy, and the framework waiter's moved policy; the
    # import's kind policy and its service role's policy.
    assert len(documents) == 4 * 2 + 3 + 2 + 2
    for name, document in documents.items():
        assert not re.search(r"Fn::|\"Ref\"", json.dumps(document)), name
    findings = _parliament_findings(documents)
    assert set(findings) == set(documents)
    for name, found in findings.items():
        assert [f for f in found if not _documented(f)] == [], name


def test_parliament_still_reports_a_bad_policy() -> None:
    bad = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "bedrock:GetModelCopyJobs", "Resource": "*"}],
    }
    (findings,) = _parliament_findings({"bad": bad}).values()
    assert any(f.startswith("UNKNOWN_ACTION") for f in findings)


# ------------------------------------------------------------------ acknowledgements never cover users' statements


def test_a_users_over_broad_statement_is_still_reported(tmp_path: Path) -> None:
    """The README's escape hatch, with every option on: no acknowledgement of the library hides it."""
    app = cdk.App(outdir=str(tmp_path))
    stack = every_option_stack(app)
    provider = stack.node.find_child("BedrockModelCopyProvider")
    provider.handler_role.add_to_principal_policy(  # type: ignore[attr-defined]
        cdk.aws_iam.PolicyStatement(actions=["bedrock:DeleteCustomModel"], resources=["*"])
    )
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS.values()))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [
        (v["ruleName"], c["constructPath"])
        for r in report["pluginReports"]
        for v in r["violations"]
        for c in v["violatingConstructs"]
    ]
    assert ("AwsSolutions-IAM5[Resource::*]", f"{PROVIDER}/HandlerRole/Policy/Resource") in violations, violations


# ------------------------------------------------------------------ reasons that are true (Service Authorization Reference)

# parliament's copy of the Service Authorization Reference, read in the scanners' venv.
SAR_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
import parliament
services = {s["prefix"]: s for s in parliament.iam_definition}
out = {}
for action in json.load(sys.stdin):
    prefix, _, name = action.partition(":")
    (privilege,) = [p for p in services[prefix]["privileges"] if p["privilege"] == name]
    out[action] = {r["resource_type"].rstrip("*"): r["condition_keys"] for r in privilege["resource_types"]}
print(json.dumps(out))
"""


def _sar(actions: list[str]) -> dict[str, dict[str, list[str]]]:
    """action -> {resource type ('' for none): condition keys} from the Service Authorization Reference."""
    result = subprocess.run(
        [str(SCANNERS / "python"), "-c", SAR_SCRIPT],
        input=json.dumps(sorted(set(actions))),
        capture_output=True,
        text=True,
        check=True,
    )
    sar: dict[str, dict[str, list[str]]] = json.loads(result.stdout)
    return sar


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, statement)
        for name, resource in template["Resources"].items()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def test_every_action_granted_on_star_has_no_resource_type(
    template: dict[str, Any], synthesized: tuple[cdk.App, Path]
) -> None:
    """What each `Resource::*` acknowledgement claims: the actions on '*' take no resource in the SAR."""
    from bedrock_model_copy._kinds import no_resource_level_actions

    on_star_allowed = no_resource_level_actions()  # the roles' and every kind's

    on_star = {a for _, s in _statements(template) if s["Resource"] == "*" for a in _actions(s)}
    assert on_star and on_star <= set(on_star_allowed), on_star - set(on_star_allowed)
    sar = _sar([action for action in on_star_allowed if action not in NEWER_THAN_PARLIAMENT])
    assert {action: list(types) for action, types in sar.items() if list(types) != [""]} == {}
    reasons = [r for (_, rule), r in _acknowledgements(synthesized[0]).items() if rule.endswith("[Resource::*]")]
    for action in on_star:  # each reason names what it covers, and nothing the policies do not hold on '*'
        assert any(action in reason for reason in reasons), action


def test_tag_reads_are_scoped_to_models_as_the_sar_allows(template: dict[str, Any]) -> None:
    (statement,) = [s for _, s in _statements(template) if s.get("Sid") == "ReadOwnershipTags"]
    assert statement["Resource"] != "*"
    assert statement["Resource"]["Fn::Join"][1][-1] == ":custom-model/*"
    assert "custom-model" in _sar(["bedrock:ListTagsForResource"])["bedrock:ListTagsForResource"]


def test_log_stream_writes_are_scoped_to_log_groups(template: dict[str, Any]) -> None:
    """logs:CreateLogStream and PutLogEvents take log-stream resources: never granted on '*'."""
    sar = _sar(["logs:CreateLogStream", "logs:PutLogEvents"])
    assert all(list(types) == ["log-stream"] for types in sar.values()), sar
    writes = [s for _, s in _statements(template) if {"logs:CreateLogStream", "logs:PutLogEvents"} & set(_actions(s))]
    assert len(writes) == 4  # three Lambda roles (handler log group), the waiter (its own log group)
    for statement in writes:
        assert statement["Resource"]["Fn::GetAtt"][1] == "Arn", statement
        assert statement["Resource"]["Fn::GetAtt"][0].startswith("BedrockModelCopyProvider"), statement


# ------------------------------------------------------------------ tighter where cheap


def test_the_log_key_lets_cloudwatch_logs_encrypt_only_this_librarys_log_groups(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    (log_key,) = [r for name, r in resources.items() if name.startswith("LogKey")]
    (statement,) = [s for s in log_key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid", "").startswith("Cloud")]
    allowed = [
        _resolve(arn, resources) for arn in statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    assert all("*" not in arn for arn in allowed), allowed
    groups = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"]
    names = [_resolve(g["LogGroupName"], resources) for g in groups]
    assert sorted(f"arn:aws:logs:us-west-2:111122223333:log-group:{name}" for name in names) == sorted(allowed)


def test_the_environment_key_is_decrypted_only_through_lambda(template: dict[str, Any]) -> None:
    """kms:Decrypt on the option's key: through Lambda (environment), or Step Functions' own encryption context."""
    decrypts = [
        s
        for _, s in _statements(template)
        if "kms:Decrypt" in _actions(s) and str(s["Resource"]).startswith("{'Fn::GetAtt': ['LogKey")
    ]
    assert len(decrypts) >= 3
    for statement in decrypts:
        conditions = statement["Condition"]
        context = {**conditions.get("StringLike", {}), **conditions.get("StringEquals", {})}
        if "kms:ViaService" not in context:  # the state machines' data: Step Functions' own encryption context
            assert set(context) == {"kms:EncryptionContext:aws:states:stateMachineArn"}, statement
            continue
        assert _resolve(context["kms:ViaService"], template["Resources"]) == "lambda.us-west-2.amazonaws.com"
    assert sum("kms:ViaService" in s["Condition"].get("StringEquals", {}) for s in decrypts) == 3  # per Lambda role


def test_network_interfaces_are_created_only_in_the_chosen_vpc(template: dict[str, Any]) -> None:
    sar = _sar(["ec2:CreateNetworkInterface"])["ec2:CreateNetworkInterface"]
    assert "ec2:Vpc" in sar["subnet"] and "ec2:Vpc" in sar["security-group"]
    creates = [s for _, s in _statements(template) if "ec2:CreateNetworkInterface" in _actions(s)]
    assert len(creates) == 6  # two per Lambda role
    for statement in creates:
        resources = [_resolve(r, template["Resources"]) for r in _as_list(statement["Resource"])]
        if all(":network-interface/" in r for r in resources):
            continue  # the new interface itself: no ec2:Vpc for it in the SAR (it is in no VPC yet)
        assert sorted(r.rsplit(":", 1)[1] for r in resources) == ["security-group/*", "subnet/*"]
        vpc = _resolve(statement["Condition"]["ArnEquals"]["ec2:Vpc"], template["Resources"])
        assert vpc == "arn:aws:ec2:us-west-2:111122223333:vpc/vpc-0123456789abcdef0"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------ the ResponseURL in the waiter's history


def test_both_state_machines_encrypt_their_execution_data_with_the_key(template: dict[str, Any]) -> None:
    import fnmatch

    resources = template["Resources"]
    machines = {n: r for n, r in resources.items() if r["Type"] == "AWS::StepFunctions::StateMachine"}
    assert len(machines) == 2
    for machine in machines.values():
        encryption = machine["Properties"]["EncryptionConfiguration"]
        assert encryption["Type"] == "CUSTOMER_MANAGED_KMS_KEY"
        assert encryption["KmsKeyId"]["Fn::GetAtt"][0].startswith("LogKey")
    # Each state machine's role and whoever starts it may use the key for a state machine with a generated name.
    generated = "arn:aws:states:us-west-2:111122223333:stateMachine:{}-AbCdEf123456"
    roles_of = {
        "BedrockModelCopyProviderwaiterstatemachine": ["WaiterStateMachinePolicy", "FrameworkOnEventRolePolicy"],
        "BedrockModelCopyProviderCopyWatcherStateMachine": ["CopyWatcherRolePolicy", "HandlerRolePolicy"],
    }
    for machine_name in machines:
        (prefix,) = [p for p in roles_of if machine_name.startswith(p)]
        arn = generated.format(machine_name)
        for policy_kind in roles_of[prefix]:
            usable = [
                s
                for name, s in _statements(template)
                if name.startswith(f"BedrockModelCopyProvider{policy_kind}")
                and {"kms:Decrypt", "kms:GenerateDataKey"} <= set(_actions(s))
                and fnmatch.fnmatchcase(
                    arn,
                    _resolve(
                        s.get("Condition", {})
                        .get("StringLike", {})
                        .get("kms:EncryptionContext:aws:states:stateMachineArn", ""),
                        resources,
                    ),
                )
            ]
            assert usable, (machine_name, policy_kind)


@pytest.mark.parametrize("path", [f"{PROVIDER}/ModelImportPolicy", f"{IMPORT}/ServiceRole/Policy"])
def test_the_imports_acknowledgements_are_exactly_the_findings_it_draws(
    path: str, synthesized: tuple[cdk.App, Path], nag_reports: dict[str, dict[str, Any]]
) -> None:
    acknowledged = {rule for (at, rule) in _acknowledgements(synthesized[0]) if at == path}
    suppressed = {
        violation["acknowledgedId"]
        for report in nag_reports.values()
        for violation in report["suppressedViolations"]
        if violation["acknowledgedAt"] == path
    }
    assert acknowledged and acknowledged == suppressed  # every one used, nothing else acknowledged there
