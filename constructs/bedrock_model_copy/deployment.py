"""CustomModelDeployment: on-demand inference of a customized model (billed per token)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack, Token

from constructs import Construct

from . import _serving
from . import _validation as validation
from ._by_arn import ModelFromArn, served_model
from ._kind import Statement, allow
from ._lambda.model_copy import serving_rules as _rules  # the handler's own rules: one implementation, one message
from ._lambda.model_copy.serving_contract import KIND_DEPLOYMENT, PROP_DESCRIPTION, PROP_MODEL_ARN, PROP_NAME

# On-demand deployment, as the Bedrock user guide documents it today (AWS widens it: a warning, not an error).
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")
ON_DEMAND_FAMILIES = ("amazon.nova-pro", "amazon.nova-lite", "amazon.nova-micro")


def _statements(region_arn: str) -> list[Statement]:
    """What the handler does with deployments (after :func:`_serving.ownership_statements` on them)."""
    deployments = f"{region_arn}:custom-model-deployment/*"
    models = f"{region_arn}:custom-model/*"
    return [
        # After a Create refused because the name is taken: this request's own, made by an earlier try?
        # (List actions have no resource-level permissions: "*" only.)
        allow("FindDeploymentsByName", "bedrock:ListCustomModelDeployments", "*"),
        allow(
            "DeployModels",
            "bedrock:CreateCustomModelDeployment",
            [models, deployments],
            _serving.request_tag_condition(),
        ),
        allow("ReadDeployments", "bedrock:GetCustomModelDeployment", deployments),
        allow(
            "ChangeOwnDeployments",
            ["bedrock:UpdateCustomModelDeployment", "bedrock:DeleteCustomModelDeployment"],
            deployments,
            {"StringEquals": _serving.owned_condition()},
        ),
        # UpdateCustomModelDeployment names the model it moves to.
        allow("MoveDeploymentsToModels", "bedrock:UpdateCustomModelDeployment", models),
    ]


KIND = _serving.serving_kind(
    name=KIND_DEPLOYMENT,
    arn_type="custom-model-deployment",
    noun="custom model deployments",
    statements=_statements,
    no_resource_level_actions={
        "bedrock:ListCustomModelDeployments": "finding a deployment of a name that is taken, to take back this "
        "resource's own by its ownership tags after a create refused as a taken name",
    },
)


class CustomModelDeployment(_serving.ServingResource):
    """Serve a customized model on demand (``CreateCustomModelDeployment``), billed per token.

    Waits until the deployment is ``Active``; pointing it at another model (a replaced copy, a new
    ``model``) moves it in place (``UpdateCustomModelDeployment``: same ARN, grants keep working).
    A new ``deployment_name`` or ``description`` replaces it. It is an ``aws_bedrock.IModel`` whose
    ``model_arn`` is the deployment ARN, the one Bedrock invokes.

    Parameters
    ----------
    scope, id : Construct, str
        Parent and construct id.
    model : BedrockModelCopy | aws_bedrock.IModel | str
        The customized model to serve. A ``BedrockModelCopy`` is deployed after its copy completes
        (a failed copy fails before anything is deployed). Models from Custom Model Import
        (``imported-model/...``, ``BedrockModelImport``) are refused: invoke them directly
        (``BedrockModelImport.grant_invoke``).
    deployment_name : str, optional
        1 to 63 letters and digits, each optionally followed by ``-`` or ``_``. Default: generated
        (``<stack>-<path>-<hash>``), new when ``description`` changes.
    description : str, optional
        1 to 2048 characters. Default: none.
    tags : Mapping[str, str], optional
        Tags of the deployment, merged with ``Tags.of``. Default: none besides the ownership tags.
    removal_policy : RemovalPolicy, optional
        Default ``DESTROY``: the deployment is deleted with the resource (it costs nothing idle).
    timeout : Duration, optional
        How long to wait for ``Active``: up to 12 hours. Default: 57 minutes. Above 57 minutes the
        create waits through a WaitCondition signalled by the stack's watcher (README, Serving);
        an in-place update (a new model) still waits at most 57 minutes.

    Attributes
    ----------
    arn / model_arn : str
        The deployment ARN (``Arn``).
    name, status, served_model_arn : str
        Deployment name, ``Active``, and the custom model it serves.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: Any,
        deployment_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        timeout: Duration | None = None,
    ) -> None:
        stack = validation.stack_of("CustomModelDeployment", scope, id)
        validation.check_type("deployment_name", deployment_name, (str, type(None)), "a str or None")
        validation.check_type("description", description, (str, type(None)), "a str or None")
        model_arn, model_construct, source_arn = _serving.model_arn_of(model)
        _serving.check_servable(model)
        if not Token.is_unresolved(model_arn):
            _rules.check_model_arn(model_arn)
        if description is not None and not Token.is_unresolved(description):
            _rules.check_description(description)
        if deployment_name is None:
            path = f"{scope.node.path}/{id}"[len(stack.node.path) :].lstrip("/")
            deployment_name = validation.generated_target_model_name(stack, path, "deployment", description or "")
        elif not Token.is_unresolved(deployment_name):
            _rules.check_name(deployment_name, "deployment_name")
        properties = {PROP_MODEL_ARN: model_arn, PROP_NAME: deployment_name}
        if description:
            properties[PROP_DESCRIPTION] = description
        super().__init__(
            scope,
            id,
            kind=KIND,
            model=model,
            properties=properties,
            tags=tags,
            removal_policy=removal_policy,
            timeout=timeout,
        )
        self._served_model_arn_input = model_arn
        self._wait_for(model_construct)
        self._warn_if_unsupported(stack, source_arn)

    @staticmethod
    def from_custom_model_deployment_arn(
        scope: Construct, id: str, custom_model_deployment_arn: str, *, served_model_arn: str | None = None
    ) -> ModelFromArn:
        """A deployment made elsewhere (another stack, the console), by its ARN, as aws-cdk-lib's ``from_*_arn``.

        Returns an ``aws_bedrock.IModel`` (``model_arn`` is the deployment ARN) with ``grant_invoke``. A concrete
        ARN must be ``arn:aws:bedrock:<region>:<account>:custom-model-deployment/<id>``; a token (an
        ``Fn.import_value``, an SSM parameter) is accepted. ``grant_invoke`` grants ``InvokeModel`` and
        ``InvokeModelWithResponseStream`` on the deployment and, given ``served_model_arn`` (the custom model it
        serves), on that model too, as this construct's own ``grant_invoke`` does. Whether Bedrock checks the
        model behind a deployment is unconfirmed (docs/aws-behaviour.md S9); the testing kit's fake does.
        """
        return ModelFromArn(
            scope,
            id,
            arn=custom_model_deployment_arn,
            prop="custom_model_deployment_arn",
            resource_type=KIND.arn_type,
            also_invoked=served_model(served_model_arn),
        )

    def _invoke_resources(self) -> list[str]:
        # Unconfirmed whether InvokeModel through a deployment is also authorized on the custom model behind
        # it; granting both works either way (a customized model cannot be invoked on demand by its own ARN).
        return [self.arn, self._served_model_arn_input]

    def _warn_if_unsupported(self, stack: Stack, source_arn: str) -> None:
        guide = (
            "On-demand deployment is documented (Bedrock user guide) for Amazon Nova Pro, Lite and Micro models "
            f"customized on or after 2025-07-16, in {' and '.join(ON_DEMAND_REGIONS)}; AWS widens this over time. "
            "If Bedrock refuses the deployment, copy the model to a supported Region or use provision()."
        )
        if not Token.is_unresolved(stack.region) and stack.region not in ON_DEMAND_REGIONS:
            self.warn("onDemandRegion", f"Region {stack.region} is not listed for on-demand deployment. {guide}")
        base = source_arn.split(":custom-model/", 1)[-1] if ":custom-model/" in source_arn else ""
        if base and not Token.is_unresolved(source_arn) and not base.startswith(ON_DEMAND_FAMILIES):
            family = f"Model {source_arn} is not of a family listed for on-demand deployment."
            self.warn("onDemandModel", f"{family} {guide}")


_signature = inspect.signature(CustomModelDeployment.__init__)
CustomModelDeployment.__signature__ = _signature.replace(parameters=list(_signature.parameters.values())[1:])
