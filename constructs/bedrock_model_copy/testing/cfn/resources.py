"""CloudFormation's side of one resource: create, update and delete, with the stack's phases and rollbacks.

:class:`StackResources` sends each request as CloudFormation does (properties as strings, ``OldResourceProperties``
on update) through the :class:`~.framework.ProviderFramework`, moves the stack through the statuses the handler
reads with DescribeStacks, and rolls back as CloudFormation does: a failed create is deleted (unless Retain),
a failed update is updated back and its replacement deleted in the clean-up, a replacement's old resource is
deleted after the update, and DeletionPolicy and UpdateReplacePolicy are honoured.
:class:`~.stack.CloudFormationStack` adds whole templates on top of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .framework import CfnResponse, ProviderFramework
from .kinds import PROVIDER_KINDS, provider_kind


@dataclass
class DeployedResource:
    """A resource as CloudFormation keeps it: physical id, properties sent, Data (its attributes), policies."""

    physical_resource_id: str
    properties: dict[str, Any]
    data: dict[str, str]
    deletion_policy: str
    update_replace_policy: str


@dataclass
class StackEvent:
    """One line of the stack's event list (for WaitConditions: each signal received)."""

    at: float
    logical_id: str
    status: str
    reason: str


@dataclass
class StackOperation:
    """The responses of one stack operation: the request itself, then rollback and clean-up."""

    response: CfnResponse
    rollback: list[CfnResponse] = field(default_factory=list)
    cleanup: list[CfnResponse] = field(default_factory=list)

    @property
    def all(self) -> list[CfnResponse]:
        return [self.response, *self.rollback, *self.cleanup]


