"""Synth-time validation: one test per rule, and the same rule and message at deploy time."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
from bedrock_model_copy.testing import CREATE_FAILED_MARKER, CloudFormationStack, FakeBedrock
from conftest import ENV, JOB_ARN, SOURCE_ARN, copy_properties
from constructs import Construct

EXAMPLE_JOB_ARN = "arn:aws:bedrock:us-west-2:111122223333:model-copy-job/amazon.titan-text-lite-v1:0:4k/abcdef123456"


def new_stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "S", env=ENV)


def properties(stack: cdk.Stack, construct_id: str) -> dict[str, Any]:
    """The template properties of the custom resource of construct ``construct_id`` (a direct child of the stack)."""
    resource = stack.node.find_child(construct_id).node.find_child("Resource").node.default_child
    assert isinstance(resource, cdk.CfnResource)
    found: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(resource)]
    return dict(found["Properties"])


def handler_statements(stack: cdk.Stack) -> list[dict[str, Any]]:
    """The statements of every policy attached to the handler role (its own and the Bedrock policy)."""
    resources = Template.from_stack(stack).to_json()["Resources"]
    return [
        statement
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        and logical_id.startswith(
            ("BedrockModelCopyProviderHandlerRole", "BedrockModelCopyProviderBedrockManagedPolicy")
        )
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]


def kms_resources(stack: cdk.Stack) -> list[Any]:
    """What the handler role may use for the copy's encryption (kms:CreateGrant through Bedrock)."""
    return [s["Resource"] for s in handler_statements(stack) if s["Action"] == "kms:CreateGrant"]


def copy(stack: cdk.Stack | None = None, **props: Any) -> BedrockModelCopy:
    arguments: dict[str, Any] = {"source_model_arn": SOURCE_ARN, "target_model_name": "copy-1"}
    arguments.update(props)
    return BedrockModelCopy(stack or new_stack(), "Copy", **arguments)


# (construct props, the property the handler receives, expected message pattern)
VALUE_RULES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "job ARN as source",
        {"source_model_arn": JOB_ARN},
        {"SourceModelArn": JOB_ARN},
        r"source_model_arn '.*model-copy-job/abcdefghij12' is not valid: this is a model copy job ARN.*"
        r"ModelCopyJobWaiter",
    ),
    (
        "malformed source",
        {"source_model_arn": "arn:aws:s3:::bucket/model"},
        {"SourceModelArn": "arn:aws:s3:::bucket/model"},
        r"source_model_arn 'arn:aws:s3:::bucket/model' is not valid: expected a Bedrock model ARN",
    ),
    (
        "empty name",
        {"target_model_name": ""},
        {"TargetModelName": ""},
        r"target_model_name '' is not valid: must not be empty",
    ),
    (
        "name too long",
        {"target_model_name": "a" * 64},
        {"TargetModelName": "a" * 64},
        r"target_model_name 'a{64}' is not valid: is 64 characters; at most 63 are allowed",
    ),
    (
        "name with bad characters",
        {"target_model_name": "my model!"},
        {"TargetModelName": "my model!"},
        r"target_model_name 'my model!' is not valid: must match \(\[0-9a-zA-Z\]\[_-\]\?\)\{1,63\}",
    ),
    (
        "double separator in name",
        {"target_model_name": "a--b"},
        {"TargetModelName": "a--b"},
        r"target_model_name 'a--b' is not valid: must match",
    ),
    (
        "too many tags",
        {"tags": {f"k{index}": "v" for index in range(48)}},
        {"TargetModelTags": {f"k{index}": "v" for index in range(48)}},
        r"tags '48 tags' is not valid: at most 47 tags are allowed \(50 per model, 3 are the "
        r"construct's ownership tags\)",
    ),
    (
        "reserved aws: tag key",
        {"tags": {"AWS:createdBy": "me"}},
        {"TargetModelTags": {"AWS:createdBy": "me"}},
        r"tags 'AWS:createdBy' is not valid: tag keys beginning with 'aws:' are reserved by AWS",
    ),
    (
        "ownership tag key",
        {"tags": {"bedrock-model-copy:owner-stack": "x"}},
        {"TargetModelTags": {"bedrock-model-copy:owner-stack": "x"}},
        r"tags 'bedrock-model-copy:owner-stack' is not valid: this key is reserved for the construct's ownership tags",
    ),
    (
        # IAM matches the key of aws:ResourceTag/<key> without regard to case.
        "ownership tag key in another case",
        {"tags": {"Bedrock-Model-Copy:Owner-Resource": "x"}},
        {"TargetModelTags": {"Bedrock-Model-Copy:Owner-Resource": "x"}},
        r"tags 'Bedrock-Model-Copy:Owner-Resource' is not valid: this key is reserved for the construct's ownership",
    ),
    (
        "tag key with bad characters",
        {"tags": {"team#1": "ml"}},
        {"TargetModelTags": {"team#1": "ml"}},
        r"tags 'team#1' is not valid: tag keys are 1 to 128 characters",
    ),
    (
        "tag value too long",
        {"tags": {"team": "x" * 257}},
        {"TargetModelTags": {"team": "x" * 257}},
        r"tags 'team=x{257}' is not valid: tag values are 0 to 256 characters",
    ),
    (
        "malformed KMS key",
        {"target_kms_key": "KEY:not-a-key"},
        {"TargetModelKmsKeyId": "arn:aws:kms:us-west-2:111122223333:keys/not-a-key"},
        r"target_kms_key '.*' is not valid: expected a KMS key ARN, alias ARN, key id or alias/<name>",
    ),
]

