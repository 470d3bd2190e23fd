"""Evaluate IAM identity policies the way IAM does, for the fake Bedrock's IAM mode.

:func:`handler_role_policies` takes the handler role's policy documents out of a
synthesized template (functions resolved by the kit's one resolver, :mod:`.intrinsics`); a
:class:`PolicySet` then answers whether a request with a given action, resource and
condition context is allowed: an explicit Deny wins, otherwise one Allow whose
action, resource and every condition match is needed. Condition operators it does
not know make it raise, so a policy can never pass by being misunderstood.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .intrinsics import Resolver, pseudo_parameters

__all__ = [
    "ContextValue",
    "PolicySet",
    "handler_role_policies",
    "pseudo_parameters",
    "resolve",
    "role_documents",
    "role_policies",
]

ContextValue = str | Sequence[str]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: ``*`` and ``?`` within each of the first five ARN fields, then the rest."""
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != len(arn_parts):
        return False
    return all(fnmatch.fnmatchcase(part, wanted) for wanted, part in zip(pattern_parts, arn_parts, strict=True))


def _lookup(context: Mapping[str, ContextValue], key: str) -> list[str] | None:
    lowered = {name.lower(): value for name, value in context.items()}
    value = lowered.get(key.lower())
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _string_test(operator: str, actual: str, wanted: list[str]) -> bool:
    if operator == "StringEquals":
        return actual in wanted
    if operator == "StringNotEquals":
        return actual not in wanted
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in [item.lower() for item in wanted]
    if operator == "StringNotEqualsIgnoreCase":
        return actual.lower() not in [item.lower() for item in wanted]
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(actual, pattern) for pattern in wanted)
    if operator == "StringNotLike":
        return not any(fnmatch.fnmatchcase(actual, pattern) for pattern in wanted)
    if operator == "Bool":
        return actual.lower() in [str(item).lower() for item in wanted]
    raise NotImplementedError(f"condition operator {operator} is not evaluated by this simulator")


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, ContextValue]) -> bool:
    values = [str(item) for item in _as_list(wanted)]
    actual = _lookup(context, key)
    if operator.endswith("IfExists") and operator != "Null":  # e.g. StringEqualsIfExists: a missing key matches
        if actual is None:
            return True
        operator = operator[: -len("IfExists")]
    if operator == "Null":
        return (actual is None) == (values[0].lower() == "true")
    if operator.startswith("ForAllValues:"):
        inner = operator.split(":", 1)[1]
        return all(_string_test(inner, item, values) for item in actual or [])
    if operator.startswith("ForAnyValue:"):
        inner = operator.split(":", 1)[1]
        return any(_string_test(inner, item, values) for item in actual or [])
    if actual is None:
        return operator.startswith("StringNot")  # negated operators match a missing key
    return _string_test(operator, actual[0], values)


@dataclass
class PolicySet:
    """The identity policies of one role."""

    documents: list[dict[str, Any]]
    denied: list[tuple[str, str]] = field(default_factory=list)
    _unbound: list[dict[str, Any]] | None = None
    _bindings: dict[str, str] = field(default_factory=dict)

    def statements(self) -> Iterable[dict[str, Any]]:
        for document in self.documents:
            yield from _as_list(document.get("Statement", []))

    def _matches(self, statement: Mapping[str, Any], action: str, resource: str, context: Any) -> bool:
        actions = [str(item).lower() for item in _as_list(statement.get("Action", []))]
        if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in actions):
            return False
        if not any(_arn_matches(str(pattern), resource) for pattern in _as_list(statement.get("Resource", []))):
            return False
        for operator, tests in (statement.get("Condition") or {}).items():
            for key, wanted in tests.items():
                if not _condition_holds(operator, key, wanted, context):
                    return False
        return True

    def bind(self, logical_id: str, value: str, attributes: Mapping[str, str] | None = None) -> None:
        """Resolve ``Ref`` (and ``Fn::GetAtt`` of ``attributes``) of a resource that now exists, as
        CloudFormation does when it creates it.

        Binding the same logical id again (a re-created stack) replaces the earlier value.
        """
        if self._unbound is None:
            self._unbound = [dict(document) for document in self.documents]
        self._bindings[f"<unresolved Ref {logical_id}>"] = value
        for name, attribute in (attributes or {}).items():
            self._bindings[f"<unresolved GetAtt {logical_id}.{name}>"] = attribute

        def walk(item: Any) -> Any:
            if isinstance(item, dict):
                return {key: walk(child) for key, child in item.items()}
            if isinstance(item, list):
                return [walk(child) for child in item]
            if not isinstance(item, str):
                return item
            for marker, bound in self._bindings.items():
                item = item.replace(marker, bound)
            return item

        self.documents = [walk(document) for document in self._unbound]

    def is_allowed(self, action: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        """Whether IAM would allow ``action`` on ``resource`` with this request context."""
        allowed = False
        for statement in self.statements():
            if self._matches(statement, action, resource, context):
                if statement.get("Effect") == "Deny":
                    allowed = False
                    break
                allowed = True
        if not allowed:
            self.denied.append((action, resource))
        return allowed


def resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    """``value`` with the given (pseudo) parameters, leaving a marker for what has no value yet.

    :class:`~bedrock_model_copy.testing.intrinsics.Resolver` in its lenient mode: the markers
    (``<unresolved Ref X>``, ``<unresolved GetAtt X.Attr>``) are what :meth:`PolicySet.bind` replaces.
    """
    return Resolver({}, None, parameters, lenient=True).resolve(value, "policy")


def handler_role_policies(
    template: Mapping[str, Any], *, stack_name: str, region: str, account: str, partition: str | None = None
) -> PolicySet:
    """The policies attached to the role of the ``model_copy.handler`` functions in a synthesized template."""
    resources: Mapping[str, Any] = template["Resources"]
    role_ids = {
        resource["Properties"]["Role"]["Fn::GetAtt"][0]
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
        and str(resource["Properties"].get("Handler", "")).startswith("model_copy.handler.")
    }
    if len(role_ids) != 1:
        raise ValueError(f"expected one handler role, found {sorted(role_ids)}")
    (role_id,) = role_ids
    return role_policies(template, role_id, stack_name=stack_name, region=region, account=account, partition=partition)


def role_documents(template: Mapping[str, Any], role_id: str) -> list[dict[str, Any]]:
    """The policy documents attached to the role ``role_id`` (a logical id) in a template, unresolved."""
    resources: Mapping[str, Any] = template["Resources"]
    role = resources[role_id]["Properties"]
    documents: list[dict[str, Any]] = [policy["PolicyDocument"] for policy in role.get("Policies", [])]
    attached = {str(ref.get("Ref")) for ref in role.get("ManagedPolicyArns", []) if isinstance(ref, dict)}
    for logical_id, resource in resources.items():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = resource["Properties"].get("Roles", [])
            if {"Ref": role_id} in roles or logical_id in attached:
                documents.append(resource["Properties"]["PolicyDocument"])
    return documents


def role_policies(
    template: Mapping[str, Any],
    role_id: str,
    *,
    stack_name: str,
    region: str,
    account: str,
    partition: str | None = None,
) -> PolicySet:
    """The policies attached to the role ``role_id`` (a logical id) in a synthesized template."""
    parameters = pseudo_parameters(stack_name=stack_name, region=region, account=account, partition=partition)
    return PolicySet([resolve(document, parameters) for document in role_documents(template, role_id)])
