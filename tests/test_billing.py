"""Never bill without saying so (issue 22): commitments, what a stack leaves billing, grants, renewal.

Each scenario deploys a synthesized template through the provider framework against the fake Bedrock,
which enforces the handler role's synthesized policies and takes the harder answer where AWS is not
documented (docs/aws-behaviour.md S5, S6, S9, S13, S15), with a test for each answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from bedrock_model_copy import BedrockModelCopy, Commitment, CustomModelDeployment, ProvisionedThroughput
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from bedrock_model_copy.testing.aws.served import DAY
from bedrock_model_copy.testing.iam import handler_role_policies
from bedrock_model_copy.testing.runtime import client_as
from conftest import ENV, SOURCE_ARN, STACK_NAME

THROUGHPUT = "Custom::BedrockProvisionedThroughput"
REPLACED_BY = "bedrock-model-copy:replaced-by"
WARNING_ID = "bedrock-model-copy:committedThroughput"


def _template(
    *,
    units: int = 1,
    commitment: Commitment | None = Commitment.ONE_MONTH,
    removal: cdk.RemovalPolicy | None = None,
    allow: bool = False,
    serve: str = "throughput",
) -> dict[str, Any]:
    """A stack that copies a model and serves it (a Provisioned Throughput, or a deployment), and an invoker role."""
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name="bot-usw2")
    served: ProvisionedThroughput | CustomModelDeployment
    if serve == "throughput":
        options: dict[str, Any] = {"allow_replacement_under_commitment": True} if allow else {}
        if removal is not None:
            options["removal_policy"] = removal
        served = copied.provision(model_units=units, commitment=commitment, **options)
    else:
        served = copied.deploy_on_demand()
    role = iam.Role(stack, "Invoker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    served.grant_invoke(role)
    return dict(Template.from_stack(stack).to_json())


def of_type(template: dict[str, Any], resource_type: str) -> str:
    (logical_id,) = [name for name, r in template["Resources"].items() if r["Type"] == resource_type]
    return logical_id


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock(iam=_policies(_template()))


def _policies(template: dict[str, Any]) -> Any:
    """The handler role's synthesized policies in ``template``, as IAM sees them deployed."""
    return handler_role_policies(template, stack_name=STACK_NAME, region=str(ENV.region), account=str(ENV.account))


@pytest.fixture
def cfn(fake: FakeBedrock) -> Iterator[CloudFormationStack]:
    with simulated_environment(fake) as framework:
        yield CloudFormationStack(framework)


def _deploy(cfn: CloudFormationStack, template: dict[str, Any]) -> dict[str, Any]:
    operations, _ = cfn.deploy_template(template)
    assert all(operation.response.ok for operation in operations.values()), cfn.first_failure()
    return operations


def _warnings(caplog: pytest.LogCaptureFixture, decision: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"decision={decision}" in r.getMessage()]


# ---------------------------------------------------------------- point 1: a second commitment


