"""What the serving kinds share: a resource whose ARN is the physical id, tagged at creation.

Deployments and Provisioned Throughput (:mod:`.deployment`, :mod:`.throughput`) are what a delete
removes themselves; they are found again by their name (``List*`` with ``nameContains``) and their
ownership is read from their own tags (``ListTagsForResource``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..aws import HandlerError
from ..engine.ownership import Owner
from ..engine.request import Request, minutes
from ..serving_contract import PROP_MODEL_ARN, PROP_NAME, PROP_RESOURCE_ARN, PROP_TAGS
from .base import Found, Kind, text

# How Bedrock refuses a name that is taken is not documented (docs/aws-behaviour.md S8): either code.
NAME_TAKEN_CODES = frozenset({"ConflictException", "ValidationException"})


def quote(resource: Mapping[str, Any], key: str) -> str:
    """A response field as a string ("" when Bedrock omits it; timestamps in ISO 8601)."""
    return text(resource.get(key))


class ServingKind(Kind):
    """Base of the serving kinds."""

    arn_field: ClassVar[str]  # the ARN's field in Get and List answers
    name_field: ClassVar[str]  # the name's field in a Get answer
    summary_name_field: ClassVar[str]  # the name's field in a List summary
    tags_property = PROP_TAGS
    waits_in_place = True
    name_taken_codes = NAME_TAKEN_CODES

    def name_of(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_NAME) or "")

    def result_arn(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_RESOURCE_ARN) or "")

    def product(self, raw: Mapping[str, Any]) -> str:
        return str(raw.get(self.arn_field) or "")

    def creation_tags(self, props: Mapping[str, Any], ownership: list[dict[str, str]]) -> list[dict[str, str]]:
        """The user's tags, then the ownership tags."""
        user = [{"key": str(key), "value": str(value)} for key, value in (props.get(PROP_TAGS) or {}).items()]
        return [*user, *ownership]

    def found(self, items: list[Mapping[str, Any]], name: str) -> list[Found]:
        return [
            Found(str(item[self.arn_field]), str(item.get("status", "")), item)
            for item in items
            if item.get(self.summary_name_field) == name
        ]

    def name_in(self, raw: Mapping[str, Any]) -> str:
        return str(raw.get(self.name_field) or raw.get(self.summary_name_field) or "")

    def not_ours(self, request: Request, found: Found, owner: Owner) -> HandlerError:
        why = (
            "it was made with other properties (another model, or another size or commitment)"
            if owner.started_by(request)
            else f"its ownership tags name {owner.describe()}"
        )
        return HandlerError(
            f"A {self.noun} named {self.name_of(request.props)!r} exists in this "
            f"Region ({found.arn}), and this resource (stack {request.stack_name}, resource {request.logical_id}) did "
            f"not make it from these properties: {why}. Nothing was changed. Give this resource another name (or leave "
            "the name to be generated), or delete that one first."
        )

    def same_name_refusal(self, request: Request, changed: list[str]) -> HandlerError:
        return HandlerError(
            f"Changing {', '.join(changed)} replaces {self.noun} {request.physical_id} (Bedrock cannot change it in "
            "place), and the replacement needs a new name while the old one exists: give it another name (or leave "
            "the name to be generated) and deploy again."
        )

    def timeout_message(self, request: Request, raw: Mapping[str, Any]) -> str:
        return (
            f"{self.noun} {request.physical_id} is still {raw.get('status')} after {minutes(request.waited())} "
            f"(this resource's timeout is {minutes(request.timeout_seconds)}; CloudFormation allows a custom resource "
            "one hour). Bedrock goes on; the rollback deletes it. Deploy again later, or raise timeout (at most 57 "
            "minutes)."
        )

    def long_timeout_message(self, request: Request, raw: Mapping[str, Any], note: str) -> str:
        return (
            f"{self.noun} {request.physical_id or self.result_arn(request.props)} is still {raw.get('status')}; the "
            f"watcher stopped waiting at this resource's timeout of {minutes(request.timeout_seconds)}{note}. Bedrock "
            "goes on. With removal policy DESTROY the rollback deletes it: raise timeout (up to 12 hours) and deploy "
            "again. With RETAIN (the default with a commitment) it is kept: deploy again (same stack name and "
            "properties) to take it back and resume waiting."
        )

    def watched_subject(self, raw: Mapping[str, Any]) -> str:
        return f"{self.noun} {raw.get(self.arn_field)} was still {raw.get('status')}"

    def unfinished_message(self, request: Request, raw: Mapping[str, Any]) -> str:
        return (
            f"{self.noun} {request.physical_id} is still {raw.get('status')}; this delete waited "
            f"{minutes(request.waited())} and CloudFormation allows a custom resource one hour. Delete the stack again "
            f"later, or finish now with --retain-resources {request.logical_id} and, once Bedrock has finished with "
            f"it, run: bedrock-model-copy clean --region {request.region} --stack {request.stack_name} --yes"
        )

    def model_of(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_MODEL_ARN) or "")
