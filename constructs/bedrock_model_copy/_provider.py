"""The private provider shared by every construct of this library in a stack.

It records what the stack's constructs need (copy sources, KMS keys, the kinds they are) and renders
exactly that at synth time: the provider's own Bedrock policy (the copy's and the waiter's statements,
``_copy_policy``) and one policy per kind the stack uses that has its own (``_bedrock_policy.kind_policy``).
"""

from __future__ import annotations

from typing import Any, cast

from aws_cdk import (
    Duration,
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

from . import _copy_policy
from ._asset import ASSET_EXCLUDES, handler_asset_dir
from ._bedrock_policy import KMS_ACTIONS, PolicyProducer, grant_kms_key, kind_policy
from ._checkers import NAG_IAM5, NAG_SF2, OWN_STACK_NAG_ARN, acknowledge
from ._compliance import acknowledge_provider_findings
from ._copy_policy import SOURCE_ARNS_BUDGET_CHARS
from ._keys import (
    check_kms_key_location,
    encrypt_state_machine,
    grant_state_machine_use,
    grant_through,
    let_cloudwatch_logs_use,
    state_machine_arn_pattern,
)
from ._kind import ConstructKind
from ._lambda.model_copy.contract import (
    IS_COMPLETE_HANDLER,
    LOG_GROUP_ENV,
    ON_EVENT_HANDLER,
    provider_total_timeout,
)
from ._log_groups import HANDLER_LOG_GROUP_NAME, WAITER_LOG_GROUP_NAME, WATCHER_LOG_GROUP_NAME
from ._network import allow_network_interfaces
from ._network import security_groups as _security_groups
from ._options import (
    DEFAULT_PROVIDER_OPTIONS,
    LOG_RETENTION_CONTEXT_KEY,
    ModelCopyProviderOptions,
    Requester,
    check_same_settings,
    log_retention_days,
)
from ._roles import ManagedPolicyRole, move_waiter_policy_to_managed
from ._validation import PropertyValidationError

PROVIDER_ID = "BedrockModelCopyProvider"
HANDLER_TIMEOUT = Duration.minutes(2)
HANDLER_MEMORY_MB = 256
# The provider framework's Node.js functions only relay events: Lambda's default, written out.
FRAMEWORK_MEMORY_MB = 128

__all__ = [
    "HANDLER_LOG_GROUP_NAME",
    "KMS_ACTIONS",
    "LOG_RETENTION_CONTEXT_KEY",
    "NAG_IAM5",
    "NAG_SF2",
    "OWN_STACK_NAG_ARN",
    "SOURCE_ARNS_BUDGET_CHARS",
    "WAITER_LOG_GROUP_NAME",
    "WATCHER_LOG_GROUP_NAME",
    "ModelCopyProvider",
    "check_kms_key_location",
]


class ModelCopyProvider(Construct):
    """Handler functions, role, log groups and provider framework; one per stack.

    Use :meth:`of`; the stack's constructs record what they need (source ARNs, KMS keys, the kinds
    they are: :meth:`use_kind`) and the role's policies are rendered at synth time.
    """

    @classmethod
    def of(
        cls,
        scope: Construct,
        *,
        poll_interval_seconds: int,
        options: ModelCopyProviderOptions | None = None,
        requester: Requester | None = None,
    ) -> ModelCopyProvider:
        """Return the stack's provider, creating it on first use.

        ``requester``: the construct asking (named in the errors below, and, for the one that makes
        the provider, in the errors of the constructs that come later).

        Raises
        ------
        ValueError
            ``poll_interval`` or ``provider_options`` differs from what the stack's provider
            already has, or ``provider_options`` cannot work.
        """
        options = options or DEFAULT_PROVIDER_OPTIONS
        options.check()
        stack = Stack.of(scope)
        requester = requester or Requester("construct", scope, "")
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, ModelCopyProvider):
            check_same_settings(existing, requester, poll_interval_seconds, options)
            return existing
        return cls(
            stack, PROVIDER_ID, poll_interval_seconds=poll_interval_seconds, options=options, set_up_by=requester
        )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        poll_interval_seconds: int,
        options: ModelCopyProviderOptions = DEFAULT_PROVIDER_OPTIONS,
        set_up_by: Requester | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.poll_interval_seconds = poll_interval_seconds
        self.options = options
        self.set_up_by = set_up_by or Requester("construct", scope, id)
        self._kinds: dict[str, ConstructKind] = {}  # the kinds of the stack's constructs, by name
        self._source_arns: set[str] = set()
        self._token_sources = False
        self._copies = False
        self._names: dict[str, str] = {}
        self._watcher: Any = None  # the copy watcher, created with the first long copy
        # The app's record of copy names and this stack's concrete account (_app_checks), found by the first copy.
        self.app_copies: tuple[Any, str] | None = None

        retention_days = log_retention_days(self.options, self.node)
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
        # Not "BedrockPolicy": 0.1.0 had an AWS::IAM::Policy under that id, and CloudFormation refuses to change a
        # resource's type in place (an upgrade would fail before it starts): a new id creates this policy and
        # deletes the old one in the update's clean-up phase, after every copy's update ran.
        bedrock_policy = iam.CfnManagedPolicy(
            self,
            "BedrockManagedPolicy",
            description="bedrock-model-copy: Bedrock permissions of the model copy handler",
            roles=[self.handler_role.role_name],
            policy_document=Lazy.uncached_any(PolicyProducer(self._render_bedrock_policy)),
        )
        acknowledge(bedrock_policy, _copy_policy.acknowledgements())

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
                # Failures name this group: the framework's "Logs: /aws/lambda/<function>" names one that is unused.
                environment={LOG_GROUP_ENV: self.log_group.log_group_name},
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
            acknowledge(self._bedrock_policy, _copy_policy.widened_acknowledgement(source_model_arn))

    def use_kind(self, kind: ConstructKind) -> iam.CfnManagedPolicy | None:
        """Record that the stack has a resource of ``kind``; returns the kind's policy (made on first use), if any.

        The resource must depend on that policy (CloudFormation then deletes it first), see ``KindPolicy``.
        """
        self._kinds.setdefault(kind.name, kind)
        return kind_policy(self, self.handler_role, kind.policy) if kind.policy is not None else None

    @property
    def kinds(self) -> tuple[ConstructKind, ...]:
        """The kinds of the stack's resources, in the order they first appeared."""
        return tuple(self._kinds.values())

    def copy_watcher(self) -> Any:
        """The stack's copy watcher state machine (``_long_copy.CopyWatcher``), created on first use.

        Only stacks with a long copy have one; the handler role may start executions of it and
        of nothing else.
        """
        if self._watcher is None:
            from ._watcher import WATCHER_ID, CopyWatcher

            self._watcher = CopyWatcher(
                self, WATCHER_ID, log_retention_days=log_retention_days(self.options, self.node), options=self.options
            )
            key = self.options.encryption_key
            if key is not None:
                # The handler starts the watcher, whose execution data is encrypted with the key. The watcher's
                # own role gets the grant here too: aws-cdk-lib's StateMachine writes its encryption-context
                # condition with the state machine's physical name, which is empty for a generated name
                # ("...:stateMachine:"), so that statement alone would let the watcher use nothing.
                grant_state_machine_use(key, [self.handler_role, self._watcher.role], state_machine_arn_pattern(self))
            acknowledge(self._bedrock_policy, self._watcher.handler_acknowledgements())
        return self._watcher

    def grant_kms_key(self, key: kms.IKey) -> None:
        """Let the handler use ``key`` for the copy, only through Bedrock in this Region (see ``_bedrock_policy``)."""
        grant_kms_key(self, self.handler_role, key)

    # ------------------------------------------------------------------ policy

    def _render_bedrock_policy(self) -> dict[str, Any]:
        """The provider's own policy: the copy's and the waiter's statements, then the watcher's (long waits)."""
        statements = _copy_policy.statements(
            source_arns=self._source_arns, token_sources=self._token_sources, copies=self._copies
        )
        if self._watcher is not None:
            statements += self._watcher.handler_statements()
        return {"Version": "2012-10-17", "Statement": statements}
