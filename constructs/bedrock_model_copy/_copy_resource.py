"""What ``BedrockModelCopy`` and ``ModelCopyJobWaiter`` share: ``IModelCopy``, its attributes, and their base.

The attributes are written once, in :class:`IModelCopy`: each is a :class:`CopyAttribute` (typed
``str``, with its docstring), whose CloudFormation name is the contract's ``ATTRIBUTES``. The base
class gets the same descriptors, and the constructs' docstrings their ``Attributes`` section, from it.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, overload, runtime_checkable

import jsii
from aws_cdk import (
    CfnDeletionPolicy,
    CfnResource,
    CustomResource,
    Duration,
    IAnyProducer,
    ICfnResourceOptions,
    IResolveContext,
    IStringProducer,
    RemovalPolicy,
    TagManager,
)
from aws_cdk import aws_bedrock as bedrock

from constructs import Construct, Node

from . import _long_copy
from . import _validation as validation
from ._lambda.model_copy.contract import (
    ATTRIBUTES,
    MAX_TIMEOUT_SECONDS,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
    RESOURCE_TYPE,
)
from ._options import ModelCopyProviderOptions, Requester
from ._provider import ModelCopyProvider

DEFAULT_POLL_INTERVAL_SECONDS = 30
# CloudFormation's ceiling for a custom resource; the handler's timeout stays below it.
SERVICE_TIMEOUT = Duration.hours(1)


class CopyAttribute(property):
    """One attribute of a copy: ``Fn::GetAtt`` of its resource (a long copy's Result), made on first read.

    A read-only property typed ``str``; its CloudFormation name is ``ATTRIBUTES[<its name>]`` (or
    ``same_as``'s).
    """

    def __init__(self, doc: str, *, same_as: str | None = None) -> None:
        super().__init__(self._read, doc=doc)
        self.__doc__ = doc
        self._same_as = same_as
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if (self._same_as or name) not in ATTRIBUTES:
            raise TypeError(f"{owner.__name__}.{name}: no attribute {self._same_as or name!r} in the contract")

    def _read(self, construct: Any) -> str:
        return str(construct._attribute(self._same_as or self.name))

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> CopyAttribute: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> CopyAttribute | str:
        return self if instance is None else self._read(instance)


@runtime_checkable
class IModelCopy(Protocol):
    """What :class:`BedrockModelCopy` and :class:`ModelCopyJobWaiter` both expose.

    Accept an ``IModelCopy`` in your own constructs to take either. It is also an
    ``aws_bedrock.IModel`` (``model_arn`` is the copied model's ARN), so it can be passed
    wherever CDK takes a Bedrock model. Every attribute is a token that resolves to
    ``Fn::GetAtt`` of the ``Custom::BedrockModelCopy`` resource; ``""`` where Bedrock omits
    the field.
    """

    @property
    def node(self) -> Node:
        """The construct's tree node."""
        ...

    model_arn: ClassVar[CopyAttribute] = CopyAttribute(
        "ARN of the copied model (``aws_bedrock.IModel``); the same as ``target_model_arn``. A customized "
        "model is invoked only through ``deploy_on_demand()`` or ``provision(model_units=...)`` (pass those to "
        "``BedrockInvokeModel``); no copy is invoked by this ARN.",
        same_as="target_model_arn",
    )
    target_model_arn: ClassVar[CopyAttribute] = CopyAttribute("ARN of the copied model (``TargetModelArn``).")
    target_model_name: ClassVar[CopyAttribute] = CopyAttribute("Name of the copied model (``TargetModelName``).")
    job_arn: ClassVar[CopyAttribute] = CopyAttribute(
        "ARN of the model copy job, also the resource's physical id (``JobArn``)."
    )
    source_model_arn: ClassVar[CopyAttribute] = CopyAttribute("ARN of the model that was copied (``SourceModelArn``).")
    source_model_name: ClassVar[CopyAttribute] = CopyAttribute(
        'Name of the source model, ``""`` if Bedrock omits it (``SourceModelName``).'
    )
    source_account_id: ClassVar[CopyAttribute] = CopyAttribute(
        "Account that owns the source model (``SourceAccountId``)."
    )
    target_model_kms_key_arn: ClassVar[CopyAttribute] = CopyAttribute(
        'Key that encrypts the copy, ``""`` for an AWS owned key (``TargetModelKmsKeyArn``).'
    )
    status: ClassVar[CopyAttribute] = CopyAttribute(
        "The job's status when the resource completed: ``Completed`` (``Status``)."
    )
    creation_time: ClassVar[CopyAttribute] = CopyAttribute("When the job started, ISO 8601 (``CreationTime``).")


COPY_ATTRIBUTES = {name: member for name, member in vars(IModelCopy).items() if isinstance(member, CopyAttribute)}


def attributes_doc() -> str:
    """The ``Attributes`` section of the constructs' docstrings, from :class:`IModelCopy`."""
    lines = ["", "    Attributes", "    ----------"]
    for name, member in COPY_ATTRIBUTES.items():
        lines += [
            f"    {name} : str",
            *textwrap.wrap(str(member.__doc__), 100, initial_indent=" " * 8, subsequent_indent=" " * 8),
        ]
    lines += [
        "    resource : CustomResource",
        "        Escape hatch: the underlying ``CustomResource``; ``cfn_resource`` is its ``CfnResource``.",
        "    provider : ModelCopyProvider",
        "        Escape hatch: the stack's shared provider; ``provider.handler_role`` is the IAM role",
        "        the handler runs as (add permissions to it with ``add_to_principal_policy``).",
    ]
    return "\n".join(lines) + "\n"


@jsii.implements(IStringProducer)
class DeletesModelProducer:
    """``DeleteModelOnDelete`` from the resource's final DeletionPolicy, read when the template is resolved.

    So whoever sets the policy (the ``removal_policy`` prop, ``apply_removal_policy``,
    ``RemovalPolicies`` aspects or an escape hatch) decides whether the model is deleted.
    """

    def __init__(self, construct: ModelCopyJobResource) -> None:
        self._construct = construct

    def produce(self, context: IResolveContext) -> str:
        policy = self._construct._resource_options().deletion_policy
        return "true" if policy == CfnDeletionPolicy.DELETE else "false"


@jsii.implements(IAnyProducer)
class TagsProducer:
    """Tags rendered by CDK's TagManager (the ``tags`` prop merged with ``Tags.of(...)``), or none."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self, context: IResolveContext) -> Any:
        return self._tags.render_tags() or None


if TYPE_CHECKING:  # the attributes' types come from IModelCopy (at run time its descriptors are copied below)
    _Attributes = IModelCopy
else:
    _Attributes = object


@jsii.implements(bedrock.IModel)
class ModelCopyJobResource(Construct, _Attributes):
    """A ``Custom::BedrockModelCopy`` resource and the job description it exposes (:class:`IModelCopy`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        label: str,
        properties: dict[str, Any],
        timeout: Duration | None,
        poll_interval: Duration | None,
        removal_policy: RemovalPolicy | None,
        provider_options: ModelCopyProviderOptions | None,
        long_copies: bool = False,
    ) -> None:
        # Everything that can refuse the props runs before this construct joins the tree.
        # The defaults are known in Python: no jsii round trip to convert them.
        poll_seconds = (
            DEFAULT_POLL_INTERVAL_SECONDS
            if poll_interval is None
            else validation.whole_seconds("poll_interval", poll_interval)
        )
        validation.check_poll_interval(poll_seconds)
        timeout_seconds = MAX_TIMEOUT_SECONDS if timeout is None else validation.whole_seconds("timeout", timeout)
        validation.check_timeout(timeout_seconds, poll_seconds, long_copies=long_copies)
        provider = ModelCopyProvider.of(
            scope,
            poll_interval_seconds=poll_seconds,
            options=provider_options,
            requester=Requester(label, scope, id),
        )

        super().__init__(scope, id)
        self._cfn_resource: CfnResource | None = None
        self._cfn_options: ICfnResourceOptions | None = None
        self.provider = provider
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties={
                **properties,
                PROP_TIMEOUT_SECONDS: str(timeout_seconds),
                PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            },
            removal_policy=removal_policy,
            service_timeout=SERVICE_TIMEOUT,
        )
        attributes_from = self.resource
        if timeout_seconds > MAX_TIMEOUT_SECONDS:  # a long copy: a WaitCondition and a result resource follow
            attributes_from = _long_copy.add_long_copy(
                self,
                provider=provider,
                properties=properties,
                timeout_seconds=timeout_seconds,
                poll_seconds=poll_seconds,
            )
        # Attribute tokens are made when first read (one jsii round trip each), not nine per copy up front.
        self._attributes_from = attributes_from
        self._attributes: dict[str, str] = {}

    def _attribute(self, python_name: str) -> str:
        """The ``Fn::GetAtt`` token of one attribute, created on first use and kept."""
        token = self._attributes.get(python_name)
        if token is None:
            token = self._attributes[python_name] = self._attributes_from.get_att_string(ATTRIBUTES[python_name])
        return token

    @property
    def cfn_resource(self) -> CfnResource:
        """The ``Custom::BedrockModelCopy`` CloudFormation resource (an escape hatch).

        For example ``copy.cfn_resource.add_property_override(...)`` or
        ``copy.cfn_resource.cfn_options``. ``copy.resource`` is the ``CustomResource`` around
        it, and ``copy.provider.handler_role`` the role the handler runs as.
        """
        if self._cfn_resource is None:
            child = self.resource.node.default_child
            assert isinstance(child, CfnResource)
            self._cfn_resource = child
        return self._cfn_resource

    def _resource_options(self) -> ICfnResourceOptions:
        """``cfn_resource.cfn_options`` (the same object on every read, so kept after the first)."""
        if self._cfn_options is None:
            self._cfn_options = self.cfn_resource.cfn_options
        return self._cfn_options

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Set what happens to the copied model when the resource is deleted or replaced.

        The same as the ``removal_policy`` prop, and what ``RemovalPolicies.of(scope)``
        aspects do: the resource's final DeletionPolicy decides whether the handler
        deletes the model (``DESTROY``) or CloudFormation leaves it (``RETAIN``). A
        ``ModelCopyJobWaiter`` never deletes a model; on it this only sets the resource's
        DeletionPolicy.

        Parameters
        ----------
        policy : RemovalPolicy
            ``RemovalPolicy.RETAIN`` or ``RemovalPolicy.DESTROY``.

        Raises
        ------
        PropertyValidationError
            Any other policy (CloudFormation cannot snapshot a custom resource).
        """
        validation.check_removal_policy(policy)
        self.resource.apply_removal_policy(policy)


for _name, _member in COPY_ATTRIBUTES.items():
    setattr(ModelCopyJobResource, _name, _member)
