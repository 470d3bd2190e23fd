"""What to do next when an AWS call fails: rows chosen by call and error code.

Each kind carries its own rows (``Kind.advice``); :data:`GENERIC` holds the rows that apply to any
call. The advice table of docs/troubleshooting.md is every kind's rows and the generic ones
(``kinds.ADVICE``, rendered by :func:`markdown_table`; ``tests/test_docs.py`` compares).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .aws import HandlerError, error_code, error_message, is_transient


class Advice(NamedTuple):
    """One row: the call, the error code, an optional word the message must contain, and the advice."""

    operation: str
    code: str
    message_contains: str
    text: str


ANY_OPERATION = "*"
TRANSIENT_TEXT = "Bedrock is throttling or unavailable and boto3's retries ran out: deploy again in a few minutes."

GENERIC: tuple[Advice, ...] = (Advice(ANY_OPERATION, "ThrottlingException", "", TRANSIENT_TEXT),)


def advice_for_code(rows: Iterable[Advice], operation: str, code: str, message: str) -> str:
    """The advice for an error code and message from ``operation`` ("" when no row applies)."""
    for row in (*rows, *GENERIC):
        applies = row.operation in (operation, ANY_OPERATION) and row.code == code
        if applies and (not row.message_contains or row.message_contains in message.lower()):
            return row.text
    return ""


def advice_for(rows: Iterable[Advice], operation: str, error: Exception) -> str:
    """The advice for ``error`` raised by ``operation`` (any transient error gets the throttling row)."""
    return advice_for_code(rows, operation, error_code(error), error_message(error)) or (
        TRANSIENT_TEXT if is_transient(error) else ""
    )


def describe_failure(rows: Iterable[Advice], operation: str, subject: str, error: Exception) -> HandlerError:
    """The failure of an AWS call: the call, the subject, the error code, Bedrock's message, and what to do.

    Parameters
    ----------
    rows : Iterable[Advice]
        The kind's advice rows.
    operation : str
        The API operation, e.g. ``CreateModelCopyJob``.
    subject : str
        What it was about (job ARN, model ARN, or source and target name).
    error : Exception
        The boto3 or botocore error.
    """
    advice = advice_for(rows, operation, error)
    message = error_message(error)
    reason = f"{operation} failed for {subject}: {error_code(error)}: {message}{'' if message.endswith('.') else '.'}"
    return HandlerError(f"{reason} {advice}".strip())


def markdown_table(rows: Iterable[Advice]) -> str:
    """The advice table of docs/troubleshooting.md."""
    lines = ["| call | error | when the message mentions | what to do |", "|---|---|---|---|"]
    for row in (*rows, *GENERIC):
        call = "any call" if row.operation == ANY_OPERATION else f"`{row.operation}`"
        code = f"`{row.code}` (or any 5xx, or a dropped connection)" if row in GENERIC else f"`{row.code}`"
        lines.append(f"| {call} | {code} | {row.message_contains or ''} | {row.text} |")
    return "\n".join(lines)
