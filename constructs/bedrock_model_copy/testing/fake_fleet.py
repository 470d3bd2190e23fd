"""A fleet of fakes in several Regions on one endpoint, for the ``bedrock-model-copy`` command's tests.

:class:`FakeFleet` serves one :class:`~.fake_bedrock.FakeBedrock` per Region behind one endpoint and
routes each request by the Region of its SigV4 credential scope, as each Region's own endpoint would
receive it; a Region with no fake drops the connection (Bedrock not offered there). The read calls the
command makes (``ListCustomModels``, ``DescribeStacks`` by name, ``ListStackResources``) are answered by
every fake's own services (:mod:`.aws.bedrock`, :mod:`.aws.cloudformation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .aws import server
from .aws.cloudformation import STACK_PAGE_SIZE as STACK_PAGE_SIZE  # kept importable from here
from .fake_bedrock import DEFAULT_ACCOUNT, Clock, FakeBedrock

__all__ = ["STACK_PAGE_SIZE", "FakeFleet"]

_SCOPE_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


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

    def _pick(self, headers: Mapping[str, str]) -> FakeBedrock | None:
        found = _SCOPE_REGION.search(headers.get("Authorization", "") or headers.get("authorization", ""))
        return self.fakes.get(found.group(1)) if found else None

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve every Region on 127.0.0.1 (a free port); yields the endpoint URL."""
        with server.serve(self._pick, name="fake-fleet") as endpoint:
            yield endpoint
