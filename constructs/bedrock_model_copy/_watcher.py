"""The stack's watcher state machine construct (``CopyWatcher``): role, log group, state machine, IAM.

Its definition is :func:`._long_wait.definition`; what it is for is in :mod:`._long_wait`.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Aws, CfnResource, Duration, IResolveContext, IStringProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from constructs import Construct

from ._checkers import NAG_IAM5, NAG_SF2, OWN_STACK_NAG_ARN, acknowledge
from ._keys import STATE_MACHINE_DATA_KEY_REUSE_SECONDS
from ._long_wait import COPY, WATCH_KINDS, WATCHER_METADATA_KEY, definition
from ._roles import ManagedPolicyRole

WATCHER_ID = "CopyWatcher"


@jsii.implements(IStringProducer)
class _DefinitionProducer:
    def __init__(self, watcher: CopyWatcher) -> None:
        self._watcher = watcher

    def produce(self, context: IResolveContext) -> str:
        text = Stack.of(self._watcher).to_json_string(definition(Aws.PARTITION, tuple(self._watcher.kinds)))
        return str(text)


# The same name as ``_provider.WATCHER_LOG_GROUP_NAME`` (named in the key policy's CloudWatch Logs statement).
WATCHER_LOG_GROUP_NAME = f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-watcher"


class CopyWatcher(Construct):
    """The stack's watcher state machine, its role, policy and log group (only with a long wait).

    Named for copies, the first kind it served: its construct id, and so its logical ids, stay.
    """

    def __init__(self, scope: Construct, id: str, *, log_retention_days: int, options: Any) -> None:
        super().__init__(scope, id)
        self.kinds: list[str] = [COPY]
        key = options.encryption_key
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=WATCHER_LOG_GROUP_NAME,  # named in the key policy's CloudWatch Logs statement
            removal_policy=RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        (log_group.node.default_child).retention_in_days = log_retention_days  # type: ignore[union-attr]
        self.role = ManagedPolicyRole(
            self,
            "Role",
            description="Bedrock model copy: copy watcher (polls copy jobs, signals this stack's waits)",
            principal=iam.ServicePrincipal("states.amazonaws.com"),
        )
        stack_arn = f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:stack/{Aws.STACK_NAME}/*"
        # No aws:ResourceTag condition: nothing public says a copy job carries tags of its own
        # (CreateModelCopyJob has no job-tags parameter; targetModelTags tag the model), so a tag condition
        # could deny every poll. Read-only, this account and Region.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PollCopyJobs",
                actions=["bedrock:GetModelCopyJob"],
                resources=[f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}:model-copy-job/*"],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SignalOwnStackWaits",
                actions=["cloudformation:SignalResource", "cloudformation:DescribeStackResource"],
                resources=[stack_arn],
            )
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            # Rendered at synth: the kinds of long resources the stack has (watch_serving) are known by then.
            definition_body=sfn.DefinitionBody.from_string(Lazy.uncached_string(_DefinitionProducer(self))),
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=self.role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=bool(options.tracing),
            # Execution history (the job ARN, stack id and wait) encrypted with the option's key, as the provider
            # framework's waiter is (its history holds the ResponseURL).
            encryption_configuration=(
                sfn.CustomerManagedEncryptionConfiguration(key, Duration.seconds(STATE_MACHINE_DATA_KEY_REUSE_SECONDS))
                if key is not None
                else None
            ),
            comment="bedrock-model-copy: waits for long model copies and signals their WaitConditions",
        )
        cfn_state_machine = self.state_machine.node.default_child
        assert isinstance(cfn_state_machine, CfnResource)
        cfn_state_machine.add_metadata(WATCHER_METADATA_KEY, True)
        acknowledge(
            self.role.policy,
            {
                f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-copy-job/*]": (
                    "bedrock:GetModelCopyJob (read-only) on this account's copy jobs in this Region: job ARNs are "
                    "generated by Bedrock, and no tag condition can narrow it because nothing public says a copy job "
                    "carries tags of its own (CreateModelCopyJob tags only the target model)."
                ),
                f"{NAG_IAM5}[Resource::{OWN_STACK_NAG_ARN}]": (
                    "cloudformation:SignalResource and DescribeStackResource (read-only) on this stack only; the '*' "
                    "is the stack id's generated suffix. The watcher signals only a WaitCondition whose Metadata "
                    "names its copy resource."
                ),
                # The log delivery and X-Ray statements on '*' go to the role's unscoped policy (acknowledged there).
            },
        )
        if not options.tracing:
            acknowledge(
                cfn_state_machine,
                {
                    NAG_SF2: "The copy watcher only waits and makes two AWS SDK calls; its logs go to its log group "
                    "(level ALL) and the copy's progress shows in the stack events, so X-Ray adds cost, not insight. "
                    "Turn it on with ModelCopyProviderOptions(tracing=True)."
                },
            )

    def watch_serving(self, kind: str) -> None:
        """Let the watcher poll ``kind`` too (a deployment or Provisioned Throughput of the stack is long)."""
        if kind in self.kinds:
            return
        self.kinds.append(kind)
        region_arn = f"arn:{Aws.PARTITION}:bedrock:{Aws.REGION}:{Aws.ACCOUNT_ID}"
        kinds = [WATCH_KINDS[kind]]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid=f"Poll{kind}",
                actions=[f"bedrock:{kind.poll_action}" for kind in kinds],
                resources=[f"{region_arn}:{kind.arn_resource}/*" for kind in kinds],
            )
        )
        prefix = "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>"
        acknowledge(
            self.role.policy,
            {
                f"{NAG_IAM5}[Resource::{prefix}:{kind.arn_resource}/*]": (
                    f"bedrock:{kind.poll_action} (read-only) on this account's {kind.arn_resource} resources in this "
                    "Region: their ARNs are generated by Bedrock when the handler creates them, and the watcher "
                    "only reads the status of the one its execution was started for."
                )
                for kind in kinds
            },
        )

    def handler_statements(self) -> list[dict[str, Any]]:
        """What the handler role needs on this watcher: start executions, stop the ones an earlier deploy of
        the same copy left running, and read how one ended (the result resource)."""
        machine = self.state_machine
        executions = (
            f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{machine.state_machine_name}:*"
        )
        return [
            {
                "Sid": "StartCopyWatcher",
                "Effect": "Allow",
                "Action": ["states:StartExecution", "states:ListExecutions"],
                "Resource": machine.state_machine_arn,
            },
            {
                "Sid": "StopOrReadCopyWatcherExecutions",
                "Effect": "Allow",
                "Action": ["states:StopExecution", "states:DescribeExecution"],
                "Resource": executions,
            },
        ]

    def handler_acknowledgements(self) -> dict[str, str]:
        """The checker finding :meth:`handler_statements` draws on the handler's policy, with its reason."""
        machine = self.state_machine.node.default_child
        assert isinstance(machine, CfnResource)
        logical_id = Stack.of(self).resolve(machine.logical_id)
        resource = f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{logical_id}.Name>:*"
        return {
            f"{NAG_IAM5}[Resource::{resource}]": (
                "states:StopExecution and DescribeExecution on the executions of this stack's copy watcher only: "
                "execution names are made per deploy by the copy resource, which stops the watchers an earlier "
                "deploy of the same copy left running and reads how its watcher ended."
            )
        }
