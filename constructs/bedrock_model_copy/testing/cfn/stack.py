"""CloudFormation's side of one stack: a synthesized template deployed as ``cdk deploy`` does.

:class:`CloudFormationStack` deploys the resources of a template that the driver knows (:mod:`.kinds`:
the custom resources the provider serves, and long waits, :mod:`.long_waits`) in dependency order:
creates, updates the ones whose properties changed, deletes the ones removed, and rolls a failed deploy
back as CloudFormation does (updated resources updated back, created ones deleted in the clean-up,
newest first). CloudFormation functions in properties and outputs are resolved as at deploy time
(:mod:`..intrinsics`). One request at a time is :class:`~.resources.StackResources`.
"""

from __future__ import annotations

import json
from typing import Any

from ..._lambda.model_copy.contract import IS_COMPLETE_HANDLER, ON_EVENT_HANDLER
from .._shared import short_id
from ..aws.stepfunctions import StepFunctions
from ..intrinsics import Resolver, TemplateValues, UnresolvedIntrinsicError, dependency_order, pseudo_parameters
from . import exports as stack_exports
from . import long_waits
from .kinds import provider_kind
from .resources import DeployedResource, StackOperation, StackResources, stringify

LAMBDA_TYPE = "AWS::Lambda::Function"


class CloudFormationStack(StackResources):
    """CloudFormation's side of one stack of the provider's custom resources (and their long waits).

    Parameters
    ----------
    framework : ProviderFramework
        Where requests go.
    stack_name, region, account : str
        Used for StackId (the handler derives its ownership tag from it).

    Stacks of one simulated environment share CloudFormation's exports (:mod:`.exports`): an
    ``Fn::ImportValue`` of what a stack deployed before exported needs no value from the test.
    """

    values: TemplateValues | None = None  # what the last deploy_template was given (client_as resolves with it)

    @property
    def exports(self) -> dict[str, stack_exports.Export] | None:
        """CloudFormation's exports in this stack's account and Region (the fake's; None without a fake)."""
        fake = self.framework.fake
        return None if fake is None else fake.exports

    def delete(self, logical_id: str, *, during: str = "stack-delete") -> StackOperation | None:
        if logical_id in self.resource_types:  # a WaitCondition or the watcher: nothing to call
            long_waits.delete(self, logical_id)
            return None
        return super().delete(logical_id, during=during)

    delete.__doc__ = StackResources.delete.__doc__

    def _step_functions(self) -> StepFunctions:
        return long_waits.step_functions(self)

    def resolver(self, template: dict[str, Any], values: TemplateValues | None = None) -> Resolver:
        """A resolver of ``template``'s functions as this stack deploys it: its pseudo parameters, ``values``
        (default: those of the last :meth:`deploy_template`), the ids (``Ref``) and ``Data`` (``Fn::GetAtt``) of
        the resources deployed so far, and what other stacks of the simulated environment export."""

        roles = self._roles(template, values)

        def attribute(logical_id: str, name: str) -> str | None:
            resource = self.resources.get(logical_id)
            if resource is None:
                return roles[logical_id][1] if logical_id in roles and name == "Arn" else None
            return resource.data.get(name)

        def ref(logical_id: str) -> str | None:
            resource = self.resources.get(logical_id)
            if resource is None:
                return roles[logical_id][0] if logical_id in roles else None
            return resource.physical_resource_id

        def imported(name: str, where: str) -> str | None:
            return stack_exports.value_of(self.exports, name, where)

        return Resolver(template, values or self.values, self._pseudo(), attribute, ref, deployed_import=imported)

    def resolve(self, value: Any, where: str = "value") -> Any:
        """``value`` (a fragment of the deployed template: a property, an environment) resolved as deployed."""
        return self.resolver(self.template).resolve(value, where)

    def _roles(self, template: dict[str, Any], values: TemplateValues | None) -> dict[str, tuple[str, str]]:
        """The name and ARN CloudFormation gives each IAM role of the template (``RoleName``, or a generated name).

        The kit deploys no roles, but a custom resource may take one's ARN (a model import's service role),
        and an IAM policy may name it (``iam:PassRole``): both resolve to the same ARN.
        """
        pseudo = {**self._pseudo(), **(values.pseudo_parameters if values else {})}
        roles: dict[str, tuple[str, str]] = {}
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::IAM::Role":
                continue
            named = resource.get("Properties", {}).get("RoleName")
            name = named if isinstance(named, str) else self.generated_name(logical_id)
            roles[logical_id] = (name, f"arn:{pseudo['AWS::Partition']}:iam::{pseudo['AWS::AccountId']}:role/{name}")
        return roles

    def _bind_roles(self, template: dict[str, Any], values: TemplateValues) -> None:
        """In IAM mode, the handler's policies that name a role of the template name its ARN."""
        fake = self.framework.fake
        if fake is None or fake.iam is None:
            return
        for logical_id, (name, arn) in self._roles(template, values).items():
            fake.iam.bind(logical_id, name, {"Arn": arn})

    def _pseudo(self) -> dict[str, Any]:
        return pseudo_parameters(
            stack_name=self.stack_name, stack_id=self.stack_id, region=self.region, account=self.account
        )

    def _roll_back_update(
        self, failed: StackOperation, updated: dict[str, DeployedResource], created: list[tuple[str, DeployedResource]]
    ) -> None:
        """A stack update failed: update back what it updated (UPDATE_ROLLBACK_IN_PROGRESS), then delete what it
        created, newest first (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS), as CloudFormation does."""
        self._enter("UPDATE_ROLLBACK_IN_PROGRESS")
        self._event(self.stack_name, "UPDATE_ROLLBACK_IN_PROGRESS", f"Resource update failed: {failed.response.reason}")
        undone: list[tuple[str, DeployedResource]] = []
        for logical_id, previous in reversed(list(updated.items())):
            current = self.resources[logical_id]
            replacement = self._update_back(
                logical_id, previous, current.physical_resource_id, current.properties, failed
            )
            if replacement is not None:
                undone.append((logical_id, replacement))
        if self.status == "UPDATE_ROLLBACK_FAILED":
            self._event(self.stack_name, "UPDATE_ROLLBACK_FAILED")
            return
        self._enter("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        self._event(self.stack_name, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for logical_id, resource in [*undone, *reversed(created)]:
            if logical_id in self.resource_types:
                long_waits.delete(self, logical_id)
                self._event(logical_id, "DELETE_COMPLETE")
                continue
            if (logical_id, resource) not in undone:  # an undone replacement's id keeps its rolled-back resource
                self.resources.pop(logical_id, None)
            if resource.deletion_policy == "Retain":
                self._event(logical_id, "DELETE_SKIPPED")
                continue
            failed.cleanup.append(self._delete_request(logical_id, resource))
        self._enter("UPDATE_ROLLBACK_COMPLETE")
        self._event(self.stack_name, "UPDATE_ROLLBACK_COMPLETE")

    def deploy_template(
        self, template: dict[str, Any], values: TemplateValues | None = None
    ) -> tuple[dict[str, StackOperation], dict[str, str]]:
        """Deploy the resources of a synthesized template that the driver knows, as ``cdk deploy`` does.

        A resource not deployed yet is created; one already deployed by an earlier call is
        updated when its properties changed (a retag, a new source, a new name) and left
        alone otherwise; one that is no longer in the template is deleted (per its
        DeletionPolicy). Resources are handled in dependency order; the first failure stops
        the deployment (what follows is not attempted).

        CloudFormation functions in the properties and outputs are resolved as at deploy
        time: the stack's pseudo parameters (``AWS::Region``, ``AWS::AccountId``,
        ``AWS::Partition``, ``AWS::StackName`` ...) by default, template parameters with a
        ``Default``, attributes of the copies deployed before, and whatever ``values``
        supplies: ``Ref``, ``Fn::GetAtt``, ``Fn::ImportValue`` and SSM parameter values
        (see :class:`~bedrock_model_copy.testing.TemplateValues`). A function without a
        value raises :class:`~bedrock_model_copy.testing.UnresolvedIntrinsicError` naming
        the key to add. ``ServiceToken`` is replaced, as the deployed function ARN would be.

        Long waits' WaitConditions and the watcher state machine are created too (see
        :mod:`.long_waits`); a WaitCondition already created is never evaluated again. A
        failure in a first deploy rolls back what it created, newest first, as CloudFormation
        does.

        Parameters
        ----------
        template : dict
            The synthesized template (``Template.from_stack(stack).to_json()``, or
            ``assembly.get_stack_by_name(name).template``).
        values : TemplateValues, optional
            What the template's functions resolve to. Default: pseudo parameters only.

        Returns
        -------
        tuple[dict[str, StackOperation], dict[str, str]]
            The operation of each resource created, updated or deleted (by logical id), and
            the stack outputs that could be resolved.
        """
        values = values or TemplateValues()
        resolver = self.resolver(template, values)
        stack_exports.check_deploy(self, template, resolver)  # before anything changes, as CloudFormation refuses it
        self.values = values
        resources = template.get("Resources", {})
        self._configure_handler_functions(resources, values)
        self._bind_roles(template, values)
        operations: dict[str, StackOperation] = {}
        replaced: list[tuple[StackOperation, str, DeployedResource]] = []  # deleted in the clean-up phase
        self.template = template
        first_deploy = not self.resources  # a stack create, or an update of an existing stack
        self._operation_start = len(self.events)
        # What this update changed, for its rollback: resources created (newest last), previous states of updated ones.
        created: list[tuple[str, DeployedResource]] = []
        updated: dict[str, DeployedResource] = {}

        def fail(operation: StackOperation) -> tuple[dict[str, StackOperation], dict[str, str]]:
            if first_deploy:
                self._roll_back_first_deploy(operation)
            else:
                self._roll_back_update(operation, updated, created)
            return operations, {}

        deployable = {
            logical_id: resource
            for logical_id, resource in resources.items()
            if provider_kind(resource["Type"]) or long_waits.is_long_wait(resource)
        }
        for logical_id in dependency_order(deployable):
            resource = deployable[logical_id]
            if long_waits.is_long_wait(resource):
                if logical_id in self.resource_types:
                    continue  # an existing WaitCondition or watcher: CloudFormation never evaluates it again
                wait_operation = long_waits.create(self, logical_id, resource, first_deploy=first_deploy)
                if logical_id in self.resources:
                    created.append((logical_id, self.resources[logical_id]))
                if wait_operation is None:
                    continue
                operations[logical_id] = wait_operation
                if not wait_operation.response.ok:
                    return fail(wait_operation)
                continue
            properties = resolver.resolve(
                {key: value for key, value in resource["Properties"].items() if key != "ServiceToken"},
                f"{logical_id}.Properties",
            )
            deletion_policy = resource.get("DeletionPolicy", "Delete")
            update_replace_policy = resource.get("UpdateReplacePolicy", deletion_policy)
            current = self.resources.get(logical_id)
            if current is None:
                operation = self.create(
                    logical_id,
                    properties,
                    deletion_policy=deletion_policy,
                    update_replace_policy=update_replace_policy,
                    first_deploy=first_deploy,
                    defer_rollback=not first_deploy,
                )
                response = operation.response
                created.append(
                    (
                        logical_id,
                        self.resources.get(logical_id)
                        or DeployedResource(
                            response.physical_resource_id,
                            stringify({"ServiceToken": "token", **properties}),
                            {},
                            deletion_policy,
                            update_replace_policy,
                        ),
                    )
                )
            elif stringify({"ServiceToken": "token", **properties}) == current.properties:
                current.deletion_policy, current.update_replace_policy = deletion_policy, update_replace_policy
                continue
            else:
                operation = self.update(logical_id, properties, cleanup_later=replaced)
                if operation.response.ok and logical_id in self.resources:
                    updated[logical_id] = current
                    self.resources[logical_id].deletion_policy = deletion_policy
                    self.resources[logical_id].update_replace_policy = update_replace_policy
            operations[logical_id] = operation
            if not operation.response.ok:
                return fail(operation)  # the replaced resources' old ones stay: nothing to clean up
        for operation, logical_id, old in reversed(replaced):  # after every update, newest first
            self._enter("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            operation.cleanup.append(self._delete_request(logical_id, old))
        if replaced:
            self._enter("UPDATE_COMPLETE")
        for logical_id in reversed([name for name in self.resources if name not in deployable]):
            if logical_id in self.resource_types:
                long_waits.delete(self, logical_id)
                continue
            deleted = self.delete(logical_id, during="update-cleanup")
            if deleted is not None:
                operations[logical_id] = deleted
        outputs: dict[str, str] = {}
        for name, output in template.get("Outputs", {}).items():
            try:
                value = resolver.resolve(output.get("Value"), f"Outputs.{name}")
            except UnresolvedIntrinsicError:
                continue  # an output of some other resource
            outputs[name] = value if isinstance(value, str) else json.dumps(value)
        stack_exports.publish(self, template, resolver)
        return operations, outputs

    def generated_name(self, logical_id: str) -> str:
        """The physical name CloudFormation gives a resource without one: stack name, logical id, a suffix."""
        return f"{self.stack_name[:30]}-{logical_id[:20]}-{short_id(self.stack_id, logical_id).upper()}"

    def _configure_handler_functions(self, resources: dict[str, Any], values: TemplateValues) -> None:
        """The handler functions' names and environment, as Lambda gives them to the deployed functions."""

        def physical_name(logical_id: str) -> str | None:
            resource = resources.get(logical_id, {})
            if resource.get("Type") != "AWS::Logs::LogGroup":
                return None
            named = resource.get("Properties", {}).get("LogGroupName")
            return str(resolver.resolve(named, logical_id)) if named else self.generated_name(logical_id)

        resolver = Resolver({"Resources": resources}, values, self._pseudo(), None, physical_name)
        entry_points = {ON_EVENT_HANDLER: "on_event", IS_COMPLETE_HANDLER: "is_complete"}
        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            entry_point = entry_points.get(properties.get("Handler", "")) if resource["Type"] == LAMBDA_TYPE else None
            if entry_point is None:
                continue
            named = properties.get("FunctionName")
            self.framework.function_names[entry_point] = (
                str(resolver.resolve(named, logical_id)) if named else self.generated_name(logical_id)
            )
            variables = properties.get("Environment", {}).get("Variables", {})
            self.framework.environment = {
                key: str(value) for key, value in resolver.resolve(variables, f"{logical_id}.Environment").items()
            }

    def _roll_back_first_deploy(self, failed: StackOperation) -> None:
        """A resource of a first deploy failed: delete what was created, newest first (ROLLBACK_IN_PROGRESS).

        With :attr:`delete_stack_during_wait_after` the deploy was cancelled by a stack delete instead
        (DELETE_IN_PROGRESS). The failed resource itself was already handled by :meth:`create`.
        """
        deleting = self.delete_stack_during_wait_after is not None and failed.response.reason == (
            "Resource creation cancelled"
        )
        for logical_id in reversed(list(self.resources)):
            if logical_id in self.resource_types:
                long_waits.delete(self, logical_id)
                continue
            current = self.resources.pop(logical_id)
            self._enter("DELETE_IN_PROGRESS" if deleting else "ROLLBACK_IN_PROGRESS")
            if current.deletion_policy != "Retain":
                failed.rollback.append(self._delete_request(logical_id, current))
        self._enter("DELETE_COMPLETE" if deleting else "ROLLBACK_COMPLETE")

    def update_template(
        self, template: dict[str, Any], values: TemplateValues | None = None
    ) -> dict[str, StackOperation]:
        """Deploy a new template over the one deployed (:meth:`deploy_template`); returns the operations.

        A WaitCondition already created is left alone (CloudFormation never re-evaluates one);
        a new logical id is a new wait. Custom resources whose properties changed get an Update
        (with replacement and its clean-up as in :meth:`update`); removed ones are deleted in
        the clean-up. The first failure stops the update and rolls it back as CloudFormation
        does: what it updated is updated back (UPDATE_ROLLBACK_IN_PROGRESS), then what it
        created is deleted, newest first (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: the
        copy watcher state machine too, if the update created it); :attr:`events` shows it and
        :meth:`first_failure` names the resource that failed.
        """
        operations, _ = self.deploy_template(template, values)
        if all(operation.response.ok for operation in operations.values()):
            self._enter("UPDATE_COMPLETE")
        return operations

    def delete_stack(self) -> dict[str, StackOperation]:
        """Delete every resource, newest first, as a stack delete does (DELETE_IN_PROGRESS).

        Raises ``ValueError`` before anything is deleted while another stack imports one of its exports.
        """
        stack_exports.check_delete(self)
        operations: dict[str, StackOperation] = {}
        for logical_id in reversed(list(self.resources)):
            removed = self.delete(logical_id, during="stack-delete")
            if removed is not None:
                operations[logical_id] = removed
                if not removed.response.ok:
                    return operations
        stack_exports.withdraw(self)
        return operations

    def advance(self, seconds: float) -> None:
        """Let simulated time pass with nothing deployed: running copy watchers go on (and end)."""
        fake = self.framework.fake
        if fake is not None and fake.step_functions is not None:
            fake.step_functions.run_until(lambda: False, fake.clock.time() + seconds)
        else:
            self.framework.clock.advance(seconds)
