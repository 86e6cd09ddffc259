"""A staff member's day in the admin, and a developer trying the API from its docs page, in headless Chromium."""

from __future__ import annotations

import json
import re
import time

import pytest

from bookings.models import Booking, Entity
from tenants.context import trusted_scope
from tenants.models import Tenant

from .conftest import BIG, BIG_BOOKINGS, SHOTS, SMALL, login, shot

NEW_TENANT = "tenant-br-new-003"


def choose_tenant(page, server, model: str, tenant: str):
    page.goto(f"{server}/admin/bookings/{model}/add/")
    page.select_option("#id_tenant", tenant)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(rf".*/add/\?tenant={tenant}$"))


def test_staff_create_edit_and_delete_content(browser, server, data):
    page = login(browser, server, "br-root")
    shot(page, "01-admin-index", "All tenants")

    # a tenant
    page.goto(server + "/admin/tenants/tenant/add/")
    page.fill("#id_id", NEW_TENANT)
    page.fill("#id_name", "Browser Bay Hotels")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    shot(page, "02-tenant-added", "Select tenant to change")

    # a property and a room of it, each after choosing the tenant
    page.goto(server + "/admin/bookings/entity/add/")
    shot(page, "03-choose-tenant", "Add entity: tenant")
    choose_tenant(page, server, "entity", NEW_TENANT)
    page.select_option("#id_entity_type", "hotel")
    page.fill("#id_name", "Bay Hotel")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    choose_tenant(page, server, "entity", NEW_TENANT)
    page.select_option("#id_entity_type", "room")
    page.fill("#id_name", "Bay Room 12")
    parents = page.locator("#id_parent option").all_inner_texts()
    assert "Bay Hotel (hotel)" in parents and not any(SMALL in p or BIG in p for p in parents)
    page.select_option("#id_parent", label="Bay Hotel (hotel)")
    shot(page, "04-room-form", "Add entity")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    # a booking of that room
    choose_tenant(page, server, "booking", NEW_TENANT)
    page.select_option("#id_property", label="Bay Hotel (hotel)")
    page.select_option("#id_room", label="Bay Room 12 (room)")
    page.fill("#id_guest_id", "crm-2027")
    page.fill("#id_guest_name", "Browser Guest")
    page.fill("#id_check_in", "2027-05-01")
    page.fill("#id_check_out", "2027-05-04")
    page.fill("#id_total_amount", "540.00")
    shot(page, "05-booking-form", "Add booking")
    page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    with trusted_scope():
        booking = Booking.objects.select_related("room").get(tenant_id=NEW_TENANT, guest_id="crm-2027")
    assert booking.room.name == "Bay Room 12" and str(booking.total_amount) == "540.00"

    # edit it
    page.goto(f"{server}/admin/bookings/booking/{booking.pk}/change/")
    page.fill("#id_guest_name", "Browser Guest (edited)")
    page.select_option("#id_status", "confirmed")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    shot(page, "06-booking-changed", "Select booking to change")
    with trusted_scope():
        booking.refresh_from_db()
    assert (booking.guest_name, booking.status) == ("Browser Guest (edited)", "confirmed")

    # the room is still booked: deleting it says so, and nothing is deleted
    with trusted_scope():
        room = Entity.objects.get(tenant_id=NEW_TENANT, name="Bay Room 12")
    page.goto(f"{server}/admin/bookings/entity/{room.pk}/delete/")
    assert "protected related objects" in page.locator("#content").inner_text()
    shot(page, "07-delete-refused", "Cannot delete entity")

    # delete the booking, then the room goes
    page.goto(f"{server}/admin/bookings/booking/{booking.pk}/delete/")
    page.click("input[type=submit]")
    assert "was deleted successfully" in page.locator(".messagelist").inner_text()
    page.goto(f"{server}/admin/bookings/entity/{room.pk}/delete/")
    page.click("input[type=submit]")
    assert "was deleted successfully" in page.locator(".messagelist").inner_text()
    with trusted_scope():
        assert not Booking.objects.filter(pk=booking.pk).exists() and not Entity.objects.filter(pk=room.pk).exists()
        Entity.objects.filter(tenant_id=NEW_TENANT).delete()
        Tenant.objects.filter(id=NEW_TENANT).delete()
    page.context.close()