WAITER_RULES: list[tuple[str, str, str]] = [
    (
        "model ARN as job ARN",
        SOURCE_ARN,
        r"job_arn '.*custom-model.*' is not valid: this is a model ARN.*BedrockModelCopy",
    ),
    ("malformed job ARN", "model-copy-job/abc", r"job_arn 'model-copy-job/abc' is not valid: expected arn:aws:bedrock"),
]


def _construct_props(props: dict[str, Any]) -> dict[str, Any]:
    if props.get("target_kms_key") == "KEY:not-a-key":
        stack = new_stack()
        key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:us-west-2:111122223333:keys/not-a-key")
        return {"stack": stack, "target_kms_key": key}
    return props


@pytest.mark.parametrize(("case", "props", "handler_props", "message"), VALUE_RULES, ids=[r[0] for r in VALUE_RULES])
def test_synth_time_rule(case: str, props: dict[str, Any], handler_props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        copy(**_construct_props(props))


@pytest.mark.parametrize(("case", "job_arn", "message"), WAITER_RULES, ids=[r[0] for r in WAITER_RULES])
def test_synth_time_waiter_rule(case: str, job_arn: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelCopyJobWaiter(new_stack(), "Wait", job_arn=job_arn)


@pytest.mark.parametrize(("case", "props", "handler_props", "message"), VALUE_RULES, ids=[r[0] for r in VALUE_RULES])
def test_deploy_time_rule_same_message_no_bedrock_call(
    case: str,
    props: dict[str, Any],
    handler_props: dict[str, Any],
    message: str,
    fake: FakeBedrock,
    cfn: CloudFormationStack,
) -> None:
    # A token at synth time (say, from another stack) resolves to the bad value at deploy time.
    operation = cfn.create("Copy", copy_properties(**handler_props))
    assert operation.response.status == "FAILED"
    assert re.search(message, operation.response.reason)
    assert operation.response.physical_resource_id == CREATE_FAILED_MARKER
    assert fake.calls == []


@pytest.mark.parametrize(("case", "job_arn", "message"), WAITER_RULES, ids=[r[0] for r in WAITER_RULES])
def test_deploy_time_waiter_rule(
    case: str, job_arn: str, message: str, fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    operation = cfn.create("Wait", {"Mode": "Wait", "JobArn": job_arn, "TimeoutSeconds": "600"})
    assert operation.response.status == "FAILED"
    assert re.search(message, operation.response.reason)
    assert fake.calls == []


def test_synth_and_deploy_messages_are_identical(fake: FakeBedrock, cfn: CloudFormationStack) -> None:
    with pytest.raises(ValueError) as synth_error:
        copy(target_model_name="bad name")
    operation = cfn.create("Copy", copy_properties(TargetModelName="bad name"))
    assert operation.response.reason.startswith(str(synth_error.value))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"poll_interval": cdk.Duration.seconds(4)},
            r"poll_interval '4 seconds' is not valid: must be between 5 seconds",
        ),
        ({"poll_interval": cdk.Duration.minutes(11)}, r"poll_interval '660 seconds' is not valid: .* and 10 minutes"),
        ({"poll_interval": cdk.Duration.millis(7500)}, r"poll_interval '7.5 seconds' is not valid: must be a whole"),
        ({"timeout": cdk.Duration.seconds(43201)}, r"timeout '43201 seconds' is not valid: must be at most 12 hours"),
        ({"timeout": cdk.Duration.hours(13)}, r"timeout '46800 seconds' is not valid: must be at most 12 hours"),
        (
            {"timeout": cdk.Duration.seconds(20), "poll_interval": cdk.Duration.seconds(30)},
            r"timeout '20 seconds' is not valid: must be at least poll_interval \(30 seconds\)",
        ),
    ],
    ids=["poll too short", "poll too long", "poll fractional", "timeout 12 h 1 s", "timeout 13 h", "timeout < poll"],
)
def test_timing_rules(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        copy(**props)


def test_waiter_timing_rules() -> None:
    with pytest.raises(ValueError, match=r"timeout '3600 seconds' is not valid: must be at most 57 minutes"):
        ModelCopyJobWaiter(new_stack(), "Wait", job_arn=JOB_ARN, timeout=cdk.Duration.hours(1))


def test_poll_interval_must_match_within_a_stack() -> None:
    stack = new_stack()
    copy(stack)
    with pytest.raises(
        ValueError,
        match=r"poll_interval '15 seconds' is not valid: every construct of this library in stack S shares one "
        r"provider, set up by BedrockModelCopy S/Copy with poll_interval 30 seconds; give this ModelCopyJobWaiter "
        r"the same poll_interval \(Duration.seconds\(30\)\), or put it in another stack",
    ):
        ModelCopyJobWaiter(stack, "Wait", job_arn=JOB_ARN, poll_interval=cdk.Duration.seconds(15))


def test_removal_policy_must_be_retain_or_destroy() -> None:
    with pytest.raises(ValueError, match=r"removal_policy '.*SNAPSHOT.*' is not valid: must be RemovalPolicy.RETAIN"):
        copy(removal_policy=cdk.RemovalPolicy.SNAPSHOT)


def test_log_retention_context_must_be_a_cloudwatch_period() -> None:
    app = cdk.App(context={"bedrock-model-copy:logRetentionDays": 42})
    with pytest.raises(ValueError, match=r"context bedrock-model-copy:logRetentionDays 42 is not valid: must be one"):
        copy(cdk.Stack(app, "S", env=ENV))


@pytest.mark.parametrize(
    "source",
    [
        SOURCE_ARN,
        "arn:aws:bedrock:us-east-1:444455556666:custom-model/imported/abcdefghij12",
        "arn:aws:bedrock:eu-central-1:444455556666:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abcdefghij12",
        "arn:aws:bedrock:us-east-1:111122223333:custom-model/anthropic.claude-3-haiku-20240307-v1:0:200k/a1b2c3d4e5f6",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
    ],
)
def test_service_model_sources_are_accepted(source: str) -> None:
    stack = new_stack()
    copy(stack, source_model_arn=source)
    assert properties(stack, "Copy")["SourceModelArn"] == source
    (start,) = [s for s in handler_statements(stack) if s.get("Sid") == "StartCopies"]
    assert start["Resource"] == [source]  # the role may copy exactly this source


def test_a_source_in_the_stacks_other_partition_is_accepted_there_and_refused_elsewhere() -> None:
    gov_source = "arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:custom-model/amazon.titan-text-lite-v1/abcdefghij12"
    gov = cdk.Stack(cdk.App(), "Gov", env=cdk.Environment(account="111122223333", region="us-gov-east-1"))
    copy(gov, source_model_arn=gov_source)
    with pytest.raises(
        ValueError,
        match=r"source_model_arn 'arn:aws-us-gov:.*' is not valid: is in partition 'aws-us-gov'; stack S deploys to "
        r"partition 'aws'",
    ):
        copy(source_model_arn=gov_source)


@pytest.mark.parametrize(
    ("job_arn", "rule"),
    [
        (
            "arn:aws:bedrock:us-east-1:111122223333:model-copy-job/abcdefghij12",
            r"is in Region us-east-1; a model copy job can only be read in its own Region, and stack S deploys to "
            r"us-west-2: put the ModelCopyJobWaiter in a stack of us-east-1",
        ),
        (
            "arn:aws-cn:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12",
            r"is in partition 'aws-cn'; stack S deploys to partition 'aws'",
        ),
    ],
)
def test_waiter_job_must_be_in_the_stacks_region_and_partition(job_arn: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rf"job_arn '{re.escape(job_arn)}' is not valid: {rule}"):
        ModelCopyJobWaiter(new_stack(), "Wait", job_arn=job_arn)


def test_waiter_job_region_is_left_to_deploy_time_in_an_environment_agnostic_stack() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    job_arn = "arn:aws:bedrock:us-east-1:111122223333:model-copy-job/abcdefghij12"
    ModelCopyJobWaiter(stack, "Wait", job_arn=job_arn)
    assert properties(stack, "Wait")["JobArn"] == job_arn  # the handler checks the Region at deploy time


@pytest.mark.parametrize("tags", [{"n": 5}, {"n": None}, {7: "x"}])
def test_tag_keys_and_values_must_be_strings(tags: dict[Any, Any]) -> None:
    with pytest.raises(ValueError, match=r"tags .* is not valid: tag keys and values must be strings"):
        copy(tags=tags)


def test_two_copies_with_one_name_in_a_stack_are_refused_naming_both_paths() -> None:
    stack = new_stack()
    copy(stack)
    with pytest.raises(
        ValueError,
        match=r"target_model_name 'copy-1' is not valid: is already the target_model_name of S/Copy; S/Other/Copy2 "
        r"would share that copy and its model",
    ):
        BedrockModelCopy(Construct(stack, "Other"), "Copy2", source_model_arn=SOURCE_ARN, target_model_name="copy-1")


def test_one_name_in_two_stacks_is_fine() -> None:
    app = cdk.App()
    stacks = [cdk.Stack(app, name, env=ENV) for name in ("A", "B")]
    for stack in stacks:
        copy(stack)
    assert [properties(stack, "Copy")["TargetModelName"] for stack in stacks] == ["copy-1", "copy-1"]


def test_an_alias_imported_by_name_is_refused_with_the_fix() -> None:
    stack = new_stack()
    alias = kms.Alias.from_alias_name(stack, "Alias", "alias/model-copies")
    with pytest.raises(
        ValueError,
        match=r"target_kms_key '.*alias/model-copies' is not valid: is an imported alias: IAM grants on an alias ARN "
        r"do not reach the key behind it.*kms.Key.from_key_arn",
    ):
        copy(stack, target_kms_key=alias)


def test_aliases_that_know_their_key_are_accepted_and_grant_the_key() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key")
    copy(stack, target_kms_key=kms.Alias(stack, "Alias", alias_name="alias/copies", target_key=key))
    imported = kms.Alias.from_alias_attributes(stack, "Imported", alias_name="alias/x", alias_target_key=key)
    BedrockModelCopy(stack, "Copy2", source_model_arn=SOURCE_ARN, target_model_name="copy-2", target_kms_key=imported)
    key_arn = stack.resolve(key.key_arn)
    # Both copies name their alias; the grants reach the key behind it, never an alias ARN.
    assert ":alias/copies" in str(properties(stack, "Copy")["TargetModelKmsKeyId"])
    assert ":alias/x" in str(properties(stack, "Copy2")["TargetModelKmsKeyId"])
    grants = kms_resources(stack)
    assert grants and all(resource == key_arn for resource in grants), grants


def test_kms_key_arns_are_accepted() -> None:
    stack = new_stack()
    key_arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    copy(stack, target_kms_key=kms.Key.from_key_arn(stack, "Key", key_arn))
    assert properties(stack, "Copy")["TargetModelKmsKeyId"] == key_arn
    assert kms_resources(stack) == [key_arn]


def test_an_alias_arn_imported_as_a_key_is_refused() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:us-west-2:111122223333:alias/model-copies")
    with pytest.raises(ValueError, match=r"is an imported alias"):
        copy(stack, target_kms_key=key)


def test_opaque_job_arn_from_the_api_reference_is_accepted() -> None:
    stack = new_stack()
    ModelCopyJobWaiter(stack, "Wait", job_arn=EXAMPLE_JOB_ARN)
    assert properties(stack, "Wait")["JobArn"] == EXAMPLE_JOB_ARN  # passed on whole, not cut at its slashes


def test_names_at_the_limits_are_accepted() -> None:
    stack = new_stack()
    tags = {f"k{i}": "" for i in range(47)}
    BedrockModelCopy(stack, "A", source_model_arn=SOURCE_ARN, target_model_name="a" * 63)
    BedrockModelCopy(stack, "B", source_model_arn=SOURCE_ARN, target_model_name="a_b-c1")
    BedrockModelCopy(stack, "C", source_model_arn=SOURCE_ARN, target_model_name="c", tags=tags)
    assert properties(stack, "A")["TargetModelName"] == "a" * 63
    assert properties(stack, "B")["TargetModelName"] == "a_b-c1"
    assert properties(stack, "C")["TargetModelTags"] == tags


def test_tokens_are_left_to_deploy_time() -> None:
    stack = new_stack()
    source = cdk.CfnParameter(stack, "Source").value_as_string
    name = cdk.CfnParameter(stack, "Name").value_as_string
    job = cdk.CfnParameter(stack, "Job").value_as_string
    BedrockModelCopy(stack, "Copy", source_model_arn=source, target_model_name=name, tags={"team": name})
    ModelCopyJobWaiter(stack, "Wait", job_arn=job)
    copied = properties(stack, "Copy")
    assert (copied["SourceModelArn"], copied["TargetModelName"]) == ({"Ref": "Source"}, {"Ref": "Name"})
    assert copied["TargetModelTags"] == {"team": {"Ref": "Name"}}
    assert properties(stack, "Wait")["JobArn"] == {"Ref": "Job"}


def test_token_tags_still_count() -> None:
    stack = new_stack()
    value = cdk.CfnParameter(stack, "Value").value_as_string
    with pytest.raises(ValueError, match="at most 47 tags"):
        copy(stack, tags={f"k{i}": value for i in range(48)})


@pytest.mark.parametrize(
    "props",
    [
        {"target_model_name": "bad name"},
        {"poll_interval": cdk.Duration.seconds(15)},  # differs from the stack's provider
        {"timeout": cdk.Duration.hours(13)},
        {"kms_region": "eu-west-1"},
    ],
    ids=["bad name", "poll mismatch", "timeout", "key in another Region"],
)
def test_a_refused_construct_leaves_nothing_in_the_tree(props: dict[str, Any]) -> None:
    stack = new_stack()
    copy(stack, target_model_name="first")  # the stack's provider polls every 30 seconds
    if "kms_region" in props:
        key_arn = f"arn:aws:kms:{props.pop('kms_region')}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        props["target_kms_key"] = kms.Key.from_key_arn(stack, "Key", key_arn)
    before = len(stack.node.find_all())
    with pytest.raises(ValueError):
        BedrockModelCopy(stack, "Refused", source_model_arn=SOURCE_ARN, **{"target_model_name": "second", **props})
    assert stack.node.try_find_child("Refused") is None
    assert len(stack.node.find_all()) == before
