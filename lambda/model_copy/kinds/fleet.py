"""What the fleet command (``bedrock-model-copy``) reads of a kind: how to find, show and clean its resources.

The command (``constructs/bedrock_model_copy/cli``) names no kind: it reads every kind of
:data:`..kinds.KINDS` through these descriptors, so a kind that lists them is found by ``list``,
shown by ``status`` and cleaned by ``clean`` with no edit to the command (docs/day2.md, "What a kind
gives the command"). The handler never reads them.

A kind gives, as class attributes of its :class:`.base.Kind`:

- ``listings``: one :class:`Listing` per type of resource it makes (a copy: its running jobs and its
  models; a serving kind: itself), each the list call that finds every one of them;
- ``lookup``: the Get that reads a physical id the listings did not show (a job, to learn what it made);
- ``product(raw)`` (the engine's): what a job made, read from a job's summary or Get answer;
- ``billing(listing, raw, now)``: how one resource bills (:class:`Billing`);
- ``drift``: what ``bedrock-model-copy drift`` compares of a resource a live stack declares (:class:`Drift`),
  and ``drift_values(answer)`` (the engine's default: the answer itself) where a field must be read, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Listing:
    """One list call that finds every resource of one type a kind makes (a botocore paginator, every page).

    Operation names are the API's (``ListCustomModels``); the command calls them through boto3 and asks
    IAM for ``bedrock:<name>``. Field names are those of the list call's summaries.
    """

    label: str  # how the command names this type (its KIND column, --json "kind"): custom-model
    plural: str  # how its help names them: "copied models"
    operation: str  # the list call: ListCustomModels
    items: str  # the result key: modelSummaries
    arn: str  # the summary's fields: the ARN, the name, the status and the creation time
    name: str
    status: str = "status"
    created: str = "creationTime"
    parameters: tuple[tuple[str, object], ...] = ()  # fixed list parameters: (("isOwned", True),)
    # A job type: the status of a job still running. Only running jobs are listed (as "running": a job cannot be
    # deleted), the others tell what each job made (the kind's ``product``), so a product is matched to its job.
    running: str = ""
    tags: str = ""  # the summary's field with the tags it was started with ("": read ListTagsForResource)
    serves: str = ""  # the field naming the model it serves (clean deletes it before that model)
    busy: tuple[str, ...] = ()  # statuses in which Bedrock cannot delete it yet (clean comes back later)
    delete: str = ""  # the delete call ("": nothing of this type is deleted)
    get: str = ""  # the Get clean reads it with just before deleting it ("": its tags only)
    identifier: str = ""  # the parameter that names one resource in ``get`` and ``delete``: provisionedModelId


@dataclass(frozen=True)
class Billing:
    """How one resource bills, as its own description says now (never computed from its creation time)."""

    text: str  # for people: "1 model unit hourly, OneMonth term until 2027-02-14 10:00 UTC"
    idle: bool  # whether it bills while nothing uses it (a kept one makes `list --check` exit 1)
    expires: str = ""  # the end of its term as Bedrock reports it (ISO 8601), "" without a term
    # While that term runs (or Bedrock has not reported its end yet): why Bedrock refuses a delete until then.
    until: str = ""
    facts: tuple[tuple[str, object], ...] = ()  # for scripts (--json): (("modelUnits", 1), ("commitment", "OneMonth"))


NO_BILLING = Billing("", idle=False)


# How drift compares a template value with Bedrock's (Compared.how).
EQUAL = "equal"  # the same text; a value absent on either side is "" (a number is compared as its text: 1 == "1")
KMS_KEY = "kms-key"  # a key id or key ARN against the key ARN Bedrock reports ("" both: AWS owned); an alias: unknown


@dataclass(frozen=True)
class Compared:
    """One field drift compares: what a template property says against a field of the kind's Get answer."""

    label: str  # how drift names the field: name, model, model units, commitment, KMS key, description
    property: str  # the template property (a ResourceProperties key): TargetModelName
    answer: str  # the field of the Get answer (after the kind's ``drift_values``): modelName
    how: str = EQUAL


@dataclass(frozen=True)
class Drift:
    """What ``bedrock-model-copy drift`` reads and compares of one resource of a kind (docs/day2.md, Drift).

    The physical id is read with ``read``; a kind whose physical id is a job names what the job made with its
    ``product`` and reads that with ``product_read``; the fields are compared on the last answer (after the
    kind's ``drift_values``), and the tags with ``ListTagsForResource`` of the product: the template's
    ``tags_property`` and the ownership tags (this stack, this logical id, and the kind's ``fingerprint``).
    "Gone" is a ``ResourceNotFoundException`` from one of the two Gets, nothing else. A kind with nothing of its
    own in Bedrock says why in ``none``.
    """

    read: tuple[str, str] = ("", "")  # the Get of the physical id and its parameter: (GetModelCopyJob, jobArn)
    product_read: tuple[str, str] = ("", "")  # the Get of what a job made: (GetCustomModel, modelIdentifier)
    fields: tuple[Compared, ...] = ()
    tags: bool = True  # compare the product's tags (the user's, from the kind's tags_property, and the ownership)
    none: str = ""  # why there is nothing to compare ("" for a kind that gives fields)
