"""What serves a copied model that Bedrock refuses to delete (``ConflictException``, docs/aws-behaviour.md S7).

A stack delete removes the deployments and Provisioned Throughputs that serve a copy before the
copy (they depend on it). What can still serve the model when the copy's Delete runs: a
Provisioned Throughput this stack made and had to leave under an unexpired commitment (Bedrock
cannot delete it before the term ends), or something this stack did not make. For the first, a
stack delete must not fail (issue 16): the model is left with the throughput, and the log says
what is left, that it bills until deleted, the expiry Bedrock reports now (a renewal may move it,
docs/aws-behaviour.md S13), and the commands that finish the job once Bedrock reports it expired. For anything
else the caller keeps its rule (a forward stack delete fails with "delete those first").

Reads only: ``ListProvisionedModelThroughputs`` and ``ListCustomModelDeployments`` with
``modelArnEquals`` (no resource-level permissions), and ``ListTagsForResource`` of each one found.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from ..aws import AwsError, client, error_code, has_operation
from ..contract import OWNER_TAG_KEY
from ..engine.request import now

logger = logging.getLogger("model_copy")


class _MissingFromBoto3Error(Exception):
    """The boto3 the function runs with predates the serving APIs (then nothing can be told apart)."""


def _listed(operation: str, key: str, model_arn: str) -> list[dict[str, Any]]:
    if not has_operation(operation):
        raise _MissingFromBoto3Error(operation)
    pages = client().get_paginator(operation).paginate(modelArnEquals=model_arn)
    return [dict(item) for page in pages for item in page.get(key, [])]


def _owner_stack(arn: str) -> str | None:
    response = client().list_tags_for_resource(resourceARN=arn)
    tags = {str(tag["key"]): str(tag["value"]) for tag in response.get("tags") or []}
    return tags.get(OWNER_TAG_KEY)


def _unexpired(summary: Mapping[str, Any]) -> str:
    """The commitment's expiry (ISO 8601) while it has not passed; "" without one or once it has."""
    if not summary.get("commitmentDuration"):
        return ""
    expiry = summary.get("commitmentExpirationTime")
    if isinstance(expiry, dt.datetime):
        return expiry.isoformat() if expiry.timestamp() > now() else ""
    return "a date Bedrock did not report yet"


def left_under_commitment(model_arn: str, stack: str, region: str) -> str:
    """Why the model may be left (every server is this stack's committed throughput), or "" if not.

    "" also when a read fails: the caller's rule for a model in use then applies.
    """
    try:
        throughputs = _listed("list_provisioned_model_throughputs", "provisionedModelSummaries", model_arn)
        deployments = _listed("list_custom_model_deployments", "modelDeploymentSummaries", model_arn)
        if deployments or not throughputs:
            return ""
        left: list[str] = []
        for summary in throughputs:
            arn = str(summary.get("provisionedModelArn"))
            expiry = _unexpired(summary)
            if not expiry or _owner_stack(arn) != stack:
                logger.info("model=%s served-by=%s decision=not-only-own-committed-throughput", model_arn, arn)
                return ""
            left.append(f"{arn} ({summary.get('commitmentDuration')} commitment until {expiry})")
    except AwsError as error:
        logger.info("model=%s error=%s decision=cannot-tell-what-serves-it", model_arn, error_code(error))
        return ""
    except _MissingFromBoto3Error as missing:
        logger.info("model=%s boto3-lacks=%s decision=cannot-tell-what-serves-it", model_arn, missing)
        return ""
    deletes = " && ".join(
        f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {s['provisionedModelArn']} "
        f"--region {region}"
        for s in throughputs
    )
    return (
        f"Model {model_arn} is served by Provisioned Throughput {', '.join(left)} that this stack made and had to "
        "leave under its commitment, and Bedrock refuses to delete a model in use: the model is left with it. Both "
        "are billed until they are deleted, also after the term: AWS's delete page says committed Provisioned "
        "Throughputs renew at the end of each term (not confirmed for this kind, docs/aws-behaviour.md S13), so "
        "bedrock-model-copy list shows the current expiry. Once Bedrock reports the commitment expired run: "
        f"bedrock-model-copy clean --region {region} --stack {stack} --yes (or: {deletes} && aws bedrock "
        f"delete-custom-model --model-identifier {model_arn} --region {region})"
    )
