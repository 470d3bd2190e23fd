"""Where the Lambda handler asset lives.

The handler's source is one package, ``model_copy``, in the repository's ``lambda/``. The
construct library imports it as ``bedrock_model_copy._lambda.model_copy`` (contract, rules): in a
source checkout ``constructs/bedrock_model_copy/_lambda`` is a link to ``lambda/``, and the wheel
ships the package at ``bedrock_model_copy/_lambda/model_copy``. Either way the asset is the
directory that holds ``model_copy/``, found from this file, never from the current directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HANDLER_PACKAGE = "model_copy"
# Never part of the asset: byte code differs between installs and would change its hash.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", "*.pyo"]


@cache
def handler_asset_dir() -> Path:
    """Return the directory to bundle as the Lambda code (it contains ``model_copy/``).

    Resolved: in a checkout ``_lambda`` is a link, and the asset is what it points to.
    """
    candidate = (Path(__file__).resolve().parent / "_lambda").resolve()
    if (candidate / HANDLER_PACKAGE / "handler.py").is_file():
        return candidate
    raise FileNotFoundError(
        f"bedrock_model_copy: handler asset not found at {candidate} (looked for {HANDLER_PACKAGE}/handler.py); "
        "the installation is incomplete, reinstall the package."
    )
