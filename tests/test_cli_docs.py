"""The command as installed: its entry points, its start without aws-cdk-lib, and README's Day 2 = --help."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from unittest import mock

import pytest

from bedrock_model_copy import cli
from bedrock_model_copy.cli import generated

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_generated_block_is_what_its_one_source_says() -> None:
    """README's and docs/day2.md's Day 2 reference, docs/troubleshooting.md's advice table (generated.BLOCKS)."""
    assert generated.drifted(ROOT) == [], "a generated block is out of date: run `make docs` and commit the result"


def test_a_block_that_drifts_is_found_and_rewritten(tmp_path: Path) -> None:
    for name, _ in generated.BLOCKS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text())
    day2 = tmp_path / "docs" / "day2.md"
    day2.write_text(day2.read_text().replace("| 130 | interrupted (Ctrl-C) |", "| 130 | stale |"))
    assert generated.drifted(tmp_path) == ["docs/day2.md: the day2 block is out of date"]
    assert generated.drifted(tmp_path, write=True) and generated.drifted(tmp_path) == []
    assert day2.read_text() == (ROOT / "docs" / "day2.md").read_text()


def test_every_block_marker_in_the_docs_has_a_source() -> None:
    """A marked block no source writes would drift unseen: each start marker is one of generated.BLOCKS."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    marked = {
        (str(page.relative_to(ROOT)), marker)
        for page in pages
        for marker in re.findall(r"<!-- ([a-z0-9-]+):start -->", page.read_text())
    }
    assert marked == set(generated.BLOCKS)


@pytest.mark.parametrize("name", list(cli.SUMMARY))
def test_each_subcommands_help_says_what_the_readme_says(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([name, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert " ".join(cli.SUMMARY[name].split()) in text
    assert all(action in text for action in cli.IAM[name])
    assert all(f"{code} {meaning}" in text for code, meaning in cli._aws.EXIT_CODES)
    assert f"`{cli.usage(name)}`" in README


def test_read_only_subcommands_need_no_write_action() -> None:
    writes = ("Delete", "Create", "Update", "Tag", "Untag", "Start", "Stop", "Signal")
    for name in ("list", "status"):
        assert not [action for action in cli.IAM[name] if action.split(":")[1].startswith(writes)]


def test_the_console_script_and_python_m_run_the_command_without_loading_the_cdk() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"bedrock-model-copy": "bedrock_model_copy.cli:main"}
    assert "boto3>=1.34.152" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    probe = "import sys, runpy; sys.argv = ['x', 'list', '--help']\ntry: runpy.run_module('bedrock_model_copy', run_name='__main__')\nexcept SystemExit as e: print('exit', e.code, 'aws_cdk' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": "constructs"},
    )
    assert "usage: bedrock-model-copy list" in result.stdout and result.stdout.strip().endswith("exit 0 False")


def test_without_boto3_the_command_prints_the_install_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with mock.patch.dict(sys.modules, {"boto3": None}):
        assert cli.main(["list", "--region", "us-west-2"]) == 7
    assert 'pip install "boto3>=1.34.152"' in capsys.readouterr().err


def test_without_botocore_the_command_prints_the_install_hint() -> None:
    """The command reads the runtime's kinds (which import botocore): without it, the hint, not a traceback."""
    probe = (
        "import sys; sys.modules['botocore'] = None; sys.modules['boto3'] = None\n"
        "from bedrock_model_copy.cli import main\nsys.exit(main(['list', '--region', 'us-west-2']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": "constructs"}
    )
    assert result.returncode == 7 and 'pip install "boto3>=1.34.152"' in result.stderr, result.stderr
