"""Staff create, change and delete content for a tenant through the admin: the tenant comes first, every related
choice is that tenant's, mistakes are field errors (never a 500), references are reported before a delete, bulk
actions and new API tokens behave, and every change is in the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import IntegrityError, transaction

from bookings.models import Booking, Entity
from tenants.context import trusted_scope
from tenants.models import ApiToken, Tenant, hash_token
from tests.adopted import adopted_booking

from .conftest import T1, T2, url

pytestmark = pytest.mark.usefixtures("committed")


def booking_form(world, tenant, room=None, **overrides):
    form = {
        "property": str(world.hotels[tenant].pk),
        "room": str((room or world.rooms[tenant]).pk),
        "guest_id": "crm-1",
        "guest_name": "Form Guest",
        "guest_email": "",
        "check_in": "2027-03-01",
        "check_out": "2027-03-04",
        "party_size": "2",
        "status": "pending",
        "total_amount": "120.00",
        "metadata": "{}",
    }
    return {**form, **overrides}


def test_add_asks_for_the_tenant_first(world):
    root = world.client("root")
    chooser = root.get(url("booking", "add"))
    assert chooser.status_code == 200 and b"choose it first" in chooser.content
    assert T1.encode() in chooser.content and T2.encode() in chooser.content
    form = root.get(url("booking", "add") + f"?tenant={T1}")
    assert form.status_code == 200
    page = form.content.decode()
    assert f"Hotel {T1}" in page and f"Hotel {T2}" not in page  # related choices: this tenant's only


def test_add_entities_and_a_booking_through_the_forms(world):
    root = world.client("root")
    created = root.post(
        url("entity", "add") + f"?tenant={T1}",
        {
            "entity_type": "room",
            "name": "Form Room 7",
            "parent": str(world.hotels[T1].pk),
            "metadata": '{"beds": 2}',
            "is_active": "on",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    with trusted_scope():
        room = Entity.objects.get(name="Form Room 7")
    try:
        assert (room.tenant_id, room.parent_id, room.created_by) == (T1, world.hotels[T1].pk, "staff:adm-root")
        booked = root.post(url("booking", "add") + f"?tenant={T1}", booking_form(world, T1, room=room))
        assert booked.status_code == 302, booked.content.decode()[:2000]
        with trusted_scope():
            booking = Booking.objects.get(room=room)
        assert booking.tenant_id == T1 and booking.guest_id == "crm-1"
        assert LogEntry.objects.filter(
            object_id=str(booking.pk), action_flag=ADDITION, user=world.users["root"]
        ).exists()
    finally:
        with trusted_scope():
            Booking.objects.filter(room=room).delete()
            room.delete()


def test_a_room_of_another_tenant_is_a_field_error(world):
    response = world.client("root").post(
        url("booking", "add") + f"?tenant={T1}", booking_form(world, T1, room=world.rooms[T2])
    )
    assert response.status_code == 200  # the form again, with the error on the field
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["room"] and "Select a valid choice" in errors["room"][0]


def test_a_booking_whose_room_has_no_property_takes_a_status_change(world):
    """As adopted from the seed: a room without a parent and a booking without a guest name. Changing the status
    (the pair as it is) saves; giving it another pairing is still checked."""
    room, booking = adopted_booking(T1, world.hotels[T1], "Adopted Room")
    try:
        root = world.client("root")
        changed = root.post(
            url("booking", "change", booking.pk),
            booking_form(
                world,
                T1,
                room=room,
                guest_name="",
                guest_id="idp|adopted",
                status="confirmed",
                check_in="2027-05-01",
                check_out="2027-05-02",
            ),
        )
        assert changed.status_code == 302, changed.context["adminform"].form.errors
        with trusted_scope():
            booking.refresh_from_db()
        assert (booking.status, booking.guest_name) == ("confirmed", "")
        moved = root.post(
            url("booking", "change", booking.pk),
            booking_form(world, T1, room=world.rooms[T1], property=str(room.pk), guest_name=""),
        )
        assert moved.context["adminform"].form.errors == {"room": ["This room does not belong to the chosen property."]}
    finally:
        with trusted_scope():
            booking.delete()
            room.delete()


def test_a_room_of_another_property_is_a_field_error(world):
    with trusted_scope():
        other = Entity.objects.create(tenant_id=T1, entity_type="hotel", name="Other T1 Hotel", created_by="t")
    try:
        response = world.client("root").post(
            url("booking", "add") + f"?tenant={T1}", booking_form(world, T1, property=str(other.pk))
        )
        assert response.context["adminform"].form.errors == {
            "room": ["This room does not belong to the chosen property."]
        }
    finally:
        with trusted_scope():
            other.delete()


def test_the_composite_keys_refuse_what_the_form_would_have(world):
    with trusted_scope(), pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            tenant_id=T1,
            property=world.hotels[T1],
            room=world.rooms[T2],
            guest_id="x",
            check_in="2027-01-01",
            check_out="2027-01-02",
            created_by="bypass",
        )


def test_change_keeps_the_tenant_and_is_audited(world):
    booking = world.bookings[T1]
    root = world.client("root")
    response = root.post(
        url("booking", "change", booking.pk), booking_form(world, T1, guest_name="Renamed Guest", status="confirmed")
    )
    assert response.status_code == 302
    with trusted_scope():
        booking.refresh_from_db()
    assert (booking.guest_name, booking.status, booking.tenant_id) == ("Renamed Guest", "confirmed", T1)
    entry = LogEntry.objects.filter(object_id=str(booking.pk), action_flag=CHANGE).latest("action_time")
    assert entry.user == world.users["root"] and "Guest name" in entry.get_change_message()
    history = root.get(url("booking", "history", booking.pk))
    message = entry.get_change_message()
    assert history.status_code == 200 and message.encode() in history.content, message


def test_deleting_something_still_referenced_says_what_references_it(world):
    root = world.client("root")
    page = root.get(url("entity", "delete", world.hotels[T1].pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "would require deleting the following protected related objects" in text
    with trusted_scope():
        referencing = Booking.objects.get(pk=world.bookings[T1].pk)
    assert referencing.guest_name in text
    root.post(url("entity", "delete", world.hotels[T1].pk), {"post": "yes"})
    with trusted_scope():
        assert Entity.objects.filter(pk=world.hotels[T1].pk).exists()


def test_bulk_actions_change_and_audit_each_row(world):
    booking = world.bookings[T2]
    response = world.client("root").post(
        url("booking"), {"action": "mark_cancelled", "_selected_action": [str(booking.pk)]}
    )
    assert response.status_code == 302
    with trusted_scope():
        booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert LogEntry.objects.filter(object_id=str(booking.pk), change_message="status set to cancelled").exists()


def test_export_csv(world):
    response = world.client("root").post(
        url("booking"),
        {"action": "export_csv", "_selected_action": [str(world.bookings[T1].pk), str(world.bookings[T2].pk)]},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("id,tenant_id,created_at") and body.count("\n") == 3


def test_a_new_api_token_is_shown_once_and_never_moves(world):
    root = world.client("root")
    added = root.post(
        url("apitoken", "add", app="tenants"),
        {"name": "partner feed", "tenant": T1, "user": str(world.users["member"].pk)},
        follow=True,
    )
    shown = [str(m) for m in added.context["messages"]]
    token = next(m.split(": ")[-1] for m in shown if "shown once" in m)
    with trusted_scope():
        record = ApiToken.objects.get(name="partner feed")
    assert record.token_hash == hash_token(token) and token.startswith(record.hint)
    page = root.get(url("apitoken", "change", record.pk, app="tenants")).content.decode()
    assert token not in page and record.hint in page  # never shown again, only its prefix
    root.post(
        url("apitoken", "change", record.pk, app="tenants"),
        {"name": "partner feed", "tenant": T2, "user": str(world.users["root"].pk)},
    )
    with trusted_scope():
        record.refresh_from_db()
    assert (record.tenant_id, record.user_id) == (T1, world.users["member"].pk)


def test_a_token_for_a_non_member_is_a_field_error(world):
    response = world.client("root").post(
        url("apitoken", "add", app="tenants"), {"name": "stray", "tenant": T1, "user": str(world.users["scoped"].pk)}
    )
    assert response.context["adminform"].form.errors == {"user": ["This user is not a member of the tenant."]}


def test_add_a_tenant(world):
    response = world.client("root").post(
        url("tenant", "add", app="tenants"),
        {
            "id": "tenant-adm-new-003",
            "name": "New Tenant",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    with trusted_scope():
        assert Tenant.objects.filter(id="tenant-adm-new-003").exists()
    bad = world.client("root").post(
        url("tenant", "add", app="tenants"),
        {"id": "Not A Tenant Id", "name": "x", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )
    assert "id" in bad.context["adminform"].form.errors


def test_the_trusted_path_runs_over_the_configured_transport(settings):
    """The test stack runs this suite twice: over DATABASE_URL, then over the Data API (DB_ADMIN_SECRET_ARN)."""
    import os

    expected = "django.db.backends.postgresql" if os.environ.get("DATABASE_URL") else "dataapi_backend"
    assert settings.DATABASES["default"]["ENGINE"] == expected


def test_a_connection_closed_under_a_staff_write_is_never_a_success(world):
    """However it happens (here a receiver closes the trusted connection right after the save), the staff member is
    told nothing was saved (503), nothing was, and the next page is served."""
    from django.db import connections
    from django.db.models.signals import post_save

    from tenants.aliases import TRUSTED_ALIAS

    def close(sender, instance, **kwargs):
        connections[TRUSTED_ALIAS].close()

    post_save.connect(close, sender=Entity, weak=False)
    root = world.client("root")
    try:
        answer = root.post(
            url("entity", "add") + f"?tenant={T1}",
            {"entity_type": "hotel", "name": "Closed Under The Admin", "metadata": "{}", "is_active": "on"},
        )
    finally:
        post_save.disconnect(close, sender=Entity)
    assert answer.status_code == 503 and b"nothing was saved" in answer.content
    with trusted_scope():
        assert not Entity.objects.filter(name="Closed Under The Admin").exists()
    assert root.get(url("entity")).status_code == 200
