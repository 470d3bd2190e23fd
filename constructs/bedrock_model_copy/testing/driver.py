"""Drive the real handler the way aws-cdk-lib's provider framework and CloudFormation do.

:class:`ProviderFramework` follows the framework's runtime (``framework.js`` in
aws-cdk-lib 2.275): the user ``on_event`` result merged over the request (the
user's keys win), the PhysicalResourceId defaults, ``is_complete`` called with
the same merged event every ``query_interval`` until ``total_timeout``, "Data"
with IsComplete false as an error, the CREATE_FAILED marker and the ignored
Delete that follows it, the bare "Operation timed out", JSON round-trips of every
payload and CloudFormation's 4096-byte response limit.

:class:`CloudFormationStack` plays CloudFormation's side for one stack: create,
update with OldResourceProperties, replacement followed by the old resource's
Delete, rollbacks of failed creates and updates, DeletionPolicy and
UpdateReplacePolicy. For long copies it also creates ``AWS::CloudFormation::WaitCondition``
resources with a CreationPolicy (evaluated only on CREATE: Count distinct SUCCESS
signals complete it, a FAILURE signal or the ResourceSignal timeout fails it) and runs
the copy watcher state machine's definition, as synthesized, with
:class:`~bedrock_model_copy.testing.states.StepFunctions`.

Time is simulated: a :class:`~bedrock_model_copy.testing.fake_bedrock.Clock`
replaces the handler's clock and boto3's retry sleeps, so an hour-long copy
runs in milliseconds and nothing sleeps.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest import mock

import botocore.endpoint

from .._lambda.model_copy import handler as _handler_module
from .._lambda.model_copy.contract import IS_COMPLETE_HANDLER, ON_EVENT_HANDLER, provider_total_timeout
from .._lambda.model_copy.serving_contract import RESOURCE_TYPES as SERVING_RESOURCE_TYPES
from ._shared import short_id
from .fake_bedrock import Clock, FakeBedrock, WaitConditionState
from .iam import resolve, role_policies
from .intrinsics import Resolver, TemplateValues, UnresolvedIntrinsicError, dependency_order, pseudo_parameters
from .states import StepFunctions

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
MAX_RESPONSE_BYTES = 4096
SERVICE_TIMEOUT_SECONDS = 3600
SERVICE_TIMEOUT_REASON = (
    "CloudFormation did not receive a response from your Custom Resource within the ServiceTimeout."
)
# The handler functions' names where no template names them (deploy_template takes them from the template).
ON_EVENT_FUNCTION_NAME = "BedrockModelCopyOnEventHandler"
IS_COMPLETE_FUNCTION_NAME = "BedrockModelCopyIsCompleteHandler"
# What the framework appends to an error of the on_event function (framework.js, invokeUserFunction:
# "Logs: /aws/lambda/" + the last field of the user function's ARN).
HANDLER_LOG_GROUP = f"/aws/lambda/{ON_EVENT_FUNCTION_NAME}"
# The custom resource types the stack's provider serves: copies and the serving types.
LAMBDA_TYPE = "AWS::Lambda::Function"
PROVIDER_RESOURCE_TYPES = ("Custom::BedrockModelCopy", *SERVING_RESOURCE_TYPES.values())


def _roundtrip(value: Any) -> Any:
    """What crossing a Lambda or Step Functions boundary does to a payload: JSON and back."""
    return json.loads(json.dumps(value))


@dataclass
class CfnResponse:
    """What CloudFormation received for one request."""

    request_type: str
    status: str
    reason: str
    physical_resource_id: str
    data: dict[str, str]
    polls: int
    body_bytes: int

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


class _UserHandlerError(Exception):
    """A user handler raised; the framework reports it as FAILED with this message."""


class ProviderFramework:
    """Runs a handler module as the CDK provider framework's Lambda functions and state machine do.

    Parameters
    ----------
    handler : module
        The ``model_copy.handler`` module (default: the library's own asset).
    clock : Clock
        Simulated time.
    query_interval, total_timeout : int
        The provider's polling settings, in seconds (see ``ModelCopyProvider``).
    lambda_timeout : int
        The handler functions' timeout; an invocation whose simulated duration
        exceeds it fails as Lambda's "Task timed out" does.
    progress : callable, optional
        Called after every poll that is not complete with (event, poll number,
        seconds waited), as a person watching the stack events sees time pass.
    stack_statuses : dict, optional
        StackId -> StackStatus that the stacks keep current for each phase of an
        operation (the fake answers DescribeStacks from it).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        handler: ModuleType | None = None,
        query_interval: int = 30,
        total_timeout: int | None = None,
        lambda_timeout: int = 120,
        progress: Callable[[dict[str, Any], int, float], None] | None = None,
        stack_statuses: dict[str, str] | None = None,
        fake: FakeBedrock | None = None,
        endpoint: str = "",
    ) -> None:
        self.clock = clock
        self.fake = fake  # where long copies' WaitConditions and state machines live
        self.endpoint = endpoint
        # StackId -> StackStatus, as DescribeStacks answers it (shared with the fake Bedrock).
        self.stack_statuses: dict[str, str] = {} if stack_statuses is None else stack_statuses
        self.handler = handler or _handler_module
        self.query_interval = query_interval
        self.total_timeout = total_timeout or provider_total_timeout(query_interval)
        if self.total_timeout % self.query_interval:
            raise ValueError("total_timeout must be a whole multiple of query_interval (as the framework requires)")
        self.lambda_timeout = lambda_timeout
        self.progress = progress  # called after every poll that is not complete: (event, poll, waited seconds)
        self.responses: list[CfnResponse] = []
        # The handler functions' names (the framework's error pointer names /aws/lambda/<name>) and environment
        # variables; deploy_template sets both from the template.
        self.function_names = {"on_event": ON_EVENT_FUNCTION_NAME, "is_complete": IS_COMPLETE_FUNCTION_NAME}
        self.environment: dict[str, str] = {}

    def _invoke(self, entry_point: str, payload: dict[str, Any]) -> dict[str, Any]:
        started = self.clock.time()
        function: Callable[..., Any] = getattr(self.handler, entry_point)
        name = self.function_names[entry_point]
        try:
            with mock.patch.dict(os.environ, self.environment):  # the function's environment variables
                result = function(_roundtrip(payload), None)
        except Exception as error:  # the Lambda runtime turns any exception into a function error
            # framework.js: [errorMessage, "", `Logs: /aws/lambda/${functionName}`, ""].join("\n")
            raise _UserHandlerError(f"{error}\n\nLogs: /aws/lambda/{name}\n") from error
        if self.clock.time() - started > self.lambda_timeout:
            raise _UserHandlerError(f"Task timed out after {self.lambda_timeout}.00 seconds")
        result = _roundtrip(result)
        if result is not None and not isinstance(result, dict):
            raise _UserHandlerError(f'return values from user-handlers must be JSON objects. got: "{result}"')
        return result or {}

    def submit(self, request: dict[str, Any]) -> CfnResponse:
        """Handle one CloudFormation request to the end; returns what CloudFormation receives."""
        request = _roundtrip(request)
        started = self.clock.time()
        if request["RequestType"] == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return self._respond("SUCCESS", request, polls=0)  # the framework ignores it itself
        request.setdefault("ResourceProperties", {})
        event = request
        polls = 0
        try:
            on_event_result = self._invoke("on_event", request)
            physical_id = on_event_result.get("PhysicalResourceId") or self._default_physical_id(request)
            if request["RequestType"] == "Delete" and physical_id != request["PhysicalResourceId"]:
                raise _UserHandlerError(
                    f'DELETE: cannot change the physical resource ID from "{request["PhysicalResourceId"]}" '
                    f'to "{on_event_result.get("PhysicalResourceId")}" during deletion'
                )
            event = _roundtrip({**request, **on_event_result, "PhysicalResourceId": physical_id})
            max_attempts = self.total_timeout // self.query_interval
            while True:
                if self.clock.time() - started > SERVICE_TIMEOUT_SECONDS:
                    return self._respond(
                        "FAILED",
                        event,
                        polls=polls,
                        reason=SERVICE_TIMEOUT_REASON,
                    )
                result = self._invoke("is_complete", event)
                polls += 1
                if not result.get("IsComplete"):
                    if result.get("Data"):
                        raise _UserHandlerError('"Data" is not allowed if "IsComplete" is "False"')
                    if polls > max_attempts:
                        return self._respond("FAILED", event, polls=polls, reason="Operation timed out")
                    if self.progress is not None:
                        self.progress(event, polls, self.clock.time() - started)
                    self.clock.advance(self.query_interval)
                    continue
                merged = {**event, **result, "Data": {**(event.get("Data") or {}), **(result.get("Data") or {})}}
                return self._respond("SUCCESS", merged, polls=polls)
        except _UserHandlerError as error:
            if not event.get("PhysicalResourceId"):
                event = {
                    **event,
                    "PhysicalResourceId": CREATE_FAILED_MARKER if event["RequestType"] == "Create" else "",
                }
            return self._respond("FAILED", event, polls=polls, reason=str(error))

    @staticmethod
    def _default_physical_id(request: dict[str, Any]) -> str:
        return str(request["RequestId"] if request["RequestType"] == "Create" else request["PhysicalResourceId"])

    def _respond(self, status: str, event: dict[str, Any], *, polls: int, reason: str = "") -> CfnResponse:
        body = {
            "Status": status,
            "Reason": reason or status,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": event.get("PhysicalResourceId") or MISSING_PHYSICAL_ID_MARKER,
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": event.get("Data") or {},
        }
        size = len(json.dumps(body).encode())
        if size > MAX_RESPONSE_BYTES:  # CloudFormation refuses the response itself
            body.update(Status="FAILED", Reason="Response object is too long.")
        response = CfnResponse(
            event["RequestType"],
            body["Status"],
            body["Reason"],
            body["PhysicalResourceId"],
            body["Data"],
            polls,
            size,
        )
        self.responses.append(response)
        return response


