"""A fresh process whose first request is a write keeps it: committed when answered 2xx, checked here through
another connection, and the same process then serves a read. Once-per-process work (the server's version, its time
zone) happens in a fresh process only, so each case below is a new process: a `manage.py`-style process (Django set
up from hospitality.settings, its test client), a new gunicorn worker and one recycled after `max_requests`, on
both transports of the tenant path and of the trusted path. The Lambda artifact's cold starts are in
test_lambda_artifact.py."""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bookings.models import Entity
from tenants.context import trusted_scope
from tenants.models import ApiToken, IdempotencyKey, Membership, Tenant
from tests.gunicorn_server import gunicorn
from tests.support import side_by_side

ROOT = Path(__file__).resolve().parents[2]
TENANT = "tenant-cold-001"
TRANSPORTS = {"data-api": {"USE_DATA_API": "true"}, "pg": {"USE_DATA_API": "false"}}


def _cleanup():
    with trusted_scope():
        IdempotencyKey.objects.filter(tenant_id=TENANT).delete()
        Entity.objects.filter(tenant_id=TENANT).delete()
        Tenant.objects.filter(id=TENANT).delete()
        get_user_model().objects.filter(username__startswith="cold-").delete()


@pytest.fixture(scope="module")
def cold(django_db_setup, django_db_blocker):
    """A tenant with an owner and an API token, and a staff superuser with a session, made by this process."""
    with django_db_blocker.unblock():
        _cleanup()
        with trusted_scope():
            user = get_user_model().objects.create_user("cold-owner", password=secrets.token_urlsafe(16))
            tenant = Tenant.objects.create(id=TENANT, name="Cold Start Hotels")
            Membership.objects.create(user=user, tenant=tenant, role="owner")
            _, token = ApiToken.issue(tenant=tenant, user=user, name="cold test")
            root = get_user_model().objects.create_superuser("cold-root", password=secrets.token_urlsafe(16))
            staff = Client()
            staff.force_login(root)
        yield {"token": token, "session": staff.cookies["sessionid"].value, "tenant": tenant}
        _cleanup()


@pytest.fixture
def db(django_db_blocker):
    with django_db_blocker.unblock(), trusted_scope():
        yield


def entity(name: str) -> Entity:
    return Entity.objects.create(tenant_id=TENANT, entity_type="hotel", name=name, created_by="cold-fixture")


def tenant_case(case: str, token: str) -> tuple[dict, callable]:
    """(the request, a check of the database afterwards) for one of the tenant API's writes."""
    auth = {"Authorization": f"Token {token}"}
    name = f"cold {case} {secrets.token_hex(4)}"
    if case == "post":
        request = {"method": "POST", "path": "/api/entities/", "data": {"entity_type": "hotel", "name": name}}
        return {**request, "headers": auth}, lambda: Entity.objects.filter(name=name).count() == 1
    if case == "post-idempotent":
        key = f"cold-{secrets.token_hex(8)}"
        request = {"method": "POST", "path": "/api/entities/", "data": {"entity_type": "hotel", "name": name}}
        return (
            {**request, "headers": {**auth, "Idempotency-Key": key}},
            lambda: (
                Entity.objects.filter(name=name).count() == 1
                and IdempotencyKey.objects.filter(tenant_id=TENANT).exists()
            ),
        )
    target = entity(name)
    path = f"/api/entities/{target.pk}/"
    if case == "patch":
        request = {"method": "PATCH", "path": path, "data": {"name": name + " renamed"}, "headers": auth}
        return request, lambda: Entity.objects.get(pk=target.pk).name == name + " renamed"
    assert case == "delete"
    return {"method": "DELETE", "path": path, "headers": auth}, lambda: not Entity.objects.filter(pk=target.pk).exists()


TENANT_CASES = ["post", "post-idempotent", "patch", "delete"]
EXPECTED = {"post": 201, "post-idempotent": 201, "patch": 200, "delete": 204}


def read_of(token: str) -> dict:
    return {"method": "GET", "path": "/api/entities/", "headers": {"Authorization": f"Token {token}"}}


