"""The public constructs: BedrockModelCopy and ModelCopyJobWaiter, and their interface IModelCopy."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Protocol, cast, runtime_checkable

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
    ITaggableV2,
    Lazy,
    RemovalPolicy,
    TagManager,
    TagType,
)
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_kms as kms

from constructs import Construct, IValidation, Node

from . import _long_copy
from . import _validation as validation
from ._app_checks import AppCopies, report
from ._lambda.model_copy.contract import (
    ATTRIBUTES,
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    MODE_WAIT,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    PROP_TIMEOUT_SECONDS,
    RESOURCE_TYPE,
)
from ._options import ModelCopyProviderOptions
from ._provider import ModelCopyProvider, check_kms_key_location
from ._validation import PropertyValidationError

DEFAULT_POLL_INTERVAL_SECONDS = 30
DEFAULT_TIMEOUT = Duration.seconds(MAX_TIMEOUT_SECONDS)
DEFAULT_POLL_INTERVAL = Duration.seconds(DEFAULT_POLL_INTERVAL_SECONDS)
# CloudFormation's ceiling for a custom resource; the handler's timeout stays below it.
SERVICE_TIMEOUT = Duration.hours(1)


@jsii.implements(IStringProducer)
class _DeletesModelProducer:
    """``DeleteModelOnDelete`` from the resource's final DeletionPolicy, read when the template is resolved.

    So whoever sets the policy (the ``removal_policy`` prop, ``apply_removal_policy``,
    ``RemovalPolicies`` aspects or an escape hatch) decides whether the model is deleted.
    """

    def __init__(self, construct: _ModelCopyJobResource) -> None:
        self._construct = construct

    def produce(self, context: IResolveContext) -> str:
        policy = self._construct._resource_options().deletion_policy
        return "true" if policy == CfnDeletionPolicy.DELETE else "false"


@jsii.implements(IAnyProducer)
class _TagsProducer:
    """``TargetModelTags``: the ``tags`` prop merged with ``Tags.of(...)``, rendered by CDK's TagManager."""

    def __init__(self, tags: TagManager) -> None:
        self._tags = tags

    def produce(self, context: IResolveContext) -> Any:
        return self._tags.render_tags() or None


@jsii.implements(IValidation)
class _FinalStateValidation:
    """Synth-time checks of what aspects can change after construction: tags and the DeletionPolicy."""

    def __init__(self, construct: BedrockModelCopy, path: str) -> None:
        self._construct = construct
        self._path = path

    def validate(self) -> list[str]:
        errors = []
        tags_error = validation.final_tags_error(dict(self._construct.cdk_tag_manager.render_tags() or {}))
        if tags_error is not None:
            errors.append(tags_error)
        policy = self._construct._resource_options().deletion_policy
        if policy == CfnDeletionPolicy.SNAPSHOT:
            errors.append(
                PropertyValidationError(
                    "removal_policy",
                    "RemovalPolicy.SNAPSHOT",
                    "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY (set by apply_removal_policy or a "
                    "RemovalPolicies aspect)",
                )
            )
        # app.synth() raises the first of them as PropertyValidationError (_app_checks).
        return [report(error, self._path) for error in errors]


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

    @property
    def model_arn(self) -> str:
        """ARN of the copied model (``aws_bedrock.IModel``); the same as ``target_model_arn``."""
        ...

    @property
    def target_model_arn(self) -> str:
        """ARN of the copied model (``TargetModelArn``)."""
        ...

    @property
    def target_model_name(self) -> str:
        """Name of the copied model (``TargetModelName``)."""
        ...

    @property
    def job_arn(self) -> str:
        """ARN of the model copy job, also the resource's physical id (``JobArn``)."""
        ...

    @property
    def source_model_arn(self) -> str:
        """ARN of the model that was copied (``SourceModelArn``)."""
        ...

    @property
    def source_model_name(self) -> str:
        """Name of the source model, ``""`` if Bedrock omits it (``SourceModelName``)."""
        ...

    @property
    def source_account_id(self) -> str:
        """Account that owns the source model (``SourceAccountId``)."""
        ...

    @property
    def target_model_kms_key_arn(self) -> str:
        """Key that encrypts the copy, ``""`` for an AWS owned key (``TargetModelKmsKeyArn``)."""
        ...

    @property
    def status(self) -> str:
        """The job's status when the resource completed: ``Completed`` (``Status``)."""
        ...

    @property
    def creation_time(self) -> str:
        """When the job started, ISO 8601 (``CreationTime``)."""
        ...


