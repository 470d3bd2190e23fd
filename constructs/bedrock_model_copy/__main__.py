"""``python -m bedrock_model_copy``: the ``bedrock-model-copy`` command."""

import sys

from .cli import main

sys.exit(main())
