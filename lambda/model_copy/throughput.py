"""Provisioned Throughput for a custom model, one kind of :mod:`.serving`.

Bedrock (botocore's service model): ``CreateProvisionedModelThroughput`` (``modelUnits`` >= 1,
``commitmentDuration`` ``OneMonth | SixMonths`` or none), ``GetProvisionedModelThroughput`` (status
``Creating | InService | Updating | Failed``, ``modelArn`` and ``desiredModelArn``,
``commitmentExpirationTime``), ``UpdateProvisionedModelThroughput`` (new name and/or model, in place;
units and commitment cannot change) and ``DeleteProvisionedModelThroughput``, which Bedrock refuses
before the commitment term is over (API reference). Billed hourly per model unit until deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from . import poll, serving
from .bedrock import AwsError, ModelCopyError, client
from .serving_contract import (
    ATTR_ARN,
    ATTR_COMMITMENT_EXPIRATION,
    ATTR_MODEL_ARN,
    ATTR_MODEL_UNITS,
    ATTR_NAME,
    ATTR_STATUS,
    KIND_THROUGHPUT,
    PROP_COMMITMENT,
    PROP_MODEL_ARN,
    PROP_MODEL_UNITS,
    PROP_NAME,
)
from .serving_rules import check_commitment, check_model_arn, check_model_units, check_name

logger = logging.getLogger("model_copy")

KIND = KIND_THROUGHPUT
NOUN = "Provisioned Throughput"
ARN_MARKER = ":provisioned-model/"


def check(props: Mapping[str, Any]) -> None:
    check_name(str(props.get(PROP_NAME) or ""), "name")
    check_model_arn(str(props.get(PROP_MODEL_ARN) or ""))
    check_model_units(props.get(PROP_MODEL_UNITS))
    check_commitment(str(props.get(PROP_COMMITMENT) or ""))


def create(props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
    request: dict[str, Any] = {
        "provisionedModelName": props[PROP_NAME],
        "modelId": props[PROP_MODEL_ARN],
        "modelUnits": int(props[PROP_MODEL_UNITS]),
        "tags": tags,
        "clientRequestToken": token,
    }
    if props.get(PROP_COMMITMENT):
        request["commitmentDuration"] = props[PROP_COMMITMENT]
    try:
        return str(client().create_provisioned_model_throughput(**request)["provisionedModelArn"])
    except AwsError as error:
        subject = f"{props[PROP_NAME]} ({props[PROP_MODEL_UNITS]} model units of {props[PROP_MODEL_ARN]})"
        raise serving.failure(_SELF, "CreateProvisionedModelThroughput", subject, error) from error


def describe(arn: str) -> dict[str, Any]:
    return dict(client().get_provisioned_model_throughput(provisionedModelId=arn))


def named(name: str) -> list[dict[str, Any]]:
    """Provisioned Throughputs named exactly ``name`` (ARN, model, status), from ListProvisionedModelThroughputs."""
    pages = client().get_paginator("list_provisioned_model_throughputs").paginate(nameContains=name)
    return [
        {"arn": item["provisionedModelArn"], "model": item.get("desiredModelArn"), "status": item.get("status")}
        for page in pages
        for item in page.get("provisionedModelSummaries", [])
        if item.get("provisionedModelName") == name
    ]


def update(arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    request: dict[str, Any] = {}
    if props.get(PROP_MODEL_ARN) != old.get(PROP_MODEL_ARN):
        request["desiredModelId"] = props[PROP_MODEL_ARN]
    if props.get(PROP_NAME) != old.get(PROP_NAME):
        request["desiredProvisionedModelName"] = props[PROP_NAME]
    if not request:
        return
    try:
        client().update_provisioned_model_throughput(provisionedModelId=arn, **request)
    except AwsError as error:
        raise serving.failure(_SELF, "UpdateProvisionedModelThroughput", arn, error) from error
    logger.info("resource=%s changed=%s decision=update-in-place", arn, ",".join(sorted(request)))


def state(resource: Mapping[str, Any], props: Mapping[str, Any]) -> str:
    """Ready once InService with the model and name the template names; Failed raises."""
    status = resource.get("status")
    if status == "Failed":
        reason = str(resource.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
        raise ModelCopyError(
            f"Provisioned Throughput {resource.get('provisionedModelArn')} failed: {reason}. Fix the cause and "
            "deploy again (the rollback deletes it unless a commitment keeps it)."
        )
    if status != "InService":
        return serving.WAITING
    if resource.get("modelArn") != props.get(PROP_MODEL_ARN) or resource.get("provisionedModelName") != props.get(
        PROP_NAME
    ):
        return serving.WAITING  # the update was accepted and has not shown yet
    return serving.READY


def attributes(resource: Mapping[str, Any]) -> dict[str, str]:
    return {
        ATTR_ARN: serving.quote(resource, "provisionedModelArn"),
        ATTR_NAME: serving.quote(resource, "provisionedModelName"),
        ATTR_STATUS: serving.quote(resource, "status"),
        ATTR_MODEL_ARN: serving.quote(resource, "modelArn"),
        ATTR_MODEL_UNITS: serving.quote(resource, "modelUnits"),
        ATTR_COMMITMENT_EXPIRATION: serving.quote(resource, "commitmentExpirationTime"),
    }


def keep_on_delete(resource: Mapping[str, Any]) -> str:
    """Why the PT must be left (an unexpired commitment), with when and how to delete it; "" if it can go."""
    commitment = resource.get("commitmentDuration")
    if not commitment:
        return ""
    expiry = resource.get("commitmentExpirationTime")
    if isinstance(expiry, dt.datetime) and expiry.timestamp() <= poll.now():
        return ""
    arn = str(resource.get("provisionedModelArn"))
    until = expiry.isoformat() if isinstance(expiry, dt.datetime) else "a date Bedrock did not report yet"
    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    return (
        f"Provisioned Throughput {arn} ({resource.get('provisionedModelName')}) is under a {commitment} commitment "
        f"until {until}; Bedrock cannot delete it before then, so it is left in place and billed until the term "
        f"ends. After {until} delete it with: aws bedrock delete-provisioned-model-throughput "
        f"--provisioned-model-id {arn} --region {region}"
    )


def delete(arn: str) -> None:
    client().delete_provisioned_model_throughput(provisionedModelId=arn)
    logger.info("resource=%s decision=delete-requested", arn)


ADVICE = {
    ("CreateProvisionedModelThroughput", "ServiceQuotaExceededException"): (
        "Provisioned Throughput needs model units from your account's quota for this model (often 0 until "
        "requested): request model units through AWS Support (Service Quotas, Amazon Bedrock, model units for "
        "Provisioned Throughput), or lower model_units, or serve the model on demand with deploy_on_demand() "
        "where its family and Region support it."
    ),
    ("CreateProvisionedModelThroughput", "ValidationException"): (
        "Bedrock refused the request: check that the model is Active and supports Provisioned Throughput in this "
        "Region, and that no other Provisioned Throughput has this name."
    ),
    ("CreateProvisionedModelThroughput", "AccessDeniedException"): (
        "IAM denied it: the handler role may provision custom models of this account and Region only, with this "
        "stack's ownership tags; check service control policies and permissions boundaries."
    ),
    ("CreateProvisionedModelThroughput", "ResourceNotFoundException"): (
        "The model does not exist in this Region (yet): a copied model must finish copying first."
    ),
    ("UpdateProvisionedModelThroughput", "ValidationException"): (
        "Bedrock moves a Provisioned Throughput only to a model of the same base model; to serve another base "
        "model, give the ProvisionedThroughput a new construct id (a new Provisioned Throughput)."
    ),
}


def advice(operation: str, code: str, message: str) -> str:
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
