"""What a resource kind is: its Bedrock calls and how to read their answers (no lifecycle rules here).

A kind is a :class:`Kind` subclass in its own module, instantiated once and listed in
:data:`..kinds.KINDS`. It names its real Bedrock operations, its states, its attributes, its
property rules and how to find a same-named resource; the engine (:mod:`..engine`) applies every
lifecycle rule with these. A kind never decides a lifecycle question (is it gone, may it fail,
may it be deleted): it answers what Bedrock said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..advice import Advice, describe_failure
from ..aws import HandlerError, error_code
from ..engine.ownership import Owner
from .fleet import NO_BILLING, Billing, Drift, Listing

READY, WAITING, FAILED = "ready", "waiting", "failed"


@dataclass(frozen=True)
class Watch:
    """What the stack's watcher state machine polls for a long resource of this kind (AWS SDK integration)."""

    action: str  # the integration's action, camelCase: getModelCopyJob
    arn_parameter: str  # the request member that takes the ARN, PascalCase: JobArn
    arn_input: str  # the execution input's key that holds the ARN: JobArn, ResourceArn
    label: str  # first word of the signals' UniqueId: copy, deployment, throughput
    done: str  # the status that ends the wait besides Failed
    poll_action: str  # the IAM action the watcher's role needs: GetModelCopyJob
    arn_resource: str  # the resource type of the polled ARNs: model-copy-job


@dataclass(frozen=True)
class Found:
    """A resource of the same name found by the kind's list call."""

    arn: str
    status: str
    raw: Mapping[str, Any]


