"""Django's own test suite on dataapi_backend through the local emulator (see run.py)."""

import os

_options = {
    "resource_arn": os.environ["DB_CLUSTER_ARN"],
    "secret_arn": os.environ["DB_SUITE_SECRET_ARN"],
    "region_name": os.environ.get("AWS_REGION", "us-east-1"),
    "endpoint_url": os.environ["DATA_API_ENDPOINT"],
}
DATABASES = {
    "default": {"ENGINE": "dataapi_backend", "NAME": "django_suite", "OPTIONS": _options},
    "other": {"ENGINE": "dataapi_backend", "NAME": "django_suite_other", "OPTIONS": _options},
}
SECRET_KEY = "django_tests_secret_key"  # noqa: S105 - Django's own test settings use a fixed key
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
# per-app times for run.py
TEST_RUNNER = "timed_runner.TimedRunner"
