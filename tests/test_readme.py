"""The README a user reads first: short, navigable, its links alive, its quickstart working, its props the code's."""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest

from bedrock_model_copy import (
    BedrockModelCopy,
    CustomModelDeployment,
    ModelCopyJobWaiter,
    ModelCopyProviderOptions,
    ProvisionedThroughput,
)
from conftest import ENV, ROOT

README = (ROOT / "README.md").read_text()
MAX_LINES = 320
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M):
        base = slug(heading)
        result.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return result


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= MAX_LINES


def test_the_table_of_contents_links_every_section_to_its_heading() -> None:
    contents = README.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    targets = [target for target in LINK.findall(contents) if target.startswith("#")]  # docs/ pages: links test
    assert {target[1:] for target in targets} <= anchors(README)
    sections = [slug(h) for h in re.findall(r"^## (.+)$", README, re.M) if h != "Contents"]
    assert sorted(target[1:] for target in targets) == sorted(sections)


def _relative_links() -> Iterator[tuple[Path, str]]:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", page.read_text(), flags=re.S))
        for target in LINK.findall(text):
            if not re.match(r"^[a-z]+:", target):
                yield page, target


def link_problem(page: Path, target: str) -> str | None:
    """Why ``target``, a relative link on ``page``, leads nowhere; None when it resolves (file, and heading if any)."""
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    if not linked.is_file():
        return f"{page.name}: {target}: no such file"
    if anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text()):
        return f"{page.name}: {target}: no such heading"
    return None


@pytest.mark.parametrize(("page", "target"), list(_relative_links()), ids=lambda value: getattr(value, "name", value))
def test_every_relative_link_points_to_an_existing_file_and_heading(page: Path, target: str) -> None:
    assert link_problem(page, target) is None


def test_the_link_check_sees_a_missing_file_or_heading() -> None:
    readme = ROOT / "README.md"
    assert link_problem(readme, "docs/iam.md#kms") is None
    assert link_problem(readme, "#troubleshooting") is None
    assert link_problem(readme, "docs/nowhere.md") is not None
    assert link_problem(readme, "docs/iam.md#no-such-heading") is not None
    assert link_problem(readme, "#no-such-heading") is not None


# ------------------------------------------------------------------ props tables = signatures


def _table(heading: str) -> dict[str, list[str]]:
    section = README.split(f"### `{heading}`\n", 1)[1].split("\n#", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| `")]
    return {cells[0].strip().strip("`"): [cell.strip() for cell in cells] for cells in rows}


SIGNATURES = [
    ("BedrockModelCopy(scope, id, *, ...)", BedrockModelCopy),
    ("ModelCopyJobWaiter(scope, id, *, ...)", ModelCopyJobWaiter),
    ("CustomModelDeployment(scope, id, *, ...)", CustomModelDeployment),
    ("ProvisionedThroughput(scope, id, *, ...)", ProvisionedThroughput),
]


@pytest.mark.parametrize(("heading", "construct"), SIGNATURES, ids=[c.__name__ for _, c in SIGNATURES])
def test_each_props_table_lists_every_keyword_of_the_construct_with_its_default(heading: str, construct: type) -> None:
    table = _table(heading)
    parameters = {
        name: parameter
        for name, parameter in inspect.signature(construct).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert sorted(table) == sorted(parameters)
    for name, parameter in parameters.items():
        default = table[name][2]
        assert (default == "required") == (parameter.default is inspect.Parameter.empty), (name, default)
        if isinstance(parameter.default, cdk.RemovalPolicy):
            assert f"`{parameter.default.name}`" in default, (name, default)


def test_the_provider_options_table_lists_every_option_with_its_default() -> None:
    table = _table("ModelCopyProviderOptions(*, ...)")
    fields = {field.name: field.default for field in dataclasses.fields(ModelCopyProviderOptions)}
    assert sorted(table) == sorted(fields)
    assert table["tracing"][2] == f"`{fields['tracing']}`"
    assert (
        "365" in table["log_retention_days"][2]
        and "bedrock-model-copy:logRetentionDays" in table["log_retention_days"][2]
    )


def test_the_duration_defaults_in_the_tables_are_the_code_s() -> None:
    from bedrock_model_copy import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT

    copy = _table("BedrockModelCopy(scope, id, *, ...)")
    assert copy["timeout"][2] == f"{DEFAULT_TIMEOUT.to_minutes()} minutes"
    assert copy["poll_interval"][2] == f"{DEFAULT_POLL_INTERVAL.to_seconds()} seconds"


# ------------------------------------------------------------------ the quickstart, as a user runs it


@pytest.fixture
def readme_app() -> Iterator[types.ModuleType]:
    """The README's first Python block, importable as ``app`` (what the quickstart saves as app.py)."""
    module = types.ModuleType("app")
    exec(compile(python_blocks(README)[0], "README.md (app.py)", "exec"), module.__dict__)  # noqa: S102
    previous = sys.modules.get("app")
    sys.modules["app"] = module
    yield module
    if previous is None:
        del sys.modules["app"]
    else:
        sys.modules["app"] = previous


def test_the_quickstart_app_synthesizes_a_copy_served_on_demand_and_a_cross_stack_reference(
    readme_app: types.ModuleType,
) -> None:
    app = cdk.App()
    copy_stack = readme_app.build_app(app)
    assembly = app.synth()
    copy_template = assembly.get_stack_by_name(copy_stack.stack_name).template
    types_ = [resource["Type"] for resource in copy_template["Resources"].values()]
    assert types_.count("Custom::BedrockModelCopy") == 1
    assert types_.count("Custom::BedrockCustomModelDeployment") == 1
    assert {"ModelArn", "DeploymentArn"} <= set(copy_template["Outputs"])
    exports = [output for output in copy_template["Outputs"].values() if "Export" in output]
    assert exports, "the second stack reads the deployment through an export"
    (other,) = [stack for stack in assembly.stacks if stack.stack_name != copy_stack.stack_name]
    assert "Fn::ImportValue" in str(other.template)


def test_the_quickstart_offline_test_passes(readme_app: types.ModuleType) -> None:
    namespace: dict[str, object] = {}
    exec(compile(python_blocks(README)[1], "README.md (test_app.py)", "exec"), namespace)  # noqa: S102
    (test,) = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    test()


def test_the_every_prop_example_on_the_design_page_synthesizes() -> None:
    """The example that was the README's first snippet, now on docs/design.md: still a stack that synthesizes."""
    namespace: dict[str, object] = {}
    design = (ROOT / "docs" / "design.md").read_text()
    exec(compile(python_blocks(design)[0], "docs/design.md", "exec"), namespace)  # noqa: S102
    stack = namespace["CopyStack"](cdk.App(), "CopyStack", env=ENV)  # type: ignore[operator]
    template = cdk.assertions.Template.from_stack(stack)
    template.resource_count_is("Custom::BedrockModelCopy", 2)
