"""CloudFormation exports between the stacks of one simulated environment (one account and Region).

What CloudFormation does (the ``Fn::ImportValue`` reference, docs/aws-behaviour.md C9), and so the kit:

- an Output with ``Export: {Name: ...}`` is published when its stack's deploy succeeds, and
  ``Fn::ImportValue`` of that name in another stack of the same account and Region resolves to its value
  (an import of a name nobody exports fails: "No export named ... found");
- export names are unique in an account and Region: a stack cannot export a name another stack exports;
- a stack cannot be deleted while another stack imports one of its exports, and an update cannot remove an
  export another stack imports.

The kit keeps the exports on the fake (``FakeBedrock.exports``: one fake is one account and Region), so every
:class:`~.stack.CloudFormationStack` of one :func:`~..driver.simulated_environment` sees them; a
:class:`~..intrinsics.TemplateValues` ``imports`` entry still wins. Not simulated: CloudFormation also refuses an
update that changes the value of an export another stack imports; the kit publishes the new value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..intrinsics import Resolver, UnresolvedIntrinsicError, imported_names


@dataclass
class Export:
    """One export: its name, value, the stack and Output that export it, and the stacks that import it."""

    name: str
    value: str | None  # None: the Output's value has no value in this test (a resource the kit does not deploy)
    stack_name: str
    output: str
    importers: set[str] = field(default_factory=set)


class _Stack(Protocol):
    stack_name: str

    @property
    def exports(self) -> dict[str, Export] | None: ...


def export_names(template: dict[str, Any], resolver: Resolver) -> dict[str, str]:
    """Export name -> Output name, for the Outputs of ``template`` that export a value."""
    names: dict[str, str] = {}
    for output_name, output in template.get("Outputs", {}).items():
        export = output.get("Export")
        if isinstance(export, dict) and "Name" in export:
            names[str(resolver.resolve(export["Name"], f"Outputs.{output_name}.Export.Name"))] = output_name
    return names


def imported_export_names(template: dict[str, Any], resolver: Resolver) -> set[str]:
    """The export names that ``template`` imports (``Fn::ImportValue``, wherever it is)."""
    sections = {key: value for key, value in template.items() if key in ("Resources", "Outputs", "Conditions")}
    return {str(resolver.resolve(name, "Fn::ImportValue")) for name in imported_names(sections)}


def check_deploy(stack: _Stack, template: dict[str, Any], resolver: Resolver) -> None:
    """Refuse, before anything changes, what CloudFormation refuses: a name another stack exports, or an export
    of this stack that another stack imports and the new template no longer exports."""
    exports = stack.exports
    if exports is None:
        return
    names = export_names(template, resolver)
    for name in names:
        taken = exports.get(name)
        if taken is not None and taken.stack_name != stack.stack_name:
            raise ValueError(
                f"Export with name {name} is already exported by stack {taken.stack_name}: stack {stack.stack_name} "
                "cannot export it too (export names are unique in an account and Region)"
            )
    for name, export in exports.items():
        in_use = sorted(export.importers - {stack.stack_name})
        if export.stack_name == stack.stack_name and name not in names and in_use:
            raise ValueError(
                f"Cannot delete export {name} as it is in use by {', '.join(in_use)}: stack {stack.stack_name}'s "
                "new template no longer exports it; deploy the importing stacks without the import first"
            )


def publish(stack: _Stack, template: dict[str, Any], resolver: Resolver) -> None:
    """After a successful deploy: this stack's exports as the template now says, and what it imports."""
    exports = stack.exports
    if exports is None:
        return
    names = export_names(template, resolver)
    for name in [name for name, export in exports.items() if export.stack_name == stack.stack_name]:
        if name not in names:
            del exports[name]
    for name, output_name in names.items():
        try:
            value = resolver.resolve(template["Outputs"][output_name]["Value"], f"Outputs.{output_name}")
        except UnresolvedIntrinsicError:
            value = None
        previous = exports.get(name)
        exports[name] = Export(
            name,
            None if value is None else str(value),
            stack.stack_name,
            output_name,
            previous.importers if previous else set(),
        )
    imports = imported_export_names(template, resolver)
    for name, export in exports.items():
        if name in imports:
            export.importers.add(stack.stack_name)
        else:
            export.importers.discard(stack.stack_name)


def value_of(exports: dict[str, Export] | None, name: str, where: str) -> str | None:
    """The value another stack exported under ``name`` (None: nobody exports it)."""
    export = (exports or {}).get(name)
    if export is None:
        return None
    if export.value is None:
        raise UnresolvedIntrinsicError(
            f"{where}: Fn::ImportValue {name}: stack {export.stack_name} exports it from Output {export.output}, "
            f"whose value has no value in this test (it reads a resource the kit does not deploy); give it in "
            f"TemplateValues(imports={{{name!r}: ...}})"
        )
    return export.value


def check_delete(stack: _Stack) -> None:
    """Refuse a stack delete while another stack imports one of this stack's exports."""
    for name, export in (stack.exports or {}).items():
        in_use = sorted(export.importers - {stack.stack_name})
        if export.stack_name == stack.stack_name and in_use:
            raise ValueError(
                f"Export {name} cannot be deleted as it is in use by {', '.join(in_use)}: delete the importing "
                f"stacks before stack {stack.stack_name}"
            )


def withdraw(stack: _Stack) -> None:
    """After a stack delete: its exports are gone, and it imports nothing."""
    exports = stack.exports
    if exports is None:
        return
    for name in [name for name, export in exports.items() if export.stack_name == stack.stack_name]:
        del exports[name]
    for export in exports.values():
        export.importers.discard(stack.stack_name)
