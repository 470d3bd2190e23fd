"""Every state machine the library synthesizes passes an independent Amazon States Language validator.

The kit's interpreter (testing/asl.py) runs the copy watcher's definition, but it was written with
the definition; ``asl-validator`` (npm, pinned in package.json, installed by ``make venv``) checks the
definitions against the ASL schema and JSONPath rules on its own: an invalid ResultPath, a state with
no way out, a Fail with both Error and ErrorPath.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy._long_copy import definition
from bedrock_model_copy.testing.intrinsics import Resolver
from conftest import ENV, ROOT, SOURCE_ARN

VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


def _resolve(value: Any) -> Any:
    """The definition as deployed (the kit's resolver): Ref AWS::Partition, Fn::GetAtt <function>.Arn, Fn::Join."""

    def function_arn(logical_id: str, attribute: str) -> str:
        assert attribute == "Arn", (logical_id, attribute)
        return f"arn:aws:lambda:us-west-2:111122223333:function:{logical_id[:40]}"

    return Resolver({}, None, {"AWS::Partition": "aws"}, function_arn).resolve(value, "DefinitionString")


def _validate(definitions: dict[str, dict[str, Any]], tmp_path: Path) -> tuple[int, str]:
    assert VALIDATOR.exists(), "asl-validator is missing: run `make venv` (npm ci installs it from package.json)"
    arguments = []
    for name, body in definitions.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(body))
        arguments += ["--json-path", str(path)]
    run = subprocess.run([str(VALIDATOR), *arguments], capture_output=True, text=True, timeout=120, check=False)
    return run.returncode, run.stdout + run.stderr


def test_every_synthesized_state_machine_is_valid_asl(tmp_path: Path) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="m", timeout=cdk.Duration.hours(6))
    resources = assertions.Template.from_stack(stack).to_json()["Resources"]
    definitions = {
        logical_id: json.loads(_resolve(resource["Properties"]["DefinitionString"]))
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }
    assert len(definitions) == 2  # the provider framework's waiter and the copy watcher
    code, output = _validate(definitions, tmp_path)
    assert code == 0, output
    assert output.count("is valid") == 2


def test_the_validator_rejects_a_broken_watcher_definition(tmp_path: Path) -> None:
    # The mutants that survived before: an invalid ResultPath, a Fail state given both a Cause and a CausePath.
    broken_path = definition("aws")
    broken_path["States"]["CountPoll"]["ResultPath"] = "$.Counters."
    broken_fail = definition("aws")
    broken_fail["States"]["WatcherStopped"]["Cause"] = "both"
    for name, body in (("path", broken_path), ("fail", broken_fail)):
        code, output = _validate({name: body}, tmp_path)
        assert code != 0 and "is invalid" in output, output


def test_the_watcher_of_a_stack_with_every_kind_of_long_wait_is_valid_asl(tmp_path: Path) -> None:
    from bedrock_model_copy import CustomModelDeployment, ProvisionedThroughput

    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    copy = BedrockModelCopy(
        stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="m", timeout=cdk.Duration.hours(6)
    )
    CustomModelDeployment(stack, "Endpoint", model=copy, timeout=cdk.Duration.hours(2))
    ProvisionedThroughput(stack, "Pt", model=copy, model_units=1, timeout=cdk.Duration.hours(3))
    resources = assertions.Template.from_stack(stack).to_json()["Resources"]
    (watcher,) = [
        json.loads(_resolve(resource["Properties"]["DefinitionString"]))
        for resource in resources.values()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
        and "bedrock-model-copy:copy-watcher" in resource.get("Metadata", {})
    ]
    assert {"GetModelCopyJob", "GetCustomModelDeployment", "GetProvisionedModelThroughput"} <= set(watcher["States"])
    code, output = _validate({"watcher": watcher}, tmp_path)
    assert code == 0 and output.count("is valid") == 1, output
    broken = json.loads(json.dumps(watcher))
    broken["States"]["Poll"]["Choices"][0]["Next"] = "NoSuchState"
    code, output = _validate({"broken": broken}, tmp_path)
    assert code != 0, output