class Kind:
    """Base of every kind. Class attributes are the kind's names; methods its Bedrock calls."""

    name: ClassVar[str]  # the kind's name in the template (ResourceKind, or a copy's Mode)
    selector: ClassVar[str] = "ResourceKind"  # the property whose value is ``name`` (a copy's is Mode)
    log_key: ClassVar[str] = "resource"  # how log lines name the physical id (job=..., resource=...)
    arn_field: ClassVar[str] = "arn"  # the ARN's field in a Get answer
    resource_type: ClassVar[str]  # Custom::...
    noun: ClassVar[str]  # "Model copy job", "Provisioned Throughput"
    product_noun: ClassVar[str]  # what a delete removes: "model", or the noun itself
    arn_marker: ClassVar[str]  # what every physical id of this kind contains: ":model-copy-job/"
    get_operation: ClassVar[str]  # GetModelCopyJob
    create_operation: ClassVar[str] = ""  # CreateModelCopyJob ("" for a kind that makes nothing)
    delete_operation: ClassVar[str] = ""  # DeleteCustomModel ("" for a kind that deletes nothing)
    update_operation: ClassVar[str] = ""  # UpdateProvisionedModelThroughput ("" when nothing changes in place)
    list_operation: ClassVar[str] = ""  # what same_named calls
    product_get_operation: ClassVar[str] = ""  # the Get of the product, when it is not the resource itself
    goes_on: ClassVar[str] = "Bedrock goes on"  # what a failure says of the work Bedrock continues
    created_decision: ClassVar[str] = "created"  # the log's decision once the create call answered
    labels: ClassVar[dict[str, str]] = {}  # identity property -> how messages name its change
    # The Bedrock client's operations this kind calls (boto3 names), and the first botocore that has them all.
    operations: ClassVar[tuple[str, ...]] = ()
    minimum_botocore: ClassVar[str] = "1.34.152"
    identity: ClassVar[tuple[str, ...]] = ()  # property keys whose change makes a new Bedrock resource
    tags_property: ClassVar[str] = ""  # the property holding the user's tags
    watch: ClassVar[Watch | None] = None
    advice: ClassVar[tuple[Advice, ...]] = ()
    # Whether an update in place changes something in Bedrock that must be waited for (a long
    # resource's R1 then waits itself instead of completing when no new watcher was started).
    waits_in_place: ClassVar[bool] = False
    # Whether a delete request has removed the product once accepted (else: poll until the Get says gone).
    delete_is_final: ClassVar[bool] = False
    # Codes of a refused create that mean "the name is taken" (look for this resource's own first).
    name_taken_codes: ClassVar[frozenset[str]] = frozenset({"ConflictException"})
    # The fleet command (bedrock-model-copy; kinds/fleet.py): the list calls that find every resource this kind
    # makes, and the Get (operation, identifier parameter) that reads a physical id they did not show.
    listings: ClassVar[tuple[Listing, ...]] = ()
    lookup: ClassVar[tuple[str, str]] = ("", "")
    # Whether a resource of this kind may be left in place by its own state (``kept_reason``), whatever its
    # removal policy: what a replacement left is then read once the replacement is ready.
    kept_by_state: ClassVar[bool] = False
    # Whether what a replacement left in place is tagged with what replaced it (``replaced-by``).
    marks_replaced: ClassVar[bool] = False
    # `bedrock-model-copy drift` (kinds/fleet.py): what it reads and compares; None until a kind says (a test checks
    # that every kind gives fields, or says why it has none).
    drift: ClassVar[Drift | None] = None

    # ------------------------------------------------------------------ properties

    def check(self, props: Mapping[str, Any]) -> None:
        """Raise :class:`..rules.PropertyValidationError` for a resolved property Bedrock would refuse."""

    def existing(self, props: Mapping[str, Any]) -> str:
        """The physical id when the kind makes nothing (a waiter's job); "" otherwise."""
        return ""

    def check_result(self, props: Mapping[str, Any]) -> None:
        """A long resource's Result resource: the ARN it reads must be there."""
        if not self.result_arn(props):
            raise HandlerError("The Result resource names no resource to read; the construct always sets it.")

    def superseded(self, found: Found) -> bool:
        """A same-named resource a take-back passes over (failed ones)."""
        return found.status == "Failed"

    def create_subject(self, props: Mapping[str, Any]) -> str:
        """How a create's failure names what was asked."""
        return self.name_of(props)

    def name_of(self, props: Mapping[str, Any]) -> str:
        """The Bedrock name the resource is made under (what a take-back looks for)."""
        return ""

    def fingerprint(self, props: Mapping[str, Any]) -> str:
        """A request fingerprint to tag the resource with ("" for kinds that need none)."""
        return ""

    def deletes(self, props: Mapping[str, Any]) -> bool:
        """Whether a Delete of this resource deletes anything in Bedrock."""
        return bool(self.delete_operation)

    def result_arn(self, props: Mapping[str, Any]) -> str:
        """A long resource's Result resource: the ARN its R1 made (or, for a waiter, the job)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ Bedrock calls (raise AwsError)

    def same_named(self, props: Mapping[str, Any]) -> list[Found]:
        """Resources of exactly ``name_of(props)``, newest first."""
        return []

    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
        """The call that buys or starts something; returns the physical id."""
        raise NotImplementedError

    def get(self, arn: str) -> dict[str, Any]:
        """The kind's Get of a physical id."""
        raise NotImplementedError

    def get_product(self, arn: str) -> dict[str, Any]:
        """The Get of what a delete removes (default: the resource itself)."""
        return self.get(arn)

    def needs_update(self, props: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
        """Whether an update in place calls Bedrock (besides tags)."""
        return False

    def update(self, arn: str, props: Mapping[str, Any], old: Mapping[str, Any]) -> None:
        """The call that changes the resource in place."""

    def delete(self, product: str) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ reading Bedrock's answers

    def state(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> tuple[str, str]:
        """(READY | WAITING | FAILED, the failure's message) for a Get answer and what the template asks."""
        raise NotImplementedError

    def status(self, raw: Mapping[str, Any]) -> str:
        return str(raw.get("status", ""))

    def attributes(self, raw: Mapping[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    def blank_attributes(self, arn: str) -> dict[str, str]:
        """Every attribute "" (a rollback that cannot read the resource still answers every Fn::GetAtt)."""
        return dict.fromkeys(self.attributes({}), "")

    def made_from(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        """Whether the resource Bedrock describes was requested with these properties."""
        return False

    def recorded_owner(self, raw: Mapping[str, Any]) -> Owner | None:
        """Ownership recorded on the description itself (a copy job's targetModelTags); None: read its tags."""
        return None

    def product(self, raw: Mapping[str, Any]) -> str:
        """The ARN of what tags and deletes concern ("" while it does not exist yet)."""
        return str(raw.get("arn", ""))

    def legacy_stack(self, raw: Mapping[str, Any]) -> str:
        """The stack a 0.1.0 resource was started by ("" for kinds 0.1.0 did not have)."""
        return ""

    def keep(self, raw: Mapping[str, Any]) -> str:
        """Why the resource must be left on delete, read from its own state ("" when it may be deleted)."""
        return ""

    def kept_reason(self, raw: Mapping[str, Any]) -> str:
        """In a few words, why its own state keeps it in place ("" when nothing does): "under ... until ..."."""
        return ""

    # ------------------------------------------------------------------ replacements

    def checks_replacement(self, props: Mapping[str, Any]) -> bool:
        """Whether a replacement made from ``props`` must first ask :meth:`replacement_refusal` (one Get)."""
        return False

    def replacement_refusal(self, request: Any, current: Mapping[str, Any]) -> str:
        """Why a replacement must not buy anything while ``current`` (the resource's own state) exists; "" if it may."""
        return ""

    def retained_when_replaced(self, props: Mapping[str, Any]) -> bool:
        """Whether CloudFormation keeps the resource a replacement replaces (its UpdateReplacePolicy Retain)."""
        return False

    def left_billing(self, request: Any, raw: Mapping[str, Any]) -> str:
        """What a resource left in place goes on billing, and how to delete it ("" if it bills nothing idle)."""
        return ""

    def settle(self, request: Any, raw: Mapping[str, Any], tags: Mapping[str, str]) -> None:
        """Anything the kind records once the resource is ready (a 0.1.0 copy's ownership)."""

    def drift_values(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """The Get answer drift compares its fields on (``drift.fields``): the answer itself, unless a field must be
        read (a deployment's model while it moves)."""
        return raw

    def billing(self, listing: Listing, raw: Mapping[str, Any], now: float) -> Billing:
        """How a resource of ``listing`` bills, read from its summary or Get answer ``raw`` at ``now`` (epoch)."""
        return NO_BILLING

    # ------------------------------------------------------------------ messages

    def failure(self, operation: str, subject: str, error: Exception) -> HandlerError:
        """An AWS call failed: the call, the subject, Bedrock's code and message, and this kind's advice."""
        return describe_failure(self.advice, operation, subject, error)

    def made_note(self, physical_id: str) -> str:
        """What a failure after a purchase says of what was bought (CloudFormation knows it: it rolls it back)."""
        return (
            f"{self.noun} {physical_id} was made before this failure: CloudFormation's rollback deletes it (with "
            "removal policy RETAIN it is kept: bedrock-model-copy list shows it)."
        )

    def timeout_message(self, request: Any, raw: Mapping[str, Any]) -> str:
        """The wait ran out before the resource was ready."""
        return f"{self.noun} {request.physical_id} is still {self.status(raw)}: {self.timeout_advice(request)}."

    def long_timeout_message(self, request: Any, raw: Mapping[str, Any], note: str) -> str:
        """A long resource's watcher reached the timeout before the resource was ready."""
        return (
            f"{self.noun} {self.result_arn(request.props)} is still {self.status(raw)}; the watcher stopped waiting "
            f"at this resource's timeout{note}. {self.goes_on}: {self.timeout_advice(request)}."
        )

    def watched_subject(self, raw: Mapping[str, Any]) -> str:
        """What the watcher watched and in what state, for a message about how it ended."""
        return f"{self.noun} {raw.get(self.arn_field)} was still {self.status(raw)}"

    def not_ours(self, request: Any, found: Found, owner: Owner) -> HandlerError:
        """A same-named resource this resource did not make from these properties."""
        return HandlerError(
            f"A {self.noun} named {self.name_of(request.props)!r} exists in this Region ({found.arn}), made by "
            f"{owner.describe()}. Nothing was changed."
        )

    def same_name_refusal(self, request: Any, changed: list[str]) -> HandlerError:
        """A replacement that keeps the name: refused before anything changes."""
        return HandlerError(
            f"Changing {', '.join(changed)} makes a new {self.noun}, which needs a new name while the old one "
            "exists: give it another name and deploy again."
        )

    def timeout_advice(self, request: Any) -> str:
        """What to do when the wait runs out (the sentence after "... is still <status> ...")."""
        return "deploy again later, or raise timeout"

    def is_name_taken(self, error: Exception) -> bool:
        return error_code(error) in self.name_taken_codes

    def log(self, arn: str) -> str:
        return f"{self.log_key}={arn}"

    def in_use_reason(self, product: str, request: Any) -> str:
        """A delete refused as in use: why the product may be left, read from what serves it ("" if not)."""
        return ""

    def gone_for_update(self, request: Any, product: str) -> HandlerError:
        return HandlerError(
            f"{self.noun} {product} cannot be updated by this resource: it no longer exists. Nothing was changed; "
            "remove the resource from the stack (it is left alone) or restore it."
        )

    def not_owned_for_update(self, request: Any, product: str, owner: Owner) -> HandlerError:
        return HandlerError(
            f"{self.noun} {product} cannot be updated by this resource: its ownership tags name {owner.describe()}. "
            "Nothing was changed; remove the resource from the stack (it is left alone) or restore it."
        )

    def tag_subject(self, product: str) -> str:
        """How a failure of a tag call names the product."""
        return product

    def list_subject(self, props: Mapping[str, Any]) -> str:
        """How a failure of the list call that looks for a same-named resource names what it looked for."""
        return f"name {self.name_of(props)!r}"

    def product_subject(self, product: str, request: Any) -> str:
        """How a failure of a call on the product names it."""
        return product

    def left_running(self, request: Any, raw: Mapping[str, Any]) -> str:
        """A rollback leaves an unfinished job running: what to do about it."""
        return "deploy the same stack name and properties again to take it back"

    def unfinished_message(self, request: Any, raw: Mapping[str, Any]) -> str:
        return f"{self.noun} {request.physical_id} is still {self.status(raw)}; delete the stack again once it ends."

    def subject(self, arn: str) -> str:
        """How messages name a physical id ("job <arn>", or the ARN)."""
        return arn

    def gone_failure(self, arn: str, error: Exception) -> HandlerError:
        """The resource's Get answered not-found past the first minute: what the failure says."""
        return HandlerError(f"{self.noun} {arn} no longer exists in Bedrock; deploy again to create it anew.")


def text(value: Any) -> str:
    """A field of a Bedrock answer as an attribute: "" when omitted, ISO 8601 for a time, true/false for a flag."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def required(props: Mapping[str, Any], key: str) -> str:
    """A property the construct always sets (its absence means an edited template)."""
    value = props.get(key)
    if not isinstance(value, str):
        raise HandlerError(f"Property {key} is missing; the construct always sets it (is the template edited?).")
    return value
