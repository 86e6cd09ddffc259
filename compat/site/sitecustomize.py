"""Loaded by every Python process `compat/run.py` starts (this folder is first on their PYTHONPATH), and inert
elsewhere: without COMPAT_BACKEND it does nothing.

A third-party suite is run by its own runner with its own settings; two things are changed under it, the same way
for both backends: every database alias it configures points at the test stack's PostgreSQL (COMPAT_BACKEND=dataapi:
through dataapi_backend and the emulator; postgresql: Django's stock backend, directly), each alias a database of its
own; and every unittest outcome is appended to COMPAT_OUTCOMES as a JSON line (pytest-run suites write JUnit XML
instead).
"""

import json
import os

BACKEND = os.environ.get("COMPAT_BACKEND")


def _database(alias: str, original: dict) -> dict:
    name = f"{os.environ['COMPAT_APP']}_{alias}_{BACKEND}"[:50]
    test = {k: v for k, v in original.get("TEST", {}).items() if k != "NAME"}
    if BACKEND == "dataapi":
        return {
            "ENGINE": "dataapi_backend",
            "NAME": name,
            "TEST": test,
            "OPTIONS": {
                "resource_arn": os.environ["DB_CLUSTER_ARN"],
                "secret_arn": os.environ["DB_SUITE_SECRET_ARN"],
                "endpoint_url": os.environ["DATA_API_ENDPOINT"],
                "region_name": os.environ.get("AWS_REGION", "us-east-1"),
            },
        }
    from urllib.parse import unquote, urlsplit

    suite = urlsplit(os.environ["SUITE_DATABASE_URL"])  # the test stack's login that may create databases
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(suite.username or ""),
        "PASSWORD": unquote(suite.password or ""),
        "HOST": suite.hostname,
        "PORT": str(suite.port or 5432),
        "TEST": test,
    }


def _rewrite(databases: dict) -> dict:
    return {alias: _database(alias, config) for alias, config in databases.items()}


def _patch_settings() -> None:
    from django.conf import LazySettings, Settings

    settings_init = Settings.__init__

    def init(self, settings_module):
        settings_init(self, settings_module)
        self.DATABASES = _rewrite(self.DATABASES)

    configure = LazySettings.configure

    def configure_rewritten(self, default_settings=None, **options):
        if "DATABASES" in options:
            options["DATABASES"] = _rewrite(options["DATABASES"])
        if default_settings is None:
            return configure(self, **options)
        return configure(self, default_settings, **options)

    Settings.__init__ = init
    LazySettings.configure = configure_rewritten


def _record_unittest_outcomes(path: str) -> None:
    import traceback
    import unittest

    def write(test, outcome, detail=""):
        with open(path, "a") as out:
            out.write(json.dumps({"id": test.id(), "outcome": outcome, "detail": detail}) + "\n")

    def exc_line(err):
        exc_type, exc, _tb = err
        return traceback.format_exception_only(exc_type, exc)[-1].strip()

    result = unittest.TestResult
    originals = {
        name: getattr(result, name)
        for name in (
            "addSuccess",
            "addFailure",
            "addError",
            "addSkip",
            "addExpectedFailure",
            "addUnexpectedSuccess",
            "addSubTest",
        )
    }

    def add_success(self, test):
        write(test, "passed")
        originals["addSuccess"](self, test)

    def add_failure(self, test, err):
        write(test, "failed", exc_line(err))
        originals["addFailure"](self, test, err)

    def add_error(self, test, err):
        write(test, "error", exc_line(err))
        originals["addError"](self, test, err)

    def add_skip(self, test, reason):
        write(test, "skipped", reason)
        originals["addSkip"](self, test, reason)

    def add_expected_failure(self, test, err):
        write(test, "expected failure")
        originals["addExpectedFailure"](self, test, err)

    def add_unexpected_success(self, test):
        write(test, "failed", "unexpected success")
        originals["addUnexpectedSuccess"](self, test)

    def add_sub_test(self, test, subtest, err):
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            write(subtest, "failed" if failed else "error", exc_line(err))
        originals["addSubTest"](self, test, subtest, err)

    result.addSuccess = add_success
    result.addFailure = add_failure
    result.addError = add_error
    result.addSkip = add_skip
    result.addExpectedFailure = add_expected_failure
    result.addUnexpectedSuccess = add_unexpected_success
    result.addSubTest = add_sub_test


if BACKEND:
    _patch_settings()
    if os.environ.get("COMPAT_OUTCOMES"):
        _record_unittest_outcomes(os.environ["COMPAT_OUTCOMES"])
