"""Member roles, enforced twice: by the API's permissions (403 with the error shape) and by the database's write
policies (a view that forgot the check still cannot let a viewer write). Who may write what (docs/security.md, "Roles"):
owner and manager everything; staff bookings only; viewer nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from bookings.models import Booking, Entity, TenantRelationship
from tenants.context import TenantContext, tenant_block, trusted_scope
from tenants.models import ApiToken, Membership, Tenant
from tests.support import PASSWORD, A, sql, sqlstate_of

ROLES = ("owner", "manager", "staff", "viewer")
WRITES = {
    "entities": {"owner", "manager"},
    "relationships": {"owner", "manager"},
    "bookings": {"owner", "manager", "staff"},
}


@pytest.fixture(scope="module")
def members(world, django_db_blocker):
    """One member of tenant A per role (the world's ann is the owner)."""
    with django_db_blocker.unblock(), trusted_scope():
        users = {"owner": world.users["ann"]}
        for role in ("manager", "staff", "viewer"):
            users[role] = get_user_model().objects.create_user(f"iso-role-{role}", password=PASSWORD)
            Membership.objects.create(user=users[role], tenant_id=A, role=role)
        _, token = ApiToken.issue(tenant=Tenant.objects.get(id=A), user=users["viewer"], name="viewer token")
    yield users, token
    with django_db_blocker.unblock(), trusted_scope():
        get_user_model().objects.filter(username__in=[f"iso-role-{r}" for r in ("manager", "staff", "viewer")]).delete()


def payload(world, endpoint: str, suffix: str) -> dict:
    hotel = str(world.entities[A].pk)
    return {
        "entities": {"name": f"Role Venue {suffix}", "entity_type": "venue"},
        "bookings": {
            "property": hotel,
            "room": hotel,
            "guest_name": f"Role Guest {suffix}",
            "check_in": "2027-09-01",
            "check_out": "2027-09-02",
        },
        "relationships": {"entity": hotel, "external_id": f"role-{suffix}", "relationship_type": "partner"},
    }[endpoint]


def existing(world, endpoint: str):
    with trusted_scope():
        return {
            "entities": world.entities[A],
            "bookings": world.bookings[A][0],
            "relationships": TenantRelationship.objects.filter(tenant_id=A).first(),
        }[endpoint]


@pytest.mark.parametrize("endpoint", sorted(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_role_by_method_by_endpoint(api, world, members, role, endpoint):
    users, _ = members
    auth = {"HTTP_AUTHORIZATION": f"Bearer {jwt_for(world, users[role], role)}"}
    may_write = role in WRITES[endpoint]
    url = f"/api/{endpoint}/"

    assert api.get(url, **auth).status_code == 200  # every member reads

    created = api.post(url, payload(world, endpoint, role), content_type="application/json", **auth)
    target = existing(world, endpoint)
    if may_write:
        assert created.status_code == 201, created.json()
        item = f"{url}{created.json()['id']}/"
        assert api.patch(item, {}, content_type="application/json", **auth).status_code == 200
        assert api.delete(item, **auth).status_code == 204
    else:
        assert created.status_code == 403
        assert created.json() == {
            "message": "Your role in this tenant may not change this data.",
            "code": "role_not_allowed",
            "extra": {},
        }
        item = f"{url}{target.pk}/"
        assert api.patch(item, {}, content_type="application/json", **auth).status_code == 403
        assert api.delete(item, **auth).status_code == 403
        with trusted_scope():
            assert type(target).objects.filter(pk=target.pk).exists()


def jwt_for(world, user, role):
    import time

    import jwt
    from django.conf import settings

    now = int(time.time())
    return jwt.encode(
        {
            "tenantId": A,
            "userId": str(user.pk),
            "role": role,
            "iss": settings.TENANT_JWT_ISSUER,
            "aud": settings.TENANT_JWT_AUDIENCE,
            "iat": now,
            "exp": now + 300,
        },
        settings.TENANT_JWT_SECRET,
        algorithm="HS256",
    )


def test_a_viewers_api_token_reads_but_never_writes(api, world, members):
    _, token = members
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert api.get("/api/bookings/", **auth).status_code == 200
    response = api.post("/api/bookings/", payload(world, "bookings", "token"), content_type="application/json", **auth)
    assert response.status_code == 403 and response.json()["code"] == "role_not_allowed"


def test_the_database_refuses_a_viewers_writes_even_past_the_api(world, members, db_access):
    users, _ = members
    viewer = TenantContext(A, str(users["viewer"].pk), "viewer")

    def insert():
        with tenant_block(viewer):
            sql("INSERT INTO entities (tenant_id, entity_type, name, created_by) VALUES (%s, 'venue', 'v', 'v')", [A])

    assert sqlstate_of(insert) == "42501"
    with tenant_block(viewer):
        assert sql("UPDATE bookings SET guest_name = 'viewer was here'") == 0
        assert sql("DELETE FROM bookings") == 0
        assert sql("SELECT count(*) FROM bookings") == [(3,)]  # and reads as usual
    staff = TenantContext(A, str(users["staff"].pk), "staff")

    def staff_entity():
        with tenant_block(staff):
            sql("INSERT INTO entities (tenant_id, entity_type, name, created_by) VALUES (%s, 'venue', 's', 's')", [A])

    assert sqlstate_of(staff_entity) == "42501"
    with tenant_block(staff):
        assert sql("UPDATE bookings SET party_size = party_size WHERE tenant_id = %s", [A]) == 3
    with trusted_scope():
        assert not Entity.objects.filter(name__in=["v", "s"]).exists()
        assert not Booking.objects.filter(guest_name="viewer was here").exists()
