"""Resolve the CloudFormation functions of a synthesized template, as CloudFormation would at deploy time.

A stack that uses bedrock-model-copy rarely has only literal properties: a KMS key of the
same stack is ``Fn::GetAtt``, a source model from another stack is ``Fn::ImportValue``, an
SSM parameter is a ``Ref`` to an ``AWS::SSM::Parameter::Value<String>`` parameter, and ARNs
are ``Fn::Join`` of pseudo parameters. :class:`TemplateValues` is what the test says those
resolve to; :func:`resolve` applies it.

Supported: ``Ref`` (template parameters, resources, pseudo parameters), ``Fn::GetAtt``,
``Fn::ImportValue``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``,
``Fn::Base64``, SSM parameters (``AWS::SSM::Parameter::Value<...>`` parameters and
``{{resolve:ssm:...}}`` dynamic references) and ``AWS::NoValue``. Anything the mapping does
not give fails with a message that says which key to add. ``Fn::ImportValue`` of what a stack
deployed before in the same simulated environment exported resolves by itself
(:mod:`.testing.cfn.exports`).

This is the library's only resolver: the testing kit's (``bedrock_model_copy.testing.intrinsics`` gives
its names) and the ``bedrock-model-copy drift`` command's, which resolves a live stack's template with the
values CloudFormation reports (its parameters, its resources' physical ids, the account's exports) in the
lenient mode (:mod:`.cli.templates`). It lives outside the kit so the command does not load the kit. The IAM
simulator reads policy documents and the copy
watcher's definition with it in its lenient mode (``lenient=True``: what has no value yet
becomes a ``<unresolved Ref X>`` / ``<unresolved GetAtt X.Attr>`` marker that
:meth:`~bedrock_model_copy.testing.iam.PolicySet.bind` replaces once the resource exists),
and a test can give placeholder values of resources that were never deployed through the
``deployed_ref`` / ``deployed_attribute`` hooks.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NO_VALUE",
    "Resolver",
    "TemplateValues",
    "UnresolvedIntrinsicError",
    "dependency_order",
    "imported_names",
    "partition_of",
    "pseudo_parameters",
]

NO_VALUE = object()  # Ref AWS::NoValue: the property is removed

_SSM_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:ssm:([^:}]+)(?::(\d+))?\}\}")
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


class UnresolvedIntrinsicError(ValueError):
    """A CloudFormation function whose value the test did not supply."""


def partition_of(region: str) -> str:
    """The partition of a Region: ``aws-cn`` for ``cn-*``, ``aws-us-gov`` for ``us-gov-*``, else ``aws``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def pseudo_parameters(
    *, stack_name: str, region: str, account: str, stack_id: str | None = None, partition: str | None = None
) -> dict[str, Any]:
    """The pseudo parameters CloudFormation gives a stack (``AWS::Region``, ``AWS::AccountId`` ...).

    ``partition`` defaults to the Region's (``aws-cn`` for ``cn-*``, ``aws-us-gov`` for
    ``us-gov-*``, else ``aws``); without ``stack_id`` there is no ``AWS::StackId``.
    """
    partition = partition or partition_of(region)
    pseudo: dict[str, Any] = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": [],
    }
    if stack_id is not None:
        pseudo["AWS::StackId"] = stack_id
    return pseudo


