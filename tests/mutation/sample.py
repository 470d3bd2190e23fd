"""Print a reproducible random sample of mutant names, per module (``make mutation SAMPLE=... SEED=...``).

Run from the repository root: ``python tests/mutation/sample.py SAMPLE SEED [PATTERN ...]``.
It lets mutmut generate the mutants (``mutants/``, no test runs), takes every mutant
name that matches one of the patterns (``fnmatch``; all when none is given), and from
each module's names draws ``SAMPLE`` of them with ``random.Random(SEED)`` (a module with
fewer gives all of them). The same source, patterns, size and seed give the same names,
one a line, for ``mutmut run <names...>``.
"""

from __future__ import annotations

import fnmatch
import os
import random
import sys
from pathlib import Path

from mutmut.__main__ import create_mutants
from mutmut.mutation.data import SourceFileMutationData
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, walk_mutatable_files


def names_by_module(patterns: list[str]) -> dict[Path, list[str]]:
    """Every generated mutant name per mutated file, kept when it matches a pattern."""
    Path("mutants").mkdir(exist_ok=True)
    # mutmut prints what it copies and mutates (also from its worker processes): to stderr, so
    # that stdout holds only the names.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        copy_src_dir()
        copy_also_copy_files()
        create_mutants(1)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    names: dict[Path, list[str]] = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        matching = sorted(
            name for name in data.exit_code_by_key if not patterns or any(fnmatch.fnmatch(name, p) for p in patterns)
        )
        if matching:
            names[path] = matching
    return names


def sample(names: dict[Path, list[str]], size: int, seed: int) -> list[str]:
    """``size`` names of each module, drawn in a fixed order of modules with one seeded generator."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    chosen: list[str] = []
    for path in sorted(names):
        module_names = names[path]
        chosen.extend(sorted(rng.sample(module_names, min(size, len(module_names)))))
    return chosen


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    size, seed, patterns = int(argv[0]), int(argv[1]), argv[2:]
    chosen = sample(names_by_module(patterns), size, seed)
    if not chosen:
        print(f"no mutant matches {patterns}", file=sys.stderr)
        return 1
    print("\n".join(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
