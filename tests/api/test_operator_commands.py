"""What an operator does to tenants, members and tokens (tenants/management/commands), as the API then answers it,
on both transports: a deactivated tenant keeps its data and refuses its members' tokens and JWTs with 403
`tenant_inactive` (an outsider still learns nothing); a revoked token is refused from the next request; the lists
never show a secret; members are added by their identity provider's id, one or many from the export's JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from bookings.models import Booking
from tenants.context import trusted_scope
from tenants.models import ApiToken, Membership, Tenant, hash_token
from tests.support import A, B

pytestmark = pytest.mark.usefixtures("db_access")


def command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def bookings(api, auth: dict):
    return api.get("/api/bookings/", **auth)


def test_a_deactivated_tenant_refuses_its_members_and_keeps_its_data(api, world):
    try:
        assert command("deactivate_tenant", B).strip() == f"tenant {B!r} deactivated"
        for auth in (world.token_auth("ben@B"), world.auth("ben", B)):
            refused = bookings(api, auth)
            assert refused.status_code == 403 and refused.json()["code"] == "tenant_inactive", refused.content
        # proving nothing about B still learns nothing about it
        outsider = bookings(api, world.auth("ann", B))
        assert outsider.status_code == 403 and outsider.json()["code"] == "tenant_access_denied"
        forged = bookings(api, {"HTTP_AUTHORIZATION": f"Token hsp_{B}.not-the-secret"})
        assert forged.status_code == 401
        assert bookings(api, world.token_auth("ann@A")).status_code == 200  # other tenants are served
        with trusted_scope():
            assert Booking.objects.filter(tenant_id=B).count() == len(world.bookings[B])
        listed = json.loads(command("list_tenants", "--json"))
        assert {t["id"]: t["active"] for t in listed}[B] is False
        assert "is deactivated already" in command("deactivate_tenant", B)
    finally:
        assert command("reactivate_tenant", B).strip() == f"tenant {B!r} active"
    served = bookings(api, world.token_auth("ben@B"))
    assert served.status_code == 200 and served.json()["count"] == len(world.bookings[B])


def test_an_unknown_tenant_is_a_command_error():
    with pytest.raises(CommandError, match="no tenant 'tenant-nobody-404'"):
        command("deactivate_tenant", "tenant-nobody-404")


def test_a_revoked_token_is_refused_and_listed_without_its_secret(api, world):
    with trusted_scope():
        issued, token = ApiToken.issue(tenant=Tenant.objects.get(id=A), user=world.users["ann"], name="to-revoke")
    try:
        auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
        assert bookings(api, auth).status_code == 200
        listed = command("list_tokens", "--tenant", A, "--json")
        rows = {row["id"]: row for row in json.loads(listed)}
        assert rows[issued.pk]["hint"] == issued.hint and rows[issued.pk]["revoked_at"] is None
        table = command("list_tokens", "--all")
        for secret in (token, token.split(".", 1)[1], hash_token(token)):
            assert secret not in listed + table
        assert command("revoke_token", str(issued.pk)).strip().endswith("revoked")
        refused = bookings(api, auth)
        assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"
        assert issued.pk not in {row["id"] for row in json.loads(command("list_tokens", "--json"))}
        everything = {row["id"]: row for row in json.loads(command("list_tokens", "--all", "--json"))}
        assert everything[issued.pk]["revoked_at"] is not None
        assert "was revoked already" in command("revoke_token", str(issued.pk))
    finally:
        with trusted_scope():
            ApiToken.objects.filter(pk=issued.pk).delete()


def test_members_by_their_identity_providers_id_one_or_many(world):
    export = json.dumps(
        [
            {"tenant_id": A, "external_id": "auth0|iso-export-1", "role": "viewer", "email": "one@alpha.example"},
            {"tenant_id": B, "external_id": "auth0|iso-export-2", "role": "manager"},
        ]
    )
    try:
        added = command("add_member", "--tenant", A, "--external-id", "auth0|iso-single", "--role", "staff")
        assert (
            "'auth0|iso-single' is now a member of 'tenant-alpha-001' as staff (external id auth0|iso-single)" in added
        )
        assert "2 membership(s) in 2 tenant(s)" in command("add_member", "--members", export)
        members = json.loads(command("list_members", "--tenant", A, "--json"))
        by_external = {m["external_id"]: m for m in members}
        assert by_external["auth0|iso-export-1"]["role"] == "viewer"
        assert by_external["auth0|iso-export-1"]["email"] == "one@alpha.example"
        assert by_external["auth0|iso-single"]["role"] == "staff"
        assert "auth0|iso-export-2" not in by_external  # B's member, listed under B only
        with pytest.raises(CommandError, match="entry 1: external_id"):
            command("add_member", "--members", json.dumps([{"tenant_id": A, "external_id": "", "role": "staff"}]))
        with pytest.raises(CommandError, match="no tenant tenant-unknown-404"):
            command("add_member", "--members", json.dumps([{"tenant_id": "tenant-unknown-404", "external_id": "x"}]))
        with pytest.raises(CommandError, match="give --tenant, --role and --user or --external-id"):
            command("add_member", "--tenant", A, "--role", "staff")
    finally:
        with trusted_scope():
            Membership.objects.filter(external_id__startswith="auth0|iso-").delete()
            get_user_model().objects.filter(username__startswith="auth0|iso-").delete()
