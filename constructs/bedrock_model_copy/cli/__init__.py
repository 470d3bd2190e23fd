"""``bedrock-model-copy``: see and clean up what the stacks made, in every Region (README, Day 2).

Subcommands ``list``, ``status``, ``clean`` and ``drift``; ``python -m bedrock_model_copy`` is the same
command. Uses the caller's AWS credentials through boto3 (standard retry mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from . import reference
from ._aws import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_MISSING_DEPENDENCY,
    EXIT_OK,
    EXIT_USAGE,
    INSTALL_HINT,
    Aws,
    CliError,
)
from .reference import DEFAULT_INTERVAL, MIN_INTERVAL, NOW_VARIABLE, PROG, day2_markdown, iam_markdown, parser, usage

__all__ = [
    "DEFAULT_INTERVAL",
    "MIN_INTERVAL",
    "NOW_VARIABLE",
    "PROG",
    "day2_markdown",
    "iam_markdown",
    "main",
    "parser",
    "usage",
]

CLEAR = "\033[2J\033[H"  # ANSI: clear the screen, cursor home (a terminal only; never with --json)


def __getattr__(name: str) -> Any:
    """The reference, built from the runtime's kinds when first asked for (``cli.IAM``, ``cli.SUMMARY``)."""
    if name == "IAM":
        return reference.iam()
    if name == "SUMMARY":
        return reference.summaries()
    raise AttributeError(name)


def _now() -> dt.datetime:
    """The system clock, or the time in BEDROCK_MODEL_COPY_NOW (the testing kit's clock: docs/day2.md)."""
    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(fixed)
    except ValueError as error:
        raise CliError(
            EXIT_USAGE, f"{NOW_VARIABLE}={fixed!r} is not an ISO 8601 time (e.g. 2027-01-15T12:00:00Z)."
        ) from error
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    now: Callable[[], dt.datetime] = _now,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run the command; returns its exit code (see ``--help``)."""
    out = out or sys.stdout
    try:
        command = parser()  # reads the runtime's kinds, which import botocore
    except ImportError as error:
        print(f"{PROG}: error: bedrock-model-copy needs boto3 ({error}): {INSTALL_HINT}", file=sys.stderr)
        return EXIT_MISSING_DEPENDENCY
    try:
        args = command.parse_args(argv)
    except SystemExit as error:  # argparse: 0 after --help, 2 for usage errors
        return int(error.code or 0)
    try:
        aws = Aws(args.profile)
        if args.command == "status":
            return _status(aws, args, out, now, sleep)
        regions = args.regions or ([aws.default_region()] if aws.default_region() else [])
        if not regions:
            raise CliError(EXIT_USAGE, "No Region: give --region R (repeat for several) or configure a default Region.")
        for region in regions:
            aws.check_region(region)
        if args.command == "list":
            return _list(aws, args, regions, out, now())
        if args.command == "drift":
            return _drift(aws, args, regions, out, now())
        return _clean(aws, args, regions, out, now())
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # Ctrl-C (status --watch, or a long list): stop quietly, as shells expect
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _list(aws: Aws, args: argparse.Namespace, regions: list[str], out: TextIO, now: dt.datetime) -> int:
    from .inventory import Inventory
    from .render import items_table, kept_billing

    items = Inventory(aws, now).collect(regions, args.stack)
    billing = kept_billing(items)
    if args.json:
        listed = {"regions": regions, "asOf": now.astimezone(dt.UTC).isoformat()}
        _dump({**listed, "resources": [item.as_json() for item in items], "keptBilling": [i.arn for i in billing]}, out)
    else:
        print(items_table(items), file=out)
    return EXIT_FINDINGS if args.check and billing else EXIT_OK


def _clean(aws: Aws, args: argparse.Namespace, regions: list[str], out: TextIO, now: dt.datetime) -> int:
    from .clean import execute, plan
    from .inventory import Inventory
    from .render import plan_text

    result = plan(Inventory(aws, now).collect(regions, args.stack), now)
    if args.yes:
        execute(aws, result, now)
    if args.json:
        _dump(result.as_json(dry_run=not args.yes), out)
    else:
        print(plan_text(result, dry_run=not args.yes), file=out)
    if not args.yes:
        return EXIT_FINDINGS if result.later else EXIT_OK
    return result.exit_code()


def _drift(aws: Aws, args: argparse.Namespace, regions: list[str], out: TextIO, now: dt.datetime) -> int:
    from .drift import Drift
    from .render import drift_text

    report = Drift(aws, now).collect(regions, args.stack)
    if args.json:
        _dump(report.as_json(), out)
    else:
        print(drift_text(report), file=out)
    return EXIT_FINDINGS if args.check and report.differences else EXIT_OK


def _status(
    aws: Aws, args: argparse.Namespace, out: TextIO, now: Callable[[], dt.datetime], sleep: Callable[[float], None]
) -> int:
    from .render import status_text
    from .status import report

    region = args.region or aws.default_region()
    if not region:
        raise CliError(EXIT_USAGE, "No Region: give --region R or configure a default Region.")
    aws.check_region(region)
    live = out.isatty() and not args.json
    interval = max(MIN_INTERVAL, args.interval)
    counted: dict[str, Any] = {}  # watcher executions' progress, carried from one refresh to the next
    while True:
        result = report(aws, region, args.stack, now(), counted)
        if args.json:
            _dump(result.as_json(), out, indent=None if args.watch else 2)
        else:
            footer = f"\nRefreshing every {interval} s; Ctrl-C stops." if args.watch and not result.finished else ""
            print((CLEAR if live else "") + status_text(result) + footer, file=out, flush=True)
        if not args.watch or result.finished:
            return EXIT_OK
        sleep(interval)


def _dump(value: Any, out: TextIO, indent: int | None = 2) -> None:
    print(json.dumps(value, indent=indent, default=str), file=out)
