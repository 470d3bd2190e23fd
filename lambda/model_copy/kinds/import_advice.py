"""What a failed call means for a model import's calls, and what to do next.

Each :class:`..advice.Advice` row matches an operation and an error code (and, where it is not empty, a word
in Bedrock's message); the kind's failures add the first that matches to Bedrock's own message.
"""

from __future__ import annotations

from ..advice import Advice

ADVICE: tuple[Advice, ...] = (
    Advice(
        "CreateModelImportJob",
        "AccessDeniedException",
        "passrole",
        "The handler role may pass only this import's role, and only to Bedrock (iam:PassRole with "
        "iam:PassedToService bedrock.amazonaws.com): check that a given role is the one the construct was given, "
        "and that no permissions boundary or service control policy denies iam:PassRole.",
    ),
    Advice(
        "CreateModelImportJob",
        "AccessDeniedException",
        "",
        "IAM denied the import: the handler role may start imports in this Region only, with this stack's ownership "
        "tags on the job and on the model; check service control policies and permissions boundaries.",
    ),
    Advice(
        "CreateModelImportJob",
        "ValidationException",
        "",
        "Bedrock refused the request: check that bucket and prefix hold the model's files in a supported "
        "architecture (Bedrock user guide, model-customization-import-model), that the import's role can read them, "
        "and that imported_model_name is not taken; then deploy again.",
    ),
    Advice(
        "CreateModelImportJob",
        "ConflictException",
        "",
        "An imported model or import job of this name exists in this Region that ListModelImportJobs did not show "
        "as this resource's own. If this resource started it moments ago (the list can lag), deploy again to resume "
        "it; otherwise choose another imported_model_name.",
    ),
    Advice(
        "CreateModelImportJob",
        "ServiceQuotaExceededException",
        "",
        "A Bedrock quota is reached (concurrent import jobs or imported models): wait for running imports, delete "
        "unused imported models, or request an increase in Service Quotas, then deploy again.",
    ),
    Advice(
        "CreateModelImportJob",
        "TooManyTagsException",
        "",
        "The import would carry more than 50 tags (yours and the ownership tags): remove some tags.",
    ),
    Advice(
        "ListModelImportJobs",
        "AccessDeniedException",
        "",
        "The handler role needs bedrock:ListModelImportJobs (statement FindImportJobsByName): check that no service "
        "control policy or permissions boundary denies it.",
    ),
    Advice(
        "GetModelImportJob",
        "AccessDeniedException",
        "",
        "The handler role may read import jobs of this account in this Region (statement ReadImports): check that "
        "no service control policy or permissions boundary denies bedrock:GetModelImportJob.",
    ),
    Advice(
        "DeleteImportedModel",
        "AccessDeniedException",
        "",
        "IAM lets the handler delete only imported models whose bedrock-model-copy:owner-stack tag is this stack's "
        "name: a policy denies it or the tag was changed outside CloudFormation. Delete the model yourself, or set "
        "removal_policy=RETAIN.",
    ),
    Advice(
        "GetModelImportJob (copy watcher)",
        "AccessDeniedException",
        "",
        "IAM denied the watcher's poll: its role may read this account's import jobs in this Region (statement "
        "PollModelImport); check that no service control policy or permissions boundary denies "
        "bedrock:GetModelImportJob to it, then deploy again to resume waiting for the same job.",
    ),
)
