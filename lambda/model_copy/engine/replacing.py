"""What every kind does when an Update replaces it (docs/lifecycle.md, Updates).

- **Before anything is bought**: the kind may refuse a replacement, judged from the current
  resource's own state read afresh (a Provisioned Throughput under its commitment refuses to buy
  another committed one unless the resource's opt-in allows it). A current resource that cannot
  be read (throttled) refuses too: nothing is bought on a guess. Nothing is read when the kind has
  nothing to check for these properties.
- **Once the replacement is ready**: what the replaced resource leaves in place is said, in one
  WARNING line of the handler's log naming it, what it bills and how to delete it, since
  CloudFormation asks nothing more of it when its UpdateReplacePolicy is Retain (and the delete it
  sends otherwise may leave it too, under a commitment). Kinds that mark what a replacement left
  tag it with ``bedrock-model-copy:replaced-by`` (the ARN of what replaced it), on a resource this
  resource owns only. None of this fails the request: the replacement is made and ready.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..aws import AwsError, HandlerError, client, error_code
from ..contract import REPLACED_BY_TAG_KEY, REPLACED_KEY
from ..kinds.base import Kind
from .ownership import gone_by_get, owns, tags_of
from .reading import GONE, UNKNOWN, read
from .request import Request

logger = logging.getLogger("model_copy")


def check(kind: Kind, request: Request) -> None:
    """Refuse, before anything is bought, a replacement the current resource's own state forbids.

    Raises
    ------
    HandlerError
        The kind refuses it (its message), or the current resource could not be read.
    """
    if not kind.checks_replacement(request.props) or kind.arn_marker not in request.physical_id:
        return
    reading = read(kind, request.physical_id, request.old)
    if reading.state == GONE:
        return
    if reading.state == UNKNOWN:
        raise HandlerError(
            f"{kind.noun} {request.physical_id} could not be read before replacing it "
            f"({error_code(reading.error) if reading.error else 'no answer'}), so nothing was bought: deploy again."
        )
    refusal = kind.replacement_refusal(request, reading.raw)
    if refusal:
        logger.info("%s request=Update decision=refuse-replacement", kind.log(request.physical_id))
        raise HandlerError(refusal)


def replaced(request: Request) -> str:
    """The physical id this request replaced ("" when it did not replace anything)."""
    return str(request.event.get(REPLACED_KEY) or "")


def leave_replaced(kind: Kind, request: Request, new_raw: Mapping[str, Any]) -> None:
    """The replacement is ready: say what the replaced resource leaves billed, and mark it (never raises)."""
    old = replaced(request)
    if not old or kind.arn_marker not in old:
        return
    retained = kind.retained_when_replaced(request.props)
    if not (retained or kind.kept_by_state):
        return  # CloudFormation's clean-up deletes it
    try:
        raw = kind.get(old)
    except AwsError as error:
        if retained:
            logger.warning(
                "%s decision=keep-replaced: %s %s was replaced by %s and is kept (removal policy RETAIN); it could not "
                "be read now (%s): bedrock-model-copy list shows it and what it bills.",
                kind.log(old),
                kind.noun,
                old,
                request.physical_id,
                error_code(error),
            )
        return
    product = kind.product(raw)
    committed = kind.kept_reason(raw)
    if not product or not (retained or committed):
        return  # nothing made yet, or CloudFormation's clean-up deletes it
    new_product = kind.product(new_raw) or request.physical_id
    why = "; ".join(part for part in ("removal policy RETAIN" if retained else "", committed) if part)
    marked = _mark_replaced(kind, request, raw, new_product) if kind.marks_replaced else ""
    logger.warning(
        "%s decision=keep-replaced: %s %s was replaced by %s and is kept (%s)%s. %s",
        kind.log(old),
        kind.product_noun,
        product,
        new_product,
        why,
        marked,
        kind.left_billing(request, raw),
    )


def _mark_replaced(kind: Kind, request: Request, raw: Mapping[str, Any], new_product: str) -> str:
    """Tag what a replacement left with what replaced it, if this resource owns it; what the log line says of it."""
    product = kind.product(raw)
    try:
        tags = tags_of(product, confirm_gone=lambda arn: gone_by_get(kind.get_product, arn))
        if tags is None or not owns(tags, request, kind.legacy_stack(raw)):
            return ""
        client().tag_resource(resourceARN=product, tags=[{"key": REPLACED_BY_TAG_KEY, "value": new_product}])
    except AwsError as error:
        logger.warning("%s decision=not-marked-replaced error=%s", kind.log(product), error_code(error))
        return f", not tagged {REPLACED_BY_TAG_KEY} ({error_code(error)})"
    return f", tagged {REPLACED_BY_TAG_KEY}={new_product}"
