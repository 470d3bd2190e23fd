"""One loopback HTTP server for the fake: each request goes to the service that claims it.

:func:`answer` does what every service shares, in AWS's order: the caller's policies are picked by
the access key id of its SigV4 credential (``role_iam``, else the fake's ``iam``), an injected fault
answers first, then IAM (each :class:`~.service.Check` the service names, with ``aws:RequestedRegion``),
then the service; every call is recorded. Answers are written in the request's protocol:
REST-JSON (``x-amzn-ErrorType``), JSON 1.0, or the query protocol's XML.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from .._shared import Clock, short_id
from ..iam import PolicySet
from .service import QUERY_NAMESPACE, Call, Request, Service, ServiceError

JSON_TYPE = "application/json"
XML_TYPE = "text/xml"
_CONTENT_TYPES = {"rest-json": JSON_TYPE, "json": "application/x-amz-json-1.0", "query": XML_TYPE}
# IAM's refusal in each protocol: (status, code).
_DENIED = {
    "rest-json": (403, "AccessDeniedException"),
    "json": (400, "AccessDeniedException"),
    "query": (403, "AccessDenied"),
}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

Answer = tuple[int, bytes | None, str, str]  # status, body (None: drop the connection), content type, operation


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


class Host(Protocol):
    """What the server reads of the fake it serves."""

    region: str
    account: str
    clock: Clock
    iam: PolicySet | None
    role_iam: dict[str, PolicySet]
    calls: list[RecordedCall]

    @property
    def lock(self) -> threading.RLock: ...

    @property
    def active_services(self) -> Sequence[Service]: ...

    def take_fault(self, operation: str) -> Fault | None: ...

    def settle(self) -> None: ...


def denied_message(account: str, action: str, resource: str) -> str:
    return (
        f"User: arn:aws:sts::{account}:assumed-role/HandlerRole/handler is not authorized to perform: "
        f"{action} on resource: {resource} because no identity-based policy allows the {action} action"
    )


def answer(host: Host, request: Request) -> Answer:
    """The fake's answer to one request."""
    found = _CREDENTIAL.search(request.headers.get("authorization", ""))
    policies = host.role_iam.get(found.group(1), host.iam) if found else host.iam
    protocol = request.protocol
    with host.lock:
        host.settle()
        service, call = _route(host.active_services, request)
        fault = host.take_fault(call.operation)
        if fault is not None:
            reset = fault.code == "ConnectionReset"
            host.calls.append(
                RecordedCall(call.operation, call.params, 0 if reset else fault.status, host.clock.time())
            )
            if reset:
                return 0, None, "", call.operation
            return _error(protocol, call, ServiceError(fault.code, fault.status, fault.message))
        try:
            if service is None:
                raise _unknown(protocol, call)
            if policies is not None:
                for check in service.authorize(call):
                    context = {"aws:RequestedRegion": host.region, **check.context}
                    if not policies.is_allowed(check.action, check.resource, context):
                        status, code = _DENIED[protocol]
                        raise ServiceError(code, status, denied_message(host.account, check.action, check.resource))
            status, result = service.handle(call)
        except ServiceError as error:
            host.calls.append(RecordedCall(call.operation, call.params, error.status, host.clock.time()))
            return _error(protocol, call, error)
        host.calls.append(RecordedCall(call.operation, call.params, status, host.clock.time()))
        if protocol == "query":
            body = (
                f'<{call.operation}Response xmlns="{QUERY_NAMESPACE}">{result}'
                f"<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></{call.operation}Response>"
            )
            return status, body.encode(), XML_TYPE, call.operation
        return status, json.dumps(result).encode(), _CONTENT_TYPES[protocol], call.operation


def _route(services: Sequence[Service], request: Request) -> tuple[Service | None, Call]:
    for service in services:
        call = service.route(request)
        if call is not None:
            return service, call
    if request.protocol == "rest-json":
        return None, Call(f"Unknown {request.method} {request.path}", request.payload)
    return None, Call(request.action, request.form if request.protocol == "query" else request.payload)


def _unknown(protocol: str, call: Call) -> ServiceError:
    if protocol == "query":
        return ServiceError("InvalidAction", 400, f"The fake does not implement {call.operation}")
    if protocol == "json":
        return ServiceError("UnknownOperationException", 400, f"No {call.operation} here")
    return ServiceError("UnknownOperationException", 404, f"The fake does not implement {call.operation}")


def _error(protocol: str, call: Call, error: ServiceError) -> Answer:
    if protocol == "query":
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{error.code}</Code>"
            f"<Message>{escape(error.message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
        )
        return error.status, xml.encode(), XML_TYPE, call.operation
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    return error.status, body, _CONTENT_TYPES[protocol], call.operation


def request_of(method: str, raw_path: str, body: bytes, headers: Mapping[str, str]) -> Request:
    split = urlsplit(raw_path)
    query = {key: values[0] for key, values in parse_qs(split.query).items()}
    return Request(method, split.path, query, body, {key.lower(): value for key, value in headers.items()})


@contextmanager
def serve(pick: Callable[[Mapping[str, str]], Host | None], name: str = "fake-aws") -> Iterator[str]:
    """Serve on 127.0.0.1 (a free port) for the block; yields the endpoint URL.

    ``pick(headers)`` chooses the fake that answers a request; None drops the connection (no endpoint there).
    """

    class Handler(_RequestHandler):
        choose = staticmethod(pick)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _RequestHandler(BaseHTTPRequestHandler):
    choose: Callable[[Mapping[str, str]], Host | None]
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, delayed ACKs add ~40 ms per call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(2)

    def _serve(self) -> None:
        host = self.choose(dict(self.headers))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if host is None:
            return self._drop()
        status, data, content_type, _ = answer(host, request_of(self.command, self.path, body, dict(self.headers)))
        if data is None:  # injected connection reset
            return self._drop()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", short_id("request", len(host.calls)))
        if status >= 400 and content_type == JSON_TYPE:
            error_type = json.loads(data)["__type"]
            self.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/coral/")
        self.end_headers()
        self.wfile.write(data)
        return None

    do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815 - names http.server looks up

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the fake's calls
        return
