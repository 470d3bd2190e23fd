"""Per-module summary of the last ``mutmut run`` (``make mutation`` prints it; docs/mutation.md).

Run from the repository root after ``mutmut run``. For each handler module it counts the
mutants by verdict, and sorts the survivors into those that only change a logging call
(the function's code, minus every ``logger.<level>(...)`` statement, is the same as the
original's: nothing but the log changed) and the rest, which a person must judge
(a missing test, or an equivalent mutant to list in docs/mutation.md). The diffs of the
rest are written to ``mutants/survivors.txt``.

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


class _DropLogging(ast.NodeTransformer):
    """Removes ``logger.<level>(...)`` statements (and the ``pass`` they would leave needed)."""

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "logger"
        ):
            return ast.Pass()
        return node


def _without_logging(function: cst.FunctionDef) -> str:
    tree = ast.parse(cst.Module([function]).code)
    return ast.dump(_DropLogging().visit(tree))


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
            status = status_by_exit_code[exit_code]
            verdicts[status] += 1
            if status not in DETECTED:
                kind = "logging" if status == "survived" and logging_only(module, mutant) else "review"
                survivors[kind].append(mutant)
                if kind == "review":
                    review.append(f"# {mutant}: {status}\n{get_diff_for_mutant(mutant, path=path)}\n")
        total = sum(verdicts.values())
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