@jsii.implements(bedrock.IModel)
class _ModelCopyJobResource(Construct):
    """A ``Custom::BedrockModelCopy`` resource and the job description it exposes."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
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
        provider = ModelCopyProvider.of(scope, poll_interval_seconds=poll_seconds, options=provider_options)

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

    # ------------------------------------------------------------------ escape hatches

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

    # ------------------------------------------------------------------ attributes (IModelCopy)

    @property
    def model_arn(self) -> str:
        """ARN of the copied model (``aws_bedrock.IModel``); the same as ``target_model_arn``."""
        return self._attribute("target_model_arn")

    @property
    def target_model_arn(self) -> str:
        """ARN of the copied model (``TargetModelArn``)."""
        return self._attribute("target_model_arn")

    @property
    def target_model_name(self) -> str:
        """Name of the copied model (``TargetModelName``)."""
        return self._attribute("target_model_name")

    @property
    def job_arn(self) -> str:
        """ARN of the model copy job, also the resource's physical id (``JobArn``)."""
        return self._attribute("job_arn")

    @property
    def source_model_arn(self) -> str:
        """ARN of the model that was copied (``SourceModelArn``)."""
        return self._attribute("source_model_arn")

    @property
    def source_model_name(self) -> str:
        """Name of the source model, ``""`` if Bedrock omits it (``SourceModelName``)."""
        return self._attribute("source_model_name")

    @property
    def source_account_id(self) -> str:
        """Account that owns the source model (``SourceAccountId``)."""
        return self._attribute("source_account_id")

    @property
    def target_model_kms_key_arn(self) -> str:
        """Key that encrypts the copy, ``""`` for an AWS owned key (``TargetModelKmsKeyArn``)."""
        return self._attribute("target_model_kms_key_arn")

    @property
    def status(self) -> str:
        """The job's status when the resource completed: ``Completed`` (``Status``)."""
        return self._attribute("status")

    @property
    def creation_time(self) -> str:
        """When the job started, ISO 8601 (``CreationTime``)."""
        return self._attribute("creation_time")


_ATTRIBUTES_DOC = """
    Attributes
    ----------
    target_model_arn : str
        ARN of the copied model (``Fn::GetAtt TargetModelArn``).
    model_arn : str
        The same, as ``aws_bedrock.IModel`` asks. A customized model is invoked only through
        ``deploy_on_demand()`` or ``provision(model_units=...)`` (pass those to
        ``BedrockInvokeModel``); only an imported model is invoked by this ARN (``grant_invoke``).
    target_model_name : str
        Name of the copied model.
    job_arn : str
        ARN of the model copy job (the resource's physical id).
    source_model_arn : str
        ARN of the model that was copied.
    source_model_name : str
        Its name (``""`` if Bedrock omits it).
    source_account_id : str
        Account that owns the source model.
    target_model_kms_key_arn : str
        Key that encrypts the copy (``""`` for an AWS owned key).
    status : str
        ``Completed``.
    creation_time : str
        When the job started, ISO 8601.
    resource : CustomResource
        Escape hatch: the underlying ``CustomResource``; ``cfn_resource`` is its ``CfnResource``.
    provider : ModelCopyProvider
        Escape hatch: the stack's shared provider; ``provider.handler_role`` is the IAM role
        the handler runs as (add permissions to it with ``add_to_principal_policy``).
"""


