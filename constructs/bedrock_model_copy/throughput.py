"""ProvisionedThroughput: dedicated capacity for a custom model, billed hourly per model unit."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    CfnDeletionPolicy,
    Duration,
    IResolveContext,
    IStringProducer,
    Lazy,
    RemovalPolicy,
    Token,
)

from constructs import Construct, IValidation

from . import _serving
from . import _validation as validation
from ._by_arn import ModelFromArn, served_model
from ._kind import Statement, allow
from ._lambda.model_copy import serving_rules as _rules
from ._lambda.model_copy.serving_contract import (
    KIND_THROUGHPUT,
    PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT,
    PROP_COMMITMENT,
    PROP_MODEL_ARN,
    PROP_MODEL_UNITS,
    PROP_NAME,
    PROP_RETAIN_ON_REPLACE,
)

# The synth warning on every committed Provisioned Throughput (an acknowledgeable Annotation).
COMMITMENT_WARNING = "bedrock-model-copy:committedThroughput"


class Commitment(enum.Enum):
    """A Provisioned Throughput's commitment term (none: hourly, deletable at any time)."""

    ONE_MONTH = "OneMonth"
    SIX_MONTHS = "SixMonths"


def _statements(region_arn: str) -> list[Statement]:
    """What the handler does with Provisioned Throughput (after :func:`_serving.ownership_statements` on it)."""
    throughputs = f"{region_arn}:provisioned-model/*"
    models = f"{region_arn}:custom-model/*"
    return [
        # After a Create refused because the name is taken: this request's own, made by an earlier try?
        # (List actions have no resource-level permissions: "*" only.)
        allow("FindProvisionedThroughputByName", "bedrock:ListProvisionedModelThroughputs", "*"),
        allow(
            "ProvisionModels",
            "bedrock:CreateProvisionedModelThroughput",
            models,
            _serving.request_tag_condition(),
        ),
        allow("ReadProvisionedThroughput", "bedrock:GetProvisionedModelThroughput", throughputs),
        allow(
            "ChangeOwnProvisionedThroughput",
            ["bedrock:UpdateProvisionedModelThroughput", "bedrock:DeleteProvisionedModelThroughput"],
            throughputs,
            {"StringEquals": _serving.owned_condition()},
        ),
        # UpdateProvisionedModelThroughput is authorized on the model it moves to as well.
        allow("MoveProvisionedThroughputToModels", "bedrock:UpdateProvisionedModelThroughput", models),
    ]


KIND = _serving.serving_kind(
    name=KIND_THROUGHPUT,
    arn_type="provisioned-model",
    noun="Provisioned Throughputs",
    statements=_statements,
    no_resource_level_actions={
        "bedrock:ListProvisionedModelThroughputs": "finding a Provisioned Throughput of a name that is taken, to "
        "take back this resource's own by its ownership tags after a create refused as a taken name",
    },
)


@jsii.implements(IStringProducer)
class _RetainOnReplace:
    """``RetainOnReplace`` from the resource's final UpdateReplacePolicy, read when the template is resolved.

    So whoever sets the policy (the prop, ``apply_removal_policy``, a ``RemovalPolicies`` aspect, an escape
    hatch) decides what the handler says a replacement leaves.
    """

    def __init__(self, policy: Callable[[], Any]) -> None:
        self._policy = policy

    def produce(self, context: IResolveContext) -> str:
        return "true" if self._policy() == CfnDeletionPolicy.RETAIN else "false"


def _policy_name(policy: Any) -> str:
    return "RETAIN" if policy == CfnDeletionPolicy.RETAIN else "DESTROY"


