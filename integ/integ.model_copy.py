"""Entry point the CDK integ runner discovers (``integ.*.py``): see integ_app.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_cdk as cdk
from integ_app import build

app = cdk.App()
build(app)
app.synth()