@dataclass
class TemplateValues:
    """What the CloudFormation functions of a template resolve to in a test.

    Parameters
    ----------
    refs : Mapping[str, Any]
        ``Ref`` of a template parameter or of a resource, by logical id
        (``{"SourceModelArn": "arn:aws:bedrock:..."}``). Template parameters with a
        ``Default`` need no entry.
    attributes : Mapping[str, Any]
        ``Fn::GetAtt``, by ``"LogicalId.Attribute"`` (``{"ModelKey961B73FD.Arn": "arn:aws:kms:..."}``).
        Attributes of the ``Custom::BedrockModelCopy`` resources deployed before are known.
    imports : Mapping[str, Any]
        ``Fn::ImportValue``, by export name (what another stack exported). An export of a stack
        deployed before in the same simulated environment needs no entry (:mod:`.cfn.exports`).
    ssm_parameters : Mapping[str, Any]
        SSM parameter values, by parameter name (``{"/models/source-arn": "arn:..."}``), for
        ``AWS::SSM::Parameter::Value<String>`` template parameters (what
        ``ssm.StringParameter.value_for_string_parameter`` writes) and ``{{resolve:ssm:name}}``.
    pseudo_parameters : Mapping[str, Any]
        Overrides of the pseudo parameters; by default the stack's own (``AWS::Region``,
        ``AWS::AccountId``, ``AWS::Partition``, ``AWS::StackName``, ``AWS::StackId``,
        ``AWS::URLSuffix``).
    """

    refs: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    imports: Mapping[str, Any] = field(default_factory=dict)
    ssm_parameters: Mapping[str, Any] = field(default_factory=dict)
    pseudo_parameters: Mapping[str, Any] = field(default_factory=dict)


