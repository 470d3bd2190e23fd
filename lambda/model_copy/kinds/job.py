"""What the two job kinds share: a Bedrock job whose ARN is the physical id and which makes a model.

A copy (``CreateModelCopyJob``) and an import (``CreateModelImportJob``) are both jobs that run
until ``Completed`` or ``Failed``, cannot be stopped, and leave a model behind; a delete removes
that model only when the resource's final DeletionPolicy is Delete. A :class:`JobKind` names its
job and its model once (``work``, ``model_name_label``, ``product_field``, ``delete_cli``), and
these messages and answers follow from those names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from ..aws import HandlerError
from ..contract import PROP_DELETE_MODEL_ON_DELETE
from ..engine.ownership import Owner
from ..engine.request import Request, minutes, now
from .base import Kind
from .fleet import Billing, Listing


def region_of(arn: str) -> str:
    """The Region field of an ARN ("" when it has none)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def how_long(job: Mapping[str, Any]) -> str:
    """``", started <iso> (<n> min ago)"`` when the job says when it started."""
    created = job.get("creationTime")
    if isinstance(created, dt.datetime):
        return f", started {created.isoformat()} ({minutes(now() - created.timestamp())} ago)"
    return ""


def kms_matches(reported: str, wanted: str) -> bool:
    """The key ARN Bedrock reports against the key asked for (an ARN or a key id; an alias never matches)."""
    if not wanted:
        return not reported
    return reported == wanted or reported.endswith(f":key/{wanted}")


class JobKind(Kind):
    """A kind whose physical id is a Bedrock job's ARN and whose product is the model the job made."""

    log_key = "job"
    arn_field = "jobArn"
    work: ClassVar[str]  # what the job does, as a noun: "copy", "import"
    model_name_label: ClassVar[str]  # the construct prop that names the model: "target_model_name"
    product_field: ClassVar[str]  # the job's field holding the model's ARN: "targetModelArn"
    delete_cli: ClassVar[str]  # the AWS CLI command that deletes the model: "delete-custom-model"
    unnamed_model: ClassVar[str]  # how messages name the model before the job names it: "the copied model"
    watcher: ClassVar[str] = "watcher"  # how messages name the stack's watcher state machine for this kind
    name_hint: ClassVar[str] = ""  # what same_name_refusal adds after the prop: " (or leave it to be generated)"
    job_billing: ClassVar[Billing]
    model_billing: ClassVar[Billing]

    def deletes(self, props: Mapping[str, Any]) -> bool:
        return props.get(PROP_DELETE_MODEL_ON_DELETE) == "true"

    def retained_when_replaced(self, props: Mapping[str, Any]) -> bool:
        return not self.deletes(props)

    def product(self, raw: Mapping[str, Any]) -> str:
        return str(raw.get(self.product_field) or "") if raw.get("status") == "Completed" else ""

    def billing(self, listing: Listing, raw: Mapping[str, Any], now: float) -> Billing:
        return self.job_billing if listing.running else self.model_billing

    def delete_command(self, model_arn: str, region: str, stack: str) -> str:
        """The commands that delete the model: the AWS CLI's, and this library's ``clean`` for the stack."""
        return (
            f"aws bedrock {self.delete_cli} --model-identifier {model_arn} --region {region} "
            f"(or: bedrock-model-copy clean --region {region} --stack {stack} --yes)"
        )

    # ------------------------------------------------------------------ messages

    def subject(self, arn: str) -> str:
        return f"job {arn}"

    def tag_subject(self, product: str) -> str:
        return f"{self.product_noun} {product}"

    def product_subject(self, product: str, request: Request) -> str:
        return f"{self.product_noun} {product} (job {request.physical_id})"

    def gone_failure(self, arn: str, error: Exception) -> HandlerError:
        return self.failure(self.get_operation, self.subject(arn), error)

    def made_note(self, physical_id: str) -> str:
        return (
            f"{self.noun} {physical_id} was started before this failure and cannot be stopped: deploy again (same "
            f"stack name and properties) to take it back, or delete its {self.product_noun} once it ends "
            "(bedrock-model-copy list shows it)."
        )

    def timeout_message(self, request: Request, raw: Mapping[str, Any]) -> str:
        return (
            f"{self.noun} {raw.get('jobArn', request.physical_id)} is still {raw.get('status')}{how_long(raw)}; "
            f"this resource waited {minutes(request.waited())} and its timeout is {minutes(request.timeout_seconds)} "
            f"(CloudFormation allows a custom resource one hour). {self.goes_on}: {self.timeout_advice(request)}."
        )

    def long_timeout_message(self, request: Request, raw: Mapping[str, Any], note: str) -> str:
        return (
            f"{self.noun} {raw.get('jobArn')} is still {raw.get('status')}{how_long(raw)}; the {self.watcher} stopped "
            f"waiting at this {self.work}'s timeout of {minutes(request.timeout_seconds)}{note}. {self.goes_on}: "
            f"{self.timeout_advice(request)}."
        )

    def watched_subject(self, raw: Mapping[str, Any]) -> str:
        return f"{self.noun.lower()} {raw.get('jobArn')} was still {raw.get('status')}{how_long(raw)}"

    def same_name_refusal(self, request: Request, changed: list[str]) -> HandlerError:
        return HandlerError(
            f"Changing {' and '.join(changed)} requires a new {self.work}, and CloudFormation creates the new model "
            f"before it deletes the old one, so both cannot be named {self.name_of(request.props)!r}. Choose a new "
            f"{self.model_name_label}{self.name_hint} and deploy again (current job {request.physical_id} was left "
            "unchanged)."
        )

    def not_owned_for_update(self, request: Request, product: str, owner: Owner) -> HandlerError:
        return HandlerError(
            f"{self.product_noun.capitalize()} {product} is owned by {owner.describe()}, not by this resource (stack "
            f"{request.stack_name}, resource {request.logical_id}), so its tags were left unchanged. Restore its "
            f"ownership tags, or give the resource a new {self.model_name_label}."
        )

    def left_running(self, request: Request, raw: Mapping[str, Any]) -> str:
        model_arn = str(raw.get(self.product_field) or self.unnamed_model)
        job_arn = str(raw.get("jobArn") or request.physical_id)
        return (
            f"deploy the same stack name and properties again to take it back, or after the {self.work} ends run: "
            f"{self.delete_command(model_arn, region_of(job_arn), request.stack_name)}"
        )
