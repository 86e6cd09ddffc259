"""The seed's callers keep working: JWTs whose `userId` is the identity provider's text id, headers with text user
ids, and JWTs without iss/aud where the operator opted out. The membership check stays in the one
app.enter_tenant call; the session variables keep the seed's names and meanings."""

import time

import jwt
import pytest
from django.conf import settings

from tenants.context import trusted_scope
from tenants.models import Membership
from tests.support import A, B

ANN_EXTERNAL = "auth0|ann-5f7c1e"
BEN_EXTERNAL = "auth0|ben-9a2b"
WHOAMI = "/api/whoami/"


@pytest.fixture
def external_ids(world, db_access, settings):
    settings.TENANT_EXTERNAL_IDENTITIES = True
    with trusted_scope():
        Membership.objects.filter(user=world.users["ann"], tenant_id=A).update(external_id=ANN_EXTERNAL)
        Membership.objects.filter(user=world.users["ben"], tenant_id=B).update(external_id=BEN_EXTERNAL)
    yield
    with trusted_scope():
        Membership.objects.filter(external_id__in=[ANN_EXTERNAL, BEN_EXTERNAL]).update(external_id=None)


def seed_jwt(user_id: str, tenant: str, role: str = "owner", **claims) -> str:
    """As the seed's identity layer signs them (jsonwebtoken: iat added, no iss/aud unless configured)."""
    now = int(time.time())
    body = {"tenantId": tenant, "userId": user_id, "role": role, "iat": now, "exp": now + 300, **claims}
    return jwt.encode(body, settings.TENANT_JWT_SECRET, algorithm="HS256")


def pinned(user_id: str, tenant: str, **claims) -> str:
    return seed_jwt(user_id, tenant, iss=settings.TENANT_JWT_ISSUER, aud=settings.TENANT_JWT_AUDIENCE, **claims)


def test_seed_jwt_with_an_external_user_id_enters_the_tenant(api, external_ids):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {pinned(ANN_EXTERNAL, A)}")
    assert response.status_code == 200, response.json()
    body = response.json()
    # the seed's variables with the seed's meanings: app.current_user_id is the identity provider's id
    assert (body["tenant_id"], body["user_id"], body["role"]) == (A, ANN_EXTERNAL, "owner")
    bookings = api.get("/api/bookings/", HTTP_AUTHORIZATION=f"Bearer {pinned(ANN_EXTERNAL, A)}")
    assert {b["guest_name"] for b in bookings.json()["results"]} == {f"Alpha Guest {i}" for i in range(3)}


def test_writes_record_the_external_id_as_creator(api, external_ids):
    from bookings.models import Entity

    response = api.post(
        "/api/entities/",
        {"name": "Seed Caller Venue", "entity_type": "venue"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {pinned(ANN_EXTERNAL, A)}",
    )
    assert response.status_code == 201 and response.json()["created_by"] == ANN_EXTERNAL
    with trusted_scope():
        Entity.objects.filter(pk=response.json()["id"]).delete()


@pytest.mark.parametrize(
    "user_id, tenant, role",
    [
        (BEN_EXTERNAL, A, "owner"),  # a member of another tenant
        (ANN_EXTERNAL, B, "owner"),  # another tenant
        ("auth0|nobody", A, "owner"),  # nobody
        (ANN_EXTERNAL, A, "viewer"),  # a role the membership does not have
    ],
)
def test_external_ids_are_checked_against_memberships(api, external_ids, user_id, tenant, role):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {pinned(user_id, tenant, role=role)}")
    assert response.status_code == 403 and response.json()["code"] == "tenant_access_denied"


def test_a_django_user_id_is_not_an_external_id(api, world, external_ids):
    """With external identities on, "42" is looked up as an external id, never as Django user 42."""
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {pinned(str(world.users['ann'].pk), A)}")
    assert response.status_code == 403


def test_external_ids_are_refused_when_not_configured(api, world):
    response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {pinned(ANN_EXTERNAL, A)}")
    assert response.status_code == 401


@pytest.mark.parametrize("user_id", ["auth0|has space", "x" * 201, "tab\tinside", ""])
def test_malformed_external_ids_are_401_before_any_query(api, external_ids, user_id, tenant_calls):
    with tenant_calls() as calls:
        response = api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {pinned(user_id, A)}")
    assert response.status_code == 401 and calls.total in (None, 0)


def test_upstream_headers_with_text_user_ids(api, external_ids, settings):
    settings.TRUST_UPSTREAM_TENANT_HEADERS = True
    response = api.get(WHOAMI, HTTP_X_TENANT_ID=A, HTTP_X_USER_ID=ANN_EXTERNAL)
    assert response.status_code == 200 and response.json()["user_id"] == ANN_EXTERNAL
    assert api.get(WHOAMI, HTTP_X_TENANT_ID=B, HTTP_X_USER_ID=ANN_EXTERNAL).status_code == 403


def test_iss_and_aud_stay_pinned_unless_the_operator_opts_out(api, external_ids, settings):
    bare = f"Bearer {seed_jwt(ANN_EXTERNAL, A)}"  # no iss, no aud
    assert api.get(WHOAMI, HTTP_AUTHORIZATION=bare).status_code == 401
    settings.TENANT_JWT_ISSUER = settings.TENANT_JWT_AUDIENCE = ""
    assert api.get(WHOAMI, HTTP_AUTHORIZATION=bare).status_code == 200
    # exp stays required whatever the operator chose
    now = int(time.time())
    no_exp = jwt.encode(
        {"tenantId": A, "userId": ANN_EXTERNAL, "role": "owner", "iat": now},
        settings.TENANT_JWT_SECRET,
        algorithm="HS256",
    )
    assert api.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {no_exp}").status_code == 401
