"""The names of the provider's log groups (the handler's is named only with ``encryption_key``).

A key policy must name a log group before it exists (a generated name is not known), so the
names are built from the stack's name.
"""

from __future__ import annotations

from aws_cdk import Aws

HANDLER_LOG_GROUP_NAME = f"/aws/lambda/{Aws.STACK_NAME}-bedrock-model-copy-handler"
WAITER_LOG_GROUP_NAME = f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-waiter"
WATCHER_LOG_GROUP_NAME = f"/aws/vendedlogs/states/{Aws.STACK_NAME}-bedrock-model-copy-watcher"
