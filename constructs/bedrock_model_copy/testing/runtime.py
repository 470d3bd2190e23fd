"""Call the fake as one of your stack's roles: invoke a served model the way your function would.

After :meth:`~bedrock_model_copy.testing.CloudFormationStack.deploy_template`, :func:`client_as`
returns a real boto3 client (``bedrock-runtime`` by default) pointed at the fake, whose calls are
authorized with the policies the template attaches to a role of yours, resolved with what the
stack deployed (a deployment's ``Arn``, a copy's ``TargetModelArn``, the ``TemplateValues`` it was given)
and what other stacks of the simulated environment export (``Fn::ImportValue``). So a test shows that
the function's role may invoke the deployment, and that the deployment answers:

>>> runtime = client_as(stack, "InvokerServiceRole1234")
>>> runtime.invoke_model(modelId=deployment_arn, body=b'{"messages": []}')

For the stacks of a whole app, :meth:`~.apps.DeployedApp.client_as` takes the role construct itself.

The fake answers ``InvokeModel`` through an Active deployment or an InService Provisioned
Throughput, and refuses a customized model's own ARN, as Bedrock does (docs/aws-behaviour.md S1).
"""

from __future__ import annotations

from typing import Any

import boto3

from ._shared import short_id
from .cfn.stack import CloudFormationStack
from .iam import PolicySet, role_documents

__all__ = ["client_as", "role_policies_deployed"]


def role_policies_deployed(stack: CloudFormationStack, role_logical_id: str) -> PolicySet:
    """The identity policies of ``role_logical_id`` in the stack's template, resolved as deployed."""
    template = stack.template
    resources: dict[str, Any] = template["Resources"]
    if resources.get(role_logical_id, {}).get("Type") != "AWS::IAM::Role":
        roles = sorted(name for name, resource in resources.items() if resource["Type"] == "AWS::IAM::Role")
        raise ValueError(f"{role_logical_id!r} is not a role of the deployed template; its roles: {roles}")
    resolver, where = stack.resolver(template), f"{role_logical_id} policies"
    return PolicySet([resolver.resolve(document, where) for document in role_documents(template, role_logical_id)])


def client_as(stack: CloudFormationStack, role_logical_id: str, service: str = "bedrock-runtime") -> Any:
    """A boto3 client for ``service`` on the fake, authorized as ``role_logical_id`` (see the module)."""
    fake = stack.framework.fake
    if fake is None or not stack.framework.endpoint:
        raise ValueError("client_as needs a stack made inside simulated_environment(fake)")
    access_key = f"AKIAROLE{short_id(stack.stack_id, role_logical_id).upper()}"  # one per role of each stack
    fake.role_iam[access_key] = role_policies_deployed(stack, role_logical_id)
    return boto3.client(
        service,
        endpoint_url=stack.framework.endpoint,
        region_name=stack.region,
        aws_access_key_id=access_key,
        aws_secret_access_key="testing",  # noqa: S106 - the fake's test credentials
        aws_session_token="testing",  # noqa: S106
    )
