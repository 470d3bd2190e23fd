"""A fake Amazon Bedrock control plane for the model-copy operations, on loopback.

It speaks Bedrock's REST-JSON protocol (paths, status codes, ``x-amzn-ErrorType``,
JSON bodies, URL-encoded ARNs in paths), so code under test uses a real boto3
client pointed at it with ``AWS_ENDPOINT_URL_BEDROCK``. Copy durations and
outcomes are scripted against a simulated :class:`Clock`; faults can be
injected per operation; every call is recorded.

Operations: CreateModelCopyJob, GetModelCopyJob, ListModelCopyJobs,
GetCustomModel, DeleteCustomModel, TagResource, UntagResource,
ListTagsForResource; CloudFormation's DescribeStacks (query protocol, XML), which
answers with the status the driver sets for each stack operation phase, and
SignalResource, which signals the WaitConditions the driver is creating; and Step
Functions' StartExecution (JSON 1.0), handed to :class:`~.states.StepFunctions`.

IAM mode: give it the handler role's policies (:class:`~.iam.PolicySet`, e.g. from
:func:`~.iam.handler_role_policies` of a synthesized template) and every call is
authorized first, with the action, resource ARN and condition keys IAM would use
(``aws:RequestedRegion``, ``aws:ResourceTag/*``, ``aws:RequestTag/*``,
``aws:TagKeys``); a call no statement allows is answered AccessDenied. Other roles
(the copy watcher state machine's) are told apart by their access key id
(``role_iam``), as IAM tells principals apart.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from . import fake_serving
from ._shared import Clock as Clock  # kept importable from here
from ._shared import iso, short_id
from .iam import ContextValue, PolicySet

if TYPE_CHECKING:
    from .states import StepFunctions

# More calls answered before the fake's own (fake_fleet registers its own on import; the testing package imports
# it, so every fake answers them): (fake, method, URL split, body, lower-cased headers, policies) -> answer or None.
EXTENSIONS: list[Callable[..., tuple[int, bytes | None, str, str] | None]] = []

_iso, _short_id = iso, short_id  # the names fake_fleet imports from here
DEFAULT_REGION = "us-west-2"
DEFAULT_ACCOUNT = "111122223333"


@dataclass
class Fault:
    """An error the fake returns instead of handling the call, ``times`` times (only while a stack is ``during``)."""

    code: str
    status: int
    message: str
    times: int
    during: str = ""


@dataclass
class RecordedCall:
    """One request the fake received."""

    operation: str
    params: dict[str, Any]
    status: int
    at: float


@dataclass
class CopyScript:
    """How a copy job for a given target name behaves."""

    duration: float
    outcome: str = "Completed"
    failure_message: str = ""


@dataclass
class CopyJob:
    job_arn: str
    source_model_arn: str
    target_model_name: str
    target_model_arn: str
    kms_key_arn: str
    tags: list[dict[str, str]]
    created_at: float
    script: CopyScript
    token: str = ""
    request_fingerprint: str = ""
    model_settled: bool = False  # its model appeared once; a later delete must not revive it

    def status(self, now: float) -> str:
        return "InProgress" if now < self.created_at + self.script.duration else self.script.outcome


@dataclass
class CustomModel:
    model_arn: str
    model_name: str
    base_model_arn: str
    tags: dict[str, str]
    created_at: float
    kms_key_arn: str = ""


@dataclass
class Signal:
    """One SignalResource a WaitCondition received."""

    unique_id: str
    status: str
    at: float


@dataclass
class WaitConditionState:
    """A WaitCondition with a CreationPolicy, as CloudFormation keeps it while creating it."""

    stack_id: str
    logical_id: str
    count: int
    status: str = "CREATE_IN_PROGRESS"
    signals: list[Signal] = field(default_factory=list)
    metadata: dict[str, Any] | None = None  # the template's Metadata (DescribeStackResource returns it as text)
    resource_type: str = "AWS::CloudFormation::WaitCondition"

    @property
    def successes(self) -> int:
        return len({s.unique_id for s in self.signals if s.status == "SUCCESS"})

    @property
    def failure(self) -> Signal | None:
        return next((s for s in self.signals if s.status == "FAILURE"), None)


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
JSON_TYPE = "application/json"
XML_TYPE = "text/xml"

# The request parameter that names the resource IAM authorizes, per operation the IAM mode checks.
_RESOURCE_PARAM = {
    "CreateModelCopyJob": "sourceModelArn",
    "GetModelCopyJob": "jobArn",
    "ListModelCopyJobs": "",
    "GetCustomModel": "modelIdentifier",
    "DeleteCustomModel": "modelIdentifier",
    "ListTagsForResource": "resourceARN",
    "TagResource": "resourceARN",
    "UntagResource": "resourceARN",
}


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value).encode()


def _denied(action: str, resource: str) -> str:
    return (
        "User: arn:aws:sts::111122223333:assumed-role/HandlerRole/handler is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the {action} action"
    )


class BedrockError(Exception):
    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


@dataclass
class FakeBedrock:
    """The fake service's state and behaviour (serve it with :meth:`serve`).

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
    # Actions denied to the copy watcher's role whatever its policies say (a permissions boundary or SCP).
    watcher_denied_actions: set[str] = field(default_factory=set)
    role_iam: dict[str, PolicySet] = field(default_factory=dict)
    step_functions: StepFunctions | None = None
    wait_conditions: dict[tuple[str, str], WaitConditionState] = field(default_factory=dict)
    # StackId -> the driver's CloudFormationStack (or {logical id: (type, physical id)}), for ListStackResources.
    stacks: dict[str, Any] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)
    jobs: dict[str, CopyJob] = field(default_factory=dict)
    models: dict[str, CustomModel] = field(default_factory=dict)
    missing_sources: set[str] = field(default_factory=set)
    _scripts: dict[str, CopyScript] = field(default_factory=dict)
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _serving: fake_serving.FakeServing | None = field(default=None, repr=False)

    @property
    def serving(self) -> fake_serving.FakeServing:
        """Custom model deployments and Provisioned Throughput (:mod:`.fake_serving`), created on first use."""
        if self._serving is None:
            self._serving = fake_serving.FakeServing(self)
        return self._serving

    def _serves(self, operation: str, params: dict[str, Any]) -> bool:
        resource = str(params.get("resourceARN", ""))
        return operation in fake_serving.OPERATIONS or (
            operation in fake_serving.TAG_OPERATIONS and self.serving.owns(resource)
        )

    # ------------------------------------------------------------------ scripting

    def script_copy(
        self, target_model_name: str, *, duration: float, outcome: str = "Completed", failure_message: str = ""
    ) -> None:
        """Make the next copies to ``target_model_name`` take ``duration`` seconds and end in ``outcome``."""
        self._scripts[target_model_name] = CopyScript(duration, outcome, failure_message)

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
            job = self._new_job(source_model_arn, target_model_name, kms_key, tags or {}, script)
            job.created_at = self.clock.time() - started_ago
            return job.job_arn

    def add_model(self, model_name: str, *, tags: dict[str, str] | None = None) -> str:
        """Add a custom model that no copy job made; returns its ARN."""
        with self._lock:
            arn = (
                f"arn:aws:bedrock:{self.region}:{self.account}:custom-model/"
                f"amazon.nova-lite-v1:0:300k/{_short_id(model_name)}"
            )
            self.models[arn] = CustomModel(arn, model_name, "", dict(tags or {}), self.clock.time())
            return arn

    def calls_to(self, operation: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.operation == operation]

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def model_named(self, name: str) -> CustomModel | None:
        with self._lock:
            self._settle()
            return next((model for model in self.models.values() if model.model_name == name), None)

    # ------------------------------------------------------------------ serving

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on 127.0.0.1 (a free port) for the duration of the block; yields the endpoint URL."""
        fake = self

        class Handler(_RequestHandler):
            service = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-bedrock", daemon=True
        )
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, raw_path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes | None, str, str]:
        """Route one request; returns (status, body or None to drop the connection, content type, operation)."""
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        found = _CREDENTIAL.search(headers.get("authorization", ""))
        policies = self.role_iam.get(found.group(1), self.iam) if found else self.iam
        split = urlsplit(raw_path)
        for extension in EXTENSIONS:  # the operator's read calls (fake_fleet)
            extra = extension(self, method, split, body, headers, policies)
            if extra is not None:
                return extra
        if split.path == "/" and method == "POST" and body.startswith(b"Action="):
            return self._handle_cloudformation(body, policies)
        if headers.get("x-amz-target", "").startswith("AWSStepFunctions."):
            return self._handle_states(headers["x-amz-target"].split(".", 1)[1], body, policies)
        path, query = split.path, {key: values[0] for key, values in parse_qs(split.query).items()}
        payload = json.loads(body) if body else {}
        operation, params = self._route(method, path, query, payload)
        with self._lock:
            fault = self._take_fault(operation)
            if fault is not None:
                status = 0 if fault.code == "ConnectionReset" else fault.status
                self.calls.append(RecordedCall(operation, params, status, self.clock.time()))
                if fault.code == "ConnectionReset":
                    return 0, None, "", operation
                return fault.status, _json({"__type": fault.code, "message": fault.message}), JSON_TYPE, operation
            try:
                self._settle()
                self._authorize(operation, params, policies)
                status, result = self._dispatch(operation, params)
            except BedrockError as error:
                status, result = error.status, {"__type": error.code, "message": error.message}
            self.calls.append(RecordedCall(operation, params, status, self.clock.time()))
            return status, _json(result), JSON_TYPE, operation

    def _handle_states(
        self, operation: str, body: bytes, policies: PolicySet | None
    ) -> tuple[int, bytes | None, str, str]:
        """Step Functions (JSON 1.0 protocol): StartExecution, ListExecutions, StopExecution,
        DescribeExecution and GetExecutionHistory (:mod:`.execution_history`), answered by
        :attr:`step_functions` after IAM (``states:<operation>`` on the state machine, or on the
        execution for Stop, Describe and GetExecutionHistory)."""
        from .states import StatesError

        params = json.loads(body or b"{}")
        json_type = "application/x-amz-json-1.0"
        with self._lock:
            resource = params.get("stateMachineArn") or params.get("executionArn", "")
            fault = self._take_fault(operation)
            status, result = 200, dict[str, Any]()
            handlers = {
                "StartExecution": self._start_execution,
                "ListExecutions": self._list_executions,
                "StopExecution": self._stop_execution,
                "DescribeExecution": self._describe_execution,
                "GetExecutionHistory": self._get_execution_history,
            }
            if fault is not None:
                status, result = fault.status, {"__type": fault.code, "message": fault.message}
            elif operation not in handlers or self.step_functions is None:
                status, result = 400, {"__type": "UnknownOperationException", "message": f"No {operation} here"}
            elif policies is not None and not policies.is_allowed(
                f"states:{operation}", resource, {"aws:RequestedRegion": self.region}
            ):
                status, result = (
                    400,
                    {"__type": "AccessDeniedException", "message": _denied(f"states:{operation}", resource)},
                )
            else:
                try:
                    result = handlers[operation](params)
                except StatesError as error:
                    status, result = 400, {"__type": error.name, "message": error.cause}
            self.calls.append(RecordedCall(operation, params, status, self.clock.time()))
            return status, _json(result), json_type, operation

    def _start_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.step_functions is not None
        execution = self.step_functions.start_execution(
            params["stateMachineArn"], params["name"], params.get("input", "{}")
        )
        return {"executionArn": execution.arn, "startDate": execution.started}

    def _list_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.step_functions is not None
        executions = self.step_functions.list_executions(params["stateMachineArn"], params.get("statusFilter"))
        start, size = int(params.get("nextToken") or 0), int(params.get("maxResults") or 100)
        page: dict[str, Any] = {"executions": [self._execution_summary(e) for e in executions[start : start + size]]}
        if start + size < len(executions):
            page["nextToken"] = str(start + size)
        return page

    def _stop_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.step_functions is not None
        self.step_functions.stop_execution(params["executionArn"], params.get("error", ""), params.get("cause", ""))
        return {"stopDate": self.clock.time()}

    def _describe_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.step_functions is not None
        execution = self.step_functions.describe_execution(params["executionArn"])
        body = self._execution_summary(execution)
        body["input"] = json.dumps(execution.input)
        if execution.status == "SUCCEEDED":
            body["output"] = json.dumps(execution.output)
        if execution.error_name:
            body["error"] = execution.error_name
        if execution.cause:
            body["cause"] = execution.cause
        return body

    def _get_execution_history(self, params: dict[str, Any]) -> dict[str, Any]:
        from .execution_history import page

        assert self.step_functions is not None
        return page(self.step_functions.describe_execution(params["executionArn"]), params)

    @staticmethod
    def _execution_summary(execution: Any) -> dict[str, Any]:
        body = {
            "executionArn": execution.arn,
            "stateMachineArn": execution.state_machine.arn,
            "name": execution.name,
            "status": execution.status,
            "startDate": execution.started,
        }
        if execution.status != "RUNNING":
            body["stopDate"] = execution.stopped
        return body

    def find_stack(self, name_or_id: str) -> str | None:
        """The id of the stack CloudFormation would find by name or id (the newest that is not deleted)."""
        if name_or_id in self.stack_statuses:
            return None if self.stack_statuses[name_or_id] == "DELETE_COMPLETE" else name_or_id
        live = [
            stack_id
            for stack_id, status in self.stack_statuses.items()
            if stack_id.split(":stack/", 1)[-1].split("/", 1)[0] == name_or_id and status != "DELETE_COMPLETE"
        ]
        return live[-1] if live else None

    def _signal_resource(self, params: dict[str, str]) -> tuple[int, str, str]:
        """SignalResource: (status, error code, message); 200 when the WaitCondition took the signal."""
        stack_name = params.get("StackName", "")
        stack_id = self.find_stack(stack_name)
        if stack_id is None:
            return 400, "ValidationError", f"Stack {stack_name} does not exist"
        logical_id = params.get("LogicalResourceId", "")
        wait = self.wait_conditions.get((stack_id, logical_id))
        if wait is None:
            return 400, "ValidationError", f"Resource {logical_id} does not exist for stack {stack_name}"
        if wait.status != "CREATE_IN_PROGRESS":
            return 400, "ValidationError", f"Resource {logical_id} is in {wait.status} state and can not be signaled"
        unique_id, status = params.get("UniqueId", ""), params.get("Status", "")
        if not 1 <= len(unique_id) <= 64 or status not in ("SUCCESS", "FAILURE"):
            return 400, "ValidationError", "UniqueId must be 1 to 64 characters and Status SUCCESS or FAILURE"
        wait.signals.append(Signal(unique_id, status, self.clock.time()))
        return 200, "", ""

    def _describe_stack_resource(self, params: dict[str, str]) -> tuple[int, str, str, str]:
        """DescribeStackResource of a WaitCondition the driver created: (status, code, message, XML body).

        A resource CloudFormation has not started creating is unknown (the conservative answer: the
        documentation does not say what it answers before then), as after it was deleted.
        """
        stack_name = params.get("StackName", "")
        stack_id = self.find_stack(stack_name)
        logical_id = params.get("LogicalResourceId", "")
        wait = self.wait_conditions.get((stack_id or "", logical_id))
        if stack_id is None or wait is None or wait.status == "DELETE_COMPLETE":
            message = f"Resource {logical_id} does not exist for stack {stack_name}"
            return 400, "ValidationError", message, ""
        metadata = "" if wait.metadata is None else f"<Metadata>{escape(json.dumps(wait.metadata))}</Metadata>"
        name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0]
        detail = (
            f"<StackName>{escape(name)}</StackName><StackId>{escape(stack_id)}</StackId>"
            f"<LogicalResourceId>{escape(logical_id)}</LogicalResourceId>"
            f"<PhysicalResourceId>{escape(stack_id + '/' + logical_id)}</PhysicalResourceId>"
            f"<ResourceType>{escape(wait.resource_type)}</ResourceType>"
            f"<LastUpdatedTimestamp>{_iso(self.clock.time())}</LastUpdatedTimestamp>"
            f"<ResourceStatus>{wait.status}</ResourceStatus>{metadata}"
        )
        xml = (
            '<DescribeStackResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
            f"<DescribeStackResourceResult><StackResourceDetail>{detail}</StackResourceDetail>"
            "</DescribeStackResourceResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
            "</DescribeStackResourceResponse>"
        )
        return 200, "", "", xml

    def _handle_cloudformation(self, body: bytes, policies: PolicySet | None) -> tuple[int, bytes | None, str, str]:
        params = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        operation = params.get("Action", "")
        with self._lock:
            fault = self._take_fault(operation)
            stack_id = params.get("StackName", "")
            if fault is not None:
                status, code, message = fault.status, fault.code, fault.message
            elif operation == "SignalResource":
                target = self.find_stack(stack_id) or stack_id
                if policies is not None and not policies.is_allowed(
                    "cloudformation:SignalResource", target, {"aws:RequestedRegion": self.region}
                ):
                    status, code, message = 403, "AccessDenied", _denied("cloudformation:SignalResource", target)
                else:
                    status, code, message = self._signal_resource(params)
                if status == 200:
                    self.calls.append(RecordedCall(operation, params, 200, self.clock.time()))
                    xml = (
                        '<SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                        "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></SignalResourceResponse>"
                    )
                    return 200, xml.encode(), XML_TYPE, operation
            elif operation == "DescribeStackResource":
                target = self.find_stack(stack_id) or stack_id
                if policies is not None and not policies.is_allowed(
                    "cloudformation:DescribeStackResource", target, {"aws:RequestedRegion": self.region}
                ):
                    status, code, message = 403, "AccessDenied", _denied("cloudformation:DescribeStackResource", target)
                else:
                    status, code, message, xml = self._describe_stack_resource(params)
                    if status == 200:
                        self.calls.append(RecordedCall(operation, params, 200, self.clock.time()))
                        return 200, xml.encode(), XML_TYPE, operation
            elif operation != "DescribeStacks":
                status, code, message = 400, "InvalidAction", f"The fake does not implement {operation}"
            elif policies is not None and not policies.is_allowed(
                "cloudformation:DescribeStacks", stack_id, {"aws:RequestedRegion": self.region}
            ):
                status, code, message = 403, "AccessDenied", _denied("cloudformation:DescribeStacks", stack_id)
            elif stack_id not in self.stack_statuses:
                status, code, message = 400, "ValidationError", f"Stack with id {stack_id} does not exist"
            else:
                self.calls.append(RecordedCall(operation, params, 200, self.clock.time()))
                name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0]
                member = (
                    f"<member><StackName>{escape(name)}</StackName><StackId>{escape(stack_id)}</StackId>"
                    f"<CreationTime>{_iso(self.clock.time())}</CreationTime>"
                    f"<StackStatus>{self.stack_statuses[stack_id]}</StackStatus></member>"
                )
                xml = (
                    '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                    f"<DescribeStacksResult><Stacks>{member}</Stacks></DescribeStacksResult>"
                    "<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStacksResponse>"
                )
                return 200, xml.encode(), XML_TYPE, operation
            self.calls.append(RecordedCall(operation, params, status, self.clock.time()))
            xml = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
                "</Error><RequestId>fake</RequestId></ErrorResponse>"
            )
            return status, xml.encode(), XML_TYPE, operation

    # ------------------------------------------------------------------ IAM mode

    def _authorize(self, operation: str, params: dict[str, Any], policies: PolicySet | None) -> None:
        """Answer AccessDenied where the calling role's policies would not allow the call."""
        if self._serves(operation, params):
            try:
                return self.serving.authorize(operation, params, policies)
            except fake_serving.ServingError as error:
                raise BedrockError(error.code, error.status, error.message) from error
        if policies is None or operation not in _RESOURCE_PARAM:
            return
        resource = "*"
        context: dict[str, ContextValue] = {"aws:RequestedRegion": self.region}
        resource_tags: dict[str, str] = {}
        request_tags: dict[str, str] = {}
        tag_keys: list[str] | None = None
        if operation == "CreateModelCopyJob":
            resource = params["sourceModelArn"]
            request_tags = {tag["key"]: tag["value"] for tag in params.get("targetModelTags", [])}
            tag_keys = list(request_tags)
        elif operation == "GetModelCopyJob":
            resource = params["jobArn"]
            job = self.jobs.get(resource)
            if job is not None and self.job_tags_from_target_model_tags:
                resource_tags = {tag["key"]: tag["value"] for tag in job.tags}
        elif operation != "ListModelCopyJobs":
            identifier = params[_RESOURCE_PARAM[operation]]
            model = self._find_model(identifier)
            resource = model.model_arn if model else self._model_arn_for(identifier)
            resource_tags = dict(model.tags) if model else {}
            if operation == "TagResource":
                request_tags = {tag["key"]: tag["value"] for tag in params.get("tags", [])}
                tag_keys = list(request_tags)
            elif operation == "UntagResource":
                tag_keys = list(params.get("tagKeys", []))
        context.update({f"aws:ResourceTag/{key}": value for key, value in resource_tags.items()})
        context.update({f"aws:RequestTag/{key}": value for key, value in request_tags.items()})
        if tag_keys is not None:
            context["aws:TagKeys"] = tag_keys
        action = f"bedrock:{operation}"
        if not policies.is_allowed(action, resource, context):
            raise BedrockError("AccessDeniedException", 403, _denied(action, resource))

    def _model_arn_for(self, identifier: str) -> str:
        if identifier.startswith("arn:"):
            return identifier
        return f"arn:aws:bedrock:{self.region}:{self.account}:custom-model/{identifier}"

    def _route(
        self, method: str, path: str, query: dict[str, str], payload: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        served = fake_serving.route(method, path, query, payload)
        if served is not None:
            return served
        if path == "/model-copy-jobs" and method == "POST":
            return "CreateModelCopyJob", payload
        if path == "/model-copy-jobs" and method == "GET":
            return "ListModelCopyJobs", query
        if path.startswith("/model-copy-jobs/") and method == "GET":
            return "GetModelCopyJob", {"jobArn": unquote(path[len("/model-copy-jobs/") :])}
        if path.startswith("/custom-models/") and method == "GET":
            return "GetCustomModel", {"modelIdentifier": unquote(path[len("/custom-models/") :])}
        if path.startswith("/custom-models/") and method == "DELETE":
            return "DeleteCustomModel", {"modelIdentifier": unquote(path[len("/custom-models/") :])}
        if path == "/tagResource" and method == "POST":
            return "TagResource", payload
        if path == "/untagResource" and method == "POST":
            return "UntagResource", payload
        if path == "/listTagsForResource" and method == "POST":
            return "ListTagsForResource", payload
        return f"Unknown {method} {path}", payload

    def _take_fault(self, operation: str) -> Fault | None:
        queue = self._faults.get(operation) or []
        while queue and queue[0].times <= 0:
            queue.pop(0)
        if not queue or (queue[0].during and queue[0].during not in self.stack_statuses.values()):
            return None
        queue[0].times -= 1
        return queue[0]

    def _dispatch(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._serves(operation, params):
            try:
                return self.serving.dispatch(operation, params)
            except fake_serving.ServingError as error:
                raise BedrockError(error.code, error.status, error.message) from error
        handlers = {
            "CreateModelCopyJob": self._create_job,
            "GetModelCopyJob": self._get_job,
            "ListModelCopyJobs": self._list_jobs,
            "GetCustomModel": self._get_model,
            "DeleteCustomModel": self._delete_model,
            "TagResource": self._tag,
            "UntagResource": self._untag,
            "ListTagsForResource": self._list_tags,
        }
        if operation not in handlers:
            raise BedrockError("UnknownOperationException", 404, f"The fake does not implement {operation}")
        return handlers[operation](params)

    # ------------------------------------------------------------------ state

    def _settle(self) -> None:
        """Materialize the models of jobs that have completed by now."""
        now = self.clock.time()
        for job in self.jobs.values():
            if job.status(now) == "Completed" and not job.model_settled:
                self.models[job.target_model_arn] = CustomModel(
                    job.target_model_arn,
                    job.target_model_name,
                    job.source_model_arn,
                    {tag["key"]: tag["value"] for tag in job.tags},
                    job.created_at + job.script.duration,
                    job.kms_key_arn,
                )
                job.model_settled = True

    def _new_job(
        self, source: str, name: str, kms_key: str, tags: dict[str, str], script: CopyScript, token: str = ""
    ) -> CopyJob:
        number = len(self.jobs) + 1
        job_id = _short_id("job", number, name)
        base = source.split(":custom-model/", 1)[-1].rsplit("/", 1)[0] if ":custom-model/" in source else "imported"
        job_path = f"{base}/{job_id}" if self.job_arn_style == "example" else job_id
        job_arn = f"arn:aws:bedrock:{self.region}:{self.account}:model-copy-job/{job_path}"
        model_arn = f"arn:aws:bedrock:{self.region}:{self.account}:custom-model/{base}/{_short_id('model', number)}"
        kms_arn = ""
        if kms_key:
            key_id = kms_key.rsplit("/", 1)[-1]
            kms_arn = kms_key if ":key/" in kms_key else f"arn:aws:kms:{self.region}:{self.account}:key/{key_id}"
        job = CopyJob(
            job_arn,
            source,
            name,
            model_arn,
            kms_arn,
            [{"key": key, "value": value} for key, value in tags.items()],
            self.clock.time(),
            script,
            token,
        )
        self.jobs[job_arn] = job
        return job

    def _job_body(self, job: CopyJob) -> dict[str, Any]:
        status = job.status(self.clock.time())
        body: dict[str, Any] = {
            "jobArn": job.job_arn,
            "status": status,
            "creationTime": _iso(job.created_at),
            "targetModelArn": job.target_model_arn,
            "targetModelName": job.target_model_name,
            "sourceAccountId": job.source_model_arn.split(":")[4] or self.account,
            "sourceModelArn": job.source_model_arn,
            "targetModelTags": job.tags,
            "sourceModelName": job.source_model_arn.rsplit("/", 1)[-1][:8] + "-source",
        }
        if job.kms_key_arn:
            body["targetModelKmsKeyArn"] = job.kms_key_arn
        if status == "Failed":
            body["failureMessage"] = job.script.failure_message or "Copy failed"
        return body

    # ------------------------------------------------------------------ operations

    def _create_job(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        source = params["sourceModelArn"]
        name = params["targetModelName"]
        tags = {tag["key"]: tag["value"] for tag in params.get("targetModelTags", [])}
        token = params.get("clientRequestToken", "")
        fingerprint = json.dumps([source, name, params.get("modelKmsKeyId", ""), sorted(tags.items())])
        for job in self.jobs.values():
            if token and self.remember_tokens and job.token == token:
                if job.request_fingerprint != fingerprint:
                    raise BedrockError(
                        "ValidationException", 400, "The client request token was already used with other parameters."
                    )
                return 201, {"jobArn": job.job_arn}
        if source in self.missing_sources:
            raise BedrockError("ResourceNotFoundException", 404, f"Could not find model {source}.")
        if len(tags) > 50:
            raise BedrockError("TooManyTagsException", 400, "A model may carry at most 50 tags.")
        now = self.clock.time()
        taken = any(model.model_name == name for model in self.models.values()) or any(
            job.target_model_name == name and job.status(now) == "InProgress" for job in self.jobs.values()
        )
        if taken:
            raise BedrockError("ConflictException", 409, f"A model with the name {name} already exists.")
        running = sum(job.status(now) == "InProgress" for job in self.jobs.values())
        if self.max_concurrent_jobs is not None and running >= self.max_concurrent_jobs:
            raise BedrockError(
                "ServiceQuotaExceededException", 400, "Concurrent model copy jobs quota exceeded for this account."
            )
        script = self._scripts.get(name, CopyScript(self.default_copy_duration))
        job = self._new_job(source, name, params.get("modelKmsKeyId", ""), tags, script, token)
        job.request_fingerprint = fingerprint
        return 201, {"jobArn": job.job_arn}

    def _get_job(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(params["jobArn"])
        if job is None:
            raise BedrockError("ResourceNotFoundException", 404, f"Model copy job {params['jobArn']} not found.")
        return 200, self._job_body(job)

    def _list_jobs(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = self.clock.time()
        jobs = list(self.jobs.values())
        if "sourceModelArnEquals" in params:
            jobs = [job for job in jobs if job.source_model_arn == params["sourceModelArnEquals"]]
        if "outputModelNameContains" in params:
            jobs = [job for job in jobs if params["outputModelNameContains"] in job.target_model_name]
        if "statusEquals" in params:
            jobs = [job for job in jobs if job.status(now) == params["statusEquals"]]
        jobs.sort(key=lambda job: job.created_at, reverse=params.get("sortOrder") == "Descending")
        start = int(params.get("nextToken", "0"))
        size = int(params.get("maxResults", self.page_size))
        page = jobs[start : start + size]
        body: dict[str, Any] = {"modelCopyJobSummaries": [self._job_body(job) for job in page]}
        if start + size < len(jobs):
            body["nextToken"] = str(start + size)
        return 200, body

    def _find_model(self, identifier: str) -> CustomModel | None:
        return self.models.get(identifier) or next(
            (model for model in self.models.values() if model.model_name == identifier), None
        )

    def _model(self, identifier: str) -> CustomModel:
        model = self._find_model(identifier)
        if model is None:
            raise BedrockError("ResourceNotFoundException", 404, f"Could not find model {identifier}.")
        return model

    def _get_model(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["modelIdentifier"])
        body = {
            "modelArn": model.model_arn,
            "modelName": model.model_name,
            "creationTime": _iso(model.created_at),
            "baseModelArn": model.base_model_arn or "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
            "modelStatus": "Active",
        }
        if model.kms_key_arn:
            body["modelKmsKeyArn"] = model.kms_key_arn
        return 200, body

    def _delete_model(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["modelIdentifier"])
        if self._serving is not None:  # a served model is refused (fake_serving.check_model_deletable)
            try:
                self._serving.check_model_deletable(model.model_arn)
            except fake_serving.ServingError as error:
                raise BedrockError(error.code, error.status, error.message) from error
        del self.models[model.model_arn]
        return 200, {}

    def _tag(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["resourceARN"])
        model.tags.update({tag["key"]: tag["value"] for tag in params.get("tags", [])})
        return 200, {}

    def _untag(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["resourceARN"])
        for key in params.get("tagKeys", []):
            model.tags.pop(key, None)
        return 200, {}

    def _list_tags(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        model = self._model(params["resourceARN"])
        return 200, {"tags": [{"key": key, "value": value} for key, value in model.tags.items()]}


class _RequestHandler(BaseHTTPRequestHandler):
    service: FakeBedrock
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, delayed ACKs add ~40 ms per call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, data, content_type, _ = self.service.handle(self.command, self.path, body, dict(self.headers))
        if data is None:  # injected connection reset
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", _short_id("request", len(self.service.calls)))
        if status >= 400 and content_type == JSON_TYPE:
            error_type = json.loads(data)["__type"]
            self.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/coral/")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815 - names http.server looks up

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read self.service.calls
        return
