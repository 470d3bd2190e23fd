"""The command's reference, written once: its argparse definition, and every block generated from it.

What ``--help`` says (each subcommand's description, the IAM it needs, the exit codes) is built here from
the runtime's kinds (each kind's listings name its list, lookup, Get and delete calls), and the docs'
Day 2 reference is generated from the same functions (:mod:`.generated` writes every generated block).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._aws import EXIT_CODES

PROG = "bedrock-model-copy"
DEFAULT_INTERVAL, MIN_INTERVAL = 30, 5  # status --watch: seconds between refreshes
# The command's clock: an ISO 8601 time, read instead of the system clock (the testing kit sets it to its fake's).
NOW_VARIABLE = "BEDROCK_MODEL_COPY_NOW"
CHECK_HELP = {
    "list": "exit 1 while a kept resource bills even when unused, and say what bills (for a nightly job)",
    "drift": "exit 1 when anything differs from the template (for a nightly job)",
}
STACK_HELP = {"drift": "only this stack (exit 2 if no live stack of that name declares a resource of this library)"}
NOTES = {
    "list": "read-only",
    "status": "read-only",
    "clean": "the deletes can be limited with the condition aws:ResourceTag/bedrock-model-copy:owner-stack",
    "drift": "read-only",
}


def _joined(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else "".join(words)


def summaries() -> dict[str, str]:
    """Each subcommand's description, naming what the kinds' listings find."""
    from .._lambda.model_copy.kinds import KINDS
    from .inventory import sources

    found = _joined([source.listing.plural for source in sources()])
    compared = [kind for kind in KINDS if kind.drift and kind.drift.fields]
    kinds = _joined([listing.plural for kind in compared for listing in kind.listings if not listing.running])
    deletable = _joined([source.listing.plural for source in sources() if source.listing.delete])
    return {
        "list": f"The {found} that carry this library's ownership tags, each with its owner stack and logical id, "
        "its status, how it bills, and what its owner says about it now: declared (the stack exists and still has "
        "that resource), kept (the owner is gone or no longer declares it) or running (a job still in progress). "
        "It changes nothing.",
        "status": f"What each resource of one stack is doing ({found}): status, age, and for a long wait the "
        "watcher's execution (status, polls made of its budget, signals sent of those the wait needs, deadline) "
        "and the WaitCondition's status. --watch refreshes every --interval seconds until everything has ended. "
        "It changes nothing.",
        "clean": f"Delete what this library made and no stack declares any more (kept {deletable}). Never anything "
        "without this library's ownership tags, never what a live stack declares, never a job still running nor "
        "a resource under a commitment Bedrock reports unexpired (it says when to come back). Without --yes it "
        "only prints what it would delete.",
        "drift": f"For every resource a live stack declares ({kinds}), what its template says (resolved as "
        "CloudFormation resolved it) against what Bedrock has now: each field that differs (name, model, model "
        "units, commitment, KMS key, description, tags and the ownership tags), and a resource gone from Bedrock. "
        "CloudFormation's own drift detection does not cover custom resources. It changes nothing.",
    }


def iam() -> dict[str, list[str]]:
    """The IAM actions each subcommand needs: the kinds' list, lookup, Get and delete calls, and CloudFormation's."""
    from .._lambda.model_copy.kinds import KINDS
    from .inventory import sources

    listings = [source.listing for source in sources()]
    reads = [f"bedrock:{listing.operation}" for listing in listings]
    reads += [f"bedrock:{kind.lookup[0]}" for kind in KINDS if kind.lookup[0] and kind.listings]
    reads += ["bedrock:ListTagsForResource", "cloudformation:DescribeStacks", "cloudformation:ListStackResources"]
    watch = ["states:ListExecutions", "states:DescribeExecution", "states:GetExecutionHistory"]
    deletes = [f"bedrock:{call}" for listing in listings if listing.delete for call in (listing.get, listing.delete)]
    drift = [f"bedrock:{operation}" for kind in KINDS if kind.drift for operation, _ in
             (kind.drift.read, kind.drift.product_read) if operation]  # fmt: skip
    stacks = ["cloudformation:ListStacks", "cloudformation:DescribeStacks", "cloudformation:ListStackResources"]
    stacks += ["cloudformation:GetTemplate", "cloudformation:ListExports"]
    return {
        "list": list(dict.fromkeys(reads)),
        "status": list(dict.fromkeys([*reads, *watch])),
        "clean": list(dict.fromkeys([*reads, *[action for action in deletes if action != "bedrock:"]])),
        "drift": list(dict.fromkeys([*stacks, *drift, "bedrock:ListTagsForResource"])),
    }


def iam_markdown() -> str:
    """The table of the IAM each subcommand needs."""
    lines = ["| subcommand | IAM actions | note |", "|---|---|---|"]
    for name, actions in iam().items():
        lines.append(f"| `{name}` | {', '.join(f'`{a}`' for a in actions)} | {NOTES[name]} |")
    return "\n".join(lines)


def exit_codes_markdown() -> str:
    return "\n".join(["| exit code | meaning |", "|---|---|", *(f"| {code} | {text} |" for code, text in EXIT_CODES)])


def usage(name: str) -> str:
    """``bedrock-model-copy <name> ...`` as argparse prints it, on one line."""
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    sub = commands.choices[name]
    return " ".join(sub.format_usage().removeprefix("usage: ").split())


def day2_markdown() -> str:
    """The Day 2 reference: each subcommand as ``--help`` describes it, its IAM, the exit codes."""
    parts = [f"- `{usage(name)}`: {text}" for name, text in summaries().items()]
    return "\n".join([*parts, "", iam_markdown(), "", exit_codes_markdown()])


def _epilog(name: str, actions: list[str]) -> str:
    codes = "; ".join(f"{code} {text}" for code, text in EXIT_CODES)
    return f"IAM ({NOTES[name]}): {', '.join(actions)}.\n\nExit codes: {codes}."


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="See, check for drift and clean up what bedrock-model-copy stacks made in Amazon Bedrock, in "
        f"every Region (README, Day 2). Its clock is the system's, or the time in {NOW_VARIABLE} (ISO 8601; the "
        "testing kit sets it).",
    )
    top.add_argument("--profile", help="AWS profile (default: boto3's usual credential chain)")
    commands = top.add_subparsers(dest="command", required=True, metavar="{list,status,clean,drift}")
    texts, actions = summaries(), iam()
    for name, text in texts.items():
        sub = commands.add_parser(
            name, help=text.split(": ")[0].split(". ")[0], description=text, epilog=_epilog(name, actions[name])
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
            sub.add_argument("--stack", metavar="NAME", help=STACK_HELP.get(name, "only what this stack owns"))
        if name in CHECK_HELP:
            sub.add_argument("--check", action="store_true", help=CHECK_HELP[name])
        if name == "clean":
            sub.add_argument("--yes", action="store_true", help="delete (without it: only print what it would delete)")
        sub.add_argument("--json", action="store_true", help="print JSON for scripts")
    return top
