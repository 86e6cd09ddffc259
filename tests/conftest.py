"""Shared fixtures. The test stack (`make test`) has already created, migrated and prepared the database as the
owner role, so pytest-django uses it as is (both aliases reach it, each as its own role)."""

import os

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    """Use the database the test stack prepared instead of creating one: the app role may not create databases,
    and RLS must be exercised by the real roles (a TEST MIRROR would share default's role)."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connections[alias].ensure_connection()


def pytest_collection_modifyitems(config, items):
    """Against real Aurora (no DATA_API_ENDPOINT) the emulator's control API does not exist: deselect those tests."""
    if os.environ.get("DATA_API_ENDPOINT"):
        return
    kept = [i for i in items if i.get_closest_marker("emulator_only") is None]
    deselected = [i for i in items if i.get_closest_marker("emulator_only") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
