"""Waiters: ``ModelCopyJobWaiter`` waits for a copy job started elsewhere; it makes and deletes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import rules
from ..contract import MODE_WAIT, PROP_JOB_ARN, PROP_MODE
from ..engine.request import Request
from .base import required
from .copy import CopyKind
from .fleet import Drift


class WaiterKind(CopyKind):
    """A ``ModelCopyJobWaiter`` (``Mode`` ``Wait``): reads a copy job with ``GetModelCopyJob``, nothing else."""

    name = MODE_WAIT
    create_operation = ""
    delete_operation = ""
    identity = (PROP_MODE, PROP_JOB_ARN)
    tags_property = ""
    watch = None
    operations = ("get_model_copy_job",)
    listings = ()  # it makes nothing: the command finds the job through the copy kind's listings
    # Nothing of its own to compare; its Get still gives its attributes (a deployment's Fn::GetAtt of its model).
    drift = Drift(
        read=("GetModelCopyJob", "jobArn"),
        none="a waiter reads a copy job started elsewhere and makes nothing: nothing of its own can drift",
    )

    def check(self, props: Mapping[str, Any]) -> None:
        rules.check_job_arn(required(props, PROP_JOB_ARN))

    def existing(self, props: Mapping[str, Any]) -> str:
        """The job to wait for is the physical id: nothing is started."""
        return str(props[PROP_JOB_ARN])

    def deletes(self, props: Mapping[str, Any]) -> bool:
        return False

    def timeout_advice(self, request: Request) -> str:
        return "deploy again to resume waiting for the same job"


KIND = WaiterKind()
