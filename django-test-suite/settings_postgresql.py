"""The same apps on Django's stock postgresql backend (psycopg), for the comparison run.py prints."""

import os
from urllib.parse import urlsplit

_url = urlsplit(os.environ["SUITE_DATABASE_URL"])
_common = {
    "ENGINE": "django.db.backends.postgresql",
    "USER": _url.username,
    "PASSWORD": _url.password,
    "HOST": _url.hostname,
    "PORT": str(_url.port),
}
DATABASES = {
    "default": {**_common, "NAME": "django_suite_stock"},
    "other": {**_common, "NAME": "django_suite_stock_other"},
}
SECRET_KEY = "django_tests_secret_key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
# per-app times for run.py
TEST_RUNNER = "timed_runner.TimedRunner"
