"""tenants/throttling.py: the per-caller rate and the failed-authentication throttle, counted per client address
(tenants/client_address.py), before any database call; a forged X-Forwarded-For moves nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tenants.throttling import ClientAddressThrottle, TenantCallerThrottle
from tests.support import A


@pytest.fixture
def low_limits(monkeypatch, settings):
    cache.clear()
    rates = {"tenant_caller": "5/min", "client_address": "1000/min"}
    monkeypatch.setattr(TenantCallerThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(ClientAddressThrottle, "THROTTLE_RATES", rates)
    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    yield
    cache.clear()


def test_a_caller_over_its_rate_gets_429(api, world, low_limits):
    codes = [api.get("/api/entities/", **world.auth()).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    limited = api.get("/api/entities/", **world.auth())
    assert limited.json()["code"] == "throttled" and int(limited.headers["Retry-After"]) > 0


def test_failed_authentication_is_throttled_before_any_database_call(api, world, low_limits, tenant_calls):
    for _ in range(3):
        wrong = api.get("/api/entities/", HTTP_AUTHORIZATION=f"Token hsp_{A}.not-the-secret")
        assert wrong.status_code == 401
    with tenant_calls() as calls:
        blocked = api.get("/api/entities/", **world.token_auth("ann@A"))  # even a good token, from this address
    assert blocked.status_code == 429 and calls.total in (None, 0)
    other_address = Client(REMOTE_ADDR="198.51.100.20").get("/api/entities/", **world.token_auth("ann@A"))
    assert other_address.status_code == 200


def test_a_rotating_forwarded_for_does_not_escape_the_failure_throttle(api, world, low_limits):
    """60 guesses, each claiming another address: the peer's address counts them all, so the 4th is refused."""
    codes = [
        api.get(
            "/api/entities/",
            HTTP_AUTHORIZATION=f"Token hsp_{A}.guess-{i}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(60)
    ]
    assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}


def test_a_forged_address_cannot_lock_another_one_out(api, world, low_limits):
    """Failures sent with X-Forwarded-For naming a victim count against the sender, not the victim."""
    for _ in range(5):
        api.get("/api/entities/", HTTP_AUTHORIZATION=f"Token hsp_{A}.x", HTTP_X_FORWARDED_FOR="198.51.100.99")
    victim = Client(REMOTE_ADDR="198.51.100.99").get("/api/entities/", **world.token_auth("ann@A"))
    assert victim.status_code == 200
