"""Every call a kind makes, in every phase it makes it in, refused once: AccessDenied, Validation, Conflict.

Issue 21, point 2: AccessDeniedException, ValidationException and ConflictException on every Bedrock call each
kind names (and the watcher's calls for the kinds that wait long). One case per kind, call and fault: the scenario
runs once for each stack status in which its baseline makes that call, the fault waiting for that status, and
every invariant (:mod:`.harness`) is checked after every stack operation, the stack deleted at the end.
"""

from __future__ import annotations

import pytest

from .faults import REFUSALS, Fault, fault_cases
from .scenarios import fault_case


@pytest.mark.parametrize(
    ("name", "operation", "scenario", "fault"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}-{case[3].label}") for case in fault_cases(REFUSALS)],
)
def test_a_refused_call_in_any_phase_breaks_no_rule(name: str, operation: str, scenario: str, fault: Fault) -> None:
    fault_case(name, operation, scenario, fault.code, fault.status, fault.times)
