"""docs/aws-behaviour.md against the installed botocore, and the page's own rules.

Every entry of the page has a public source or is marked Unconfirmed with both answers and the
fake's choice. An entry whose source is botocore's service model names a test here
(``checked by test_...``) that checks the installed model still says so.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import serialize
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

DOC = Path(__file__).resolve().parent.parent / "docs" / "aws-behaviour.md"

AREAS = (
    "Model copy",
    "Ownership tags and IAM",
    "CloudFormation custom resources and the provider framework",
    "Long waits (WaitCondition, SignalResource, Step Functions)",
    "KMS, Logs, VPC",
    "Serving (deployments, Provisioned Throughput)",
    "Finding resources (CLI)",
    "Model import",
)

ACCOUNT_ARN = "arn:aws:bedrock:us-west-2:111122223333"
COPY_JOB_ARN = f"{ACCOUNT_ARN}:model-copy-job/abcdefghij12"
COPY_JOB_ARN_OF_THE_CLI_EXAMPLE = f"{ACCOUNT_ARN}:model-copy-job/amazon.titan-text-lite-v1:0:4k/abcdef123456"
COPIED_MODEL_ARN = f"{ACCOUNT_ARN}:custom-model/amazon.nova-lite-v1:0:300k/abcdefghij12"

# --------------------------------------------------------------------------- the page


def _entries(text: str) -> Iterator[tuple[str, str, str]]:
    """(area, heading, body) of every ``### `` entry."""
    area = ""
    heading = ""
    body: list[str] = []
    for line in [*text.splitlines(), "## END"]:
        if line.startswith("## ") or line.startswith("### "):
            if heading:
                yield area, heading, "\n".join(body)
            heading, body = "", []
            if line.startswith("## "):
                area = line[3:].strip()
            else:
                heading = line[4:].strip()
        elif heading:
            body.append(line)


@cache
def entries() -> tuple[tuple[str, str, str], ...]:
    return tuple(_entries(DOC.read_text(encoding="utf-8")))


def test_the_page_has_every_area_and_entries_in_each() -> None:
    areas = [area for area, _, _ in entries()]
    assert [area for area in AREAS if area not in areas] == []
    assert len(entries()) >= 40


@pytest.mark.parametrize("area,heading,body", entries(), ids=[heading[:40] for _, heading, _ in entries()])
def test_every_entry_has_a_source_or_is_unconfirmed_with_both_answers(area: str, heading: str, body: str) -> None:
    assert area in AREAS, f"{heading!r} is under {area!r}, not one of the areas"
    unconfirmed = "**Unconfirmed:**" in body
    sourced = re.search(r"^\*\*Source[^*]*:\*\*", body, re.MULTILINE) is not None
    assert unconfirmed or sourced, f"{heading!r} has neither **Source:** nor **Unconfirmed:**"
    if unconfirmed:
        flat = " ".join(body.split())
        for answer in ("If yes", "If no", "The fake assumes:"):
            assert answer in flat, f"{heading!r} is Unconfirmed but says nothing for {answer!r}"
    else:
        assert "https://" in body or "botocore" in body, f"{heading!r}: its source is neither a link nor botocore"


def test_botocore_sources_name_a_test_that_exists() -> None:
    missing = []
    for _, heading, body in entries():
        if "botocore" not in body:
            continue
        names = re.findall(r"`(test_[a-z0-9_]+)`", body)
        if not names:
            missing.append(f"{heading}: cites botocore but names no test")
        missing += [f"{heading}: {name} does not exist" for name in names if not callable(globals().get(name))]
    assert missing == []


@pytest.mark.parametrize(
    "words",
    [
        ("copy job", "targetModelTags"),  # copy-job tags
        ("SignalResource", "before"),  # signal before the wait exists
        ("deleting a state machine", "stop"),  # DeleteStateMachine and running executions
        ("tag-key", "case"),  # IAM tag-key case
        ("Execution names", "reuse"),  # StartExecution name reuse rules
    ],
)
def test_the_behaviours_issue_15_names_are_unconfirmed_entries(words: tuple[str, ...]) -> None:
    matching = [
        (heading, body)
        for _, heading, body in entries()
        if all(word.lower() in (heading + " " + body.split("**Unconfirmed:**")[0]).lower() for word in words)
        and "**Unconfirmed:**" in body
    ]
    assert matching, f"no Unconfirmed entry about {words}"


def test_copy_job_tags_entry_says_the_fake_gives_a_job_no_tags() -> None:
    (body,) = [body for _, heading, body in entries() if "carry targetModelTags" in heading]
    assert re.search(r"The fake assumes: a job carries no resource tags", body)


# --------------------------------------------------------------------------- botocore


@cache
def model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def op(name: str, service: str = "bedrock") -> OperationModel:
    return model(service).operation_model(name)


def members(shape: StructureShape | None) -> set[str]:
    return set(shape.members) if shape is not None else set()


def errors(operation: OperationModel) -> set[str]:
    return {shape.name for shape in operation.error_shapes}


def member(shape: StructureShape | None, name: str) -> Shape:
    assert shape is not None
    return shape.members[name]


def text(documentation: str) -> str:
    """A documentation string without its HTML tags, whitespace collapsed."""
    flat = " ".join(re.sub(r"<[^>]+>", " ", documentation).split())
    return re.sub(r" ([.,;:])", r"\1", flat)


