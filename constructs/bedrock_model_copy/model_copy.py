"""The copy kind: ``BedrockModelCopy`` and ``ModelCopyJobWaiter``, their kinds and synth-time rules.

What they share (``IModelCopy``, the attributes, the resource) is :mod:`._copy_resource`; the
statements of both kinds are the provider's own policy (:mod:`._copy_policy`, which says why).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, cast

import jsii
from aws_cdk import Duration, ITaggableV2, Lazy, RemovalPolicy, TagManager, TagType
from aws_cdk import aws_kms as kms

from constructs import Construct

from . import _copy_policy
from . import _validation as validation
from ._app_checks import AppCopies
from ._copy_resource import (
    DEFAULT_POLL_INTERVAL_SECONDS,
    DeletesModelProducer,
    IModelCopy,
    ModelCopyJobResource,
    TagsProducer,
    attributes_doc,
)
from ._kind import ConstructKind
from ._lambda.model_copy.contract import (
    MAX_TIMEOUT_SECONDS,
    MODE_COPY,
    MODE_WAIT,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_JOB_ARN,
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    RESOURCE_TYPE,
)
from ._options import ModelCopyProviderOptions
from ._provider import check_kms_key_location

__all__ = [
    "COPY",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "WAITER",
    "BedrockModelCopy",
    "IModelCopy",
    "ModelCopyJobWaiter",
]

DEFAULT_TIMEOUT = Duration.seconds(MAX_TIMEOUT_SECONDS)
DEFAULT_POLL_INTERVAL = Duration.seconds(DEFAULT_POLL_INTERVAL_SECONDS)

# The two kinds. Their statements are the provider's own (_copy_policy): no policy of their own.
COPY = ConstructKind(
    name="Copy",
    label="BedrockModelCopy",
    resource_type=RESOURCE_TYPE,
    arn_type="custom-model",
    no_resource_level_actions=_copy_policy.NO_RESOURCE_LEVEL_ACTIONS,
)
WAITER = ConstructKind(name="Wait", label="ModelCopyJobWaiter", resource_type=RESOURCE_TYPE, arn_type="model-copy-job")


@jsii.implements(ITaggableV2)
class BedrockModelCopy(ModelCopyJobResource):
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
        the rule. What only the final tree shows (the tags prop with ``Tags.of``, a
        DeletionPolicy set by an aspect) fails synthesis the way aws-cdk-lib reports
        validation errors (``app.synth()`` and ``Template.from_stack``: a
        ``RuntimeError`` listing each message after its construct path; docs/errors.md).
        Two copies in different stacks of one app with the same concrete target model
        name, account and Region get a synth warning,
        ``bedrock-model-copy:duplicateTargetModelName``.
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
            PROP_DELETE_MODEL_ON_DELETE: Lazy.uncached_string(DeletesModelProducer(self)),
            PROP_TARGET_MODEL_TAGS: Lazy.uncached_any(TagsProducer(self._tag_manager)),
        }
        if kms_key_id:
            properties[PROP_TARGET_MODEL_KMS_KEY_ID] = kms_key_id
        super().__init__(
            scope,
            id,
            label=COPY.label,
            properties=properties,
            timeout=timeout,
            poll_interval=poll_interval,
            provider_options=provider_options,
            removal_policy=removal_policy,
            long_copies=True,
        )
        node = self.node
        path = node.path
        provider = self.provider
        provider.use_kind(COPY)
        provider.register_copy(source_model_arn=source_model_arn, target_model_name=target_model_name, path=path)
        if provider.app_copies is None:  # the app's record and the stack's concrete account, found once per stack
            account = stack.account
            provider.app_copies = (AppCopies.of(stack), "" if validation.may_be_token(account) else account)
        app_copies, account = provider.app_copies
        app_copies.register(stack, account, self, target_model_name=target_model_name, path=path)
        if target_kms_key is not None:
            provider.grant_kms_key(target_kms_key)
        # What only the final tree shows (Tags.of, RemovalPolicies aspects): reported by aws-cdk-lib at synth.
        node.add_validation(
            validation.FinalState(tags=self._tag_manager.render_tags, deletion_policy=self._deletion_policy)
        )
        self.requested_source_model_arn = source_model_arn  # what the serving constructs check at synth time
        validation.warn_if_copy_to_itself(self, source_model_arn, stack)

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
        ``removal_policy``, ``timeout``, ``allow_replacement_under_commitment``). Bought after the copy
        completes; billed hourly per model unit until it is deleted.
        """
        from .throughput import ProvisionedThroughput

        scope = cast(Construct, self.node.scope)
        return ProvisionedThroughput(scope, f"{self.node.id}{id}", model=self, model_units=model_units, **props)

    def grant_invoke(self, grantee: Any) -> Any:
        """Refused: Bedrock invokes no copy by its own ARN (docs/aws-behaviour.md I6).

        A copied model (``custom-model/imported/...`` ones too) is invoked through a custom model
        deployment or a Provisioned Throughput; a model from Custom Model Import
        (``imported-model/...``) is not copied but imported with ``BedrockModelImport``, whose
        ``grant_invoke`` grants it.

        Raises
        ------
        PropertyValidationError
            Always, naming what to use instead.
        """
        raise validation.PropertyValidationError(
            "grant_invoke",
            self.requested_source_model_arn,
            "Bedrock invokes a copied model only through a custom model deployment or a Provisioned Throughput, "
            "never by the copy's own ARN: use copy.deploy_on_demand().grant_invoke(grantee) or "
            "copy.provision(model_units=1).grant_invoke(grantee) (a custom-model/imported/... model needs Provisioned "
            "Throughput); a model from Custom Model Import is invoked on demand: BedrockModelImport.grant_invoke",
        )

    def _deletion_policy(self) -> Any:
        return self._resource_options().deletion_policy

    @property
    def cdk_tag_manager(self) -> TagManager:
        """CDK's tag manager for the copied model (``ITaggableV2``): what ``Tags.of(scope)`` adds to.

        Its rendered tags (the ``tags`` prop merged with ``Tags.of``, by priority, with
        ``include_resource_types``/``exclude_resource_types`` matched against
        ``Custom::BedrockModelCopy``) become the copy's ``TargetModelTags``.
        """
        return self._tag_manager


class ModelCopyJobWaiter(ModelCopyJobResource):
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
            label=WAITER.label,
            properties={PROP_MODE: MODE_WAIT, PROP_JOB_ARN: job_arn},
            timeout=timeout,
            poll_interval=poll_interval,
            provider_options=provider_options,
            removal_policy=None,
        )
        self.provider.use_kind(WAITER)


# help() and IDEs show the real keyword-only signatures (jsii's metaclass would show (*args, **kwargs)),
# and the class docstrings list the attributes.
for _construct_class in (BedrockModelCopy, ModelCopyJobWaiter):
    _signature = inspect.signature(_construct_class.__init__)
    _construct_class.__signature__ = _signature.replace(parameters=list(_signature.parameters.values())[1:])
    _construct_class.__doc__ = (_construct_class.__doc__ or "").rstrip() + "\n" + attributes_doc()