@dataclass
class DeployedResource:
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


class CloudFormationStack:
    """CloudFormation's side of one stack of ``Custom::BedrockModelCopy`` resources.

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
            "ResourceType": "Custom::BedrockModelCopy",
            "ResourceProperties": _stringify({"ServiceToken": "token", **properties}),
            **extra,
        }

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
        self.events.append(
            StackEvent(
                self.framework.clock.time(),
                logical_id,
                "CREATE_COMPLETE" if response.ok else "CREATE_FAILED",
                "" if response.ok else response.reason,
            )
        )
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
        self._event(
            logical_id, "UPDATE_COMPLETE" if response.ok else "UPDATE_FAILED", "" if response.ok else response.reason
        )
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
        self._event(
            logical_id, "UPDATE_COMPLETE" if rollback.ok else "UPDATE_FAILED", "" if rollback.ok else rollback.reason
        )
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
                self._delete_long_copy_resource(logical_id)
                self._event(logical_id, "DELETE_COMPLETE")
                continue
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
        """Deploy the ``Custom::BedrockModelCopy`` resources of a synthesized template, as ``cdk deploy`` does.

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

        Long copies' WaitConditions and the copy watcher state machine are created too (see
        :meth:`_create_wait_condition`); a WaitCondition already created is never evaluated
        again. A failure in a first deploy rolls back what it created, newest first, as
        CloudFormation does.

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
        arn_parts = self.stack_id.split(":")
        pseudo = pseudo_parameters(
            stack_name=self.stack_name, stack_id=self.stack_id, region=arn_parts[3], account=arn_parts[4]
        )

        def deployed_attribute(logical_id: str, attribute: str) -> str | None:
            resource = self.resources.get(logical_id)
            return None if resource is None else resource.data.get(attribute)

        def deployed_ref(logical_id: str) -> str | None:
            resource = self.resources.get(logical_id)
            return None if resource is None else resource.physical_resource_id

        resolver = Resolver(template, values, pseudo, deployed_attribute, deployed_ref)
        resources = template.get("Resources", {})
        self._configure_handler_functions(resources, values, pseudo)
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
            if resource["Type"] in PROVIDER_RESOURCE_TYPES or self._is_long_copy_resource(resource)
        }
        for logical_id in dependency_order(deployable):
            resource = deployable[logical_id]
            if self._is_long_copy_resource(resource):
                if logical_id in self.resource_types:
                    continue  # an existing WaitCondition or watcher: CloudFormation never evaluates it again
                long_copy_operation = self._create_long_copy_resource(logical_id, resource, first_deploy=first_deploy)
                if logical_id in self.resources:
                    created.append((logical_id, self.resources[logical_id]))
                if long_copy_operation is None:
                    continue
                operations[logical_id] = long_copy_operation
                if not long_copy_operation.response.ok:
                    return fail(long_copy_operation)
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
                            _stringify({"ServiceToken": "token", **properties}),
                            {},
                            deletion_policy,
                            update_replace_policy,
                        ),
                    )
                )
            elif _stringify({"ServiceToken": "token", **properties}) == current.properties:
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
                self._delete_long_copy_resource(logical_id)
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
        return operations, outputs

    def generated_name(self, logical_id: str) -> str:
        """The physical name CloudFormation gives a resource without one: stack name, logical id, a suffix."""
        return f"{self.stack_name[:30]}-{logical_id[:20]}-{short_id(self.stack_id, logical_id).upper()}"

    def _configure_handler_functions(
        self, resources: dict[str, Any], values: TemplateValues, pseudo: dict[str, Any]
    ) -> None:
        """The handler functions' names and environment, as Lambda gives them to the deployed functions."""

        def physical_name(logical_id: str) -> str | None:
            resource = resources.get(logical_id, {})
            if resource.get("Type") != "AWS::Logs::LogGroup":
                return None
            named = resource.get("Properties", {}).get("LogGroupName")
            return str(resolver.resolve(named, logical_id)) if named else self.generated_name(logical_id)

        resolver = Resolver({"Resources": resources}, values, pseudo, None, physical_name)
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
        if logical_id in self.resource_types:  # a WaitCondition or the copy watcher: nothing to call
            self._delete_long_copy_resource(logical_id)
            return None
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

    # ------------------------------------------------------------------ long copies

    WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"
    STATE_MACHINE = "AWS::StepFunctions::StateMachine"
    WATCHER_METADATA_KEY = "bedrock-model-copy:copy-watcher"

    def _step_functions(self) -> StepFunctions:
        fake = self.framework.fake
        if fake is None:
            raise ValueError("long copies need the driver made by simulated_environment (it knows the fake)")
        if fake.step_functions is None:
            fake.step_functions = StepFunctions(
                fake.clock, endpoint=self.framework.endpoint, region=fake.region, account=fake.account
            )
        return fake.step_functions

    def _is_long_copy_resource(self, resource: dict[str, Any]) -> bool:
        """A long copy's WaitCondition, or the stack's copy watcher state machine."""
        if resource["Type"] == self.WAIT_CONDITION:
            return True
        return resource["Type"] == self.STATE_MACHINE and self.WATCHER_METADATA_KEY in resource.get("Metadata", {})

    def _create_long_copy_resource(
        self, logical_id: str, resource: dict[str, Any], *, first_deploy: bool
    ) -> StackOperation | None:
        """Create a WaitCondition (returns its operation) or the copy watcher state machine (returns None)."""
        if resource["Type"] == self.WAIT_CONDITION:
            return self._create_wait_condition(logical_id, resource, first_deploy=first_deploy)
        if resource["Type"] == self.STATE_MACHINE and self.WATCHER_METADATA_KEY in resource.get("Metadata", {}):
            self._create_watcher(logical_id, resource)
        return None

    def _create_watcher(self, logical_id: str, resource: dict[str, Any]) -> None:
        """Register the copy watcher's definition, as synthesized, with its role's policies."""
        properties = resource["Properties"]
        parameters = pseudo_parameters(stack_name=self.stack_name, region=self.region, account=self.account)
        text = str(resolve(properties["DefinitionString"], parameters))
        for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
            text = text.replace("${" + name + "}", str(resolve(value, parameters)))
        role_id = properties["RoleArn"]["Fn::GetAtt"][0]
        _check_trusts_step_functions(self.template, role_id, parameters)
        access_key = f"AKIAWATCHER{logical_id[:20].upper()}"
        fake = self.framework.fake
        assert fake is not None
        if fake.iam is not None:  # IAM mode: the watcher's calls are authorized with its own role's policies
            policies = role_policies(
                self.template, role_id, stack_name=self.stack_name, region=self.region, account=self.account
            )
            if fake.watcher_denied_actions:  # a permissions boundary or SCP that denies these
                deny = {"Effect": "Deny", "Action": sorted(fake.watcher_denied_actions), "Resource": "*"}
                policies.documents.append({"Statement": [deny]})
            fake.role_iam[access_key] = policies
        # CloudFormation names it <logical id>-<random>: a re-created state machine is a new one.
        name = f"{logical_id}-{uuid.uuid4().hex[:12]}"
        arn = self._step_functions().create_state_machine(name, json.loads(text), access_key=access_key)
        if fake.iam is not None:  # the handler role's states: statements name this state machine
            fake.iam.bind(logical_id, arn, {"Name": name})
        self.resources[logical_id] = DeployedResource(arn, {}, {}, "Delete", "Delete")
        self.resource_types[logical_id] = self.STATE_MACHINE

    def _create_wait_condition(
        self, logical_id: str, resource: dict[str, Any], *, first_deploy: bool
    ) -> StackOperation:
        """Wait for Count SUCCESS signals (distinct UniqueIds) within the ResourceSignal timeout.

        Runs the copy watchers meanwhile, in simulated time. A FAILURE signal or the timeout
        fails the WaitCondition with CloudFormation's own reasons. The handle form (a
        WaitConditionHandle and Timeout properties) is not simulated.
        """
        policy = (resource.get("CreationPolicy") or {}).get("ResourceSignal")
        if not policy:
            raise ValueError(f"{logical_id}: only a WaitCondition with a CreationPolicy ResourceSignal is simulated")
        count, timeout = int(policy.get("Count", 1)), _iso_duration_seconds(str(policy.get("Timeout", "PT5M")))
        fake = self.framework.fake
        assert fake is not None
        sfn = self._step_functions()
        sfn.run_until(lambda: False, fake.clock.time())  # watchers started before the wait exists run first
        self._enter("CREATE_IN_PROGRESS" if first_deploy else "UPDATE_IN_PROGRESS")
        wait = WaitConditionState(self.stack_id, logical_id, count, metadata=resource.get("Metadata"))
        fake.wait_conditions[(self.stack_id, logical_id)] = wait
        started = fake.clock.time()
        deadline = started + timeout
        interrupt = self.delete_stack_during_wait_after
        if interrupt is None and not first_deploy:
            interrupt = self.fail_update_during_wait_after
        stop = min(deadline, started + interrupt) if interrupt is not None else deadline
        done = lambda: wait.successes >= count or wait.failure is not None  # noqa: E731
        if self.runtime_error_during_wait_after is not None:
            sfn.run_until(done, min(stop, started + self.runtime_error_during_wait_after))
            for execution in sfn.running():
                sfn.fail_at_next_transition(execution, "An error occurred while executing the state (simulated)")
        sfn.run_until(done, stop)
        for signal in wait.signals:
            self.events.append(
                StackEvent(
                    signal.at,
                    logical_id,
                    "CREATE_IN_PROGRESS",
                    f"Received {signal.status} signal with UniqueId {signal.unique_id}",
                )
            )
        if wait.failure is not None:
            status, reason = "FAILED", f"Received FAILURE signal with UniqueId {wait.failure.unique_id}"
        elif wait.successes >= count:
            status, reason = "SUCCESS", ""
        elif interrupt is not None and fake.clock.time() < deadline:
            status, reason = "FAILED", "Resource creation cancelled"
        else:
            status, reason = "FAILED", f"Failed to receive {count} resource signal(s) within the specified duration"
        wait.status = "CREATE_COMPLETE" if status == "SUCCESS" else "CREATE_FAILED"
        self.events.append(StackEvent(fake.clock.time(), logical_id, wait.status, reason))
        physical_id = f"{self.stack_id}/{logical_id}"
        response = CfnResponse("Create", status, reason or status, physical_id, {}, len(wait.signals), 0)
        if status == "SUCCESS":
            self.resources[logical_id] = DeployedResource(physical_id, {}, {}, "Delete", "Delete")
            self.resource_types[logical_id] = self.WAIT_CONDITION
        return StackOperation(response)

    def _delete_long_copy_resource(self, logical_id: str) -> None:
        """A WaitCondition is gone (signals fail); a deleted state machine stops its executions."""
        resource = self.resources.pop(logical_id)
        kind = self.resource_types.pop(logical_id)
        fake = self.framework.fake
        assert fake is not None
        if kind == self.WAIT_CONDITION:
            wait = fake.wait_conditions.get((self.stack_id, logical_id))
            if wait is not None:
                wait.status = "DELETE_COMPLETE"
        elif fake.step_functions is not None:
            fake.step_functions.delete_state_machine(resource.physical_resource_id)

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
                self._delete_long_copy_resource(logical_id)
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
        """Delete every resource, newest first, as a stack delete does (DELETE_IN_PROGRESS)."""
        operations: dict[str, StackOperation] = {}
        for logical_id in reversed(list(self.resources)):
            removed = self.delete(logical_id, during="stack-delete")
            if removed is not None:
                operations[logical_id] = removed
                if not removed.response.ok:
                    break
        return operations

    def advance(self, seconds: float) -> None:
        """Let simulated time pass with nothing deployed: running copy watchers go on (and end)."""
        fake = self.framework.fake
        if fake is not None and fake.step_functions is not None:
            fake.step_functions.run_until(lambda: False, fake.clock.time() + seconds)
        else:
            self.framework.clock.advance(seconds)

    def _delete_request(self, logical_id: str, resource: DeployedResource) -> CfnResponse:
        request = self.request("Delete", logical_id, {}, PhysicalResourceId=resource.physical_resource_id)
        request["ResourceProperties"] = resource.properties
        return self._submit_delete(logical_id, request)

    def _submit_delete(self, logical_id: str, request: dict[str, Any]) -> CfnResponse:
        response = self.framework.submit(request)
        self._event(
            logical_id, "DELETE_COMPLETE" if response.ok else "DELETE_FAILED", "" if response.ok else response.reason
        )
        return response


