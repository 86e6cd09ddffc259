"""The timeout budget reaches the database: every tenant transaction runs under DATABASE_STATEMENT_TIMEOUT (set by
its one entering statement), so a long lock wait or a slow query ends as the API's retryable 503, well before the
Data API's read timeout, the app's request budget and API Gateway's 29 s."""

from django.conf import settings

from tenants.aliases import TENANT_ALIAS
from tests.support import A


def test_every_tenant_transaction_runs_under_the_statement_timeout(world, db_access):
    from django.db import connections, transaction

    from tenants.context import TenantContext, tenant_block

    with tenant_block(TenantContext(A, str(world.users["ann"].pk), "owner")):
        with connections[TENANT_ALIAS].cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == f"{int(settings.TENANT_STATEMENT_TIMEOUT)}s"
    # the token path sets it in its one statement too
    import hashlib

    digest = hashlib.sha256(world.tokens["ann@A"].encode()).hexdigest()
    with transaction.atomic(using=TENANT_ALIAS), connections[TENANT_ALIAS].cursor() as cursor:
        cursor.execute("SELECT * FROM app.enter_tenant_with_token(%s, %s, %s)", [digest, 1500, "UTC"])
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1500ms"


def test_a_statement_past_the_timeout_is_a_retryable_503(api, world, db_access, settings, monkeypatch):

    from django.db import connections

    from bookings.api import views

    settings.TENANT_STATEMENT_TIMEOUT = 0.3

    def slow(**kwargs):
        with connections[TENANT_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return []

    monkeypatch.setattr(views.BookingCollectionApi, "select", slow)
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.status_code == 503 and response.json()["extra"] == {"retryable": True}
