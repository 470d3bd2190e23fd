"""VPC wiring of the provider's ``vpc`` option: the functions' security group and network-interface permissions."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from constructs import Construct

from ._checkers import NAG_IAM5, acknowledge
from ._roles import ManagedPolicyRole

# What ec2:DeleteNetworkInterface and the address actions of a VPC function are authorized on.
ENI_RESOURCE_KINDS = ("network-interface", "subnet", "security-group")
# ec2:CreateNetworkInterface: the Service Authorization Reference lists ec2:Vpc for its subnet and
# security-group resources, not for the new network interface (which has no VPC before it exists).
VPC_BOUND_KINDS = ("subnet", "security-group")


def security_groups(
    scope: Construct, vpc: ec2.IVpc | None, given: list[ec2.ISecurityGroup] | None
) -> list[ec2.ISecurityGroup] | None:
    """The given security groups; in a VPC without them, one that allows only outbound HTTPS."""
    if vpc is None:
        return None
    if given is not None:
        return list(given)
    description = "Bedrock model copy functions: outbound HTTPS to AWS APIs only"
    return [https_only_group(scope, vpc, description, "HTTPS to Bedrock, CloudWatch Logs, Lambda")]


def https_only_group(scope: Construct, vpc: ec2.IVpc, description: str, rule: str) -> ec2.SecurityGroup:
    """A security group (id ``SecurityGroup`` under ``scope``) that allows only outbound HTTPS."""
    group = ec2.SecurityGroup(scope, "SecurityGroup", vpc=vpc, description=description, allow_all_outbound=False)
    group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), rule)
    return group


def _arn(kind: str) -> str:
    return f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:{kind}/*"


def allow_network_interfaces(role: ManagedPolicyRole, vpc: ec2.IVpc) -> None:
    """What Lambda needs to attach a function to the VPC (the Lambda developer guide's list).

    Written out instead of the AWS managed policy AWSLambdaVPCAccessExecutionRole, which also
    grants logs:CreateLogGroup on every log group. The two Describe actions (no resource-level
    permissions) go to the role's unscoped policy; the rest to its network policy, where creating
    a network interface is tied to ``vpc`` through ``ec2:Vpc`` on its subnet and security groups.
    """
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources=["*"])
    )
    policy = role.network_policy
    policy.add_statements(
        iam.PolicyStatement(
            sid="CreateNetworkInterfacesInTheVpc",
            actions=["ec2:CreateNetworkInterface"],
            resources=[_arn(kind) for kind in VPC_BOUND_KINDS],
            conditions={"ArnEquals": {"ec2:Vpc": vpc.vpc_arn}},
        ),
        iam.PolicyStatement(
            sid="CreateNetworkInterfaces",
            actions=["ec2:CreateNetworkInterface"],
            resources=[_arn("network-interface")],
        ),
        iam.PolicyStatement(
            sid="ManageNetworkInterfaces",
            actions=["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=[_arn("network-interface")],
        ),
    )
    acknowledge(
        policy,
        {
            f"{NAG_IAM5}[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:{kind}/*]": (
                "Lambda creates, deletes and re-addresses the function's network interfaces with the execution "
                "role; their ids are not known in advance. Creating one is limited by ec2:Vpc to subnets and "
                "security groups of the chosen VPC; deleting and re-addressing act on network interfaces of this "
                "account and Region, as the Lambda developer guide asks (vpc option)."
            )
            for kind in ENI_RESOURCE_KINDS
        },
    )
