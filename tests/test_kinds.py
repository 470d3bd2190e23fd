"""The construct side's kinds (issue 21, points 3 and 6): one list, no registration, templates from the tree alone.

- The same app synthesizes the same template, byte for byte, whatever else the process imported first
  (fresh processes; 0.2.0 gave a stack with only a deployment Provisioned Throughput permissions once
  ``bedrock_model_copy.throughput`` was imported).
- ``_kinds.KINDS`` is the one list: each kind's policy is exactly its own, the copy's "what serves a
  model" reads are the kinds that serve models, and the shared modules name no kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import bedrock_model_copy
from bedrock_model_copy import _copy_policy
from bedrock_model_copy._kinds import KINDS, by_name, no_resource_level_actions
from conftest import ENV, ROOT

MODEL = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/mnopqrstuv34"
PACKAGE = Path(bedrock_model_copy.__file__).resolve().parent

BUILD = """
import sys
import aws_cdk as cdk
{imports}
from bedrock_model_copy import {construct}

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Only", env=cdk.Environment(account="111122223333", region="us-west-2"))
{construct}(stack, "It", model="{model}"{extra})
app.synth()
"""


def _synthesized_in_a_fresh_process(tmp_path: Path, construct: str, imports: str) -> bytes:
    outdir = tmp_path / f"{construct}-{abs(hash(imports))}"
    extra = ", model_units=1" if construct == "ProvisionedThroughput" else ""
    code = BUILD.format(imports=imports, construct=construct, model=MODEL, extra=extra)
    subprocess.run(
        [sys.executable, "-c", code, str(outdir)],
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},  # this tree's package, whatever is installed
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return (outdir / "Only.template.json").read_bytes()


@pytest.mark.parametrize(
    ("construct", "other"),
    [("CustomModelDeployment", "throughput"), ("ProvisionedThroughput", "deployment")],
    ids=["deployment only", "throughput only"],
)
def test_a_template_does_not_depend_on_what_was_imported(tmp_path: Path, construct: str, other: str) -> None:
    alone = _synthesized_in_a_fresh_process(tmp_path, construct, "")
    after_the_other = _synthesized_in_a_fresh_process(
        tmp_path, construct, f"import bedrock_model_copy.{other}\nimport bedrock_model_copy._kinds"
    )
    assert alone == after_the_other
    # And what it holds: its own kind's policy, no other kind's.
    resources = json.loads(alone)["Resources"]
    ids = [f"BedrockModelCopyProvider{kind.policy.id}" for kind in KINDS if kind.policy is not None]
    policies = [logical_id[:-8] for logical_id in resources if logical_id[:-8] in ids]
    assert policies == [f"BedrockModelCopyProvider{construct}Policy"]


def test_kinds_are_listed_once_by_name() -> None:
    assert [kind.name for kind in KINDS] == [
        "Copy",
        "Wait",
        "CustomModelDeployment",
        "ProvisionedThroughput",
        "ModelImport",
    ]
    assert len(by_name()) == len(KINDS)
    assert len({kind.policy.id for kind in KINDS if kind.policy}) == len([k for k in KINDS if k.policy])


def test_a_stack_records_only_the_kinds_it_has() -> None:
    from bedrock_model_copy import BedrockModelCopy, CustomModelDeployment
    from bedrock_model_copy._provider import ModelCopyProvider

    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    CustomModelDeployment(stack, "D", model=MODEL)
    provider = stack.node.find_child("BedrockModelCopyProvider")
    assert isinstance(provider, ModelCopyProvider)
    assert [kind.name for kind in provider.kinds] == ["CustomModelDeployment"]
    BedrockModelCopy(stack, "C", source_model_arn=MODEL.replace("us-west-2", "us-east-1"))
    assert [kind.name for kind in provider.kinds] == ["CustomModelDeployment", "Copy"]
    children = {child.node.id for child in provider.node.children}
    assert "CustomModelDeploymentPolicy" in children and "ProvisionedThroughputPolicy" not in children
    Template.from_stack(stack)


def test_the_copy_reads_what_serves_a_model_as_the_kinds_that_serve_models_say() -> None:
    servers = [kind for kind in KINDS if kind.serves_models]
    assert {arn_type for arn_type, _ in _copy_policy.MODEL_SERVERS} == {kind.arn_type for kind in servers}
    for kind in servers:  # the List action that finds the kind is one the kind itself is granted on "*"
        (action,) = [a for t, a in _copy_policy.MODEL_SERVERS if t == kind.arn_type]
        assert action in kind.no_resource_level_actions


def test_every_action_on_star_is_listed_with_what_needs_it() -> None:
    listed = no_resource_level_actions()
    for kind in KINDS:
        for action, why in kind.no_resource_level_actions.items():
            assert why in listed[action]
    # An action two kinds need keeps both reasons.
    assert listed["bedrock:ListCustomModelDeployments"].count(";") == 1


SHARED_MODULES = ("_serving.py", "_bedrock_policy.py", "_compliance.py", "_checkers.py", "_provider.py", "_kind.py")
KIND_NAMES = (
    "provisioned-model",
    "custom-model-deployment",
    "ProvisionedModelThroughput",
    "CustomModelDeployment",
    "ProvisionedThroughput",
    "KIND_DEPLOYMENT",
    "KIND_THROUGHPUT",
    "Provisioned Throughput",
)


@pytest.mark.parametrize("module", SHARED_MODULES)
def test_shared_modules_name_no_kind(module: str) -> None:
    text = (ROOT / "constructs" / "bedrock_model_copy" / module).read_text()
    assert [name for name in KIND_NAMES if name in text] == []


def test_nothing_registers_a_kind_on_import() -> None:
    for path in (ROOT / "constructs" / "bedrock_model_copy").glob("*.py"):
        assert "register_kind" not in path.read_text(), path.name


def test_the_copy_attributes_are_written_once_in_imodelcopy() -> None:
    from bedrock_model_copy._copy_resource import COPY_ATTRIBUTES, CopyAttribute, IModelCopy, ModelCopyJobResource
    from bedrock_model_copy._lambda.model_copy.contract import ATTRIBUTES
    from bedrock_model_copy.model_copy import BedrockModelCopy

    assert set(COPY_ATTRIBUTES) == {*ATTRIBUTES, "model_arn"}
    for name, member in COPY_ATTRIBUTES.items():  # the base class has IModelCopy's own descriptors, docs included
        assert vars(ModelCopyJobResource)[name] is member is vars(IModelCopy)[name]
        assert f"    {name} : str\n" in (BedrockModelCopy.__doc__ or "")
    with pytest.raises((TypeError, RuntimeError)) as drifted:

        class _Drifted:
            not_in_the_contract = CopyAttribute("An attribute the handler does not return.")

    cause = drifted.value.__cause__ or drifted.value  # Python 3.11 wraps an error of __set_name__
    assert "no attribute 'not_in_the_contract' in the contract" in str(cause)
