"""The private provider shared by every BedrockModelCopy and ModelCopyJobWaiter in a stack."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import jsii
from aws_cdk import (
    Acknowledgment,
    Aws,
    CfnResource,
    Duration,
    IAnyProducer,
    IResolveContext,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_ec2 as ec2
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
from ._options import DEFAULT_PROVIDER_OPTIONS, LOG_RETENTION_DAYS_ALLOWED, ModelCopyProviderOptions
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


NAG_IAM5 = "AwsSolutions::AwsSolutions-IAM5"
NAG_SF2 = "AwsSolutions::AwsSolutions-SF2"
OWN_STACK_NAG_ARN = "arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<AWS::StackName>/*"
# cdk-nag packs with a rule for Lambda dead-letter queues, and for inline IAM policies.
DLQ_PACKS = ("Serverless", "NIST.800.53.R5", "HIPAA.Security")
# What ec2:CreateNetworkInterface and the other ENI actions of a VPC function are authorized on.
ENI_RESOURCE_KINDS = ("network-interface", "subnet", "security-group")
INLINE_POLICY_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")


def _acknowledge(scope: IConstruct, reasons: dict[str, str]) -> None:
    """Accept checker findings on ``scope`` (aws-cdk-lib's API; no cdk-nag import needed)."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id, reason=reason) for id, reason in reasons.items()))


def _skip_checkov(resource: CfnResource, reasons: dict[str, str]) -> None:
    """Skip checkov checks on one resource, with the reason (checkov reads ``Metadata.checkov.skip``)."""
    metadata = resource.get_metadata("checkov") or {"skip": []}
    metadata["skip"] = [*metadata["skip"], *({"id": id, "comment": reason} for id, reason in reasons.items())]
    resource.add_metadata("checkov", metadata)


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


class _ManagedPolicyRole(iam.Role):
    """A role whose grants land in a customer managed policy of its own, not in an inline policy.

    ``Grant``, ``Function`` and the provider framework add statements through
    ``add_to_principal_policy``; here they go to one ``iam.ManagedPolicy`` attached to
    this role only (compliance packs flag inline policies: NIST 800-53 AC-6, PCI DSS 7.2.1).
    """

    def __init__(self, scope: Construct, id: str, *, description: str, principal: iam.IPrincipal | None = None) -> None:
        super().__init__(
            scope, id, assumed_by=principal or iam.ServicePrincipal("lambda.amazonaws.com"), description=description
        )
        self.policy = iam.ManagedPolicy(self, "Policy", roles=[self], description=description)

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self.policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)


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
            self._let_cloudwatch_logs_use(key)
        self.log_group = logs.LogGroup(self, "HandlerLogs", removal_policy=RemovalPolicy.DESTROY, encryption_key=key)
        waiter_log_group = logs.LogGroup(
            self,
            "WaiterLogs",
            log_group_name=f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-waiter",
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        for log_group in (self.log_group, waiter_log_group):
            cfn_log_group = cast(logs.CfnLogGroup, log_group.node.default_child)
            cfn_log_group.retention_in_days = retention_days

        self.handler_role = _ManagedPolicyRole(
            self, "HandlerRole", description="Bedrock model copy handler (on_event, is_complete)"
        )
        # Two roles, as the framework asks: one that starts the waiter, one that it runs as.
        framework_roles = {
            name: _ManagedPolicyRole(
                self, f"Framework{name}Role", description=f"Bedrock model copy: CDK provider framework ({purpose})"
            )
            for name, purpose in (("OnEvent", "starts the waiter"), ("Waiter", "is_complete and timeout steps"))
        }
        roles = [self.handler_role, *framework_roles.values()]
        for role in roles:
            self.log_group.grant_write(role)
            if key is not None:
                key.grant_decrypt(role)  # the functions' environment variables
        bedrock_policy = iam.CfnManagedPolicy(
            self,
            "BedrockPolicy",
            description="bedrock-model-copy: Bedrock permissions of the model copy handler",
            roles=[self.handler_role.role_name],
            policy_document=Lazy.uncached_any(_PolicyProducer(self)),
        )

        security_groups = self._security_groups()
        if options.vpc is not None:
            for role in roles:
                self._allow_network_interfaces(role)
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
        self.service_token = self.provider.service_token
        self._bedrock_policy = bedrock_policy
        self._acknowledge_checker_findings(framework_roles)

    # ------------------------------------------------------------------ options

    def _security_groups(self) -> list[ec2.ISecurityGroup] | None:
        """The options' security groups; in a VPC without them, one that allows only outbound HTTPS."""
        options = self.options
        if options.vpc is None:
            return None
        if options.security_groups is not None:
            return list(options.security_groups)
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=options.vpc,
            description="Bedrock model copy functions: outbound HTTPS to AWS APIs only",
            allow_all_outbound=False,
        )
        group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to Bedrock, CloudWatch Logs, Lambda")
        return [group]

    def _allow_network_interfaces(self, role: iam.Role) -> None:
        """What Lambda needs to attach a function to the VPC (the Lambda developer guide's list).

        Written out instead of the AWS managed policy AWSLambdaVPCAccessExecutionRole, which also
        grants logs:CreateLogGroup on every log group.
        """
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DescribeNetworkInterfaces",
                actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
                resources=["*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ManageNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                # CreateNetworkInterface is authorized on the interface, its subnet and its security groups.
                resources=[
                    f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:{kind}/*" for kind in ENI_RESOURCE_KINDS
                ],
            )
        )

    def _let_cloudwatch_logs_use(self, key: kms.IKey) -> None:
        """Key-policy statement that lets CloudWatch Logs encrypt this account's log groups in this Region.

        Only a ``kms.Key`` of the app can take it; an imported key needs it in its own policy (README).
        """
        stack = Stack.of(self)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsBedrockModelCopyLogs",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.{stack.url_suffix}")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )

    def _framework_functions(self) -> list[lambda_.Function]:
        return [
            cast(lambda_.Function, self.provider.node.find_child(f"framework-{name}"))
            for name in ("onEvent", "isComplete", "onTimeout")
        ]

    def _configure_framework_functions(self, framework_roles: dict[str, _ManagedPolicyRole]) -> None:
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

    def _acknowledge_checker_findings(self, framework_roles: dict[str, _ManagedPolicyRole]) -> None:
        """Accept, with reasons, the checker findings that are inherent to the design.

        cdk-nag (all five packs) and checkov. Each acknowledgement names one finding
        and sits on the one resource it is about.
        """
        stack = Stack.of(self)

        def invoke_versions(function: IConstruct) -> str:
            cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
            return f"{NAG_IAM5}[Resource::<{stack.get_logical_id(cfn_function)}.Arn>:*]"

        framework_note = "Written by aws-cdk-lib's provider framework (custom_resources.Provider), not this library: "
        for role in (self.handler_role, *framework_roles.values()):
            reasons = {}
            if role is not self.handler_role:
                reasons.update(
                    {
                        invoke_versions(function): framework_note
                        + "lambda:InvokeFunction on the handler function and its versions (ARN:*), and nothing else."
                        for function in (self.on_event_function, self.is_complete_function)
                    }
                )
            if self.options.tracing or self.options.vpc is not None:
                reasons[f"{NAG_IAM5}[Resource::*]"] = (
                    "Only actions that have no resource-level permissions (Service Authorization Reference): "
                    "xray:PutTraceSegments and xray:PutTelemetryRecords (tracing option), "
                    "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets (vpc option, needed by Lambda to attach "
                    "the function)."
                )
            if self.options.vpc is not None:
                for kind in ENI_RESOURCE_KINDS:
                    reasons[
                        f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:{kind}/*]"
                    ] = (
                        "Lambda creates, deletes and re-addresses the function's network interfaces with the "
                        "execution role; their ids are not known in advance, and the Lambda developer guide asks for "
                        "every id of the account and Region in DeleteNetworkInterface. Only network interfaces, "
                        "subnets and security groups of this account and Region (vpc option)."
                    )
            if reasons:
                _acknowledge(role.policy, reasons)

        state_machine = self.provider.node.find_child("waiter-state-machine")
        state_machine_policy = state_machine.node.find_child("Role").node.find_child("DefaultPolicy")
        inline_reason = (
            framework_note + "the waiter state machine's role and its inline DefaultPolicy are created inside "
            "custom_resources.Provider, which offers no prop to replace them. The policy is attached to that one "
            "role, created and deleted with it; every policy this library writes is a customer managed policy."
        )
        _acknowledge(
            state_machine_policy,
            {
                **{
                    invoke_versions(self.provider.node.find_child(f"framework-{name}")): framework_note
                    + f"the waiter state machine invokes the framework's {name} function and its versions (ARN:*)."
                    for name in ("isComplete", "onTimeout")
                },
                f"{NAG_IAM5}[Resource::*]": framework_note
                + "CloudWatch Logs delivery for the waiter state machine (logs:CreateLogDelivery and related) "
                "and X-Ray (tracing option) have no resource-level permissions.",
                **{f"{pack}::{pack}-IAMNoInlinePolicy": inline_reason for pack in INLINE_POLICY_PACKS},
            },
        )
        _skip_checkov(
            cast(iam.CfnPolicy, state_machine_policy.node.default_child),
            {
                "CKV_AWS_111": framework_note + "logs:CreateLogDelivery, logs:PutResourcePolicy and the other "
                "CloudWatch Logs vended-delivery actions that Step Functions logging needs have no resource-level "
                "permissions, so '*' is the only resource they accept."
            },
        )
        if not self.options.tracing:
            _acknowledge(
                state_machine.node.find_child("Resource"),
                {
                    NAG_SF2: framework_note
                    + "the waiter state machine only retries one Lambda task on a timer; its logs go to the "
                    "WaiterLogs group (level ALL) and the handler logs every poll, so X-Ray tracing adds cost, "
                    "not insight. Turn it on with ModelCopyProviderOptions(tracing=True).",
                },
            )
        self._acknowledge_no_dead_letter_queues()
        _acknowledge(
            self._bedrock_policy,
            {
                f"{NAG_IAM5}[Resource::{OWN_STACK_NAG_ARN}]": (
                    "cloudformation:DescribeStacks (read-only) on this stack only; the '*' is the stack id's "
                    "generated suffix."
                ),
                f"{NAG_IAM5}[Resource::*]": (
                    "Two read-only actions without a custom-model resource in the Service Authorization Reference, "
                    "so '*' is the only resource sure to authorize them: bedrock:ListModelCopyJobs (lets the handler "
                    "resume its own copy instead of starting a duplicate) and bedrock:ListTagsForResource (reads who "
                    "owns a model before the handler changes or deletes it)."
                ),
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-copy-job/*]": (
                    "bedrock:GetModelCopyJob (read-only) on this account's copy jobs in this Region: job ARNs are "
                    "generated by Bedrock when a copy starts, and waiters poll jobs started elsewhere."
                ),
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:custom-model/*]": (
                    "Copied model ARNs are generated by Bedrock. GetCustomModel is read-only (does a resumed copy "
                    "still exist); DeleteCustomModel, TagResource and "
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

    def _acknowledge_no_dead_letter_queues(self) -> None:
        """No function here is invoked in a way that would send anything to a dead-letter queue."""
        synchronous = (
            "A dead-letter queue only receives events of asynchronous invocations that failed; this function is "
            "only invoked synchronously ({caller}), so a DLQ would never receive anything. Its errors go back to "
            "the caller, and the provider framework reports them to CloudFormation as the resource's failure reason."
        )
        reasons = {
            self.on_event_function: synchronous.format(caller="RequestResponse, by the provider framework's onEvent"),
            self.is_complete_function: synchronous.format(
                caller="RequestResponse, by the provider framework's isComplete"
            ),
            self.provider.node.find_child("framework-isComplete"): synchronous.format(
                caller="a Lambda task of the waiter state machine, which retries it on a timer"
            ),
            self.provider.node.find_child("framework-onTimeout"): synchronous.format(
                caller="a Lambda task of the waiter state machine, once, at the timeout"
            ),
            self.provider.node.find_child("framework-onEvent"): (
                "CloudFormation invokes this custom resource entry point asynchronously with an event that carries "
                "a pre-signed ResponseURL able to answer for the resource; a dead-letter queue would keep that URL "
                "for days. The framework catches every error and answers CloudFormation FAILED itself; an "
                "invocation that cannot run at all is retried by Lambda and then fails the resource at its "
                "ServiceTimeout (one hour), so no failure goes unreported."
            ),
        }
        for function, reason in reasons.items():
            cfn_function = cast(lambda_.CfnFunction, function.node.default_child)
            _acknowledge(cfn_function, {f"{pack}::{pack}-LambdaDLQ": reason for pack in DLQ_PACKS})
            _skip_checkov(cfn_function, {"CKV_AWS_116": reason})

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
            from ._long_copy import WATCHER_ID, CopyWatcher

            self._watcher = CopyWatcher(
                self, WATCHER_ID, log_retention_days=self._log_retention_days(), options=self.options
            )
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
                # Who owns a model, read before it is changed or deleted. The Service Authorization Reference
                # lists no custom-model resource for ListTagsForResource, so only "*" is sure to authorize it.
                "Sid": "ReadOwnershipTags",
                "Effect": "Allow",
                "Action": "bedrock:ListTagsForResource",
                "Resource": "*",
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
        if self._watcher is not None:
            # Long copies: the copy resource hands its job to the stack's copy watcher (see _long_copy).
            statements += self._watcher.handler_statements()
        return {"Version": "2012-10-17", "Statement": statements}
