"""What the serving constructs share: the kind registry, the serving policy, and their base class.

A resource type registers its policy statements with :func:`register_kind`; the stack's shared
provider (``ModelCopyProvider``) then carries one more customer managed policy, ``ServingPolicy``,
rendered from every registered kind, attached to the handler role, created with the first serving
resource of the stack. Each serving resource depends on it, so CloudFormation deletes the
resources before the policy that lets the handler delete them. The copy's code does not change
when a kind is added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    Aws,
    CfnDeletionPolicy,
    CfnResource,
    CustomResource,
    Duration,
    IAnyProducer,
    IResolveContext,
    ITaggableV2,
    Lazy,
    RemovalPolicy,
    Stack,
    TagManager,
    TagType,
    Token,
    Validations,
)
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam

from constructs import Construct, IConstruct, IValidation

from . import _validation as validation
from ._app_checks import report
from ._lambda.model_copy.contract import (
    MAX_TIMEOUT_SECONDS,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
)
from ._lambda.model_copy.serving_contract import ATTRIBUTES, PROP_RESOURCE_KIND, PROP_TAGS, RESOURCE_TYPES
from ._long_serving import add_long_serving
from ._provider import PROVIDER_ID, ModelCopyProvider

SERVING_POLICY_ID = "ServingPolicy"
DEFAULT_POLL_SECONDS = 30
SERVICE_TIMEOUT = Duration.hours(1)
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
NAG_IAM5 = "AwsSolutions::AwsSolutions-IAM5"

# kind -> statements(region_arn, stack_name) (each kind module registers itself on import).
Statements = Callable[[str, str], list[dict[str, Any]]]
_KINDS: dict[str, Statements] = {}


def register_kind(kind: str, statements: Statements) -> None:
    """Add a resource type's policy statements to every stack's serving policy."""
    _KINDS[kind] = statements


def owned_condition() -> dict[str, str]:
    """IAM condition: the resource carries this stack's owner-stack tag."""
    return {f"aws:ResourceTag/{OWNER_TAG_KEY}": Aws.STACK_NAME}


def request_tag_condition() -> dict[str, Any]:
    """Tag on create, whether or not IAM sees the request's tags for the create action.

    ``StringEqualsIfExists``: where IAM has ``aws:RequestTag/<owner-stack>`` it must name this stack;
    where it has none (the Service Authorization Reference lists the key for these actions in some
    versions and not in others) the create is still allowed, and the handler tags it itself.
    """
    return {
        "StringEquals": {"aws:RequestedRegion": Aws.REGION},
        "StringEqualsIfExists": {f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME},
    }


def _shared_statements(region_arn: str) -> list[dict[str, Any]]:
    served = [f"{region_arn}:custom-model-deployment/*", f"{region_arn}:provisioned-model/*"]
    return [
        {
            # Who owns a deployment or Provisioned Throughput, read before it is changed or deleted.
            "Sid": "ReadServingOwnership",
            "Effect": "Allow",
            "Action": "bedrock:ListTagsForResource",
            "Resource": served,
        },
        {
            # Tag on create (some services authorize the tags of a create as TagResource): only a resource
            # that carries no owner tag yet, and only with this stack's.
            "Sid": "TagServingOnCreate",
            "Effect": "Allow",
            "Action": "bedrock:TagResource",
            "Resource": served,
            "Condition": {
                "StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME},
                "Null": {f"aws:ResourceTag/{OWNER_TAG_KEY}": "true"},
            },
        },
        {
            "Sid": "RetagOwnServing",
            "Effect": "Allow",
            "Action": ["bedrock:TagResource", "bedrock:UntagResource"],
            "Resource": served,
            "Condition": {
                "StringEquals": owned_condition(),
                "ForAllValues:StringNotEquals": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
            },
        },
    ]


@jsii.implements(IAnyProducer)
class _ServingPolicyProducer:
    def produce(self, context: IResolveContext) -> Any:
        region_arn = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        statements = _shared_statements(region_arn)
        for kind in sorted(_KINDS):
            statements += _KINDS[kind](region_arn, Aws.STACK_NAME)
        return {"Version": "2012-10-17", "Statement": statements}