def _check_trusts_step_functions(template: dict[str, Any], role_id: str, parameters: dict[str, Any]) -> None:
    """Refuse a state machine whose role Step Functions may not assume (it could not run in AWS)."""
    document = resolve(template["Resources"][role_id]["Properties"].get("AssumeRolePolicyDocument") or {}, parameters)
    for statement in document.get("Statement", []):
        actions = statement.get("Action", [])
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = [actions] if isinstance(actions, str) else actions
        trusted = any(re.fullmatch(r"states(\.[a-z0-9-]+)?\.amazonaws\.com", str(service)) for service in services)
        if statement.get("Effect") == "Allow" and "sts:AssumeRole" in actions and trusted:
            return
    raise ValueError(
        f"The state machine's role {role_id} does not let states.amazonaws.com assume it: Step Functions could "
        "not run the state machine (AssumeRolePolicyDocument)."
    )


def _iso_duration_seconds(text: str) -> int:
    """``PT6H15M`` -> 22500 (the ISO 8601 durations a CreationPolicy takes)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", text)
    if match is None or not any(match.groups()):
        raise ValueError(f"ResourceSignal Timeout {text!r} is not an ISO 8601 duration like PT12H")
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _stringify(value: Any) -> Any:
    """CloudFormation passes every scalar property to a custom resource as a string."""
    if isinstance(value, dict):
        return {key: _stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stringify(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextmanager
def simulated_environment(
    fake: FakeBedrock, *, handler: ModuleType | None = None, **framework_options: Any
) -> Iterator[ProviderFramework]:
    """Serve ``fake`` on loopback and point the real handler and a real boto3 client at it.

    Sets ``AWS_ENDPOINT_URL_BEDROCK`` and ``AWS_ENDPOINT_URL_CLOUDFORMATION`` (the fake
    answers the handler's DescribeStacks too), test credentials and the Region; replaces the
    handler's clock and boto3's retry sleep with ``fake.clock``. Yields a
    :class:`ProviderFramework` for the handler (``framework_options`` go to it:
    ``query_interval``, ``total_timeout``, ``lambda_timeout``).
    """
    module = handler or _handler_module
    package = module.__name__.rsplit(".", 1)[0]
    bedrock = importlib.import_module(f"{package}.aws")  # the handler's own clients
    poll = importlib.import_module(f"{package}.engine.request")  # the handler's clock
    with ExitStack() as stack:
        endpoint = stack.enter_context(fake.serve())
        stack.enter_context(
            mock.patch.dict(
                os.environ,
                {
                    "AWS_ENDPOINT_URL_BEDROCK": endpoint,
                    "AWS_ENDPOINT_URL_CLOUDFORMATION": endpoint,
                    "AWS_ENDPOINT_URL_SFN": endpoint,
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing",
                    "AWS_DEFAULT_REGION": fake.region,
                    "AWS_REGION": fake.region,
                },
            )
        )
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):  # restored with the rest of os.environ
            os.environ.pop(name, None)
        stack.enter_context(mock.patch.object(poll, "clock", fake.clock.time))
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", SimpleNamespace(sleep=fake.clock.sleep)))
        bedrock.reset_client()
        stack.callback(bedrock.reset_client)
        yield ProviderFramework(
            fake.clock,
            handler=module,
            stack_statuses=fake.stack_statuses,
            fake=fake,
            endpoint=endpoint,
            **framework_options,
        )
