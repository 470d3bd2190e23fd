"""Every failure the handler reports names the log group it really writes to.

The provider framework appends ``Logs: /aws/lambda/<function name>`` to a handler's error,
but this library's functions log to a log group of their own (the construct's HandlerLogs,
through the functions' logging config), so that pointer names a group that does not exist.
The construct gives the functions the real group's name in ``LOG_GROUP_ENV``; the message
names it first and says that the framework's pointer after it is not where the logs are.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .aws import HandlerError
from .contract import LOG_GROUP_ENV

F = TypeVar("F", bound=Callable[..., Any])


def pointer() -> str:
    """What a failure's message ends with ("" outside Lambda, where no log group is set)."""
    group = os.environ.get(LOG_GROUP_ENV, "")
    if not group:
        return ""
    return f"\n\nLogs: {group} (this library's log group; the provider framework's /aws/lambda/ line below is unused)"


def name_log_group(function: F) -> F:
    """Make ``function`` (a Lambda entry point) end every error it raises with :func:`pointer`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as error:
            where = pointer()
            if not where or where in str(error):
                raise
            raise HandlerError(f"{error}{where}") from error

    return cast(F, wrapper)
