"""One run of a scenario, and the invariants every case asserts after every stack operation (written once).

A :class:`Run` deploys a kind's templates (:mod:`.templates`) with the testing kit's driver: the real handler
behind the provider framework, CloudFormation's phases and rollbacks, against a :class:`FakeBedrock` enforcing
the handler role's SYNTHESIZED policies (those in force during each stack operation: :func:`policies_in_force`).
Every request CloudFormation sends is journaled (the stack's status when it was sent, the response, the calls
the fake received meanwhile), and after every stack operation :meth:`Run.check` asserts:

1. a request of a rollback or clean-up phase never answers FAILED;
2. a request in which the kind's create call answered 2xx (something was bought or started) answers with that
   resource's physical id, never the provider framework's CREATE_FAILED marker (nor, on Update, the old id);
3. a Delete that answered SUCCESS left no resource of this stack's ownership in the fake (``left``), unless a
   documented keep the test names applies: ``RETAIN``, ``COMMITMENT``, or ``UNFINISHED`` (a job still running
   when a rollback or clean-up deleted it, for the next deploy to take back);
4. what is left in the fake: after a successful operation exactly the resources the template declares (and the
   named keeps); after a rollback nothing this stack owns that it did not own before, but the named keeps;
5. the handler's log lines never hold a ResponseURL's signature nor a whole event.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Collection
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from bedrock_model_copy._lambda.model_copy import kinds as runtime_kinds
from bedrock_model_copy.testing import (
    CREATE_FAILED_MARKER,
    CfnResponse,
    CloudFormationStack,
    RecordedCall,
    TemplateValues,
    simulated_environment,
)

from .fake import CountingFake, policies_in_force
from .profiles import COMMITMENT, PROFILES, RETAIN, SOURCE_ARN, UNFINISHED
from .templates import ACCOUNT, NEIGHBOUR_JOB, REGION, RESOURCE, STACK_NAME, Spec, runtime_kind, templates

# The phases in which a request must never fail (docs/lifecycle.md, "Rollbacks cannot fail").
MUST_NOT_FAIL = frozenset(
    {
        "ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    }
)
FAST = 90.0  # how long a Bedrock resource takes in the matrix: a few polls
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
WHOLE_EVENT_MARKERS = ("ResponseURL", "X-Amz-Signature", "ResourceProperties", "ServiceToken")


@dataclass
class Entry:
    """One request CloudFormation sent, as the journal keeps it."""

    request: dict[str, Any]
    status: str  # the stack's status when it was sent
    response: CfnResponse
    calls: list[RecordedCall]  # what the fake received while it was handled
    at: float = 0.0  # the simulated time CloudFormation received the response
    left: set[str] = field(default_factory=set)  # a Delete's: the kind's resources left right after it
    kept: dict[str, str] = field(default_factory=dict)  # and why each may be kept (profile.kept)

    @property
    def type(self) -> str:
        return str(self.request["RequestType"])

    @property
    def physical_id(self) -> str:
        return str(self.request.get("PhysicalResourceId") or "")

    def describe(self) -> str:
        return (
            f"{self.type} of {self.request['LogicalResourceId']} ({self.physical_id or 'new'}) in {self.status}: "
            f"{self.response.status} {self.response.physical_resource_id} {self.response.reason[:300]!r}"
        )


class _Lines(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Run:
    """One scenario of one kind (a context manager: the fake is served for its duration).

    Parameters
    ----------
    name : str
        The kind's name (``Kind.name``).
    keeps : collection of str
        The documented keeps this case allows (``RETAIN``, ``COMMITMENT``, ``UNFINISHED``); none by default.
    duration : float
        Seconds the kind's Bedrock resources take to be ready.
    fails : bool
        Whether they end Failed.
    """

    def __init__(self, name: str, *, keeps: Collection[str] = (), duration: float = FAST, fails: bool = False) -> None:
        self.profile = PROFILES[name]
        self.kind = runtime_kind(name)
        self.templates = templates(name)
        self.keeps = frozenset(keeps)
        self.fake = CountingFake()
        neighbour = self.fake.add_job(source_model_arn=SOURCE_ARN, target_model_name="neighbour-model", duration=0.0)
        self.values = {**self.profile.prepare(self.fake, duration=duration, fails=fails), NEIGHBOUR_JOB: neighbour}
        self.entries: list[Entry] = []
        self.deleted: dict[str, str] = {}  # physical id -> the phase of a Delete of it that answered SUCCESS
        self.delete_requested: set[str] = set()
        self.logs: list[str] = []
        self.template: dict[str, Any] = {}  # the template in force (what the stack holds now)
        self.operations: list[str] = []  # what was done, for messages
        self._exit = ExitStack()

    def __enter__(self) -> Run:
        self.framework = self._exit.enter_context(simulated_environment(self.fake))
        submit = self.framework.submit
        self.framework.submit = lambda request: self._journal(submit, request)  # type: ignore[method-assign]
        handler, logger = _Lines(self.logs), logging.getLogger("model_copy")
        logger.addHandler(handler)
        self._exit.callback(logger.removeHandler, handler)
        self.stack = CloudFormationStack(self.framework, stack_name=STACK_NAME, region=REGION, account=ACCOUNT)
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    # ------------------------------------------------------------------ stack operations

    def deploy(self, spec: Spec) -> bool:
        """Deploy ``spec``'s template (the stack's first deploy, or an update); check; True if it succeeded."""
        template = self.templates[spec]
        if self.stack.status == "ROLLBACK_COMPLETE":
            raise AssertionError("a stack whose first deploy rolled back cannot be updated: recreate it first")
        first = not self.stack.resources
        self._set_iam(self.template, template)
        return self._operation(
            f"{'deploy' if first else 'update to'} {spec}",
            lambda: self._stack_deploy(template, first),
            template,
        )

    def _stack_deploy(self, template: dict[str, Any], first: bool) -> bool:
        values = TemplateValues(refs=self.values)
        if first:
            operations, _ = self.stack.deploy_template(template, values)
        else:
            operations = self.stack.update_template(template, values)
        ok = all(operation.response.ok for operation in operations.values())
        if ok:
            self.template = template
        elif first:
            self.template = {}
        return ok

    def delete(self) -> bool:
        """Delete the stack; check; True if every resource is gone from it."""

        def run() -> bool:
            operations = self.stack.delete_stack()
            ok = all(operation.response.ok for operation in operations.values()) and not self.stack.resources
            if ok:
                self.template = {}
                self.framework.stack_statuses[self.stack.stack_id] = "DELETE_COMPLETE"
            return ok

        self._set_iam(self.template, self.template)
        return self._operation("delete the stack", run, {"Resources": {}})

    def recreate(self) -> None:
        """What ``cdk deploy`` does after a first deploy rolled back: delete the stack, create one of the same name."""
        assert self.stack.status == "ROLLBACK_COMPLETE", self.stack.status
        self.framework.stack_statuses[self.stack.stack_id] = "DELETE_COMPLETE"
        self.stack = CloudFormationStack(self.framework, stack_name=STACK_NAME, region=REGION, account=ACCOUNT)
        self.template = {}
        self.operations.append("recreate the stack")

    def _set_iam(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        policies = policies_in_force(old, new)
        for logical_id, resource_type in self.stack.resource_types.items():  # watchers made by earlier operations
            if resource_type == STATE_MACHINE:
                arn = self.stack.resources[logical_id].physical_resource_id
                policies.bind(logical_id, arn, {"Name": arn.rsplit(":", 1)[-1]})
        self.fake.iam = policies

    def _operation(self, what: str, run: Callable[[], bool], template: dict[str, Any]) -> bool:
        before = self.profile.left(self.fake, STACK_NAME)
        start = len(self.entries)
        self.operations.append(what)
        ok = run()
        self.check(self.entries[start:], before, ok, template)
        return ok

    # ------------------------------------------------------------------ the journal

    def _journal(self, submit: Callable[[dict[str, Any]], CfnResponse], request: dict[str, Any]) -> CfnResponse:
        status = self.framework.stack_statuses.get(str(request["StackId"]), "")
        start = self.fake.request_start = len(self.fake.calls)
        response = submit(request)
        entry = Entry(copy.deepcopy(request), status, response, list(self.fake.calls[start:]), self.fake.clock.time())
        if entry.type == "Delete":
            self.delete_requested.add(entry.physical_id)
            if response.ok:
                entry.left = self.profile.left(self.fake, STACK_NAME)
                entry.kept = {physical_id: self.profile.kept(self.fake, physical_id) for physical_id in entry.left}
                self.deleted.setdefault(entry.physical_id, status)
        self.entries.append(entry)
        return response

    # ------------------------------------------------------------------ the invariants

    def _own(self, properties: dict[str, Any], logical_id: str = RESOURCE) -> bool:
        """Whether these properties are the kind's resource (``Res``; not its Result resource, nor a neighbour)."""
        if not logical_id.startswith(RESOURCE):
            return False
        try:
            kind, result = runtime_kinds.of(properties)
        except Exception:
            return False
        return kind is self.kind and not result

    def own(self, entry: Entry) -> bool:
        """Whether a journaled request is to this kind's resource (not its Result resource, nor a neighbour)."""
        return self._own(entry.request.get("ResourceProperties") or {}, str(entry.request["LogicalResourceId"]))

    def physical_id(self) -> str:
        """The physical id of the kind's resource in the stack now ("" when it holds none)."""
        found = [
            resource.physical_resource_id
            for logical_id, resource in self.stack.resources.items()
            if logical_id not in self.stack.resource_types and self._own(resource.properties, logical_id)
        ]
        assert len(found) <= 1, found
        return found[0] if found else ""

    def deletion_policy(self, spec: Spec) -> str:
        """The DeletionPolicy ``spec``'s template gives the kind's resource."""
        (policy,) = [
            resource.get("DeletionPolicy", "Delete")
            for logical_id, resource in self.templates[spec]["Resources"].items()
            if resource["Type"] == self.kind.resource_type and self._own(resource.get("Properties", {}), logical_id)
        ]
        return str(policy)

    def requests(self, request_type: str, status: str) -> list[Entry]:
        """The journaled requests of ``request_type`` to the kind's resource sent in ``status``."""
        return [e for e in self.entries if e.type == request_type and e.status == status and self.own(e)]

    def left(self) -> set[str]:
        """What of this kind the stack's ownership tags name in the fake now (``Profile.left``)."""
        return self.profile.left(self.fake, STACK_NAME)

    def declared(self) -> set[str]:
        """The physical ids of the kind's resources the stack holds now (a kind that makes nothing: none)."""
        if not self.kind.create_operation:
            return set()
        return {
            resource.physical_resource_id
            for logical_id, resource in self.stack.resources.items()
            if logical_id not in self.stack.resource_types and self._own(resource.properties, logical_id)
        }

    def _declared_in(self, template: dict[str, Any]) -> int:
        if not self.kind.create_operation:
            return 0
        return sum(
            1
            for logical_id, resource in template.get("Resources", {}).items()
            if resource["Type"] == self.kind.resource_type and self._own(resource.get("Properties", {}), logical_id)
        )

    def excuse(self, physical_id: str, *, phase: str | None = None, retained: bool | None = None) -> str:
        """The named keep that allows ``physical_id`` to be left, or "".

        ``phase`` is that of the Delete that answered SUCCESS (default: the recorded one); ``retained`` whether
        CloudFormation kept it without sending a Delete (default: no Delete was ever sent for it).
        """
        reason = self.profile.kept(self.fake, physical_id)
        phase = self.deleted.get(physical_id) if phase is None else phase
        if reason == COMMITMENT and COMMITMENT in self.keeps:
            return reason
        if reason == UNFINISHED and UNFINISHED in self.keeps and phase in MUST_NOT_FAIL:
            return reason
        retained = physical_id not in self.delete_requested if retained is None else retained
        return RETAIN if retained and RETAIN in self.keeps else ""

    def check(self, entries: list[Entry], before: set[str], succeeded: bool, template: dict[str, Any]) -> None:
        """Invariants 1 to 5 (see the module) for one stack operation's requests and what it left."""
        kind, problems = self.kind, []
        for entry in entries:
            if entry.status in MUST_NOT_FAIL and not entry.response.ok:
                problems.append(f"(1) a request of a rollback or clean-up phase failed: {entry.describe()}")
            bought = kind.create_operation and any(
                call.operation == kind.create_operation and call.status < 300 for call in entry.calls
            )
            answered = entry.response.physical_resource_id
            if (
                bought
                and entry.type != "Delete"
                and (
                    answered == CREATE_FAILED_MARKER
                    or kind.arn_marker not in answered
                    or (entry.type == "Update" and answered == entry.physical_id)
                )
            ):
                problems.append(f"(2) {kind.create_operation} answered 2xx, then: {entry.describe()}")
            properties = entry.request.get("ResourceProperties") or {}
            if entry.type == "Delete" and entry.response.ok and entry.physical_id in entry.left:
                retain = not kind.deletes(properties)
                if self.own(entry) and not self.excuse(entry.physical_id, phase=entry.status, retained=retain):
                    problems.append(f"(3) a Delete answered SUCCESS and left the resource: {entry.describe()}")
            for line in self.logs:
                if CloudFormationStack.response_url_signature(str(entry.request["RequestId"])) in line:
                    problems.append(f"(5) a log line holds the ResponseURL's signature: {line[:200]!r}")
        after, declared = self.profile.left(self.fake, STACK_NAME), self.declared()
        kept = {physical_id for physical_id in after - declared if self.excuse(physical_id)}
        orphans = after - declared - kept
        if orphans:
            problems.append(f"(4) left in the fake, owned by the stack, that it no longer declares: {sorted(orphans)}")
        if succeeded:
            if declared - after:
                problems.append(f"(4) declared by the stack but not in the fake: {sorted(declared - after)}")
            if len(declared) != self._declared_in(template):
                problems.append(
                    f"(4) the stack holds {sorted(declared)}; its template declares {self._declared_in(template)}"
                )
        elif len(after - kept) > len(before):
            problems.append(f"(4) a rollback left more than before: {sorted(before)} -> {sorted(after - kept)}")
        problems += [f"(5) a log line holds a whole event: {line[:200]!r}" for line in self.logs if _whole_event(line)]
        if problems:
            raise AssertionError(self.context(problems))

    def context(self, problems: list[str]) -> str:
        return "\n".join(
            [
                f"{self.kind.name}: after {' -> '.join(self.operations)}",
                *problems,
                "requests:",
                *(f"  {entry.describe()}" for entry in self.entries),
            ]
        )

    # ------------------------------------------------------------------ reading what happened

    def calls_in(self, operation: str) -> list[tuple[str, int]]:
        """(stack status, HTTP status) of every call of ``operation`` the journaled requests made."""
        return [
            (entry.status, call.status) for entry in self.entries for call in entry.calls if call.operation == operation
        ]


def _whole_event(line: str) -> bool:
    return any(marker in line for marker in WHOLE_EVENT_MARKERS)