def commitment_warning(term: str, deletion_policy: Any, replace_policy: Any) -> str:
    """What the synth warning on a committed Provisioned Throughput says, for its final removal policies."""

    def does(policy: Any, what: str) -> str:
        if policy == CfnDeletionPolicy.RETAIN:
            return f"{what} keeps it in place, billing, until you delete it yourself"
        return (
            f"{what} deletes it once Bedrock reports its commitment expired; before that it is left in place, "
            "billing, and the handler's log names it and the command that deletes it"
        )

    if _policy_name(deletion_policy) == _policy_name(replace_policy):
        policies = f"Its removal policy is {_policy_name(deletion_policy)}: " + does(
            deletion_policy, "a stack delete (or removing it from the stack) or a change that replaces it"
        )
    else:
        policies = (
            f"Its DeletionPolicy is {_policy_name(deletion_policy)}: "
            f"{does(deletion_policy, 'a stack delete (or removing it from the stack)')}; its UpdateReplacePolicy "
            f"is {_policy_name(replace_policy)}: {does(replace_policy, 'a change that replaces it')}"
        )
    return (
        f"This Provisioned Throughput is bought with a {term} commitment: Bedrock bills it hourly for its model units "
        "until it is deleted, used or not, also after the term, and cannot delete it before the term ends (AWS's "
        "delete page says committed ones renew at the end of each term; not confirmed: docs/aws-behaviour.md S13). "
        f"{policies}. A change that would buy another committed one while it is under its commitment fails before "
        "anything is bought, unless allow_replacement_under_commitment=True. bedrock-model-copy list --check finds "
        "what bills (README, Costs)."
    )


@jsii.implements(IValidation)
class _CommitmentWarning:
    """The synth warning on a committed Provisioned Throughput, from its final removal policies (never an error)."""

    def __init__(self, construct: ProvisionedThroughput, term: str) -> None:
        self._construct = construct
        self._term = term

    def validate(self) -> list[str]:
        options = self._construct.cfn_resource.cfn_options
        message = commitment_warning(self._term, options.deletion_policy, options.update_replace_policy)
        Annotations.of(self._construct).add_warning_v2(COMMITMENT_WARNING, message)
        return []


