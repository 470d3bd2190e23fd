"""DescribeStacks throttled in every request type and phase: a read that cannot answer decides nothing.

A request learns its stack's phase (rollback, clean-up, forward) with DescribeStacks only when something went
wrong. So each case refuses the kind's first call in one phase once (AccessDeniedException) and throttles
DescribeStacks past boto3's retries, twice, in that phase: a rollback or clean-up still never fails, a forward
request fails only once the status answers, and nothing is left (:mod:`.harness`). A Create never reads the
phase (it may always fail): there DescribeStacks is not asked.
"""

from __future__ import annotations

import pytest

from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .faults import BOTO3_ATTEMPTS, DESCRIBE_STACKS_THROTTLED
from .harness import Run
from .profiles import UNFINISHED
from .scenarios import baseline, every_phase

NAMES = [kind.name for kind in KINDS]


@pytest.mark.parametrize("name", NAMES)
def test_describe_stacks_throttled_in_every_phase_decides_nothing(name: str) -> None:
    known = baseline(name, "every_phase")
    first_call = {status: operation for status, _, operation, _ in reversed(known.calls)}  # first one wins
    phases = list(dict.fromkeys(status for status, *_ in known.calls))
    assert len(phases) >= 3, phases  # a kind that makes and deletes things is asked in all seven
    throttled = DESCRIBE_STACKS_THROTTLED
    for status in phases:
        operation = first_call[status]
        with Run(name, keeps=[UNFINISHED]) as run:
            run.fake.inject_fault(
                "DescribeStacks", throttled.code, status=throttled.status, times=throttled.times, during=status
            )
            run.fake.inject_fault(operation, "AccessDeniedException", status=403, during=status)
            every_phase(run, lambda run=run, operation=operation: run.fake.served[operation] > 0)
            assert run.fake.served[operation] == 1, (status, operation)
            if status != "CREATE_IN_PROGRESS":  # the refusal made the request read its phase, throttled
                assert run.fake.served["DescribeStacks"] >= BOTO3_ATTEMPTS, (status, operation)
