"""Long waits of a deployment or Provisioned Throughput (``timeout`` above 57 minutes; README, Serving).

As for a long copy (:mod:`.watcher`): R1, the serving resource, starts (or takes back) its
Bedrock resource, hands it to the stack's watcher state machine and completes at once; the
watcher signals a WaitCondition; R3, the same resource type in ``Result`` mode, reads the
resource once: its attributes, Bedrock's failureMessage, or what stopped the watcher.

A WaitCondition is only evaluated when it is created, and its logical id changes only with what
makes a new Bedrock resource (the construct's identity hash). So a watcher is started when a
request made a new resource (a Create, a replacement) or made the resource long (a wait appears);
an update in place (a new model, a new name: same ARN) is waited for by R1 itself, as a short
resource does, for at most 57 minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import poll, watcher
from .bedrock import AwsError, ModelCopyError, error_code, is_not_found, is_transient
from .contract import (
    ATTR_WATCHER_EXECUTION_ARN,
    MAX_TIMEOUT_SECONDS,
    MODE_RESULT,
    PROP_MODE,
    STARTED_AT_KEY,
    CustomResourceEvent,
    IsCompleteResult,
    OnEventResult,
)
from .serving_contract import PROP_RESOURCE_ARN

logger = logging.getLogger("model_copy")

DONE: IsCompleteResult = {"IsComplete": True}
AGAIN: IsCompleteResult = {"IsComplete": False}


def is_long(props: Mapping[str, Any]) -> bool:
    """Whether this serving resource waits through a WaitCondition (the construct gave it the watcher)."""
    return watcher.is_watched(props)  # type: ignore[arg-type]


def is_result(event: CustomResourceEvent) -> bool:
    return (event.get("ResourceProperties") or {}).get(PROP_MODE) == MODE_RESULT


def no_watcher() -> dict[str, str]:
    """R1's Data when this request started no watcher (R3 reads the attribute on every deploy)."""
    return {ATTR_WATCHER_EXECUTION_ARN: ""}


def start_watcher(event: CustomResourceEvent, props: Mapping[str, Any], arn: str) -> dict[str, str]:
    """Start the watcher when this request needs one (a new resource or a new wait); R1's Data."""
    if not watcher.needs_watcher(event, props, arn):  # type: ignore[arg-type]
        return no_watcher()
    return {ATTR_WATCHER_EXECUTION_ARN: watcher.start(event, props, arn)}  # type: ignore[arg-type]


def watched_by_this_request(event: CustomResourceEvent) -> bool:
    """Whether on_event started a watcher (its Data, merged into every is_complete event by the framework)."""
    return bool((event.get("Data") or {}).get(ATTR_WATCHER_EXECUTION_ARN))


def in_place_timeout(noun: str, arn: str, status: object, event: CustomResourceEvent) -> ModelCopyError:
    """An update in place of a long resource that is not done within the 57 minutes R1 can wait."""
    waited = poll.minutes(poll.now() - poll.started_at(event))
    return ModelCopyError(
        f"{noun} {arn} is still {status} after {waited}: an update in place (same ARN) waits within its own custom "
        f"resource, at most {poll.minutes(MAX_TIMEOUT_SECONDS)}; the rest of this resource's timeout of "
        f"{poll.minutes(poll.timeout_seconds(event))} serves only creation, since a WaitCondition is only evaluated "
        "when it is created. Bedrock goes on; the rollback moves it back to what it served. Deploy again once it is "
        "ready (the update is then quick), or give the resource a new construct id to create a new one that waits "
        "the whole timeout."
    )


# --------------------------------------------------------------------------- R3, the Result resource


def on_event_result(event: CustomResourceEvent) -> OnEventResult:
    """R3's physical id is the ARN R1 made; it never creates, changes or deletes anything."""
    started: OnEventResult = {STARTED_AT_KEY: poll.now()}
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"], **started}
    arn = str(event["ResourceProperties"].get(PROP_RESOURCE_ARN) or "")
    if not arn:
        raise ModelCopyError(f"Property {PROP_RESOURCE_ARN} is missing; the construct always sets it.")
    logger.info("resource=%s request=%s decision=read-result", arn, event["RequestType"])
    return {"PhysicalResourceId": arn, **started}


def complete_result(kind: Any, event: CustomResourceEvent, ready: str) -> IsCompleteResult:
    """Read the resource once: attributes when ``ready``; Failed raises (kind.state); else what stopped the watcher."""
    if event["RequestType"] == "Delete":
        return DONE  # Result mode never deletes anything
    props = event["ResourceProperties"]
    arn = str(props.get(PROP_RESOURCE_ARN))
    try:
        resource = kind.describe(arn)
    except AwsError as error:
        if is_transient(error) and not poll.past_deadline(event, MAX_TIMEOUT_SECONDS):
            logger.info("resource=%s error=%s decision=read-again", arn, error_code(error))
            return AGAIN
        if is_not_found(error):
            raise ModelCopyError(
                f"{kind.NOUN} {arn} no longer exists in Bedrock; deploy again to create it anew."
            ) from error
        raise ModelCopyError(f"Get{kind.KIND} failed for {arn}: {error_code(error)}: {error}") from error
    if kind.state(resource, props) == ready:  # Failed raises with Bedrock's failureMessage and the ARN
        logger.info("resource=%s status=%s decision=complete", arn, resource.get("status"))
        return {"IsComplete": True, "Data": kind.attributes(resource)}
    status = resource.get("status")
    subject = f"{kind.NOUN} {arn} was still {status}"
    end, text = watcher.watcher_end(event, subject, f"Get{kind.KIND} (watcher)", what=kind.NOUN)
    if end == watcher.SETTLING:
        return AGAIN
    if end == watcher.TIMED_OUT:
        logger.info("resource=%s status=%s decision=timeout-of-long-wait", arn, status)
        raise ModelCopyError(
            f"{kind.NOUN} {arn} is still {status}; the watcher stopped waiting at this resource's timeout of "
            f"{poll.minutes(poll.timeout_seconds(event))}{text}. Bedrock goes on. With removal policy DESTROY the "
            "rollback deletes it: raise timeout (up to 12 hours) and deploy again. With RETAIN (the default with a "
            "commitment) it is kept: deploy again (same stack name and properties) to take it back and resume waiting."
        )
    raise ModelCopyError(f"{text} Bedrock goes on; the watcher's log group is {watcher.watcher_log_group(event)}.")
