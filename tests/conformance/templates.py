"""The templates the matrix deploys: per kind, one app synthesized once per session with the real constructs.

Each :class:`Spec` is one stack of that app (all named :data:`STACK_NAME`, as the driver's stack is): the
kind's one resource in a :class:`~.profiles.Variant`, and around it, when asked, a neighbour (so that a
deploy is not the stack's first: a ``ModelCopyJobWaiter`` of a finished job) and a breaker (another
resource, after this one, that fails: a ``WaitCondition`` that is never signalled), so that CloudFormation
rolls back.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import aws_cdk as cdk

import bedrock_model_copy
from bedrock_model_copy import ModelCopyJobWaiter
from bedrock_model_copy._lambda import model_copy as runtime
from bedrock_model_copy._lambda.model_copy.kinds import KINDS

from .profiles import PROFILES, Variant, parameter

STACK_NAME = "ConformanceStack"
REGION, ACCOUNT = "us-west-2", "111122223333"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
RESOURCE = "Res"  # the construct id of the kind's resource
NEIGHBOUR_JOB = "NeighbourJob"  # the parameter naming the neighbour's (finished) job


@dataclass(frozen=True)
class Spec:
    """One template: the kind's resource (in a variant), a neighbour, a breaker."""

    variant: Variant = field(default_factory=Variant)
    resource: bool = True
    neighbour: bool = False
    breaker: bool = False

    def __str__(self) -> str:
        parts = [name for name, on in vars(self.variant).items() if on] or ["base"]
        parts = parts if self.resource else ["no-resource"]
        return "+".join(parts + ["neighbour"] * self.neighbour + ["breaker"] * self.breaker)


BASE = Spec()
IN_PLACE = Spec(Variant(in_place=True))
REPLACED = Spec(Variant(replaced=True))
BASE_BROKEN = Spec(breaker=True)
IN_PLACE_BROKEN = Spec(Variant(in_place=True), breaker=True)
REPLACED_BROKEN = Spec(Variant(replaced=True), breaker=True)
NEIGHBOUR = Spec(resource=False, neighbour=True)
WITH_NEIGHBOUR = Spec(neighbour=True)
WITH_NEIGHBOUR_BROKEN = Spec(neighbour=True, breaker=True)
RETAINED = Spec(Variant(retain=True))
RETAINED_REPLACED = Spec(Variant(retain=True, replaced=True))
RETAINED_BROKEN = Spec(Variant(retain=True), breaker=True)
LONG = Spec(Variant(long=True))
LONG_BROKEN = Spec(Variant(long=True), breaker=True)
LONG_REPLACED = Spec(Variant(long=True, replaced=True))
SHORT_SPECS = (
    BASE,
    IN_PLACE,
    REPLACED,
    BASE_BROKEN,
    IN_PLACE_BROKEN,
    REPLACED_BROKEN,
    NEIGHBOUR,
    WITH_NEIGHBOUR,
    WITH_NEIGHBOUR_BROKEN,
    RETAINED,
    RETAINED_REPLACED,
    RETAINED_BROKEN,
)
LONG_SPECS = (LONG, LONG_BROKEN, LONG_REPLACED)


def runtime_kind(name: str) -> Any:
    return next(kind for kind in KINDS if kind.name == name)


def specs_of(name: str) -> tuple[Spec, ...]:
    """The templates of a kind: the long ones only for a kind whose descriptor has a watch."""
    return SHORT_SPECS + (LONG_SPECS if runtime_kind(name).watch is not None else ())


def _build(stack: cdk.Stack, name: str, spec: Spec) -> None:
    made = PROFILES[name].build(stack, RESOURCE, spec.variant) if spec.resource else None
    if spec.neighbour:
        ModelCopyJobWaiter(stack, "Neighbour", job_arn=parameter(stack, NEIGHBOUR_JOB))
    if spec.breaker:
        breaker = cdk.CfnWaitCondition(stack, "Breaker")
        breaker.cfn_options.creation_policy = cdk.CfnCreationPolicy(
            resource_signal=cdk.CfnResourceSignal(count=1, timeout="PT5M")
        )
        if made is not None:
            breaker.node.add_dependency(made)


def _synthesis_key(name: str) -> str:
    """What the kind's templates are made from: the library's and the runtime's code, this suite's, the pins.

    A mutmut run keeps the files and switches mutants by ``MUTANT_UNDER_TEST``, so that is part of the key too.
    """
    versions = " ".join(metadata.version(package) for package in ("aws-cdk-lib", "constructs", "jsii"))
    digest = hashlib.sha256(f"{name} {versions} {os.environ.get('MUTANT_UNDER_TEST', '')}".encode())
    here = Path(__file__).resolve().parent
    roots = (Path(bedrock_model_copy.__file__).resolve().parent, Path(runtime.__file__).resolve().parent, here)
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update((here.parent / "conftest.py").read_bytes())
    for requirement in ("requirements-dev.txt", "requirements-lower.txt"):
        digest.update((here.parent.parent / requirement).read_bytes())
    return digest.hexdigest()[:32]


@functools.cache
def templates(name: str) -> dict[Spec, dict[str, Any]]:
    """Every template of the kind ``name``, from one synthesis of one app (once per run).

    The suite's files run in two processes (``make test``'s workers); the first to need a kind synthesizes it
    and leaves the templates in a file keyed by what they are made from, under a lock, and the other reads it.
    """
    specs = specs_of(name)
    folder = Path(tempfile.gettempdir()) / "bedrock-model-copy-conformance"
    folder.mkdir(exist_ok=True)
    cached = folder / f"{name}-{_synthesis_key(name)}.json"
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if cached.is_file():
            return dict(zip(specs, json.loads(cached.read_text()), strict=True))
        made = _synthesized(name)
        partial = cached.with_suffix(".partial")
        partial.write_text(json.dumps([made[spec] for spec in specs]))
        partial.replace(cached)
        return made


def _synthesized(name: str) -> dict[Spec, dict[str, Any]]:
    app = cdk.App()
    stacks: dict[Spec, cdk.Stack] = {}
    for index, spec in enumerate(specs_of(name)):
        stacks[spec] = cdk.Stack(app, f"Spec{index}", stack_name=STACK_NAME, env=ENV)
        _build(stacks[spec], name, spec)
    assembly = app.synth()
    return {spec: dict(assembly.get_stack_artifact(stack.artifact_id).template) for spec, stack in stacks.items()}
