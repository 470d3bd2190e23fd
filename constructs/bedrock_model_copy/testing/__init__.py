"""Offline testing for stacks that use bedrock-model-copy (moto has no model-copy support).

- :class:`FakeBedrock`: the Bedrock model-copy operations over real HTTP on loopback,
  with a simulated :class:`Clock`, scripted copies, injected faults and a call record.
- :class:`ProviderFramework` and :class:`CloudFormationStack`: drive the real handler
  as the CDK provider framework and CloudFormation do.
- :func:`simulated_environment`: wires the three together for a test.

Example
-------
>>> fake = FakeBedrock()
>>> with simulated_environment(fake) as framework:
...     stack = CloudFormationStack(framework)
...     result = stack.create("Copy", {"Mode": "Copy", "SourceModelArn": arn, "TargetModelName": "m"})
"""

from .driver import (
    CREATE_FAILED_MARKER,
    CfnResponse,
    CloudFormationStack,
    ProviderFramework,
    StackOperation,
    simulated_environment,
)
from .fake_bedrock import Clock, FakeBedrock, RecordedCall

__all__ = [
    "CREATE_FAILED_MARKER",
    "CfnResponse",
    "Clock",
    "CloudFormationStack",
    "FakeBedrock",
    "ProviderFramework",
    "RecordedCall",
    "StackOperation",
    "simulated_environment",
]