def serving_policy(provider: ModelCopyProvider) -> iam.CfnManagedPolicy:
    """The stack's serving policy, attached to the handler role, created on first use."""
    existing = provider.node.try_find_child(SERVING_POLICY_ID)
    if isinstance(existing, iam.CfnManagedPolicy):
        return existing
    policy = iam.CfnManagedPolicy(
        provider,
        SERVING_POLICY_ID,
        description="bedrock-model-copy: custom model deployments and Provisioned Throughput of this stack",
        roles=[provider.handler_role.role_name],
        policy_document=Lazy.uncached_any(_ServingPolicyProducer()),
    )
    prefix = "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>"
    reasons = {
        "custom-model-deployment": "Deployment ARNs are generated by Bedrock when the handler creates them. Get is "
        "read-only; Update, Delete, TagResource and UntagResource are limited by aws:ResourceTag/"
        f"{OWNER_TAG_KEY} to deployments this stack made, and the ownership tags cannot be changed.",
        "provisioned-model": "Provisioned Throughput ARNs are generated by Bedrock when the handler creates them. "
        "Get is read-only; Update, Delete, TagResource and UntagResource are limited by "
        f"aws:ResourceTag/{OWNER_TAG_KEY} to ones this stack made, and the ownership tags cannot be changed.",
        "custom-model": "Copied model ARNs are generated by Bedrock: creating a deployment or Provisioned "
        "Throughput of a model, or moving one of this stack's to another model, names the model; only custom "
        "models of this account and Region, tagged with this stack's name on creation.",
    }
    ids = {f"{NAG_IAM5}[Resource::{prefix}:{kind}/*]": text for kind, text in reasons.items()}
    ids[f"{NAG_IAM5}[Resource::*]"] = (
        "Only bedrock:ListCustomModelDeployments and bedrock:ListProvisionedModelThroughputs, which have no "
        "resource-level permissions (Service Authorization Reference): read after a create refused as a taken name, "
        "to take back this resource's own by its ownership tags."
    )
    Validations.of(policy).acknowledge(*(Acknowledgment(id=rule, reason=text) for rule, text in ids.items()))
    return policy


@jsii.implements(IAnyProducer)
class _TagsProducer:
    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self, context: IResolveContext) -> Any:
        return self._tags.render_tags() or None


def model_arn_of(model: object) -> tuple[str, IConstruct | None, str]:
    """(ARN to serve, the construct to wait for, the ARN to check at synth time: a copy's source).

    ``model`` is a BedrockModelCopy (its copied model; deployed after the copy completes), an
    ``aws_bedrock.IModel`` or an ARN string.
    """
    arn = getattr(model, "model_arn", None) if not isinstance(model, str) else model
    if not isinstance(arn, str):
        raise validation.PropertyTypeError("model", model, "a BedrockModelCopy, an aws_bedrock.IModel or a model ARN")
    construct = model if isinstance(model, Construct) else None
    source = getattr(model, "requested_source_model_arn", None)
    return arn, construct, source if isinstance(source, str) else arn


def is_imported(arn: str) -> bool:
    return not Token.is_unresolved(arn) and ":custom-model/imported/" in arn


