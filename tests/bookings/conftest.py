"""Two tenants of their own, committed through the trusted path; tests run as one of them inside tenant_block()
(one transaction on the tenant alias whose first statement enters the tenant), so RLS applies as in a request."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from bookings.models import Booking, Entity, TenantRelationship
from tenants.context import TenantContext, tenant_block, trusted_scope
from tenants.models import Membership, Tenant

MINE, OTHER = "tenant-domain-001", "tenant-domain-002"


@dataclasses.dataclass
class Domain:
    user_id: str

    def as_tenant(self, tenant_id: str = MINE):
        return tenant_block(TenantContext(tenant_id=tenant_id, user_id=self.user_id, role="owner"))


def _cleanup() -> None:
    for model in (TenantRelationship, Booking, Entity):
        model.objects.filter(tenant_id__in=[MINE, OTHER]).delete()
    Tenant.objects.filter(id__in=[MINE, OTHER]).delete()
    get_user_model().objects.filter(username="domain-owner").delete()


@pytest.fixture
def domain(django_db_blocker):
    with django_db_blocker.unblock():
        with trusted_scope():
            _cleanup()
            user = get_user_model().objects.create_user("domain-owner")
            for tenant_id in (MINE, OTHER):
                Membership.objects.create(
                    user=user, tenant=Tenant.objects.create(id=tenant_id, name=tenant_id), role="owner"
                )
        yield Domain(str(user.pk))
        with trusted_scope():
            _cleanup()
        for connection in connections.all():
            connection.close()
