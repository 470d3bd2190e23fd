"""Helpers shared by the scenario tests (the real handler through the provider-framework driver)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock

NAME = "support-bot-usw2"
OWNER = "bedrock-model-copy:owner-stack"
OWNER_RESOURCE = "bedrock-model-copy:owner-resource"
COPY_REQUEST = "bedrock-model-copy:copy-request"
WRITES = {"CreateModelCopyJob", "DeleteCustomModel", "TagResource", "UntagResource"}


def writes(fake: FakeBedrock) -> list[str]:
    """The calls that change something in Bedrock, in order."""
    return [operation for operation in fake.operations() if operation in WRITES]


def owned_by(tags: Mapping[str, str], cfn: CloudFormationStack, logical_id: str) -> bool:
    """The three ownership tags name this stack and resource (and a request fingerprint)."""
    return (
        tags.get(OWNER) == cfn.stack_name
        and tags.get(OWNER_RESOURCE) == logical_id
        and re.fullmatch(r"[0-9a-f]{32}", tags.get(COPY_REQUEST, "")) is not None
    )


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags that are not ownership tags."""
    return {key: value for key, value in tags.items() if not key.startswith("bedrock-model-copy:")}