@jsii.implements(ITaggableV2)
class BedrockModelCopy(_ModelCopyJobResource):
    """Copy an Amazon Bedrock custom model into this stack's Region.

    Starts ``CreateModelCopyJob`` in the stack's Region (or adopts a running or
    finished job for the same source and exact target name), waits for it to
    finish, and exposes the copied model's description as attributes.

    Parameters
    ----------
    scope : Construct
        Parent construct; the copy happens in ``Stack.of(scope)``'s Region.
    id : str
        Construct id.
    source_model_arn : str
        ARN of the model to copy: a custom model (``custom-model/<base>/<id>``), an
        imported model (``custom-model/imported/<id>``) or a foundation model
        (``arn:aws:bedrock:<region>::foundation-model/<model-id>``), the forms
        Bedrock's CreateModelCopyJob accepts; in any Region, or shared from another
        account through AWS RAM. Changing it replaces the resource.
    target_model_name : str, optional
        Name of the copied model: 1 to 63 letters and digits, each optionally
        followed by one ``-`` or ``_``. Changing it (or the source, or the key)
        replaces the resource: a new copy is made; with an explicit name, a new
        source or key needs a new name too. Default: a generated name,
        ``<stack>-<path>-<hash>`` (the stack name and the construct's path,
        shortened to fit, and a hash of them, the source and the key): stable
        across deploys, unique per stack, and new when the source or key change.
    target_kms_key : aws_kms.IKey, optional
        Key that encrypts the copied model. Default: an AWS owned key.
    tags : Mapping[str, str], optional
        Tags for the copied model, merged with ``Tags.of(scope).add(...)`` by
        CDK's tag manager (on one key, ``Tags.of`` wins at its default priority,
        as for L1 resources); together at most 47 (50 per model; 3 are the
        ``bedrock-model-copy:*`` ownership tags). Changing them retags the model
        in place. Default: no tags besides the ownership tags and ``Tags.of``.
    removal_policy : RemovalPolicy, optional
        What happens to the copied model when the resource is deleted or
        replaced. Default: ``RemovalPolicy.RETAIN`` (the model is kept).
        ``DESTROY`` deletes it (waiting for an unfinished copy first).
        ``apply_removal_policy`` and ``RemovalPolicies.of(scope)`` do the same.
    timeout : Duration, optional
        How long to wait for the copy before failing with a message that says
        how to resume: up to 12 hours. Default: 57 minutes. Up to 57 minutes the
        copy resource itself waits (CloudFormation gives a custom resource one
        hour); above, the copy is a long copy: a WaitCondition signalled by the
        stack's copy watcher state machine, then a resource that reads the
        result (README, Long copies).
    poll_interval : Duration, optional
        How often to call ``GetModelCopyJob``: 5 seconds to 10 minutes.
        Default: 30 seconds. All copies and waiters in a stack share one
        provider and must use the same value.
    provider_options : ModelCopyProviderOptions, optional
        VPC, customer-managed key, X-Ray tracing, reserved concurrency and
        log retention of the stack's shared provider. Default: none (no VPC,
        AWS owned keys, no tracing, no reserved concurrency, 365 days or the
        ``bedrock-model-copy:logRetentionDays`` context key). All copies and
        waiters in a stack must be given equal options.

    Raises
    ------
    PropertyTypeError
        A prop of the wrong type (a ``PropertyValidationError`` that is also a
        ``TypeError``); the message names the prop and the type it must have.
    PropertyValidationError
        (a ``ValueError``) A concrete prop that Bedrock or CloudFormation would
        refuse, or a scope in no Stack; the message names the prop, the value and
        the rule. From ``app.synth()``: the final tags (the ``tags`` prop with
        ``Tags.of``) or a DeletionPolicy that cannot work. (Two copies in
        different stacks of one app with the same concrete target model name,
        account and Region get a synth warning,
        ``bedrock-model-copy:duplicateTargetModelName``.)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_model_arn: str,
        target_model_name: str | None = None,
        target_kms_key: kms.IKey | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        timeout: Duration | None = None,
        poll_interval: Duration | None = None,
        provider_options: ModelCopyProviderOptions | None = None,
    ) -> None:
        stack = validation.stack_of("BedrockModelCopy", scope, id)
        validation.check_type("source_model_arn", source_model_arn, str, "a str (a model ARN)")
        validation.check_type("target_model_name", target_model_name, (str, type(None)), "a str or None")
        validation.check_kms_key_type(target_kms_key)
        validation.check_type("tags", tags, (Mapping, type(None)), "a mapping of str to str")
        validation.check_removal_policy(removal_policy)
        validation.check_optional_duration("timeout", timeout)
        validation.check_optional_duration("poll_interval", poll_interval)
        validation.check_source_model_arn(source_model_arn)
        validation.check_arn_location("source_model_arn", source_model_arn, stack, same_region=False)
        tags = dict(tags or {})
        validation.check_tags(tags)
        kms_key_id = ""
        if target_kms_key is not None:
            check_kms_key_location(scope, target_kms_key)
            kms_key_id = target_kms_key.key_arn
            validation.check_kms_key_id(kms_key_id)
        if target_model_name is None:
            path = f"{scope.node.path}/{id}"[len(stack.node.path) :].lstrip("/")
            target_model_name = validation.generated_target_model_name(stack, path, source_model_arn, kms_key_id)
        validation.check_target_model_name(target_model_name)
        self._tag_manager = TagManager(TagType.MAP, RESOURCE_TYPE, tags or None)
        properties: dict[str, Any] = {
            PROP_MODE: MODE_COPY,
            PROP_SOURCE_MODEL_ARN: source_model_arn,
            PROP_TARGET_MODEL_NAME: target_model_name,
            PROP_DELETE_MODEL_ON_DELETE: Lazy.uncached_string(_DeletesModelProducer(self)),
            PROP_TARGET_MODEL_TAGS: Lazy.uncached_any(_TagsProducer(self._tag_manager)),
        }
        if kms_key_id:
            properties[PROP_TARGET_MODEL_KMS_KEY_ID] = kms_key_id
        super().__init__(
            scope,
            id,
            properties=properties,
            timeout=timeout,
            poll_interval=poll_interval,
            provider_options=provider_options,
            removal_policy=removal_policy,
            long_copies=True,
        )
        node = self.node
        path = node.path
        self.provider.register_copy(source_model_arn=source_model_arn, target_model_name=target_model_name, path=path)
        AppCopies.register(stack, self, target_model_name=target_model_name, path=path)
        if target_kms_key is not None:
            self.provider.grant_kms_key(target_kms_key)
        node.add_validation(_FinalStateValidation(self, path))
        self.requested_source_model_arn = source_model_arn  # what the serving constructs check at synth time

    # ------------------------------------------------------------------ serving the copy (deployment.py, throughput.py)

    def deploy_on_demand(self, id: str = "OnDemand", **props: Any) -> Any:
        """A :class:`~bedrock_model_copy.CustomModelDeployment` of the copied model, next to this copy.

        ``props`` are those of ``CustomModelDeployment`` (``deployment_name``, ``description``, ``tags``,
        ``removal_policy``, ``timeout``). It is deployed after the copy completes.
        """
        from .deployment import CustomModelDeployment

        return CustomModelDeployment(cast(Construct, self.node.scope), f"{self.node.id}{id}", model=self, **props)

    def provision(self, *, model_units: int, id: str = "Provisioned", **props: Any) -> Any:
        """A :class:`~bedrock_model_copy.ProvisionedThroughput` of the copied model, next to this copy.

        ``props`` are those of ``ProvisionedThroughput`` (``commitment``, ``name``, ``tags``,
        ``removal_policy``, ``timeout``). Bought after the copy completes; billed hourly per model unit.
        """
        from .throughput import ProvisionedThroughput

        scope = cast(Construct, self.node.scope)
        return ProvisionedThroughput(scope, f"{self.node.id}{id}", model=self, model_units=model_units, **props)

    def grant_invoke(self, grantee: Any) -> Any:
        """Let ``grantee`` invoke the copied model by its own ARN: only for an imported model.

        Raises
        ------
        PropertyValidationError
            The copy is of a customized model, which Bedrock invokes only through a deployment or a
            Provisioned Throughput: use ``deploy_on_demand().grant_invoke(...)`` or
            ``provision(model_units=...).grant_invoke(...)``.
        """
        from aws_cdk import aws_iam as iam

        if ":custom-model/imported/" not in self.requested_source_model_arn:
            raise validation.PropertyValidationError(
                "grant_invoke",
                self.requested_source_model_arn,
                "Bedrock invokes a customized model only through a custom model deployment or a Provisioned "
                "Throughput, not by the copy's ARN: use copy.deploy_on_demand().grant_invoke(grantee) or "
                "copy.provision(model_units=1).grant_invoke(grantee) (only imported models, custom-model/imported/..., "
                "are invoked directly)",
            )
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resource_arns=[self.target_model_arn],
        )

    @property
    def cdk_tag_manager(self) -> TagManager:
        """CDK's tag manager for the copied model (``ITaggableV2``): what ``Tags.of(scope)`` adds to.

        Its rendered tags (the ``tags`` prop merged with ``Tags.of``, by priority, with
        ``include_resource_types``/``exclude_resource_types`` matched against
        ``Custom::BedrockModelCopy``) become the copy's ``TargetModelTags``.
        """
        return self._tag_manager


class ModelCopyJobWaiter(_ModelCopyJobResource):
    """Wait for a model copy job started elsewhere (console, CLI, a pipeline).

    Only calls ``GetModelCopyJob``; never deletes the model, whatever happens to
    the resource.

    Parameters
    ----------
    scope : Construct
        Parent construct; the job must be in ``Stack.of(scope)``'s Region.
    id : str
        Construct id.
    job_arn : str
        ARN of the model copy job (``arn:aws:bedrock:<region>:<account>:model-copy-job/<id>``).
    timeout : Duration, optional
        How long to wait before failing. Default and maximum: 57 minutes.
    poll_interval : Duration, optional
        How often to poll: 5 seconds to 10 minutes. Default: 30 seconds; the
        same for every copy and waiter in the stack.
    provider_options : ModelCopyProviderOptions, optional
        Options of the stack's shared provider; see ``BedrockModelCopy``.
        Default: none. Equal for every copy and waiter in the stack.

    Raises
    ------
    PropertyTypeError
        A prop of the wrong type (a ``PropertyValidationError`` that is also a
        ``TypeError``); the message names the prop and the type it must have.
    PropertyValidationError
        (a ``ValueError``) A concrete ``job_arn`` that is not a model copy job
        ARN, a bad ``timeout``/``poll_interval``, or a scope in no Stack.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        job_arn: str,
        timeout: Duration | None = None,
        poll_interval: Duration | None = None,
        provider_options: ModelCopyProviderOptions | None = None,
    ) -> None:
        stack = validation.stack_of("ModelCopyJobWaiter", scope, id)
        validation.check_type("job_arn", job_arn, str, "a str (a model copy job ARN)")
        validation.check_optional_duration("timeout", timeout)
        validation.check_optional_duration("poll_interval", poll_interval)
        validation.check_job_arn(job_arn)
        validation.check_arn_location("job_arn", job_arn, stack, same_region=True)
        super().__init__(
            scope,
            id,
            properties={PROP_MODE: MODE_WAIT, PROP_JOB_ARN: job_arn},
            timeout=timeout,
            poll_interval=poll_interval,
            provider_options=provider_options,
            removal_policy=None,
        )


# help() and IDEs show the real keyword-only signatures (jsii's metaclass would show (*args, **kwargs)),
# and the class docstrings list the attributes.
for _construct_class in (BedrockModelCopy, ModelCopyJobWaiter):
    _signature = inspect.signature(_construct_class.__init__)
    _construct_class.__signature__ = _signature.replace(parameters=list(_signature.parameters.values())[1:])
    _construct_class.__doc__ = (_construct_class.__doc__ or "").rstrip() + "\n" + _ATTRIBUTES_DOC