class Resolver:
    """Resolves values of one template with :class:`TemplateValues` and the stack's pseudo parameters.

    ``deployed_attribute`` answers ``Fn::GetAtt`` of resources deployed so far, ``deployed_ref`` their
    ``Ref`` and ``deployed_import`` ``Fn::ImportValue`` of what stacks deployed before exported (called with the
    export name and the place; None if unknown); a test may give placeholders through them. ``values`` wins
    over all three.
    With ``lenient``, what has no value becomes a marker instead of an error: ``<unresolved Ref X>``,
    ``<unresolved GetAtt X.Attr>``, ``<unresolved Fn::Name>`` (a function the kit does not evaluate,
    or an import nobody gave); an unknown ``{{resolve:ssm:...}}`` reference is left as written.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        values: TemplateValues | None,
        pseudo: Mapping[str, Any],
        deployed_attribute: Callable[[str, str], Any] | None = None,
        deployed_ref: Callable[[str], Any] | None = None,
        *,
        lenient: bool = False,
        deployed_import: Callable[[str, str], Any] | None = None,
    ) -> None:
        self.parameters: Mapping[str, Any] = template.get("Parameters", {})
        self.values = values = values or TemplateValues()
        self.lenient = lenient
        self.pseudo = {**pseudo, **values.pseudo_parameters}
        self._deployed_attribute = deployed_attribute or (lambda logical_id, attribute: None)
        self._deployed_ref = deployed_ref or (lambda logical_id: None)
        self._deployed_import = deployed_import or (lambda export, where: None)

    def resolve(self, value: Any, where: str) -> Any:
        """Resolve every function in ``value``; ``where`` names the place in errors."""
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if isinstance(value, str):
            return self._dynamic_references(value, where)
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument, where)
            if key.startswith("Fn::"):
                return self._function(key, argument, where)
        resolved = {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _fail(self, where: str, what: str, fix: str) -> UnresolvedIntrinsicError:
        return UnresolvedIntrinsicError(f"{where}: {what} has no value in this test; {fix}")

    def _unknown(self, marker: str, where: str, what: str, fix: str) -> str:
        """The marker in lenient mode; an error naming ``what`` and the fix otherwise."""
        if self.lenient:
            return f"<unresolved {marker}>"
        raise self._fail(where, what, fix)

    def _ref(self, name: str, where: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values.refs:
            return self.values.refs[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            return self._unknown(
                f"Ref {name}",
                where,
                f"pseudo parameter {name}",
                f"give it in TemplateValues(pseudo_parameters={{{name!r}: ...}})",
            )
        parameter = self.parameters.get(name)
        if parameter is not None:
            if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value<") and "Default" in parameter:
                return self._ssm(str(parameter["Default"]), where)
            if "Default" in parameter:
                return parameter["Default"]
            return self._unknown(
                f"Ref {name}",
                where,
                f"Ref {name} (a template parameter)",
                f"give it in TemplateValues(refs={{{name!r}: ...}})",
            )
        deployed = self._deployed_ref(name)
        if deployed is not None:
            return deployed
        return self._unknown(f"Ref {name}", where, f"Ref {name}", f"give it in TemplateValues(refs={{{name!r}: ...}})")

    def _ssm(self, name: str, where: str) -> Any:
        if name in self.values.ssm_parameters:
            return self.values.ssm_parameters[name]
        raise self._fail(where, f"SSM parameter {name}", f"give it in TemplateValues(ssm_parameters={{{name!r}: ...}})")

    def _dynamic_references(self, text: str, where: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if self.lenient and match.group(1) not in self.values.ssm_parameters:
                return match.group(0)
            return str(self._ssm(match.group(1), where))

        return _SSM_DYNAMIC_REFERENCE.sub(replace, text)

    def _get_att(self, logical_id: str, attribute: str, where: str) -> Any:
        key = f"{logical_id}.{attribute}"
        if key in self.values.attributes:
            return self.values.attributes[key]
        deployed = self._deployed_attribute(logical_id, attribute)
        if deployed is not None:
            return deployed
        return self._unknown(
            f"GetAtt {key}", where, f"Fn::GetAtt {key}", f"give it in TemplateValues(attributes={{{key!r}: ...}})"
        )

    def _function(self, name: str, argument: Any, where: str) -> Any:
        if name == "Fn::GetAtt":
            logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return self._get_att(logical_id, self.resolve(attribute, where), where)
        if name == "Fn::ImportValue":
            export = self.resolve(argument, where)
            if export in self.values.imports:
                return self.values.imports[export]
            deployed = self._deployed_import(export, where)
            if deployed is not None:
                return deployed
            return self._unknown(
                name,
                where,
                f"Fn::ImportValue {export}",
                "no stack deployed before in this simulated environment exports it: deploy that stack first "
                "(deploy_app deploys an app's stacks in order), or give it in "
                f"TemplateValues(imports={{{export!r}: ...}})",
            )
        if name == "Fn::Join":
            separator, items = argument
            return str(separator).join(str(item) for item in self.resolve(items, where))
        if name == "Fn::Select":
            index, items = self.resolve(argument, where)
            return items[int(index)]
        if name == "Fn::Split":
            separator, text = self.resolve(argument, where)
            return str(text).split(str(separator))
        if name == "Fn::Base64":
            return base64.b64encode(str(self.resolve(argument, where)).encode()).decode()
        if name == "Fn::Sub":
            return self._sub(argument, where)
        if self.lenient:
            return f"<unresolved {name}>"
        raise UnresolvedIntrinsicError(f"{where}: {name} is not supported by the testing kit; give a concrete value")

    def _sub(self, argument: Any, where: str) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {key: self.resolve(value, where) for key, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable in local:
                return str(local[variable])
            if "." in variable and not variable.startswith("AWS::"):
                logical_id, attribute = variable.split(".", 1)
                return str(self._get_att(logical_id, attribute, where))
            return str(self._ref(variable, where))

        return _SUB_VARIABLE.sub(replace, self._dynamic_references(text, where)).replace("${!", "${")


def _references(value: Any) -> set[str]:
    """Logical ids that ``value`` reads through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item.split(".", 1)[0] if isinstance(item, str) else str(item[0]))
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {variable.split(".", 1)[0] for variable in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= _references(item)
            else:
                found |= _references(item)
    return found


def imported_names(value: Any) -> list[Any]:
    """The arguments of every ``Fn::ImportValue`` in ``value`` (export names, unresolved), in the order found."""
    found: list[Any] = []
    if isinstance(value, list):
        for item in value:
            found += imported_names(item)
    elif isinstance(value, dict):
        if len(value) == 1 and "Fn::ImportValue" in value:
            return [value["Fn::ImportValue"]]
        for item in value.values():
            found += imported_names(item)
    return found


def dependency_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """Logical ids so that a resource comes after those it references or DependsOn (template order otherwise)."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered or logical_id in visiting:
            return
        visiting.add(logical_id)
        resource = resources[logical_id]
        depends_on = resource.get("DependsOn", [])
        needs = _references(resource.get("Properties", {})) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        for other in sorted(needs & set(resources)):
            visit(other)
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return ordered
