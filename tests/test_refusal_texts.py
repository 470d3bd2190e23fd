"""Every synth-time refusal, word for word: the prop, the value, the rule and what to do.

Written from the construct modules' mutation-testing survivors (docs/mutation.md): a changed
or emptied message, or a refusal that names the wrong construct or prop, passed every test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_kms as kms

from bedrock_model_copy import (
    LOG_RETENTION_CONTEXT_KEY,
    BedrockModelCopy,
    CustomModelDeployment,
    ModelCopyJobWaiter,
    ModelCopyProviderOptions,
    PropertyValidationError,
    ProvisionedThroughput,
)
from conftest import ENV, JOB_ARN, SOURCE_ARN

MODEL_ARN = "arn:aws:bedrock:us-west-2:111122223333:custom-model/amazon.nova-lite-v1:0:300k/mnopqrstuv34"


def _template(build: Callable[[cdk.Stack], Any], context: dict[str, Any] | None = None) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(context=context), "Pins", env=ENV)
    build(stack)
    return assertions.Template.from_stack(stack).to_json()


def _copy(**props: Any) -> Callable[[cdk.Stack], None]:
    def build(stack: cdk.Stack) -> None:
        arguments: dict[str, Any] = {"source_model_arn": SOURCE_ARN, "target_model_name": "refused"}
        arguments.update(props)
        BedrockModelCopy(stack, "Copy", **arguments)

    return build


def _two(first: dict[str, Any], second: dict[str, Any]) -> Callable[[cdk.Stack], None]:
    def build(stack: cdk.Stack) -> None:
        BedrockModelCopy(stack, "First", source_model_arn=SOURCE_ARN, target_model_name="first", **first)
        BedrockModelCopy(stack, "Second", source_model_arn=SOURCE_ARN, target_model_name="second", **second)

    return build


def _served_first(kind: type[Any], **props: Any) -> Callable[[cdk.Stack], None]:
    """A deployment or Provisioned Throughput sets the stack's provider up (with the defaults), then a copy."""

    def build(stack: cdk.Stack) -> None:
        units = {"model_units": 1} if kind is ProvisionedThroughput else {}
        kind(stack, kind.__name__, model=MODEL_ARN, **units)
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="later", **props)

    return build


def _waiter(**props: Any) -> Callable[[cdk.Stack], None]:
    def build(stack: cdk.Stack) -> None:
        ModelCopyJobWaiter(stack, "Wait", **{"job_arn": JOB_ARN, **props})

    return build


def _same_name(stack: cdk.Stack) -> None:
    BedrockModelCopy(stack, "First", source_model_arn=SOURCE_ARN, target_model_name="same")
    BedrockModelCopy(stack, "Second", source_model_arn=SOURCE_ARN, target_model_name="same")


def _key_in(region: str, account: str) -> Callable[[cdk.Stack], None]:
    def build(stack: cdk.Stack) -> None:
        other = cdk.Stack(stack.node.scope, "KeyStack", env=cdk.Environment(account=account, region=region))  # type: ignore[arg-type]
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_kms_key=kms.Key(other, "Key"))

    return build


def _imported_alias(stack: cdk.Stack) -> None:
    alias = kms.Key.from_key_arn(stack, "Alias", "arn:aws:kms:us-west-2:111122223333:alias/copies")
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_kms_key=alias)


def _snapshot_later(stack: cdk.Stack) -> None:
    copy = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="snap")
    copy.cfn_resource.apply_removal_policy(cdk.RemovalPolicy.SNAPSHOT)


def _too_many_tags_later(stack: cdk.Stack) -> None:
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="t", tags={"a": "1"})
    for index in range(47):
        cdk.Tags.of(stack).add(f"k{index}", "v")


