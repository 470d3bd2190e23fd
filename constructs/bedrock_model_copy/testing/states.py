"""Step Functions for the offline driver (the name 0.2.0 gave it; docs/testing-kit.md).

The Amazon States Language interpreter is :mod:`.asl`; state machines, executions and the Step
Functions API are :mod:`.aws.stepfunctions`.
"""

from __future__ import annotations

from .asl import StatesError, choice_matches, evaluate, read_path, render, write_path
from .aws.stepfunctions import Execution, SdkCall, StateMachine, StepFunctions, to_service, to_states

__all__ = [
    "Execution",
    "SdkCall",
    "StateMachine",
    "StatesError",
    "StepFunctions",
    "choice_matches",
    "evaluate",
    "read_path",
    "render",
    "to_service",
    "to_states",
    "write_path",
]