def pattern(shape: Shape) -> str:
    return str(shape.metadata["pattern"])


def test_create_model_copy_job_members() -> None:
    create = op("CreateModelCopyJob")
    assert (create.http["method"], create.http["requestUri"], create.http["responseCode"]) == (
        "POST",
        "/model-copy-jobs",
        201,
    )
    assert members(create.input_shape) == {
        "sourceModelArn",
        "targetModelName",
        "modelKmsKeyId",
        "targetModelTags",
        "clientRequestToken",
    }
    assert create.input_shape is not None
    assert set(create.input_shape.required_members) == {"sourceModelArn", "targetModelName"}
    assert members(create.output_shape) == {"jobArn"}
    # The two other job-starting operations do have job tags: the copy's absence is not an oversight here.
    assert "jobTags" in members(op("CreateModelCustomizationJob").input_shape)
    assert "jobTags" in members(op("CreateModelImportJob").input_shape)


def test_idempotency_tokens() -> None:
    for name in ("CreateModelCopyJob", "CreateProvisionedModelThroughput", "CreateCustomModelDeployment"):
        token = member(op(name).input_shape, "clientRequestToken")
        assert token.metadata.get("idempotencyToken") is True, name
        assert (token.metadata["min"], token.metadata["max"]) == (1, 256), name
        assert token.metadata["pattern"] == "[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?", name


def test_get_model_copy_job_output() -> None:
    get = op("GetModelCopyJob")
    assert (get.http["method"], get.http["requestUri"]) == ("GET", "/model-copy-jobs/{jobArn}")
    output = get.output_shape
    assert output is not None
    assert set(output.required_members) == {
        "jobArn",
        "status",
        "creationTime",
        "targetModelArn",
        "sourceAccountId",
        "sourceModelArn",
    }
    assert members(output) - set(output.required_members) == {
        "targetModelName",
        "targetModelKmsKeyArn",
        "targetModelTags",
        "failureMessage",
        "sourceModelName",
    }
    assert member(output, "status").enum == ["InProgress", "Completed", "Failed"]
    assert member(output, "creationTime").type_name == "timestamp"


def test_job_arn_is_url_encoded() -> None:
    get = op("GetModelCopyJob")
    assert get.input_shape is not None
    assert get.input_shape.members["jobArn"].serialization == {"location": "uri", "name": "jobArn"}
    request = serialize.create_serializer("rest-json").serialize_to_request(
        {"jobArn": COPY_JOB_ARN_OF_THE_CLI_EXAMPLE}, get
    )
    path = request["url_path"]
    assert path.startswith("/model-copy-jobs/arn%3Aaws%3Abedrock%3A")
    assert path.count("/") == 2 and "%2F" in path  # the ARN's slashes stay inside one path segment


def test_list_model_copy_jobs_filters() -> None:
    listing = op("ListModelCopyJobs")
    assert listing.input_shape is not None
    inputs = listing.input_shape.members
    assert set(inputs) == {
        "creationTimeAfter",
        "creationTimeBefore",
        "statusEquals",
        "sourceAccountEquals",
        "sourceModelArnEquals",
        "targetModelNameContains",
        "maxResults",
        "nextToken",
        "sortBy",
        "sortOrder",
    }
    assert inputs["targetModelNameContains"].serialization == {
        "location": "querystring",
        "name": "outputModelNameContains",
    }
    assert inputs["sortBy"].enum == ["CreationTime"]
    assert set(inputs["sortOrder"].enum) == {"Ascending", "Descending"}
    summary = model("bedrock").shape_for("ModelCopyJobSummary")
    assert {"targetModelTags", "targetModelName", "jobArn", "status"} <= members(summary)


LIST_PAGINATION = {
    "ListCustomModels": "modelSummaries",
    "ListModelCopyJobs": "modelCopyJobSummaries",
    "ListCustomModelDeployments": "modelDeploymentSummaries",
    "ListProvisionedModelThroughputs": "provisionedModelSummaries",
}


def test_list_pagination_tokens() -> None:
    paginators = botocore.session.get_session().get_paginator_model("bedrock")
    for name, result_key in LIST_PAGINATION.items():
        config = paginators.get_paginator(name)
        assert (config["input_token"], config["output_token"], config["limit_key"], config["result_key"]) == (
            "nextToken",
            "nextToken",
            "maxResults",
            result_key,
        ), name
        listing = op(name)
        assert {"nextToken", "maxResults"} <= members(listing.input_shape), name
        assert {"nextToken", result_key} <= members(listing.output_shape), name
        max_results = member(listing.input_shape, "maxResults").metadata
        assert (max_results["min"], max_results["max"]) == (1, 1000), name


def test_list_operations_have_no_tag_filter() -> None:
    for name in LIST_PAGINATION:
        assert [field for field in members(op(name).input_shape) if "tag" in field.lower()] == [], name
    assert {"nameContains", "isOwned", "modelStatus", "baseModelArnEquals", "foundationModelArnEquals"} <= members(
        op("ListCustomModels").input_shape
    )
    for name in ("ListCustomModelDeployments", "ListProvisionedModelThroughputs"):
        assert {"nameContains", "statusEquals", "modelArnEquals"} <= members(op(name).input_shape), name


