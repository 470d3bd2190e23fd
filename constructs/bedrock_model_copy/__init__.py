"""bedrock-model-copy: copy Amazon Bedrock custom models across Regions with the AWS CDK.

>>> from bedrock_model_copy import BedrockModelCopy, IModelCopy, ModelCopyJobWaiter, PropertyValidationError
"""

from ._contract import OWNER_TAG_KEY, RESOURCE_TYPE
from ._options import ModelCopyProviderOptions
from ._provider import LOG_RETENTION_CONTEXT_KEY, ModelCopyProvider
from ._validation import PropertyTypeError, PropertyValidationError
from .deployment import CustomModelDeployment
from .model_copy import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, BedrockModelCopy, IModelCopy, ModelCopyJobWaiter
from .throughput import Commitment, ProvisionedThroughput

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "LOG_RETENTION_CONTEXT_KEY",
    "OWNER_TAG_KEY",
    "RESOURCE_TYPE",
    "BedrockModelCopy",
    "Commitment",
    "CustomModelDeployment",
    "IModelCopy",
    "ModelCopyJobWaiter",
    "ModelCopyProvider",
    "ModelCopyProviderOptions",
    "PropertyTypeError",
    "PropertyValidationError",
    "ProvisionedThroughput",
    "__version__",
]
