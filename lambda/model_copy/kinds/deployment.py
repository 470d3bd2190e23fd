"""Custom model deployments: on-demand inference of a customized model (billed per token).

Bedrock (botocore's service model, docs/aws-behaviour.md S2): ``CreateCustomModelDeployment``
(HTTP 202, returns the ARN), ``GetCustomModelDeployment`` (status ``Creating | Active | Failed``,
``failureMessage``, ``updateDetails`` with the ``modelArn`` an update moves to and its
``updateStatus`` ``Updating | UpdateCompleted | UpdateFailed``), ``UpdateCustomModelDeployment``
(moves the deployment to another model in place, same ARN) and ``DeleteCustomModelDeployment``.
Whether the deployment's own ``modelArn`` switches once an update completes is not documented
(S15): readiness after an update follows ``updateDetails``, and reads ``modelArn`` only when no
update names the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..advice import Advice
from ..aws import HandlerError, client, has_operation
from ..serving_contract import (
    ATTR_ARN,
    ATTR_MODEL_ARN,
    ATTR_NAME,
    ATTR_STATUS,
    KIND_DEPLOYMENT,
    PROP_DESCRIPTION,
    PROP_MODEL_ARN,
    PROP_NAME,
    PROP_RESOURCE_KIND,
    RESOURCE_TYPES,
)
from ..serving_rules import check_description, check_model_arn, check_name
from .base import FAILED, READY, WAITING, Found, Watch
from .fleet import Billing, Compared, Drift, Listing
from .serving import ServingKind, quote

ON_DEMAND_ADVICE = (
    "If Bedrock says the model is not supported: on-demand deployment is documented for Amazon Nova Pro, Lite "
    "and Micro models customized on or after 2025-07-16, in us-east-1 and us-west-2. Copy the model to a "
    "supported Region, or serve it with Provisioned Throughput (provision()) instead."
)

NAME_TAKEN_ADVICE = (
    "A custom model deployment of this name exists in this Region that this resource did not make: give the "
    "deployment another deployment_name (or leave it to be generated), or delete that one first."
)

# A row matches by call, code and a word of Bedrock's message: a taken name (refused with either code, S8) gets the
# name advice, and only a message that says "not supported" gets the on-demand advice.
ADVICE: tuple[Advice, ...] = (
    Advice("CreateCustomModelDeployment", "ValidationException", "already exist", NAME_TAKEN_ADVICE),
    Advice("CreateCustomModelDeployment", "ValidationException", "not supported", ON_DEMAND_ADVICE),
    Advice(
        "CreateCustomModelDeployment",
        "ServiceQuotaExceededException",
        "",
        "A quota on custom model deployments is reached: delete unused deployments, or request an increase in "
        "Service Quotas (Amazon Bedrock), then deploy again.",
    ),
    Advice(
        "CreateCustomModelDeployment",
        "AccessDeniedException",
        "",
        "IAM denied the deployment: the handler role may deploy custom models of this account and Region only, "
        "with this stack's ownership tags; check service control policies and permissions boundaries.",
    ),
    Advice(
        "CreateCustomModelDeployment",
        "ResourceNotFoundException",
        "",
        "The model does not exist in this Region (yet): a copied model must finish copying first.",
    ),
    Advice("CreateCustomModelDeployment", "ConflictException", "", NAME_TAKEN_ADVICE),
)


# The fleet command: every deployment (ListCustomModelDeployments, botocore 1.39.7 and later).
DEPLOYMENTS = Listing(
    "custom-model-deployment",
    "custom model deployments",
    "ListCustomModelDeployments",
    "modelDeploymentSummaries",
    "customModelDeploymentArn",
    "customModelDeploymentName",
    created="createdAt",
    serves="modelArn",
    busy=("Creating",),
    delete="DeleteCustomModelDeployment",
    get="GetCustomModelDeployment",
    identifier="customModelDeploymentIdentifier",
)
# On demand: billed per token it serves, nothing while idle (docs/serving.md).
PER_TOKEN = Billing("per token, nothing while idle", idle=False)


class DeploymentKind(ServingKind):
    """A ``CustomModelDeployment``."""

    name = KIND_DEPLOYMENT
    resource_type = RESOURCE_TYPES[KIND_DEPLOYMENT]
    noun = "Custom model deployment"
    product_noun = noun
    arn_marker = ":custom-model-deployment/"
    arn_field = "customModelDeploymentArn"
    name_field = "modelDeploymentName"
    summary_name_field = "customModelDeploymentName"
    get_operation = "GetCustomModelDeployment"
    create_operation = "CreateCustomModelDeployment"
    delete_operation = "DeleteCustomModelDeployment"
    update_operation = "UpdateCustomModelDeployment"
    list_operation = "ListCustomModelDeployments"
    identity = (PROP_RESOURCE_KIND, PROP_NAME, PROP_DESCRIPTION)
    watch = Watch(
        "getCustomModelDeployment",
        "CustomModelDeploymentIdentifier",
        "ResourceArn",
        "deployment",
        "Active",
        "GetCustomModelDeployment",
        "custom-model-deployment",
    )
    advice = ADVICE
    operations: ClassVar[tuple[str, ...]] = (
        "create_custom_model_deployment",
        "get_custom_model_deployment",
        "list_custom_model_deployments",
        "delete_custom_model_deployment",
        "list_tags_for_resource",
        "tag_resource",
        "untag_resource",
    )
    minimum_botocore = "1.39.7"
    listings: ClassVar[tuple[Listing, ...]] = (DEPLOYMENTS,)
    drift: ClassVar[Drift | None] = Drift(
        read=("GetCustomModelDeployment", "customModelDeploymentIdentifier"),
        fields=(
            Compared("name", PROP_NAME, "modelDeploymentName"),
            Compared("model", PROP_MODEL_ARN, "modelArn"),
            Compared("description", PROP_DESCRIPTION, "description"),
        ),
    )
    labels: ClassVar[dict[str, str]] = {
        PROP_RESOURCE_KIND: "the construct type",
        PROP_NAME: "Name",
        PROP_DESCRIPTION: "Description",
    }

    def check(self, props: Mapping[str, Any]) -> None:
        check_name(str(props.get(PROP_NAME) or ""), "deployment_name")
        check_model_arn(str(props.get(PROP_MODEL_ARN) or ""))
        if props.get(PROP_DESCRIPTION):
            check_description(str(props[PROP_DESCRIPTION]))

    def same_named(self, props: Mapping[str, Any]) -> list[Found]:
        name = self.name_of(props)
        pages = client().get_paginator("list_custom_model_deployments").paginate(nameContains=name)
        return self.found([item for page in pages for item in page.get("modelDeploymentSummaries", [])], name)

    def made_from(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        described = raw.get("description")
        return (
            self.name_in(raw) == props.get(PROP_NAME)
            and self.serving_model(raw) == props.get(PROP_MODEL_ARN)
            and (described is None or (described or "") == (props.get(PROP_DESCRIPTION) or ""))
        )

    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
        request: dict[str, Any] = {
            "modelDeploymentName": props[PROP_NAME],
            "modelArn": props[PROP_MODEL_ARN],
            "tags": self.creation_tags(props, tags),
            "clientRequestToken": token,
        }
        if props.get(PROP_DESCRIPTION):
            request["description"] = props[PROP_DESCRIPTION]
        return str(client().create_custom_model_deployment(**request)["customModelDeploymentArn"])

    def create_subject(self, props: Mapping[str, Any]) -> str:
        return f"deployment {props.get(PROP_NAME)} of model {props.get(PROP_MODEL_ARN)}"

    def get(self, arn: str) -> dict[str, Any]:
        return dict(client().get_custom_model_deployment(customModelDeploymentIdentifier=arn))

    def needs_update(self, props: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        return props.get(PROP_MODEL_ARN) != old.get(PROP_MODEL_ARN)

    def update(self, arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
        if not has_operation("update_custom_model_deployment"):
            import botocore

            raise HandlerError(
                f"This function's boto3 (botocore {botocore.__version__}) has no UpdateCustomModelDeployment "
                "(botocore 1.42.2 and later): nothing was changed. Moving a deployment to another model needs a "
                "newer Lambda runtime SDK; give the deployment a new deployment_name instead (a new deployment)."
            )
        client().update_custom_model_deployment(customModelDeploymentIdentifier=arn, modelArn=props[PROP_MODEL_ARN])

    def delete(self, product: str) -> None:
        client().delete_custom_model_deployment(customModelDeploymentIdentifier=product)

    def state(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> tuple[str, str]:
        """Ready once Active and serving the model the template names; Failed or UpdateFailed fail."""
        arn, status = raw.get("customModelDeploymentArn"), raw.get("status")
        reason = str(raw.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
        if status == "Failed":
            advice = f" {ON_DEMAND_ADVICE}" if "not supported" in reason.lower() else ""
            return FAILED, f"Custom model deployment {arn} failed: {reason}.{advice}"
        wanted = props.get(PROP_MODEL_ARN)
        details = raw.get("updateDetails") or {}
        if details.get("modelArn") == wanted and details.get("updateStatus") == "UpdateFailed":
            return FAILED, (
                f"Custom model deployment {arn} failed to move to model {wanted}: {reason}. Bedrock does not say "
                "which model it serves after a failed update (docs/aws-behaviour.md S15): check with aws bedrock "
                "get-custom-model-deployment, fix the cause and deploy again."
            )
        if status != "Active" or details.get("updateStatus") == "Updating":
            return WAITING, ""
        # An update accepted that has not shown yet still names the model served before.
        return (READY if self.serving_model(raw) == wanted else WAITING), ""

    def attributes(self, raw: Mapping[str, Any]) -> dict[str, str]:
        return {
            ATTR_ARN: quote(raw, "customModelDeploymentArn"),
            ATTR_NAME: quote(raw, "modelDeploymentName"),
            ATTR_STATUS: quote(raw, "status"),
            ATTR_MODEL_ARN: self.serving_model(raw),
        }

    def billing(self, listing: Listing, raw: Mapping[str, Any], now: float) -> Billing:
        return PER_TOKEN

    def drift_values(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """``modelArn``: the model it serves (:meth:`serving_model`), or the one an update is moving it to."""
        details = raw.get("updateDetails") or {}
        moving = details.get("updateStatus") == "Updating" and details.get("modelArn")
        return {**raw, "modelArn": str(details["modelArn"]) if moving else self.serving_model(raw)}

    def serving_model(self, raw: Mapping[str, Any]) -> str:
        """The model it serves: the one a completed update moved it to, else its modelArn.

        Whether ``modelArn`` itself switches after an update is not documented (docs/aws-behaviour.md
        S15); ``updateDetails`` with ``UpdateCompleted`` names the model under either answer.
        """
        details = raw.get("updateDetails") or {}
        if details.get("updateStatus") == "UpdateCompleted" and details.get("modelArn"):
            return str(details["modelArn"])
        return quote(raw, "modelArn")


KIND = DeploymentKind()
