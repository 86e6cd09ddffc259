"""The backend's test tables are created (and dropped) over the Data API by the schema editor, as the owner role."""

import pytest
from django.db import connections

from dataapi_emulator.control import EmulatorControl

from .models import Author, Book, Everything, Tree

MODELS = (Everything, Author, Book, Tree)
# extensions' types for fields Django does not map (trusted extensions: the owner may create them)
EXTENSIONS = ("ltree", "citext")


@pytest.fixture(scope="session", autouse=True)
def backend_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["dataapi"]
        with connection.schema_editor() as editor:
            for model in reversed(MODELS):
                editor.execute(f"DROP TABLE IF EXISTS {editor.quote_name(model._meta.db_table)} CASCADE")
            for extension in EXTENSIONS:
                editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
            for model in MODELS:
                editor.create_model(model)
        yield
        with connection.schema_editor() as editor:
            for model in reversed(MODELS):
                editor.delete_model(model)
            for extension in EXTENSIONS:
                editor.execute(f"DROP EXTENSION IF EXISTS {extension}")


@pytest.fixture
def dataapi(django_db_blocker):
    """The Data API connection (owner role) with its metrics reset."""
    connection = connections["dataapi"]
    connection.data_api_metrics.reset()
    return connection


@pytest.fixture
def emulator(settings):
    control = EmulatorControl(settings.DATABASES["dataapi"]["OPTIONS"]["endpoint_url"])
    defaults = control.config()
    control.clear_faults()
    yield control
    control.clear_faults()
    control.config(**defaults)


@pytest.fixture
def clean_tables(django_db_blocker):
    """For transactional tests: empty the backend's tables afterwards (pytest-django's flush covers the rest)."""
    yield
    with django_db_blocker.unblock(), connections["dataapi"].cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in MODELS) + " CASCADE")
