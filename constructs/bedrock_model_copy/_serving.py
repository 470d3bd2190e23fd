"""What the serving kinds share: their base class, and the statements and policy every serving kind has.

A serving kind (a construct module of its own) defines its :class:`~._kind.ConstructKind` with
:func:`serving_kind`: its own policy on the stack's handler role (``<provider>/<Kind>Policy``), made
with the first resource of the kind and holding what the handler does with that kind only (create,
read, update, delete, find by name, and :func:`ownership_statements` on its own resource type).
Each resource depends on its kind's policy, so CloudFormation deletes the resources before the
policy that lets the handler delete them. Nothing here names a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    Aws,
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
)
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam

from constructs import Construct, IConstruct

from . import _validation as validation
from ._checkers import NAG_IAM5, no_resource_level_reason
from ._kind import ConstructKind, KindPolicy, Statement, allow
from ._lambda.model_copy.contract import (
    MAX_TIMEOUT_SECONDS,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
)
from ._lambda.model_copy.serving_contract import ATTRIBUTES, PROP_RESOURCE_KIND, PROP_TAGS, RESOURCE_TYPES
from ._lambda.model_copy.serving_rules import IMPORTED_MODEL_RULE
from ._long_serving import add_long_serving
from ._options import Requester
from ._provider import PROVIDER_ID, ModelCopyProvider

DEFAULT_POLL_SECONDS = 30
SERVICE_TIMEOUT = Duration.hours(1)
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
NAG_PREFIX = "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>"


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


def ownership_statements(resources: str) -> list[Statement]:
    """Reading and writing the ownership of a kind's own resources (``resources``: its ARNs, ``.../<type>/*``)."""
    return [
        # Who owns a resource of the kind, read before it is changed or deleted.
        allow("ReadServingOwnership", "bedrock:ListTagsForResource", [resources]),
        # Tag on create (some services authorize the tags of a create as TagResource): only a resource that
        # carries no owner tag yet, and only with this stack's.
        allow(
            "TagServingOnCreate",
            "bedrock:TagResource",
            [resources],
            {
                "StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME},
                "Null": {f"aws:ResourceTag/{OWNER_TAG_KEY}": "true"},
            },
        ),
        allow(
            "RetagOwnServing",
            ["bedrock:TagResource", "bedrock:UntagResource"],
            [resources],
            {
                "StringEquals": owned_condition(),
                # IAM matches tag keys in aws:ResourceTag/<key> without regard to case: refuse them in any case
                # (docs/aws-behaviour.md T5), as the copy's RetagOwnCopies does.
                "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
            },
        ),
    ]


def serving_kind(
    *,
    name: str,
    arn_type: str,
    noun: str,
    statements: Callable[[str], list[Statement]],
    no_resource_level_actions: Mapping[str, str],
) -> ConstructKind:
    """A serving kind: its policy holds :func:`ownership_statements` on ``arn_type``, then ``statements``.

    ``noun``: what the policy's description and acknowledgements call its resources (plural).
    ``statements(region_arn)`` name ``custom-model/*`` (the model served), ``<arn_type>/*`` and, for
    ``no_resource_level_actions``, ``*``: the acknowledgements below cover exactly those three.
    """

    def all_statements(region_arn: str) -> list[Statement]:
        return ownership_statements(f"{region_arn}:{arn_type}/*") + statements(region_arn)

    acknowledgements = {
        f"{NAG_IAM5}[Resource::{NAG_PREFIX}:{arn_type}/*]": f"ARNs of {noun} are generated by Bedrock when the "
        "handler creates them. Get and ListTagsForResource are read-only; Update, Delete, TagResource and "
        f"UntagResource are limited by aws:ResourceTag/{OWNER_TAG_KEY} to ones this stack made, and the ownership "
        "tags cannot be changed (in any letter case).",
        f"{NAG_IAM5}[Resource::{NAG_PREFIX}:custom-model/*]": "Copied model ARNs are generated by Bedrock: creating "
        f"{noun} of a model, or moving one of this stack's to another model, names the model; only custom models "
        "of this account and Region, tagged with this stack's name on creation.",
        f"{NAG_IAM5}[Resource::*]": no_resource_level_reason(no_resource_level_actions),
    }
    policy = KindPolicy(
        id=f"{name}Policy",
        description=f"bedrock-model-copy: {noun} of this stack",
        statements=all_statements,
        acknowledgements=acknowledgements,
    )
    return ConstructKind(
        name=name,
        label=name,
        resource_type=RESOURCE_TYPES[name],
        arn_type=arn_type,
        policy=policy,
        no_resource_level_actions=no_resource_level_actions,
        serves_models=True,
    )


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


