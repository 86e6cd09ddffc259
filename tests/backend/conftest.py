"""The backend's test tables are created (and dropped) over the Data API by the schema editor, as the owner role."""

import json
import urllib.request

import pytest
from django.db import connections

from .models import Author, Book, Everything

MODELS = (Everything, Author, Book)


@pytest.fixture(scope="session", autouse=True)
def backend_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["dataapi"]
        with connection.schema_editor() as editor:
            for model in reversed(MODELS):
                editor.execute(f"DROP TABLE IF EXISTS {editor.quote_name(model._meta.db_table)} CASCADE")
            for model in MODELS:
                editor.create_model(model)
        yield
        with connection.schema_editor() as editor:
            for model in reversed(MODELS):
                editor.delete_model(model)


@pytest.fixture
def dataapi(django_db_blocker):
    """The Data API connection (owner role) with its metrics reset."""
    connection = connections["dataapi"]
    connection.data_api_metrics.reset()
    return connection


class Emulator:
    """The emulator's control API: faults and runtime settings."""

    def __init__(self, url: str):
        self.url = url

    def _call(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def faults(self, **settings):
        return self._call("POST", "/_emulator/faults", settings)

    def config(self, **settings):
        return self._call("POST", "/_emulator/config", settings) if settings else self._call("GET", "/_emulator/config")

    def stats(self):
        return self._call("GET", "/_emulator/stats")


@pytest.fixture
def emulator(settings):
    control = Emulator(settings.DATABASES["dataapi"]["OPTIONS"]["endpoint_url"])
    defaults = control.config()
    control._call("DELETE", "/_emulator/faults")
    yield control
    control._call("DELETE", "/_emulator/faults")
    control.config(**defaults)


@pytest.fixture
def clean_tables(django_db_blocker):
    """For transactional tests: empty the backend's tables afterwards (pytest-django's flush covers the rest)."""
    yield
    with django_db_blocker.unblock(), connections["dataapi"].cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in MODELS) + " CASCADE")
