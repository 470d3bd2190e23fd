"""Per-module summary of the last ``mutmut run`` (``make mutation`` prints it; docs/mutation.md).

Run from the repository root after ``mutmut run``. For each mutated module it counts the
mutants that ran by verdict (a sampled run leaves the others "not checked": not counted),
and sorts the survivors into those that only change what a logging call logs (the
function's code, with every ``logger.<level>(...)`` statement reduced to what in its
arguments can raise, is the same as the original's) and the rest, which a person must
judge (a missing test, or an equivalent mutant to list in docs/mutation.md). A logging
call whose arguments call a function or index a mapping can raise, so removing or changing
that part is not "only logging". The diffs of the rest are written to
``mutants/survivors.txt``.

"Killed" counts mutmut's killed verdicts; a timeout (the mutant made the tests run past
mutmut's CPU limit) is shown apart and counted as detected.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from pathlib import Path

import libcst as cst
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant, read_mutant_function, read_original_function
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

DETECTED = ("killed", "timeout")


# Expressions inside a logging call's arguments that can raise or act: calling something
# (``job.get(...)``, ``advice_for(error)``), indexing (``event["LogicalResourceId"]``), awaiting,
# assigning (``:=``), yielding. Removing or changing a call that holds one changes behaviour.
_CAN_RAISE: tuple[type[ast.expr], ...] = (ast.Call, ast.Subscript, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom)


def _can_raise(node: ast.AST) -> list[ast.expr]:
    """The outermost sub-expressions of ``node`` that can raise (in source order)."""
    if isinstance(node, _CAN_RAISE):
        return [node]
    found: list[ast.expr] = []
    for child in ast.iter_child_nodes(node):
        found.extend(_can_raise(child))
    return found


class _DropLogging(ast.NodeTransformer):
    """Replaces each ``logger.<level>(...)`` statement by what in its arguments can raise.

    A log line's text, its plain names and constants do not change behaviour; an argument
    that calls a function or indexes a mapping does (it can raise), so it stays, and a
    mutant that removes or changes it is not "logging-only".
    """

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "logger"
        ):
            kept = [expr for arg in [*call.args, *(k.value for k in call.keywords)] for expr in _can_raise(arg)]
            if not kept:
                return None  # compared as an AST dump only: an emptied body needs no ``pass``
            return ast.Expr(value=ast.Tuple(elts=kept, ctx=ast.Load()))
        return node


def _without_logging(function: cst.FunctionDef) -> str:
    return without_logging(cst.Module([function]).code)


def without_logging(source: str) -> str:
    """The AST of ``source`` with its logging calls reduced to what in them can raise (see ``_DropLogging``)."""
    tree = ast.parse(source)
    return ast.dump(_DropLogging().visit(tree))


def logging_only_change(original: str, mutated: str) -> bool:
    """Two sources of one function differ only in what their logging calls log."""
    return without_logging(original) == without_logging(mutated)


def logging_only(module: cst.Module, mutant: str) -> bool:
    """The mutant differs from the original only inside logging calls."""
    original = read_original_function(module, mutant)
    mutated = read_mutant_function(module, mutant)
    return _without_logging(original) == _without_logging(mutated)


def main() -> int:
    rows = []
    review: list[str] = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue
        module = cst.parse_module((Path("mutants") / path).read_text())
        verdicts: Counter[str] = Counter()
        survivors: defaultdict[str, list[str]] = defaultdict(list)
        for mutant, exit_code in sorted(data.exit_code_by_key.items()):
            if exit_code is None:  # not run: outside MUTANTS, or not drawn in a SAMPLE run
                continue
            status = status_by_exit_code[exit_code]
            verdicts[status] += 1
            if status not in DETECTED:
                kind = "logging" if status == "survived" and logging_only(module, mutant) else "review"
                survivors[kind].append(mutant)
                if kind == "review":
                    review.append(f"# {mutant}: {status}\n{get_diff_for_mutant(mutant, path=path)}\n")
        total = sum(verdicts.values())
        if not total:
            continue
        detected = sum(verdicts[status] for status in DETECTED)
        counted = total - len(survivors["logging"])
        rows.append(
            (
                path.name,
                total,
                verdicts["killed"],
                verdicts["timeout"],
                verdicts["survived"],
                total - detected - verdicts["survived"],
                len(survivors["logging"]),
                100.0 * detected / total,
                100.0 * detected / counted if counted else 100.0,
            )
        )
    if not rows:
        print("no mutmut results: run `make mutation` first", file=sys.stderr)
        return 1
    print(
        "| module | mutants | killed | timeout | survived | other | logging-only survivors | detected % "
        "| detected % without logging-only |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, total, killed, timeout, survived, other, logging, raw, adjusted in rows:
        print(
            f"| {name} | {total} | {killed} | {timeout} | {survived} | {other} | {logging} | {raw:.1f} | {adjusted:.1f} |"
        )
    Path("mutants/survivors.txt").write_text("\n".join(review))
    print(f"\n{len(review)} survivors to review (not logging-only): mutants/survivors.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
