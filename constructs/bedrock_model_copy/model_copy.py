"""The public constructs: BedrockModelCopy and ModelCopyJobWaiter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import (
    CfnDeletionPolicy,
    CfnResource,
    CustomResource,
    Duration,
    IResolveContext,
    IStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_kms as kms

from constructs import Construct

from . import _long_copy
from . import _validation as validation
from ._contract import (
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

DEFAULT_TIMEOUT = Duration.seconds(MAX_TIMEOUT_SECONDS)
DEFAULT_POLL_INTERVAL = Duration.seconds(30)
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
        policy = self._construct.cfn_resource.cfn_options.deletion_policy
        return "true" if policy == CfnDeletionPolicy.DELETE else "false"


class _ModelCopyJobResource(Construct):
    """A ``Custom::BedrockModelCopy`` resource and the job description it exposes."""

    target_model_arn: str
    target_model_name: str
    job_arn: str
    source_model_arn: str
    source_model_name: str
    source_account_id: str
    target_model_kms_key_arn: str
    status: str
    creation_time: str

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
        poll_seconds = validation.whole_seconds("poll_interval", poll_interval or DEFAULT_POLL_INTERVAL)
        validation.check_poll_interval(poll_seconds)
        timeout_seconds = validation.whole_seconds("timeout", timeout or DEFAULT_TIMEOUT)
        validation.check_timeout(timeout_seconds, poll_seconds, long_copies=long_copies)
        provider = ModelCopyProvider.of(scope, poll_interval_seconds=poll_seconds, options=provider_options)

        super().__init__(scope, id)
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
        for python_name, cfn_name in ATTRIBUTES.items():
            setattr(self, python_name, attributes_from.get_att_string(cfn_name))

    @property
    def cfn_resource(self) -> CfnResource:
        """The ``Custom::BedrockModelCopy`` CloudFormation resource (an escape hatch)."""
        child = self.resource.node.default_child
        assert isinstance(child, CfnResource)
        return child


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
        imported model (``custom-model/imported/<id>``), in any Region, or shared
        from another account through AWS RAM.
    target_model_name : str
        Name of the copied model: 1 to 63 letters and digits, each optionally
        followed by one ``-`` or ``_``. Changing it (or the source, or the key)
        replaces the resource: a new copy is made.
    target_kms_key : aws_kms.IKey, optional
        Key that encrypts the copied model. Default: an AWS owned key.
    tags : Mapping[str, str], optional
        Tags for the copied model, at most 47 (50 per model; 3 are the
        ``bedrock-model-copy:*`` ownership tags). Changing them retags the
        model in place. Default: no tags besides the ownership tags.
    removal_policy : RemovalPolicy, optional
        What happens to the copied model when the resource is deleted or
        replaced. Default: ``RemovalPolicy.RETAIN`` (the model is kept).
        ``DESTROY`` deletes it (waiting for an unfinished copy first).
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
    ValueError
        A concrete prop that Bedrock or CloudFormation would refuse; the
        message names the prop, the value and the rule.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_model_arn: str,
        target_model_name: str,
        target_kms_key: kms.IKey | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        timeout: Duration | None = None,
        poll_interval: Duration | None = None,
        provider_options: ModelCopyProviderOptions | None = None,
    ) -> None:
        validation.check_source_model_arn(source_model_arn)
        validation.check_arn_location("source_model_arn", source_model_arn, Stack.of(scope), same_region=False)
        validation.check_target_model_name(target_model_name)
        tags = dict(tags or {})
        validation.check_tags(tags)
        kms_key_id = ""
        if target_kms_key is not None:
            check_kms_key_location(scope, target_kms_key)
            kms_key_id = target_kms_key.key_arn
            validation.check_kms_key_id(kms_key_id)
        if removal_policy not in (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY):
            raise validation.PropertyValidationError(
                "removal_policy", str(removal_policy), "must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY"
            )
        properties: dict[str, Any] = {
            PROP_MODE: MODE_COPY,
            PROP_SOURCE_MODEL_ARN: source_model_arn,
            PROP_TARGET_MODEL_NAME: target_model_name,
            PROP_DELETE_MODEL_ON_DELETE: Lazy.uncached_string(_DeletesModelProducer(self)),
        }
        if kms_key_id:
            properties[PROP_TARGET_MODEL_KMS_KEY_ID] = kms_key_id
        if tags:
            properties[PROP_TARGET_MODEL_TAGS] = tags
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
        self.provider.register_copy(
            source_model_arn=source_model_arn, target_model_name=target_model_name, path=self.node.path
        )
        if target_kms_key is not None:
            self.provider.grant_kms_key(target_kms_key)


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
    ValueError
        A concrete ``job_arn`` that is not a model copy job ARN, or a bad
        ``timeout``/``poll_interval``.
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
        validation.check_job_arn(job_arn)
        validation.check_arn_location("job_arn", job_arn, Stack.of(scope), same_region=True)
        super().__init__(
            scope,
            id,
            properties={PROP_MODE: MODE_WAIT, PROP_JOB_ARN: job_arn},
            timeout=timeout,
            poll_interval=poll_interval,
            provider_options=provider_options,
            removal_policy=None,
        )