def test_no_copy_job_stop_and_no_waiters() -> None:
    copy_operations = {name for name in model("bedrock").operation_names if "ModelCopyJob" in name}
    assert copy_operations == {"CreateModelCopyJob", "GetModelCopyJob", "ListModelCopyJobs"}
    assert botocore.session.get_session().get_waiter_model("bedrock").waiter_names == []


def test_copy_error_shapes() -> None:
    assert errors(op("CreateModelCopyJob")) == {
        "ResourceNotFoundException",
        "AccessDeniedException",
        "InternalServerException",
        "TooManyTagsException",
    }
    for name in ("GetModelCopyJob", "ListModelCopyJobs"):
        assert {"ValidationException", "ThrottlingException"} <= errors(op(name)), name
    assert "ConflictException" in errors(op("DeleteCustomModel"))


def test_name_and_arn_patterns_match_the_checks() -> None:
    from bedrock_model_copy._lambda.model_copy import rules

    bedrock = model("bedrock")
    create = op("CreateModelCopyJob").input_shape
    assert create is not None
    assert member(create, "targetModelName").metadata["pattern"] == rules.MODEL_NAME_PATTERN.pattern
    assert member(create, "sourceModelArn").metadata["pattern"] == rules.SOURCE_MODEL_ARN_PATTERN.pattern
    assert member(create, "modelKmsKeyId").metadata["pattern"] == rules.KMS_KEY_ID_PATTERN.pattern
    tag_key, tag_value = bedrock.shape_for("TagKey").metadata, bedrock.shape_for("TagValue").metadata
    assert (tag_key["min"], tag_key["max"], tag_value["min"], tag_value["max"]) == (1, 128, 0, 256)
    assert tag_key["pattern"] == tag_value["pattern"] == r"[a-zA-Z0-9\s._:/=+@-]*"
    assert rules.TAG_KEY_PATTERN.pattern == r"[a-zA-Z0-9\s._:/=+@-]{1,128}"
    assert bedrock.shape_for("TagList").metadata["max"] == 200


def _taggable(arn: str) -> bool:
    pattern = model("bedrock").shape_for("TaggableResourcesArn").metadata["pattern"]
    return re.search(pattern, arn) is not None


def test_taggable_arn_pattern_lacks_model_copy_job() -> None:
    assert not _taggable(COPY_JOB_ARN)
    assert not _taggable(COPY_JOB_ARN_OF_THE_CLI_EXAMPLE)
    for arn in (
        COPIED_MODEL_ARN,
        f"{ACCOUNT_ARN}:custom-model/imported/abcdefghij12",
        f"{ACCOUNT_ARN}:provisioned-model/abcdefghij12",
        f"{ACCOUNT_ARN}:custom-model-deployment/abcdefghij12",
    ):
        assert _taggable(arn), arn
    for name in ("TagResource", "UntagResource", "ListTagsForResource"):
        assert member(op(name).input_shape, "resourceARN").name == "TaggableResourcesArn", name


def test_list_tags_for_resource_shape() -> None:
    listing = op("ListTagsForResource")
    assert (listing.http["method"], listing.http["requestUri"]) == ("POST", "/listTagsForResource")
    assert members(listing.input_shape) == {"resourceARN"}
    assert members(listing.output_shape) == {"tags"}


def test_stack_statuses_the_handler_reads() -> None:
    from bedrock_model_copy._lambda.model_copy.engine import phase

    statuses = set(model("cloudformation").shape_for("StackStatus").enum)
    read = phase.ROLLBACK_STATUSES | phase.CLEANUP_STATUSES | phase.DELETE_STATUSES
    assert read - statuses == set()
    assert {"ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"} <= phase.ROLLBACK_STATUSES


def test_signal_resource_members() -> None:
    signal = op("SignalResource", "cloudformation")
    assert signal.input_shape is not None
    assert members(signal.input_shape) == {"StackName", "LogicalResourceId", "UniqueId", "Status"}
    assert set(signal.input_shape.required_members) == members(signal.input_shape)
    unique_id = member(signal.input_shape, "UniqueId").metadata
    assert (unique_id["min"], unique_id["max"]) == (1, 64)
    assert member(signal.input_shape, "Status").enum == ["SUCCESS", "FAILURE"]


def test_describe_stack_resource_returns_type_and_metadata() -> None:
    describe = op("DescribeStackResource", "cloudformation")
    assert members(describe.input_shape) == {"StackName", "LogicalResourceId"}
    detail = member(describe.output_shape, "StackResourceDetail")
    assert {"ResourceType", "Metadata", "ResourceStatus", "LogicalResourceId"} <= members(detail)
    assert member(detail, "Metadata").type_name == "string"


