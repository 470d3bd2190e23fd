"""Long waits: WaitConditions with a CreationPolicy, and the watcher state machine that signals them.

CloudFormation evaluates a WaitCondition only when it CREATES it: Count distinct SUCCESS signals
(``SignalResource`` UniqueIds) complete it, a FAILURE signal or the ResourceSignal timeout fails it. The
driver creates such a wait as CloudFormation does (the handle form, a WaitConditionHandle and Timeout
properties, is not simulated) and meanwhile runs the state machines that signal it, in simulated time:
a state machine whose Metadata holds :data:`~.kinds.WATCHER_METADATA_KEY` is registered, definition as
synthesized, with its role's policies (the fake authorizes its calls with them in IAM mode).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from ..aws.cloudformation import WaitConditionState
from ..aws.stepfunctions import StepFunctions
from ..iam import resolve, role_policies
from ..intrinsics import pseudo_parameters
from .framework import CfnResponse
from .kinds import WATCHER_METADATA_KEY
from .resources import DeployedResource, StackEvent, StackOperation, StackResources

WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"


def is_long_wait(resource: dict[str, Any]) -> bool:
    """A WaitCondition, or a state machine marked as the library's watcher."""
    if resource["Type"] == WAIT_CONDITION:
        return True
    return resource["Type"] == STATE_MACHINE and WATCHER_METADATA_KEY in resource.get("Metadata", {})


def step_functions(stack: StackResources) -> StepFunctions:
    """The fake's Step Functions (made on first use), where watchers run."""
    fake = stack.framework.fake
    if fake is None:
        raise ValueError("long copies need the driver made by simulated_environment (it knows the fake)")
    if fake.step_functions is None:
        fake.step_functions = StepFunctions(
            fake.clock, endpoint=stack.framework.endpoint, region=fake.region, account=fake.account
        )
    return fake.step_functions


def create(
    stack: StackResources, logical_id: str, resource: dict[str, Any], *, first_deploy: bool
) -> StackOperation | None:
    """Create a WaitCondition (returns its operation) or a watcher state machine (returns None)."""
    if resource["Type"] == WAIT_CONDITION:
        return _create_wait_condition(stack, logical_id, resource, first_deploy=first_deploy)
    _create_watcher(stack, logical_id, resource)
    return None


def delete(stack: StackResources, logical_id: str) -> None:
    """A WaitCondition is gone (signals fail); a deleted state machine stops its executions."""
    resource = stack.resources.pop(logical_id)
    kind = stack.resource_types.pop(logical_id)
    fake = stack.framework.fake
    assert fake is not None
    if kind == WAIT_CONDITION:
        wait = fake.wait_conditions.get((stack.stack_id, logical_id))
        if wait is not None:
            wait.status = "DELETE_COMPLETE"
    elif fake.step_functions is not None:
        fake.step_functions.delete_state_machine(resource.physical_resource_id)


def _create_watcher(stack: StackResources, logical_id: str, resource: dict[str, Any]) -> None:
    """Register the watcher's definition, as synthesized, with its role's policies."""
    properties = resource["Properties"]
    parameters = pseudo_parameters(stack_name=stack.stack_name, region=stack.region, account=stack.account)
    text = str(resolve(properties["DefinitionString"], parameters))
    for name, value in (properties.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + name + "}", str(resolve(value, parameters)))
    role_id = properties["RoleArn"]["Fn::GetAtt"][0]
    _check_trusts_step_functions(stack.template, role_id, parameters)
    access_key = f"AKIAWATCHER{logical_id[:20].upper()}"
    fake = stack.framework.fake
    assert fake is not None
    if fake.iam is not None:  # IAM mode: the watcher's calls are authorized with its own role's policies
        policies = role_policies(
            stack.template, role_id, stack_name=stack.stack_name, region=stack.region, account=stack.account
        )
        if fake.watcher_denied_actions:  # a permissions boundary or SCP that denies these
            deny = {"Effect": "Deny", "Action": sorted(fake.watcher_denied_actions), "Resource": "*"}
            policies.documents.append({"Statement": [deny]})
        fake.role_iam[access_key] = policies
    # CloudFormation names it <logical id>-<random>: a re-created state machine is a new one.
    name = f"{logical_id}-{uuid.uuid4().hex[:12]}"
    arn = step_functions(stack).create_state_machine(name, json.loads(text), access_key=access_key)
    if fake.iam is not None:  # the handler role's states: statements name this state machine
        fake.iam.bind(logical_id, arn, {"Name": name})
    stack.resources[logical_id] = DeployedResource(arn, {}, {}, "Delete", "Delete")
    stack.resource_types[logical_id] = STATE_MACHINE


