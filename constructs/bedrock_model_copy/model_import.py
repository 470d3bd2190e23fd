"""BedrockModelImport: open weights from S3 into Amazon Bedrock (Custom Model Import), invoked on demand.

The construct; its kind's IAM statements and ``ConstructKind`` are in ``_import_policy.py``. What a model
import is in Bedrock (two tag lists, a role passed to Bedrock, an ``imported-model/`` ARN invoked on demand) is in
docs/aws-behaviour.md I1-I14; the runtime side is ``kinds/model_import.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import jsii
from aws_cdk import (
    CfnDeletionPolicy,
    CfnResource,
    CustomResource,
    Duration,
    IResolveContext,
    IStringProducer,
    ITaggableV2,
    Lazy,
    RemovalPolicy,
    TagManager,
    TagType,
    Token,
)
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs import Construct

from . import _import_parts as parts
from . import _validation as validation
from ._copy_resource import TagsProducer
from ._import_policy import KIND
from ._lambda.model_copy.contract import (
    MAX_TIMEOUT_SECONDS,
    PROP_DELETE_MODEL_ON_DELETE,
    PROP_POLL_INTERVAL_SECONDS,
    PROP_TIMEOUT_SECONDS,
)
from ._lambda.model_copy.import_contract import (
    ATTRIBUTES,
    KIND_IMPORT,
    PROP_IMPORTED_MODEL_NAME,
    PROP_KMS_KEY_ID,
    PROP_ROLE_ARN,
    PROP_S3_URI,
    PROP_SECURITY_GROUP_IDS,
    PROP_SUBNET_IDS,
    RESOURCE_TYPE_IMPORT,
    check_imported_model_name,
    check_s3_uri,
)
from ._lambda.model_copy.serving_contract import PROP_RESOURCE_KIND, PROP_TAGS
from ._options import Requester
from ._provider import ModelCopyProvider, check_kms_key_location

DEFAULT_TIMEOUT = Duration.seconds(MAX_TIMEOUT_SECONDS)
DEFAULT_POLL_SECONDS = 30
SERVICE_TIMEOUT = Duration.hours(1)
INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
BEDROCK = "bedrock.amazonaws.com"


@jsii.implements(IStringProducer)
class _DeletesModel:
    """``DeleteModelOnDelete`` from the resource's final DeletionPolicy (prop, method, aspect or escape hatch)."""

    def __init__(self, construct: BedrockModelImport) -> None:
        self._construct = construct

    def produce(self, context: IResolveContext) -> str:
        policy = self._construct.cfn_resource.cfn_options.deletion_policy
        return "true" if policy == CfnDeletionPolicy.DELETE else "false"


