"""The private provider shared by every BedrockModelCopy and ModelCopyJobWaiter in a stack."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import jsii
from aws_cdk import (
    Aws,
    Duration,
    IAnyProducer,
    IResolveContext,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr

from constructs import Construct

from ._asset import ASSET_EXCLUDES, handler_asset_dir
from ._checkers import (
    NAG_IAM5,
    NAG_SF2,
    OWN_STACK_NAG_ARN,
    acknowledge,
)
from ._compliance import acknowledge_provider_findings
from ._contract import (
    COPY_REQUEST_TAG_KEY,
    IS_COMPLETE_HANDLER,
    ON_EVENT_HANDLER,
    OWNER_RESOURCE_TAG_KEY,
    OWNER_TAG_KEY,
    OWNERSHIP_TAG_KEYS,
    provider_total_timeout,
)
from ._keys import (
    check_kms_key_location,
    encrypt_state_machine,
    grant_state_machine_use,
    grant_through,
    let_cloudwatch_logs_use,
    state_machine_arn_pattern,
)
from ._network import allow_network_interfaces
from ._network import security_groups as _security_groups
from ._options import DEFAULT_PROVIDER_OPTIONS, LOG_RETENTION_DAYS_ALLOWED, ModelCopyProviderOptions
from ._roles import ManagedPolicyRole, move_waiter_policy_to_managed
from ._validation import PropertyValidationError

PROVIDER_ID = "BedrockModelCopyProvider"
LOG_RETENTION_CONTEXT_KEY = "bedrock-model-copy:logRetentionDays"
DEFAULT_LOG_RETENTION_DAYS = 365
HANDLER_TIMEOUT = Duration.minutes(2)
HANDLER_MEMORY_MB = 256
# The provider framework's Node.js functions only relay events: Lambda's default, written out.
FRAMEWORK_MEMORY_MB = 128

# Source model ARNs are listed one by one in the CreateModelCopyJob statement until
# they take this many characters; past it each is widened to its account and
# Region (custom-model/*), so the policy stays bounded however many copies a stack has.
SOURCE_ARNS_BUDGET_CHARS = 2500

KMS_USE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
KMS_CREATE_GRANT = "kms:CreateGrant"
KMS_ACTIONS = (*KMS_USE_ACTIONS, KMS_CREATE_GRANT)


# The names of the log groups (the handler's only with encryption_key: the key policy names them all).
HANDLER_LOG_GROUP_NAME = f"/aws/lambda/{Aws.STACK_NAME}-bedrock-model-copy-handler"
WAITER_LOG_GROUP_NAME = f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-waiter"
WATCHER_LOG_GROUP_NAME = f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-watcher"
# Kept importable from here (the long-copy module and older code use these names).
_acknowledge = acknowledge
_ManagedPolicyRole = ManagedPolicyRole
__all__ = ["NAG_IAM5", "NAG_SF2", "OWN_STACK_NAG_ARN", "ModelCopyProvider", "check_kms_key_location"]


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
    def of(
        cls,
        scope: Construct,
        *,
        poll_interval_seconds: int,
        options: ModelCopyProviderOptions | None = None,
    ) -> ModelCopyProvider:
        """Return the stack's provider, creating it on first use.

        Raises
        ------
        ValueError
            ``poll_interval`` or ``provider_options`` differs from what the stack's provider
            already has, or ``provider_options`` cannot work.
        """
        options = options or DEFAULT_PROVIDER_OPTIONS
        options.check()
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
            if existing.options != options:
                differing = [
                    field.name
                    for field in dataclasses.fields(options)
                    if getattr(options, field.name) != getattr(existing.options, field.name)
                ]
                raise PropertyValidationError(
                    "provider_options",
                    f"differing in {', '.join(differing)}",
                    f"every BedrockModelCopy and ModelCopyJobWaiter in stack {stack.stack_name} shares one "
                    "provider, set up by the first of them; give all of them equal provider_options (the same "
                    "ModelCopyProviderOptions object, or none)",
                )
            return existing
        return cls(stack, PROVIDER_ID, poll_interval_seconds=poll_interval_seconds, options=options)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        poll_interval_seconds: int,
        options: ModelCopyProviderOptions = DEFAULT_PROVIDER_OPTIONS,
    ) -> None:
        super().__init__(scope, id)
        self.poll_interval_seconds = poll_interval_seconds
        self.options = options
        self._source_arns: set[str] = set()
        self._token_sources = False
        self._copies = False
        self._names: dict[str, str] = {}
        self._watcher: Any = None  # the copy watcher, created with the first long copy

        retention_days = self._log_retention_days()
        key = options.encryption_key
        if key is not None:
            let_cloudwatch_logs_use(self, key, [HANDLER_LOG_GROUP_NAME, WAITER_LOG_GROUP_NAME, WATCHER_LOG_GROUP_NAME])
        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            # Named only with a key, whose policy must name it before it exists (a generated name is not known).
            log_group_name=HANDLER_LOG_GROUP_NAME if key is not None else None,
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        waiter_log_group = logs.LogGroup(
            self,
            "WaiterLogs",
            log_group_name=WAITER_LOG_GROUP_NAME,
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        for log_group in (self.log_group, waiter_log_group):
            cfn_log_group = cast(logs.CfnLogGroup, log_group.node.default_child)
            cfn_log_group.retention_in_days = retention_days

        self.handler_role = ManagedPolicyRole(
            self, "HandlerRole", description="Bedrock model copy handler (on_event, is_complete)"
        )
        # Two roles, as the framework asks: one that starts the waiter, one that it runs as.
        framework_roles = {
            name: ManagedPolicyRole(
                self, f"Framework{name}Role", description=f"Bedrock model copy: CDK provider framework ({purpose})"
            )
            for name, purpose in (("OnEvent", "starts the waiter"), ("Waiter", "is_complete and timeout steps"))
        }
        roles = [self.handler_role, *framework_roles.values()]
        for role in roles:
            self.log_group.grant_write(role)
            if key is not None:
                # The functions' environment variables, decrypted by Lambda only.
                grant_through(key, role, ["kms:Decrypt"], "lambda")
        bedrock_policy = iam.CfnManagedPolicy(
            self,
            "BedrockPolicy",
            description="bedrock-model-copy: Bedrock permissions of the model copy handler",
            roles=[self.handler_role.role_name],
            policy_document=Lazy.uncached_any(_PolicyProducer(self)),
        )

        security_groups = _security_groups(
            self, options.vpc, list(options.security_groups) if options.security_groups is not None else None
        )
        if options.vpc is not None:
            for role in roles:
                allow_network_interfaces(role, options.vpc)
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
                vpc=options.vpc,
                vpc_subnets=options.vpc_subnets,
                security_groups=security_groups,
                environment_encryption=key,
                tracing=lambda_.Tracing.ACTIVE if options.tracing else None,
                reserved_concurrent_executions=options.reserved_concurrent_executions,
            )
            function.node.add_dependency(bedrock_policy)
            functions.append(function)
        self.on_event_function, self.is_complete_function = functions

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
            vpc=options.vpc,
            vpc_subnets=options.vpc_subnets,
            security_groups=security_groups,
            provider_function_env_encryption=key,
        )
        self._configure_framework_functions(framework_roles)
        waiter = self.provider.node.find_child("waiter-state-machine")
        self.waiter_policy = move_waiter_policy_to_managed(self, "WaiterStateMachinePolicy", waiter, waiter_log_group)
        if key is not None:
            # The waiter's execution input is the CloudFormation event, ResponseURL included (aws-cdk#21224).
            encrypt_state_machine(
                cast(sfn.CfnStateMachine, waiter.node.find_child("Resource")),
                cast(iam.Role, waiter.node.find_child("Role")),
                key,
                starters=[framework_roles["OnEvent"]],
            )
        self.service_token = self.provider.service_token
        self._bedrock_policy = bedrock_policy
        self._acknowledge_checker_findings(framework_roles)

    def _framework_functions(self) -> list[lambda_.Function]:
        return [
            cast(lambda_.Function, self.provider.node.find_child(f"framework-{name}"))
            for name in ("onEvent", "isComplete", "onTimeout")
        ]

    def _configure_framework_functions(self, framework_roles: dict[str, ManagedPolicyRole]) -> None:
        """Memory, tracing and concurrency of what the provider framework creates.

        ``custom_resources.Provider`` has no props for them, so they are set on its resources.
        """
        options = self.options
        for function in self._framework_functions():
            cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
            cfn_function.memory_size = FRAMEWORK_MEMORY_MB
            if options.reserved_concurrent_executions is not None:
                cfn_function.reserved_concurrent_executions = options.reserved_concurrent_executions
            if options.tracing:
                cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        if options.tracing:
            for role in framework_roles.values():
                role.add_to_principal_policy(
                    iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"])
                )
            state_machine = self.provider.node.find_child("waiter-state-machine")
            state_machine_role = cast(iam.Role, state_machine.node.find_child("Role"))
            state_machine_role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=[
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "xray:GetSamplingRules",
                        "xray:GetSamplingTargets",
                    ],
                    resources=["*"],
                )
            )
            cfn_state_machine = cast(sfn.CfnStateMachine, state_machine.node.find_child("Resource"))
            cfn_state_machine.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)

    # ------------------------------------------------------------------ checker findings

    def _acknowledge_checker_findings(self, framework_roles: dict[str, ManagedPolicyRole]) -> None:
        """Accept, with reasons, the checker findings that are inherent to the design (see ``_compliance``)."""
        acknowledge_provider_findings(self, framework_roles)

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

    def copy_watcher(self) -> Any:
        """The stack's copy watcher state machine (``_long_copy.CopyWatcher``), created on first use.

        Only stacks with a long copy have one; the handler role may start executions of it and
        of nothing else.
        """
        if self._watcher is None:
            from ._watcher import WATCHER_ID, CopyWatcher

            self._watcher = CopyWatcher(
                self, WATCHER_ID, log_retention_days=self._log_retention_days(), options=self.options
            )
            key = self.options.encryption_key
            if key is not None:
                # The handler starts the watcher, whose execution data is encrypted with the key. The watcher's
                # own role gets the grant here too: aws-cdk-lib's StateMachine writes its encryption-context
                # condition with the state machine's physical name, which is empty for a generated name
                # ("...:stateMachine:"), so that statement alone would let the watcher use nothing.
                grant_state_machine_use(key, [self.handler_role, self._watcher.role], state_machine_arn_pattern(self))
            _acknowledge(self._bedrock_policy, self._watcher.handler_acknowledgements())
        return self._watcher

    def grant_kms_key(self, key: kms.IKey) -> None:
        """Let the handler use ``key`` for the copy, only through Bedrock in this Region.

        The key's own ``grant`` decides where statements go (the role's policy; the key
        policy too where the key's account does not delegate to IAM), and every
        statement it makes is then limited with ``kms:ViaService``; ``kms:CreateGrant``
        also with ``kms:GrantIsForAWSResource`` (only grants that Bedrock makes for
        itself). Check the key with :func:`check_kms_key_location` first.
        """
        stack = Stack.of(self)
        use = key.grant(self.handler_role, *KMS_USE_ACTIONS)
        create_grant = key.grant(self.handler_role, KMS_CREATE_GRANT)
        via_bedrock = f"bedrock.{stack.region}.{stack.url_suffix}"
        for grant in (use, create_grant):
            for statement in [*grant.principal_statements, *grant.resource_statements]:
                statement.add_condition("StringEquals", {"kms:ViaService": via_bedrock})
        for statement in [*create_grant.principal_statements, *create_grant.resource_statements]:
            statement.add_condition("Bool", {"kms:GrantIsForAWSResource": "true"})

    # ------------------------------------------------------------------ policy

    def _log_retention_days(self) -> int:
        """The option, else the context key, else 365 days; the option and the key must not disagree."""
        option = self.options.log_retention_days
        days = self.node.try_get_context(LOG_RETENTION_CONTEXT_KEY)
        if days is None:
            return DEFAULT_LOG_RETENTION_DAYS if option is None else option
        if not (str(days).isdigit() and int(days) in LOG_RETENTION_DAYS_ALLOWED):
            raise PropertyValidationError(
                f"context {LOG_RETENTION_CONTEXT_KEY}",
                days,
                f"must be one of CloudWatch Logs' retention periods: {list(LOG_RETENTION_DAYS_ALLOWED)} (days)",
            )
        if option is not None and option != int(days):
            raise PropertyValidationError(
                "provider_options.log_retention_days",
                option,
                f"disagrees with the context key {LOG_RETENTION_CONTEXT_KEY} ({days} days); set one of them, "
                "or both to the same value",
            )
        return int(days)

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
                "Sid": "ReadModels",
                "Effect": "Allow",
                "Action": "bedrock:GetCustomModel",
                "Resource": models,
            },
            {
                # Who owns a model, read before it is changed or deleted (ListTagsForResource takes custom-model
                # resources in the Service Authorization Reference; the handler reads only models' tags).
                "Sid": "ReadOwnershipTags",
                "Effect": "Allow",
                "Action": "bedrock:ListTagsForResource",
                "Resource": models,
            },
            {
                # A copy's model Bedrock refuses to delete as in use: what serves it, and whose is it (a stack
                # delete leaves a model served by this stack's Provisioned Throughput under commitment). Granted
                # whenever the provider exists: the ServingPolicy may be deleted in parallel with the copy.
                "Sid": "ReadWhatServesModels",
                "Effect": "Allow",
                "Action": "bedrock:ListTagsForResource",
                "Resource": [f"{region_arn}:provisioned-model/*", f"{region_arn}:custom-model-deployment/*"],
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
                    # IAM matches tag keys in aws:ResourceTag/<key> without regard to case: refuse them in any case.
                    "ForAllValues:StringNotEqualsIgnoreCase": {"aws:TagKeys": list(OWNERSHIP_TAG_KEYS)},
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
        statements.append(
            {
                # The List actions have no resource-level permission: "*" is the only resource (modelArnEquals).
                "Sid": "FindWhatServesModels",
                "Effect": "Allow",
                "Action": ["bedrock:ListProvisionedModelThroughputs", "bedrock:ListCustomModelDeployments"],
                "Resource": "*",
            }
        )
        if self._watcher is not None:
            # Long copies: the copy resource hands its job to the stack's copy watcher (see _long_copy).
            statements += self._watcher.handler_statements()
        return {"Version": "2012-10-17", "Statement": statements}
