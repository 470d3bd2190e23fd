"""Bedrock resources made elsewhere, known by their ARN: what the ``from_*_arn`` methods return.

As aws-cdk-lib's ``from_*_arn`` methods (``lambda_.Function.from_function_arn``...): a :class:`ModelFromArn`
is a ``Resource`` in the scope given (its ``env`` is the ARN's account and Region), an
``aws_bedrock.IModel`` whose ``model_arn`` is the ARN, with ``grant_invoke``. A concrete ARN is checked
against botocore's pattern for its resource type (:func:`arn_pattern`); a token is accepted as it is.

Used by ``CustomModelDeployment.from_custom_model_deployment_arn`` and
``ProvisionedThroughput.from_provisioned_throughput_arn``; an imported model's ``from_imported_model_arn``
is made the same way (``resource_type="imported-model"``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jsii
from aws_cdk import Resource, Token
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam

from constructs import Construct

from . import _validation as validation
from ._lambda.model_copy.serving_rules import MODEL_ARN_PATTERN

__all__ = ["INVOKE_ACTIONS", "ModelFromArn", "arn_pattern", "served_model"]

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


def arn_pattern(resource_type: str) -> re.Pattern[str]:
    """botocore's ARN pattern of a Bedrock resource type with a 12-character id (shapes
    ``CustomModelDeploymentArn``, ``ProvisionedModelArn``, ``ImportedModelArn``: ``custom-model-deployment``,
    ``provisioned-model``, ``imported-model``)."""
    if not re.fullmatch(r"[a-z]+(-[a-z]+)*", resource_type):
        raise ValueError(f"resource_type {resource_type!r} is not a Bedrock ARN resource type")
    prefix = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:"
    return re.compile(f"{prefix}{resource_type}/[a-z0-9]{{12}}")


def served_model(served_model_arn: str | None) -> list[str]:
    """``[served_model_arn]`` checked as a custom model ARN (a token as it is), or ``[]`` without one."""
    if served_model_arn is None:
        return []
    validation.check_type("served_model_arn", served_model_arn, str, "a str (a custom model ARN) or None")
    if not Token.is_unresolved(served_model_arn) and not MODEL_ARN_PATTERN.fullmatch(served_model_arn):
        raise validation.PropertyValidationError(
            "served_model_arn",
            served_model_arn,
            "expected a custom model ARN arn:aws:bedrock:<region>:<account>:custom-model/<base>/<id>",
        )
    return [served_model_arn]


@jsii.implements(bedrock.IModel)
class ModelFromArn(Resource):
    """A Bedrock resource made elsewhere (another stack, the console), known by its ARN.

    An ``aws_bedrock.IModel`` (``model_arn`` is the ARN, what Bedrock invokes) with :meth:`grant_invoke`.
    Made by the constructs' ``from_*_arn`` methods, e.g.
    ``CustomModelDeployment.from_custom_model_deployment_arn(self, "Endpoint", arn)``.

    Parameters
    ----------
    scope, id : Construct, str
        Where it is referenced.
    arn : str
        Its ARN (a token is accepted; a concrete one must match :func:`arn_pattern` of ``resource_type``).
    prop : str
        The name errors give the ARN (``custom_model_deployment_arn``...).
    resource_type : str
        The ARN's resource type (``custom-model-deployment``, ``provisioned-model``, ``imported-model``).
    also_invoked : Sequence[str]
        ARNs ``grant_invoke`` grants besides ``arn`` (the model a deployment serves, when known).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        arn: str,
        prop: str,
        resource_type: str,
        also_invoked: Sequence[str] = (),
    ) -> None:
        validation.check_type(prop, arn, str, "a str (an ARN)")
        if not Token.is_unresolved(arn) and not arn_pattern(resource_type).fullmatch(arn):
            raise validation.PropertyValidationError(
                prop,
                arn,
                f"expected an ARN arn:aws:bedrock:<region>:<account>:{resource_type}/<12 letters and digits>",
            )
        super().__init__(scope, id, environment_from_arn=arn)
        self._arn = arn
        self._invoked = [arn, *also_invoked]

    @property
    def model_arn(self) -> str:
        """The ARN Bedrock invokes (``aws_bedrock.IModel``)."""
        return self._arn

    @property
    def arn(self) -> str:
        """Its ARN (the same as ``model_arn``)."""
        return self._arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke it (``InvokeModel``, ``InvokeModelWithResponseStream``), as the construct's own
        ``grant_invoke`` does."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=list(INVOKE_ACTIONS), resource_arns=self._invoked)
