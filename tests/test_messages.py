"""What a user reads when something is wrong: errors' types, paths and wording, and how cheap a copy is to build."""

from __future__ import annotations

import os
import pydoc
import re
import subprocess
import sys
import traceback
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.cx_api as cxapi
import jsii
import pytest
from aws_cdk.assertions import Template

import bedrock_model_copy
from bedrock_model_copy import BedrockModelCopy, CustomModelDeployment, PropertyTypeError, PropertyValidationError
from bench.jsii_calls import counting
from conftest import ENV, ROOT, SOURCE_ARN
from constructs import IValidation

README = (ROOT / "README.md").read_text()


# ---------------------------------------------------------------- lengths


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"team": "x" * 300}, r"this one is 300 characters; at most 256"),
        ({"k" * 130: "v"}, r"this one is 130 characters; at most 128"),
    ],
    ids=["value", "key"],
)
def test_a_tag_that_is_too_long_says_how_long_it_is(tags: dict[str, str], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(PropertyValidationError, match=message):
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, tags=tags)


def test_a_tag_of_the_right_length_but_wrong_characters_does_not_mention_a_length() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(PropertyValidationError) as raised:
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, tags={"team": "a#b"})
    assert "characters of letters" in str(raised.value) and "this one is" not in str(raised.value)


# ---------------------------------------------------------------- errors raised through app.synth()


SYNTH_FAILED = "ValidationFailedWithErrors: Validation failed with the following errors:"


def _tags_of_too_long(kind: str) -> tuple[cdk.App, cdk.Stack]:
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=ENV)
    if kind == "copy":
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    else:
        CustomModelDeployment(stack, "Copy", model=SOURCE_ARN.replace("us-east-1", "us-west-2"))
    cdk.Tags.of(stack).add("team", "x" * 300)
    return app, stack


@pytest.mark.parametrize("kind", ["copy", "deployment"])
def test_a_tags_of_error_fails_synth_as_aws_cdk_lib_reports_validation_errors(kind: str) -> None:
    # What only the final tree shows is reported the way aws-cdk-lib reports it: its own error, the same from
    # app.synth() and from Template.from_stack, each message after its construct path (docs/errors.md).
    raised = []
    for synthesize in (lambda app, stack: app.synth(), lambda app, stack: Template.from_stack(stack)):
        with pytest.raises(RuntimeError) as failed:
            synthesize(*_tags_of_too_long(kind))
        assert not isinstance(failed.value, PropertyValidationError)
        raised.append((type(failed.value), str(failed.value)))
    assert raised[0] == raised[1]
    assert raised[0][1] == (
        f"{SYNTH_FAILED}\n  [S/Copy] tags 'team={'x' * 300}' is not valid: tag values are 0 to 256 characters of "
        "letters, digits, spaces and _.:/=+-@: this one is 300 characters; at most 256 (the tags prop and "
        "Tags.of(...) together)"
    )


def test_importing_the_library_patches_nothing_of_aws_cdk_lib() -> None:
    # A fresh process: aws-cdk-lib's App and Stage keep their own synth whatever of this package is imported.
    code = (
        "import aws_cdk\n"
        "before = {c.__name__: c.__dict__.get('synth') for c in (aws_cdk.App, aws_cdk.Stage)}\n"
        "import bedrock_model_copy, bedrock_model_copy._kinds, bedrock_model_copy.testing\n"
        "from bedrock_model_copy import BedrockModelCopy, ProvisionedThroughput\n"
        "after = {c.__name__: c.__dict__.get('synth') for c in (aws_cdk.App, aws_cdk.Stage)}\n"
        "assert before == after and all(before.values()), (before, after)\n"
        "print('unpatched')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(Path(bedrock_model_copy.__file__).parent.parent)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.stdout.strip() == "unpatched", result.stderr[-2000:]


def test_a_synth_error_that_is_not_the_librarys_stays_jsiis_runtime_error() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    stack.node.add_validation(_Refuse())
    with pytest.raises(RuntimeError, match=r"\[S\] not today") as raised:
        app.synth()
    assert not isinstance(raised.value, PropertyValidationError)


@jsii.implements(IValidation)
class _Refuse:
    def validate(self) -> list[str]:
        return ["not today"]


# ---------------------------------------------------------------- public names


def test_tracebacks_name_the_public_module() -> None:
    assert PropertyValidationError.__module__ == "bedrock_model_copy"
    assert PropertyTypeError.__module__ == "bedrock_model_copy"
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(PropertyValidationError) as raised:
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="not valid!")
    last = traceback.format_exception(raised.value)[-1]
    assert last.startswith("bedrock_model_copy.PropertyValidationError: target_model_name 'not valid!'"), last
    with pytest.raises(PropertyTypeError) as wrong_type:
        BedrockModelCopy(stack, "Copy2", source_model_arn=42)  # type: ignore[arg-type]
    assert traceback.format_exception(wrong_type.value)[-1].startswith("bedrock_model_copy.PropertyTypeError: ")


def test_help_and_the_readme_name_the_same_error_for_a_wrong_type() -> None:
    (readme_error,) = re.findall(r"[Aa] (?:value of the )?wrong type raises `(\w+)`", README)
    for construct in ("BedrockModelCopy", "ModelCopyJobWaiter"):
        text = pydoc.render_doc(getattr(__import__("bedrock_model_copy"), construct), renderer=pydoc.plaintext)
        raises = text.split("Raises\n", 1)[1].split("Attributes\n", 1)[0]
        # Each entry: the error's name on its own line, then its description until the next name.
        entries = dict(re.findall(r"^\s*\|?\s*(Property\w+)\n((?:.(?!^\s*\|?\s*Property\w+\n))*)", raises, re.M | re.S))
        (named,) = [name for name, description in entries.items() if "wrong type" in description]
        assert named == readme_error, (construct, entries)
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(PropertyTypeError):
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, timeout="30m")  # type: ignore[arg-type]


