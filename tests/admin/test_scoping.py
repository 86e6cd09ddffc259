"""A staff member assigned one tenant sees, searches, filters, exports and edits that tenant's rows only, in every
admin view, including URLs typed by hand (another tenant's object → 404, like a missing one). The admin is the
trusted path (BYPASSRLS): this scoping is the admin's own, so it is tested as hard as the API's isolation."""

from __future__ import annotations

import pytest

from tenants.context import trusted_scope
from tenants.models import Membership

from .conftest import T1, T2, url

pytestmark = pytest.mark.usefixtures("committed")


def test_lists_show_only_the_assigned_tenant(world):
    staff = world.client("scoped")
    for model in ("booking", "entity"):
        page = staff.get(url(model)).content.decode()
        assert T1 in page and T2 not in page
    tenants = staff.get(url("tenant", app="tenants")).content.decode()
    assert T1 in tenants and T2 not in tenants


def test_search_and_filters_stay_inside_the_scope(world):
    staff = world.client("scoped")
    found = staff.get(url("booking") + f"?q={world.bookings[T2].guest_id}").content.decode()
    assert f"/{world.bookings[T2].pk}/change/" not in found and "0 bookings" in found
    page = staff.get(url("booking")).content.decode()
    assert f"?tenant={T1}" in page and f"?tenant={T2}" not in page  # the tenant filter offers T1 only
    forced = staff.get(url("booking") + f"?tenant={T2}").content.decode()
    assert f"Guest of {T2}" not in forced


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", ["booking", "entity"])
def test_another_tenants_object_is_a_404(world, model, view):
    obj = world.bookings[T2] if model == "booking" else world.hotels[T2]
    assert world.client("scoped").get(url(model, view, obj.pk)).status_code == 404
    assert world.client("root").get(url(model, view, obj.pk)).status_code == 200


def test_writes_to_another_tenants_object_are_refused(world):
    staff = world.client("scoped")
    booking = world.bookings[T2]
    assert staff.post(url("booking", "delete", booking.pk), {"post": "yes"}).status_code == 404
    assert staff.post(url("booking", "change", booking.pk), {"guest_name": "hijacked"}).status_code == 404
    with trusted_scope():
        booking.refresh_from_db()
    assert booking.guest_name == f"Guest of {T2}"


def test_adding_for_another_tenant_is_refused(world):
    staff = world.client("scoped")
    chooser = staff.get(url("booking", "add")).content.decode()
    assert T1 in chooser and T2 not in chooser
    assert staff.get(url("booking", "add") + f"?tenant={T2}").status_code == 403


def test_actions_only_touch_the_scope(world):
    staff = world.client("scoped")
    exported = staff.post(
        url("booking"),
        {"action": "export_csv", "_selected_action": [str(world.bookings[T1].pk), str(world.bookings[T2].pk)]},
    )
    assert str(world.bookings[T1].pk) in exported.content.decode()
    assert str(world.bookings[T2].pk) not in exported.content.decode()
    staff.post(url("booking"), {"action": "mark_confirmed", "_selected_action": [str(world.bookings[T2].pk)]})
    with trusted_scope():
        world.bookings[T2].refresh_from_db()
    assert world.bookings[T2].status != "confirmed"


def test_related_object_lookups_stay_inside_the_scope(world):
    staff = world.client("scoped")
    popup = staff.get(url("entity") + "?_popup=1&_to_field=id").content.decode()
    assert f"Hotel {T1}" in popup and f"Hotel {T2}" not in popup
    memberships = staff.get(url("membership", app="tenants")).content.decode()
    with trusted_scope():
        t2_member = Membership.objects.get(tenant_id=T2)
    assert f"/{t2_member.pk}/change/" not in memberships
    form = staff.get(url("apitoken", "add", app="tenants")).content.decode()
    assert f'value="{T1}"' in form and f'value="{T2}"' not in form
    # Django's autocomplete endpoint searches the related admin's (scoped) queryset
    found = staff.get(
        "/admin/autocomplete/?app_label=bookings&model_name=booking&field_name=property&term=Hotel"
    ).json()["results"]
    assert [r["text"] for r in found] == [f"Hotel {T1} (hotel)"]


def test_superuser_only_pages(world):
    staff = world.client("scoped")
    assert staff.get("/admin/admin/logentry/").status_code == 403
    assert staff.get("/admin/tenants/stafftenant/").status_code == 403
    assert world.client("root").get("/admin/admin/logentry/").status_code == 200


def test_non_staff_members_cannot_use_the_admin(world):
    assert world.client("member").get(url("booking")).status_code == 302  # to the login page
