"""The one place where each resource kind tells the conformance suite how to deploy it and see what it left.

A profile per kind of the runtime's list (``bedrock_model_copy._lambda.model_copy.kinds.KINDS``), keyed by
the kind's ``name``. Everything else the suite does (which calls to fault, which request makes what, which
attributes to expect) comes from the kind's descriptor. A profile says only:

- ``build(scope, id, variant)``: one resource of the kind, with the real construct, in the ``variant`` asked
  (``Variant``: removal policy, an update in place, a replacement, a long wait); template parameters stand for
  what the fake makes at run time (a model, a job), ``prepare`` gives their values;
- ``prepare(fake, duration=, fails=)``: what the fake needs before the resource can be made (models, jobs),
  how long the kind's Bedrock resources take, whether they end ``Failed``; returns the parameters' values;
- ``left(fake, stack_name)``: the physical ids of the resources of this kind that stack's ownership tags
  name and that exist (or will: a running job) in the fake;
- ``kept(fake, physical_id)``: the documented reason a successful Delete may leave that resource, read from
  its own state in the fake (``COMMITMENT``, ``UNFINISHED``), or "".

A kind that joins ``KINDS`` without a profile here fails ``test_profiles.py`` with what to add.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from bedrock_model_copy import (
    BedrockModelCopy,
    BedrockModelImport,
    CustomModelDeployment,
    ModelCopyJobWaiter,
    ProvisionedThroughput,
)
from bedrock_model_copy.testing import FakeBedrock
from constructs import Construct

SOURCE_ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"
OWNER = "bedrock-model-copy:owner-stack"
LONG_TIMEOUT = cdk.Duration.hours(3)  # above the 57 minutes a custom resource may wait: a WaitCondition waits

# Documented reasons a Delete that answered SUCCESS may leave a resource (docs/lifecycle.md, docs/serving.md).
RETAIN = "RETAIN"  # DeletionPolicy/UpdateReplacePolicy Retain: CloudFormation sends no Delete
COMMITMENT = "commitment"  # a Provisioned Throughput under an unexpired commitment
# A job still running (a copy, an import), or a resource Bedrock refuses to delete while it is being created (a
# deployment, Creating) past the delete's retry deadline, when a rollback or clean-up deletes it: left for the next
# deploy of the same properties to take back (docs/lifecycle.md, "No silent orphan" and "The conformance suite").
UNFINISHED = "unfinished"


@dataclass(frozen=True)
class Variant:
    """Which form of the kind's one resource a template holds."""

    retain: bool = False  # removal policy RETAIN (else DESTROY)
    in_place: bool = False  # the properties an update changes in place (tags, the model served ...)
    replaced: bool = False  # the identity properties a replacement changes (a new name, size ...)
    long: bool = False  # a timeout above 57 minutes (kinds whose descriptor has a ``watch``)


def parameter(scope: Construct, name: str) -> str:
    """A template parameter's value (the scope's stack declares it once)."""
    stack = cdk.Stack.of(scope)
    found = stack.node.try_find_child(name)
    return (
        found if isinstance(found, cdk.CfnParameter) else cdk.CfnParameter(stack, name, type="String")
    ).value_as_string


def removal(variant: Variant) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.RETAIN if variant.retain else cdk.RemovalPolicy.DESTROY


def tags(variant: Variant) -> dict[str, str]:
    """One value changed and one key removed in place: TagResource and UntagResource."""
    return {"team": "ai"} if variant.in_place else {"team": "ml", "stage": "dev"}


class Profile:
    """What one kind tells the suite (see the module)."""

    name: ClassVar[str]  # the runtime kind's ``name``

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        raise NotImplementedError

    def prepare(self, fake: FakeBedrock, *, duration: float, fails: bool = False) -> dict[str, str]:
        raise NotImplementedError

    def left(self, fake: FakeBedrock, stack_name: str) -> set[str]:
        raise NotImplementedError

    def kept(self, fake: FakeBedrock, physical_id: str) -> str:
        return ""


class CopyProfile(Profile):
    name = "Copy"
    NAMES = ("conf-copy", "conf-copy-b")

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        return BedrockModelCopy(
            scope,
            id,
            source_model_arn=SOURCE_ARN,
            target_model_name=self.NAMES[variant.replaced],
            tags=tags(variant),
            removal_policy=removal(variant),
            timeout=LONG_TIMEOUT if variant.long else None,
        )

    def prepare(self, fake: FakeBedrock, *, duration: float, fails: bool = False) -> dict[str, str]:
        fake.default_copy_duration = duration
        for name in self.NAMES if fails else ():
            fake.script_copy(name, duration=duration, outcome="Failed", failure_message="Injected copy failure")
        return {}

    def left(self, fake: FakeBedrock, stack_name: str) -> set[str]:
        """Copy jobs (the physical ids) whose model exists or will: a running job that is to complete."""
        with fake.lock:
            fake.settle()
            now, found = fake.clock.time(), set()
            for job in fake.jobs.values():
                model = fake.models.get(job.target_model_arn)
                owner = model.tags if model is not None else {tag["key"]: tag["value"] for tag in job.tags}
                running = job.status(now) == "InProgress" and job.script.outcome == "Completed"
                if owner.get(OWNER) == stack_name and (model is not None or running):
                    found.add(job.job_arn)
            return found

    def kept(self, fake: FakeBedrock, physical_id: str) -> str:
        job = fake.jobs.get(physical_id)
        return UNFINISHED if job is not None and job.status(fake.clock.time()) == "InProgress" else ""


