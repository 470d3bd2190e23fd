"""The built wheel and sdist: contents, and a working library from a fresh venv in an unrelated directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, handler_asset_dirs

# Every module of the handler package in the source tree, and nothing else (no byte code).
HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "model_copy"
# Every module of the handler, its subpackages (engine/, kinds/) included: a package left out of pyproject's list
# would be missing from the wheel.
HANDLER_FILES = {path.relative_to(HANDLER_DIR).as_posix() for path in HANDLER_DIR.rglob("*.py")}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def test_wheel_ships_the_handler_and_py_typed(dist: Path) -> None:
    (wheel,) = dist.glob("bedrock_model_copy-0.3.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert {f"bedrock_model_copy/_lambda/model_copy/{name}" for name in HANDLER_FILES} <= names
    assert "bedrock_model_copy/py.typed" in names
    assert {"bedrock_model_copy/testing/fake_bedrock.py", "bedrock_model_copy/testing/driver.py"} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if name.startswith(("tests/", "constructs/", "lambda/"))]
    assert "Requires-Dist: aws-cdk-lib<3,>=2.271.0" in metadata or "Requires-Dist: aws-cdk-lib>=2.271.0,<3" in metadata
    assert "Requires-Python: >=3.11" in metadata and "License-Expression: Apache-2.0" in metadata
    # pip install "bedrock-model-copy[testing]" brings what the testing kit imports.
    assert "Provides-Extra: testing" in metadata
    assert {line for line in metadata.splitlines() if 'extra == "testing"' in line} == {
        'Requires-Dist: boto3>=1.34.152; extra == "testing"',
        'Requires-Dist: botocore>=1.34.152; extra == "testing"',
    }
    assert "bedrock_model_copy/testing/intrinsics.py" in names


def test_sdist_has_everything_to_rebuild_and_test(dist: Path) -> None:
    (sdist,) = dist.glob("bedrock_model_copy-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {f"lambda/model_copy/{name}" for name in HANDLER_FILES} <= names
    assert {"README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "constructs/bedrock_model_copy/py.typed"} <= names
    assert "tests/events/create_copy.json" in names


def test_wheel_in_a_fresh_venv_synthesizes_from_an_unrelated_directory(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("bedrock_model_copy-0.3.0-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)
    # The library's dependencies (aws-cdk-lib, constructs) come from this environment, after the venv's own
    # site-packages: no network needed, and nothing of the source tree is on the path.
    site_packages = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site_packages / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    script = workdir / "synth.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            from pathlib import Path
            import aws_cdk as cdk
            import bedrock_model_copy
            from bedrock_model_copy import BedrockModelCopy, ModelCopyJobWaiter

            app = cdk.App(outdir="cdk.out")
            stack = cdk.Stack(app, "Installed", env=cdk.Environment(account="111122223333", region="us-west-2"))
            source = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
            BedrockModelCopy(stack, "A", source_model_arn=source, target_model_name="copy-a")
            BedrockModelCopy(stack, "B", source_model_arn=source, target_model_name="copy-b")
            ModelCopyJobWaiter(stack, "W", job_arn="arn:aws:bedrock:us-west-2:111122223333:model-copy-job/abcdefghij12")
            app.synth()
            print(json.dumps({"module": bedrock_model_copy.__file__, "version": bedrock_model_copy.__version__}))
            """
        )
    )
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # node for jsii
    result = subprocess.run(
        [python, str(script)], cwd=workdir, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert info["module"].startswith(str(env_dir)), info
    assert info["version"] == "0.3.0"

    outdir = workdir / "cdk.out"
    template = json.loads((outdir / "Installed.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    assert types.count("Custom::BedrockModelCopy") == 3 and types.count("AWS::StepFunctions::StateMachine") == 1
    handler_assets = handler_asset_dirs(outdir)
    assert len(handler_assets) == 1
    shipped = handler_assets[0] / "model_copy"
    assert {p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()} == HANDLER_FILES


def test_lower_bound_environment_pins_the_declared_lower_bounds() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lower = {
        name: version
        for name, version in (
            line.split("==") for line in (ROOT / "requirements-lower.txt").read_text().splitlines() if "==" in line
        )
    }
    for requirement in declared:
        name, _, bounds = requirement.partition(">=")
        assert lower[name] == bounds.split(",")[0], requirement


def test_the_version_is_the_changelogs_newest_release() -> None:
    import re

    import bedrock_model_copy

    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", changelog, flags=re.MULTILINE)
    assert headings[0] == ("Unreleased", ""), "keep an (empty) Unreleased section on top"
    version, date = headings[1]
    assert version == bedrock_model_copy.__version__ == "0.3.0"
    assert date, "a released version carries its date"


@pytest.mark.slow
def test_the_installed_command_runs_against_the_fake_endpoint(dist: Path, tmp_path: Path) -> None:
    """`pip install` the wheel, then `bedrock-model-copy --help`, `python -m bedrock_model_copy --help` and
    `bedrock-model-copy list --region us-west-2` against a fake served on loopback, as a user would."""
    from bedrock_model_copy._lambda.model_copy.contract import OWNER_RESOURCE_TAG_KEY, OWNER_TAG_KEY
    from bedrock_model_copy.testing.fake_fleet import FakeFleet

    (wheel,) = dist.glob("bedrock_model_copy-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python, command = env_dir / "bin" / "python", env_dir / "bin" / "bedrock-model-copy"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)
    purelib = subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    (Path(purelib.decode().strip()) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    fleet = FakeFleet.of("us-west-2")
    fleet["us-west-2"].add_model("left-behind", tags={OWNER_TAG_KEY: "Gone", OWNER_RESOURCE_TAG_KEY: "Copy"})
    fleet["us-west-2"].add_model("someone-elses")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env = {key: value for key, value in env.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    missing = str(tmp_path / "none")
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_CONFIG_FILE=missing)
    env.update(AWS_SHARED_CREDENTIALS_FILE=missing, AWS_EC2_METADATA_DISABLED="true")

    def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120)

    with fleet.serve() as endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
        helped, as_module = run(command, "--help"), run(python, "-m", "bedrock_model_copy", "--help")
        listed = run(command, "list", "--region", "us-west-2")
        where = run(python, "-c", "import bedrock_model_copy.cli as c; print(c.__file__)")
    assert (
        helped.returncode == 0
        and "usage: bedrock-model-copy" in helped.stdout
        and "{list,status,clean,drift}" in helped.stdout
    )
    assert as_module.returncode == 0 and as_module.stdout == helped.stdout
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "left-behind" in listed.stdout and "someone-elses" not in listed.stdout
    assert "1 resources: 0 declared, 1 kept, 0 running" in listed.stdout
    assert where.stdout.strip().startswith(str(env_dir))  # the installed copy, not the source tree
    assert {call.operation for call in fleet["us-west-2"].calls} >= {"ListCustomModels", "ListTagsForResource"}
