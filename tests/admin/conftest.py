"""The staff admin through Django's test client on the trusted path, whichever transport `default` uses (the test
stack runs this suite over DATABASE_URL and again over the Data API with DB_ADMIN_SECRET_ARN). Rows are committed
(no test transaction: the admin's trusted scope and the audit log write through `default`) and removed after."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connections
from django.test import Client

from bookings.models import Booking, Entity, TenantRelationship
from tenants.context import trusted_scope
from tenants.models import ApiToken, Membership, StaffTenant, Tenant

T1, T2 = "tenant-adm-one-001", "tenant-adm-two-002"
PASSWORD = "staff-password-for-the-admin-suite-42"


@dataclasses.dataclass
class Admin:
    users: dict
    hotels: dict
    rooms: dict
    bookings: dict

    def client(self, who: str) -> Client:
        client = Client()
        client.force_login(self.users[who])
        return client


def _cleanup():
    with trusted_scope():
        Booking.objects.filter(tenant_id__in=[T1, T2]).delete()
        TenantRelationship.objects.filter(tenant_id__in=[T1, T2]).delete()
        Entity.objects.filter(tenant_id__in=[T1, T2], parent__isnull=False).delete()
        Entity.objects.filter(tenant_id__in=[T1, T2]).delete()
        ApiToken.objects.filter(tenant_id__in=[T1, T2]).delete()
        Tenant.objects.filter(id__in=[T1, T2]).delete()
        Tenant.objects.filter(id__startswith="tenant-adm-new").delete()
        LogEntry.objects.filter(user__username__startswith="adm-").delete()
        get_user_model().objects.filter(username__startswith="adm-").delete()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _cleanup()
        with trusted_scope():
            User = get_user_model()
            users = {
                "root": User.objects.create_user("adm-root", password=PASSWORD, is_staff=True, is_superuser=True),
                "scoped": User.objects.create_user("adm-scoped", password=PASSWORD, is_staff=True),
                "member": User.objects.create_user("adm-member", password=PASSWORD),
            }
            hotels, rooms, bookings = {}, {}, {}
            for tenant_id in (T1, T2):
                Tenant.objects.create(id=tenant_id, name=f"Admin {tenant_id}")
                Membership.objects.create(user=users["member"], tenant_id=tenant_id, role="owner")
                hotel = Entity.objects.create(
                    tenant_id=tenant_id, entity_type="hotel", name=f"Hotel {tenant_id}", created_by="fixture"
                )
                room = Entity.objects.create(
                    tenant_id=tenant_id,
                    entity_type="room",
                    name=f"Room {tenant_id}",
                    parent=hotel,
                    created_by="fixture",
                )
                hotels[tenant_id], rooms[tenant_id] = hotel, room
                bookings[tenant_id] = Booking.objects.create(
                    tenant_id=tenant_id,
                    property=hotel,
                    room=room,
                    guest_id=f"g-{tenant_id}",
                    guest_name=f"Guest of {tenant_id}",
                    check_in=dt.date(2027, 1, 10),
                    check_out=dt.date(2027, 1, 12),
                    total_amount=Decimal("300.00"),
                    created_by="fixture",
                )
            StaffTenant.objects.create(user=users["scoped"], tenant_id=T1)
            # the scoped staff member's model permissions: everything on the domain, view on tenancy
            codenames = [
                f"{action}_{model}"
                for model in ("entity", "booking", "tenantrelationship", "apitoken", "membership")
                for action in ("view", "add", "change", "delete")
            ]
            users["scoped"].user_permissions.set(Permission.objects.filter(codename__in=[*codenames, "view_tenant"]))
        yield Admin(users, hotels, rooms, bookings)
        for connection in connections.all():
            connection.close()
        _cleanup()


@pytest.fixture
def committed(django_db_blocker):
    """Database access without a test transaction (what the admin writes must be committed and visible)."""
    with django_db_blocker.unblock():
        yield


def url(model: str, view: str = "changelist", pk=None, app: str = "bookings") -> str:
    base = f"/admin/{app}/{model}/"
    return {
        "changelist": base,
        "add": base + "add/",
        "change": f"{base}{pk}/change/",
        "delete": f"{base}{pk}/delete/",
        "history": f"{base}{pk}/history/",
    }[view]
