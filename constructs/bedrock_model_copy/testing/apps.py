"""Deploy every stack of a CDK app offline, in dependency order, as ``cdk deploy --all`` does.

:func:`deploy_app` synthesizes a ``cdk.App`` (or takes a cloud assembly), and deploys each stack with a
:class:`~.cfn.stack.CloudFormationStack` in one :func:`~.driver.simulated_environment`: a stack's
``Fn::ImportValue`` of what a stack before it exported resolves by itself (:mod:`.cfn.exports`), so a
two-stack app (a copy and its deployment in one stack, an invoker in another) needs no hand-written
value. It returns a :class:`DeployedApp`: each stack, its outputs and operations, and
:meth:`DeployedApp.client_as` to call the fake as a role of any stack.

>>> with simulated_environment(fake) as framework:
...     deployed = deploy_app(app, framework)
...     runtime = deployed.client_as(invoker_stack.function.role)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import cx_api

from constructs import IConstruct

from .cfn.framework import ProviderFramework
from .cfn.resources import StackOperation
from .cfn.stack import CloudFormationStack
from .iam import PolicySet, handler_role_policies
from .intrinsics import TemplateValues
from .runtime import client_as

__all__ = ["DeployedApp", "deploy_app"]

_UNKNOWN = ("unknown-account", "unknown-region")  # an environment-agnostic stack: the fake's account and Region


@dataclass
class DeployedApp:
    """The stacks of an app as :func:`deploy_app` deployed them.

    Attributes
    ----------
    stacks : dict[str, CloudFormationStack]
        Each stack deployed, by stack name, in the order deployed.
    outputs : dict[str, dict[str, str]]
        Each stack's outputs that could be resolved, by stack name.
    operations : dict[str, dict[str, StackOperation]]
        Each stack's operations (by logical id), as :meth:`CloudFormationStack.deploy_template` returns them.
    failed : str or None
        The stack whose deploy failed (it rolled back; the stacks after it were not deployed), or None.
    handler_iam : bool
        Whether each stack's handler calls are authorized with that stack's handler role (see :func:`deploy_app`).
    """

    stacks: dict[str, CloudFormationStack] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    operations: dict[str, dict[str, StackOperation]] = field(default_factory=dict)
    failed: str | None = None
    handler_iam: bool = True

    def stack(self, of: str | IConstruct) -> CloudFormationStack:
        """The deployed stack named ``of``, or the one a construct of the app is in."""
        name = of if isinstance(of, str) else cdk.Stack.of(of).stack_name
        if name not in self.stacks:
            raise KeyError(f"stack {name!r} was not deployed; deployed: {sorted(self.stacks)}")
        return self.stacks[name]

    def properties_of(self, construct: IConstruct) -> dict[str, Any]:
        """The CloudFormation properties of ``construct`` (or of its default child: a ``lambda_.Function``'s
        ``AWS::Lambda::Function``) resolved as its stack deployed them: ``Fn::ImportValue`` of other stacks'
        exports, attributes of the resources the kit deployed. A function's ``Environment`` is what Lambda
        gives its code. What reads a resource the kit does not deploy (a log group, a role's ARN) stays a
        ``<unresolved Ref X>`` / ``<unresolved GetAtt X.Attr>`` marker."""
        element = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
        if not isinstance(element, cdk.CfnElement):
            raise ValueError(f"{construct.node.path} has no CloudFormation resource of its own")
        stack = cdk.Stack.of(element)
        deployed = self.stack(stack.stack_name)
        logical_id = stack.get_logical_id(element)
        resource = deployed.template["Resources"][logical_id]
        resolver = deployed.resolver(deployed.template)
        resolver.lenient = True
        resolved: dict[str, Any] = resolver.resolve(resource.get("Properties", {}), f"{logical_id}.Properties")
        return resolved

    def client_as(self, role: IConstruct | None, service: str = "bedrock-runtime") -> Any:
        """A boto3 client on the fake, authorized with the policies of ``role`` (an ``iam.Role`` of the app, such
        as ``function.role``), resolved as its stack deployed them (other stacks' exports included): see
        :func:`.runtime.client_as`."""
        if role is None:
            raise ValueError("client_as needs a role (a function made without one has function.role None)")
        child = role.node.default_child
        if not isinstance(child, cdk.CfnElement):
            raise ValueError(f"{role.node.path} is not a role this app defines (an imported role has no policies here)")
        stack = cdk.Stack.of(child)
        return client_as(self.stack(stack.stack_name), stack.get_logical_id(child), service)

    def delete(self) -> dict[str, dict[str, StackOperation]]:
        """Delete every stack, the last deployed first (an importing stack before the one it imports from)."""
        deleted: dict[str, dict[str, StackOperation]] = {}
        for name, stack in reversed(list(self.stacks.items())):
            # The handler functions' names and environment are those of the stack deployed last: this one's again.
            stack._configure_handler_functions(stack.template.get("Resources", {}), stack.values or TemplateValues())
            with _as_handler_of(stack, enforce=self.handler_iam):
                deleted[name] = stack.delete_stack()
            del self.stacks[name]
        return deleted


def deploy_app(
    app: cdk.Stage | cx_api.CloudAssembly,
    framework: ProviderFramework,
    *,
    values: Mapping[str, TemplateValues] | None = None,
    handler_iam: bool = True,
) -> DeployedApp:
    """Deploy every stack of ``app`` in dependency order, as ``cdk deploy --all`` does; see the module.

    Parameters
    ----------
    app : cdk.App, cdk.Stage or cx_api.CloudAssembly
        The app (synthesized here) or its cloud assembly. Its stacks must be in the fake's account and
        Region, or environment-agnostic (then they deploy there).
    framework : ProviderFramework
        What :func:`~.driver.simulated_environment` yields.
    values : Mapping[str, TemplateValues], optional
        By stack name: what the kit cannot know (SSM parameters, resources it does not deploy). Exports of
        the app's own stacks need none.
    handler_iam : bool
        With True (the default), while a stack deploys the handler's calls are authorized with that stack's
        handler role policies (``fake.iam``, restored afterwards), as each stack's own function is in AWS.

    Returns
    -------
    DeployedApp
        Each stack, its outputs and operations; ``failed`` names a stack whose deploy failed (the stacks
        after it were not deployed, as ``cdk deploy`` stops there).
    """
    fake = framework.fake
    if fake is None:
        raise ValueError("deploy_app needs a framework made by simulated_environment(fake)")
    assembly = app.synth() if isinstance(app, cdk.Stage) else app
    deployed = DeployedApp(handler_iam=handler_iam)
    for artifact in assembly.stacks_recursively:  # in dependency order: cx-api sorts a cloud assembly's artifacts
        account, region = artifact.environment.account, artifact.environment.region
        if (account, region) != (fake.account, fake.region) and (account, region) != _UNKNOWN:
            raise ValueError(
                f"stack {artifact.stack_name} is in account {account} and Region {region}; this fake is "
                f"{fake.account} in {fake.region}: a fake is one account and Region (deploy that stack with a "
                "FakeBedrock of its own)"
            )
        stack = CloudFormationStack(framework, stack_name=artifact.stack_name, region=fake.region, account=fake.account)
        deployed.stacks[artifact.stack_name] = stack
        stack.template = dict(artifact.template)
        with _as_handler_of(stack, enforce=handler_iam):
            operations, outputs = stack.deploy_template(
                dict(artifact.template), (values or {}).get(artifact.stack_name)
            )
        deployed.operations[artifact.stack_name] = operations
        deployed.outputs[artifact.stack_name] = outputs
        if not all(operation.response.ok for operation in operations.values()):
            deployed.failed = artifact.stack_name
            break
    return deployed


@contextmanager
def _as_handler_of(stack: CloudFormationStack, *, enforce: bool) -> Iterator[None]:
    """While a stack deploys: its handler role's policies (if it has a handler and ``enforce``)."""
    fake = stack.framework.fake
    policies: PolicySet | None = None
    if enforce and fake is not None and stack.template.get("Resources"):
        try:
            policies = handler_role_policies(
                stack.template, stack_name=stack.stack_name, region=stack.region, account=stack.account
            )
        except ValueError:  # no handler in this stack: nothing of it calls the fake
            policies = None
    if fake is None or policies is None:
        yield
        return
    previous, fake.iam = fake.iam, policies
    try:
        yield
    finally:
        fake.iam = previous
