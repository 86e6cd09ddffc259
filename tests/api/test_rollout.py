"""USE_DATA_API and DATA_API_ROLLOUT_PERCENTAGE: deterministic per-tenant bucketing, and requests that follow it."""

import logging
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured

from hospitality.config import database_config
from tenants.aliases import rollout_bucket, uses_data_api
from tests.support import A, B


def test_bucket_is_stable_per_tenant():
    assert [rollout_bucket("tenant-seaside-001") for _ in range(3)] == [rollout_bucket("tenant-seaside-001")] * 3
    assert rollout_bucket(A) == 47 and rollout_bucket(B) == 88  # the same in every process and release


@pytest.mark.parametrize("percentage", [0, 1, 10, 25, 50, 75, 99, 100])
def test_share_of_tenants_within_two_points(percentage):
    ids = [f"tenant-{uuid.UUID(int=i).hex[-12:]}" for i in range(10_000)]
    share = sum(uses_data_api(t, use_data_api=True, percentage=percentage) for t in ids) / 100
    assert abs(share - percentage) <= 2


def test_raising_the_percentage_only_moves_tenants_onto_the_data_api():
    ids = [f"tenant-{i:06d}" for i in range(2000)]
    before = {t for t in ids if uses_data_api(t, use_data_api=True, percentage=30)}
    after = {t for t in ids if uses_data_api(t, use_data_api=True, percentage=60)}
    assert before <= after


def test_use_data_api_false_wins():
    assert uses_data_api(A, use_data_api=False, percentage=100) is False


def test_partial_rollout_needs_the_pg_url():
    env = {
        "DATABASE_URL": "postgres://a:b@h:5432/db",
        "USE_DATA_API": "true",
        "DATA_API_ROLLOUT_PERCENTAGE": "50",
        "DB_CLUSTER_ARN": "arn:aws:rds:us-east-1:123456789012:cluster:c",
        "DATABASE_NAME": "db",
        "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf",
    }
    with pytest.raises(
        ImproperlyConfigured, match="TENANT_DATABASE_URL: is required when DATA_API_ROLLOUT_PERCENTAGE=50"
    ):
        database_config(env)
    config = database_config({**env, "TENANT_DATABASE_URL": "postgres://app:p@h:5432/db"})
    assert config.databases["tenant"]["ENGINE"] == "dataapi_backend"
    assert config.databases["tenant_pg"]["ENGINE"] == "django.db.backends.postgresql"


def test_requests_follow_the_bucket(api, world, settings):
    if not settings.USE_DATA_API:
        assert api.get("/api/whoami/", **world.auth("ann", A)).json()["transport"] == "pg"
        return
    settings.DATA_API_ROLLOUT_PERCENTAGE = 50  # A (bucket 47) on the Data API, B (bucket 88) on PostgreSQL
    assert api.get("/api/whoami/", **world.auth("ann", A)).json()["transport"] == "data-api"
    assert api.get("/api/whoami/", **world.auth("ben", B)).json()["transport"] == "pg"
    assert api.get("/api/whoami/", **world.token_auth("ben@B")).json()["transport"] == "pg"
    listing = api.get("/api/bookings/", **world.auth("ben", B)).json()
    assert {b["guest_name"] for b in listing["results"]} == {b.guest_name for b in world.bookings[B]}
    settings.DATA_API_ROLLOUT_PERCENTAGE = 0
    assert api.get("/api/whoami/", **world.auth("ann", A)).json()["transport"] == "pg"


@pytest.mark.usefixtures("db_access")
def test_each_request_says_which_transport_serves_it_as_the_seed_does(api, world, caplog):
    """The seed's `[DB] Using Data API` / `[DB] Using traditional pg`, once per tenant request, on the logger that
    DEBUG_DATA_API switches on (hospitality/settings.py)."""
    from django.conf import settings

    from tests.support import transport

    assert settings.LOGGING["loggers"]["tenants.transport"]["level"] == (
        "DEBUG" if settings.DEBUG_DATA_API else "WARNING"
    )
    with caplog.at_level(logging.DEBUG, logger="tenants.transport"):
        assert api.get("/api/bookings/", **world.auth()).status_code == 200
    said = [r.getMessage() for r in caplog.records if r.name == "tenants.transport"]
    assert said == ["[DB] Using " + ("Data API" if transport() == "data-api" else "traditional pg")]
