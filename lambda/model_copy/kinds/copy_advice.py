"""What a failed call means for a model copy's calls, and what to do next.

Each :class:`..advice.Advice` row matches an operation and an error code (and, where it is not empty, a word
in Bedrock's message); the kind's failures add the first that matches to Bedrock's own message.
"""

from __future__ import annotations

from ..advice import Advice

ADVICE: tuple[Advice, ...] = (
    Advice(
        "CreateModelCopyJob",
        "AccessDeniedException",
        "kms",
        "A KMS key policy does not let the handler role use a key: the target key must allow kms:Decrypt, "
        "kms:GenerateDataKey, kms:DescribeKey and kms:CreateGrant to the role via bedrock.<region>.amazonaws.com, "
        "and an encrypted source model's key must allow kms:Decrypt (README, KMS keys).",
    ),
    Advice(
        "CreateModelCopyJob",
        "AccessDeniedException",
        "",
        "IAM denied the copy: the handler role may copy only the source models named in the template, into the "
        "stack's Region, with this stack's ownership tags. Check that no service control policy or permissions "
        "boundary denies bedrock:CreateModelCopyJob in this Region, and that a model of another account is shared "
        "with this account through AWS RAM.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ResourceNotFoundException",
        "",
        "The source model does not exist or this account cannot see it: check source_model_arn, and if the model "
        "belongs to another account make sure it is shared with this account through AWS RAM.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ValidationException",
        "",
        "Bedrock refused the request: correct the property it names and deploy again.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ServiceQuotaExceededException",
        "",
        "A Bedrock quota is reached (concurrent model copy jobs or custom models): wait for running jobs to "
        "finish, or request an increase in Service Quotas, then deploy again.",
    ),
    Advice(
        "CreateModelCopyJob",
        "TooManyTagsException",
        "",
        "The copy would carry more than 50 tags (yours and the 3 ownership tags): remove some tags.",
    ),
    Advice(
        "CreateModelCopyJob",
        "ConflictException",
        "",
        "A model or copy job of this name exists in this Region that ListModelCopyJobs did not show as this "
        "resource's own. If this resource started it moments ago (the list can lag), deploy again to resume it; "
        "otherwise it was made elsewhere: choose another target_model_name.",
    ),
    Advice(
        "ListModelCopyJobs",
        "AccessDeniedException",
        "",
        "The handler role needs bedrock:ListModelCopyJobs (statement FindJobsToResume): check that no service "
        "control policy or permissions boundary denies it.",
    ),
    Advice(
        "GetModelCopyJob",
        "AccessDeniedException",
        "",
        "The handler role may read copy jobs of this account in this Region only (statement PollCopyJobs): check "
        "the job ARN, and that no service control policy or permissions boundary denies bedrock:GetModelCopyJob.",
    ),
    Advice(
        "GetModelCopyJob",
        "ResourceNotFoundException",
        "",
        "Bedrock does not know this job in this account and Region: check the job ARN (a ModelCopyJobWaiter "
        "reads jobs of its own stack's Region).",
    ),
    Advice(
        "DeleteCustomModel",
        "ConflictException",
        "",
        "The model is in use (a provisioned throughput or a custom model deployment serves it): delete those "
        "first, then delete the stack again.",
    ),
    Advice(
        "DeleteCustomModel",
        "AccessDeniedException",
        "",
        "IAM lets the handler delete only models whose bedrock-model-copy:owner-stack tag is this stack's name: "
        "a policy denies it or the tag was changed outside CloudFormation. Delete the model yourself, or set "
        "removal_policy=RETAIN.",
    ),
    Advice(
        "TagResource",
        "AccessDeniedException",
        "",
        "IAM lets the handler retag only models whose bedrock-model-copy:owner-stack tag is this stack's name, "
        "and never the ownership tags: check for a policy that denies bedrock:TagResource/UntagResource.",
    ),
    Advice(
        "ListTagsForResource",
        "AccessDeniedException",
        "",
        "The handler role needs bedrock:ListTagsForResource on this account's custom models (statement "
        "ReadOwnershipTags) to check who owns a model before it changes it.",
    ),
    Advice(
        "GetModelCopyJob (copy watcher)",
        "AccessDeniedException",
        "",
        "IAM denied the copy watcher's poll: its role (CopyWatcher/Role, statement PollCopyJobs) may read this "
        "account's copy jobs in this Region; check that no service control policy or permissions boundary denies "
        "bedrock:GetModelCopyJob to it, then deploy again to resume waiting for the same job.",
    ),
)