class WaiterProfile(Profile):
    name = "Wait"
    JOBS = ("Job", "OtherJob")

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        # A waiter has no removal policy and no long form; in place, only its timeout changes.
        timeout = cdk.Duration.minutes(50) if variant.in_place else None
        return ModelCopyJobWaiter(scope, id, job_arn=parameter(scope, self.JOBS[variant.replaced]), timeout=timeout)

    def prepare(self, fake: FakeBedrock, *, duration: float, fails: bool = False) -> dict[str, str]:
        outcome = "Failed" if fails else "Completed"
        return {
            job: fake.add_job(
                source_model_arn=SOURCE_ARN,
                target_model_name=f"waited-{index}",
                duration=duration,
                outcome=outcome,
                failure_message="Injected failure" if fails else "",
            )
            for index, job in enumerate(self.JOBS)
        }

    def left(self, fake: FakeBedrock, stack_name: str) -> set[str]:
        return set()  # a waiter makes nothing, whatever happens


class ServingProfile(Profile):
    """Deployments and Provisioned Throughput: the resource is its own ARN, tagged at creation."""

    fake_kind: ClassVar[str]  # the fake's name for the kind (``fake.serving.of_kind``)
    MODELS = ("Model", "OtherModel")

    def prepare(self, fake: FakeBedrock, *, duration: float, fails: bool = False) -> dict[str, str]:
        serving = fake.serving
        serving.deployment_duration = serving.throughput_duration = duration
        serving.update_duration = min(duration, serving.update_duration)
        for name in self.names() if fails else ():
            serving.script(name, duration=duration, outcome="Failed", failure_message="Injected failure")
        return {model: fake.add_model(f"served-{model.lower()}") for model in self.MODELS}

    def names(self) -> tuple[str, ...]:
        raise NotImplementedError

    def left(self, fake: FakeBedrock, stack_name: str) -> set[str]:
        return {item.arn for item in fake.serving.of_kind(self.fake_kind) if item.tags.get(OWNER) == stack_name}


class DeploymentProfile(ServingProfile):
    name = "CustomModelDeployment"
    fake_kind = "deployment"

    def kept(self, fake: FakeBedrock, physical_id: str) -> str:
        """A deployment still Creating refuses its delete (the fake's harder answer; S2: the delete models Conflict)."""
        item = fake.serving.resources.get(physical_id)
        return UNFINISHED if item is not None and item.status(fake.clock.time()) == "Creating" else ""

    def names(self) -> tuple[str, ...]:
        return ("conf-deployment", "conf-deployment-b")

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        return CustomModelDeployment(
            scope,
            id,
            model=parameter(scope, self.MODELS[variant.in_place]),
            deployment_name=self.names()[variant.replaced],
            tags=tags(variant),
            removal_policy=removal(variant),
            timeout=LONG_TIMEOUT if variant.long else None,
        )


class ThroughputProfile(ServingProfile):
    name = "ProvisionedThroughput"
    fake_kind = "throughput"

    def names(self) -> tuple[str, ...]:
        return ("conf-throughput", "conf-throughput-b")

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        return ProvisionedThroughput(
            scope,
            id,
            model=parameter(scope, self.MODELS[variant.in_place]),
            model_units=1 + variant.replaced,
            name=self.names()[variant.replaced],
            tags=tags(variant),
            removal_policy=removal(variant),
            timeout=LONG_TIMEOUT if variant.long else None,
        )

    def kept(self, fake: FakeBedrock, physical_id: str) -> str:
        """Under a commitment whose term has not ended (renewed or not, as the fake answers S13)."""
        item = fake.serving.resources.get(physical_id)
        now = fake.clock.time()
        expiry = item.commitment_expiry(now, renews=fake.serving.commitments_renew) if item is not None else None
        return COMMITMENT if expiry is not None and now < expiry else ""


class ImportProfile(Profile):
    name = "ModelImport"
    NAMES = ("conf-import", "conf-import-b")
    ROLE_ARN = "arn:aws:iam::111122223333:role/model-import"

    def build(self, scope: Construct, id: str, variant: Variant) -> Construct:
        return BedrockModelImport(
            scope,
            id,
            bucket="s3://weights",
            prefix="llama/8b/",
            role=iam.Role.from_role_arn(scope, f"{id}ImportRole", self.ROLE_ARN, mutable=False),
            imported_model_name=self.NAMES[variant.replaced],
            tags=tags(variant),
            removal_policy=removal(variant),
            timeout=LONG_TIMEOUT if variant.long else None,
        )

    def prepare(self, fake: FakeBedrock, *, duration: float, fails: bool = False) -> dict[str, str]:
        fake.imports.default_duration = duration
        for name in self.NAMES if fails else ():
            fake.imports.script(name, duration=duration, outcome="Failed", failure_message="Injected import failure")
        return {}

    def left(self, fake: FakeBedrock, stack_name: str) -> set[str]:
        """Import jobs (the physical ids) whose imported model exists or will: a running job that is to complete."""
        imports = fake.imports
        with fake.lock:
            imports.settle()
            now, found = fake.clock.time(), set()
            for job in imports.jobs.values():
                model = imports.models.get(job.model_arn)
                owner = model.tags if model is not None else job.tags
                running = job.status(now) == "InProgress" and job.script.outcome == "Completed"
                if owner.get(OWNER) == stack_name and (model is not None or running):
                    found.add(job.arn)
            return found

    def kept(self, fake: FakeBedrock, physical_id: str) -> str:
        job = fake.imports.jobs.get(physical_id)
        return UNFINISHED if job is not None and job.status(fake.clock.time()) == "InProgress" else ""


# The one list: a profile for every name in the runtime's KINDS (test_profiles.py holds it to that).
PROFILES: Mapping[str, Profile] = {
    profile.name: profile
    for profile in (CopyProfile(), WaiterProfile(), DeploymentProfile(), ThroughputProfile(), ImportProfile())
}
