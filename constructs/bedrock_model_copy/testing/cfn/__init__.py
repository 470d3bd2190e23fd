"""CloudFormation's side of a stack, driving the real handler (re-exported by :mod:`..driver`).

- :mod:`.kinds`: the resource kinds the driver knows, through one list of descriptors;
- :mod:`.framework`: the CDK provider framework's runtime around the handler;
- :mod:`.resources`: one resource's create, update and delete, with CloudFormation's phases and rollbacks;
- :mod:`.long_waits`: WaitConditions with a CreationPolicy and the watcher state machine that signals them;
- :mod:`.stack`: :class:`~.stack.CloudFormationStack`, which deploys a synthesized template.
"""
