"""The lifecycle engine: what every resource kind does on each CloudFormation request, written once.

A kind (:mod:`..kinds`) says which Bedrock calls make, read, change and delete its resource and
how to read their answers; the engine applies the rules that hold for every kind
(docs/lifecycle.md): request phases, ownership tags and take-back, idempotency tokens and name
conflicts, "gone" only from a Get, no raise after a purchase, rollbacks that never fail, long waits.
"""