def test_a_change_that_would_buy_a_second_commitment_is_refused_before_anything_is_bought(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    first = _deploy(cfn, _template())
    pt = of_type(_template(), THROUGHPUT)
    arn, expiry = first[pt].response.physical_resource_id, first[pt].response.data["CommitmentExpirationTime"]
    operations, _ = cfn.deploy_template(_template(units=2))
    (update,) = [op for name, op in operations.items() if name == pt]
    reason = update.response.reason
    assert not update.response.ok
    for text in (arn, "OneMonth commitment until", expiry, "billed until it is deleted", "renew at the end of each"):
        assert text in reason, (text, reason)
    assert "allow_replacement_under_commitment=True" in reason and "Nothing was bought" in reason
    assert len(fake.calls_to("CreateProvisionedModelThroughput")) == 1  # refused before the second purchase
    assert [item.arn for item in fake.serving.of_kind("throughput")] == [arn]
    assert cfn.status == "UPDATE_ROLLBACK_COMPLETE" and cfn.resources[pt].physical_resource_id == arn
    assert fake.iam is not None and fake.iam.denied == []


def test_a_replacement_that_cannot_read_the_current_commitment_buys_nothing(
    fake: FakeBedrock, cfn: CloudFormationStack
) -> None:
    # Throttled past boto3's retries: whether the current one is under its commitment is unknown, so nothing is bought.
    _deploy(cfn, _template())
    fake.inject_fault("GetProvisionedModelThroughput", "ThrottlingException", status=429, times=50)
    operations, _ = cfn.deploy_template(_template(units=2))
    update = operations[of_type(_template(), THROUGHPUT)].response
    assert not update.ok and "could not be read before replacing it (ThrottlingException)" in update.reason
    assert len(fake.calls_to("CreateProvisionedModelThroughput")) == 1


def test_with_the_opt_in_the_old_commitment_is_kept_tagged_as_replaced_and_said_in_the_log(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture
) -> None:
    first = _deploy(cfn, _template())
    pt = of_type(_template(), THROUGHPUT)
    old = first[pt].response.physical_resource_id
    expiry = first[pt].response.data["CommitmentExpirationTime"]
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        second = _deploy(cfn, _template(units=2, allow=True))
    new = second[pt].response.physical_resource_id
    assert new != old and {item.arn for item in fake.serving.of_kind("throughput")} == {old, new}
    assert len(second[pt].cleanup) == 0  # RETAIN, the default with a commitment: CloudFormation sends no Delete
    assert fake.serving.resources[old].tags[REPLACED_BY] == new
    assert REPLACED_BY not in fake.serving.resources[new].tags
    (line,) = _warnings(caplog, "keep-replaced")
    for text in (
        old,
        f"replaced by {new}",
        "removal policy RETAIN",
        f"OneMonth commitment until {expiry}",
        f"tagged {REPLACED_BY}={new}",
        "billed hourly for its 1 model units until it is deleted",
        f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {old} --region {ENV.region}",
    ):
        assert text in line, (text, line)
    assert fake.iam is not None and fake.iam.denied == []


@pytest.mark.parametrize("removal", [cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.DESTROY], ids=["retain", "destroy"])
def test_a_replacement_says_what_it_leaves_billed(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture, removal: cdk.RemovalPolicy
) -> None:
    # An hourly one: nothing refuses the replacement. RETAIN keeps the old one (CloudFormation asks nothing more of
    # it): the handler says so when the replacement is ready. DESTROY: the clean-up deletes it, nothing to say.
    first = _deploy(cfn, _template(commitment=None, removal=removal))
    pt = of_type(_template(), THROUGHPUT)
    old = first[pt].response.physical_resource_id
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        second = _deploy(cfn, _template(units=2, commitment=None, removal=removal))
    new = second[pt].response.physical_resource_id
    lines = _warnings(caplog, "keep-replaced")
    if removal == cdk.RemovalPolicy.RETAIN:
        (line,) = lines
        assert old in line and "removal policy RETAIN" in line and "commitment" not in line
        assert f"delete-provisioned-model-throughput --provisioned-model-id {old}" in line
        assert fake.serving.resources[old].tags[REPLACED_BY] == new
    else:
        assert lines == [] and [item.arn for item in fake.serving.of_kind("throughput")] == [new]
    assert fake.iam is not None and fake.iam.denied == []


# ---------------------------------------------------------------- point 2: the synth warning


def _warning_texts(stack: cdk.Stack) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*committed ones renew.*"))
    return [str(message.entry.data) for message in found]


@pytest.mark.parametrize(
    ("removal", "says"),
    [
        (
            None,
            "Its removal policy is RETAIN: a stack delete (or removing it from the stack) or a change that "
            "replaces it keeps it in place, billing, until you delete it yourself",
        ),
        (
            cdk.RemovalPolicy.DESTROY,
            "Its removal policy is DESTROY: a stack delete (or removing it from the stack) or "
            "a change that replaces it deletes it once Bedrock reports its commitment expired; before that it is left "
            "in place, billing",
        ),
    ],
    ids=["default-retain", "destroy"],
)
def test_every_committed_throughput_warns_at_synth_that_it_bills_until_deleted(
    removal: cdk.RemovalPolicy | None, says: str
) -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    copied = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN)
    options = {} if removal is None else {"removal_policy": removal}
    copied.provision(model_units=1, commitment=Commitment.SIX_MONTHS, **options)
    copied.provision(id="Hourly", model_units=1)  # no commitment: no warning
    (warning,) = _warning_texts(stack)
    assert warning.startswith("This Provisioned Throughput is bought with a SixMonths commitment: Bedrock bills it")
    assert "until it is deleted, used or not, also after the term" in warning and says in warning
    assert warning.endswith(f"[ack: {WARNING_ID}]")


def test_the_warning_follows_the_final_removal_policy_and_can_be_acknowledged() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    pt = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN).provision(
        model_units=1, commitment=Commitment.ONE_MONTH
    )
    cdk.RemovalPolicies.of(stack).destroy()  # an aspect, after construction: the warning reads the final policy
    (warning,) = _warning_texts(stack)
    assert "Its removal policy is DESTROY" in warning
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    pt = BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN).provision(
        model_units=1, commitment=Commitment.ONE_MONTH
    )
    pt.cfn_resource.cfn_options.update_replace_policy = cdk.CfnDeletionPolicy.DELETE
    (warning,) = _warning_texts(stack)
    assert "Its DeletionPolicy is RETAIN" in warning and "its UpdateReplacePolicy is DESTROY" in warning
    cdk.Annotations.of(stack).acknowledge_warning(WARNING_ID, "we know")
    assert _warning_texts(stack) == []


