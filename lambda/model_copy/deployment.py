"""Custom model deployments (on-demand inference of a customized model), one kind of :mod:`.serving`.

Bedrock (botocore's service model): ``CreateCustomModelDeployment`` (HTTP 202, returns the ARN),
``GetCustomModelDeployment`` (status ``Creating | Active | Failed``, ``failureMessage``,
``updateDetails.updateStatus`` ``Updating | UpdateCompleted | UpdateFailed``),
``UpdateCustomModelDeployment`` (moves the deployment to another model in place, same ARN) and
``DeleteCustomModelDeployment``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import serving
from .bedrock import AwsError, ModelCopyError, client
from .serving_contract import (
    ATTR_ARN,
    ATTR_MODEL_ARN,
    ATTR_NAME,
    ATTR_STATUS,
    KIND_DEPLOYMENT,
    PROP_DESCRIPTION,
    PROP_MODEL_ARN,
    PROP_NAME,
)
from .serving_rules import check_description, check_model_arn, check_name

logger = logging.getLogger("model_copy")

KIND = KIND_DEPLOYMENT
NOUN = "Custom model deployment"
ARN_MARKER = ":custom-model-deployment/"


def check(props: Mapping[str, Any]) -> None:
    check_name(str(props.get(PROP_NAME) or ""), "deployment_name")
    check_model_arn(str(props.get(PROP_MODEL_ARN) or ""))
    if props.get(PROP_DESCRIPTION):
        check_description(str(props[PROP_DESCRIPTION]))


def create(props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
    request: dict[str, Any] = {
        "modelDeploymentName": props[PROP_NAME],
        "modelArn": props[PROP_MODEL_ARN],
        "tags": tags,
        "clientRequestToken": token,
    }
    if props.get(PROP_DESCRIPTION):
        request["description"] = props[PROP_DESCRIPTION]
    try:
        return str(client().create_custom_model_deployment(**request)["customModelDeploymentArn"])
    except AwsError as error:
        subject = f"deployment {props[PROP_NAME]} of model {props[PROP_MODEL_ARN]}"
        raise serving.failure(_SELF, "CreateCustomModelDeployment", subject, error) from error


def describe(arn: str) -> dict[str, Any]:
    return dict(client().get_custom_model_deployment(customModelDeploymentIdentifier=arn))


def named(name: str) -> list[dict[str, Any]]:
    """Deployments named exactly ``name`` (ARN, model, status), from ListCustomModelDeployments."""
    pages = client().get_paginator("list_custom_model_deployments").paginate(nameContains=name)
    return [
        {"arn": item["customModelDeploymentArn"], "model": item.get("modelArn"), "status": item.get("status")}
        for page in pages
        for item in page.get("modelDeploymentSummaries", [])
        if item.get("customModelDeploymentName") == name
    ]


def update(arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    if props.get(PROP_MODEL_ARN) == old.get(PROP_MODEL_ARN):
        return
    try:
        client().update_custom_model_deployment(customModelDeploymentIdentifier=arn, modelArn=props[PROP_MODEL_ARN])
    except AwsError as error:
        raise serving.failure(_SELF, "UpdateCustomModelDeployment", arn, error) from error
    logger.info("resource=%s model=%s decision=update-model-in-place", arn, props[PROP_MODEL_ARN])


def state(resource: Mapping[str, Any], props: Mapping[str, Any]) -> str:
    """Ready once Active and serving the model the template names; Failed or UpdateFailed raise."""
    arn, status = resource.get("customModelDeploymentArn"), resource.get("status")
    if status == "Failed":
        reason = str(resource.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
        raise ModelCopyError(
            f"Custom model deployment {arn} failed: {reason}. {advice('CreateCustomModelDeployment', '', reason)}"
        )
    details = resource.get("updateDetails") or {}
    if details.get("updateStatus") == "UpdateFailed":
        reason = str(resource.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
        raise ModelCopyError(
            f"Custom model deployment {arn} failed to move to model {details.get('modelArn')}: {reason}. It still "
            "serves the model it served before; fix the cause and deploy again."
        )
    if status != "Active" or details.get("updateStatus") == "Updating":
        return serving.WAITING
    if resource.get("modelArn") != props.get(PROP_MODEL_ARN):
        return serving.WAITING  # the update was accepted and has not shown yet
    return serving.READY


def attributes(resource: Mapping[str, Any]) -> dict[str, str]:
    return {
        ATTR_ARN: serving.quote(resource, "customModelDeploymentArn"),
        ATTR_NAME: serving.quote(resource, "modelDeploymentName"),
        ATTR_STATUS: serving.quote(resource, "status"),
        ATTR_MODEL_ARN: serving.quote(resource, "modelArn"),
    }


def keep_on_delete(resource: Mapping[str, Any]) -> str:
    return ""  # a deployment has no commitment: it can always be deleted


def delete(arn: str) -> None:
    client().delete_custom_model_deployment(customModelDeploymentIdentifier=arn)
    logger.info("resource=%s decision=delete-requested", arn)


ADVICE = {
    ("CreateCustomModelDeployment", "ValidationException"): (
        "If Bedrock says the model is not supported: on-demand deployment is documented for Amazon Nova Pro, Lite "
        "and Micro models customized on or after 2025-07-16, in us-east-1 and us-west-2. Copy the model to a "
        "supported Region, or serve it with Provisioned Throughput (provision()) instead."
    ),
    ("CreateCustomModelDeployment", "ServiceQuotaExceededException"): (
        "A quota on custom model deployments is reached: delete unused deployments, or request an increase in "
        "Service Quotas (Amazon Bedrock), then deploy again."
    ),
    ("CreateCustomModelDeployment", "AccessDeniedException"): (
        "IAM denied the deployment: the handler role may deploy custom models of this account and Region only, "
        "with this stack's ownership tags; check service control policies and permissions boundaries."
    ),
    ("CreateCustomModelDeployment", "ResourceNotFoundException"): (
        "The model does not exist in this Region (yet): a copied model must finish copying first."
    ),
}


def advice(operation: str, code: str, message: str) -> str:
    if operation == "CreateCustomModelDeployment" and not code and "not supported" in message.lower():
        code = "ValidationException"
    return ADVICE.get((operation, code), "")


class _Kind:
    KIND, NOUN, ARN_MARKER = KIND, NOUN, ARN_MARKER
    check = staticmethod(check)
    create = staticmethod(create)
    describe = staticmethod(describe)
    named = staticmethod(named)
    update = staticmethod(update)
    state = staticmethod(state)
    attributes = staticmethod(attributes)
    keep_on_delete = staticmethod(keep_on_delete)
    delete = staticmethod(delete)
    advice = staticmethod(advice)


_SELF = _Kind()
serving.register(_SELF)
