"""The staff admin and the API docs clicked in a real browser: Debian's chromium driven by Playwright, against the
production server (gunicorn with the project's config, DEBUG off) on the test stack, with 100,000 bookings in one
tenant. Screenshots of every step go to .local/screenshots/ (git-ignored); each is checked to be a real image of
the page it claims to show.

Run by `make test` when /usr/bin/chromium exists, and by `make test-browser` / `.ci/run`, which install it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from bookings.models import Booking, Entity
from tenants.context import trusted_scope
from tenants.models import ApiToken, Membership, StaffTenant, Tenant
from tests.gunicorn_server import gunicorn

# Playwright's sync API keeps an event loop in this thread, which Django's async-safety check mistakes for async code;
# the suite's own ORM calls (fixtures, checks) are plain synchronous calls between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".local" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# As this machine's chromium needs them headless: no sandbox as root, and nothing that reaches the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SMALL, BIG = "tenant-br-small-001", "tenant-br-big-002"
BIG_BOOKINGS = 100_000
PASSWORD = "browser-suite-password-2027"


@pytest.fixture(scope="session")
def server():
    """gunicorn, as production runs it outside Lambda (plain http here, so cookies are not Secure-only)."""
    log = ROOT / ".local" / "browser-gunicorn.log"
    with gunicorn(log, DJANGO_SECURE_COOKIES="false", GUNICORN_WORKERS="2", GUNICORN_THREADS="4") as (base, _):
        yield base


def _cleanup():
    with trusted_scope():
        Booking.objects.filter(tenant_id__in=[SMALL, BIG]).delete()
        Entity.objects.filter(tenant_id__in=[SMALL, BIG], parent__isnull=False).delete()
        Entity.objects.filter(tenant_id__in=[SMALL, BIG]).delete()
        ApiToken.objects.filter(tenant_id__in=[SMALL, BIG]).delete()
        new = list(Tenant.objects.filter(id__startswith="tenant-br-new").values_list("id", flat=True))
        Booking.objects.filter(tenant_id__in=new).delete()
        Entity.objects.filter(tenant_id__in=new, parent__isnull=False).delete()
        Entity.objects.filter(tenant_id__in=new).delete()
        Tenant.objects.filter(id__in=[SMALL, BIG, *new]).delete()
        get_user_model().objects.filter(username__startswith="br-").delete()


@pytest.fixture(scope="session")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _cleanup()
        with trusted_scope():
            User = get_user_model()
            User.objects.create_user("br-root", password=PASSWORD, is_staff=True, is_superuser=True)
            scoped = User.objects.create_user("br-scoped", password=PASSWORD, is_staff=True)
            member = User.objects.create_user("br-member", password=PASSWORD)
            from django.contrib.auth.models import Permission

            scoped.user_permissions.set(
                Permission.objects.filter(codename__in=["view_booking", "change_booking", "view_entity"])
            )
            hotels, rooms = {}, {}
            for tenant_id in (SMALL, BIG):
                Tenant.objects.create(id=tenant_id, name=f"Browser {tenant_id}")
                Membership.objects.create(user=member, tenant_id=tenant_id, role="owner")
                hotels[tenant_id] = Entity.objects.create(
                    tenant_id=tenant_id, entity_type="hotel", name=f"Hotel {tenant_id}", created_by="fixture"
                )
                rooms[tenant_id] = Entity.objects.create(
                    tenant_id=tenant_id,
                    entity_type="room",
                    name=f"Room {tenant_id}",
                    parent=hotels[tenant_id],
                    created_by="fixture",
                )
            StaffTenant.objects.create(user=scoped, tenant_id=SMALL)
            small = [
                Booking.objects.create(
                    tenant_id=SMALL,
                    property=hotels[SMALL],
                    room=rooms[SMALL],
                    guest_id=f"small-{i}",
                    guest_name=f"Small Guest {i}",
                    check_in=dt.date(2027, 2, 1 + i),
                    check_out=dt.date(2027, 2, 3 + i),
                    created_by="fixture",
                )
                for i in range(3)
            ]
            _, token = ApiToken.issue(tenant=Tenant.objects.get(id=SMALL), user=member, name="docs try-it-out")
        started = time.monotonic()
        with connections["default"].cursor() as cursor:  # the trusted role (BYPASSRLS), one statement
            cursor.execute(
                "INSERT INTO bookings (id, tenant_id, property_id, room_id, guest_id, guest_name, guest_email, "
                "check_in, check_out, party_size, status, total_amount, metadata, created_at, created_by, "
                "updated_at) SELECT gen_random_uuid(), %s, %s, %s, 'big-' || i, 'Big Guest ' || i, '', "
                "date '2026-01-01' + (i %% 900), date '2026-01-01' + (i %% 900) + 1 + (i %% 5), 1 + i %% 4, "
                "(ARRAY['pending', 'confirmed', 'cancelled', 'completed'])[1 + i %% 4], (i %% 400) + 0.5, '{}', "
                "now(), 'browser-fixture', now() FROM generate_series(1, %s) i",
                [BIG, hotels[BIG].pk, rooms[BIG].pk, BIG_BOOKINGS],
            )
            cursor.execute("ANALYZE bookings")
        print(f"\n  {BIG_BOOKINGS:,} bookings inserted in {time.monotonic() - started:.1f}s")
        yield {"hotels": hotels, "rooms": rooms, "small": small, "token": token}
        for connection in connections.all():
            connection.close()
        _cleanup()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-browser` and .ci/run install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def screenshots_dir():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


def shot(page, name: str, heading: str) -> Path:
    """A screenshot of the page now, checked: the page's main heading is the one expected, the file a real PNG."""
    visible = page.locator("#content h1, .swagger-ui .info .title, h1").first.inner_text()
    assert heading in visible, f"{name}: heading is {visible!r}, expected {heading!r}"
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000, f"{path} is not a real screenshot"
    return path


def login(browser, server: str, username: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(server + "/admin/")
    return page