def fresh_process(tmp_path: Path, requests: list[dict], env: dict, session: str | None = None) -> list[dict]:
    spec = tmp_path / f"spec-{secrets.token_hex(4)}.json"
    spec.write_text(json.dumps({"requests": requests, "session": session}))
    done = subprocess.run(
        [sys.executable, "-m", "tests.cold_process", str(spec)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hospitality.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tenant_writes(cold, tmp_path_factory, django_db_blocker):
    """(transport, case) → (the fresh process's answers: the write, then a read; the check; the expected status)."""
    cases, launches = {}, {}
    with django_db_blocker.unblock(), trusted_scope():
        for transport in TRANSPORTS:
            for case in TENANT_CASES:
                request, saved = tenant_case(case, cold["token"])
                work = tmp_path_factory.mktemp(f"{transport}-{case}")
                cases[transport, case] = saved
                launches[transport, case] = functools.partial(
                    fresh_process, work, [request, read_of(cold["token"])], TRANSPORTS[transport]
                )
    return {key: (answers, cases[key]) for key, answers in side_by_side(launches).items()}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("case", TENANT_CASES)
def test_a_fresh_process_keeps_its_first_tenant_write(tenant_writes, db, transport, case):
    (first, then), saved = tenant_writes[transport, case]
    assert first["status"] == EXPECTED[case], first
    assert saved(), f"{case} answered {first['status']} but is not in the database"
    assert then["status"] == 200, then


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_fresh_process_reads_exactly_its_tenant_first(cold, db, tmp_path, transport):
    """A fresh process whose first requests are reads (one statement each over the Data API): the list and an item
    are exactly what another connection sees; then a write in the same process is kept."""
    mine = entity(f"cold read {secrets.token_hex(4)}")
    with trusted_scope():
        expected = {str(pk) for pk in Entity.objects.filter(tenant_id=TENANT).values_list("pk", flat=True)}
    auth = {"Authorization": f"Token {cold['token']}"}
    post, saved = tenant_case("post", cold["token"])
    listed, item, written = fresh_process(
        tmp_path,
        [read_of(cold["token"]), {"method": "GET", "path": f"/api/entities/{mine.pk}/", "headers": auth}, post],
        TRANSPORTS[transport],
    )
    assert listed["status"] == 200 and {e["id"] for e in json.loads(listed["body"])["results"]} == expected
    assert item["status"] == 200 and json.loads(item["body"])["name"] == mine.name
    assert written["status"] == 201 and saved()


# the trusted path: psycopg as hospitality_admin (DATABASE_URL), or the Data API as the staff function runs it
TRUSTED = {"pg": {}, "data-api": {"DATABASE_URL": ""}}


@pytest.fixture(scope="module")
def admin_writes(cold, tmp_path_factory, django_db_blocker):
    """(transport, "add" | "delete") → (the fresh process's answers: the write, then the list; the check)."""
    checks, launches = {}, {}
    listing = {"method": "GET", "path": "/admin/bookings/entity/"}
    with django_db_blocker.unblock(), trusted_scope():
        for transport in TRUSTED:
            name = f"cold admin add {secrets.token_hex(4)}"
            add = {
                "method": "POST",
                "path": f"/admin/bookings/entity/add/?tenant={TENANT}",
                "form": {"entity_type": "hotel", "name": name, "metadata": "{}", "is_active": "on"},
            }
            checks[transport, "add"] = functools.partial(
                lambda name: Entity.objects.filter(name=name, tenant_id=TENANT).count() == 1, name
            )
            target = entity(f"cold admin delete {secrets.token_hex(4)}")
            delete = {"method": "POST", "path": f"/admin/bookings/entity/{target.pk}/delete/", "form": {"post": "yes"}}
            checks[transport, "delete"] = functools.partial(
                lambda pk: not Entity.objects.filter(pk=pk).exists(), target.pk
            )
            for case, request in (("add", add), ("delete", delete)):
                work = tmp_path_factory.mktemp(f"admin-{transport}-{case}")
                launches[transport, case] = functools.partial(
                    fresh_process, work, [request, listing], TRUSTED[transport], cold["session"]
                )
    return {key: (answers, checks[key]) for key, answers in side_by_side(launches).items()}


@pytest.mark.parametrize("transport", TRUSTED)
@pytest.mark.parametrize("case", ["add", "delete"])
def test_a_fresh_process_keeps_its_first_admin_write(admin_writes, db, transport, case):
    (first, then), saved = admin_writes[transport, case]
    assert first["status"] == 302, first["body"]
    assert saved(), f"admin {case} redirected but is not in the database"
    assert then["status"] == 200


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hospitality.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("transport", TRUSTED)
def test_writing_commands_in_fresh_processes_keep_what_they_print(cold, db, transport):
    user = f"cold-member-{secrets.token_hex(3)}"
    added = manage("add_member", "--tenant", TENANT, "--user", user, "--role", "manager", env=TRUSTED[transport])
    assert added.returncode == 0, added.stderr
    assert Membership.objects.filter(tenant_id=TENANT, user__username=user, role="manager").exists()
    issued = manage("issue_token", "--tenant", TENANT, "--user", user, env=TRUSTED[transport])
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    # the token printed is one the tenant API accepts: it was committed before it was shown
    [answer] = fresh_process(Path(os.environ.get("TMPDIR", "/tmp")), [read_of(token)], TRANSPORTS["data-api"])
    assert answer["status"] == 200, answer


def _send(base: str, request: dict) -> int:
    body = json.dumps(request["data"]).encode() if request.get("data") is not None else None
    headers = {**request.get("headers", {}), **({"Content-Type": "application/json"} if body else {})}
    req = urllib.request.Request(base + request["path"], data=body, method=request["method"], headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def booted_workers(log: Path) -> int:
    return len(re.findall(r"Booting worker with pid", log.read_text()))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_new_and_recycled_gunicorn_workers_keep_their_first_write(cold, db, tmp_path, transport):
    """One worker that recycles after every two requests (max_requests): each case is the first request of a new
    worker (the first, then each one after a recycle), followed by a read that worker serves. The next case waits
    for the new worker: a request sent while the old one is still leaving may be its third."""
    log = tmp_path / "gunicorn.log"
    env = {"GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "1", "GUNICORN_MAX_REQUESTS": "2", **TRANSPORTS[transport]}
    with gunicorn(log, probe=False, **env) as (base, _):
        for number, case in enumerate(TENANT_CASES, start=1):
            deadline = time.monotonic() + 30
            while booted_workers(log) < number:  # the worker this case must be the first request of
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.05)
            request, saved = tenant_case(case, cold["token"])
            assert _send(base, request) == EXPECTED[case], log.read_text()[-3000:]
            assert saved(), f"{case} answered {EXPECTED[case]} but is not in the database"
            assert _send(base, read_of(cold["token"])) == 200
    output = log.read_text()
    assert booted_workers(log) >= len(TENANT_CASES), output[-3000:]
    assert len(re.findall(r"Autorestarting worker after current request", output)) >= len(TENANT_CASES) - 1
