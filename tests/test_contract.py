"""The contract is written once (lambda/model_copy/contract.py) and imported by the construct and the handler."""

from __future__ import annotations

import ast
import sys
import typing
from pathlib import Path

from bedrock_model_copy import _provider
from bedrock_model_copy._asset import handler_asset_dir
from bedrock_model_copy._lambda.model_copy import contract
from conftest import PUBLIC_ATTRIBUTES

HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "model_copy"


def test_one_copy_of_the_runtime_in_the_process() -> None:
    """The construct library and the handler share one contract module and one error class (issue 21, point 5)."""
    import bedrock_model_copy
    from bedrock_model_copy._lambda.model_copy import rules

    assert bedrock_model_copy.PropertyValidationError is rules.PropertyValidationError
    assert bedrock_model_copy.OWNER_TAG_KEY is contract.OWNER_TAG_KEY
    assert not [name for name in sys.modules if name == "model_copy" or name.startswith("model_copy.")]
    assert not [name for name in sys.modules if name.startswith("bedrock_model_copy._handler")]
    assert contract.__file__ is not None
    assert Path(contract.__file__).resolve() == HANDLER_DIR / "contract.py"


def test_public_attributes_are_the_designed_ones() -> None:
    assert contract.ATTRIBUTES == PUBLIC_ATTRIBUTES
    assert tuple(contract.ATTRIBUTES.values()) == contract.ATTRIBUTE_NAMES
    assert set(contract.PROPERTY_NAMES) == {value for name, value in vars(contract).items() if name.startswith("PROP_")}
    assert set(typing.get_args(contract.Mode)) == {contract.MODE_COPY, contract.MODE_WAIT, contract.MODE_RESULT}


def test_event_typed_dicts_name_the_contract_keys() -> None:
    event_keys = contract.CustomResourceEvent.__annotations__
    assert contract.STARTED_AT_KEY in event_keys
    assert contract.STARTED_AT_KEY in contract.OnEventResult.__annotations__
    assert set(contract.PROPERTY_NAMES) <= set(contract.ResourceProperties.__annotations__)


def test_handler_entry_points_exist_in_the_asset() -> None:
    for entry in (contract.ON_EVENT_HANDLER, contract.IS_COMPLETE_HANDLER):
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
