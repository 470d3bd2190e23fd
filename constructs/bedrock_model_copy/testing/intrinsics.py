"""The testing kit's names for the library's one resolver of CloudFormation functions.

The resolver lives in :mod:`bedrock_model_copy._intrinsics`, outside the kit, because the
``bedrock-model-copy drift`` command resolves a live stack's template with it too (and must not load the kit);
this module keeps every name importable from ``bedrock_model_copy.testing.intrinsics``.
"""

from __future__ import annotations

from .._intrinsics import (
    NO_VALUE,
    Resolver,
    TemplateValues,
    UnresolvedIntrinsicError,
    dependency_order,
    imported_names,
    partition_of,
    pseudo_parameters,
)

__all__ = [
    "NO_VALUE",
    "Resolver",
    "TemplateValues",
    "UnresolvedIntrinsicError",
    "dependency_order",
    "imported_names",
    "partition_of",
    "pseudo_parameters",
]
