"""Every failure a user reads names the log group the handler really writes to.

The provider framework (aws-cdk-lib 2.275, provider-framework/runtime/framework.js,
``invokeUserFunction``) appends ``Logs: /aws/lambda/<function name>`` to a user handler's
error. This library's functions log to HandlerLogs (their logging config), so the handler
names that group first, and says the framework's line is unused.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from bedrock_model_copy import BedrockModelCopy, ModelCopyProviderOptions
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from conftest import ENV, SOURCE_ARN

NAME = "pointer-copy"


def _template(*, key: bool) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Pointers", env=ENV)
    options = ModelCopyProviderOptions(encryption_key=kms.Key(stack, "LogKey")) if key else None
    BedrockModelCopy(stack, "Copy", source_model_arn=SOURCE_ARN, target_model_name=NAME, provider_options=options)
    return Template.from_stack(stack).to_json()


def _handler_log_groups(template: dict[str, Any], cfn: CloudFormationStack) -> set[str]:
    """The names of the log groups the template creates and the handler functions' logging config names."""
    resources = template["Resources"]
    referenced = {
        resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
        and str(resource["Properties"].get("Handler", "")).startswith("model_copy.handler.")
    }
    names = set()
    for logical_id in referenced:
        assert resources[logical_id]["Type"] == "AWS::Logs::LogGroup"
        named = resources[logical_id]["Properties"].get("LogGroupName")
        if named is None:
            names.add(cfn.generated_name(logical_id))
        else:
            parts = named["Fn::Join"][1]
            names.add("".join(cfn.stack_name if isinstance(p, dict) else p for p in parts))
    return names


def _failure(fake: FakeBedrock, template: dict[str, Any]) -> tuple[str, CloudFormationStack]:
    with simulated_environment(fake) as framework:
        cfn = CloudFormationStack(framework, stack_name="Pointers")
        operations, _ = cfn.deploy_template(template)
    (failed,) = [operation.response for operation in operations.values() if not operation.response.ok]
    return failed.reason, cfn


@pytest.mark.parametrize("key", [False, True], ids=["generated-name", "named-with-encryption-key"])
@pytest.mark.parametrize("entry_point", ["on_event", "is_complete"])
def test_a_handler_failure_names_the_log_group_the_template_creates(key: bool, entry_point: str) -> None:
    template = _template(key=key)
    fake = FakeBedrock()
    if entry_point == "on_event":
        fake.inject_fault("CreateModelCopyJob", "AccessDeniedException", status=403, times=10)
    else:
        fake.script_copy(NAME, duration=60, outcome="Failed", failure_message="source model unreadable")
    reason, cfn = _failure(fake, template)
    (group,) = _handler_log_groups(template, cfn)
    assert f"\n\nLogs: {group} (this library's log group;" in reason, reason
    # What the framework appends after it: the function's default group, which the handler called unused.
    function = cfn.framework.function_names[entry_point]
    assert reason.endswith(
        f"the provider framework's /aws/lambda/ line below is unused)\n\nLogs: /aws/lambda/{function}\n"
    )
    assert reason.count("Logs: ") == 2