# ---------------------------------------------------------------- point 3: renewal, refused deletes


@pytest.mark.parametrize("renews", [True, False], ids=["renews", "does-not-renew"])
def test_a_delete_after_the_first_term_follows_what_bedrock_reports(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture, renews: bool
) -> None:
    # docs/aws-behaviour.md S13: whether a committed one renews is unconfirmed. Renewed: its expiry moved a term
    # ahead, so a DESTROY delete leaves it and says so with the new date; not renewed: the delete deletes it.
    fake.serving.commitments_renew = renews
    template = _template(removal=cdk.RemovalPolicy.DESTROY)
    created = _deploy(cfn, template)
    pt = of_type(template, THROUGHPUT)
    arn, first_expiry = created[pt].response.physical_resource_id, created[pt].response.data["CommitmentExpirationTime"]
    fake.clock.advance(31 * DAY)
    with caplog.at_level(logging.WARNING, logger="model_copy"):
        deleted = cfn.delete_stack()
    assert all(operation.response.ok for operation in deleted.values()), cfn.first_failure()
    lines = _warnings(caplog, "leave-under-commitment")
    if renews:
        (line,) = lines
        assert arn in line and first_expiry not in line and "billed until it is deleted" in line
        assert arn in fake.serving.resources and fake.calls_to("DeleteProvisionedModelThroughput") == []
    else:
        assert lines == [] and arn not in fake.serving.resources
    assert fake.iam is not None and fake.iam.denied == []


@pytest.mark.parametrize("code", ["ConflictException", "ValidationException", "AccessDeniedException"])
@pytest.mark.parametrize("state", ["hourly", "renewed-meanwhile"])
def test_a_refused_serving_delete_does_what_the_resource_state_says(
    fake: FakeBedrock, cfn: CloudFormationStack, caplog: pytest.LogCaptureFixture, code: str, state: str
) -> None:
    # docs/aws-behaviour.md S5: which code refuses a delete is not documented. Whatever the code, the resource's own
    # state, read again, decides: under a commitment that shows only now (a renewal at the end of the term), it is
    # left and the stack delete succeeds; without one, a busy refusal (Conflict, Validation) is asked again and the
    # delete goes through, and any other code fails the stack delete naming it (never a rollback or a clean-up).
    committed = state == "renewed-meanwhile"
    fake.serving.commitments_renew = False
    template = _template(commitment=Commitment.ONE_MONTH if committed else None, removal=cdk.RemovalPolicy.DESTROY)
    created = _deploy(cfn, template)
    pt = of_type(template, THROUGHPUT)
    arn = created[pt].response.physical_resource_id
    if committed:
        fake.clock.advance(31 * DAY)  # the first term has ended: the Get before the delete says it may go
    fake.inject_fault("DeleteProvisionedModelThroughput", code, status=409 if code == "ConflictException" else 400)
    if committed:
        taken = fake.take_fault

        def renew_with_the_refusal(operation: str) -> Any:
            fault = taken(operation)
            if fault is not None:
                fake.serving.commitments_renew = True  # Bedrock renewed it as the term ended: hence the refusal
            return fault

        fake.take_fault = renew_with_the_refusal  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="model_copy"):
        deleted = cfn.delete_stack()
    response = deleted[pt].response
    deletes = [call.status for call in fake.calls_to("DeleteProvisionedModelThroughput")]
    if committed:
        assert response.ok and arn in fake.serving.resources and len(deletes) == 1
        (line,) = _warnings(caplog, "leave-under-commitment")
        assert arn in line and "billed until it is deleted" in line
    elif code in ("ConflictException", "ValidationException"):
        assert response.ok and arn not in fake.serving.resources and deletes[0] != 200 and 200 in deletes
    else:
        assert not response.ok and code in response.reason and arn in response.reason
        assert arn in fake.serving.resources and cfn.status == "DELETE_FAILED"


@pytest.mark.parametrize("times", [1, 100_000], ids=["refused-once", "refused-always"])
def test_a_refused_delete_in_a_clean_up_never_fails(fake: FakeBedrock, cfn: CloudFormationStack, times: int) -> None:
    # A clean-up never fails, and does not give up at the first refusal either (docs/lifecycle.md, "Rollbacks cannot
    # fail"): refused once (IAM propagating), the next poll deletes it; refused until the delete's retry deadline, the
    # request succeeds and leaves it (the log says so).
    template = _template(commitment=None, removal=cdk.RemovalPolicy.DESTROY)
    created = _deploy(cfn, template)
    pt = of_type(template, THROUGHPUT)
    fake.inject_fault("DeleteProvisionedModelThroughput", "AccessDeniedException", status=400, times=times)
    operation = cfn.delete(pt, during="update-cleanup")
    assert operation is not None and operation.response.ok
    assert (created[pt].response.physical_resource_id in fake.serving.resources) == (times > 1)