@jsii.implements(bedrock.IModel)
@jsii.implements(ITaggableV2)
class ServingResource(Construct):
    """Base of :class:`CustomModelDeployment` and :class:`ProvisionedThroughput`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: str,
        model: object,
        properties: Mapping[str, Any],
        tags: Mapping[str, str] | None,
        removal_policy: RemovalPolicy,
        timeout: Duration | None,
    ) -> None:
        validation.check_type("tags", tags, (Mapping, type(None)), "a mapping of str to str")
        validation.check_removal_policy(removal_policy)
        validation.check_optional_duration("timeout", timeout)
        tags = dict(tags or {})
        validation.check_tags(tags)
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        shared = existing if isinstance(existing, ModelCopyProvider) else None
        poll_seconds = shared.poll_interval_seconds if shared else DEFAULT_POLL_SECONDS
        timeout_seconds = validation.whole_seconds("timeout", timeout or Duration.seconds(MAX_TIMEOUT_SECONDS))
        # Above 57 minutes (up to 12 hours) the create waits through a WaitCondition (_long_serving).
        validation.check_timeout(timeout_seconds, poll_seconds, long_copies=True)
        provider = ModelCopyProvider.of(
            scope,
            poll_interval_seconds=poll_seconds,
            options=shared.options if shared else None,
        )
        super().__init__(scope, id)
        self.provider = provider
        self.kind = kind
        self._tag_manager = TagManager(TagType.MAP, RESOURCE_TYPES[kind], tags or None)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=RESOURCE_TYPES[kind],
            properties={
                PROP_RESOURCE_KIND: kind,
                **properties,
                PROP_TAGS: Lazy.uncached_any(_TagsProducer(self._tag_manager)),
                PROP_TIMEOUT_SECONDS: str(timeout_seconds),
                PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            },
            removal_policy=removal_policy,
            service_timeout=SERVICE_TIMEOUT,
        )
        self.resource.node.add_dependency(serving_policy(provider))
        # A long one's attributes come from its Result resource, once the watcher saw it ready.
        self.result: CustomResource | None = None
        if timeout_seconds > MAX_TIMEOUT_SECONDS:
            self.result = add_long_serving(
                self,
                self.cfn_resource,
                provider=provider,
                kind=kind,
                properties=properties,
                timeout_seconds=timeout_seconds,
                poll_seconds=poll_seconds,
            )
        attributes_from = self.result or self.resource
        self._attributes = {name: attributes_from.get_att_string(cfn) for name, cfn in ATTRIBUTES[kind].items()}
        self.node.add_validation(_FinalTags(self))

    def _wait_for(self, model: IConstruct | None) -> None:
        """Deploy after the model's construct (a copy: after its last resource, so a failed copy buys nothing)."""
        if model is not None:
            self.resource.node.add_dependency(model)

    @property
    def cfn_resource(self) -> CfnResource:
        """The CloudFormation custom resource (an escape hatch)."""
        child = self.resource.node.default_child
        assert isinstance(child, CfnResource)
        return child

    @property
    def cdk_tag_manager(self) -> TagManager:
        """CDK's tag manager (``ITaggableV2``): ``Tags.of(scope)`` adds to it."""
        return self._tag_manager

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """``RETAIN`` or ``DESTROY`` (the same as the ``removal_policy`` prop)."""
        validation.check_removal_policy(policy)
        self.resource.apply_removal_policy(policy)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke the model through this resource (InvokeModel, InvokeModelWithResponseStream)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=self._invoke_resources()
        )

    def _invoke_resources(self) -> list[str]:
        return [self.arn]

    def warn(self, id: str, message: str) -> None:
        Annotations.of(self).add_warning_v2(f"bedrock-model-copy:{id}", message)

    @property
    def model_arn(self) -> str:
        """The ARN Bedrock invokes (``aws_bedrock.IModel``): this resource's ARN."""
        return self.arn

    @property
    def arn(self) -> str:
        """ARN of the deployment or Provisioned Throughput (``Arn``)."""
        return self._attributes["arn"]

    @property
    def name(self) -> str:
        """Its name (``Name``)."""
        return self._attributes["name"]

    @property
    def status(self) -> str:
        """Its status when the resource completed (``Status``)."""
        return self._attributes["status"]

    @property
    def served_model_arn(self) -> str:
        """ARN of the custom model it serves (``ModelArn``)."""
        return self._attributes["served_model_arn"]


@jsii.implements(IValidation)
class _FinalTags:
    def __init__(self, construct: ServingResource) -> None:
        self._construct = construct

    def validate(self) -> list[str]:
        errors: list[str] = []
        tags_error = validation.final_tags_error(dict(self._construct.cdk_tag_manager.render_tags() or {}))
        if tags_error is not None:  # app.synth() raises it as PropertyValidationError (_app_checks)
            errors.append(report(tags_error, self._construct.node.path))
        if self._construct.cfn_resource.cfn_options.deletion_policy == CfnDeletionPolicy.SNAPSHOT:
            errors.append("removal_policy 'RemovalPolicy.SNAPSHOT' is not valid: must be RETAIN or DESTROY")
        return errors
