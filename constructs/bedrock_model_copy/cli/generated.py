"""Every generated block of the docs, each from its one source, and the check that no copy drifted.

A block sits between ``<!-- marker:start -->`` and ``<!-- marker:end -->`` lines. :data:`BLOCKS` says
which file holds which block and the function that writes it: README's and docs/day2.md's Day 2
reference (:func:`.reference.day2_markdown`, from the command's argparse definition and the kinds), and
docs/troubleshooting.md's advice table (the kinds' advice rows). ``python -m
bedrock_model_copy.cli.generated [ROOT]`` (``make docs``) rewrites them in place; tests/test_cli_docs.py
fails when one differs from its source, and when a marked block has no source.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .reference import day2_markdown


def _advice_table() -> str:
    from .._lambda.model_copy.kinds import advice_table

    return advice_table()


# Every generated block of the docs: (file, marker) -> what it must hold. A block sits between
# "<!-- marker:start -->" and "<!-- marker:end -->" lines.
BLOCKS: dict[tuple[str, str], Callable[[], str]] = {
    ("README.md", "day2"): day2_markdown,
    ("docs/day2.md", "day2"): day2_markdown,
    ("docs/troubleshooting.md", "advice-table"): _advice_table,
}


def block_pattern(marker: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {re.escape(marker)}:start -->\n)(.*?)(\n<!-- {re.escape(marker)}:end -->)", re.S)


def drifted(root: Path, *, write: bool = False) -> list[str]:
    """The blocks under ``root`` that differ from their source (rewritten in place with ``write``)."""
    found = []
    for (name, marker), source in BLOCKS.items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        match = block_pattern(marker).search(text)
        if match is None:
            found.append(f"{name}: no {marker} block (markers <!-- {marker}:start --> and <!-- {marker}:end -->)")
            continue
        wanted = source()
        if match.group(2) != wanted:
            found.append(f"{name}: the {marker} block is out of date")
            if write:
                path.write_text(text[: match.start(2)] + wanted + text[match.end(2) :], encoding="utf-8")
    return found


def _main(argv: Sequence[str]) -> int:  # pragma: no cover - `make docs`; drifted() is what the tests run
    root = Path(argv[1]) if len(argv) > 1 else Path.cwd()
    for line in drifted(root, write=True):
        print(f"rewrote {line}" if line.endswith("out of date") else line)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv))
