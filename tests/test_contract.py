"""The construct and the handler write the shared names once each; these tests make them agree."""

from __future__ import annotations

import ast
import sys
import typing
from pathlib import Path

from bedrock_model_copy import _contract as construct_contract
from bedrock_model_copy import _provider
from bedrock_model_copy._asset import handler_asset_dir
from conftest import PUBLIC_ATTRIBUTES
from model_copy import contract as handler_contract

HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "model_copy"


def _constants(module: object, prefix: str) -> dict[str, object]:
    return {name: getattr(module, name) for name in dir(module) if name.startswith(prefix)}


def test_property_names_agree() -> None:
    construct_props = _constants(construct_contract, "PROP_")
    handler_props = _constants(handler_contract, "PROP_")
    assert construct_props == handler_props
    assert set(handler_contract.PROPERTY_NAMES) == set(handler_props.values())


def test_attribute_names_agree() -> None:
    assert tuple(construct_contract.ATTRIBUTES.values()) == handler_contract.ATTRIBUTE_NAMES
    assert construct_contract.ATTRIBUTES == PUBLIC_ATTRIBUTES


def test_modes_tag_type_and_limits_agree() -> None:
    for name in (
        "MODE_COPY",
        "MODE_WAIT",
        "MODE_RESULT",
        "MAX_LONG_TIMEOUT_SECONDS",
        "OWNER_TAG_KEY",
        "RESOURCE_TYPE",
        "MAX_TIMEOUT_SECONDS",
        "MIN_POLL_INTERVAL_SECONDS",
        "MAX_POLL_INTERVAL_SECONDS",
        "MAX_USER_TAGS",
        "ATTR_WATCHER_EXECUTION_ARN",
        "LOG_GROUP_ENV",
    ):
        assert getattr(construct_contract, name) == getattr(handler_contract, name), name
    assert set(typing.get_args(handler_contract.Mode)) == {
        handler_contract.MODE_COPY,
        handler_contract.MODE_WAIT,
        handler_contract.MODE_RESULT,
    }


def test_event_typed_dicts_name_the_contract_keys() -> None:
    event_keys = handler_contract.CustomResourceEvent.__annotations__
    assert handler_contract.STARTED_AT_KEY in event_keys
    assert handler_contract.STARTED_AT_KEY in handler_contract.OnEventResult.__annotations__
    assert set(handler_contract.PROPERTY_NAMES) <= set(handler_contract.ResourceProperties.__annotations__)


def test_handler_entry_points_exist_in_the_asset() -> None:
    for entry in (construct_contract.ON_EVENT_HANDLER, construct_contract.IS_COMPLETE_HANDLER):
        module_path, function = entry.rsplit(".", 1)
        source = handler_asset_dir().joinpath(*module_path.split(".")).with_suffix(".py").read_text()
        assert f"def {function}(" in source, entry


def test_handler_imports_only_the_standard_library_and_boto3() -> None:
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    for path in HANDLER_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in allowed, f"{path.name} imports {root}"


def test_kms_actions_are_the_documented_four() -> None:
    assert set(_provider.KMS_ACTIONS) == {"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant"}
