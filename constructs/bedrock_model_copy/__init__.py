"""bedrock-model-copy: copy Amazon Bedrock custom models across Regions with the AWS CDK.

>>> from bedrock_model_copy import BedrockModelCopy, IModelCopy, ModelCopyJobWaiter, PropertyValidationError

The constructs are imported on first use (PEP 562), so the ``bedrock-model-copy``
command (``bedrock_model_copy.cli``) starts without loading aws-cdk-lib and Node.js.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._by_arn import ModelFromArn
    from ._lambda.model_copy.contract import OWNER_TAG_KEY, RESOURCE_TYPE
    from ._options import ModelCopyProviderOptions
    from ._provider import LOG_RETENTION_CONTEXT_KEY, ModelCopyProvider
    from ._validation import PropertyTypeError, PropertyValidationError
    from .deployment import CustomModelDeployment
    from .model_copy import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, BedrockModelCopy, IModelCopy, ModelCopyJobWaiter
    from .model_import import BedrockModelImport
    from .throughput import Commitment, ProvisionedThroughput

__version__ = "0.3.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "ModelFromArn": "._by_arn",
    "OWNER_TAG_KEY": "._lambda.model_copy.contract",
    "RESOURCE_TYPE": "._lambda.model_copy.contract",
    "ModelCopyProviderOptions": "._options",
    "LOG_RETENTION_CONTEXT_KEY": "._provider",
    "ModelCopyProvider": "._provider",
    "PropertyTypeError": "._validation",
    "PropertyValidationError": "._validation",
    "DEFAULT_POLL_INTERVAL": ".model_copy",
    "DEFAULT_TIMEOUT": ".model_copy",
    "BedrockModelCopy": ".model_copy",
    "IModelCopy": ".model_copy",
    "ModelCopyJobWaiter": ".model_copy",
    "BedrockModelImport": ".model_import",
    "CustomModelDeployment": ".deployment",
    "Commitment": ".throughput",
    "ProvisionedThroughput": ".throughput",
}

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "LOG_RETENTION_CONTEXT_KEY",
    "OWNER_TAG_KEY",
    "RESOURCE_TYPE",
    "BedrockModelCopy",
    "BedrockModelImport",
    "Commitment",
    "CustomModelDeployment",
    "IModelCopy",
    "ModelCopyJobWaiter",
    "ModelCopyProvider",
    "ModelCopyProviderOptions",
    "ModelFromArn",
    "PropertyTypeError",
    "PropertyValidationError",
    "ProvisionedThroughput",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
