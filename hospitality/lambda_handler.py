"""AWS Lambda entry point: API Gateway (REST or HTTP API) and function URL events → the WSGI app (apig-wsgi).

Nothing heavy is imported at module import: Django and the app load on the first invocation (the cold start),
once per execution environment; the boto3 rds-data client is created on the first Data API call and reused.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hospitality.settings")

_handler = None


def handler(event, context):
    global _handler
    if _handler is None:
        from apig_wsgi import make_lambda_handler
        from django.core.wsgi import get_wsgi_application

        _handler = make_lambda_handler(get_wsgi_application(), binary_support=True)
    return _handler(event, context)
