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