def _create_wait_condition(
    stack: StackResources, logical_id: str, resource: dict[str, Any], *, first_deploy: bool
) -> StackOperation:
    """Wait for Count SUCCESS signals (distinct UniqueIds) within the ResourceSignal timeout.

    Runs the watchers meanwhile, in simulated time. A FAILURE signal or the timeout fails the
    WaitCondition with CloudFormation's own reasons.
    """
    policy = (resource.get("CreationPolicy") or {}).get("ResourceSignal")
    if not policy:
        raise ValueError(f"{logical_id}: only a WaitCondition with a CreationPolicy ResourceSignal is simulated")
    count, timeout = int(policy.get("Count", 1)), _iso_duration_seconds(str(policy.get("Timeout", "PT5M")))
    fake = stack.framework.fake
    assert fake is not None
    sfn = step_functions(stack)
    sfn.run_until(lambda: False, fake.clock.time())  # watchers started before the wait exists run first
    stack._enter("CREATE_IN_PROGRESS" if first_deploy else "UPDATE_IN_PROGRESS")
    wait = WaitConditionState(stack.stack_id, logical_id, count, metadata=resource.get("Metadata"))
    fake.wait_conditions[(stack.stack_id, logical_id)] = wait
    started = fake.clock.time()
    deadline = started + timeout
    interrupt = stack.delete_stack_during_wait_after
    if interrupt is None and not first_deploy:
        interrupt = stack.fail_update_during_wait_after
    stop = min(deadline, started + interrupt) if interrupt is not None else deadline
    done = lambda: wait.successes >= count or wait.failure is not None  # noqa: E731
    if stack.runtime_error_during_wait_after is not None:
        sfn.run_until(done, min(stop, started + stack.runtime_error_during_wait_after))
        for execution in sfn.running():
            sfn.fail_at_next_transition(execution, "An error occurred while executing the state (simulated)")
    sfn.run_until(done, stop)
    for signal in wait.signals:
        received = f"Received {signal.status} signal with UniqueId {signal.unique_id}"
        stack.events.append(StackEvent(signal.at, logical_id, "CREATE_IN_PROGRESS", received))
    if wait.failure is not None:
        status, reason = "FAILED", f"Received FAILURE signal with UniqueId {wait.failure.unique_id}"
    elif wait.successes >= count:
        status, reason = "SUCCESS", ""
    elif interrupt is not None and fake.clock.time() < deadline:
        status, reason = "FAILED", "Resource creation cancelled"
    else:
        status, reason = "FAILED", f"Failed to receive {count} resource signal(s) within the specified duration"
    wait.status = "CREATE_COMPLETE" if status == "SUCCESS" else "CREATE_FAILED"
    stack.events.append(StackEvent(fake.clock.time(), logical_id, wait.status, reason))
    physical_id = f"{stack.stack_id}/{logical_id}"
    response = CfnResponse("Create", status, reason or status, physical_id, {}, len(wait.signals), 0)
    if status == "SUCCESS":
        stack.resources[logical_id] = DeployedResource(physical_id, {}, {}, "Delete", "Delete")
        stack.resource_types[logical_id] = WAIT_CONDITION
    return StackOperation(response)


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