def test_start_execution_names_and_errors() -> None:
    start = op("StartExecution", "stepfunctions")
    name = member(start.input_shape, "name").metadata
    assert (name["min"], name["max"]) == (1, 80)
    assert {"ExecutionAlreadyExists", "StateMachineDeleting", "StateMachineDoesNotExist"} <= errors(start)
    assert members(op("DeleteStateMachine", "stepfunctions").input_shape) == {"stateMachineArn"}


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _sdk_tasks(definition: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for state in definition["States"].values():
        resource = str(state.get("Resource", ""))
        if ":::aws-sdk:" in resource:
            service, action = resource.split(":::aws-sdk:", 1)[1].split(":", 1)
            yield service, action, state


def test_watcher_uses_pascal_case_of_model_members() -> None:
    from bedrock_model_copy._long_wait import ALL_KINDS, definition

    service_names = {"bedrock": "bedrock", "cloudformation": "cloudformation"}
    tasks = list(_sdk_tasks(definition("aws", ALL_KINDS)))
    assert {(service, action) for service, action, _ in tasks} == {
        ("bedrock", "getModelCopyJob"),
        ("bedrock", "getCustomModelDeployment"),
        ("bedrock", "getProvisionedModelThroughput"),
        ("bedrock", "getModelImportJob"),
        ("cloudformation", "describeStackResource"),
        ("cloudformation", "signalResource"),
    }
    for service, action, state in tasks:
        operation = op(_pascal(action), service_names[service])
        pascal_inputs = {_pascal(field) for field in members(operation.input_shape)}
        sent = {key.removesuffix(".$") for key in state["Parameters"]}
        assert sent <= pascal_inputs, (action, sent - pascal_inputs)
        assert set(operation.input_shape.required_members if operation.input_shape else []) <= {
            field for field in members(operation.input_shape) if _pascal(field) in sent
        }
        pascal_outputs = {_pascal(field) for field in members(operation.output_shape)}
        for key, path in (state.get("ResultSelector") or {}).items():
            if key.endswith(".$"):  # a path into the result (the others are the kind's constants)
                assert path.split(".")[1] in pascal_outputs, (action, path)


def test_custom_model_deployment_shapes() -> None:
    create = op("CreateCustomModelDeployment")
    assert (create.http["method"], create.http["responseCode"]) == ("POST", 202)
    assert members(create.input_shape) == {
        "modelDeploymentName",
        "modelArn",
        "description",
        "tags",
        "clientRequestToken",
    }
    assert members(create.output_shape) == {"customModelDeploymentArn"}
    assert {"ServiceQuotaExceededException", "TooManyTagsException"} <= errors(create)
    get = op("GetCustomModelDeployment").output_shape
    assert get is not None
    assert member(get, "status").enum == ["Creating", "Active", "Failed"]
    assert {"failureMessage", "updateDetails", "lastUpdatedAt"} <= members(get)
    details = member(get, "updateDetails")
    assert isinstance(details, StructureShape)
    assert members(details) == {"modelArn", "updateStatus"}
    assert member(details, "updateStatus").enum == ["Updating", "UpdateCompleted", "UpdateFailed"]
    update = op("UpdateCustomModelDeployment")
    assert (update.http["method"], update.http["responseCode"]) == ("PATCH", 202)
    assert members(update.input_shape) == {"customModelDeploymentIdentifier", "modelArn"}
    assert "ConflictException" in errors(op("DeleteCustomModelDeployment"))


def test_provisioned_throughput_shapes() -> None:
    create = op("CreateProvisionedModelThroughput")
    assert create.input_shape is not None
    assert (create.http["method"], create.http["responseCode"]) == ("POST", 201)
    assert set(create.input_shape.required_members) == {"modelUnits", "provisionedModelName", "modelId"}
    assert member(create.input_shape, "commitmentDuration").enum == ["OneMonth", "SixMonths"]
    assert member(create.input_shape, "modelUnits").metadata["min"] == 1
    assert "ServiceQuotaExceededException" in errors(create)
    get = op("GetProvisionedModelThroughput").output_shape
    assert get is not None
    assert member(get, "status").enum == ["Creating", "InService", "Updating", "Failed"]
    assert {
        "modelUnits",
        "desiredModelUnits",
        "modelArn",
        "desiredModelArn",
        "commitmentDuration",
        "commitmentExpirationTime",
        "failureMessage",
    } <= members(get)
    assert members(op("UpdateProvisionedModelThroughput").input_shape) == {
        "provisionedModelId",
        "desiredProvisionedModelName",
        "desiredModelId",
    }
    assert "ConflictException" in errors(op("DeleteProvisionedModelThroughput"))


def test_tagging_api_get_resources_shape() -> None:
    get = op("GetResources", "resourcegroupstaggingapi")
    assert {"TagFilters", "ResourceTypeFilters", "PaginationToken"} <= members(get.input_shape)
    assert {"ResourceTagMappingList", "PaginationToken"} <= members(get.output_shape)


def test_execution_history_is_paged_newest_first_with_sequential_ids() -> None:
    history = op("GetExecutionHistory", "stepfunctions")
    assert {"executionArn", "maxResults", "reverseOrder", "nextToken", "includeExecutionData"} == members(
        history.input_shape
    )
    assert member(history.input_shape, "maxResults").metadata["max"] == 1000
    paginator = botocore.session.get_session().get_paginator_model("stepfunctions").get_paginator("GetExecutionHistory")
    assert (paginator["input_token"], paginator["output_token"], paginator["result_key"]) == (
        "nextToken",
        "nextToken",
        "events",
    )
    event = history.service_model.shape_for("HistoryEvent")
    assert isinstance(event, StructureShape)
    assert "numbered sequentially, starting at one" in member(event, "id").documentation
    assert {"taskSucceededEventDetails", "taskFailedEventDetails", "taskScheduledEventDetails"} <= members(event)
    for details in ("TaskSucceededEventDetails", "TaskFailedEventDetails", "TaskScheduledEventDetails"):
        shape = history.service_model.shape_for(details)
        assert isinstance(shape, StructureShape) and {"resourceType", "resource"} <= set(shape.required_members)
        assert "action of the resource" in member(shape, "resource").documentation, details
        assert "service name" in member(shape, "resourceType").documentation, details


def test_serving_list_summaries_carry_status_and_commitment() -> None:
    bedrock = op("ListProvisionedModelThroughputs").service_model
    throughput = bedrock.shape_for("ProvisionedModelSummary")
    deployment = bedrock.shape_for("CustomModelDeploymentSummary")
    assert isinstance(throughput, StructureShape) and isinstance(deployment, StructureShape)
    assert {"status", "modelArn", "commitmentExpirationTime", "creationTime"} <= members(throughput)
    assert {"status", "modelArn", "createdAt"} <= members(deployment)
    assert member(throughput, "status").enum == ["Creating", "InService", "Updating", "Failed"]
    assert member(deployment, "status").enum == ["Creating", "Active", "Failed"]  # an update shows only in Get


# --------------------------------------------------------------------------- gone, billing, commitments (issue 22)

READS_AND_DELETES = (
    "GetCustomModel",
    "DeleteCustomModel",
    "GetModelCopyJob",
    "ListTagsForResource",
    "GetCustomModelDeployment",
    "DeleteCustomModelDeployment",
    "GetProvisionedModelThroughput",
    "DeleteProvisionedModelThroughput",
    "GetModelImportJob",
    "GetImportedModel",
    "DeleteImportedModel",
)


def test_a_missing_resource_is_documented_as_resource_not_found() -> None:
    bedrock = model("bedrock")
    assert text(bedrock.shape_for("ResourceNotFoundException").documentation).startswith(
        "The specified resource Amazon Resource Name (ARN) was not found."
    )
    assert text(bedrock.shape_for("ValidationException").documentation).startswith("Input validation failed.")
    for name in READS_AND_DELETES:
        assert {"ResourceNotFoundException", "ValidationException"} <= errors(op(name)), name


def test_a_committed_throughput_cannot_be_deleted_and_the_refusal_code_is_not_documented() -> None:
    delete = op("DeleteProvisionedModelThroughput")
    assert "You can't delete a Provisioned Throughput before the commitment term is over." in text(delete.documentation)
    assert errors(delete) == {
        "AccessDeniedException",
        "ConflictException",
        "InternalServerException",
        "ResourceNotFoundException",
        "ThrottlingException",
        "ValidationException",
    }
    # No status says "deleting": a refusal cannot be read as a delete in progress.
    assert not [s for s in member(op("GetProvisionedModelThroughput").output_shape, "status").enum if "Delet" in s]


def test_throughput_billing_is_hourly_and_model_units_need_a_request() -> None:
    create = op("CreateProvisionedModelThroughput").input_shape
    commitment = text(member(create, "commitmentDuration").documentation)
    assert "Billing occurs hourly and is discounted for longer commitment terms." in commitment
    assert "To request a no-commit Provisioned Throughput, omit this field." in commitment
    assert (
        "By default, your account has no model units for purchasing Provisioned Throughputs with commitment."
        in text(member(create, "modelUnits").documentation)
    )


def _throughput_shapes() -> list[StructureShape]:
    bedrock = model("bedrock")
    shapes = [
        op("CreateProvisionedModelThroughput").input_shape,
        op("GetProvisionedModelThroughput").output_shape,
        op("UpdateProvisionedModelThroughput").input_shape,
        bedrock.shape_for("ProvisionedModelSummary"),
    ]
    return [shape for shape in shapes if isinstance(shape, StructureShape)]


def test_a_throughput_by_model_units_has_no_renewal_setting() -> None:
    shapes = _throughput_shapes()
    assert len(shapes) == 4
    for shape in shapes:
        assert [name for name in shape.members if "renew" in name.lower()] == [], shape.name
    assert [name for name in model("bedrock").operation_names if "renew" in name.lower()] == []
    assert "expires" in text(
        member(op("GetProvisionedModelThroughput").output_shape, "commitmentExpirationTime").documentation
    )


def test_throughput_by_tokens_has_no_operation_in_botocore() -> None:
    bedrock = model("bedrock")
    assert _taggable(f"{ACCOUNT_ARN}:provisioned-model-v2/abcdefghij12")
    assert _taggable(f"{ACCOUNT_ARN}:provisioned-model-reservation/abcdefghij12")
    # No other shape of the model names those resource types: nothing buys, reads or cancels them.
    naming = [
        name
        for name in bedrock.shape_names
        if "provisioned-model-v2" in json.dumps(bedrock.shape_for(name).metadata)
        or "provisioned-model-v2" in (bedrock.shape_for(name).documentation or "")
    ]
    assert naming == ["TaggableResourcesArn"]
    throughput_operations = {name for name in bedrock.operation_names if "ProvisionedModelThroughput" in name}
    assert throughput_operations == {
        "CreateProvisionedModelThroughput",
        "GetProvisionedModelThroughput",
        "ListProvisionedModelThroughputs",
        "UpdateProvisionedModelThroughput",
        "DeleteProvisionedModelThroughput",
    }
    created = pattern(member(op("CreateProvisionedModelThroughput").output_shape, "provisionedModelArn"))
    assert re.fullmatch(created, f"{ACCOUNT_ARN}:provisioned-model/abcdefghij12")
    assert not re.fullmatch(created, f"{ACCOUNT_ARN}:provisioned-model-v2/abcdefghij12")


def test_a_deployment_update_shows_in_update_details() -> None:
    update = op("UpdateCustomModelDeployment")
    assert text(update.documentation) == (
        "Updates a custom model deployment with a new custom model. This allows you to deploy updated models "
        "without creating new deployment endpoints."
    )
    assert "This replaces the currently deployed model." in text(member(update.input_shape, "modelArn").documentation)
    assert members(update.output_shape) == {"customModelDeploymentArn"}
    assert "ConflictException" not in errors(update)
    get = op("GetCustomModelDeployment").output_shape
    details = member(get, "updateDetails")
    assert isinstance(details, StructureShape)
    assert "Details about any pending or completed updates" in text(details.documentation)
    assert set(details.required_members) == {"modelArn", "updateStatus"}
    assert text(member(get, "failureMessage").documentation).startswith("If the deployment status is FAILED")
    assert "Updating" not in member(get, "status").enum
    assert text(member(get, "modelArn").documentation) == (
        "The Amazon Resource Name (ARN) of the custom model associated with this deployment."
    )


# --------------------------------------------------------------------------- the runtime's botocore, Step Functions


def test_start_execution_names_can_be_reused_90_days_after_they_close() -> None:
    start = op("StartExecution", "stepfunctions")
    documentation = text(start.documentation)
    assert (
        "If the execution is closed or if the input is different, it returns a 400 ExecutionAlreadyExists error."
        in documentation
    )
    assert "You can reuse the name 90 days after it closes." in documentation
    assert "you can reuse the name 90 days after it closes." in text(member(start.input_shape, "name").documentation)


HANDLER_OPERATIONS = {
    "CreateModelCopyJob",
    "GetModelCopyJob",
    "ListModelCopyJobs",
    "GetCustomModel",
    "DeleteCustomModel",
    "ListTagsForResource",
    "TagResource",
    "UntagResource",
    "CreateCustomModelDeployment",
    "GetCustomModelDeployment",
    "ListCustomModelDeployments",
    "UpdateCustomModelDeployment",
    "DeleteCustomModelDeployment",
    "CreateProvisionedModelThroughput",
    "GetProvisionedModelThroughput",
    "ListProvisionedModelThroughputs",
    "UpdateProvisionedModelThroughput",
    "DeleteProvisionedModelThroughput",
    "CreateModelImportJob",
    "GetModelImportJob",
    "ListModelImportJobs",
    "GetImportedModel",
    "ListImportedModels",
    "DeleteImportedModel",
}


def test_the_installed_botocore_has_every_operation_the_handler_calls() -> None:
    assert HANDLER_OPERATIONS - set(model("bedrock").operation_names) == set()


def test_botocore_loads_service_models_from_aws_data_path_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore import loaders

    documentation = " ".join((loaders.__doc__ or "").split())
    assert "the botocore loaders have the concept of a data path exposed through AWS_DATA_PATH" in documentation
    assert "additional search paths where we will attempt to load models outside of the models we ship" in documentation
    loader = loaders.create_loader(os.pathsep.join(["/first", "/second"]))
    assert loader.search_paths[:2] == ["/first", "/second"]
    assert loader.search_paths[-1] == loader.BUILTIN_DATA_PATH
    # A bedrock model under AWS_DATA_PATH, of the same API version, wins over botocore's own; a client built
    # from a model that lacks an operation has no method for it (the runtime's missing operation).
    shipped = loaders.Loader().load_service_model("bedrock", "service-2")
    trimmed = copy.deepcopy(shipped)
    del trimmed["operations"]["UpdateCustomModelDeployment"]
    directory = tmp_path / "bedrock" / shipped["metadata"]["apiVersion"]
    directory.mkdir(parents=True)
    (directory / "service-2.json").write_text(json.dumps(trimmed), encoding="utf-8")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    client = botocore.session.Session().create_client(
        "bedrock", region_name="us-west-2", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
    )
    assert "UpdateCustomModelDeployment" not in client.meta.service_model.operation_names
    assert not hasattr(client, "update_custom_model_deployment")
    assert hasattr(client, "get_custom_model_deployment")


# --------------------------------------------------------------------------- model import (issue 23)

IMPORT_JOB_ARN = f"{ACCOUNT_ARN}:model-import-job/abcdefghij12"
IMPORTED_MODEL_ARN = f"{ACCOUNT_ARN}:imported-model/abcdefghij12"
CUSTOM_IMPORTED_MODEL_ARN = f"{ACCOUNT_ARN}:custom-model/imported/abcdefghij12"


def test_create_model_import_job_request() -> None:
    create = op("CreateModelImportJob")
    assert (create.http["method"], create.http["requestUri"], create.http["responseCode"]) == (
        "POST",
        "/model-import-jobs",
        201,
    )
    request = create.input_shape
    assert request is not None
    assert members(request) == {
        "jobName",
        "importedModelName",
        "roleArn",
        "modelDataSource",
        "jobTags",
        "importedModelTags",
        "clientRequestToken",
        "vpcConfig",
        "importedModelKmsKeyId",
    }
    assert set(request.required_members) == {"jobName", "importedModelName", "roleArn", "modelDataSource"}
    assert pattern(member(request, "jobName")) == r"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*"
    assert pattern(member(request, "importedModelName")) == "([0-9a-zA-Z][_-]?)+"
    assert pattern(member(request, "roleArn")) == "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"
    source = member(request, "modelDataSource")
    assert isinstance(source, StructureShape) and source.metadata.get("union") is True
    assert members(source) == {"s3DataSource"}
    s3_source = member(source, "s3DataSource")
    assert isinstance(s3_source, StructureShape) and s3_source.required_members == ["s3Uri"]
    s3_uri = member(s3_source, "s3Uri")
    assert re.fullmatch(pattern(s3_uri), "s3://my-weights/llama/v1/")
    assert not re.fullmatch(pattern(s3_uri), "s3://my-weights/a prefix with spaces/")
    for tags in ("jobTags", "importedModelTags"):
        assert member(request, tags).name == "TagList", tags
    token = member(request, "clientRequestToken")
    assert (
        token.name == "IdempotencyToken" and token.metadata["pattern"] == "[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?"
    )
    assert "idempotencyToken" not in token.metadata  # unlike the copy and serving creates (M2): botocore fills none
    vpc = member(request, "vpcConfig")
    assert isinstance(vpc, StructureShape)
    assert (member(vpc, "subnetIds").metadata["max"], member(vpc, "securityGroupIds").metadata["max"]) == (16, 5)
    assert member(request, "importedModelKmsKeyId").name == "KmsKeyId"
    assert members(create.output_shape) == {"jobArn"}
    assert re.fullmatch(pattern(member(create.output_shape, "jobArn")), IMPORT_JOB_ARN)
    assert {"ConflictException", "ServiceQuotaExceededException", "TooManyTagsException", "ValidationException"} <= (
        errors(create)
    )


def test_get_model_import_job_answer() -> None:
    get = op("GetModelImportJob")
    assert (get.http["method"], get.http["requestUri"]) == ("GET", "/model-import-jobs/{jobIdentifier}")
    answer = get.output_shape
    assert answer is not None
    assert answer.required_members == []  # not even the imported model's ARN
    assert {
        "jobArn",
        "jobName",
        "importedModelName",
        "importedModelArn",
        "roleArn",
        "modelDataSource",
        "status",
        "failureMessage",
        "creationTime",
        "lastModifiedTime",
        "endTime",
        "vpcConfig",
        "importedModelKmsKeyArn",
    } == members(answer)
    assert member(answer, "status").enum == ["InProgress", "Completed", "Failed"]
    assert "If the job failed, the failure message contains information about why the job failed." in text(
        member(answer, "status").documentation
    )
    assert text(member(answer, "endTime").documentation) == "Time that the resource transitioned to terminal state."
    assert re.fullmatch(pattern(member(answer, "importedModelArn")), IMPORTED_MODEL_ARN)
    assert "tags" not in " ".join(members(answer)).lower()


def test_import_list_calls_filters_and_pagination() -> None:
    paginators = botocore.session.get_session().get_paginator_model("bedrock")
    for name, result_key in (
        ("ListModelImportJobs", "modelImportJobSummaries"),
        ("ListImportedModels", "modelSummaries"),
    ):
        config = paginators.get_paginator(name)
        assert (config["input_token"], config["output_token"], config["limit_key"], config["result_key"]) == (
            "nextToken",
            "nextToken",
            "maxResults",
            result_key,
        ), name
        listing = op(name)
        assert member(listing.input_shape, "sortBy").enum == ["CreationTime"], name
        assert [field for field in members(listing.input_shape) if "tag" in field.lower()] == [], name
        max_results = member(listing.input_shape, "maxResults").metadata
        assert (max_results["min"], max_results["max"]) == (1, 1000), name
    assert members(op("ListModelImportJobs").input_shape) == {
        "creationTimeAfter",
        "creationTimeBefore",
        "statusEquals",
        "nameContains",
        "maxResults",
        "nextToken",
        "sortBy",
        "sortOrder",
    }
    bedrock = model("bedrock")
    job = bedrock.shape_for("ModelImportJobSummary")
    assert isinstance(job, StructureShape)
    assert set(job.required_members) == {"jobArn", "jobName", "status", "creationTime"}
    assert {"importedModelArn", "importedModelName", "endTime"} <= members(job)
    assert [field for field in members(job) if "tag" in field.lower()] == []  # unlike ModelCopyJobSummary
    imported = bedrock.shape_for("ImportedModelSummary")
    assert isinstance(imported, StructureShape)
    assert members(imported) == {"modelArn", "modelName", "creationTime", "instructSupported", "modelArchitecture"}


def test_imported_model_get_and_delete() -> None:
    get = op("GetImportedModel")
    assert (get.http["method"], get.http["requestUri"]) == ("GET", "/imported-models/{modelIdentifier}")
    identifier = pattern(member(get.input_shape, "modelIdentifier"))
    assert re.fullmatch(identifier, IMPORTED_MODEL_ARN) and re.fullmatch(identifier, "my-imported-model")
    answer = get.output_shape
    assert members(answer) == {
        "modelArn",
        "modelName",
        "jobName",
        "jobArn",
        "modelDataSource",
        "creationTime",
        "modelArchitecture",
        "modelKmsKeyArn",
        "instructSupported",
        "customModelUnits",
    }  # no status
    units = member(answer, "customModelUnits")
    assert isinstance(units, StructureShape)
    assert members(units) == {"customModelUnitsPerModelCopy", "customModelUnitsVersion"}
    delete = op("DeleteImportedModel")
    assert (delete.http["method"], delete.http["requestUri"]) == ("DELETE", "/imported-models/{modelIdentifier}")
    assert text(delete.documentation).startswith("Deletes a custom model that you imported earlier.")
    assert "ConflictException" in errors(delete)


def test_no_import_job_stop() -> None:
    import_operations = {name for name in model("bedrock").operation_names if "ModelImportJob" in name}
    assert import_operations == {"CreateModelImportJob", "GetModelImportJob", "ListModelImportJobs"}
    imported = {name for name in model("bedrock").operation_names if "ImportedModel" in name}
    assert imported == {"GetImportedModel", "ListImportedModels", "DeleteImportedModel"}
    assert botocore.session.get_session().get_waiter_model("bedrock").waiter_names == []


def test_two_kinds_of_imported_models() -> None:
    # Custom Model Import makes imported-model/ models, invoked on demand by their own ARN.
    assert re.fullmatch(pattern(member(op("GetImportedModel").output_shape, "modelArn")), IMPORTED_MODEL_ARN)
    invoke = pattern(member(op("InvokeModel", "bedrock-runtime").input_shape, "modelId"))
    assert "imported-model/[a-z0-9]{12}" in invoke
    # CreateCustomModel makes custom-model/imported/ models, served only through a Provisioned Throughput.
    create_custom = op("CreateCustomModel")
    assert (
        "To use the model for inference, you must purchase Provisioned Throughput for it. You can't use On-demand "
        "inference with these custom models." in text(create_custom.documentation)
    )
    assert re.fullmatch(pattern(member(create_custom.output_shape, "modelArn")), CUSTOM_IMPORTED_MODEL_ARN)
    assert "IMPORTED" in member(op("GetCustomModel").output_shape, "customizationType").enum
    # A copy may start from the second kind, never from the first.
    source = pattern(member(op("CreateModelCopyJob").input_shape, "sourceModelArn"))
    assert re.fullmatch(source, CUSTOM_IMPORTED_MODEL_ARN)
    assert not re.fullmatch(source, IMPORTED_MODEL_ARN)
    # Both serving creates accept the second kind.
    assert re.fullmatch(
        pattern(member(op("CreateProvisionedModelThroughput").input_shape, "modelId")), CUSTOM_IMPORTED_MODEL_ARN
    )
    assert re.fullmatch(
        pattern(member(op("CreateCustomModelDeployment").input_shape, "modelArn")), CUSTOM_IMPORTED_MODEL_ARN
    )


def test_import_job_and_imported_model_are_taggable() -> None:
    assert _taggable(IMPORT_JOB_ARN)
    assert _taggable(IMPORTED_MODEL_ARN)
    request = op("CreateModelImportJob").input_shape
    assert text(member(request, "jobTags").documentation) == "Tags to attach to this import job."
    assert text(member(request, "importedModelTags").documentation) == "Tags to attach to the imported model."


def test_imported_model_billing_and_readiness() -> None:
    units = model("bedrock").shape_for("CustomModelUnits")
    assert isinstance(units, StructureShape)
    assert "abstract view of the hardware utilization" in text(units.documentation or "")
    assert text(member(units, "customModelUnitsVersion").documentation) == (
        "The version of the custom model unit. Use to determine the billing rate for the custom model unit."
    )
    runtime = model("bedrock-runtime")
    not_ready = runtime.shape_for("ModelNotReadyException")
    assert text(not_ready.documentation or "").startswith(
        "The model specified in the request is not ready to serve inference requests. The AWS SDK will "
        "automatically retry the operation up to 5 times."
    )
    assert not_ready.metadata["error"]["httpStatusCode"] == 429
    assert "ModelNotReadyException" in errors(op("InvokeModel", "bedrock-runtime"))


def test_cloudformation_reports_templates_and_parameters_but_no_resolved_properties() -> None:
    """C10: what drift resolves a live template with, and that CloudFormation reports no resolved property."""
    from botocore.handlers import BUILTIN_HANDLERS, json_decode_template_body

    template = op("GetTemplate", "cloudformation")
    assert {"StackName", "TemplateStage"} <= members(template.input_shape)
    assert set(model("cloudformation").shape_for("TemplateStage").enum) == {"Original", "Processed"}
    assert "TemplateBody" in members(template.output_shape)
    assert ("after-call.cloudformation.GetTemplate", json_decode_template_body) in BUILTIN_HANDLERS
    parameter = model("cloudformation").shape_for("Parameter")
    assert {"ParameterKey", "ParameterValue", "ResolvedValue"} <= set(parameter.members)
    for shape in ("StackResourceSummary", "StackResourceDetail", "StackResource"):
        fields = set(model("cloudformation").shape_for(shape).members)
        assert "PhysicalResourceId" in fields and not [name for name in fields if "Propert" in name], shape
    assert "StackStatusFilter" in members(op("ListStacks", "cloudformation").input_shape)
    exports = op("ListExports", "cloudformation").output_shape.members["Exports"].member  # type: ignore[union-attr]
    assert {"Name", "Value"} <= set(exports.members)