MESSAGES: dict[str, tuple[Callable[[cdk.Stack], None], dict[str, Any], str]] = {
    "poll interval differs": (
        _two({"poll_interval": cdk.Duration.seconds(30)}, {"poll_interval": cdk.Duration.seconds(60)}),
        {},
        "poll_interval '60 seconds' is not valid: every construct of this library in stack Pins shares one "
        "provider, set up by BedrockModelCopy Pins/First with poll_interval 30 seconds; give this BedrockModelCopy "
        "the same poll_interval (Duration.seconds(30)), or put it in another stack",
    ),
    "poll interval set by a deployment made first": (
        _served_first(CustomModelDeployment, poll_interval=cdk.Duration.seconds(15)),
        {},
        "poll_interval '15 seconds' is not valid: every construct of this library in stack Pins shares one "
        "provider, set up by CustomModelDeployment Pins/CustomModelDeployment with poll_interval 30 seconds (the "
        "defaults: a CustomModelDeployment takes the provider's settings as they are, or the defaults when it is "
        "the first); create this BedrockModelCopy before Pins/CustomModelDeployment, or give it the same "
        "poll_interval (Duration.seconds(30)), or put it in another stack",
    ),
    "provider options set by a Provisioned Throughput made first": (
        _served_first(ProvisionedThroughput, provider_options=ModelCopyProviderOptions(tracing=True)),
        {},
        "provider_options 'differing in tracing' is not valid: every construct of this library in stack Pins "
        "shares one provider, set up by ProvisionedThroughput Pins/ProvisionedThroughput with no provider_options "
        "(the defaults: a ProvisionedThroughput takes the provider's settings as they are, or the defaults when "
        "it is the first); create this BedrockModelCopy before Pins/ProvisionedThroughput, or give it equal "
        "provider_options (the same ModelCopyProviderOptions object, or none), or put it in another stack",
    ),
    "provider options differ": (
        _two({}, {"provider_options": ModelCopyProviderOptions(tracing=True)}),
        {},
        "provider_options 'differing in tracing' is not valid: every construct of this library in stack Pins "
        "shares one provider, set up by BedrockModelCopy Pins/First with no provider_options; give this "
        "BedrockModelCopy equal provider_options (the same ModelCopyProviderOptions object, or none), or put it "
        "in another stack",
    ),
    "retention context": (
        _copy(),
        {LOG_RETENTION_CONTEXT_KEY: 31},
        "context bedrock-model-copy:logRetentionDays 31 is not valid: must be one of CloudWatch Logs' retention "
        "periods: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
        "3288, 3653] (days)",
    ),
    "retention disagrees": (
        _copy(provider_options=ModelCopyProviderOptions(log_retention_days=30)),
        {LOG_RETENTION_CONTEXT_KEY: 60},
        "provider_options.log_retention_days 30 is not valid: disagrees with the context key "
        "bedrock-model-copy:logRetentionDays (60 days); set one of them, or both to the same value",
    ),
    "same target name": (
        _same_name,
        {},
        "target_model_name 'same' is not valid: is already the target_model_name of Pins/First; Pins/Second would "
        "share that copy and its model (deleting one would delete the model the other exposes). Give each copy its "
        "own name, or read the first copy's attributes instead of copying twice",
    ),
    "key in another region": (
        _key_in("eu-west-1", "111122223333"),
        {},
        "target_kms_key 'KeyStack/Key' is not valid: is in eu-west-1; the key that encrypts the copy must be in the "
        "stack's Region us-west-2",
    ),
    "key of another account": (
        _key_in("us-west-2", "444455556666"),
        {},
        "target_kms_key 'KeyStack/Key' is not valid: is a kms.Key of account 444455556666; import it with "
        "Key.from_key_arn and add the key policy statement of docs/iam.md (KMS) in that account",
    ),
    "imported alias": (
        _imported_alias,
        {},
        "target_kms_key 'arn:aws:kms:us-west-2:111122223333:alias/copies' is not valid: is an imported alias: IAM "
        "grants on an alias ARN do not reach the key behind it, so the copy would be denied. Import the key itself "
        "(kms.Key.from_key_arn), or give the alias its key (kms.Alias.from_alias_attributes(alias_name=..., "
        "alias_target_key=...))",
    ),
    "long timeout": (
        _copy(timeout=cdk.Duration.hours(13)),
        {},
        "timeout '46800 seconds' is not valid: must be at most 12 hours: a CloudFormation WaitCondition, which a "
        "copy longer than 57 minutes waits on, waits at most 12 hours",
    ),
    "waiter timeout": (
        _waiter(timeout=cdk.Duration.minutes(58)),
        {},
        "timeout '3480 seconds' is not valid: must be at most 57 minutes: CloudFormation waits at most one hour "
        "for a custom resource, and the rest is kept for starting the job and reporting back",
    ),
    "timeout under poll interval": (
        _copy(timeout=cdk.Duration.seconds(20), poll_interval=cdk.Duration.seconds(30)),
        {},
        "timeout '20 seconds' is not valid: must be at least poll_interval (30 seconds)",
    ),
    "poll interval too short": (
        _copy(poll_interval=cdk.Duration.seconds(4)),
        {},
        "poll_interval '4 seconds' is not valid: must be between 5 seconds and 10 minutes",
    ),
    "poll interval too long": (
        _waiter(poll_interval=cdk.Duration.seconds(601), timeout=cdk.Duration.minutes(57)),
        {},
        "poll_interval '601 seconds' is not valid: must be between 5 seconds and 10 minutes",
    ),
    "fraction of a second": (
        _copy(timeout=cdk.Duration.millis(90500)),
        {},
        "timeout '90.5 seconds' is not valid: must be a whole number of seconds",
    ),
    "snapshot": (
        _copy(removal_policy=cdk.RemovalPolicy.SNAPSHOT),
        {},
        "removal_policy 'RemovalPolicy.SNAPSHOT' is not valid: must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
    ),
    "wrong type": (
        _copy(timeout="30m"),
        {},
        "timeout must be a Duration (for example Duration.minutes(30)), not str '30m'",
    ),
    "tags not a mapping": (
        _copy(tags=["team"]),
        {},
        "tags must be a mapping of str to str, not list ['team']",
    ),
    "source not a str": (
        _copy(source_model_arn=7),
        {},
        "source_model_arn must be a str (a model ARN), not int 7",
    ),
    "name not a str": (
        _copy(target_model_name=7),
        {},
        "target_model_name must be a str or None, not int 7",
    ),
    "removal policy not a RemovalPolicy": (
        _copy(removal_policy="RETAIN"),
        {},
        "removal_policy must be a RemovalPolicy (RemovalPolicy.RETAIN or DESTROY), not str 'RETAIN'",
    ),
    "tag of the wrong type": (
        _copy(tags={"team": 42}),
        {},
        "tags \"'team': 42\" is not valid: tag keys and values must be strings (for example {'cost-center': '42'})",
    ),
    "job in another region": (
        _waiter(job_arn="arn:aws:bedrock:eu-west-1:111122223333:model-copy-job/abcdefghij12"),
        {},
        "job_arn 'arn:aws:bedrock:eu-west-1:111122223333:model-copy-job/abcdefghij12' is not valid: is in Region "
        "eu-west-1; a model copy job can only be read in its own Region, and stack Pins deploys to us-west-2: put "
        "the ModelCopyJobWaiter in a stack of eu-west-1",
    ),
    "source in another partition": (
        _copy(
            source_model_arn="arn:aws-cn:bedrock:cn-north-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
        ),
        {},
        "source_model_arn 'arn:aws-cn:bedrock:cn-north-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12' is not valid: is "
        "in partition 'aws-cn'; stack Pins deploys to partition 'aws'",
    ),
}


