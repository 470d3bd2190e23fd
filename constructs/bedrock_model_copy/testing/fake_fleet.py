"""The read calls an operator's tools make, and a fleet of fakes in several Regions on one endpoint.

:func:`answer` extends :class:`~.fake_bedrock.FakeBedrock` with the calls the
``bedrock-model-copy`` command reads the fleet with (each paginated, each authorized in
IAM mode like the fake's other calls):

- Bedrock ``ListCustomModels`` (``GET /custom-models``, pages of ``page_size``);
- CloudFormation ``DescribeStacks`` by stack NAME (the newest stack of that name that is
  not deleted; a deleted or unknown name is ``ValidationError: Stack with id <name> does
  not exist``) and ``ListStackResources`` (the resources a stack made with the driver,
  :class:`~.driver.CloudFormationStack`, has now, and a WaitCondition it is still creating;
  registered in ``FakeBedrock.stacks``);

:class:`FakeFleet` serves one fake per Region behind one endpoint and routes each request
by the Region of its SigV4 credential scope, as each Region's own endpoint would receive
it; a Region with no fake drops the connection (Bedrock not offered there).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .fake_bedrock import (
    DEFAULT_ACCOUNT,
    EXTENSIONS,
    JSON_TYPE,
    XML_TYPE,
    Clock,
    FakeBedrock,
    RecordedCall,
    _denied,
    _iso,
    _json,
    _RequestHandler,
)

if TYPE_CHECKING:
    from .iam import PolicySet

Answer = tuple[int, bytes | None, str, str]
_SCOPE_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")
_CFN_NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
STACK_PAGE_SIZE = 2  # ListStackResources page size in the fake (small: callers must follow NextToken)


def answer(
    fake: FakeBedrock, method: str, path: str, query: dict[str, str], body: bytes, policies: PolicySet | None
) -> Answer | None:
    """The fake's answer to one of the calls this module adds, or None for any other call."""
    if method == "GET" and path == "/custom-models":
        return _bedrock(fake, "ListCustomModels", query, policies)
    if path == "/" and method == "POST" and body.startswith(b"Action="):
        params = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        action = params.get("Action", "")
        by_name = action == "DescribeStacks" and not params.get("StackName", "").startswith("arn:")
        if action == "ListStackResources" or by_name:
            return _cloudformation(fake, action, params, policies)
    return None


def _page(items: list[dict[str, Any]], token: str | None, size: int, key: str, token_key: str = "nextToken") -> Any:  # noqa: S107
    start = int(token or 0)
    result: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        result[token_key] = str(start + size)
    return result


def _bedrock(fake: FakeBedrock, operation: str, query: dict[str, str], policies: PolicySet | None) -> Answer:
    with fake._lock:
        fake._settle()
        status, result = 200, dict[str, Any]()
        if policies is not None and not policies.is_allowed(
            f"bedrock:{operation}", "*", {"aws:RequestedRegion": fake.region}
        ):
            status, result = 403, {"__type": "AccessDeniedException", "message": _denied(f"bedrock:{operation}", "*")}
        else:
            models = sorted(fake.models.values(), key=lambda model: model.created_at)
            summaries = [
                {
                    "modelArn": model.model_arn,
                    "modelName": model.model_name,
                    "creationTime": _iso(model.created_at),
                    "baseModelArn": model.base_model_arn
                    or "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
                    "baseModelName": "",
                    "ownerAccountId": fake.account,
                    "modelStatus": "Active",
                }
                for model in models
            ]
            size = int(query.get("maxResults") or fake.page_size)
            result = _page(summaries, query.get("nextToken"), size, "modelSummaries")
        fake.calls.append(RecordedCall(operation, dict(query), status, fake.clock.time()))
        body = _json(result)
        return status, body, JSON_TYPE, operation


