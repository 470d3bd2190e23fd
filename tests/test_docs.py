"""The README says what the code does: the parts of it that are generated from the code."""

from __future__ import annotations

import re
from pathlib import Path

from bedrock_model_copy._lambda.model_copy.kinds import ADVICE as TABLE
from bedrock_model_copy._lambda.model_copy.kinds import advice_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
TROUBLESHOOTING = (ROOT / "docs" / "troubleshooting.md").read_text()
LIFECYCLE = (ROOT / "docs" / "lifecycle.md").read_text()  # the lifecycle rules, each with the scenario that proves it


def test_the_troubleshooting_section_is_the_advice_table() -> None:
    match = re.search(r"<!-- advice-table:start -->\n(.*?)\n<!-- advice-table:end -->", TROUBLESHOOTING, re.S)
    assert match, "docs/troubleshooting.md lost its advice-table markers"
    assert match.group(1) == advice_table(), (
        "docs/troubleshooting.md's advice table is out of date; paste the output of\n"
        "  .venv/bin/python -c 'from bedrock_model_copy._lambda.model_copy.kinds import advice_table; "
        "print(advice_table())'"
    )


def test_every_advice_row_is_unique_per_call_code_and_condition() -> None:
    keys = [(row.operation, row.code, row.message_contains) for row in TABLE]
    assert len(keys) == len(set(keys))
    assert all(row.text.endswith(".") and ".." not in row.text for row in TABLE)


def test_every_scenario_the_lifecycle_page_names_exists() -> None:
    lifecycle = LIFECYCLE
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", lifecycle))
    named |= {name.split("::")[-1] for name in re.findall(r"`tests/[a-z_]+\.py::(test_[a-z0-9_]+)`", lifecycle)}
    assert len(named) >= 25
    sources = "".join(path.read_text() for path in Path(__file__).resolve().parent.rglob("test_*.py"))
    missing = sorted(name for name in named if f"def {name}(" not in sources)
    assert missing == []