@jsii.implements(bedrock.IModel)
@jsii.implements(ITaggableV2)
class BedrockModelImport(Construct):
    """Import a model's weights from S3 into Amazon Bedrock (``CreateModelImportJob``), invoked on demand.

    Waits until the import job is ``Completed`` (up to 12 hours); the imported model
    (``imported-model/<id>``) is then invoked directly by its ARN, billed per use
    (``grant_invoke``; pass the construct wherever CDK takes an ``aws_bedrock.IModel``). A new
    ``bucket``, ``prefix``, ``imported_model_name`` or ``kms_key`` imports again (a replacement; the
    old model follows ``removal_policy``); new ``tags`` retag the model in place; a new ``role`` or
    network changes nothing in Bedrock (they serve the job only).

    Parameters
    ----------
    scope, id : Construct, str
        Parent and construct id; the model is imported in ``Stack.of(scope)``'s Region.
    bucket : aws_s3.IBucket | str
        Where the model's files are: a bucket, or its ``s3://<bucket name>`` URI (reached with
        ``Bucket.from_bucket_name``).
    prefix : str
        The key prefix of the model's files in ``bucket`` (``"llama/8b/"``; ``""`` for the whole bucket).
    imported_model_name : str, optional
        1 to 63 letters and digits, each optionally followed by one ``-`` or ``_``. Default: generated,
        ``<stack>-<path>-<hash>``, new when the bucket, prefix or key change.
    role : aws_iam.IRole, optional
        The service role Bedrock reads the files with, used as it is. Default: a role trusted by
        ``bedrock.amazonaws.com`` only for this account's import jobs (``aws:SourceAccount``,
        ``aws:SourceArn``), that reads only ``prefix`` of ``bucket`` (and decrypts with the bucket's
        key, if it has one). The handler may pass this role, and only to Bedrock.
    kms_key : aws_kms.IKey, optional
        Encrypts the imported model; in the stack's Region. Default: an AWS owned key.
    vpc : aws_ec2.IVpc, optional
        Runs the import job in this VPC (Bedrock reads S3 through it). Default: none.
    vpc_subnets : aws_ec2.SubnetSelection, optional
        Only with ``vpc``. Default: the VPC's private subnets.
    security_groups : Sequence[aws_ec2.ISecurityGroup], optional
        Only with ``vpc``; 1 to 5. Default: one group that allows only outbound HTTPS.
    tags : Mapping[str, str], optional
        Tags of the imported model and its job, merged with ``Tags.of``; at most 47. Default: none
        besides the ownership tags.
    removal_policy : RemovalPolicy, optional
        Default: ``RETAIN``, the imported model is kept when the resource goes. ``DESTROY`` deletes it
        (only a model this resource imported).
    timeout : Duration, optional
        How long to wait for the import: up to 12 hours (above 57 minutes through a WaitCondition
        signalled by the stack's watcher, as a long copy). Default: 57 minutes.

    Attributes
    ----------
    imported_model_arn / model_arn : str
        The imported model's ARN (``ImportedModelArn``), what Bedrock invokes.
    imported_model_name, job_arn, job_name, status, creation_time : str
        The model's name, the import job (the resource's physical id), ``Completed``, and when it started.
    model_architecture, instruct_supported, model_kms_key_arn : str
        What Bedrock reports of the model (``instruct_supported`` is ``"true"`` or ``"false"``).
    custom_model_units_per_model_copy, custom_model_units_version : str
        The custom model units one copy of the model takes, and their billing version.
    role : aws_iam.IRole
        The service role Bedrock uses.
    """

    # Bedrock invokes it on demand by its own ARN: a deployment or Provisioned Throughput refuses it.
    invoked_on_demand: ClassVar[bool] = True

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket: s3.IBucket | str,
        prefix: str,
        imported_model_name: str | None = None,
        role: iam.IRole | None = None,
        kms_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        timeout: Duration | None = None,
    ) -> None:
        stack = validation.stack_of("BedrockModelImport", scope, id)
        validation.check_type("prefix", prefix, str, "a str (a key prefix)")
        validation.check_type("imported_model_name", imported_model_name, (str, type(None)), "a str or None")
        validation.check_kms_key_type(kms_key)
        validation.check_type("tags", tags, (Mapping, type(None)), "a mapping of str to str")
        validation.check_removal_policy(removal_policy)
        validation.check_optional_duration("timeout", timeout)
        if vpc is None and (vpc_subnets is not None or security_groups is not None):
            raise validation.PropertyValidationError(
                "vpc_subnets" if vpc_subnets is not None else "security_groups", "given", "only with vpc"
            )
        tags = dict(tags or {})
        validation.check_tags(tags)
        existing = stack.node.try_find_child("BedrockModelCopyProvider")
        shared = existing if isinstance(existing, ModelCopyProvider) else None
        poll_seconds = shared.poll_interval_seconds if shared else DEFAULT_POLL_SECONDS
        timeout_seconds = validation.whole_seconds("timeout", timeout or DEFAULT_TIMEOUT)
        validation.check_timeout(timeout_seconds, poll_seconds, long_copies=True)
        super().__init__(scope, id)
        weights = parts.bucket_of(self, bucket)
        key_prefix = prefix.lstrip("/")
        s3_uri = f"s3://{weights.bucket_name}/{key_prefix}"
        if not Token.is_unresolved(s3_uri):
            check_s3_uri(s3_uri)
        kms_key_arn = ""
        if kms_key is not None:
            check_kms_key_location(self, kms_key)
            kms_key_arn = kms_key.key_arn
        if imported_model_name is None:
            path = self.node.path[len(stack.node.path) :].lstrip("/")
            imported_model_name = validation.generated_target_model_name(stack, path, s3_uri, kms_key_arn)
        elif not Token.is_unresolved(imported_model_name):
            check_imported_model_name(imported_model_name)
        self.provider = ModelCopyProvider.of(
            scope,
            poll_interval_seconds=poll_seconds,
            options=shared.options if shared else None,
            requester=Requester(KIND.label, scope, id, chooses_settings=False),
        )
        self.role = role if role is not None else parts.service_role(self, weights, key_prefix)
        properties: dict[str, Any] = {
            PROP_RESOURCE_KIND: KIND_IMPORT,
            PROP_IMPORTED_MODEL_NAME: imported_model_name,
            PROP_S3_URI: s3_uri,
            PROP_ROLE_ARN: self.role.role_arn,
        }
        if kms_key is not None:
            properties[PROP_KMS_KEY_ID] = kms_key_arn
            self.provider.grant_kms_key(kms_key)
        if vpc is not None:
            groups = list(security_groups) if security_groups is not None else [parts.security_group(self, vpc)]
            properties[PROP_SUBNET_IDS] = parts.subnet_ids(vpc, vpc_subnets)
            properties[PROP_SECURITY_GROUP_IDS] = [group.security_group_id for group in groups]
        self._tag_manager = TagManager(TagType.MAP, RESOURCE_TYPE_IMPORT, tags or None)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE_IMPORT,
            properties={
                **properties,
                PROP_TAGS: Lazy.uncached_any(TagsProducer(self._tag_manager)),
                PROP_DELETE_MODEL_ON_DELETE: Lazy.uncached_string(_DeletesModel(self)),
                PROP_TIMEOUT_SECONDS: str(timeout_seconds),
                PROP_POLL_INTERVAL_SECONDS: str(poll_seconds),
            },
            removal_policy=removal_policy,
            service_timeout=SERVICE_TIMEOUT,
        )
        policy = self.provider.use_kind(KIND)
        if policy is not None:  # deleted after this resource: the handler may still delete its model (KindPolicy)
            self.resource.node.add_dependency(policy)
        self._let_handler_pass(self.role)
        attributes_from = self.resource
        if timeout_seconds > MAX_TIMEOUT_SECONDS:
            attributes_from = parts.add_long_import(
                self, self.cfn_resource, self.provider, properties, timeout_seconds, poll_seconds
            )
        self._attributes = {name: attributes_from.get_att_string(cfn) for name, cfn in ATTRIBUTES.items()}
        self.node.add_validation(
            validation.FinalState(tags=self._tag_manager.render_tags, deletion_policy=self._deletion)
        )

    # ------------------------------------------------------------------ what the construct makes

    def _let_handler_pass(self, role: iam.IRole) -> None:
        """``iam:PassRole`` on this import's role only, and only to Bedrock (docs/aws-behaviour.md I8)."""
        grant = iam.Grant.add_to_principal(
            grantee=self.provider.handler_role,
            actions=["iam:PassRole"],
            resource_arns=[role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": BEDROCK}},
        )
        grant.apply_before(self.resource)

    def _deletion(self) -> Any:
        return self.cfn_resource.cfn_options.deletion_policy

    # ------------------------------------------------------------------ using it

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke the imported model on demand (InvokeModel, InvokeModelWithResponseStream)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=[self.imported_model_arn]
        )

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """``RETAIN`` or ``DESTROY`` (the same as the ``removal_policy`` prop)."""
        validation.check_removal_policy(policy)
        self.resource.apply_removal_policy(policy)

    @property
    def cfn_resource(self) -> CfnResource:
        """The ``Custom::BedrockModelImport`` CloudFormation resource (an escape hatch)."""
        child = self.resource.node.default_child
        assert isinstance(child, CfnResource)
        return child

    @property
    def cdk_tag_manager(self) -> TagManager:
        """CDK's tag manager (``ITaggableV2``): ``Tags.of(scope)`` adds to it."""
        return self._tag_manager

    @property
    def model_arn(self) -> str:
        """The imported model's ARN (``aws_bedrock.IModel``), what Bedrock invokes."""
        return self._attributes["imported_model_arn"]

    @property
    def imported_model_arn(self) -> str:
        """The imported model's ARN (``ImportedModelArn``)."""
        return self._attributes["imported_model_arn"]

    @property
    def imported_model_name(self) -> str:
        """The imported model's name (``ImportedModelName``)."""
        return self._attributes["imported_model_name"]

    @property
    def job_arn(self) -> str:
        """The import job's ARN, also the resource's physical id (``JobArn``)."""
        return self._attributes["job_arn"]

    @property
    def job_name(self) -> str:
        """The import job's name (``JobName``)."""
        return self._attributes["job_name"]

    @property
    def status(self) -> str:
        """The job's status when the resource completed: ``Completed`` (``Status``)."""
        return self._attributes["status"]

    @property
    def creation_time(self) -> str:
        """When the job started, ISO 8601 (``CreationTime``)."""
        return self._attributes["creation_time"]

    @property
    def model_architecture(self) -> str:
        """The model's architecture as Bedrock reports it (``ModelArchitecture``)."""
        return self._attributes["model_architecture"]

    @property
    def instruct_supported(self) -> str:
        """``"true"`` when the model supports Converse (``InstructSupported``)."""
        return self._attributes["instruct_supported"]

    @property
    def custom_model_units_per_model_copy(self) -> str:
        """Custom model units one running copy of the model takes (``CustomModelUnitsPerModelCopy``)."""
        return self._attributes["custom_model_units_per_model_copy"]

    @property
    def custom_model_units_version(self) -> str:
        """The custom model units' version, which sets their billing rate (``CustomModelUnitsVersion``)."""
        return self._attributes["custom_model_units_version"]

    @property
    def model_kms_key_arn(self) -> str:
        """The key that encrypts the model, ``""`` for an AWS owned key (``ModelKmsKeyArn``)."""
        return self._attributes["model_kms_key_arn"]


_signature = inspect.signature(BedrockModelImport.__init__)
BedrockModelImport.__signature__ = _signature.replace(parameters=list(_signature.parameters.values())[1:])
