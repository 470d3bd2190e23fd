"""``bedrock-model-copy``: see and clean up what the stacks made, in every Region (README, Day 2).

Subcommands ``list``, ``status`` and ``clean``; ``python -m bedrock_model_copy`` is the same
command. Uses the caller's AWS credentials through boto3 (standard retry mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ._aws import EXIT_CODES, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Aws, CliError
from .inventory import KEPT

PROG = "bedrock-model-copy"
DEFAULT_INTERVAL, MIN_INTERVAL = 30, 5  # status --watch: seconds between refreshes
CLEAR = "\033[2J\033[H"  # ANSI: clear the screen, cursor home (a terminal only; never with --json)
SUMMARY = {
    "list": "Every copied model, running copy job, custom model deployment and Provisioned Throughput that "
    "carries this library's ownership tags, with its owner stack and logical id, its status, and what its "
    "owner says about it now: declared (the stack exists and still has that resource), kept (the owner is "
    "gone or no longer declares it) or running (a copy job still in progress). Read-only.",
    "status": "What each copy, deployment and Provisioned Throughput of one stack is doing: status, elapsed "
    "time, and for a long copy the copy watcher's execution (status, polls made of its budget, signals sent of "
    "those the wait needs, deadline) and the WaitCondition's status. --watch refreshes every --interval seconds "
    "until everything has ended. Read-only.",
    "clean": "Delete what this library made and no stack declares any more (kept models, deployments, "
    "Provisioned Throughputs past their commitment). Never anything without this library's ownership tags, "
    "never what a live stack declares, never a copy still running (it says when to come back). Without "
    "--yes it only prints what it would delete.",
}
_READ = [
    "bedrock:ListModelCopyJobs",
    "bedrock:GetModelCopyJob",
    "bedrock:ListCustomModels",
    "bedrock:ListCustomModelDeployments",
    "bedrock:ListProvisionedModelThroughputs",
    "bedrock:ListTagsForResource",
    "cloudformation:DescribeStacks",
    "cloudformation:ListStackResources",
]
IAM: dict[str, list[str]] = {
    "list": _READ,
    "status": [*_READ, "states:ListExecutions", "states:DescribeExecution", "states:GetExecutionHistory"],
    "clean": [
        *_READ,
        "bedrock:DeleteCustomModel",
        "bedrock:DeleteCustomModelDeployment",
        "bedrock:DeleteProvisionedModelThroughput",
    ],
}
IAM_NOTE = {
    "list": "read-only",
    "status": "read-only",
    "clean": "the three deletes can be limited with the condition aws:ResourceTag/bedrock-model-copy:owner-stack",
}


def iam_markdown() -> str:
    """The README's table of the IAM each subcommand needs."""
    lines = ["| subcommand | IAM actions | note |", "|---|---|---|"]
    for name, actions in IAM.items():
        lines.append(f"| `{name}` | {', '.join(f'`{a}`' for a in actions)} | {IAM_NOTE[name]} |")
    return "\n".join(lines)


def exit_codes_markdown() -> str:
    return "\n".join(["| exit code | meaning |", "|---|---|", *(f"| {code} | {text} |" for code, text in EXIT_CODES)])


def usage(name: str) -> str:
    """``bedrock-model-copy <name> ...`` as argparse prints it, on one line."""
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    sub = commands.choices[name]
    return " ".join(sub.format_usage().removeprefix("usage: ").split())


def day2_markdown() -> str:
    """The README's Day 2 reference: each subcommand as ``--help`` describes it, its IAM, the exit codes."""
    parts = [f"- `{usage(name)}`: {text}" for name, text in SUMMARY.items()]
    return "\n".join([*parts, "", iam_markdown(), "", exit_codes_markdown()])


def _epilog(name: str) -> str:
    codes = "; ".join(f"{code} {text}" for code, text in EXIT_CODES)
    return f"IAM ({IAM_NOTE[name]}): {', '.join(IAM[name])}.\n\nExit codes: {codes}."


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="See and clean up the Bedrock model copies, deployments and Provisioned Throughputs that "
        "bedrock-model-copy stacks made, in every Region (README, Day 2).",
    )
    top.add_argument("--profile", help="AWS profile (default: boto3's usual credential chain)")
    commands = top.add_subparsers(dest="command", required=True, metavar="{list,status,clean}")
    for name in SUMMARY:
        sub = commands.add_parser(
            name, help=SUMMARY[name].split(": ")[0].split(". ")[0], description=SUMMARY[name], epilog=_epilog(name)
        )
        if name == "status":
            sub.add_argument("stack", metavar="STACK", help="the stack's name")
            sub.add_argument("--region", metavar="R", help="the stack's Region (default: the configured Region)")
            sub.add_argument(
                "--watch", action="store_true",
                help="redraw until everything has ended (a terminal: in place; otherwise or with --json: one "
                "report per refresh); Ctrl-C stops (exit 130)",
            )  # fmt: skip
            sub.add_argument(
                "--interval", type=int, default=DEFAULT_INTERVAL, metavar="SECONDS",
                help=f"seconds between refreshes with --watch (default {DEFAULT_INTERVAL}, at least {MIN_INTERVAL})",
            )  # fmt: skip
        else:
            sub.add_argument(
                "--region", action="append", dest="regions", metavar="R", help="a Region (repeat for several; "
                "default: the configured Region)"
            )  # fmt: skip
            sub.add_argument("--stack", metavar="NAME", help="only what this stack owns")
        if name == "list":
            sub.add_argument("--check", action="store_true", help="exit 1 when something is kept (for a nightly job)")
        if name == "clean":
            sub.add_argument("--yes", action="store_true", help="delete (without it: only print what it would delete)")
        sub.add_argument("--json", action="store_true", help="print JSON for scripts")
    return top


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        args = parser().parse_args(argv)
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
            return _list(aws, args, regions, out)
        return _clean(aws, args, regions, out, now())
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # Ctrl-C (status --watch, or a long list): stop quietly, as shells expect
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _list(aws: Aws, args: argparse.Namespace, regions: list[str], out: TextIO) -> int:
    from .inventory import Inventory
    from .render import items_table

    items = Inventory(aws).collect(regions, args.stack)
    if args.json:
        _dump({"regions": regions, "resources": [item.as_json() for item in items]}, out)
    else:
        print(items_table(items), file=out)
    return EXIT_FINDINGS if args.check and any(item.state == KEPT for item in items) else EXIT_OK


def _clean(aws: Aws, args: argparse.Namespace, regions: list[str], out: TextIO, now: dt.datetime) -> int:
    from .clean import execute, plan
    from .inventory import Inventory
    from .render import plan_text

    result = plan(Inventory(aws).collect(regions, args.stack), now)
    if args.yes:
        execute(aws, result)
    if args.json:
        _dump(result.as_json(dry_run=not args.yes), out)
    else:
        print(plan_text(result, dry_run=not args.yes), file=out)
    if not args.yes:
        return EXIT_FINDINGS if result.later else EXIT_OK
    return result.exit_code()


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