def test_a_cross_tenant_room_is_a_form_error_not_a_500(browser, server, data):
    page = login(browser, server, "br-root")
    choose_tenant(page, server, "booking", SMALL)
    rooms = page.locator("#id_room option").all_inner_texts()
    assert f"Room {SMALL} (room)" in rooms and f"Room {BIG} (room)" not in rooms
    # a tampered form: another tenant's room id slipped into the select
    foreign = str(data["rooms"][BIG].pk)
    page.evaluate(
        """id => { const s = document.querySelector('#id_room');
                             s.add(new Option('smuggled', id, true, true)); }""",
        foreign,
    )
    page.select_option("#id_property", label=f"Hotel {SMALL} (hotel)")
    page.fill("#id_guest_name", "Smuggler")
    page.fill("#id_check_in", "2027-06-01")
    page.fill("#id_check_out", "2027-06-02")
    response = None
    with page.expect_navigation() as navigation:
        page.click("input[name=_save]")
    response = navigation.value
    assert response.status == 200  # the form again, not a server error
    error = page.locator(".field-room .errorlist").inner_text()
    assert "Select a valid choice" in error
    shot(page, "08-cross-tenant-room-error", "Add booking")
    page.context.close()


def test_a_scoped_staff_member_sees_only_their_tenant(browser, server, data):
    page = login(browser, server, "br-scoped")
    page.goto(server + "/admin/bookings/booking/")
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert len(rows) == 3 and all(SMALL in r for r in rows)
    assert "Big Guest" not in page.locator("#content").inner_text()
    shot(page, "09-scoped-list", "Select booking to change")
    with trusted_scope():
        foreign = Booking.objects.filter(tenant_id=BIG).values_list("pk", flat=True).first()
    response = page.goto(f"{server}/admin/bookings/booking/{foreign}/change/")
    assert response.status == 404
    page.context.close()


def test_the_bookings_list_at_100000_rows(browser, server, data):
    page = login(browser, server, "br-root")
    timings = {}
    for label, path in [
        ("list", "/admin/bookings/booking/"),
        ("page 500", "/admin/bookings/booking/?p=500"),
        ("tenant + status filter", f"/admin/bookings/booking/?tenant={BIG}&status__exact=confirmed"),
        ("check-in range", "/admin/bookings/booking/?check_in__gte=2026-03-01&check_in__lte=2026-03-31"),
        ("search by guest", "/admin/bookings/booking/?q=big-4242"),
    ]:
        page.goto(server + path)  # warm: templates, the process's first queries
        started = time.perf_counter()
        response = page.goto(server + path)
        timings[label] = round((time.perf_counter() - started) * 1000, 1)
        assert response.status == 200
        if label == "list":
            paginator = page.locator("p.paginator").inner_text()
            # every tenant's bookings: this suite's 100,003, and any another suite writes beside it meanwhile
            listed = int(re.search(r"([\d,]+) bookings", paginator)[1].replace(",", ""))
            assert listed >= BIG_BOOKINGS + 3, paginator
            shot(page, "10-bookings-100k", "Select booking to change")
        if label == "tenant + status filter":
            assert "25000" in page.locator("p.paginator").inner_text().replace(",", "")
            assert set(page.locator("td.field-status").all_inner_texts()) == {"Confirmed"}
            shot(page, "11-bookings-filtered", "Select booking to change")
        if label == "check-in range":
            dates = page.locator("td.field-check_in").all_inner_texts()
            assert dates and all("2026" in d and "March" in d or "Mar" in d for d in dates)
        if label == "search by guest":
            found = page.locator("td.field-guest_id").all_inner_texts()
            assert "big-4242" in found and all(g.startswith("big-4242") for g in found)
    (SHOTS / "admin-list-timings.json").write_text(json.dumps({"bookings": BIG_BOOKINGS + 3, "ms": timings}))
    print(f"\n  admin bookings list at {BIG_BOOKINGS:,} rows (browser navigation, ms): {timings}")
    page.context.close()


def test_the_api_docs_try_it_out_with_an_api_token(browser, server, data):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(server + "/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    shot(page, "12-api-docs", "hospitality tenant API")
    page.click("button.authorize")
    scheme = page.locator(".auth-container", has_text="apiToken")
    scheme.locator("input").fill(f"Token {data['token']}")
    scheme.locator("button.authorize").click()
    page.click("button.btn-done")
    operation = page.locator(".opblock-get", has=page.locator('[data-path="/api/bookings/"]')).first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    body = operation.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()
    answer = json.loads(body.inner_text())
    assert answer["count"] == 3 and {b["guest_name"] for b in answer["results"]} == {
        f"Small Guest {i}" for i in range(3)
    }
    assert operation.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
    operation.scroll_into_view_if_needed()
    shot(page, "13-try-it-out", "hospitality tenant API")
    context.close()


@pytest.mark.parametrize("name", ["01-admin-index", "05-booking-form", "10-bookings-100k", "13-try-it-out"])
def test_screenshots_were_written(name):
    path = SHOTS / f"{name}.png"
    assert path.exists() and path.stat().st_size > 5_000
