"""The handler's side of the contract for the serving resource types (deployments, Provisioned Throughput).

The copy's names stay in :mod:`.contract`; the serving types add theirs here, once for the handler.
The construct library imports this module too (``bedrock_model_copy._lambda.model_copy.serving_contract``).

A serving resource is told apart from a copy by ``ResourceKind`` (a copy never has it, so the
templates of deployed copies do not change). Its timeout and poll interval use the copy's property
names (``TimeoutSeconds``, ``PollIntervalSeconds``).
"""

from __future__ import annotations

from typing import Final

PROP_RESOURCE_KIND: Final = "ResourceKind"
KIND_DEPLOYMENT: Final = "CustomModelDeployment"
KIND_THROUGHPUT: Final = "ProvisionedThroughput"
KINDS: Final = (KIND_DEPLOYMENT, KIND_THROUGHPUT)

RESOURCE_TYPES: Final = {
    KIND_DEPLOYMENT: "Custom::BedrockCustomModelDeployment",
    KIND_THROUGHPUT: "Custom::BedrockProvisionedThroughput",
}

# ResourceProperties keys of the serving types.
PROP_MODEL_ARN: Final = "ModelArn"
PROP_NAME: Final = "Name"
PROP_DESCRIPTION: Final = "Description"
PROP_TAGS: Final = "Tags"
PROP_MODEL_UNITS: Final = "ModelUnits"
PROP_COMMITMENT: Final = "Commitment"
# A long resource's Result resource (Mode "Result", as a long copy's): the ARN its R1 made.
PROP_RESOURCE_ARN: Final = "ResourceArn"
# A Provisioned Throughput's final UpdateReplacePolicy, "true" when Retain: whether CloudFormation keeps the old one
# when a change replaces it (the handler says so in its log, since nothing is asked of it then).
PROP_RETAIN_ON_REPLACE: Final = "RetainOnReplace"
# "true" only when the construct's allow_replacement_under_commitment is set: a replacement may buy a committed
# Provisioned Throughput while the current one is under its commitment (issue 22, point 1).
PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT: Final = "AllowReplacementUnderCommitment"

SERVING_PROPERTY_NAMES: Final = (
    PROP_RESOURCE_KIND,
    PROP_MODEL_ARN,
    PROP_NAME,
    PROP_DESCRIPTION,
    PROP_TAGS,
    PROP_MODEL_UNITS,
    PROP_COMMITMENT,
    PROP_RESOURCE_ARN,
    PROP_RETAIN_ON_REPLACE,
    PROP_ALLOW_REPLACEMENT_UNDER_COMMITMENT,
)

# What a change of each property does: in place (Bedrock's Update call), or a new resource.
# Deployments: UpdateCustomModelDeployment changes only modelArn. Provisioned Throughput:
# UpdateProvisionedModelThroughput changes the model and the name; units and commitment cannot change.
REPLACING_PROPERTIES: Final = {
    KIND_DEPLOYMENT: (PROP_NAME, PROP_DESCRIPTION),
    KIND_THROUGHPUT: (PROP_MODEL_UNITS, PROP_COMMITMENT),
}

COMMITMENTS: Final = ("OneMonth", "SixMonths")

# Fn::GetAtt attribute names; every key is always present ("" where Bedrock omits the field).
ATTR_ARN: Final = "Arn"
ATTR_NAME: Final = "Name"
ATTR_STATUS: Final = "Status"
ATTR_MODEL_ARN: Final = "ModelArn"
ATTR_MODEL_UNITS: Final = "ModelUnits"
ATTR_COMMITMENT_EXPIRATION: Final = "CommitmentExpirationTime"

ATTRIBUTE_NAMES: Final = {
    KIND_DEPLOYMENT: (ATTR_ARN, ATTR_NAME, ATTR_STATUS, ATTR_MODEL_ARN),
    KIND_THROUGHPUT: (ATTR_ARN, ATTR_NAME, ATTR_STATUS, ATTR_MODEL_ARN, ATTR_MODEL_UNITS, ATTR_COMMITMENT_EXPIRATION),
}

# Ownership: the same owner-stack and owner-resource tags as copies (contract.OWNER_TAG_KEY ...).

# Python attribute name on the constructs -> CloudFormation attribute (Fn::GetAtt), per kind.
ATTRIBUTES: Final = {
    KIND_DEPLOYMENT: {"arn": ATTR_ARN, "name": ATTR_NAME, "status": ATTR_STATUS, "served_model_arn": ATTR_MODEL_ARN},
    KIND_THROUGHPUT: {
        "arn": ATTR_ARN,
        "name": ATTR_NAME,
        "status": ATTR_STATUS,
        "served_model_arn": ATTR_MODEL_ARN,
        "model_units": ATTR_MODEL_UNITS,
        "commitment_expiration_time": ATTR_COMMITMENT_EXPIRATION,
    },
}