def check_servable(model: object) -> None:
    """Refuse a model Bedrock invokes on demand by its own ARN (a construct that says so: ``invoked_on_demand``)."""
    if getattr(model, "invoked_on_demand", False) is True:
        node = model.node  # type: ignore[attr-defined]
        raise validation.PropertyValidationError("model", node.path, IMPORTED_MODEL_RULE)


@jsii.implements(bedrock.IModel)
@jsii.implements(ITaggableV2)
class ServingResource(Construct):
    """Base of the serving kinds' constructs (a Bedrock resource that serves a custom model)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: ConstructKind,
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
        # No poll_interval or provider_options of its own: the stack's provider as it is, or the defaults.
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
            requester=Requester(kind.label, scope, id, chooses_settings=False),
        )
        super().__init__(scope, id)
        self.provider = provider
        self.kind = kind.name
        self._served_model_arn_input = model_arn_of(model)[0]  # grant_invoke grants it too (S9)
        self._tag_manager = TagManager(TagType.MAP, kind.resource_type, tags or None)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=kind.resource_type,
            properties={
                PROP_RESOURCE_KIND: kind.name,
                **properties,
                PROP_TAGS: Lazy.uncached_any(_TagsProducer(self._tag_manager)),
                PROP_TIMEOUT_SECONDS: str(timeout_seconds),
                PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            },
            removal_policy=removal_policy,
            service_timeout=SERVICE_TIMEOUT,
        )
        policy = provider.use_kind(kind)
        if policy is not None:  # deleted after this resource: the handler may still delete it (_kind.KindPolicy)
            self.resource.node.add_dependency(policy)
        # A long one's attributes come from its Result resource, once the watcher saw it ready.
        self.result: CustomResource | None = None
        if timeout_seconds > MAX_TIMEOUT_SECONDS:
            self.result = add_long_serving(
                self,
                self.cfn_resource,
                provider=provider,
                kind=kind.name,
                properties=properties,
                timeout_seconds=timeout_seconds,
                poll_seconds=poll_seconds,
            )
        attributes_from = self.result or self.resource
        self._attributes = {name: attributes_from.get_att_string(cfn) for name, cfn in ATTRIBUTES[kind.name].items()}
        # What only the final tree shows (Tags.of, RemovalPolicies aspects): reported by aws-cdk-lib at synth.
        self.node.add_validation(
            validation.FinalState(tags=self._tag_manager.render_tags, deletion_policy=self._deletion)
        )

    def _deletion(self) -> Any:
        return self.cfn_resource.cfn_options.deletion_policy

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
        """Let ``grantee`` invoke the model through this resource (InvokeModel, InvokeModelWithResponseStream).

        Granted on this resource's ARN and on the custom model it serves: whether Bedrock also checks the
        model behind it is not documented (docs/aws-behaviour.md S9), so both are granted.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=self._invoke_resources()
        )

    def _invoke_resources(self) -> list[str]:
        # Unconfirmed whether InvokeModel through a serving resource is also authorized on the custom model behind
        # it (docs/aws-behaviour.md S9): granting both works either way.
        return [self.arn, self._served_model_arn_input]

    def warn(self, id: str, message: str) -> None:
        Annotations.of(self).add_warning_v2(f"bedrock-model-copy:{id}", message)

    @property
    def model_arn(self) -> str:
        """The ARN Bedrock invokes (``aws_bedrock.IModel``): this resource's ARN."""
        return self.arn

    @property
    def arn(self) -> str:
        """ARN of the resource that serves the model (``Arn``), the one Bedrock invokes."""
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