def _cloudformation(fake: FakeBedrock, action: str, params: dict[str, str], policies: PolicySet | None) -> Answer:
    with fake._lock:
        name = params.get("StackName", "")
        stack_id = fake.find_stack(name)
        target = stack_id or f"arn:aws:cloudformation:{fake.region}:{fake.account}:stack/{name}/*"
        status, code, message, xml = 200, "", "", ""
        if policies is not None and not policies.is_allowed(
            f"cloudformation:{action}", target, {"aws:RequestedRegion": fake.region}
        ):
            status, code, message = 403, "AccessDenied", _denied(f"cloudformation:{action}", target)
        elif stack_id is None:
            status, code, message = 400, "ValidationError", f"Stack with id {name} does not exist"
        elif action == "DescribeStacks":
            member = (
                f"<member><StackName>{escape(name)}</StackName><StackId>{escape(stack_id)}</StackId>"
                f"<CreationTime>{_iso(fake.clock.time())}</CreationTime>"
                f"<StackStatus>{fake.stack_statuses[stack_id]}</StackStatus></member>"
            )
            xml = f"<DescribeStacksResult><Stacks>{member}</Stacks></DescribeStacksResult>"
        else:
            page = _page(_stack_resources(fake, stack_id), params.get("NextToken"), STACK_PAGE_SIZE, "r", "NextToken")
            members = "".join(
                "<member>"
                + "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in resource.items())
                + "</member>"
                for resource in page["r"]
            )
            token = f"<NextToken>{page['NextToken']}</NextToken>" if "NextToken" in page else ""
            summaries = f"<StackResourceSummaries>{members}</StackResourceSummaries>{token}"
            xml = f"<ListStackResourcesResult>{summaries}</ListStackResourcesResult>"
        fake.calls.append(RecordedCall(action, params, status, fake.clock.time()))
        if status != 200:
            error = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
                "</Error><RequestId>fake</RequestId></ErrorResponse>"
            )
            return status, error.encode(), XML_TYPE, action
        response = (
            f'<{action}Response xmlns="{_CFN_NS}">{xml}'
            f"<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></{action}Response>"
        )
        return 200, response.encode(), XML_TYPE, action


def _stack_resources(fake: FakeBedrock, stack_id: str) -> list[dict[str, str]]:
    """What ListStackResources lists: a driver stack's deployed resources (or a plain dict registered instead)."""
    stack = fake.stacks.get(stack_id)
    if stack is None:
        return []
    if isinstance(stack, dict):  # {logical id: (type, physical id[, status])}
        items = [(logical_id, *[*value, "CREATE_COMPLETE"][:3]) for logical_id, value in stack.items()]
    else:
        types = {lid: res.get("Type", "") for lid, res in (stack.template.get("Resources") or {}).items()}
        types.update(stack.resource_types)
        items = [
            (lid, types.get(lid, ""), res.physical_resource_id, "CREATE_COMPLETE")
            for lid, res in stack.resources.items()
        ]
        # A WaitCondition the stack is still creating is listed CREATE_IN_PROGRESS (no physical id yet).
        items += [
            (logical_id, wait.resource_type, "", wait.status)
            for (owner, logical_id), wait in fake.wait_conditions.items()
            if owner == stack_id and logical_id not in stack.resources and wait.status == "CREATE_IN_PROGRESS"
        ]
    return [
        {
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical,
            "ResourceType": kind,
            "LastUpdatedTimestamp": _iso(fake.clock.time()),
            "ResourceStatus": status,
        }
        for logical_id, kind, physical, status in items
    ]


# ---------------------------------------------------------------------------------- several Regions


@dataclass
class FakeFleet:
    """One :class:`FakeBedrock` per Region (sharing one clock), served behind one endpoint.

    >>> fleet = FakeFleet.of("us-west-2", "eu-west-1")
    >>> with fleet.serve() as endpoint:   # AWS_ENDPOINT_URL=endpoint reaches every Region's fake
    ...     ...
    """

    fakes: dict[str, FakeBedrock]
    clock: Clock = field(default_factory=Clock)

    @classmethod
    def of(cls, *regions: str, account: str = DEFAULT_ACCOUNT, **options: Any) -> FakeFleet:
        clock = Clock()
        return cls(
            {region: FakeBedrock(region=region, account=account, clock=clock, **options) for region in regions}, clock
        )

    def __getitem__(self, region: str) -> FakeBedrock:
        return self.fakes[region]

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve every Region on 127.0.0.1 (a free port); yields the endpoint URL."""
        fleet = self

        class Handler(_RequestHandler):
            def _serve(self) -> None:
                found = _SCOPE_REGION.search(self.headers.get("Authorization", ""))
                fake = fleet.fakes.get(found.group(1)) if found else None
                if fake is None:  # no endpoint in that Region: the connection fails
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.service = fake
                super()._serve()

            do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815 - names http.server looks up

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def _extension(
    fake: FakeBedrock, method: str, split: Any, body: bytes, headers: dict[str, str], policies: PolicySet | None
) -> Answer | None:
    """The hook FakeBedrock asks before its own calls (registered below, so every fake answers these)."""
    if headers.get("x-amz-target", "").startswith("AWSStepFunctions."):
        return None  # FakeBedrock._handle_states answers every Step Functions call
    query = {key: values[0] for key, values in parse_qs(split.query).items()}
    return answer(fake, method, split.path, query, body, policies)


EXTENSIONS.append(_extension)
