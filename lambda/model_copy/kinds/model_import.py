"""Model imports: ``CreateModelImportJob`` brings open weights from S3 into an imported model.

Bedrock (docs/aws-behaviour.md I1-I14): an import job is ``InProgress`` until ``Completed`` or
``Failed`` (no way to stop it, I5); it carries tags of its own (``jobTags``) and its model others
(``importedModelTags``): both get the ownership tags, so ownership is read from the job's own tags
while it runs and from the model's once it exists (I9). The job's answer has no model ARN before
the end (I2), and the model's description (architecture, custom model units) comes from
``GetImportedModel`` (I4). The physical id is the job's ARN; what a delete removes is the imported
model (``DeleteImportedModel``), only when the resource's final DeletionPolicy is Delete, and only
once Get says it is gone (it may still be described for a while, I13). Job names are new for every
request that starts one (I12); a take-back finds jobs by the exact imported model name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from .. import rules
from ..aws import AwsError, HandlerError, client, is_not_found, is_transient
from ..engine.ownership import Owner
from ..engine.request import Request, minutes
from ..import_contract import (
    ATTR_CREATION_TIME,
    ATTR_CUSTOM_MODEL_UNITS_PER_COPY,
    ATTR_CUSTOM_MODEL_UNITS_VERSION,
    ATTR_IMPORTED_MODEL_ARN,
    ATTR_IMPORTED_MODEL_NAME,
    ATTR_INSTRUCT_SUPPORTED,
    ATTR_JOB_ARN,
    ATTR_JOB_NAME,
    ATTR_MODEL_ARCHITECTURE,
    ATTR_MODEL_KMS_KEY_ARN,
    ATTR_STATUS,
    KIND_IMPORT,
    PROP_IMPORTED_MODEL_NAME,
    PROP_KMS_KEY_ID,
    PROP_ROLE_ARN,
    PROP_S3_URI,
    PROP_SECURITY_GROUP_IDS,
    PROP_SUBNET_IDS,
    RESOURCE_TYPE_IMPORT,
    check_imported_model_name,
    check_kms_key_id,
    check_network,
    check_role_arn,
    check_s3_uri,
    job_name,
    job_name_prefix,
)
from ..serving_contract import PROP_RESOURCE_ARN, PROP_RESOURCE_KIND, PROP_TAGS
from .base import FAILED, READY, WAITING, Found, Watch, required, text
from .fleet import KMS_KEY, Billing, Compared, Drift, Listing
from .import_advice import ADVICE
from .job import JobKind, how_long, kms_matches, region_of

logger = logging.getLogger("model_copy")

MODEL_KEY = "importedModel"  # where get() puts GetImportedModel's answer once the job completed
MODEL_GONE_KEY = "importedModelGone"  # set by get() when that answer was not-found


def s3_uri_of(raw: Mapping[str, Any]) -> str:
    return str(((raw.get("modelDataSource") or {}).get("s3DataSource") or {}).get("s3Uri") or "")


# What the fleet command lists of an import (kinds/fleet.py): its running jobs, and the models they made.
JOBS = Listing(
    "model-import-job",
    "running import jobs",
    "ListModelImportJobs",
    "modelImportJobSummaries",
    "jobArn",
    "importedModelName",
    running="InProgress",
)
MODELS = Listing(
    "imported-model",
    "imported models",
    "ListImportedModels",
    "modelSummaries",
    "modelArn",
    "modelName",
    status="",  # ImportedModelSummary has no status: an imported model that is listed exists
    delete="DeleteImportedModel",
    get="GetImportedModel",
    identifier="modelIdentifier",
)
# docs/aws-behaviour.md I14: inference is billed per CMU in 5-minute windows from the first call; whether a model
# that serves nothing bills is unconfirmed, and the command takes the answer that finds it (it bills while it exists).
MODEL_BILLING = Billing(
    "custom model units per 5-minute window while it serves; kept idle it may bill (unconfirmed)", idle=True
)
JOB_BILLING = Billing("no price published for an import job", idle=False)


class ImportKind(JobKind):
    """A ``BedrockModelImport`` (``ResourceKind`` ``ModelImport``)."""

    name = KIND_IMPORT
    resource_type = RESOURCE_TYPE_IMPORT
    noun = "Model import job"
    product_noun = "imported model"
    arn_marker = ":model-import-job/"
    get_operation = "GetModelImportJob"
    create_operation = "CreateModelImportJob"
    delete_operation = "DeleteImportedModel"
    list_operation = "ListModelImportJobs"
    product_get_operation = "GetImportedModel"
    goes_on = "The import continues in Bedrock"
    created_decision = "started-new-import"
    work = "import"
    model_name_label = "imported_model_name"
    product_field = "importedModelArn"
    delete_cli = "delete-imported-model"
    unnamed_model = "the imported model"
    name_hint = " (or leave it to be generated)"
    job_billing = JOB_BILLING
    model_billing = MODEL_BILLING
    identity: ClassVar[tuple[str, ...]] = (PROP_RESOURCE_KIND, PROP_IMPORTED_MODEL_NAME, PROP_S3_URI, PROP_KMS_KEY_ID)
    labels: ClassVar[dict[str, str]] = {
        PROP_RESOURCE_KIND: "the construct type",
        PROP_IMPORTED_MODEL_NAME: "imported_model_name",
        PROP_S3_URI: "bucket or prefix",
        PROP_KMS_KEY_ID: "kms_key",
    }
    tags_property = PROP_TAGS
    watch: ClassVar[Watch | None] = Watch(
        "getModelImportJob",
        "JobIdentifier",
        "ResourceArn",
        "import",
        "Completed",
        "GetModelImportJob",
        "model-import-job",
    )
    advice = ADVICE
    listings: ClassVar[tuple[Listing, ...]] = (JOBS, MODELS)
    lookup: ClassVar[tuple[str, str]] = ("GetModelImportJob", "jobIdentifier")
    # drift: the imported model the job made, its name and key (the files are the job's: others make a new import).
    drift: ClassVar[Drift | None] = Drift(
        read=("GetModelImportJob", "jobIdentifier"),
        product_read=("GetImportedModel", "modelIdentifier"),
        fields=(
            Compared("name", PROP_IMPORTED_MODEL_NAME, "modelName"),
            Compared("KMS key", PROP_KMS_KEY_ID, "modelKmsKeyArn", KMS_KEY),
        ),
    )
    operations: ClassVar[tuple[str, ...]] = (
        "create_model_import_job",
        "get_model_import_job",
        "list_model_import_jobs",
        "get_imported_model",
        "delete_imported_model",
        "list_tags_for_resource",
        "tag_resource",
        "untag_resource",
    )
    minimum_botocore = "1.35.4"  # the import operations (docs/aws-behaviour.md C7)
    # A name that is taken: either code (docs/aws-behaviour.md I12, as S8).
    name_taken_codes = frozenset({"ConflictException", "ValidationException"})

    # ------------------------------------------------------------------ properties

    def check(self, props: Mapping[str, Any]) -> None:
        check_imported_model_name(required(props, PROP_IMPORTED_MODEL_NAME))
        check_s3_uri(required(props, PROP_S3_URI))
        check_role_arn(required(props, PROP_ROLE_ARN))
        if props.get(PROP_KMS_KEY_ID):
            check_kms_key_id(str(props[PROP_KMS_KEY_ID]))
        check_network(list(props.get(PROP_SUBNET_IDS) or []), list(props.get(PROP_SECURITY_GROUP_IDS) or []))
        rules.check_tags(props.get(PROP_TAGS) or {})

    def name_of(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_IMPORTED_MODEL_NAME) or "")

    def left_billing(self, request: Request, raw: Mapping[str, Any]) -> str:
        model_arn = self.product(raw)
        return (
            "An imported model is billed in custom model units while it serves, and may bill while it exists "
            "(docs/aws-behaviour.md I14); delete it when nothing uses it: aws bedrock delete-imported-model "
            f"--model-identifier {model_arn} --region {request.region}"
        )

    def result_arn(self, props: Mapping[str, Any]) -> str:
        return str(props.get(PROP_RESOURCE_ARN) or "")

    def create_subject(self, props: Mapping[str, Any]) -> str:
        return f"{props.get(PROP_S3_URI)} -> imported model name {self.name_of(props)!r}"

    def list_subject(self, props: Mapping[str, Any]) -> str:
        return f"imported model name {self.name_of(props)!r}"

    # ------------------------------------------------------------------ calls

    def same_named(self, props: Mapping[str, Any]) -> list[Found]:
        """The jobs that import exactly this model name, newest first, each as its full description.

        ``ListModelImportJobs`` filters by the job's name (which starts with the model's) and its
        summaries lack the source; each exact match is read with its Get (I3).
        """
        name = self.name_of(props)
        pages = (
            client()
            .get_paginator("list_model_import_jobs")
            .paginate(nameContains=job_name_prefix(name), sortBy="CreationTime", sortOrder="Descending")
        )
        arns = [
            str(summary["jobArn"])
            for page in pages
            for summary in page.get("modelImportJobSummaries", [])
            if summary.get("importedModelName") == name
        ]
        found = []
        for arn in arns:
            try:
                raw = self.get(arn)
            except AwsError as error:
                if is_not_found(error):
                    continue
                raise
            found.append(Found(arn, self.status(raw), raw))
        return found

    def superseded(self, found: Found) -> bool:
        """Failed jobs, and completed jobs whose model was deleted, are passed over by a take-back."""
        return found.status == "Failed" or bool(found.raw.get(MODEL_GONE_KEY))

    def create(self, props: Mapping[str, Any], tags: list[dict[str, str]], token: str) -> str:
        user = [{"key": str(key), "value": str(value)} for key, value in sorted((props.get(PROP_TAGS) or {}).items())]
        request: dict[str, Any] = {
            "jobName": job_name(self.name_of(props), token),
            "importedModelName": self.name_of(props),
            "roleArn": props[PROP_ROLE_ARN],
            "modelDataSource": {"s3DataSource": {"s3Uri": props[PROP_S3_URI]}},
            # The same tags on the job and on the model: IAM's conditions hold however it reads the two lists (I8).
            "jobTags": [*user, *tags],
            "importedModelTags": [*user, *tags],
            # Not filled in by botocore for this operation (I1): without it a retried request would import twice.
            "clientRequestToken": token,
        }
        if props.get(PROP_KMS_KEY_ID):
            request["importedModelKmsKeyId"] = props[PROP_KMS_KEY_ID]
        if props.get(PROP_SUBNET_IDS):
            request["vpcConfig"] = {
                "subnetIds": list(props[PROP_SUBNET_IDS]),
                "securityGroupIds": list(props.get(PROP_SECURITY_GROUP_IDS) or []),
            }
        return str(client().create_model_import_job(**request)["jobArn"])

    def get(self, arn: str) -> dict[str, Any]:
        """The job; once it completed, with its model's description (``importedModel``), or a note it is gone."""
        job = dict(client().get_model_import_job(jobIdentifier=arn))
        model_arn = job.get("importedModelArn")
        if job.get("status") != "Completed" or not model_arn:
            return job
        try:
            job[MODEL_KEY] = dict(client().get_imported_model(modelIdentifier=model_arn))
        except AwsError as error:
            if is_not_found(error):
                job[MODEL_GONE_KEY] = True
            elif is_transient(error):
                raise
            else:
                raise self.failure("GetImportedModel", f"imported model {model_arn}", error) from error
        return job

    def get_product(self, arn: str) -> dict[str, Any]:
        return dict(client().get_imported_model(modelIdentifier=arn))

    def delete(self, product: str) -> None:
        client().delete_imported_model(modelIdentifier=product)

    # ------------------------------------------------------------------ answers

    def state(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> tuple[str, str]:
        status, arn = raw.get("status"), raw.get("jobArn")
        if status == "Failed":
            reason = str(raw.get("failureMessage") or "Bedrock gave no reason").rstrip(".")
            return FAILED, (
                f"Model import job {arn} failed: {reason}. Fix the cause (the model files under the prefix, their "
                "architecture, the import role's access to the bucket and its key, quotas) and deploy again; a new "
                "import job is started."
            )
        if status != "Completed":
            return WAITING, ""
        if raw.get(MODEL_GONE_KEY):
            return FAILED, (
                f"Imported model {raw.get('importedModelArn')} of job {arn} no longer exists: it was deleted outside "
                "CloudFormation. Deploy again to import it anew (the next deploy starts a new import)."
            )
        return READY, ""

    def attributes(self, raw: Mapping[str, Any]) -> dict[str, str]:
        model: Mapping[str, Any] = raw.get(MODEL_KEY) or {}
        units: Mapping[str, Any] = model.get("customModelUnits") or {}
        return {
            ATTR_IMPORTED_MODEL_ARN: text(raw.get("importedModelArn") if raw.get("status") == "Completed" else ""),
            ATTR_IMPORTED_MODEL_NAME: text(raw.get("importedModelName")),
            ATTR_JOB_ARN: text(raw.get("jobArn")),
            ATTR_JOB_NAME: text(raw.get("jobName")),
            ATTR_STATUS: text(raw.get("status")),
            ATTR_CREATION_TIME: text(raw.get("creationTime")),
            ATTR_MODEL_ARCHITECTURE: text(model.get("modelArchitecture")),
            ATTR_INSTRUCT_SUPPORTED: text(model.get("instructSupported")),
            ATTR_CUSTOM_MODEL_UNITS_PER_COPY: text(units.get("customModelUnitsPerModelCopy")),
            ATTR_CUSTOM_MODEL_UNITS_VERSION: text(units.get("customModelUnitsVersion")),
            ATTR_MODEL_KMS_KEY_ARN: text(model.get("modelKmsKeyArn") or raw.get("importedModelKmsKeyArn")),
        }

    def blank_attributes(self, arn: str) -> dict[str, str]:
        blanks = dict.fromkeys(self.attributes({}), "")
        blanks[ATTR_JOB_ARN] = arn if self.arn_marker in arn else ""
        return blanks

    def made_from(self, raw: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
        return (
            raw.get("importedModelName") == props.get(PROP_IMPORTED_MODEL_NAME)
            and s3_uri_of(raw) == props.get(PROP_S3_URI)
            and kms_matches(str(raw.get("importedModelKmsKeyArn") or ""), str(props.get(PROP_KMS_KEY_ID) or ""))
        )

    # ------------------------------------------------------------------ messages

    def timeout_advice(self, request: Request) -> str:
        return (
            "deploy again (same stack name and properties) to resume: the resource takes back the import it started "
            "instead of starting another; or raise timeout (up to 12 hours)"
        )

    def not_ours(self, request: Request, found: Found, owner: Owner) -> HandlerError:
        name = self.name_of(request.props)
        state = "is being imported" if found.status == "InProgress" else "already exists"
        why = (
            f"it imports {s3_uri_of(found.raw) or 'other files'} "
            f"(key {found.raw.get('importedModelKmsKeyArn') or 'AWS owned'})"
            if owner.started_by(request)
            else f"it is owned by {owner.describe()}"
        )
        return HandlerError(
            f"An imported model named {name!r} {state} in this Region (job {found.arn}), and this resource (stack "
            f"{request.stack_name}, resource {request.logical_id}) did not start it from these properties: {why}. "
            "Nothing was changed. Choose another imported_model_name, or delete that model first."
        )

    def gone_for_update(self, request: Request, product: str) -> HandlerError:
        return HandlerError(
            f"Imported model {product} (job {request.physical_id}) no longer exists: it was deleted outside "
            "CloudFormation, so its tags cannot change. To import it again, give the resource a new "
            "imported_model_name."
        )

    def unfinished_message(self, request: Request, raw: Mapping[str, Any]) -> str:
        job_arn = str(raw.get("jobArn") or request.physical_id)
        region = region_of(job_arn)
        return (
            f"Model import job {job_arn} is still {raw.get('status')}{how_long(raw)}; this delete waited "
            f"{minutes(request.waited())} to delete its imported model when the import ends, and CloudFormation "
            f"allows a custom resource one hour. Delete the stack again after the import ends (aws bedrock "
            f"get-model-import-job --job-identifier {job_arn} --region {region}) and the model is deleted; or finish "
            f"now with --retain-resources {request.logical_id} and, after the import ends, run: bedrock-model-copy "
            f"clean --region {region} --stack {request.stack_name} --yes"
        )


KIND = ImportKind()
