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

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_readme_day2_reference_is_what_the_command_says() -> None:
    match = re.search(r"<!-- day2:start -->\n(.*?)\n<!-- day2:end -->", README, re.S)
    assert match, "README.md lost its day2 markers"
    assert match.group(1) == cli.day2_markdown(), (
        "README's Day 2 reference is out of date; paste the output of\n"
        '  .venv/bin/python -c \'import sys; sys.path.insert(0, "constructs"); '
        "from bedrock_model_copy.cli import day2_markdown; print(day2_markdown())'"
    )


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
