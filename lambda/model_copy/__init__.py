"""Lambda handler package of the Custom::BedrockModelCopy provider.

Entry points: ``model_copy.handler.on_event`` and ``model_copy.handler.is_complete``.
Imports nothing but the standard library and boto3 (present in the Lambda runtime).
"""
