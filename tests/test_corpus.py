"""Nothing changes for users (issue 21, point 7): the corpus synthesizes what 0.2.0 synthesized.

Byte for byte (after tests/corpus.py's normalization of asset hashes), except the least-privilege
change of point 3, stated here exactly: 0.2.0's one ``ServingPolicy`` (every serving kind's statements,
whatever the stack held) is replaced by one policy per serving kind the stack has
(``<Kind>Policy`` under the provider), and each serving resource depends on its kind's policy instead
of the ``ServingPolicy``. Each kind's policy holds exactly 0.2.0's statements for that kind: the
shared ownership statements restricted to the kind's own resource type (with ``RetagOwnServing``'s
tag-key guard made case-insensitive, issue 21 defect 8), then the kind's own statements, unchanged.

And one fix of issue 24: a Provisioned Throughput's ``grant_invoke`` also grants the custom model it serves, as a
deployment's always did (docs/aws-behaviour.md S9), so a role's invoke statement on a Provisioned Throughput names
its ``ModelArn`` too (:func:`_with_issue_24_grants` applies exactly that to 0.2.0's templates).

And two differences of issue 22 (:func:`_without_billing_changes` undoes exactly these, checking each):

- point 5: a stack with a copy has one more statement in the provider's Bedrock policy, after
  ``FindJobsToResume``: ``TagCopiesOnCreate`` (:data:`TAG_COPIES_ON_CREATE`: TagResource on the account's
  custom models in this Region under the create's own tag conditions, only where no owner tag exists yet);
- point 1: every Provisioned Throughput has one more property, ``RetainOnReplace``: ``"true"`` exactly when
  its UpdateReplacePolicy is ``Retain``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from corpus import APPS, recorded, synthesize

from bedrock_model_copy._kinds import KINDS

PROVIDER = "BedrockModelCopyProvider"
OLD_POLICY = f"{PROVIDER}ServingPolicyAA9B8179"
SHARED_SIDS = ("ReadServingOwnership", "TagServingOnCreate", "RetagOwnServing")
SERVING = {kind.resource_type: kind for kind in KINDS if kind.policy is not None}


TAG_COPIES_ON_CREATE = {
    "Action": "bedrock:TagResource",
    "Condition": {
        "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": ["bedrock-model-copy:replaced-by"]},
        "Null": {
            "aws:RequestTag/bedrock-model-copy:copy-request": "false",
            "aws:RequestTag/bedrock-model-copy:owner-resource": "false",
            "aws:ResourceTag/bedrock-model-copy:owner-stack": "true",
        },
        "StringEquals": {"aws:RequestTag/bedrock-model-copy:owner-stack": {"Ref": "AWS::StackName"}},
    },
    "Effect": "Allow",
    "Resource": {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":custom-model/*",
            ],
        ]
    },
    "Sid": "TagCopiesOnCreate",
}
THROUGHPUT = "Custom::BedrockProvisionedThroughput"


def _without_billing_changes(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` without issue 22's two differences (the module's docstring), each checked as it is undone."""
    result = copy.deepcopy(template)
    resources = result["Resources"]
    copies = any(
        r["Type"] == "Custom::BedrockModelCopy" and "SourceModelArn" in r["Properties"] for r in resources.values()
    )
    found = 0
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == THROUGHPUT and properties.get("Mode") != "Result":
            retain = properties.pop("RetainOnReplace")
            assert retain == ("true" if resource.get("UpdateReplacePolicy") == "Retain" else "false"), logical_id
        if resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            continue
        statements = properties["PolicyDocument"]["Statement"]
        sids = [statement.get("Sid") for statement in statements]
        if "TagCopiesOnCreate" in sids:
            at = sids.index("TagCopiesOnCreate")
            assert sids[at - 1] == "FindJobsToResume" and statements.pop(at) == TAG_COPIES_ON_CREATE
            found += 1
    assert found == (1 if copies else 0)
    return result


