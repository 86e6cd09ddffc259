"""Only superusers manage users, groups and permissions. A staff member scoped to one tenant and holding every auth
permission (and every other model permission) cannot make itself or anyone a superuser or staff, cannot grant
permissions or groups, cannot join a tenant outside its scope, and sees the users of its own tenants only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from bookings.models import Booking
from tenants.context import trusted_scope
from tenants.models import Membership, StaffTenant

from .conftest import PASSWORD, T1, T2, url

pytestmark = pytest.mark.usefixtures("committed")


@pytest.fixture(scope="module")
def powerful(world, django_db_blocker):
    """A staff member of T1 with every permission there is, and a user who belongs to T2 only."""
    with django_db_blocker.unblock(), trusted_scope():
        User = get_user_model()
        staff = User.objects.create_user("adm-powerful", password=PASSWORD, is_staff=True, email="p@t1.example")
        StaffTenant.objects.create(user=staff, tenant_id=T1)
        staff.user_permissions.set(Permission.objects.all())
        outsider = User.objects.create_user("adm-t2-only", password=PASSWORD, email="secret@t2.example")
        Membership.objects.create(user=outsider, tenant_id=T2, role="owner")
        group = Group.objects.create(name="adm-everything")
        group.permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(staff)
    yield client, staff, outsider, group
    with django_db_blocker.unblock(), trusted_scope():
        group.delete()


def reloaded(user):
    with trusted_scope():
        return get_user_model().objects.get(pk=user.pk)


def test_a_staff_member_cannot_make_itself_superuser(powerful):
    client, staff, _, group = powerful
    change = url("user", "change", staff.pk, app="auth")
    response = client.post(
        change,
        {
            "username": staff.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [group.pk],
            "user_permissions": [p.pk for p in Permission.objects.all()[:5]],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    after = reloaded(staff)
    assert not after.is_superuser and not after.groups.exists()
    # and the password form, the other way into a user's record
    assert client.get(url("user", "change", staff.pk, app="auth").replace("change/", "password/")).status_code == 403


def test_adding_users_and_managing_groups_is_for_superusers(powerful):
    client, _, _, group = powerful
    assert client.get(url("user", "add", app="auth")).status_code == 403
    client.post(url("user", "add", app="auth"), {"username": "adm-made", "password1": PASSWORD, "password2": PASSWORD})
    assert not get_user_model().objects.filter(username="adm-made").exists()
    for view in ("changelist", "add"):
        assert client.get(url("group", view, app="auth")).status_code == 403
    assert client.get(url("group", "change", group.pk, app="auth")).status_code == 403


def test_users_of_other_tenants_stay_unseen(powerful, world):
    client, _, outsider, _ = powerful
    listing = client.get(url("user", app="auth"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert world.users["member"].username in page  # a member of T1
    assert outsider.username not in page and "secret@t2.example" not in page
    assert world.users["root"].username not in page  # superusers belong to no tenant's list
    assert client.get(url("user", "change", outsider.pk, app="auth")).status_code == 404
    # the raw-id popup and the membership/token forms cannot name them either
    popup = client.get(url("user", app="auth") + "?_popup=1&_to_field=id").content.decode()
    assert outsider.username not in popup
    own_member = client.get(url("user", "change", world.users["member"].pk, app="auth"))
    assert own_member.status_code == 200 and 'name="is_superuser"' not in own_member.content.decode()


def test_a_staff_member_cannot_join_or_add_others_to_another_tenant(powerful, world):
    client, staff, outsider, _ = powerful
    add = url("membership", "add", app="tenants")
    for user, tenant in ((staff, T2), (staff, T1), (outsider, T1), (world.users["root"], T1)):
        client.post(add, {"user": user.pk, "tenant": tenant, "role": "owner"})
    with trusted_scope():
        assert not Membership.objects.filter(user__in=[staff, world.users["root"]]).exists()
        assert list(Membership.objects.filter(user=outsider).values_list("tenant_id", flat=True)) == [T2]
        assert not StaffTenant.objects.filter(user=staff, tenant_id=T2).exists()
    assert client.get(url("stafftenant", "add", app="tenants")).status_code == 403


def test_every_auth_permission_still_reaches_no_other_tenants_rows(powerful, world):
    client, *_ = powerful
    page = client.get(url("booking")).content.decode()
    with trusted_scope():
        theirs = Booking.objects.get(pk=world.bookings[T2].pk)
    assert theirs.guest_name not in page and world.bookings[T1].guest_name in page
    assert client.get(url("booking", "change", theirs.pk)).status_code == 404
