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


def test_login_records_are_superusers_alone_whatever_permissions_a_staff_member_holds(world):
    """django-axes' records (every login's address and user agent, every tenant's failed attempts) are site-wide:
    a scoped staff member given axes' own permissions still sees none of them."""
    from django.contrib.auth.models import Permission

    with trusted_scope():
        scoped = world.users["scoped"]
        granted = Permission.objects.filter(content_type__app_label="axes")
        scoped.user_permissions.add(*granted)
    try:
        staff, root = world.client("scoped"), world.client("root")
        for model in ("accessattempt", "accesslog", "accessfailurelog"):
            assert staff.get(f"/admin/axes/{model}/").status_code == 403
            assert root.get(f"/admin/axes/{model}/").status_code == 200
        assert "/admin/axes/" not in staff.get("/admin/").content.decode()
    finally:
        with trusted_scope():
            scoped.user_permissions.remove(*granted)


@pytest.mark.parametrize("debug", [False, True])
def test_the_view_on_site_redirect_tells_nothing(world, settings, debug):
    """`/admin/r/<content type>/<id>/` answers the same bare 404 for another tenant's booking, a missing one and a
    malformed id, under DEBUG too (Django's own says whether the row exists)."""
    from django.contrib.contenttypes.models import ContentType

    settings.DEBUG = debug
    with trusted_scope():
        booking_type = ContentType.objects.get(app_label="bookings", model="booking").pk
        theirs = world.bookings[T2].pk
    staff = world.client("scoped")
    paths = [
        f"/admin/r/{booking_type}/{theirs}/",
        f"/admin/r/{booking_type}/00000000-0000-0000-0000-000000000000/",
        f"/admin/r/{booking_type}/not-an-id/",
        f"/admin/r/999999/{theirs}/",
    ]
    # DEBUG's 404 page repeats the requested path (with and without its leading slash); apart from it, one answer
    answers = {
        (r.status_code, r.content.replace(path.encode(), b"<path>").replace(path[1:].encode(), b"<path>"))
        for path in paths
        for r in [staff.get(path)]
    }
    assert len(answers) == 1 and next(iter(answers))[0] == 404
