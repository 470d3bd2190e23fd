"""The private provider shared by every BedrockModelCopy and ModelCopyJobWaiter in a stack."""

from __future__ import annotations

from typing import Any, cast

import jsii
from aws_cdk import (
    Acknowledgment,
    Aws,
    Duration,
    IAnyProducer,
    IResolveContext,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr

from constructs import Construct, IConstruct

from ._asset import ASSET_EXCLUDES, handler_asset_dir
from ._contract import (
    COPY_REQUEST_TAG_KEY,
    IS_COMPLETE_HANDLER,
    ON_EVENT_HANDLER,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
    provider_total_timeout,
)
from ._validation import PropertyValidationError

PROVIDER_ID = "BedrockModelCopyProvider"
LOG_RETENTION_CONTEXT_KEY = "bedrock-model-copy:logRetentionDays"
DEFAULT_LOG_RETENTION_DAYS = 365
# The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS_ALLOWED = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
HANDLER_TIMEOUT = Duration.minutes(2)
HANDLER_MEMORY_MB = 256

# Source model ARNs are listed one by one in the CreateModelCopyJob statement until
# they take this many characters; past it each is widened to its account and
# Region (custom-model/*), so the policy stays bounded however many copies a stack has.
SOURCE_ARNS_BUDGET_CHARS = 2500

KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")


NAG_IAM5 = "AwsSolutions::AwsSolutions-IAM5"
NAG_SF2 = "AwsSolutions::AwsSolutions-SF2"
OWN_STACK_NAG_ARN = "arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<AWS::StackName>/*"


def _acknowledge(scope: IConstruct, reasons: dict[str, str]) -> None:
    """Accept checker findings on ``scope`` (aws-cdk-lib's API; no cdk-nag import needed)."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id, reason=reason) for id, reason in reasons.items()))


def check_kms_key_location(scope: Construct, key: kms.IKey) -> None:
    """Refuse a key the copy cannot use or this stack cannot grant.

    Raises
    ------
    ValueError
        The key is in another Region, or is a ``kms.Key`` of another account.
    """
    stack = Stack.of(scope)
    if not isinstance(key, kms.Alias) and ":alias/" in key.key_arn and not _has_alias_target(key):
        raise PropertyValidationError(
            "target_kms_key",
            key.key_arn,
            "is an imported alias: IAM grants on an alias ARN do not reach the key behind it, so the copy would be "
            "denied. Import the key itself (kms.Key.from_key_arn), or give the alias its key "
            "(kms.Alias.from_alias_attributes(alias_name=..., alias_target_key=...))",
        )
    key_region, key_account = key.env.region, key.env.account
    if _concrete(key_region) and _concrete(stack.region) and key_region != stack.region:
        raise PropertyValidationError(
            "target_kms_key",
            key.node.path,
            f"is in {key_region}; the key that encrypts the copy must be in the stack's Region {stack.region}",
        )
    if (
        isinstance(key, kms.Key)
        and _concrete(key_account)
        and _concrete(stack.account)
        and key_account != stack.account
    ):
        raise PropertyValidationError(
            "target_kms_key",
            key.node.path,
            f"is a kms.Key of account {key_account}; import it with Key.from_key_arn and add the key policy "
            "statement from the README's KMS section in that account",
        )


def _has_alias_target(key: kms.IKey) -> bool:
    """Whether an alias knows its key (``from_alias_attributes``); ``from_alias_name`` does not."""
    try:
        return getattr(key, "alias_target_key", None) is not None
    except Exception:  # jsii raises for an alias imported by name only
        return False


def _concrete(value: str) -> bool:
    return not Token.is_unresolved(value)


def _widen_to_account(arn: str) -> str:
    """``arn:p:bedrock:r:a:custom-model/x/y`` -> ``arn:p:bedrock:r:a:custom-model/*``."""
    prefix, _, _ = arn.partition("/")
    return f"{prefix}/*"


@jsii.implements(IAnyProducer)
class _PolicyProducer:
    """Renders the Bedrock policy when the template is resolved, after every instance has registered."""

    def __init__(self, provider: ModelCopyProvider) -> None:
        self._provider = provider

    def produce(self, context: IResolveContext) -> Any:
        return self._provider._render_bedrock_policy()


class ModelCopyProvider(Construct):
    """Handler functions, role, log groups and provider framework; one per stack.

    Use :meth:`of`; instances register what they need (source ARNs, deletes,
    KMS keys) and the role's Bedrock policy is rendered at synth time.
    """

    @classmethod
    def of(cls, scope: Construct, *, poll_interval_seconds: int) -> ModelCopyProvider:
        """Return the stack's provider, creating it on first use.

        Raises
        ------
        ValueError
            ``poll_interval`` differs from the one the stack's provider already polls at.
        """
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, ModelCopyProvider):
            if existing.poll_interval_seconds != poll_interval_seconds:
                raise PropertyValidationError(
                    "poll_interval",
                    f"{poll_interval_seconds} seconds",
                    f"every BedrockModelCopy and ModelCopyJobWaiter in stack {stack.stack_name} shares one "
                    f"provider, which polls every {existing.poll_interval_seconds} seconds; use the same "
                    "poll_interval for all of them (or put this one in another stack)",
                )
            return existing
        return cls(stack, PROVIDER_ID, poll_interval_seconds=poll_interval_seconds)

    def __init__(self, scope: Construct, id: str, *, poll_interval_seconds: int) -> None:
        super().__init__(scope, id)
        self.poll_interval_seconds = poll_interval_seconds
        self._source_arns: set[str] = set()
        self._token_sources = False
        self._copies = False
        self._names: dict[str, str] = {}

        retention_days = self._log_retention_days()
        self.log_group = logs.LogGroup(self, "HandlerLogs", removal_policy=RemovalPolicy.DESTROY)
        waiter_log_group = logs.LogGroup(
            self,
            "WaiterLogs",
            log_group_name=f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-waiter",
            removal_policy=RemovalPolicy.DESTROY,
        )
        for log_group in (self.log_group, waiter_log_group):
            cfn_log_group = cast(logs.CfnLogGroup, log_group.node.default_child)
            cfn_log_group.retention_in_days = retention_days

        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Bedrock model copy handler (on_event, is_complete)",
        )
        self.log_group.grant_write(self.handler_role)
        bedrock_policy = iam.CfnPolicy(
            self,
            "BedrockPolicy",
            policy_name="bedrock-model-copy",
            roles=[self.handler_role.role_name],
            policy_document=Lazy.uncached_any(_PolicyProducer(self)),
        )

        code = lambda_.Code.from_asset(str(handler_asset_dir()), exclude=ASSET_EXCLUDES)
        functions = []
        for name, handler in (("OnEvent", ON_EVENT_HANDLER), ("IsComplete", IS_COMPLETE_HANDLER)):
            function = lambda_.Function(
                self,
                f"{name}Handler",
                code=code,
                handler=handler,
                runtime=lambda_.Runtime.PYTHON_3_14,
                architecture=lambda_.Architecture.ARM_64,
                timeout=HANDLER_TIMEOUT,
                memory_size=HANDLER_MEMORY_MB,
                role=self.handler_role,
                log_group=self.log_group,
                description=f"Bedrock model copy: {handler}",
            )
            function.node.add_dependency(bedrock_policy)
            functions.append(function)
        self.on_event_function, self.is_complete_function = functions

        # Two roles, as the framework asks: one that starts the waiter, one that it runs as.
        framework_roles = {}
        for name, purpose in (("OnEvent", "starts the waiter"), ("Waiter", "is_complete and timeout steps")):
            role = iam.Role(
                self,
                f"Framework{name}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Bedrock model copy: CDK provider framework ({purpose})",
            )
            self.log_group.grant_write(role)
            framework_roles[name] = role
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            query_interval=Duration.seconds(poll_interval_seconds),
            total_timeout=Duration.seconds(provider_total_timeout(poll_interval_seconds)),
            framework_on_event_role=framework_roles["OnEvent"],
            framework_complete_and_timeout_role=framework_roles["Waiter"],
            log_group=self.log_group,
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=waiter_log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        self.service_token = self.provider.service_token
        self._bedrock_policy = bedrock_policy
        self._acknowledge_checker_findings(framework_roles)

    # ------------------------------------------------------------------ checker findings

    def _acknowledge_checker_findings(self, framework_roles: dict[str, iam.Role]) -> None:
        """Accept, with reasons, the cdk-nag findings that are inherent to the design.

        Each acknowledgement names one finding and sits on the one resource it is about.
        """
        stack = Stack.of(self)

        def invoke_versions(function: IConstruct) -> str:
            cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
            return f"{NAG_IAM5}[Resource::<{stack.get_logical_id(cfn_function)}.Arn>:*]"

        framework_note = "Written by aws-cdk-lib's provider framework (custom_resources.Provider), not this library: "
        for role in framework_roles.values():
            _acknowledge(
                role,
                {
                    invoke_versions(function): framework_note
                    + "lambda:InvokeFunction on the handler function and its versions (ARN:*), and nothing else."
                    for function in (self.on_event_function, self.is_complete_function)
                },
            )
        state_machine = self.provider.node.find_child("waiter-state-machine")
        _acknowledge(
            state_machine,
            {
                **{
                    invoke_versions(self.provider.node.find_child(f"framework-{name}")): framework_note
                    + f"the waiter state machine invokes the framework's {name} function and its versions (ARN:*)."
                    for name in ("isComplete", "onTimeout")
                },
                f"{NAG_IAM5}[Resource::*]": framework_note
                + "CloudWatch Logs delivery for the waiter state machine (logs:CreateLogDelivery and related) "
                "has no resource-level permissions.",
                NAG_SF2: framework_note
                + "the waiter state machine only retries one Lambda task on a timer; its logs go to the "
                "WaiterLogs group (level ALL) and the handler logs every poll, so X-Ray tracing adds cost, "
                "not insight.",
            },
        )
        _acknowledge(
            self._bedrock_policy,
            {
                f"{NAG_IAM5}[Resource::{OWN_STACK_NAG_ARN}]": (
                    "cloudformation:DescribeStacks (read-only) on this stack only; the '*' is the stack id's "
                    "generated suffix."
                ),
                f"{NAG_IAM5}[Resource::*]": "bedrock:ListModelCopyJobs has no resource-level permission (Service "
                "Authorization Reference): '*' is the only resource it accepts. It is read-only and lets the handler "
                "resume a copy instead of starting a duplicate.",
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-copy-job/*]": (
                    "bedrock:GetModelCopyJob (read-only) on this account's copy jobs in this Region: job ARNs are "
                    "generated by Bedrock when a copy starts, and waiters poll jobs started elsewhere."
                ),
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:custom-model/*]": (
                    "Copied model ARNs are generated by Bedrock. GetCustomModel and ListTagsForResource are "
                    "read-only (does a resumed copy still exist, and who owns it); DeleteCustomModel, TagResource and "
                    f"UntagResource are limited by aws:ResourceTag/{OWNER_TAG_KEY} to models this stack copied, and "
                    "the ownership tags themselves cannot be changed (aws:TagKeys), except recording the owning "
                    "resource once on a copy made by version 0.1.0."
                ),
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:*:<AWS::AccountId>:custom-model/*]": (
                    "A source_model_arn given as a token is only known at deploy time: CreateModelCopyJob is "
                    "limited to this account's custom models, with aws:RequestedRegion set to this Region."
                ),
            },
        )

    # ------------------------------------------------------------------ registration

    def register_copy(self, *, source_model_arn: str, target_model_name: str, path: str) -> None:
        """Record what one BedrockModelCopy needs from the shared role, and refuse a second copy of one name.

        Raises
        ------
        ValueError
            Another copy in this stack already has this concrete ``target_model_name``.
        """
        if not Token.is_unresolved(target_model_name):
            other = self._names.get(target_model_name)
            if other is not None:
                raise PropertyValidationError(
                    "target_model_name",
                    target_model_name,
                    f"is already the target_model_name of {other}; {path} would share that copy and its model "
                    "(deleting one would delete the model the other exposes). Give each copy its own name, or "
                    "read the first copy's attributes instead of copying twice",
                )
            self._names[target_model_name] = path
        self._copies = True
        if Token.is_unresolved(source_model_arn):
            self._token_sources = True
        else:
            self._source_arns.add(source_model_arn)
            widened = _widen_to_account(source_model_arn)
            _acknowledge(
                self._bedrock_policy,
                {
                    f"{NAG_IAM5}[Resource::{widened}]": (
                        f"More source models than fit the policy budget ({SOURCE_ARNS_BUDGET_CHARS} characters): "
                        "CreateModelCopyJob is widened to the custom models of each source's own account and "
                        "Region, with aws:RequestedRegion set to this Region."
                    )
                },
            )

    def grant_kms_key(self, key: kms.IKey) -> None:
        """Let the handler use ``key`` for the copy, only through Bedrock in this Region.

        The key's own ``grant`` decides where statements go (the role's policy; the key
        policy too where the key's account does not delegate to IAM), and every
        statement it makes is then limited with ``kms:ViaService``. Check the key
        with :func:`check_kms_key_location` first.
        """
        stack = Stack.of(self)
        grant = key.grant(self.handler_role, *KMS_ACTIONS)
        via_bedrock = f"bedrock.{stack.region}.{stack.url_suffix}"
        for statement in [*grant.principal_statements, *grant.resource_statements]:
            statement.add_condition("StringEquals", {"kms:ViaService": via_bedrock})

    # ------------------------------------------------------------------ policy

    def _log_retention_days(self) -> int:
        days = self.node.try_get_context(LOG_RETENTION_CONTEXT_KEY)
        if days is None:
            return DEFAULT_LOG_RETENTION_DAYS
        if str(days).isdigit() and int(days) in LOG_RETENTION_DAYS_ALLOWED:
            return int(days)
        raise PropertyValidationError(
            f"context {LOG_RETENTION_CONTEXT_KEY}",
            days,
            f"must be one of CloudWatch Logs' retention periods: {list(LOG_RETENTION_DAYS_ALLOWED)} (days)",
        )

    def _source_resources(self) -> list[str]:
        arns = sorted(self._source_arns)
        if sum(len(arn) for arn in arns) > SOURCE_ARNS_BUDGET_CHARS:
            arns = sorted({_widen_to_account(arn) for arn in arns})
        if self._token_sources:
            arns.append(f"arn:{Aws.PARTITION}:bedrock:*:{Aws.ACCOUNT_ID}:custom-model/*")
        return arns

    def _render_bedrock_policy(self) -> dict[str, Any]:
        """The handler role's Bedrock and CloudFormation permissions.

        Everything that reads, deletes or retags models is granted whether or not the
        template holds a copy today: CloudFormation updates this policy before the
        clean-up phase deletes removed resources, and rolls it back before the clean-up
        of a failed update, so a permission granted only "while a DESTROY copy exists"
        would be gone exactly when that copy's Delete runs. The ownership conditions
        keep those statements to models this stack made.
        """
        region_arn = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        models = f"{region_arn}:custom-model/*"
        stack_arn_prefix = f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack"
        owned = {f"aws:ResourceTag/{OWNER_TAG_KEY}": Aws.STACK_NAME}
        statements: list[dict[str, Any]] = [
            {
                "Sid": "PollCopyJobs",
                "Effect": "Allow",
                "Action": "bedrock:GetModelCopyJob",
                "Resource": f"{region_arn}:model-copy-job/*",
            },
            {
                "Sid": "ReadModelsAndTheirOwners",
                "Effect": "Allow",
                "Action": ["bedrock:GetCustomModel", "bedrock:ListTagsForResource"],
                "Resource": models,
            },
            {
                # Which phase a request comes in (rollback, clean-up, stack delete) decides whether it may fail.
                "Sid": "ReadOwnStackPhase",
                "Effect": "Allow",
                "Action": "cloudformation:DescribeStacks",
                "Resource": f"{stack_arn_prefix}/{Aws.STACK_NAME}/*",
            },
            {
                "Sid": "DeleteOwnCopies",
                "Effect": "Allow",
                "Action": "bedrock:DeleteCustomModel",
                "Resource": models,
                "Condition": {"StringEquals": owned},
            },
            {
                "Sid": "RetagOwnCopies",
                "Effect": "Allow",
                "Action": ["bedrock:TagResource", "bedrock:UntagResource"],
                "Resource": models,
                "Condition": {
                    "StringEquals": owned,
                    "ForAllValues:StringNotEquals": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
                },
            },
            {
                # A copy made by 0.1.0 carries only the owner-stack tag: record which resource owns it, once.
                "Sid": "RecordOwnershipOfUpgradedCopies",
                "Effect": "Allow",
                "Action": "bedrock:TagResource",
                "Resource": models,
                "Condition": {
                    "StringEquals": owned,
                    "Null": {f"aws:ResourceTag/{OWNER_RESOURCE_TAG_KEY}": "true"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_RESOURCE_TAG_KEY, COPY_REQUEST_TAG_KEY]},
                },
            },
        ]
        if self._copies:
            statements += [
                {
                    # Tag on create: a copy can only be started with this stack's ownership tags.
                    "Sid": "StartCopies",
                    "Effect": "Allow",
                    "Action": "bedrock:CreateModelCopyJob",
                    "Resource": self._source_resources(),
                    "Condition": {
                        "StringEquals": {
                            "aws:RequestedRegion": Aws.REGION,
                            f"aws:RequestTag/{OWNER_TAG_KEY}": Aws.STACK_NAME,
                        },
                        "Null": {
                            f"aws:RequestTag/{OWNER_RESOURCE_TAG_KEY}": "false",
                            f"aws:RequestTag/{COPY_REQUEST_TAG_KEY}": "false",
                        },
                    },
                },
                {
                    # ListModelCopyJobs has no resource-level permission: "*" is the only resource.
                    "Sid": "FindJobsToResume",
                    "Effect": "Allow",
                    "Action": "bedrock:ListModelCopyJobs",
                    "Resource": "*",
                },
            ]
        return {"Version": "2012-10-17", "Statement": statements}
