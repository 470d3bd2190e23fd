"""A fake AWS account-Region for the code under test: Amazon Bedrock, and what a stack of it calls, on loopback.

:class:`FakeBedrock` holds the account's state and the knobs of its behaviour; what it answers comes from
the services it is composed of (``services``, default :data:`DEFAULT_SERVICES`), one module each under
:mod:`.aws`: Bedrock's model copy and custom models (:mod:`.aws.bedrock`), deployments, Provisioned
Throughput and InvokeModel (:mod:`.aws.serving`), Custom Model Import (:mod:`.aws.imports`),
CloudFormation's stack reads and SignalResource (:mod:`.aws.cloudformation`) and the Step Functions API
(:mod:`.aws.stepfunctions`). One server
(:mod:`.aws.server`) speaks each protocol (REST-JSON, JSON 1.0, the query protocol's XML), so code under
test uses real boto3 clients pointed at it (``AWS_ENDPOINT_URL_BEDROCK`` and the like). Copy durations and
outcomes are scripted against a simulated :class:`Clock`; faults can be injected per operation; every call
is recorded.

IAM mode: give it the handler role's policies (:class:`~.iam.PolicySet`, e.g. from
:func:`~.iam.handler_role_policies` of a synthesized template) and every call is authorized first, with
the action, resource ARN and condition keys IAM would use (``aws:RequestedRegion``, ``aws:ResourceTag/*``,
``aws:RequestTag/*``, ``aws:TagKeys``); a call no statement allows is answered AccessDenied. Other roles
(the copy watcher state machine's) are told apart by their access key id (``role_iam``), as IAM tells
principals apart.

To fake one more service, write a class with ``route``, ``authorize`` and ``handle``
(:class:`~.aws.service.Service`) that takes the fake, and list it:
``FakeBedrock(services=(*DEFAULT_SERVICES, MyService))``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._shared import Clock as Clock  # kept importable from here
from ._shared import short_id
from .aws import bedrock, server
from .aws.bedrock import Bedrock, CopyJob, CopyScript, CustomModel
from .aws.cloudformation import CloudFormation, WaitConditionState, find_stack
from .aws.imports import Imports
from .aws.server import Fault, RecordedCall
from .aws.service import Service
from .aws.serving import Serving
from .aws.stepfunctions import StepFunctions, StepFunctionsApi
from .cfn.exports import Export
from .iam import PolicySet

__all__ = ["DEFAULT_SERVICES", "Clock", "CopyJob", "CustomModel", "FakeBedrock", "RecordedCall", "WaitConditionState"]

DEFAULT_REGION = "us-west-2"
DEFAULT_ACCOUNT = "111122223333"
ServiceFactory = Callable[["FakeBedrock"], Service]
S = TypeVar("S")
# The services every fake has unless told otherwise, asked in this order (imports and serving first: each claims
# the tag calls on its own ARNs and the invocations of what it serves, Bedrock the rest).
DEFAULT_SERVICES: tuple[ServiceFactory, ...] = (Imports, Serving, Bedrock, CloudFormation, StepFunctionsApi)


@dataclass
class FakeBedrock:
    """The fake account's state and behaviour (serve it with :meth:`serve`).

    Parameters
    ----------
    region, account : str
        Where the fake lives (ARNs it makes use them).
    clock : Clock
        Simulated time; copies finish when it passes their scripted duration.
    default_copy_duration : float
        Seconds a copy takes unless :meth:`script_copy` says otherwise.
    page_size : int
        ListModelCopyJobs page size when the caller sets no maxResults.
    iam : PolicySet or None
        The handler role's policies; when set, every call is authorized as IAM would.
    stack_statuses : dict
        StackId -> StackStatus, answered by DescribeStacks (the driver keeps it current).
    job_arn_style : str
        ``"documented"`` (``model-copy-job/<12 chars>``) or ``"example"``
        (``model-copy-job/<base-model>/<12 chars>``, as the API reference's own
        example, with colons and slashes).
    remember_tokens : bool
        Whether a repeated ``clientRequestToken`` returns the first job. How long Bedrock remembers a
        token is unconfirmed (docs/aws-behaviour.md, M3), so by default the fake remembers none (the
        answer harder for the code): every Create is new.
    services : tuple
        What the fake answers: each item is called with the fake and gives a :class:`~.aws.service.Service`.
    """

    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    clock: Clock = field(default_factory=Clock)
    default_copy_duration: float = 600.0
    page_size: int = 3
    iam: PolicySet | None = None
    stack_statuses: dict[str, str] = field(default_factory=dict)
    job_arn_style: str = "documented"
    max_concurrent_jobs: int | None = None
    remember_tokens: bool = False
    # Unconfirmed in public sources: whether a copy job carries targetModelTags as tags of its own. By default
    # the fake takes the answer harder for the code: a job carries only tags TagResource put on it (none:
    # TagResource takes no model-copy-job ARN), so IAM's aws:ResourceTag on a job sees nothing. True flips it.
    job_tags_from_target_model_tags: bool = False
    # Unconfirmed (docs/aws-behaviour.md T8): whether Bedrock also authorizes a create's tags (targetModelTags,
    # a serving create's tags) as bedrock:TagResource on the new resource. By default the fake takes the answer
    # harder for the policy: it does, with the request's tags and no resource tags yet. False: only the create.
    create_tags_as_tag_resource: bool = True
    # Actions denied to the copy watcher's role whatever its policies say (a permissions boundary or SCP).
    watcher_denied_actions: set[str] = field(default_factory=set)
    role_iam: dict[str, PolicySet] = field(default_factory=dict)
    step_functions: StepFunctions | None = None
    wait_conditions: dict[tuple[str, str], WaitConditionState] = field(default_factory=dict)
    # StackId -> the driver's CloudFormationStack (or {logical id: (type, physical id)}), for ListStackResources.
    stacks: dict[str, Any] = field(default_factory=dict)
    # Export name -> what a stack of the driver exported (CloudFormation's exports of this account and Region).
    exports: dict[str, Export] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)
    jobs: dict[str, CopyJob] = field(default_factory=dict)
    models: dict[str, CustomModel] = field(default_factory=dict)
    missing_sources: set[str] = field(default_factory=set)
    services: Sequence[ServiceFactory] = DEFAULT_SERVICES
    copy_scripts: dict[str, CopyScript] = field(default_factory=dict)
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _active: tuple[Service, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._active = tuple(make(self) for make in self.services)

    @property
    def active_services(self) -> tuple[Service, ...]:
        """The services this fake answers with, in the order they are asked."""
        return self._active

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def service(self, kind: type[S]) -> S:
        """This fake's service of class ``kind`` (``fake.service(Serving)``)."""
        found = next((service for service in self._active if isinstance(service, kind)), None)
        if found is None:
            raise LookupError(f"this fake has no {kind.__name__} service: list it in FakeBedrock(services=...)")
        return found

    @property
    def serving(self) -> Serving:
        """Custom model deployments and Provisioned Throughput (:mod:`.aws.serving`)."""
        return self.service(Serving)

    @property
    def imports(self) -> Imports:
        """Custom Model Import: import jobs and imported models (:mod:`.aws.imports`)."""
        return self.service(Imports)

    # ------------------------------------------------------------------ scripting

    def script_copy(
        self, target_model_name: str, *, duration: float, outcome: str = "Completed", failure_message: str = ""
    ) -> None:
        """Make the next copies to ``target_model_name`` take ``duration`` seconds and end in ``outcome``."""
        self.copy_scripts[target_model_name] = CopyScript(duration, outcome, failure_message)

    def inject_fault(
        self,
        operation: str,
        code: str = "ThrottlingException",
        *,
        status: int = 429,
        times: int = 1,
        message: str = "",
        during: str = "",
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` with an error.

        ``code="ConnectionReset"`` closes the connection without an answer instead. With ``during``
        (a stack status such as ``"UPDATE_ROLLBACK_IN_PROGRESS"``) the fault waits, unspent, until a
        stack of the driver is in that status.
        """
        fault = Fault(code, status, message or f"Injected {code}", times, during)
        self._faults.setdefault(operation, []).append(fault)

    def take_fault(self, operation: str) -> Fault | None:
        """The fault that answers this call of ``operation`` (spent by one), if any."""
        queue = self._faults.get(operation) or []
        while queue and queue[0].times <= 0:
            queue.pop(0)
        if not queue or (queue[0].during and queue[0].during not in self.stack_statuses.values()):
            return None
        queue[0].times -= 1
        return queue[0]

    def add_job(
        self,
        *,
        source_model_arn: str,
        target_model_name: str,
        started_ago: float = 0.0,
        duration: float | None = None,
        outcome: str = "Completed",
        failure_message: str = "",
        tags: dict[str, str] | None = None,
        kms_key: str = "",
    ) -> str:
        """Add a copy job started elsewhere (console, CLI, an earlier deploy); returns its ARN."""
        with self._lock:
            script = CopyScript(self.default_copy_duration if duration is None else duration, outcome, failure_message)
            job = bedrock.new_job(self, source_model_arn, target_model_name, kms_key, tags or {}, script)
            job.created_at = self.clock.time() - started_ago
            return job.job_arn

    def add_model(self, model_name: str, *, tags: dict[str, str] | None = None) -> str:
        """Add a custom model that no copy job made; returns its ARN."""
        with self._lock:
            arn = (
                f"arn:aws:bedrock:{self.region}:{self.account}:custom-model/"
                f"amazon.nova-lite-v1:0:300k/{short_id(model_name)}"
            )
            self.models[arn] = CustomModel(arn, model_name, "", dict(tags or {}), self.clock.time())
            return arn

    def calls_to(self, operation: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.operation == operation]

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def model_named(self, name: str) -> CustomModel | None:
        with self._lock:
            self.settle()
            return next((model for model in self.models.values() if model.model_name == name), None)

    def settle(self) -> None:
        """Bring the account up to the clock: the models of copies that have completed by now exist."""
        bedrock.settle(self.jobs, self.models, self.clock.time())

    def find_stack(self, name_or_id: str) -> str | None:
        """The id of the stack CloudFormation would find by name or id (the newest that is not deleted)."""
        return find_stack(self.stack_statuses, name_or_id)

    # ------------------------------------------------------------------ serving

    def serve(self) -> AbstractContextManager[str]:
        """Serve on 127.0.0.1 (a free port) for the duration of the block; yields the endpoint URL."""
        return server.serve(lambda _headers: self, name="fake-bedrock")

    def handle(
        self, method: str, raw_path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes | None, str, str]:
        """Answer one request; returns (status, body or None to drop the connection, content type, operation)."""
        return server.answer(self, server.request_of(method, raw_path, body, headers or {}))