# ---------------------------------------------------------------- point 4: grants that work in the kit


@pytest.mark.parametrize("serve", ["throughput", "deployment"])
def test_grant_invoke_lets_the_role_invoke_through_what_serves_the_copy(
    fake: FakeBedrock, cfn: CloudFormationStack, serve: str
) -> None:
    # The README's pattern: the role granted with grant_invoke invokes through the resource, as the fake authorizes
    # it (docs/aws-behaviour.md S9: on the resource and on the model behind it).
    template = _template(serve=serve)
    fake.iam = _policies(template)
    _deploy(cfn, template)
    (served,) = fake.serving.of_kind(serve)
    (role,) = [
        name
        for name, r in template["Resources"].items()
        if name.startswith("Invoker") and r["Type"] == "AWS::IAM::Role"
    ]
    runtime = client_as(cfn, role)
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    answer = json.loads(runtime.invoke_model(modelId=served.arn, body=body)["body"].read())
    assert answer["output"]["message"]["content"][0]["text"] == f"(fake answer of {served.model_arn})"


# ---------------------------------------------------------------- point 7: an in-place swap, either answer


def _swap_template(model: str) -> dict[str, Any]:
    """Two copies, and a deployment of one of them (``"a"`` or ``"b"``): a new one moves it in place."""
    stack = cdk.Stack(cdk.App(), STACK_NAME, env=ENV)
    copies = {
        name: BedrockModelCopy(stack, name.upper(), source_model_arn=SOURCE_ARN, target_model_name=f"bot-{name}")
        for name in ("a", "b")
    }
    CustomModelDeployment(stack, "Endpoint", model=copies[model], deployment_name="bot")
    return dict(Template.from_stack(stack).to_json())


@pytest.mark.parametrize("switches", [False, True], ids=["model-arn-stays", "model-arn-switches"])
def test_an_in_place_swap_is_ready_once_update_details_say_so(
    fake: FakeBedrock, cfn: CloudFormationStack, switches: bool
) -> None:
    # docs/aws-behaviour.md S15: whether the deployment's top-level modelArn switches after an update is not
    # documented. Readiness follows updateDetails under both answers: ready within the update's few minutes.
    fake.serving.deployment_model_arn_switches = switches
    first = _swap_template("a")
    fake.iam = _policies(first)
    created = _deploy(cfn, first)[of_type(first, "Custom::BedrockCustomModelDeployment")]
    operations = _deploy(cfn, _swap_template("b"))
    (endpoint,) = operations
    updated = operations[endpoint].response
    model = fake.model_named("bot-b")
    assert model is not None and updated.data["ModelArn"] == model.model_arn
    assert updated.physical_resource_id == created.response.physical_resource_id
    assert updated.polls * 30 <= fake.serving.update_duration + 60  # not the 57 minutes of a wait that never ends
    (deployed,) = fake.serving.of_kind("deployment")
    assert deployed.model_arn == model.model_arn
    assert fake.iam is not None and fake.iam.denied == []


# ---------------------------------------------------------------- point 5: copies under either reading of T8


@pytest.mark.parametrize("as_tag_resource", [True, False], ids=["create-tags-as-TagResource", "create-tags-only"])
@pytest.mark.parametrize("version", ["0.2.0", "now"])
def test_a_copy_starts_under_either_reading_of_tag_on_create(version: str, as_tag_resource: bool) -> None:
    # docs/aws-behaviour.md T8: should Bedrock authorize targetModelTags as TagResource on the new model, 0.2.0's
    # policy (recorded in the corpus) denies every copy: its TagResource statements need an existing owner tag.
    from corpus import recorded, synthesize

    (template,) = (recorded("default") if version == "0.2.0" else synthesize("default")).values()
    fake = FakeBedrock(iam=_policies(template), create_tags_as_tag_resource=as_tag_resource)
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework)
        operations, _ = cfn.deploy_template(template)
    (copied,) = operations.values()
    denied = version == "0.2.0" and as_tag_resource
    assert copied.response.ok is not denied
    assert fake.iam is not None
    new_model = f"arn:aws:bedrock:{ENV.region}:{ENV.account}:custom-model/amazon.nova-lite-v1:0:300k/"
    assert [(action, resource.startswith(new_model)) for action, resource in fake.iam.denied] == (
        [("bedrock:TagResource", True)] if denied else []
    )