class StackResources:
    """CloudFormation's side of one stack's resources, one request at a time.

    Parameters
    ----------
    framework : ProviderFramework
        Where requests go.
    stack_name, region, account : str
        Used for StackId (the handler derives its ownership tag from it).
    """

    def __init__(
        self,
        framework: ProviderFramework,
        *,
        stack_name: str = "BedrockModelCopyExample",
        region: str = "us-west-2",
        account: str = "111122223333",
    ) -> None:
        self.framework = framework
        self.stack_name = stack_name
        self.stack_id = f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/{uuid.uuid4()}"
        self.resources: dict[str, DeployedResource] = {}
        if framework.fake is not None:  # the fake's ListStackResources lists what this stack has
            framework.fake.stacks[self.stack_id] = self
        self.status = "REVIEW_IN_PROGRESS"
        self.region, self.account = region, account
        self.template: dict[str, Any] = {}  # the last template deployed with deploy_template/update_template
        self.resource_types: dict[str, str] = {}  # logical id -> type, for resources that are not custom resources
        self.events: list[StackEvent] = []  # what the console's event list shows for WaitConditions
        # Tests: a stack delete that starts this many seconds into a WaitCondition's wait (None: no delete).
        self.delete_stack_during_wait_after: float | None = None
        # Tests: another resource of a stack update fails this many seconds into a WaitCondition's wait, so
        # CloudFormation cancels the wait and rolls the update back (None: nothing else fails).
        self.fail_update_during_wait_after: float | None = None
        # Tests: this many seconds into a WaitCondition's wait, every running state machine execution fails with
        # States.Runtime, an error Step Functions lets no Retry or Catch handle (None: never).
        self.runtime_error_during_wait_after: float | None = None
        self._operation_start = 0  # index in events where the latest stack operation began

    def _event(self, logical_id: str, status: str, reason: str = "") -> None:
        self.events.append(StackEvent(self.framework.clock.time(), logical_id, status, reason))

    def _outcome(self, logical_id: str, action: str, response: CfnResponse) -> None:
        """``<ACTION>_COMPLETE``, or ``<ACTION>_FAILED`` with the response's reason."""
        self._event(
            logical_id, f"{action}_{'COMPLETE' if response.ok else 'FAILED'}", "" if response.ok else response.reason
        )

    def first_failure(self) -> StackEvent | None:
        """The event that made the latest stack operation fail, as the console's "root cause" shows it.

        The first ``*_FAILED`` event of that operation that is not a cancellation caused by it (for a
        long copy past its timeout, that is the result resource, not the copy resource); None when
        nothing failed.
        """
        cancelled = ("Resource creation cancelled", "Resource update cancelled")
        return next(
            (
                event
                for event in self.events[self._operation_start :]
                if event.status.endswith("_FAILED") and event.reason not in cancelled
            ),
            None,
        )

    def _enter(self, status: str) -> None:
        """Move the stack to ``status`` (what the handler's DescribeStacks sees)."""
        self.status = status
        self.framework.stack_statuses[self.stack_id] = status

    @staticmethod
    def response_url_signature(request_id: str) -> str:
        """The signature part of a request's pre-signed ResponseURL (tests look for it in logs)."""
        return "sig" + request_id.replace("-", "")

    def request(self, request_type: str, logical_id: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Build a CloudFormation request as CloudFormation sends it (properties stringified)."""
        request_id = str(uuid.uuid4())
        return {
            "RequestType": request_type,
            "ServiceToken": "arn:aws:lambda:us-west-2:111122223333:function:framework-onEvent",
            "ResponseURL": (
                "https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/"
                f"arn%3Aaws%3Acloudformation%3Aus-west-2%3A111122223333%3Astack/{self.stack_name}/{request_id}"
                "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE"
                f"&X-Amz-Signature={self.response_url_signature(request_id)}"
            ),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": logical_id,
            "ResourceType": self._resource_type(logical_id),
            "ResourceProperties": stringify({"ServiceToken": "token", **properties}),
            **extra,
        }

    def _resource_type(self, logical_id: str) -> str:
        """The resource's type as the template declares it (a provider kind), else the first provider kind."""
        declared = str(self.template.get("Resources", {}).get(logical_id, {}).get("Type", ""))
        return declared if provider_kind(declared) else PROVIDER_KINDS[0].resource_type

    def create(
        self,
        logical_id: str,
        properties: dict[str, Any],
        *,
        deletion_policy: str = "Retain",
        update_replace_policy: str | None = None,
        resend: dict[str, Any] | None = None,
        first_deploy: bool | None = None,
        later_resource_fails: bool = False,
        defer_rollback: bool = False,
    ) -> StackOperation:
        """Create the resource; on failure roll back as CloudFormation does (Delete unless Retain).

        ``defer_rollback`` (used by :meth:`update_template`) leaves the failed resource to the
        rollback of the whole update instead.

        ``first_deploy`` (default: the stack has no resources yet) decides the phases:
        CREATE_IN_PROGRESS then ROLLBACK_IN_PROGRESS, or, for a resource added by a stack
        update, UPDATE_IN_PROGRESS then UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS.
        ``later_resource_fails`` makes another resource of the stack fail after this one
        was created, so CloudFormation deletes it again in the rollback.
        """
        first = not self.resources if first_deploy is None else first_deploy
        self._enter("CREATE_IN_PROGRESS" if first else "UPDATE_IN_PROGRESS")
        request = resend or self.request("Create", logical_id, properties)
        response = self.framework.submit(request)
        operation = StackOperation(response)
        self._outcome(logical_id, "CREATE", response)
        if response.ok and not later_resource_fails:
            self.resources[logical_id] = DeployedResource(
                response.physical_resource_id,
                request["ResourceProperties"],
                response.data,
                deletion_policy,
                update_replace_policy or deletion_policy,
            )
            self._enter("CREATE_COMPLETE" if first else "UPDATE_COMPLETE")
            return operation
        if defer_rollback:
            return operation
        self._enter("ROLLBACK_IN_PROGRESS" if first else "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        if deletion_policy != "Retain":
            delete = self.request("Delete", logical_id, {}, PhysicalResourceId=response.physical_resource_id)
            delete["ResourceProperties"] = request["ResourceProperties"]
            operation.rollback.append(self._submit_delete(logical_id, delete))
        self._enter("ROLLBACK_COMPLETE" if first else "UPDATE_ROLLBACK_COMPLETE")
        return operation

    def update(
        self,
        logical_id: str,
        properties: dict[str, Any],
        *,
        later_resource_fails: bool = False,
        cleanup_later: list[tuple[StackOperation, str, DeployedResource]] | None = None,
    ) -> StackOperation:
        """Update the resource; replacement deletes the old one after success, failure rolls back.

        ``later_resource_fails`` makes another resource of the stack fail after this
        update succeeded, so CloudFormation rolls this one back too. With ``cleanup_later`` the
        old resource of a replacement is not deleted here but queued, for the clean-up phase that
        CloudFormation runs after every resource of the stack is updated.
        """
        current = self.resources[logical_id]
        self._enter("UPDATE_IN_PROGRESS")
        request = self.request(
            "Update",
            logical_id,
            properties,
            PhysicalResourceId=current.physical_resource_id,
            OldResourceProperties=current.properties,
        )
        new_properties = request["ResourceProperties"]
        response = self.framework.submit(request)
        self._outcome(logical_id, "UPDATE", response)
        operation = StackOperation(response)
        if response.ok and not later_resource_fails:
            replaced = response.physical_resource_id != current.physical_resource_id
            self.resources[logical_id] = DeployedResource(
                response.physical_resource_id,
                new_properties,
                response.data,
                current.deletion_policy,
                current.update_replace_policy,
            )
            if replaced and current.update_replace_policy != "Retain":
                if cleanup_later is not None:
                    cleanup_later.append((operation, logical_id, current))
                    return operation
                self._enter("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
                operation.cleanup.append(self._delete_request(logical_id, current))
            self._enter("UPDATE_COMPLETE")
            return operation
        self._enter("UPDATE_ROLLBACK_IN_PROGRESS")
        undone = self._update_back(logical_id, current, response.physical_resource_id, new_properties, operation)
        if undone is not None:
            self._enter("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
            operation.cleanup.append(self._delete_request(logical_id, undone))
        if self.status != "UPDATE_ROLLBACK_FAILED":
            self._enter("UPDATE_ROLLBACK_COMPLETE")
        return operation

    def _update_back(
        self,
        logical_id: str,
        previous: DeployedResource,
        physical_id: str,
        new_properties: dict[str, Any],
        operation: StackOperation,
    ) -> DeployedResource | None:
        """Roll one resource back (UPDATE_ROLLBACK_IN_PROGRESS): the old properties again, against the id
        the failed (or undone) update reported. Returns the replacement to delete in the clean-up, if any."""
        rollback_request = self.request(
            "Update", logical_id, {}, PhysicalResourceId=physical_id, OldResourceProperties=new_properties
        )
        rollback_request["ResourceProperties"] = previous.properties
        rollback = self.framework.submit(rollback_request)
        operation.rollback.append(rollback)
        self._outcome(logical_id, "UPDATE", rollback)
        if not rollback.ok:
            self._enter("UPDATE_ROLLBACK_FAILED")
            return None
        self.resources[logical_id] = DeployedResource(
            rollback.physical_resource_id,
            previous.properties,
            rollback.data or previous.data,
            previous.deletion_policy,
            previous.update_replace_policy,
        )
        if physical_id != rollback.physical_resource_id and previous.update_replace_policy != "Retain":
            return DeployedResource(
                physical_id, new_properties, {}, previous.deletion_policy, previous.update_replace_policy
            )
        return None

    def delete(self, logical_id: str, *, during: str = "stack-delete") -> StackOperation | None:
        """Delete the resource; with DeletionPolicy Retain CloudFormation sends nothing (returns None).

        ``during`` is ``"stack-delete"`` (DELETE_IN_PROGRESS), ``"update-cleanup"`` (the
        resource was removed from the template: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, whose
        failures CloudFormation ignores) or ``"rollback-cleanup"`` (the resource was added by
        an update that failed: UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS).
        """
        phases = {
            "stack-delete": ("DELETE_IN_PROGRESS", "DELETE_COMPLETE"),
            "update-cleanup": ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"),
            "rollback-cleanup": ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"),
        }
        if during not in phases:
            raise ValueError(f"during must be one of {sorted(phases)}, not {during!r}")
        in_progress, complete = phases[during]
        current = self.resources.pop(logical_id)
        self._enter(in_progress)
        operation = None
        if current.deletion_policy != "Retain":
            operation = StackOperation(self._delete_request(logical_id, current))
        failed = operation is not None and not operation.response.ok
        self._enter("DELETE_FAILED" if failed and during == "stack-delete" else complete)
        if failed and during == "stack-delete":
            self.resources[logical_id] = current  # a failed stack delete keeps the resource
        return operation

    def _delete_request(self, logical_id: str, resource: DeployedResource) -> CfnResponse:
        request = self.request("Delete", logical_id, {}, PhysicalResourceId=resource.physical_resource_id)
        request["ResourceProperties"] = resource.properties
        return self._submit_delete(logical_id, request)

    def _submit_delete(self, logical_id: str, request: dict[str, Any]) -> CfnResponse:
        response = self.framework.submit(request)
        self._outcome(logical_id, "DELETE", response)
        return response


def stringify(value: Any) -> Any:
    """CloudFormation passes every scalar property to a custom resource as a string."""
    if isinstance(value, dict):
        return {key: stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringify(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