def _policy_ids(template: dict[str, Any]) -> dict[str, str]:
    """Logical id of each serving kind's policy in ``template`` -> the kind's resource type."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        for kind in SERVING.values():
            assert kind.policy is not None
            prefix = f"{PROVIDER}{kind.policy.id}"
            if logical_id.startswith(prefix) and len(logical_id) == len(prefix) + 8:
                assert resource["Type"] == "AWS::IAM::ManagedPolicy"
                found[logical_id] = kind.resource_type
    return found


def _without_serving_policies(template: dict[str, Any], policies: set[str]) -> dict[str, Any]:
    """``template`` without ``policies``, and every DependsOn on one of them written as one on "<serving policy>"."""
    result = copy.deepcopy(template)
    for logical_id in policies:
        del result["Resources"][logical_id]
    for resource in result["Resources"].values():
        if "DependsOn" in resource:
            named = {"<serving policy>" if item in policies else item for item in resource["DependsOn"]}
            resource["DependsOn"] = sorted(named)
    return result


def _expected_statements(old_document: dict[str, Any], kind_type: str, own_sids: list[str]) -> list[dict[str, Any]]:
    """What 0.2.0's ServingPolicy granted for one kind: the shared statements on its type, then its own."""
    by_sid = {statement["Sid"]: statement for statement in old_document["Statement"]}
    arn_type = SERVING[kind_type].arn_type
    expected = []
    for sid in SHARED_SIDS:
        statement = copy.deepcopy(by_sid[sid])
        statement["Resource"] = [r for r in statement["Resource"] if r["Fn::Join"][1][-1] == f":{arn_type}/*"]
        condition = statement.get("Condition", {})
        if "ForAllValues:StringNotEquals" in condition:  # defect 8: the case-sensitive guard
            condition["ForAllValues:StringNotEqualsIgnoreCase"] = condition.pop("ForAllValues:StringNotEquals")
        expected.append(statement)
    return expected + [by_sid[sid] for sid in own_sids]


def _with_issue_24_grants(template: dict[str, Any]) -> dict[str, Any]:
    """0.2.0's ``template`` with each invoke statement on a Provisioned Throughput also on the model it serves."""
    result = copy.deepcopy(template)
    resources = result["Resources"]
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            target = statement["Resource"]
            if "bedrock:InvokeModel" not in statement["Action"] or not isinstance(target, dict):
                continue
            served = resources.get(target.get("Fn::GetAtt", [""])[0], {})
            if served.get("Type") == "Custom::BedrockProvisionedThroughput":
                statement["Resource"] = [target, served["Properties"]["ModelArn"]]
    return result


@pytest.mark.parametrize("name", list(APPS))
def test_every_app_synthesizes_what_0_2_0_did_except_the_serving_policies(name: str) -> None:
    now, then = synthesize(name), {stack: _with_issue_24_grants(t) for stack, t in recorded(name).items()}
    assert set(now) == set(then)
    for stack_name, template in now.items():
        template = _without_billing_changes(template)
        old = then[stack_name]
        new_policies = _policy_ids(template)
        old_policies = {OLD_POLICY} if OLD_POLICY in old["Resources"] else set()
        assert bool(new_policies) == bool(old_policies), stack_name  # a serving policy where 0.2.0 had one
        assert json.dumps(_without_serving_policies(template, set(new_policies)), sort_keys=True) == json.dumps(
            _without_serving_policies(old, old_policies), sort_keys=True
        ), stack_name
        if not old_policies:
            continue
        old_policy = old["Resources"][OLD_POLICY]["Properties"]
        kinds_present = {r["Type"] for r in template["Resources"].values() if r["Type"] in SERVING}
        assert set(new_policies.values()) == kinds_present  # one policy per kind the stack has, no other
        moved: list[str] = []
        for logical_id, kind_type in new_policies.items():
            properties = template["Resources"][logical_id]["Properties"]
            assert properties["Roles"] == old_policy["Roles"]
            assert (
                properties["Description"].startswith("bedrock-model-copy: ")
                and "of this stack" in (properties["Description"])
            )
            statements = properties["PolicyDocument"]["Statement"]
            own = [s["Sid"] for s in statements[len(SHARED_SIDS) :]]
            assert properties["PolicyDocument"]["Version"] == old_policy["PolicyDocument"]["Version"]
            assert statements == _expected_statements(old_policy["PolicyDocument"], kind_type, own)
            moved += own
            # Every resource of the kind depends on its kind's policy, no resource of another kind does.
            for resource in template["Resources"].values():
                if resource["Type"] in SERVING and resource["Properties"].get("Mode") != "Result":
                    assert (logical_id in resource.get("DependsOn", [])) == (resource["Type"] == kind_type)
        old_own = [s["Sid"] for s in old_policy["PolicyDocument"]["Statement"] if s["Sid"] not in SHARED_SIDS]
        # The statements of the kinds the stack has moved to their policies; the others are gone.
        assert sorted(moved) == sorted(sid for sid in old_own if _kind_of_sid(old_policy, sid) in kinds_present)


def _kind_of_sid(old_policy: dict[str, Any], sid: str) -> str:
    """The kind (resource type) one of 0.2.0's own statements was for, from the actions it names."""
    (statement,) = [s for s in old_policy["PolicyDocument"]["Statement"] if s["Sid"] == sid]
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    names = {"CustomModelDeployment": "Custom::BedrockCustomModelDeployment"}
    names["ProvisionedModelThroughput"] = "Custom::BedrockProvisionedThroughput"
    (kind,) = {resource_type for word, resource_type in names.items() for a in actions if word in a}
    return kind


