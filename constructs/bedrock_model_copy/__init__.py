"""bedrock-model-copy: copy Amazon Bedrock custom models across Regions with the AWS CDK.

>>> from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter
"""

from ._contract import OWNER_TAG_KEY, RESOURCE_TYPE
from ._options import ModelCopyProviderOptions
from ._provider import LOG_RETENTION_CONTEXT_KEY
from .model_copy import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, BedrockModelCopy, ModelCopyJobWaiter

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "LOG_RETENTION_CONTEXT_KEY",
    "OWNER_TAG_KEY",
    "RESOURCE_TYPE",
    "BedrockModelCopy",
    "ModelCopyJobWaiter",
    "ModelCopyProviderOptions",
    "__version__",
]