# ---------------------------------------------------------------- one name, two stacks


def _two_stacks(
    first_env: cdk.Environment | None, second_env: cdk.Environment | None, second_name: str = "shared-name"
) -> cdk.App:
    app = cdk.App()
    for stack_id, env, name in (("One", first_env, "shared-name"), ("Two", second_env, second_name)):
        stack = cdk.Stack(app, stack_id, env=env)
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=name)
    return app


def _warnings(app: cdk.App) -> dict[str, list[str]]:
    """The warnings of each stack's copies after synth, by construct path."""
    assembly = app.synth()
    found: dict[str, list[str]] = {}
    for artifact in assembly.stacks:
        for message in artifact.messages:
            if message.level == cxapi.SynthesisMessageLevel.WARNING:
                found.setdefault(message.id, []).append(str(message.entry.data))
    return found


def test_two_stacks_copying_to_one_name_in_one_account_and_region_are_reported_at_synth() -> None:
    warnings = _warnings(_two_stacks(ENV, ENV))
    (message,) = warnings["/Two/Copy"]
    assert message.startswith(
        "target_model_name 'shared-name' is also the target_model_name of One/Copy, in the same account "
        "111122223333 and Region us-west-2"
    )
    assert message.endswith("[ack: bedrock-model-copy:duplicateTargetModelName]")
    assert "/One/Copy" not in warnings  # reported once, on the second copy


@pytest.mark.parametrize(
    ("second_env", "second_name"),
    [
        (cdk.Environment(account="111122223333", region="eu-central-1"), "shared-name"),
        (cdk.Environment(account="444455556666", region="us-west-2"), "shared-name"),
        (ENV, "another-name"),
        (None, "shared-name"),  # environment-agnostic: where it deploys is known only at deploy time
    ],
    ids=["other Region", "other account", "other name", "environment-agnostic"],
)
def test_one_name_in_another_place_or_an_unknown_one_is_not_reported(
    second_env: cdk.Environment | None, second_name: str
) -> None:
    warnings = _warnings(_two_stacks(ENV, second_env, second_name))
    assert not [m for messages in warnings.values() for m in messages if "duplicateTargetModelName" in m]


def test_the_names_are_kept_per_app_not_per_process() -> None:
    # Two apps in one process, one copy each of the same name, account and Region: nothing to report.
    for _ in range(2):
        app = cdk.App()
        BedrockModelCopy(cdk.Stack(app, "One", env=ENV), "Copy", source_model_arn=SOURCE_ARN, target_model_name="x")
        assert not [m for ms in _warnings(app).values() for m in ms if "duplicateTargetModelName" in m]


def test_the_duplicate_name_warning_can_be_acknowledged() -> None:
    app = _two_stacks(ENV, ENV)
    second = app.node.find_child("Two").node.find_child("Copy")
    cdk.Annotations.of(second).acknowledge_warning(
        "bedrock-model-copy:duplicateTargetModelName", "One and Two are never deployed together"
    )
    assert not [m for ms in _warnings(app).values() for m in ms if "duplicateTargetModelName" in m]


# ---------------------------------------------------------------- jsii round trips


def test_attribute_tokens_are_made_when_read_and_kept() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with counting() as built:
        copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="lazy")
    assert not [name for name in built if name.endswith(":getAttString")]
    with counting() as read:
        first, second = copy.target_model_arn, copy.target_model_arn
    assert first == second and read["Invoke:getAttString"] == 1
    output = cdk.CfnOutput(stack, "Arn", value=copy.model_arn)
    assert stack.resolve(output.value) == {"Fn::GetAtt": [stack.get_logical_id(copy.cfn_resource), "TargetModelArn"]}
    Template.from_stack(stack)


def test_concrete_props_cost_no_token_check_in_the_kernel() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(stack, "Warm", source_model_arn=SOURCE_ARN, target_model_name="warm")
    with counting() as calls:
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="concrete", tags={"team": "ml"})
    checks = {name: count for name, count in calls.items() if name.endswith(":isUnresolved")}
    # Only ModelCopyProvider.register_copy still asks the kernel (two checks); validation asks nothing.
    assert sum(checks.values()) <= 2, checks


# ---------------------------------------------------------------- docs/errors.md says what the code says


def test_the_errors_page_quotes_the_messages_the_code_gives() -> None:
    page = (ROOT / "docs" / "errors.md").read_text()
    flat = " ".join(page.split())
    from bedrock_model_copy._validation import SNAPSHOT_REFUSED

    assert str(SNAPSHOT_REFUSED) in flat
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    CustomModelDeployment(stack, "Deployment", model=SOURCE_ARN.replace("us-east-1", "us-west-2"))
    with pytest.raises(PropertyValidationError) as refused:
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, poll_interval=cdk.Duration.seconds(15))
    assert str(refused.value) in flat
    app = _two_stacks(ENV, ENV)
    (warning,) = _warnings(app)["/Two/Copy"]
    documented = warning.split(" [ack:")[0].replace("'shared-name'", "'<name>'").replace("One/Copy", "<path>")
    documented = documented.replace("111122223333", "<account>").replace("us-west-2", "<region>")
    assert documented in flat
    with pytest.raises(RuntimeError) as failed:
        Template.from_stack(_too_many_tags())
    assert f"RuntimeError: {' '.join(str(failed.value).split())}" in flat


def _too_many_tags() -> cdk.Stack:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, tags={"a": "1"})
    for index in range(47):
        cdk.Tags.of(stack).add(f"k{index}", "v")
    return stack