class ProvisionedThroughput(_serving.ServingResource):
    """Buy Provisioned Throughput for a custom model (``CreateProvisionedModelThroughput``).

    Billed hourly per model unit from creation until deletion, whether used or not. Waits until
    ``InService``. A new ``model`` or ``name`` changes it in place (``UpdateProvisionedModelThroughput``:
    same ARN); new ``model_units`` or ``commitment`` replace it (a second one is bought, then the old
    one deleted, or kept by ``RETAIN`` or its commitment: the handler's log says which, and what it
    bills). An ``aws_bedrock.IModel`` whose ``model_arn`` is the provisioned model ARN. A committed one
    draws a synth warning (``bedrock-model-copy:committedThroughput``, acknowledgeable) saying that it
    bills until deleted and what its removal policy does.

    Parameters
    ----------
    scope, id : Construct, str
        Parent and construct id.
    model : BedrockModelCopy | aws_bedrock.IModel | str
        The custom model to serve (``custom-model/imported/...`` included); a copy is provisioned
        after its copy completes. Models from Custom Model Import (``imported-model/...``) are refused
        (invoke them directly: ``BedrockModelImport.grant_invoke``).
    model_units : int
        Model units, at least 1 (custom models need a quota increase through AWS Support).
    commitment : Commitment, optional
        ``Commitment.ONE_MONTH`` or ``SIX_MONTHS``; Bedrock cannot delete it before the term ends,
        and it bills until it is deleted, also after the term (AWS's delete page says committed ones
        renew at the end of each term; not confirmed). Default: none (no commitment).
    name : str, optional
        1 to 63 letters and digits, each optionally followed by ``-`` or ``_``. Default: generated,
        new when ``model_units`` or ``commitment`` change.
    tags : Mapping[str, str], optional
        Tags, merged with ``Tags.of``. Default: none besides the ownership tags.
    removal_policy : RemovalPolicy, optional
        Default: ``RETAIN`` with a commitment, ``DESTROY`` without. With ``DESTROY`` under an
        unexpired commitment, a delete succeeds and leaves it; the handler log names it, its expiry
        and the command to delete it later.
    timeout : Duration, optional
        How long to wait for ``InService``: up to 12 hours. Default: 57 minutes. Above 57 minutes
        the create waits through a WaitCondition signalled by the stack's watcher (README,
        Serving); an in-place update (a new model or name) still waits at most 57 minutes.
    allow_replacement_under_commitment : bool, optional
        Default ``False``: a change that replaces this resource (new ``model_units`` or
        ``commitment``) and would buy a committed Provisioned Throughput while the current one is
        under its commitment fails the deploy before anything is bought, naming the commitment and
        its expiry. ``True`` allows it: the current one is kept (Bedrock cannot delete it before its
        term ends), tagged ``bedrock-model-copy:replaced-by`` with the new one's ARN, and both bill
        until each is deleted; the handler's log names it and the command that deletes it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: Any,
        model_units: int,
        commitment: Commitment | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        removal_policy: RemovalPolicy | None = None,
        timeout: Duration | None = None,
        allow_replacement_under_commitment: bool = False,
    ) -> None:
        stack = validation.stack_of("ProvisionedThroughput", scope, id)
        validation.check_type("model_units", model_units, int, "an int (model units, at least 1)")
        validation.check_type(
            "allow_replacement_under_commitment", allow_replacement_under_commitment, bool, "a bool (default False)"
        )
        validation.check_type("commitment", commitment, (Commitment, type(None)), "a Commitment or None")
        validation.check_type("name", name, (str, type(None)), "a str or None")
        _rules.check_model_units(model_units)
        model_arn, model_construct, _ = _serving.model_arn_of(model)
        _serving.check_servable(model)
        if not Token.is_unresolved(model_arn):
            _rules.check_model_arn(model_arn)
        term = commitment.value if commitment else ""
        if name is None:
            path = f"{scope.node.path}/{id}"[len(stack.node.path) :].lstrip("/")
            name = validation.generated_target_model_name(stack, path, "throughput", f"{model_units}/{term}")
        elif not Token.is_unresolved(name):
            _rules.check_name(name, "name")
        properties: dict[str, Any] = {PROP_MODEL_ARN: model_arn, PROP_NAME: name, PROP_MODEL_UNITS: str(model_units)}
        if term:
            properties[PROP_COMMITMENT] = term
        # What a replacement leaves is said by the handler (nothing is asked of it when the policy is Retain).
        properties[PROP_RETAIN_ON_REPLACE] = Lazy.uncached_string(
            _RetainOnReplace(lambda: self.cfn_resource.cfn_options.update_replace_policy)
        )
        if allow_replacement_under_commitment:
            properties[PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT] = "true"
        if removal_policy is None:
            removal_policy = RemovalPolicy.RETAIN if commitment else RemovalPolicy.DESTROY
        super().__init__(
            scope,
            id,
            kind=KIND,
            model=model,
            properties=properties,
            tags=tags,
            removal_policy=removal_policy,
            timeout=timeout,
        )
        self._wait_for(model_construct)
        if term:
            self.node.add_validation(_CommitmentWarning(self, term))

    @staticmethod
    def from_provisioned_throughput_arn(
        scope: Construct, id: str, provisioned_throughput_arn: str, *, served_model_arn: str | None = None
    ) -> ModelFromArn:
        """A Provisioned Throughput bought elsewhere (another stack, the console), by its ARN, as aws-cdk-lib's
        ``from_*_arn``.

        Returns an ``aws_bedrock.IModel`` (``model_arn`` is the provisioned model ARN) with ``grant_invoke``. A
        concrete ARN must be ``arn:aws:bedrock:<region>:<account>:provisioned-model/<id>``; a token is accepted.
        ``grant_invoke`` grants ``InvokeModel`` and ``InvokeModelWithResponseStream`` on it and, given
        ``served_model_arn`` (the custom model it serves), on that model too, as this construct's own
        ``grant_invoke`` does (docs/aws-behaviour.md S9).
        """
        return ModelFromArn(
            scope,
            id,
            arn=provisioned_throughput_arn,
            prop="provisioned_throughput_arn",
            resource_type=KIND.arn_type,
            also_invoked=served_model(served_model_arn),
        )

    @property
    def model_units(self) -> str:
        """Model units (``ModelUnits``)."""
        return self._attributes["model_units"]

    @property
    def commitment_expiration_time(self) -> str:
        """When the commitment ends, ISO 8601; ``""`` without one (``CommitmentExpirationTime``)."""
        return self._attributes["commitment_expiration_time"]


_signature = inspect.signature(ProvisionedThroughput.__init__)
ProvisionedThroughput.__signature__ = _signature.replace(parameters=list(_signature.parameters.values())[1:])