def test_the_difference_is_exactly_this() -> None:
    """The serving app of the corpus, in numbers: one policy removed, one per kind added, statements split."""
    now, then = _without_billing_changes(synthesize("serving")["Serving"]), recorded("serving")["Serving"]
    added = sorted(set(now["Resources"]) - set(then["Resources"]))
    removed = sorted(set(then["Resources"]) - set(now["Resources"]))
    assert removed == [OLD_POLICY]
    assert [name[:-8] for name in added] == [
        f"{PROVIDER}CustomModelDeploymentPolicy",
        f"{PROVIDER}ProvisionedThroughputPolicy",
    ]
    changed = sorted(
        k for k in now["Resources"] if k in then["Resources"] and now["Resources"][k] != then["Resources"][k]
    )
    assert changed == [
        "ByArn048781FC",
        "CommittedB23E7469",
        "CopyOnDemandE9F0C920",
        "CopyProvisioned529E3C4C",
        "InvokerDefaultPolicy3FF8208D",
    ]
    grants = changed.pop()  # issue 24: the invoke statement on the Provisioned Throughput, on its model too
    assert _with_issue_24_grants(then)["Resources"][grants] == now["Resources"][grants] != then["Resources"][grants]
    for logical_id in changed:  # only their DependsOn
        old, new = then["Resources"][logical_id], now["Resources"][logical_id]
        assert {k: v for k, v in old.items() if k != "DependsOn"} == {k: v for k, v in new.items() if k != "DependsOn"}
    only = synthesize("deployment_only")["DeploymentOnly"]
    (policy,) = [r for k, r in only["Resources"].items() if k.startswith(f"{PROVIDER}CustomModelDeploymentPolicy")]
    text = json.dumps(policy)
    # Least privilege: a stack with only a deployment can no longer buy, change or delete Provisioned Throughput.
    assert "ProvisionedModelThroughput" not in text and "provisioned-model" not in text
    assert "ProvisionedModelThroughput" in json.dumps(then["Resources"][OLD_POLICY])


def test_an_upgrade_from_0_2_0_changes_nothing_in_bedrock() -> None:
    """The corpus' serving stack as 0.2.0 deployed it, then this version's template (docs/serving.md, IAM).

    In the update phase both the old ServingPolicy and the new per-kind policies exist (the union is what
    the handler may do). The Provisioned Throughputs gain ``RetainOnReplace`` (issue 22, point 1), so
    CloudFormation sends each an Update: it reads the resource and changes nothing in Bedrock; every other
    resource changes only its DependsOn or an IAM policy, which sends it nothing.
    """
    from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
    from bedrock_model_copy.testing.iam import PolicySet, handler_role_policies
    from conftest import ENV, STACK_NAME

    old, new = recorded("serving")["Serving"], synthesize("serving")["Serving"]
    for template in (old, new):  # its model, copied elsewhere, is not in the fake
        del template["Resources"]["ByArn048781FC"]

    def policies(template: dict[str, Any]) -> list[dict[str, Any]]:
        found = handler_role_policies(template, stack_name=STACK_NAME, region=str(ENV.region), account=str(ENV.account))
        return list(found.documents)

    # 0.2.0's policy has no TagCopiesOnCreate: its copies deploy only where a create's tags are not authorized as
    # TagResource (docs/aws-behaviour.md T8), the reading under which a 0.2.0 stack exists to be upgraded.
    fake = FakeBedrock(iam=PolicySet(policies(old)), create_tags_as_tag_resource=False)
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework)
        created, _ = cfn.deploy_template(old)
        assert set(created) == {k for k, r in old["Resources"].items() if r["Type"].startswith("Custom::")}
        assert all(operation.response.ok for operation in created.values()), cfn.first_failure()
        assert len(fake.serving.resources) == 3  # a deployment and two Provisioned Throughputs
        before = {arn: (r.model_arn, dict(r.tags)) for arn, r in fake.serving.resources.items()}
        calls = len(fake.calls)
        fake.iam = PolicySet(policies(old) + policies(new))  # the update phase: old and new policies both exist
        updated, _ = cfn.deploy_template(new)
    throughputs = {k for k, r in new["Resources"].items() if r["Type"] == THROUGHPUT}
    assert set(updated) == throughputs and all(operation.response.ok for operation in updated.values())
    assert all(op.response.physical_resource_id == cfn.resources[k].physical_resource_id for k, op in updated.items())
    assert {call.operation for call in fake.calls[calls:]} <= {"GetProvisionedModelThroughput", "DescribeStacks"}
    assert {arn: (r.model_arn, dict(r.tags)) for arn, r in fake.serving.resources.items()} == before
    assert fake.iam.denied == []
