"""Where the Lambda handler asset lives, and how the library loads it in-process.

In an installed wheel the handler ships inside the package, at
``bedrock_model_copy/_lambda/model_copy``. In a source checkout it is the
repository's ``lambda/model_copy``. Either way the path is computed from this
file, never from the current directory.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

HANDLER_PACKAGE = "model_copy"
# Name under which the library imports its own copy of the handler package.
LOADED_PACKAGE_NAME = "bedrock_model_copy._handler"
# Never part of the asset: byte code differs between installs and would change its hash.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", "*.pyo"]


@cache
def handler_asset_dir() -> Path:
    """Return the directory to bundle as the Lambda code (it contains ``model_copy/``)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_lambda", here.parent.parent / "lambda"):
        if (candidate / HANDLER_PACKAGE / "handler.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"bedrock_model_copy: handler asset not found next to {here} (looked for _lambda/{HANDLER_PACKAGE} "
        f"and ../../lambda/{HANDLER_PACKAGE}); the installation is incomplete, reinstall the package."
    )


def load_handler_module(name: str) -> ModuleType:
    """Import ``model_copy.<name>`` from the asset under a private package name.

    Parameters
    ----------
    name : str
        Module inside the handler package: ``handler``, ``rules``, ``contract`` ...
    """
    if LOADED_PACKAGE_NAME not in sys.modules:
        package_dir = handler_asset_dir() / HANDLER_PACKAGE
        spec = importlib.util.spec_from_file_location(
            LOADED_PACKAGE_NAME, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
        )
        if spec is None or spec.loader is None:  # pragma: no cover - importlib contract
            raise ImportError(f"cannot load the handler package from {package_dir}")
        package = importlib.util.module_from_spec(spec)
        sys.modules[LOADED_PACKAGE_NAME] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{LOADED_PACKAGE_NAME}.{name}")
