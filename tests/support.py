"""What the tenant suites share (tests/isolation: the threat suite; tests/api; tests/seed): two tenants, their users,
tokens, entities and bookings, reached through the real stack: Django's test client → middleware → DRF → the
tenant alias (dataapi_backend → emulator → PostgreSQL, or psycopg with USE_DATA_API=false) → RLS.

Rows must be committed to be seen across aliases and roles, so this suite does not wrap tests in transactions:
a session fixture commits two tenants' data through the trusted path, and tests that write clean up after
themselves."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import os
import time
from decimal import Decimal

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connections
from django.test import Client

from bookings.models import Booking, Entity, TenantRelationship
from dataapi_emulator.control import EmulatorControl
from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContext, tenant_block, trusted_scope
from tenants.models import ApiToken, Membership, Tenant

A, B = "tenant-alpha-001", "tenant-beta-002"
PASSWORD = "correct-horse-battery-staple-42"


@dataclasses.dataclass
class World:
    users: dict
    tokens: dict
    entities: dict
    bookings: dict

    def jwt(self, user: str, tenant: str, role: str | None = None, **overrides) -> str:
        now = int(time.time())
        claims = {
            "tenantId": tenant,
            "userId": str(self.users[user].pk),
            "role": role or "owner",
            "iss": settings.TENANT_JWT_ISSUER,
            "aud": settings.TENANT_JWT_AUDIENCE,
            "iat": now,
            "exp": now + 600,
            **overrides,
        }
        return jwt.encode(claims, settings.TENANT_JWT_SECRET, algorithm="HS256")

    def auth(self, user: str = "ann", tenant: str = A, **claims) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.jwt(user, tenant, **claims)}"}

    def token_auth(self, key: str) -> dict:
        return {"HTTP_AUTHORIZATION": f"Token {self.tokens[key]}"}


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), trusted_scope():
        _cleanup()
        User = get_user_model()
        users = {name: User.objects.create_user(f"iso-{name}", password=PASSWORD) for name in ("ann", "ben", "cid")}
        users["staff"] = User.objects.create_user("iso-staff", password=PASSWORD, is_staff=True, is_superuser=True)
        for tenant_id in (A, B):
            Tenant.objects.create(id=tenant_id, name=tenant_id)
        Membership.objects.create(user=users["ann"], tenant_id=A, role="owner")
        Membership.objects.create(user=users["ben"], tenant_id=B, role="owner")
        tokens = {}
        for key, user, tenant in (("ann@A", "ann", A), ("ben@B", "ben", B)):
            _, tokens[key] = ApiToken.issue(tenant=Tenant.objects.get(id=tenant), user=users[user], name="iso")
        entities, bookings = {}, {}
        for tenant_id, prefix in ((A, "Alpha"), (B, "Beta")):
            hotel = Entity.objects.create(
                tenant_id=tenant_id, entity_type="hotel", name=f"{prefix} Hotel", created_by="fixture"
            )
            entities[tenant_id] = hotel
            bookings[tenant_id] = [
                Booking.objects.create(
                    tenant_id=tenant_id,
                    property=hotel,
                    room=hotel,
                    guest_id=f"{prefix}-g{i}",
                    guest_name=f"{prefix} Guest {i}",
                    guest_email=f"g{i}@{prefix.lower()}.example",
                    check_in=dt.date(2026, 1, 1 + i),
                    check_out=dt.date(2026, 1, 3 + i),
                    total_amount=Decimal("100.00"),
                    created_by="fixture",
                )
                for i in range(3)
            ]
            TenantRelationship.objects.create(
                tenant_id=tenant_id,
                entity=hotel,
                external_id=f"{prefix}-ext",
                relationship_type="channel",
                created_by="fixture",
            )
    yield World(users, tokens, entities, bookings)
    with django_db_blocker.unblock(), trusted_scope():
        _cleanup()


def _cleanup():
    TenantRelationship.objects.filter(tenant_id__in=[A, B]).delete()
    Booking.objects.filter(tenant_id__in=[A, B]).delete()
    Entity.objects.filter(tenant_id__in=[A, B]).delete()
    Tenant.objects.filter(id__in=[A, B]).delete()
    get_user_model().objects.filter(username__startswith="iso-").delete()


@pytest.fixture
def db_access(django_db_blocker):
    """Database access without pytest-django's per-test transaction (rows must be committed to cross roles)."""
    with django_db_blocker.unblock():
        yield
        for connection in connections.all():
            connection.close()


@pytest.fixture
def api(world, db_access):
    return Client()


@pytest.fixture
def tenant_calls(db_access):
    """Data API calls made by the tenant alias during the block (None on the direct PostgreSQL path). The process's
    once-only call (learning the database's time zone, on the first transaction of a process) is made first, so
    that counts are the same whichever test runs first."""
    connection = connections[TENANT_ALIAS]
    connection.ensure_connection()
    if hasattr(connection.connection, "learn_zone_to_set"):
        connection.connection.learn_zone_to_set()

    class Counter:
        def __enter__(self):
            self.metrics = getattr(connection, "data_api_metrics", None)
            self.before = self.metrics.snapshot()["calls"] if self.metrics else None
            return self

        def __exit__(self, *exc):
            if self.metrics:
                after = self.metrics.snapshot()["calls"]
                self.calls = {k: after.get(k, 0) - self.before.get(k, 0) for k in after}
                self.calls = {k: v for k, v in self.calls.items() if v}
                self.total = sum(self.calls.values())
            else:
                self.calls = self.total = None

    return Counter


def tenant_emulator() -> EmulatorControl:
    """The control API of the emulator that serves the tenant alias (runs over the Data API only)."""
    return EmulatorControl(settings.DATABASES[TENANT_ALIAS]["OPTIONS"]["endpoint_url"])


def transport() -> str:
    return "data-api" if settings.USE_DATA_API else "pg"


def raw_tenant_sql(sql: str, params=()):
    """A statement on the tenant alias (the app role) with no tenant context, in its own transaction."""
    from django.db import transaction

    alias = TENANT_ALIAS
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall() if cursor.description else cursor.rowcount


# -- SQL helpers of the isolation tests --------------------------------------------------------------------------
def as_tenant(world, tenant, user):
    return tenant_block(TenantContext(tenant, str(world.users[user].pk), "owner"))


def sql(statement, params=()):
    with connections[TENANT_ALIAS].cursor() as cursor:
        cursor.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else cursor.rowcount


def sqlstate_of(fn) -> str:
    with pytest.raises(DatabaseError) as excinfo:
        fn()
    return excinfo.value.__cause__.sqlstate


def owner_sql(statement):
    """DDL as the owner role (the migrations' role), through the trusted path's server."""
    import psycopg

    with psycopg.connect(
        os.environ["OWNER_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(statement)


def side_by_side(launches: dict) -> dict:
    """Each launch (a fresh process: a cold start's test) started at once, two at a time per core: key → what it
    returned. The processes share nothing but the database, so the suite waits for the slowest, not the sum."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(launch) for key, launch in launches.items()}
    return {key: future.result() for key, future in futures.items()}


def app_role_as_bootstrapped() -> list[str]:
    """Statements leaving the app role as the bootstrap does: no role-level setting but its statement budget (so
    that cleanups after a test's `ALTER ROLE ... SET` do not take the budget away from the tests after it)."""
    from tenants import rls

    return [
        f"ALTER ROLE {rls.APP_ROLE} RESET ALL",
        *(f"ALTER ROLE {rls.APP_ROLE} SET {name} = '{value}'" for name, value in rls.app_role_defaults().items()),
    ]
