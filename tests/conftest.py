"""Shared fixtures. The test stack (`make test`) has already created, migrated and prepared the database as the
owner role, so pytest-django uses it as is (both aliases reach it, each as its own role)."""

import os

import pytest

# the tenant suites' fixtures (tests/isolation, tests/api, tests/seed): one session-wide world of two tenants
from tests.support import api, db_access, tenant_calls, world  # noqa: F401


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    """Use the database the test stack prepared instead of creating one: the app role may not create databases,
    and RLS must be exercised by the real roles (a TEST MIRROR would share default's role)."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connections[alias].ensure_connection()


def pytest_collection_modifyitems(config, items):
    """Deselect what the target cannot run: the emulator's control API against real Aurora (no DATA_API_ENDPOINT),
    and Data API fault tests on the direct-PostgreSQL run of the tenancy suite (USE_DATA_API=false)."""
    unavailable = set()
    if not os.environ.get("DATA_API_ENDPOINT"):
        unavailable.add("emulator_only")
    if os.environ.get("USE_DATA_API", "").lower() != "true":
        unavailable.add("data_api_only")
    deselected = [i for i in items if any(i.get_closest_marker(m) for m in unavailable)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if i not in deselected]
