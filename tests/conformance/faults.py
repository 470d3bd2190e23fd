"""The faults the matrix injects, and the calls it injects them into (read from the kind descriptors)."""

from __future__ import annotations

from dataclasses import dataclass

from bedrock_model_copy._lambda.model_copy.kinds import KINDS
from bedrock_model_copy._lambda.model_copy.kinds.base import Kind


@dataclass(frozen=True)
class Fault:
    """An error the fake answers a call with, ``times`` times in a row."""

    label: str
    code: str
    status: int
    times: int


# boto3's standard retry mode makes 5 attempts: throttling and 5xx are injected 5 times, past its retries.
BOTO3_ATTEMPTS = 5
FAULTS = (
    Fault("throttled", "ThrottlingException", 429, BOTO3_ATTEMPTS),
    Fault("5xx", "InternalServerException", 500, BOTO3_ATTEMPTS),
    Fault("AccessDenied", "AccessDeniedException", 403, 1),
    Fault("Validation", "ValidationException", 400, 1),
    Fault("Conflict", "ConflictException", 409, 1),
)
DESCRIBE_STACKS_THROTTLED = Fault("throttled", "Throttling", 400, 2 * BOTO3_ATTEMPTS)  # two reads past the retries
# What the engine calls to hand a long resource to the stack's watcher (engine/long_wait.py).
WATCHER_OPERATIONS = ("ListExecutions", "StartExecution")


def api_name(python_name: str) -> str:
    """``list_tags_for_resource`` -> ``ListTagsForResource``."""
    return "".join(word.capitalize() for word in python_name.split("_"))


def operations_of(kind: Kind) -> tuple[str, ...]:
    """Every Bedrock call the kind names: its operations, and its update call."""
    names = [api_name(name) for name in kind.operations]
    return tuple(dict.fromkeys([*names, *([kind.update_operation] if kind.update_operation else [])]))


def fault_cases(faults: tuple[Fault, ...]) -> list[tuple[str, str, str, Fault]]:
    """(kind, call, scenario, fault): every Bedrock call of every kind in the scenario that visits every phase,
    and the watcher's calls in a long wait's life for the kinds that wait long, with each of ``faults``."""
    cases = []
    for kind in KINDS:
        calls = [(operation, "every_phase") for operation in operations_of(kind)]
        calls += [(operation, "long_life") for operation in WATCHER_OPERATIONS if kind.watch is not None]
        cases += [(kind.name, operation, scenario, fault) for operation, scenario in calls for fault in faults]
    return cases


TRANSIENT = tuple(fault for fault in FAULTS if fault.times == BOTO3_ATTEMPTS)
REFUSALS = tuple(fault for fault in FAULTS if fault.times == 1)
