"""Provisioned Throughput for a custom model: capacity billed hourly per model unit until deleted.

Bedrock (botocore's service model, docs/aws-behaviour.md S4-S6): ``CreateProvisionedModelThroughput``
(``modelUnits`` >= 1, ``commitmentDuration`` ``OneMonth | SixMonths`` or none),
``GetProvisionedModelThroughput`` (status ``Creating | InService | Updating | Failed``, ``modelArn``
and ``desiredModelArn``, ``commitmentExpirationTime``), ``UpdateProvisionedModelThroughput`` (new
name and/or model, in place; units and commitment cannot change) and
``DeleteProvisionedModelThroughput``, which Bedrock refuses before a commitment's term is over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from ..advice import Advice
from ..aws import client
from ..contract import REPLACED_BY_TAG_KEY
from ..engine.request import Request, now
from ..serving_contract import (
    ATTR_ARN,
    ATTR_COMMITMENT_EXPIRATION,
    ATTR_MODEL_ARN,
    ATTR_MODEL_UNITS,
    ATTR_NAME,
    ATTR_STATUS,
    KIND_THROUGHPUT,
    PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT,
    PROP_COMMITMENT,
    PROP_MODEL_ARN,
    PROP_MODEL_UNITS,
    PROP_NAME,
    PROP_RESOURCE_KIND,
    PROP_RETAIN_ON_REPLACE,
    RESOURCE_TYPES,
)
from ..serving_rules import check_commitment, check_model_arn, check_model_units, check_name
from .base import FAILED, READY, WAITING, Found, Watch
from .fleet import Billing, Compared, Drift, Listing
from .serving import ServingKind, quote

ADVICE: tuple[Advice, ...] = (
    Advice(
        "CreateProvisionedModelThroughput",
        "ServiceQuotaExceededException",
        "",
        "Provisioned Throughput needs model units from your account's quota for this model (often 0 until "
        "requested): request model units through AWS Support (Service Quotas, Amazon Bedrock, model units for "
        "Provisioned Throughput), or lower model_units, or serve the model on demand with deploy_on_demand() "
        "where its family and Region support it.",
    ),
    Advice(
        "CreateProvisionedModelThroughput",
        "ValidationException",
        "",
        "Bedrock refused the request: check that the model is Active and supports Provisioned Throughput in this "
        "Region, and that no other Provisioned Throughput has this name.",
    ),
    Advice(
        "CreateProvisionedModelThroughput",
        "AccessDeniedException",
        "",
        "IAM denied it: the handler role may provision custom models of this account and Region only, with this "
        "stack's ownership tags; check service control policies and permissions boundaries.",
    ),
    Advice(
        "CreateProvisionedModelThroughput",
        "ResourceNotFoundException",
        "",
        "The model does not exist in this Region (yet): a copied model must finish copying first.",
    ),
    Advice(
        "UpdateProvisionedModelThroughput",
        "ValidationException",
        "",
        "Bedrock moves a Provisioned Throughput only to a model of the same base model; to serve another base "
        "model, give the ProvisionedThroughput a new construct id (a new Provisioned Throughput).",
    ),
)


# What every message about a commitment says of its end (docs/aws-behaviour.md S6, S13).
BILLING_GOES_ON = (
    "it is billed until it is deleted, also after the term: AWS's delete page says committed Provisioned "
    "Throughputs renew at the end of each term (not confirmed for this kind, docs/aws-behaviour.md S13), so the "
    "expiry Bedrock reports now may move; bedrock-model-copy list shows the current one"
)
OPT_IN = "allow_replacement_under_commitment=True"


def unexpired_commitment(raw: Mapping[str, Any], at: float | None = None) -> str:
    """The commitment's expiry (ISO 8601) while it has not passed at ``at`` (default: now); "" without one or after.

    Read from the resource's own state (``commitmentDuration``, ``commitmentExpirationTime``), never
    from the code of a refused delete. A commitment whose expiry Bedrock has not reported yet counts
    as unexpired.
    """
    if not raw.get("commitmentDuration"):
        return ""
    expiry = raw.get("commitmentExpirationTime")
    if isinstance(expiry, dt.datetime):
        return expiry.isoformat() if expiry.timestamp() > (now() if at is None else at) else ""
    return "a date Bedrock did not report yet"


def _utc(value: dt.datetime) -> str:
    return f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


# The fleet command: every Provisioned Throughput (by model units: S14, the only kind this API lists).
THROUGHPUTS = Listing(
    "provisioned-throughput",
    "Provisioned Throughputs",
    "ListProvisionedModelThroughputs",
    "provisionedModelSummaries",
    "provisionedModelArn",
    "provisionedModelName",
    serves="modelArn",
    busy=("Creating", "Updating"),
    delete="DeleteProvisionedModelThroughput",
    get="GetProvisionedModelThroughput",
    identifier="provisionedModelId",
)


class ThroughputKind(ServingKind):
    """A ``ProvisionedThroughput``."""

    name = KIND_THROUGHPUT
    resource_type = RESOURCE_TYPES[KIND_THROUGHPUT]
    noun = "Provisioned Throughput"
    product_noun = noun
    arn_marker = ":provisioned-model/"
    arn_field = "provisionedModelArn"
    name_field = "provisionedModelName"
    summary_name_field = "provisionedModelName"
    get_operation = "GetProvisionedModelThroughput"
    create_operation = "CreateProvisionedModelThroughput"
    delete_operation = "DeleteProvisionedModelThroughput"
    update_operation = "UpdateProvisionedModelThroughput"
    list_operation = "ListProvisionedModelThroughputs"
    identity = (PROP_RESOURCE_KIND, PROP_MODEL_UNITS, PROP_COMMITMENT)
    watch = Watch(
        "getProvisionedModelThroughput",
        "ProvisionedModelId",
        "ResourceArn",
        "throughput",
        "InService",
        "GetProvisionedModelThroughput",
        "provisioned-model",
    )
    advice = ADVICE
    kept_by_state = True
    marks_replaced = True
    operations: ClassVar[tuple[str, ...]] = (
        "create_provisioned_model_throughput",
        "get_provisioned_model_throughput",
        "list_provisioned_model_throughputs",
        "update_provisioned_model_throughput",
        "delete_provisioned_model_throughput",
        "list_tags_for_resource",
        "tag_resource",
        "untag_resource",
    )
    minimum_botocore = "1.34.152"
    listings: ClassVar[tuple[Listing, ...]] = (THROUGHPUTS,)
    # The desired model and units: what it serves once an update (the stack's or anyone's) completes.
    drift: ClassVar[Drift | None] = Drift(
        read=("GetProvisionedModelThroughput", "provisionedModelId"),
        fields=(
            Compared("name", PROP_NAME, "provisionedModelName"),
            Compared("model", PROP_MODEL_ARN, "desiredModelArn"),
            Compared("model units", PROP_MODEL_UNITS, "desiredModelUnits"),
            Compared("commitment", PROP_COMMITMENT, "commitmentDuration"),
        ),
    )
    labels: ClassVar[dict[str, str]] = {
        PROP_RESOURCE_KIND: "the construct type",
        PROP_MODEL_UNITS: "ModelUnits",
        PROP_COMMITMENT: "Commitment",
    }

    def check(self, props: Mapping[str, Any]) -> None:
        check_name(str(props.get(PROP_NAME) or ""), "name")
        check_model_arn(str(props.get(PROP_MODEL_ARN) or ""))
        check_model_units(props.get(PROP_MODEL_UNITS))
        check_commitment(str(props.get(PROP_COMMITMENT) or ""))

    def same_named(self, props: Mapping[str, Any]) -> list[Found]:
        name = self.name_of(props)
        pages = client().get_paginator("list_provisioned_model_throughputs").paginate(nameContains=name)
        return self.found([item for page in pages for item in page.get("provisionedModelSummaries", [])], name)

    def made_from(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        units = raw.get("desiredModelUnits") or raw.get("modelUnits")
        return (
            self.name_in(raw) == props.get(PROP_NAME)
            and (raw.get("desiredModelArn") or raw.get("modelArn")) == props.get(PROP_MODEL_ARN)
            and str(units) == str(props.get(PROP_MODEL_UNITS))
            and (raw.get("commitmentDuration") or "") == (props.get(PROP_COMMITMENT) or "")
        )

    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
        request: dict[str, Any] = {
            "provisionedModelName": props[PROP_NAME],
            "modelId": props[PROP_MODEL_ARN],
            "modelUnits": int(props[PROP_MODEL_UNITS]),
            "tags": self.creation_tags(props, tags),
            "clientRequestToken": token,
        }
        if props.get(PROP_COMMITMENT):
            request["commitmentDuration"] = props[PROP_COMMITMENT]
        return str(client().create_provisioned_model_throughput(**request)["provisionedModelArn"])

    def create_subject(self, props: Mapping[str, Any]) -> str:
        return f"{props.get(PROP_NAME)} ({props.get(PROP_MODEL_UNITS)} model units of {props.get(PROP_MODEL_ARN)})"

    def get(self, arn: str) -> dict[str, Any]:
        return dict(client().get_provisioned_model_throughput(provisionedModelId=arn))

    def needs_update(self, props: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        return props.get(PROP_MODEL_ARN) != old.get(PROP_MODEL_ARN) or props.get(PROP_NAME) != old.get(PROP_NAME)

    def update(self, arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
        request: dict[str, Any] = {}
        if props.get(PROP_MODEL_ARN) != old.get(PROP_MODEL_ARN):
            request["desiredModelId"] = props[PROP_MODEL_ARN]
        if props.get(PROP_NAME) != old.get(PROP_NAME):
            request["desiredProvisionedModelName"] = props[PROP_NAME]
        client().update_provisioned_model_throughput(provisionedModelId=arn, **request)

    def delete(self, product: str) -> None:
        client().delete_provisioned_model_throughput(provisionedModelId=product)

    def state(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> tuple[str, str]:
        """Ready once InService with the model and name the template names; Failed fails."""
        status = raw.get("status")
        if status == "Failed":
            reason = str(raw.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
            return FAILED, (
                f"Provisioned Throughput {raw.get('provisionedModelArn')} failed: {reason}. Fix the cause and deploy "
                "again (the rollback deletes it unless a commitment keeps it)."
            )
        if status != "InService":
            return WAITING, ""
        if raw.get("modelArn") != props.get(PROP_MODEL_ARN) or raw.get("provisionedModelName") != props.get(PROP_NAME):
            return WAITING, ""  # the update was accepted and has not shown yet
        return READY, ""

    def attributes(self, raw: Mapping[str, Any]) -> dict[str, str]:
        return {
            ATTR_ARN: quote(raw, "provisionedModelArn"),
            ATTR_NAME: quote(raw, "provisionedModelName"),
            ATTR_STATUS: quote(raw, "status"),
            ATTR_MODEL_ARN: quote(raw, "modelArn"),
            ATTR_MODEL_UNITS: quote(raw, "modelUnits"),
            ATTR_COMMITMENT_EXPIRATION: quote(raw, "commitmentExpirationTime"),
        }

    def billing(self, listing: Listing, raw: Mapping[str, Any], now: float) -> Billing:
        """Hourly per model unit until deleted (S6), with its term as Bedrock reports it now (S13: never computed)."""
        units = raw.get("modelUnits")
        size = f"{units} model unit{'' if units == 1 else 's'} hourly"
        commitment = str(raw.get("commitmentDuration") or "")
        expiry = raw.get("commitmentExpirationTime")
        expires = expiry.isoformat() if isinstance(expiry, dt.datetime) else ""
        facts: tuple[tuple[str, object], ...] = (("modelUnits", units), ("commitment", commitment or None))
        if not commitment:
            return Billing(f"{size}, no term", idle=True, facts=facts)
        until = unexpired_commitment(raw, at=now)
        if not isinstance(expiry, dt.datetime):
            term = f"{commitment} term, its end not reported yet"
        elif until:
            term = f"{commitment} term until {_utc(expiry)}"
        else:
            term = f"{commitment} term ended {_utc(expiry)}"
        return Billing(f"{size}, {term}", idle=True, expires=expires, until=until, facts=facts)

    def keep(self, raw: Mapping[str, Any]) -> str:
        """Why it must be left: an unexpired commitment, with when and how to delete it; "" if it can go."""
        until = unexpired_commitment(raw)
        if not until:
            return ""
        return (
            f"Provisioned Throughput {raw.get('provisionedModelArn')} ({raw.get('provisionedModelName')}) is under a "
            f"{raw.get('commitmentDuration')} commitment until {until}; Bedrock cannot delete it before then, so it "
            f"is left in place, and {BILLING_GOES_ON}. Once Bedrock reports its commitment expired, delete it with: "
            f"{self._delete_command(raw)}"
        )

    def kept_reason(self, raw: Mapping[str, Any]) -> str:
        until = unexpired_commitment(raw)
        if not until:
            return ""
        return f"under a {raw.get('commitmentDuration')} commitment until {until}: Bedrock cannot delete it before then"

    def _delete_command(self, raw: Mapping[str, Any]) -> str:
        arn = str(raw.get("provisionedModelArn"))
        region = arn.split(":")[3] if arn.count(":") >= 5 else ""
        return f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {arn} --region {region}"

    # ------------------------------------------------------------------ replacements (issue 22, point 1)

    def checks_replacement(self, props: Mapping[str, Any]) -> bool:
        """A replacement that buys a committed one asks first, unless the resource's opt-in allows it."""
        return bool(props.get(PROP_COMMITMENT)) and props.get(PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT) != "true"

    def replacement_refusal(self, request: Request, current: Mapping[str, Any]) -> str:
        until = unexpired_commitment(current)
        if not until:
            return ""
        props = request.props
        return (
            f"This change replaces Provisioned Throughput {current.get('provisionedModelArn')} "
            f"({current.get('provisionedModelName')}), which is under a {current.get('commitmentDuration')} "
            f"commitment until {until}, with another committed one ({props.get(PROP_COMMITMENT)}, "
            f"{props.get(PROP_MODEL_UNITS)} model units). Nothing was bought. Bedrock cannot delete the current one "
            f"before its commitment ends, and {BILLING_GOES_ON}: both would bill. To buy the new one anyway, set "
            f"{OPT_IN} on the ProvisionedThroughput (README, Costs): the current one is then kept, tagged "
            f"{REPLACED_BY_TAG_KEY}, and billed until you delete it. Otherwise deploy with its model_units and "
            "commitment unchanged."
        )

    def retained_when_replaced(self, props: Mapping[str, Any]) -> bool:
        return props.get(PROP_RETAIN_ON_REPLACE) == "true"

    def left_billing(self, request: Request, raw: Mapping[str, Any]) -> str:
        units = raw.get("modelUnits") or raw.get("desiredModelUnits")
        committed = bool(raw.get("commitmentDuration"))
        return (
            f"A Provisioned Throughput is billed hourly for its {units} model units until it is deleted, used or "
            f"not{f'; {BILLING_GOES_ON}' if committed else ''}. Delete it"
            f"{' once Bedrock reports its commitment expired' if committed else ''} with: {self._delete_command(raw)} "
            f"(or: bedrock-model-copy clean --region {request.region} --stack {request.stack_name} --yes)"
        )


KIND = ThroughputKind()
