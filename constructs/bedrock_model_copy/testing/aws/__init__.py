"""The fake's AWS services, one module each, behind one loopback server (:mod:`.server`).

- :mod:`.service`: what a service is (:class:`~.service.Service`: ``route``, ``authorize``, ``handle``);
- :mod:`.bedrock`: copy jobs, custom models and their tags;
- :mod:`.serving`: custom model deployments, Provisioned Throughput and ``InvokeModel``;
- :mod:`.cloudformation`: the stack reads, ``SignalResource`` and the WaitConditions it signals;
- :mod:`.stepfunctions`: state machines and executions (the API; the interpreter is :mod:`..asl`);
- :mod:`.server`: routes each request to the first service that claims it, with faults, IAM and a call record.

A fake is composed from an explicit list of services (``FakeBedrock(services=...)``); importing a module
registers nothing.
"""
