"""One database over the Data API, named by three environment variables (what `dataapi-emulator` prints)."""

import os

SECRET_KEY = "example-project-only"  # noqa: S105 - a test project, never served
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Paris"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "library"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "dataapi_backend",
        "NAME": "example",
        "OPTIONS": {
            "resource_arn": os.environ["DATAAPI_CLUSTER_ARN"],
            "secret_arn": os.environ["DATAAPI_SECRET_ARN"],
            "endpoint_url": os.environ["DATAAPI_ENDPOINT"],
            "region_name": "us-east-1",
        },
    }
}
