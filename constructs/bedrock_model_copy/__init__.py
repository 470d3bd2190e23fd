"""bedrock-model-copy: copy Amazon Bedrock custom models across Regions with the AWS CDK.

>>> from bedrock_model_copy import BedrockModelCopy, IModelCopy, ModelCopyJobWaiter, PropertyValidationError
"""

from ._contract import OWNER_TAG_KEY, RESOURCE_TYPE
from ._options import ModelCopyProviderOptions
from ._provider import LOG_RETENTION_CONTEXT_KEY, ModelCopyProvider
from ._validation import PropertyTypeError, PropertyValidationError
from .model_copy import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, BedrockModelCopy, IModelCopy, ModelCopyJobWaiter

__version__ = "0.1.0"

# Tracebacks and help() name the public path, not the private module the classes live in.
for _public_error in (PropertyValidationError, PropertyTypeError):
    _public_error.__module__ = __name__
del _public_error

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "LOG_RETENTION_CONTEXT_KEY",
    "OWNER_TAG_KEY",
    "RESOURCE_TYPE",
    "BedrockModelCopy",
    "IModelCopy",
    "ModelCopyJobWaiter",
    "ModelCopyProvider",
    "ModelCopyProviderOptions",
    "PropertyTypeError",
    "PropertyValidationError",
    "__version__",
]
