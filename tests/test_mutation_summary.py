"""The rule that excludes "logging-only" mutants from the mutation score (tests/mutation/summary.py).

A mutant counts as logging-only, and is left out of the score, when the function differs
from the original only in what a logging call logs. A call whose arguments can raise
(they call a function or index a mapping) is behaviour: removing it or changing that
argument removes or changes a possible exception, so such a mutant must be judged.
"""

from __future__ import annotations

import textwrap

from tests.mutation.summary import logging_only_change  # mutmut is in requirements-dev.txt

ORIGINAL = """
def finish(event, job):
    logger.info("copy %s of %s finished", job, event["LogicalResourceId"])
    logger.info("status %s", describe(job))
    logger.debug("plain %s", job)
    return job
"""


def _same(mutated: str) -> bool:
    return logging_only_change(textwrap.dedent(ORIGINAL), textwrap.dedent(mutated))


def test_a_changed_text_or_plain_argument_is_logging_only() -> None:
    assert _same(ORIGINAL.replace('"copy %s of %s finished"', '"XXcopy %s of %s finishedXX"'))
    assert _same(ORIGINAL.replace('logger.debug("plain %s", job)', 'logger.debug("plain %s", None)'))
    assert _same(ORIGINAL.replace('    logger.debug("plain %s", job)\n', ""))
    assert _same(
        ORIGINAL.replace('logger.info("copy %s of %s finished", job,', 'logger.info("copy %s of %s finished",')
    )


def test_removing_or_changing_an_argument_that_can_raise_is_not_logging_only() -> None:
    # An index: event["LogicalResourceId"] raises KeyError on an event without it.
    assert not _same(ORIGINAL.replace('event["LogicalResourceId"]', "None"))
    assert not _same(ORIGINAL.replace('event["LogicalResourceId"]', 'event["XXLogicalResourceIdXX"]'))
    assert not _same(
        ORIGINAL.replace('    logger.info("copy %s of %s finished", job, event["LogicalResourceId"])\n', "")
    )
    # A call: describe(job) can raise.
    assert not _same(ORIGINAL.replace("describe(job)", "None"))
    assert not _same(ORIGINAL.replace('    logger.info("status %s", describe(job))\n', ""))


def test_a_change_outside_logging_is_never_logging_only() -> None:
    assert not _same(ORIGINAL.replace("return job", "return None"))


def test_mutmuts_selection_is_the_union_of_the_plugins_test_files_and_each_exists() -> None:
    """``[tool.mutmut] pytest_add_cli_args_test_selection`` must list every file the plugin may keep (and no other)."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    selection = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"][
        "pytest_add_cli_args_test_selection"
    ]
    listed = {arg for arg in selection if arg.startswith("tests/") and "::" not in arg}
    source = (root / "tests" / "mutation" / "plugin.py").read_text()
    plugin: set[str] = set()
    for name in ("HANDLER_TESTS", "CONSTRUCT_TESTS", "CLI_TESTS"):
        start = source.index(f"{name} = (")
        block = source[start : source.index("\n)\n", start)]
        plugin |= {line.strip().strip(",").strip('"') for line in block.splitlines()[1:] if '"tests/' in line}
    assert listed == plugin
    assert all((root / path).is_file() for path in listed), sorted(p for p in listed if not (root / p).is_file())
    deselected = [selection[i + 1] for i, arg in enumerate(selection) if arg == "--deselect"]
    for test in deselected:
        path, name = test.split("::")
        assert f"def {name}(" in (root / path).read_text(), test
