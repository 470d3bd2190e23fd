"""The construct library's side of the contract for the serving resource types.

The handler writes the same names once on its side (``lambda/model_copy/serving_contract.py``);
``tests/test_serving_contract.py`` checks that both sides agree.
"""

from __future__ import annotations

PROP_RESOURCE_KIND = "ResourceKind"
KIND_DEPLOYMENT = "CustomModelDeployment"
KIND_THROUGHPUT = "ProvisionedThroughput"

RESOURCE_TYPES = {
    KIND_DEPLOYMENT: "Custom::BedrockCustomModelDeployment",
    KIND_THROUGHPUT: "Custom::BedrockProvisionedThroughput",
}

PROP_MODEL_ARN = "ModelArn"
PROP_NAME = "Name"
PROP_DESCRIPTION = "Description"
PROP_TAGS = "Tags"
PROP_MODEL_UNITS = "ModelUnits"
PROP_COMMITMENT = "Commitment"
# A long resource's Result resource (Mode "Result", as a long copy's): the ARN its R1 made.
PROP_RESOURCE_ARN = "ResourceArn"

# Python attribute name on the constructs -> CloudFormation attribute (Fn::GetAtt), per kind.
ATTRIBUTES = {
    KIND_DEPLOYMENT: {"arn": "Arn", "name": "Name", "status": "Status", "served_model_arn": "ModelArn"},
    KIND_THROUGHPUT: {
        "arn": "Arn",
        "name": "Name",
        "status": "Status",
        "served_model_arn": "ModelArn",
        "model_units": "ModelUnits",
        "commitment_expiration_time": "CommitmentExpirationTime",
    },
}

COMMITMENTS = ("OneMonth", "SixMonths")

# What makes a new Bedrock resource when it changes (the handler replaces it; a long one gets a new wait).
REPLACING_PROPERTIES = {
    KIND_DEPLOYMENT: (PROP_NAME, PROP_DESCRIPTION),
    KIND_THROUGHPUT: (PROP_MODEL_UNITS, PROP_COMMITMENT),
}
