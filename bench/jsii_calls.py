#!/usr/bin/env python3
"""Count the jsii kernel round trips that building and synthesizing N copies costs.

Every call from Python into the jsii kernel (create, get, set, invoke and their static forms,
and the completion of each callback from the kernel into Python, such as a ``Lazy`` producer)
is one request over the pipe to the Node.js process, about a millisecond each. The per-copy
figure is (calls for N copies - calls for 1 copy) / (N - 1), measured in one process, by
wrapping the ``send`` of jsii's kernel process (``jsii._kernel.providers.process``).

    python bench/jsii_calls.py 100     # prints JSON: per-copy calls, by kind
"""

from __future__ import annotations

import collections
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "constructs"), str(ROOT / "lambda")]


@contextmanager
def counting() -> Iterator[collections.Counter[str]]:
    """Count requests to the jsii kernel process, keyed ``<request kind>:<property or method>``."""
    from jsii._kernel.providers import process

    counts: collections.Counter[str] = collections.Counter()
    original = process._NodeProcess.send

    def send(self: Any, request: Any, response_type: Any) -> Any:
        kind = type(request).__name__.removesuffix("Request")
        name = getattr(request, "property", None) or getattr(request, "method", None) or ""
        counts[f"{kind}:{name}" if name else kind] += 1
        return original(self, request, response_type)

    process._NodeProcess.send = send  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        process._NodeProcess.send = original  # type: ignore[method-assign]


def calls_for(count: int, pattern: str = "shared") -> dict[str, int]:
    """Kernel requests to build an app with ``count`` copies and synthesize it."""
    import aws_cdk as cdk

    from bench.stacks import build

    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(outdir=outdir)
        with counting() as counts:
            build(app, count, pattern)
            app.synth()
    return dict(counts)


def per_copy(count: int, pattern: str = "shared") -> dict[str, Any]:
    """Kernel requests per copy, from ``count`` copies against one (a warm-up build runs first)."""
    calls_for(1, pattern)  # loads the modules and the kernel's libraries: not a per-copy cost
    one = calls_for(1, pattern)
    many = calls_for(count, pattern)
    names = sorted(set(one) | set(many))
    by_name = {name: (many.get(name, 0) - one.get(name, 0)) / (count - 1) for name in names}
    by_kind: dict[str, float] = collections.defaultdict(float)
    for name, value in by_name.items():
        by_kind[name.split(":")[0]] += value
    return {
        "copies": count,
        "total_one": sum(one.values()),
        "total_many": sum(many.values()),
        "per_copy": round(sum(by_name.values()), 2),
        "per_copy_by_kind": {kind: round(value, 2) for kind, value in sorted(by_kind.items()) if value},
        "per_copy_by_name": {
            name: round(value, 2) for name, value in sorted(by_name.items(), key=lambda item: -item[1]) if value
        },
    }


if __name__ == "__main__":
    print(json.dumps(per_copy(int(sys.argv[1]) if len(sys.argv) > 1 else 100), indent=2))