@pytest.mark.parametrize("case", list(MESSAGES))
def test_each_refusal_says_exactly_what_is_wrong_and_what_to_do(case: str) -> None:
    build, context, message = MESSAGES[case]
    with pytest.raises(PropertyValidationError) as refused:
        _template(build, context)
    assert str(refused.value) == message


def test_refusals_found_once_the_tree_is_final_are_reported_at_synthesis() -> None:
    # aws-cdk-lib's own validation error (docs/errors.md): each message after its construct path.
    with pytest.raises(RuntimeError) as snapshot:
        _template(_snapshot_later)
    assert str(snapshot.value) == (
        "ValidationFailedWithErrors: Validation failed with the following errors:\n  [Pins/Copy] removal_policy "
        "'RemovalPolicy.SNAPSHOT' is not valid: must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY (set by "
        "apply_removal_policy or a RemovalPolicies aspect)"
    )
    with pytest.raises(RuntimeError) as tags:
        _template(_too_many_tags_later)
    assert str(tags.value) == (
        "ValidationFailedWithErrors: Validation failed with the following errors:\n  [Pins/Copy] tags '48 tags' is "
        "not valid: at most 47 tags are allowed (50 per model, 3 are the construct's ownership tags) (the tags "
        "prop and Tags.of(...) together)"
    )


def test_a_construct_outside_any_stack_is_refused_naming_its_scope() -> None:
    app = cdk.App()
    with pytest.raises(PropertyValidationError) as refused:
        BedrockModelCopy(app, "Copy", source_model_arn=SOURCE_ARN)
    assert str(refused.value) == (
        "scope 'App at path <the App>' is not valid: BedrockModelCopy 'Copy' must be created inside a Stack, and "
        "this scope is in none: pass a Stack (or a construct inside one) as scope"
    )
    with pytest.raises(PropertyValidationError) as not_a_construct:
        ModelCopyJobWaiter("stack", "Wait", job_arn=JOB_ARN)  # type: ignore[arg-type]
    assert str(not_a_construct.value) == (
        "scope must be a Construct (a Stack, or a construct inside one), not str 'stack'"
    )


def test_a_waiter_outside_any_stack_or_with_a_wrong_job_arn_type_is_refused_by_name() -> None:
    with pytest.raises(PropertyValidationError) as refused:
        ModelCopyJobWaiter(cdk.App(), "Wait", job_arn=JOB_ARN)
    assert str(refused.value) == (
        "scope 'App at path <the App>' is not valid: ModelCopyJobWaiter 'Wait' must be created inside a Stack, and "
        "this scope is in none: pass a Stack (or a construct inside one) as scope"
    )
    with pytest.raises(PropertyValidationError) as wrong_type:
        _template(_waiter(job_arn=42))
    assert str(wrong_type.value) == "job_arn must be a str (a model copy job ARN), not int 42"


def test_a_prop_of_the_wrong_type_is_a_type_error_that_names_the_prop_and_the_type() -> None:
    with pytest.raises(PropertyValidationError) as refused:
        _template(_copy(poll_interval=30))
    error = refused.value
    assert isinstance(error, TypeError)
    assert (error.prop, error.value, error.rule) == (
        "poll_interval",
        30,
        "must be a Duration (for example Duration.minutes(30))",
    )
    assert str(error) == "poll_interval must be a Duration (for example Duration.minutes(30)), not int 30"


def test_a_key_must_be_a_kms_key_not_any_construct() -> None:
    def build(stack: cdk.Stack) -> None:
        BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_kms_key=stack)  # type: ignore[arg-type]

    with pytest.raises(PropertyValidationError) as refused:
        _template(build)
    assert isinstance(refused.value, TypeError) and refused.value.prop == "target_kms_key"
    assert str(refused.value).startswith(
        "target_kms_key must be an aws_kms.IKey (kms.Key, kms.Key.from_key_arn(...)), not Stack "
    )
