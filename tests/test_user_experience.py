"""What a new user meets first: the README's install line, mypy --strict on their app, make bench and the docs."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import aws_cdk as cdk
import pytest

from bedrock_model_copy import BedrockModelCopy
from bedrock_model_copy.testing import CloudFormationStack, FakeBedrock, simulated_environment
from conftest import ENV, ROOT

README = (ROOT / "README.md").read_text()
FOUNDATION_SOURCE = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"


def install_block() -> list[str]:
    section = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_the_readme_install_block_leads_with_what_works_unpublished() -> None:
    commands = install_block()
    assert commands[0] == "pip install ."
    assert "pip install bedrock-model-copy" not in commands  # not on PyPI
    assert any(re.fullmatch(r'pip install "bedrock-model-copy(\[testing\])? @ git\+https://\S+"', c) for c in commands)
    assert any(c.startswith("pip install dist/bedrock_model_copy-") for c in commands)


@pytest.mark.slow
def test_pip_install_dot_from_a_checkout_works(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    checkout = tmp_path / "checkout"
    for name in tracked.splitlines():
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            (checkout / name).write_bytes(source.read_bytes())
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site_packages = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    # aws-cdk-lib, constructs and setuptools (the venv's own is too old) come from this environment: no network.
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "--yes", "setuptools"], check=True, timeout=300)
    (Path(site_packages) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "."],
        cwd=checkout,
        check=True,
        timeout=300,
    )
    result = subprocess.run(
        [python, "-c", "import bedrock_model_copy, bedrock_model_copy.testing; print(bedrock_model_copy.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert result.stdout.strip().startswith(str(env_dir))


BAD_USER_CODE = """
import aws_cdk as cdk
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from bedrock_model_copy import BedrockModelCopy, IModelCopy
from bedrock_model_copy.testing import TemplateValues

stack = cdk.Stack(cdk.App(), "S")
SOURCE = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
tasks.BedrockInvokeModel(stack, "I", model=SOURCE, body=sfn.TaskInput.from_text("x"))  # line 11: a str is no IModel
BedrockModelCopy(stack, "C", source_model_arn=SOURCE, timeout="30m")  # line 12: not a Duration
TemplateValues(refs=["Key"])  # line 13: not a mapping
model: IModelCopy = SOURCE  # line 14: a str is no IModelCopy
cdk.RemovalPolicies.of(stack).apply("DESTROY")  # line 15: not a RemovalPolicy
"""


@pytest.mark.slow
def readme_first_python_snippet() -> str:
    return README.split("```python\n", 1)[1].split("```", 1)[0]


def test_mypy_strict_accepts_the_user_example_and_catches_misuse(tmp_path: Path) -> None:
    bad = tmp_path / "bad_user_app.py"
    bad.write_text(BAD_USER_CODE)
    # The README's first snippet is what a newcomer copies: it passes mypy --strict as it stands.
    snippet = tmp_path / "readme_snippet.py"
    snippet.write_text(readme_first_python_snippet())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(ROOT / "examples" / "user_app.py"),
            str(ROOT / "examples" / "test_user_app.py"),
            str(snippet),
            str(bad),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if "examples" in line or "readme_snippet.py" in line], result.stdout
    assert "BedrockModelCopy(" in snippet.read_text() and "deploy_on_demand(" in snippet.read_text()
    assert sorted({int(line.split(":")[1]) for line in errors if "bad_user_app.py" in line}) == [11, 12, 13, 14, 15], (
        result.stdout
    )


def test_make_bench_leaves_the_tracked_benchmark_page_alone() -> None:
    def dry_run(target: str) -> str:
        return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert "docs/benchmarks.md" not in dry_run("bench") and "bench/run.py --output build/" in dry_run("bench")
    assert "bench/run.py --output docs/benchmarks.md" in dry_run("bench-docs")
    assert 'default=ROOT / "build"' in (ROOT / "bench" / "run.py").read_text()


def test_foundation_model_sources_agree_in_readme_docstring_synth_and_fake() -> None:
    props = README.split("### `BedrockModelCopy(scope, id, *, ...)`", 1)[1].split("###", 1)[0]
    (row,) = [line for line in props.splitlines() if line.startswith("| `source_model_arn`")]
    assert "foundation-model" in row
    assert "foundation-model" in (BedrockModelCopy.__doc__ or "")
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    BedrockModelCopy(stack, "Copy", source_model_arn=FOUNDATION_SOURCE, target_model_name="from-foundation")
    fake = FakeBedrock()
    with simulated_environment(fake) as framework:
        operation = CloudFormationStack(framework).deploy_template(cdk.assertions.Template.from_stack(stack).to_json())
    ((_, result),) = operation[0].items()
    assert result.response.ok, result.response.reason
    assert fake.calls_to("CreateModelCopyJob")[0].params["sourceModelArn"] == FOUNDATION_SOURCE


def test_the_readme_snippet_synthesizes() -> None:
    snippet = README.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    app = cdk.App()
    stack = namespace["build_app"](app)  # type: ignore[operator]  # the quickstart's app.py: copy stack first
    template = cdk.assertions.Template.from_stack(stack)
    template.resource_count_is("Custom::BedrockModelCopy", 1)
    template.resource_count_is("Custom::BedrockCustomModelDeployment", 1)
    assert stack.account == ENV.account and stack.region == ENV.region
