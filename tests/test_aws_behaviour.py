"""docs/aws-behaviour.md against the installed botocore, and the page's own rules.

Every entry of the page has a public source or is marked Unconfirmed with both answers and the
fake's choice. An entry whose source is botocore's service model names a test here
(``checked by test_...``) that checks the installed model still says so.
"""

from __future__ import annotations

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
