"""What a fake AWS service is: the one interface every service of the fake implements.

The server (:mod:`.server`) turns each HTTP request into a :class:`Request` and asks the fake's services,
in their order, to :meth:`Service.route` it; the first that answers with a :class:`Call` owns it. Then,
unless a fault is injected for that operation, the caller's IAM policies are checked against what
:meth:`Service.authorize` says IAM would evaluate (one :class:`Check` per action and resource; the first
that no statement allows is answered AccessDenied), and :meth:`Service.handle` answers. A service raises
:class:`ServiceError` for an AWS error; the server writes it in the request's protocol (REST-JSON, JSON 1.0
or the query protocol's XML) and records the call.

A service is made from the fake it belongs to: ``FakeBedrock(services=(*DEFAULT_SERVICES, MyService))``
calls ``MyService(fake)``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs

from .._shared import Clock
from ..iam import ContextValue

QUERY_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


@dataclass(frozen=True)
class Request:
    """One HTTP request to the fake (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    @cached_property
    def protocol(self) -> str:
        """``"json"`` (an ``X-Amz-Target`` header), ``"query"`` (a form POST to ``/``) or ``"rest-json"``."""
        if "x-amz-target" in self.headers:
            return "json"
        if self.path == "/" and self.method == "POST" and self.body.startswith(b"Action="):
            return "query"
        return "rest-json"

    @cached_property
    def action(self) -> str:
        """The operation a JSON 1.0 or query request names (``StartExecution``, ``DescribeStacks``); else ``""``."""
        if self.protocol == "json":
            return self.headers["x-amz-target"].split(".", 1)[-1]
        return self.form.get("Action", "") if self.protocol == "query" else ""

    @cached_property
    def target_prefix(self) -> str:
        """The service part of ``X-Amz-Target`` (``AWSStepFunctions``)."""
        return self.headers.get("x-amz-target", "").split(".", 1)[0]

    @cached_property
    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The JSON body (``{}`` when empty)."""
        value: dict[str, Any] = json.loads(self.body) if self.body else {}
        return value


@dataclass(frozen=True)
class Call:
    """The operation a service recognised in a request, and its parameters (as the call record keeps them)."""

    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One authorization IAM makes for a call (``aws:RequestedRegion`` is added by the server)."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


class ServiceError(Exception):
    """An error answer: its code, HTTP status and message."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


class BedrockAccount(Protocol):
    """What every Bedrock service of the fake reads of the fake it belongs to (each adds its own)."""

    region: str
    account: str
    clock: Clock
    page_size: int
    remember_tokens: bool
    create_tags_as_tag_resource: bool


class Service(Protocol):
    """A fake AWS service (or a part of one): the requests it claims, what IAM checks, and its answers.

    ``handle`` returns the HTTP status and the answer: a JSON object for REST-JSON and JSON 1.0, the
    result element's XML for the query protocol (the server wraps it in ``<ActionResponse>``).
    """

    def route(self, request: Request) -> Call | None: ...

    def authorize(self, call: Call) -> Sequence[Check]: ...

    def handle(self, call: Call) -> tuple[int, Any]: ...


@runtime_checkable
class ModelUser(Protocol):
    """A service whose resources can use a custom model: ``DeleteCustomModel`` asks it first."""

    def check_model_deletable(self, model_arn: str) -> None: ...


def page(items: Sequence[Any], params: Mapping[str, Any], key: str, size: int, token_key: str = "nextToken") -> Any:  # noqa: S107
    """One page of ``items`` under ``key``: ``maxResults`` (default ``size``) from the token's offset."""
    start = int(params.get(token_key) or 0)
    size = int(params.get("maxResults") or size)
    result: dict[str, Any] = {key: list(items[start : start + size])}
    if start + size < len(items):
        result[token_key] = str(start + size)
    return result


def request_tags(tags: Sequence[Mapping[str, str]]) -> dict[str, ContextValue]:
    """IAM's ``aws:RequestTag/*`` and ``aws:TagKeys`` for the tags (``[{key, value}]``) a request sets."""
    context: dict[str, ContextValue] = {f"aws:RequestTag/{tag['key']}": tag["value"] for tag in tags}
    context["aws:TagKeys"] = [tag["key"] for tag in tags]
    return context


def tag_context(operation: str, params: Mapping[str, Any], resource_tags: Mapping[str, str]) -> dict[str, ContextValue]:
    """IAM's condition keys for a call on a tagged resource: ``aws:ResourceTag/*``, and what TagResource
    (``aws:RequestTag/*``, ``aws:TagKeys``) or UntagResource (``aws:TagKeys``) asks to change."""
    context: dict[str, ContextValue] = {f"aws:ResourceTag/{key}": value for key, value in resource_tags.items()}
    if operation == "TagResource":
        context.update(request_tags(params.get("tags", [])))
    elif operation == "UntagResource":
        context["aws:TagKeys"] = list(params.get("tagKeys", []))
    return context


def tags_answer(operation: str, tags: dict[str, str], params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """TagResource, UntagResource or ListTagsForResource on a resource's ``tags``."""
    if operation == "TagResource":
        tags.update({tag["key"]: tag["value"] for tag in params.get("tags", [])})
    elif operation == "UntagResource":
        for key in params.get("tagKeys", []):
            tags.pop(key, None)
    else:
        return 200, {"tags": [{"key": key, "value": value} for key, value in tags.items()]}
    return 200, {}


TAG_PATHS = {
    "/tagResource": "TagResource",
    "/untagResource": "UntagResource",
    "/listTagsForResource": "ListTagsForResource",
}
