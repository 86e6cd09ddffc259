"""Abuse limits for the tenant API (DRF throttles, counted in Django's cache):

- per caller (tenant + user, or the API token's prefix): API_RATE_PER_CALLER, 600/min by default;
- per client address: API_RATE_PER_ADDRESS, 1200/min by default;
- failed authentication, harder: after API_AUTH_FAILURES_PER_MINUTE failures (401, or a 403 for a tenant the caller
  may not enter) from one address, its requests are refused with 429 before any database call — so guessing tokens
  costs the attacker time and costs us no Data API calls.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from .client_address import client_address
from .conf import conf

FAILURE_WINDOW = 60


class TenantCallerThrottle(SimpleRateThrottle):
    scope = "tenant_caller"

    def get_cache_key(self, request, view):
        context = request.auth  # the TenantContext the authentication classes return
        if context is None or context.tenant_id is None:
            return None
        who = context.token_hash[:16] if context.token_hash else f"{context.tenant_id}:{context.user_id}"
        return self.cache_format % {"scope": self.scope, "ident": who}


class ClientAddressThrottle(SimpleRateThrottle):
    scope = "client_address"

    def get_ident(self, request):
        # DRF's own reads X-Forwarded-For from anyone: a rotating header would never be throttled
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _failure_key(ident: str) -> str:
    return f"throttle_auth_failures_{ident}_{int(time.time() // FAILURE_WINDOW)}"


def record_failure(request) -> None:
    """Count one failed authentication of this request's address (called by the API's exception handler)."""
    key = _failure_key(client_address(request))
    if cache.add(key, 1, FAILURE_WINDOW * 2) is False:
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, FAILURE_WINDOW * 2)


class FailedAuthenticationThrottle(ClientAddressThrottle):
    """Refuses an address that failed authentication too often in the current minute."""

    scope = "failed_authentication"

    def __init__(self):  # no rate string: the limit is API_AUTH_FAILURES_PER_MINUTE
        pass

    def allow_request(self, request, view):
        failures = cache.get(_failure_key(client_address(request)), 0)
        return failures < conf.API_AUTH_FAILURES_PER_MINUTE

    def wait(self):
        return FAILURE_WINDOW - time.time() % FAILURE_WINDOW
