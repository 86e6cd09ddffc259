"""tenants.tenancy and tenants.middleware directly, with RequestFactory and plain views: one `request.tenancy` per
tenant API request, entered on the first query as that transaction's first statement, committed or rolled back by
the response, announced to observers; nothing for other paths."""

from __future__ import annotations

import json

import pytest
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from bookings.models import Entity
from tenants.aliases import alias_for
from tenants.context import TenantContext, trusted_scope
from tenants.exceptions import TenantContextMissing
from tenants.middleware import TenantTransactionMiddleware
from tenants.signals import tenant_request_finished
from tenants.tenancy import EnteredIdentity, Tenancy
from tests.support import A

pytestmark = pytest.mark.usefixtures("db_access")


def as_ann(world, request) -> TenantContext:
    """What DRF does after authentication: request.auth on the Django request."""
    request.auth = TenantContext(tenant_id=A, user_id=str(world.users["ann"].pk), role="owner")
    return request.auth


def run(view, path="/api/things/", method="get"):
    request = getattr(RequestFactory(), method)(path)
    seen = {}

    def receiver(sender, *, request, status, latency_ms, **kwargs):
        seen.update(status=status, latency_ms=latency_ms, request=request)

    tenant_request_finished.connect(receiver)
    try:
        response = TenantTransactionMiddleware(view)(request)
    finally:
        tenant_request_finished.disconnect(receiver)
    return request, response, seen


def named(name: str) -> list[str]:
    with trusted_scope():
        return list(Entity.objects.filter(tenant_id=A, name=name).values_list("name", flat=True))


def test_other_paths_get_no_tenancy_and_no_signal():
    request, response, seen = run(lambda r: HttpResponse("ok"), path="/health")
    assert response.status_code == 200 and not hasattr(request, "tenancy") and seen == {}


def test_a_request_that_never_queries_opens_no_transaction(world):
    def view(request):
        as_ann(world, request)
        assert request.tenancy.entered is None
        return JsonResponse({})

    request, response, seen = run(view)
    assert isinstance(request.tenancy, Tenancy) and request.tenancy.entered is None
    assert not connections[request.tenancy.alias].in_atomic_block
    assert seen["status"] == 200 and seen["request"] is request and seen["latency_ms"] >= 0


def test_the_first_query_enters_the_tenant_and_success_commits(world):
    def view(request):
        as_ann(world, request)
        Entity.objects.create(tenant_id=A, entity_type="venue", name="Tenancy Committed", created_by="t")
        return JsonResponse({}, status=201)

    try:
        request, response, _ = run(view, method="post")
        assert request.tenancy.entered == EnteredIdentity(A, str(world.users["ann"].pk), "owner")
        assert request.tenancy.alias == alias_for(A)
        assert named("Tenancy Committed") == ["Tenancy Committed"]
    finally:
        with trusted_scope():
            Entity.objects.filter(tenant_id=A, name="Tenancy Committed").delete()


def test_a_client_error_rolls_the_write_back(world):
    def view(request):
        as_ann(world, request)
        Entity.objects.create(tenant_id=A, entity_type="venue", name="Tenancy Rolled Back", created_by="t")
        return JsonResponse({"message": "no", "code": "invalid", "extra": {}}, status=400)

    _, response, seen = run(view, method="post")
    assert response.status_code == 400 and seen["status"] == 400
    assert named("Tenancy Rolled Back") == []


def test_ensure_entered_enters_once_before_any_query(world):
    def view(request):
        as_ann(world, request)
        first = request.tenancy.ensure_entered()
        assert request.tenancy.ensure_entered() is first  # no second enter
        return JsonResponse({"tenant": first.tenant_id, "rows": Entity.objects.count()})

    _, response, _ = run(view)
    assert response.status_code == 200 and json.loads(response.content)["tenant"] == A


def test_a_query_without_tenant_credentials_fails_closed(world):
    def view(request):
        with pytest.raises(TenantContextMissing):
            Entity.objects.count()
        return JsonResponse({})

    request, response, _ = run(view)
    assert response.status_code == 200 and request.tenancy.entered is None


def test_an_unhandled_error_is_the_api_shape_not_html(world):
    def view(request):
        return HttpResponse("<h1>Server Error</h1>", status=500, content_type="text/html")

    _, response, seen = run(view)
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
    assert seen["status"] == 500
