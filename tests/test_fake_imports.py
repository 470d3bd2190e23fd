"""The fake's Custom Model Import answers match botocore's service model, and take the harder answers.

Every import operation is called through a real boto3 client in each status an import passes through
(InProgress, Completed, Failed; a model being deleted), and each parsed answer is validated against the
operation's output shape (test_fake_serving.check_output). The unconfirmed behaviours of
docs/aws-behaviour.md I7, I8, I12 and I13 are the harder answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from test_fake_serving import check_output

from bedrock_model_copy.testing import FakeBedrock
from bedrock_model_copy.testing.iam import PolicySet

ROLE = "arn:aws:iam::111122223333:role/import"
OWNER = [{"key": "bedrock-model-copy:owner-stack", "value": "S"}]


@pytest.fixture
def fake() -> FakeBedrock:
    return FakeBedrock()


def _client(fake: FakeBedrock, endpoint: str, service: str = "bedrock") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=fake.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bedrock(fake: FakeBedrock) -> Iterator[Any]:
    with fake.serve() as endpoint:
        yield _client(fake, endpoint)


def _start(bedrock: Any, model: str = "llama", job: str = "job-1", role: str = ROLE, **extra: Any) -> str:
    answer = bedrock.create_model_import_job(
        jobName=job,
        importedModelName=model,
        roleArn=role,
        modelDataSource={"s3DataSource": {"s3Uri": "s3://weights/llama/"}},
        **extra,
    )
    check_output(bedrock, "CreateModelImportJob", answer)
    return str(answer["jobArn"])


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_import_answers_fit_the_model_in_every_status(fake: FakeBedrock, bedrock: Any) -> None:
    fake.imports.script("broken", duration=60, outcome="Failed", failure_message="No config.json")
    done = _start(bedrock, jobTags=OWNER, importedModelTags=OWNER, importedModelKmsKeyId="alias/models")
    failed = _start(bedrock, "broken", "job-2", vpcConfig={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]})
    seen = set()
    for step in (0, 1000):  # InProgress, then Completed (and the scripted one Failed)
        fake.clock.advance(step)
        for arn in (done, failed):
            answer = bedrock.get_model_import_job(jobIdentifier=arn)
            check_output(bedrock, "GetModelImportJob", answer)
            seen.add(answer["status"])
            assert ("importedModelArn" in answer) == (answer["status"] == "Completed")  # I2
        check_output(bedrock, "ListModelImportJobs", bedrock.list_model_import_jobs(nameContains="job"))
    assert seen == {"InProgress", "Completed", "Failed"}
    assert bedrock.get_model_import_job(jobIdentifier=failed)["failureMessage"] == "No config.json"
    model_arn = bedrock.get_model_import_job(jobIdentifier="job-1")["importedModelArn"]  # by name too
    model = bedrock.get_imported_model(modelIdentifier=model_arn)
    check_output(bedrock, "GetImportedModel", model)
    assert model["modelKmsKeyArn"].endswith(":key/models") and model["customModelUnits"]["customModelUnitsPerModelCopy"]
    check_output(bedrock, "GetImportedModel", bedrock.get_imported_model(modelIdentifier="llama"))
    check_output(bedrock, "ListImportedModels", bedrock.list_imported_models())
    check_output(bedrock, "ListTagsForResource", bedrock.list_tags_for_resource(resourceARN=model_arn))
    assert bedrock.list_tags_for_resource(resourceARN=done)["tags"] == OWNER  # the job's own tags (I9)
    check_output(bedrock, "DeleteImportedModel", bedrock.delete_imported_model(modelIdentifier=model_arn))


def test_names_are_taken_as_the_harder_answer_says(fake: FakeBedrock, bedrock: Any) -> None:
    # I12: a job name is taken forever; a model name while a job imports to it or a model has it (being deleted too).
    _start(bedrock)
    with pytest.raises(ClientError) as running:
        _start(bedrock, job="job-2")
    assert _code(running) == "ConflictException"
    fake.clock.advance(1000)
    model_arn = bedrock.get_model_import_job(jobIdentifier="job-1")["importedModelArn"]
    bedrock.delete_imported_model(modelIdentifier=model_arn)
    # I13: still described while it is deleted, a second delete refused, the name still taken.
    assert bedrock.get_imported_model(modelIdentifier=model_arn)["modelArn"] == model_arn
    with pytest.raises(ClientError) as again:
        bedrock.delete_imported_model(modelIdentifier=model_arn)
    assert _code(again) == "ConflictException"
    with pytest.raises(ClientError) as deleting:
        _start(bedrock, job="job-3")
    assert _code(deleting) == "ConflictException"
    fake.clock.advance(fake.imports.delete_duration)
    with pytest.raises(ClientError) as gone:
        bedrock.get_imported_model(modelIdentifier=model_arn)
    assert _code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as reused:
        _start(bedrock, job="job-1")
    assert _code(reused) == "ConflictException"
    assert _start(bedrock, job="job-4")  # the model name is free again once the model is gone


def test_each_tag_list_is_authorized_on_its_own_and_the_role_is_passed_to_bedrock(fake: FakeBedrock) -> None:
    # I8: the conditions hold for the job's tags and for the model's tags separately; PassRole with PassedToService.
    owner = {"StringEquals": {"aws:RequestTag/bedrock-model-copy:owner-stack": "S"}}
    fake.iam = PolicySet(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "bedrock:CreateModelImportJob", "Resource": "*", "Condition": owner},
                    {"Effect": "Allow", "Action": "bedrock:TagResource", "Resource": "*", "Condition": owner},
                    {
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": ROLE,
                        "Condition": {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                    },
                ]
            }
        ]
    )
    with fake.serve() as endpoint:
        bedrock = _client(fake, endpoint)
        with pytest.raises(ClientError) as one_list:
            _start(bedrock, jobTags=OWNER)  # the model's tags lack the owner tag
        assert _code(one_list) == "AccessDeniedException"
        with pytest.raises(ClientError) as other_role:
            _start(bedrock, jobTags=OWNER, importedModelTags=OWNER, role=ROLE + "-other")
        assert "iam:PassRole" in str(other_role.value)
        assert _start(bedrock, jobTags=OWNER, importedModelTags=OWNER)
    assert fake.imports.jobs and all(job.role_arn == ROLE for job in fake.imports.jobs.values())


def test_an_imported_model_is_invoked_on_demand_and_is_no_copy_source(fake: FakeBedrock, bedrock: Any) -> None:
    _start(bedrock)
    fake.clock.advance(1000)
    model_arn = bedrock.get_model_import_job(jobIdentifier="job-1")["importedModelArn"]
    with fake.serve() as endpoint:
        runtime = _client(fake, endpoint, "bedrock-runtime")
        answer = runtime.invoke_model(modelId=model_arn, body=b'{"prompt": "hi"}')
    assert model_arn in answer["body"].read().decode()
    # I7: CreateModelCopyJob's sourceModelArn pattern has no imported-model/ form (botocore does not check
    # patterns): the fake refuses it as that pattern's ValidationException, and copies nothing.
    with pytest.raises(ClientError) as refused:
        bedrock.create_model_copy_job(sourceModelArn=model_arn, targetModelName="copy")
    assert _code(refused) == "ValidationException" and "sourceModelArn" in str(refused.value)
    assert fake.jobs == {}
