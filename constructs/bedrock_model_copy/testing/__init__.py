"""Offline testing for stacks that use bedrock-model-copy (moto has no model-copy support).

Install it with the ``testing`` extra, which brings boto3 and botocore::

    pip install "bedrock-model-copy[testing]"     # or, from a clone: pip install ".[testing]"

- :class:`FakeBedrock`: Bedrock (copies, deployments, Provisioned Throughput), CloudFormation's stack
  reads and Step Functions over real HTTP on loopback, one service per module (:mod:`.aws`), with a
  simulated :class:`Clock`, scripted copies, injected faults and a call record.
- :class:`ProviderFramework` and :class:`CloudFormationStack`: drive the real handler
  as the CDK provider framework and CloudFormation do;
  :meth:`CloudFormationStack.deploy_template` deploys a synthesized template, with
  :class:`TemplateValues` for its ``Ref``/``Fn::GetAtt``/``Fn::ImportValue``/SSM values.
- :func:`simulated_environment`: wires the three together for a test.
- :func:`deploy_app`: every stack of a ``cdk.App`` in dependency order, each stack's exports seen by the
  stacks after it (:class:`DeployedApp`); :func:`client_as`: call the fake as a role of a deployed stack.
- :data:`DEPLOYMENT`, :data:`THROUGHPUT`: the kinds of ``fake.serving.of_kind(...)``.

Every public name is listed, with what it is for, in docs/testing-kit.md.

Example
-------
>>> fake = FakeBedrock()
>>> with simulated_environment(fake) as framework:
...     stack = CloudFormationStack(framework)
...     operations, outputs = stack.deploy_template(template, TemplateValues(refs={"Source": arn}))
>>> with simulated_environment(fake) as framework:   # a whole app
...     deployed = deploy_app(app, framework)
...     runtime = deployed.client_as(invoker.role)
"""

try:
    import boto3  # noqa: F401 - the kit drives the real handler with a real boto3 client
    import botocore  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by tests/test_testing_kit.py
    raise ImportError(
        "bedrock_model_copy.testing needs boto3 and botocore, which the library itself does not install: "
        'pip install "bedrock-model-copy[testing]" (from a clone: pip install ".[testing]")'
    ) from error

from .apps import DeployedApp, deploy_app
from .aws.served import DEPLOYMENT, THROUGHPUT
from .cfn.framework import CREATE_FAILED_MARKER, CfnResponse, ProviderFramework
from .cfn.resources import StackOperation
from .cfn.stack import CloudFormationStack
from .driver import simulated_environment
from .fake_bedrock import Clock, FakeBedrock, RecordedCall
from .intrinsics import TemplateValues, UnresolvedIntrinsicError
from .runtime import client_as

__all__ = [
    "CREATE_FAILED_MARKER",
    "DEPLOYMENT",
    "THROUGHPUT",
    "CfnResponse",
    "Clock",
    "CloudFormationStack",
    "DeployedApp",
    "FakeBedrock",
    "ProviderFramework",
    "RecordedCall",
    "StackOperation",
    "TemplateValues",
    "UnresolvedIntrinsicError",
    "client_as",
    "deploy_app",
    "simulated_environment",
]
