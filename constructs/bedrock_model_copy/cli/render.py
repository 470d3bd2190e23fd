"""Plain-text tables for people (``--json`` gives the same facts to scripts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .clean import Plan
from .drift import OWNERSHIP_NOTE
from .drift import Report as DriftReport
from .inventory import DECLARED, KEPT, RUNNING, Item
from .status import Report, Watch


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _owner(item: Item) -> str:
    return f"{item.owner_stack} / {item.owner_resource or '?'}"


def items_table(items: list[Item]) -> str:
    if not items:
        return "Nothing with bedrock-model-copy's ownership tags here."
    header = ("REGION", "KIND", "NAME", "STATUS", "STACK / RESOURCE", "STATE", "BILLING", "WHY")
    rows = [(i.region, i.kind, i.name, i.status, _owner(i), i.state, _billing(i), i.reason) for i in items]
    counts = {state: sum(item.state == state for item in items) for state in (DECLARED, KEPT, RUNNING)}
    summary = f"{len(items)} resources: " + ", ".join(f"{n} {state}" for state, n in counts.items())
    return "\n".join([table([header, *rows]), summary, *kept_billing_lines(items)])


def _billing(item: Item) -> str:
    return item.billing.text if item.billing else ""


def kept_billing(items: list[Item]) -> list[Item]:
    """The kept resources that bill while nothing uses them (what `list --check` fails on)."""
    return [item for item in items if item.state == KEPT and item.billing is not None and item.billing.idle]


def kept_billing_lines(items: list[Item]) -> list[str]:
    """What the kept resources bill: those that bill while unused, then those that bill only when used."""
    lines = []
    billing = kept_billing(items)
    if billing:
        lines += [f"Kept and billing until deleted ({len(billing)}):", *(_named(i) for i in billing)]
    when_used = [i for i in items if i.state == KEPT and i.billing and i.billing.text and not i.billing.idle]
    if when_used:
        lines += [f"Kept, billing only when used ({len(when_used)}):", *(_named(i) for i in when_used)]
    return lines


def _named(item: Item) -> str:
    return f"  {item.region}  {item.kind}  {item.name}: {_billing(item)}"


def plan_text(plan: Plan, *, dry_run: bool) -> str:
    lines: list[str] = []
    done = plan.delete if dry_run else plan.deleted
    if done:
        lines.append("Would delete (run again with --yes to delete):" if dry_run else "Deleted:")
        lines += [f"  {i.region}  {i.kind}  {i.name}  {i.arn}  ({_owner(i)}: {i.reason})" for i in done]
    else:
        lines.append("Nothing to delete.")
    if plan.later:
        lines.append("Not now:")
        lines += [f"  {i.region}  {i.kind}  {i.name}  {why}" for i, why in plan.later]
    if plan.gone:
        lines.append("Already gone (deleted since the list):")
        lines += [f"  {i.region}  {i.kind}  {i.name}" for i in plan.gone]
    if plan.failed:
        lines.append("Failed:")
        lines += [f"  {i.region}  {i.kind}  {i.name}  {why}" for i, why in plan.failed]
    return "\n".join(lines)


def _elapsed(report: Report, item: Item) -> str:
    if not item.created:
        return ""
    minutes = int((report.now - item.created).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _of(done: int | None, budget: int | None) -> str:
    return "?" if done is None else f"{done}/{budget}" if budget is not None else str(done)


def watcher_text(watch: Watch) -> str:
    """``RUNNING: polls 12/360, signals 1/8 sent, deadline ...`` (what the execution did of its budget)."""
    progress = watch.progress
    parts = [
        f"polls {_of(progress.polls if progress else None, watch.max_polls)}",
        f"signals {_of(progress.signals_sent if progress else None, watch.signals_needed)} sent",
    ]
    if watch.deadline:
        parts.append(f"deadline {watch.deadline}")
    return f"{watch.status}: " + ", ".join(parts)


def status_text(report: Report) -> str:
    stack = report.stack
    head = f"Stack {stack.name} in {report.region}: " + (stack.status if stack.exists else "does not exist")
    lines = [head, f"as of {report.now.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"]
    if report.items:
        header = ("KIND", "NAME", "RESOURCE", "STATUS", "AGE", "STATE", "WATCHER")
        rows = [header]
        for item in report.items:
            watch = report.watch_of(item)
            rows.append(
                (
                    item.kind,
                    item.name,
                    item.owner_resource or "?",
                    item.status,
                    _elapsed(report, item),
                    item.state,
                    watcher_text(watch) if watch else "",
                )
            )
        lines.append(table(rows))
    else:
        lines.append("Nothing with this stack's ownership tags.")
    for logical_id, status in report.waits:
        lines.append(f"wait {logical_id}: {status}")
    lines.append("All done." if report.finished else "Still in progress.")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def drift_text(report: DriftReport) -> str:
    """Each difference (resource, field, template value, Bedrock value), then what was not compared and why."""
    stacks = _count(len(report.stacks), "stack")
    lines = []
    if report.differences:
        header = ("REGION", "STACK / RESOURCE", "KIND", "FIELD", "TEMPLATE", "BEDROCK")
        rows = [
            (d.region, f"{d.stack} / {d.resource}", d.kind, d.field, d.template, d.bedrock) for d in report.differences
        ]
        drifted = len({(d.region, d.stack, d.resource) for d in report.differences})
        lines += [table([header, *rows]), f"{_count(len(report.differences), 'difference')} in {drifted} of "
                  f"{_count(report.compared, 'resource')} compared ({stacks})."]  # fmt: skip
        owned = [d for d in report.differences if d.ownership]
        if owned:
            lines.append(f"Ownership tags ({len(owned)}): {OWNERSHIP_NOTE}.")
    else:
        lines.append(f"No drift: {_count(report.compared, 'resource')} compared ({stacks}) match their templates.")
    if report.unknown:
        lines.append("Cannot tell offline (not compared):")
        lines += [f"  {u.region}  {u.stack} / {u.resource}  {u.field}: {u.why}" for u in report.unknown]
    if report.skipped:
        lines.append("Not compared:")
        lines += [f"  {s.region}  {s.stack} / {s.resource}: {s.why}" for s in report.skipped]
    later = [stack for stack in report.stacks if stack.note]
    if later:
        lines.append("Stacks not compared:")
        lines += [f"  {stack.region}  {stack.name}: {stack.note}" for stack in later]
    return "\n".join(lines)
