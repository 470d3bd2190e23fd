"""Updates: what stays in place, what makes a new copy, and retagging the model this resource owns.

Rules (README, Lifecycle):
- Only the copy's identity (source, target name, KMS key as written, mode) makes a
  new copy; tags, timeout, poll interval and removal policy change in place.
- An update whose new properties are the ones the current job was started from
  (recorded in its copy-request tag) is a return to the current job: CloudFormation
  rolling back a refused or failed update. Nothing is started or refused.
- A new copy under the same name is refused: CloudFormation creates the replacement
  before it deletes the old resource, and two models cannot share a name.
- Tags change only on a model this resource owns; a 0.1.0 copy gets its ownership
  recorded on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .advice import describe_failure
from .bedrock import AwsError, ModelCopyError, client, is_not_found
from .contract import (
    MODE_COPY,
    OWNERSHIP_TAG_KEYS,
    PROP_MODE,
    PROP_SOURCE_MODEL_ARN,
    PROP_TARGET_MODEL_KMS_KEY_ID,
    PROP_TARGET_MODEL_NAME,
    PROP_TARGET_MODEL_TAGS,
    CustomResourceEvent,
    ResourceProperties,
)
from .ownership import Owner, made_from, model_tags, owns_model, record_upgraded_ownership, stack_name
from .start import adopt_or_start

logger = logging.getLogger("model_copy")

_IDENTITY_LABELS = {
    PROP_MODE: "the construct type",
    PROP_SOURCE_MODEL_ARN: "source_model_arn",
    PROP_TARGET_MODEL_NAME: "target_model_name",
    PROP_TARGET_MODEL_KMS_KEY_ID: "target_kms_key",
}


def needs_new_copy(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return any((old.get(key) or "") != (new.get(key) or "") for key in _IDENTITY_LABELS)


def on_update(event: CustomResourceEvent, props: ResourceProperties) -> str:
    """The PhysicalResourceId after an Update of a copy: the current job, or a new one (replacement)."""
    physical_id = event["PhysicalResourceId"]
    old = event.get("OldResourceProperties") or {}
    if not needs_new_copy(old, props):
        logger.info("job=%s request=Update decision=update-in-place", physical_id)
        return physical_id
    if _current_job_was_made_from(physical_id, props):
        logger.info("job=%s request=Update decision=return-to-current-job", physical_id)
        return physical_id
    if old.get(PROP_MODE) == MODE_COPY and old.get(PROP_TARGET_MODEL_NAME) == props[PROP_TARGET_MODEL_NAME]:
        changed = " and ".join(
            label for key, label in _IDENTITY_LABELS.items() if (old.get(key) or "") != (props.get(key) or "")
        )
        raise ModelCopyError(
            f"Changing {changed} requires a new copy, and CloudFormation creates the new model before it deletes "
            f"the old one, so both cannot be named {props[PROP_TARGET_MODEL_NAME]!r}. Choose a new "
            f"target_model_name and deploy again (current job {physical_id} was left unchanged)."
        )
    return adopt_or_start(event, props)


def _current_job_was_made_from(physical_id: str, props: ResourceProperties) -> bool:
    if props.get(PROP_MODE) != MODE_COPY or ":model-copy-job/" not in physical_id:
        return False
    try:
        job = client().get_model_copy_job(jobArn=physical_id)
    except AwsError as error:
        if is_not_found(error):
            return False
        raise describe_failure("GetModelCopyJob", f"job {physical_id}", error) from error
    return made_from(job, props)


def settle_ownership_and_tags(event: CustomResourceEvent, job: Mapping[str, Any]) -> None:
    """On a finished copy: record a 0.1.0 copy's ownership, and apply an in-place tag change.

    After a replacement the model gets exactly the template's tags: the copy may be an earlier
    one of this resource, taken back, that still carries the tags it was made with.

    Raises
    ------
    ModelCopyError
        The tags changed but the model is gone or belongs to someone else (nothing is changed).
    """
    props = event["ResourceProperties"]
    old: Mapping[str, Any] = event.get("OldResourceProperties") or {}
    in_place = event["RequestType"] == "Update" and not needs_new_copy(old, props)
    # A replacement may have taken back an earlier copy of this resource (its fingerprint leaves the
    # tags out): that model must end with the template's tags, as a copy started now would.
    replaced = event["RequestType"] == "Update" and not in_place
    old_tags: Mapping[str, str] = (old.get(PROP_TARGET_MODEL_TAGS) or {}) if in_place else {}
    new_tags: Mapping[str, str] = props.get(PROP_TARGET_MODEL_TAGS) or {}
    retag = in_place and dict(old_tags) != dict(new_tags)
    upgraded = Owner.of_job(job).is_upgraded_copy
    if not retag and not upgraded and not replaced:
        return
    model_arn = str(job["targetModelArn"])
    tags = model_tags(model_arn)
    if tags is None:
        if retag:
            raise ModelCopyError(
                f"Model {model_arn} (job {job['jobArn']}) no longer exists: it was deleted outside CloudFormation, "
                "so its tags cannot change. To copy the model again, give the resource a new target_model_name."
            )
        return
    if not owns_model(tags, event, job):
        if retag:
            raise ModelCopyError(
                f"Model {model_arn} is owned by {Owner.from_tags(tags).describe()}, not by this resource (stack "
                f"{stack_name(event)}, resource {event['LogicalResourceId']}), so its tags were left unchanged. "
                "Restore its ownership tags, or give the resource a new target_model_name."
            )
        logger.info("model=%s decision=leave-alone reason=not-owned", model_arn)
        return
    record_upgraded_ownership(model_arn, tags, event, props)
    if replaced:
        old_tags = {key: value for key, value in tags.items() if key not in OWNERSHIP_TAG_KEYS}
        retag = old_tags != dict(new_tags)
    if retag:
        _sync_tags(model_arn, tags, old_tags, new_tags)


def _sync_tags(
    model_arn: str, current: Mapping[str, str], old_tags: Mapping[str, str], new_tags: Mapping[str, str]
) -> None:
    """Untag the keys the template dropped, tag the keys whose value differs on the model."""
    removed = sorted(key for key in set(old_tags) - set(new_tags) if key in current)
    changed = {key: value for key, value in new_tags.items() if current.get(key) != value}
    try:
        if removed:
            client().untag_resource(resourceARN=model_arn, tagKeys=removed)
        if changed:
            client().tag_resource(
                resourceARN=model_arn, tags=[{"key": key, "value": value} for key, value in sorted(changed.items())]
            )
    except AwsError as error:
        raise describe_failure("TagResource", f"model {model_arn}", error) from error
    logger.info("model=%s decision=tags-updated removed=%d set=%d", model_arn, len(removed), len(changed))
