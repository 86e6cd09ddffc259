"""Adopting a seed database: a scratch database built exactly as the seed's Drizzle schema would build it (tables,
defaults, references, indexes, and an RLS policy of the seed's kind), with rows for two tenants, taken to this
project's schema by `manage.py adopt_seed_database` as the owner. Row counts and checksums are unchanged, RLS is
active and audited, the Django API lists each tenant's rows, and the seed's Drizzle client still works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from seed_cutover import seed_shape
from seed_cutover.adoption import SEED_COLUMNS
from tests.seed.database import ALPHA, BETA, SEED_DDL, SEED_ROWS
from tests.seed_client import client

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = "hospitality_adopt"
pytestmark = [pytest.mark.emulator_only, pytest.mark.data_api_only]  # the test stack's superuser and emulator; once


def superuser(dbname: str):
    dsn = os.environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://").rsplit("/", 1)[0]
    return psycopg.connect(f"{dsn}/{dbname}", autocommit=True)


def connect_as(variable: str):
    dsn = os.environ[variable].replace("postgres://", "postgresql://").rsplit("/", 1)[0]
    return psycopg.connect(f"{dsn}/{SCRATCH}", autocommit=True)


def owner():
    return connect_as("OWNER_DATABASE_URL")


def master():
    """The cluster's master user: on Aurora, whose secret the seed app uses and who created the seed's tables."""
    return connect_as("MASTER_DATABASE_URL")


def snapshot() -> dict:
    """Per table: row count and an md5 of every seed column of every row (id order), read as a superuser (after the
    adoption, FORCEd RLS shows the owner no rows)."""
    out = {}
    with superuser(SCRATCH) as conn:
        for table, cols in SEED_COLUMNS.items():
            expr = " || '|' || ".join(f"coalesce({c}::text, '<null>')" for c in cols)
            out[table] = conn.execute(
                f"SELECT count(*), md5(string_agg({expr}, E'\\n' ORDER BY id)) FROM {table}"
            ).fetchone()
    return out


def shape() -> dict:
    """The seed's tables as the catalog describes them (columns, constraints, indexes, RLS, policies, grants, owner)."""
    with superuser(SCRATCH) as conn:
        return seed_shape.capture(lambda sql, params=(): conn.execute(sql, params).fetchall(), list(SEED_COLUMNS))


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = os.environ["OWNER_DATABASE_URL"].rsplit("/", 1)[0]
    app = os.environ["TENANT_DATABASE_URL"].rsplit("/", 1)[0]
    full = {
        **os.environ,
        "DATABASE_URL": f"{base}/{SCRATCH}",
        "TENANT_DATABASE_URL": f"{app}/{SCRATCH}",
        "DATABASE_NAME": SCRATCH,
        "DJANGO_SETTINGS_MODULE": "hospitality.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=600
    )


SEED_APP = "hospitality_seed_app"  # a plain login of the test stack, as the master would create it


def seed_app_role() -> None:
    """Refused as the seed app's role, the master gets the statements that make a proper one; the test stack made
    the login itself (its secret is in the emulator), the master runs the rest as printed."""
    refused = manage("adopt_seed_database", "--dry-run", "--seed-role", "hospitality_master")
    assert refused.returncode != 0, refused.stdout
    assert "--seed-role hospitality_master: has CREATEROLE" in refused.stderr
    assert "is a member of hospitality_owner" in refused.stderr
    made = re.search(r"as the cluster's master: (.*?;) then store it", refused.stderr)
    assert made, refused.stderr
    with master() as conn:
        for statement in filter(None, (s.strip() for s in made[1].split(";"))):
            if not statement.startswith("CREATE ROLE seed_app LOGIN"):
                conn.execute(statement.replace("seed_app", SEED_APP))


def hand_over() -> None:
    """Refused as long as the master owns the seed's tables, the adoption prints the fix; run it as the master."""
    refused = manage("adopt_seed_database", "--dry-run")
    assert refused.returncode != 0
    fix = re.search(r"as hospitality_master \(their owner[^)]*\): (.*?;) Then run", refused.stderr)
    assert fix, refused.stderr
    assert "ALTER TABLE bookings OWNER TO hospitality_owner;" in fix[1]
    with master() as conn:
        for statement in filter(None, (s.strip() for s in fix[1].split(";"))):
            conn.execute(statement)


@pytest.fixture
def seed_database(tmp_path):
    """The usual case: the master created the database's tables and rows (as the seed's drizzle-kit did)."""
    with superuser("postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER hospitality_owner TEMPLATE template0 ENCODING 'UTF8'")
        conn.execute(f"REVOKE ALL ON DATABASE {SCRATCH} FROM PUBLIC")
        conn.execute(
            f"GRANT CONNECT ON DATABASE {SCRATCH} TO hospitality_owner, hospitality_admin, hospitality_app, "
            "hospitality_master"
        )  # the seed app's own login gets CONNECT from the statements the adoption's refusal prints
    with superuser(SCRATCH) as conn:
        for ext in ("pgcrypto", "btree_gist"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        conn.execute((ROOT / "sql" / "01_database.sql").read_text())
        conn.execute("GRANT CREATE ON SCHEMA public TO hospitality_master")
    with master() as conn:
        conn.execute(SEED_DDL)
        for statement in filter(str.strip, SEED_ROWS.split(";\n")):
            conn.execute(statement, {"a": ALPHA, "b": BETA})
    members = tmp_path / "members.csv"
    members.write_text(
        f"tenant_id,external_id,role,email\n{ALPHA},auth0|alpha-owner,owner,owner@alpha.example\n"
        f"{BETA},auth0|beta-manager,manager,\n"
    )
    yield members
    with superuser("postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def seed_tables_exist_aside() -> bool:
    """Tables a revert would have left behind, had it changed anything."""
    with superuser(SCRATCH) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'seed_revert_%'").fetchone()[0])


def seed_tables_exist() -> bool:
    with superuser(SCRATCH) as conn:
        return (
            conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
                [list(SEED_COLUMNS)],
            ).fetchone()[0]
            == 3
        )


def seed_app(**env: str):
    """The seed app as it runs today (its own withRLS, set_config calls), on a login of its own."""
    return client(
        **{
            "DATABASE_NAME": SCRATCH,
            "SEED_CLIENT": "legacy",
            "DB_SECRET_ARN": os.environ["DB_SEED_APP_SECRET_ARN"],
            **env,
        }
    )


def django(script: str, **env: str) -> dict:
    """Run `script` in `manage.py shell` on the scratch database (the API over the Data API, the identity provider's
    users); it prints one JSON line."""
    trusted = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{SCRATCH}"  # the admin's role, as deployed
    done = manage(
        "shell",
        "-c",
        API_PRELUDE + script,
        USE_DATA_API="true",
        TENANT_EXTERNAL_IDENTITIES="true",
        DATABASE_URL=trusted,
        **env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def book(app, like: dict, guest: str, check_in: str, check_out: str) -> dict:
    """`app` books, as beta's manager, a stay in the property and room of the booking `like`."""
    return app(
        "insert",
        BETA,
        "auth0|beta-manager",
        "manager",
        propertyId=like["propertyId"],
        roomId=like["roomId"],
        guestId=guest,
        checkIn=check_in,
        checkOut=check_out,
    )


API_PRELUDE = """
import json, time, jwt
from django.conf import settings
from django.test import Client
def bearer(tenant, user, role):
    now = int(time.time())
    return "Bearer " + jwt.encode({"tenantId": tenant, "userId": user, "role": role, "iss": settings.TENANT_JWT_ISSUER,
                                   "aud": settings.TENANT_JWT_AUDIENCE, "iat": now, "exp": now + 300},
                                  settings.TENANT_JWT_SECRET, algorithm="HS256")
c = Client()
"""
BEARER_ALPHA = f'HTTP_AUTHORIZATION=bearer("{ALPHA}", "auth0|alpha-owner", "owner")'
BEARER_BETA = f'HTTP_AUTHORIZATION=bearer("{BETA}", "auth0|beta-manager", "manager")'
HEALTH_TOKEN = "health-token-for-the-adoption-test"


def test_adopting_a_seed_database(seed_database):
    before = snapshot()
    assert before["bookings"][0] == 12025
    hand_over()

    refused = manage("adopt_seed_database", "--dry-run", "--seed-role", "hospitality_app")
    assert refused.returncode != 0 and "never one of this project's roles" in refused.stderr
    seed_app_role()

    dry = manage("adopt_seed_database", "--dry-run", "--members", str(seed_database))
    assert dry.returncode == 0, dry.stderr + dry.stdout
    assert "Plan:" in dry.stdout and f"create 2 tenants: {ALPHA}, {BETA}" in dry.stdout
    assert "bookings" in dry.stdout and "10,000/12,025" in dry.stdout  # progress, in batches
    assert "dry run: every step succeeded" in dry.stdout
    assert snapshot() == before  # the dry run rolled everything back

    adopted = manage("adopt_seed_database", "--members", str(seed_database), "--seed-role", SEED_APP)
    assert adopted.returncode == 0, adopted.stderr + adopted.stdout
    assert "adopted in" in adopted.stdout and "3 rooms linked to their property" in adopted.stdout
    assert f"the seed app ({SEED_APP}) keeps its set_config context" in adopted.stdout
    assert snapshot() == before  # every seed column of every row, unchanged

    with superuser(SCRATCH) as conn:
        flags = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = "
            "ANY(%s) AND relkind = 'r'",
            [list(SEED_COLUMNS)],
        ).fetchall()
        assert sorted(flags) == [(t, True, True) for t in sorted(SEED_COLUMNS)]
        policies = {r[0] for r in conn.execute("SELECT policyname FROM pg_policies WHERE tablename = 'bookings'")}
        assert "tenant_isolation_policy" not in policies and {"tenant_isolation", "seed_window"} <= policies
        assert conn.execute("SELECT count(*) FROM django_migrations WHERE app = 'bookings'").fetchone()[0] >= 2
    # the window, named with its end date wherever the audit speaks, failing nothing
    verify = manage("rls_verify")
    assert verify.returncode == 0 and "RLS audit passed" in verify.stdout, verify.stderr
    assert "[seed-window] the seed app's transition window is open until" in verify.stdout
    assert f"role {SEED_APP} enters tenants with set_config alone" in verify.stdout
    health = django(
        f'print(json.dumps(c.get("/health", HTTP_X_HEALTH_TOKEN="{HEALTH_TOKEN}").json()["rls"]))',
        HEALTH_TOKEN=HEALTH_TOKEN,
    )
    assert health["ok"] and "transition window is open until" in health["transitional"][0]

    again = manage("adopt_seed_database")
    assert again.returncode == 0 and "nothing to adopt" in again.stdout

    # the Django API, over the Data API, as the identity provider's users: each tenant's rows and no other's; an
    # adopted booking takes a status-only change (its room now has its property), in the API and the admin's form
    api = django(
        f"""
alpha = c.get("/api/bookings/?page_size=1", {BEARER_ALPHA})
beta = c.get("/api/bookings/?page_size=1", {BEARER_BETA})
cross = c.get("/api/bookings/", HTTP_AUTHORIZATION=bearer("{ALPHA}", "auth0|beta-manager", "manager"))
first = alpha.json()["results"][0]
patched = c.patch(f"/api/bookings/{{first['id']}}/", {{"status": "cancelled"}}, content_type="application/json",
                  {BEARER_ALPHA})
from django.forms.models import model_to_dict
from bookings.admin import BookingForm
from bookings.models import Booking
from tenants.context import trusted_scope
with trusted_scope():
    booking = Booking.objects.exclude(pk=first["id"]).filter(tenant_id="{ALPHA}").first()
    form = BookingForm(instance=booking, data={{**model_to_dict(booking), "status": "confirmed"}})
    admin_ok = form.is_valid()
    moved = BookingForm(instance=booking, data={{**model_to_dict(booking), "room": booking.property_id,
                                                 "property": booking.room_id}})
    misfit = moved.errors.get("room")
print(json.dumps({{"alpha": alpha.json()["count"], "beta": beta.json()["count"], "alpha_as_beta": cross.status_code,
                  "patched": [patched.status_code, patched.json().get("status")], "admin": [admin_ok, form.errors],
                  "misfit": misfit}}))
"""
    )
    assert (api["alpha"], api["beta"], api["alpha_as_beta"]) == (12000, 25, 403)
    assert api["patched"] == [200, "cancelled"] and api["admin"] == [True, {}]
    assert api["misfit"] == ["This room does not belong to the chosen property."]  # a new pairing is still checked

    # the seed app, unchanged, through the window: its tenant's rows, its writes, nothing without a tenant
    legacy = seed_app()
    listed = legacy("list", BETA, "auth0|beta-manager", "manager")
    assert listed["ok"] and len(listed["rows"]) == 25 and {r["tenantId"] for r in listed["rows"]} == {BETA}
    assert legacy("raw-list", BETA, "auth0|beta-manager")["rows"] == []
    beta_row = listed["rows"][0]
    inserted = book(legacy, beta_row, "seed-app-during-window", "2028-01-01", "2028-01-03")
    assert inserted["ok"], inserted
    alpha_id = django(f'print(json.dumps(c.get("/api/bookings/?page_size=1", {BEARER_ALPHA}).json()["results"][0]))')[
        "id"
    ]
    assert legacy("update", BETA, "auth0|beta-manager", id=alpha_id, status="cancelled")["rows"] == []
    assert django(f'print(json.dumps(c.get("/api/bookings/?page_size=1", {BEARER_BETA}).json()["count"]))') == 26
    # the tenant role never gets the seed's semantics: its set_config is no context
    as_app = seed_app(DB_SECRET_ARN=os.environ["DB_SECRET_ARN"])
    assert as_app("list", BETA, "auth0|beta-manager", "manager")["rows"] == []

    # the seed app switches to the drop-in module (the tenant role's secret, its own key id): the same rows
    drizzle = client(DATABASE_NAME=SCRATCH, TENANT_EXTERNAL_IDENTITIES="true")
    beta = drizzle("list", BETA, "auth0|beta-manager", "manager")
    assert beta["ok"] and len(beta["rows"]) == 26 and {r["tenantId"] for r in beta["rows"]} == {BETA}
    assert not drizzle("list", ALPHA, "auth0|beta-manager", "manager")["ok"]

    # the window closes; the unchanged seed app is refused from then on, the drop-in module is not
    finalized = manage("adopt_seed_database", "--finalize")
    assert finalized.returncode == 0 and "finalized" in finalized.stdout, finalized.stderr
    assert f'retire it as the cluster\'s master: ALTER ROLE "{SEED_APP}" NOLOGIN' in finalized.stdout
    assert "rotate the context-signing keys" not in finalized.stdout  # it never held more than the window
    verify = manage("rls_verify")
    assert verify.returncode == 0 and "seed-window" not in verify.stdout + verify.stderr
    after = legacy("list", BETA, "auth0|beta-manager", "manager")  # its login has no grant left
    assert not after["ok"] and "permission denied" in after["error"], after
    late = book(legacy, beta_row, "seed-app-after-window", "2028-02-01", "2028-02-03")
    assert not late["ok"] and "permission denied" in late["error"]
    assert len(drizzle("list", BETA, "auth0|beta-manager", "manager")["rows"]) == 26
    no_way_back = manage("adopt_seed_database", "--revert")
    assert no_way_back.returncode != 0 and "finalized" in no_way_back.stderr


def test_reverting_gives_the_seed_its_tables_with_every_row_both_apps_wrote(seed_database):
    created_by = {table: part["owner"] for table, part in shape().items()}  # the master, as drizzle-kit ran
    hand_over()
    seed_app_role()
    before_shape = {t: {**part, "owner": created_by[t]} for t, part in shape().items()}  # with the seed app's grants
    adopted = manage("adopt_seed_database", "--members", str(seed_database), "--seed-role", SEED_APP)
    assert adopted.returncode == 0, adopted.stderr + adopted.stdout

    legacy, drop_in = seed_app(), client(DATABASE_NAME=SCRATCH, TENANT_EXTERNAL_IDENTITIES="true")
    beta_row = legacy("list", BETA, "auth0|beta-manager", "manager")["rows"][0]
    written = [
        book(legacy, beta_row, "by-the-seed-app", "2028-01-01", "2028-01-02")["rows"][0]["id"],
        book(drop_in, beta_row, "by-the-drop-in-module", "2028-01-03", "2028-01-04")["rows"][0]["id"],
        django(
            f"""
posted = c.post("/api/bookings/", {{"property": "{beta_row["propertyId"]}", "room": "{beta_row["roomId"]}",
                "guest_id": "by-the-django-api", "guest_name": "Via Django", "check_in": "2028-01-05",
                "check_out": "2028-01-06"}},
                content_type="application/json", {BEARER_BETA})
print(json.dumps(posted.json()["id"] if posted.status_code == 201 else posted.json()))
"""
        ),
    ]
    after_writes = snapshot()
    assert after_writes["bookings"][0] == 12028

    with superuser(SCRATCH) as conn:  # what only this project stores: an entity switched off here
        conn.execute("UPDATE entities SET is_active = false WHERE name = 'Alpha Bistro'")

    # the dry run says what the seed's tables have no place for; the revert refuses to lose it unasked
    dry = manage("adopt_seed_database", "--revert", "--dry-run")
    assert dry.returncode == 0 and "dry run: every step of --revert succeeded" in dry.stdout, dry.stderr
    for line in (
        "bookings.guest_name: 1 row(s) not ''::character varying",
        "entities.is_active: 1 row(s) not true",
        "tenants_tenant: 2 row(s)",
        "tenants_membership: 2 row(s)",
        "needs --keep-project-data-in SCHEMA or --discard-project-data",
    ):
        assert line in dry.stdout, dry.stdout
    refused = manage("adopt_seed_database", "--revert")
    assert refused.returncode != 0 and "--revert would discard what only this project stores" in refused.stderr
    assert snapshot() == after_writes and not seed_tables_exist_aside()
    bad = manage("adopt_seed_database", "--revert", "--keep-project-data-in", "public")
    assert bad.returncode != 0 and "a new schema's name" in bad.stderr

    reverted = manage("adopt_seed_database", "--revert", "--keep-project-data-in", "kept_from_hospitality")
    assert reverted.returncode == 0 and "reverted" in reverted.stdout, reverted.stderr
    assert "this project's tables are in schema kept_from_hospitality" in reverted.stdout
    give_back = re.search(r"give them back as that role: (.*;)", reverted.stdout)
    assert give_back, reverted.stdout
    with master() as conn:
        for statement in filter(None, (s.strip() for s in give_back[1].split(";"))):
            conn.execute(statement)

    # the seed's own shape and ownership, every row either app wrote, nothing of this project left
    after_shape = shape()
    assert {
        (table, part): after_shape[table][part]
        for table in SEED_COLUMNS
        for part in after_shape[table]
        if after_shape[table][part] != before_shape[table][part]
    } == {}
    assert snapshot() == after_writes
    with superuser(SCRATCH) as conn:
        left = conn.execute(
            "SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
        assert left == sorted(SEED_COLUMNS)
        assert conn.execute("SELECT to_regnamespace('app')").fetchone()[0] is None
        # kept whole, for the operator to fetch: the guest's name, the switched-off entity, the tenants
        kept = conn.execute(
            "SELECT (SELECT guest_name FROM kept_from_hospitality.bookings WHERE guest_id = 'by-the-django-api'), "
            "(SELECT is_active FROM kept_from_hospitality.entities WHERE name = 'Alpha Bistro'), "
            "(SELECT count(*) FROM kept_from_hospitality.tenants_tenant)"
        ).fetchone()
        assert kept == ("Via Django", False, 2)
        readers = conn.execute(
            "SELECT array_agg(DISTINCT r.rolname::text ORDER BY r.rolname::text) FROM pg_class c, pg_roles r WHERE "
            "c.relnamespace = 'kept_from_hospitality'::regnamespace AND c.relkind = 'r' AND "
            "has_table_privilege(r.oid, c.oid, 'SELECT') AND NOT r.rolsuper AND r.rolname !~ '^pg_'"
        ).fetchone()[0]
        assert readers == ["hospitality_master", "hospitality_owner"]  # the owner (and the master, its member)
    found = legacy("find", BETA, "auth0|beta-manager", "manager", ids=written)
    assert found["ok"] and sorted(r["guestId"] for r in found["rows"]) == [
        "by-the-django-api",
        "by-the-drop-in-module",
        "by-the-seed-app",
    ]


def test_migrating_a_seed_database_says_to_adopt_it_first(seed_database):
    """docs/aws.md's sequence run on the seed's database: migrate stops before applying anything and names the
    adoption, instead of failing half-way on "relation entities already exists"."""
    hand_over()
    before = snapshot()
    refused = manage("migrate", "--noinput")
    assert refused.returncode != 0
    assert "holds the seed's tables (entities, bookings, tenant_relationships) and is not adopted yet" in refused.stderr
    assert "already exists" not in refused.stderr
    assert snapshot() == before
    with superuser(SCRATCH) as conn:
        assert (
            conn.execute("SELECT to_regclass('public.django_migrations')").fetchone()[0] is None
            or not (conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0])
        )


def test_a_seed_role_that_can_read_the_context_keys_is_refused(seed_database):
    """Default privileges would give the seed app's login SELECT on every table the owner creates, the signing keys
    among them: the adoption refuses it, with the statements that make a proper role, and changes nothing."""
    hand_over()
    seed_app_role()
    with owner() as conn:
        conn.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE hospitality_owner GRANT SELECT ON TABLES TO {SEED_APP}")
    before = snapshot()
    refused = manage("adopt_seed_database", "--seed-role", SEED_APP)
    assert refused.returncode != 0
    assert f"--seed-role {SEED_APP}: can read app.context_keys" in refused.stderr, refused.stderr
    assert "Give the seed app a login role of its own, as the cluster's master: CREATE ROLE" in refused.stderr
    assert "rolled back (nothing changed)" in refused.stderr
    assert seed_tables_exist() and snapshot() == before


def test_a_failure_part_way_leaves_the_database_as_it_was(seed_database):
    """A table in the way of the migrations (here: one named like ours) fails the run after the seed's tables were
    renamed aside: the transaction rolls back, and everything is where it was."""
    hand_over()
    with owner() as conn:
        conn.execute("CREATE TABLE tenants_tenant (id int)")
    before = snapshot()
    failed = manage("adopt_seed_database", "--members", str(seed_database))
    assert failed.returncode != 0
    assert "rolled back (nothing changed)" in failed.stderr
    assert seed_tables_exist() and snapshot() == before
    with owner() as conn:
        leftovers = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND "
            "(tablename LIKE 'seed_adopt_%' OR tablename LIKE 'django_%' "
            "OR tablename LIKE 'auth_%')"
        ).fetchall()
        assert leftovers == []


def test_data_this_schema_refuses_is_reported_before_any_change(seed_database):
    hand_over()
    with owner() as conn:
        conn.execute(
            f"INSERT INTO entities (tenant_id, entity_type, name, created_by) VALUES ('{BETA}', 'hotel', "
            "'Beta Annex', 'seed-app')"
        )
        conn.execute(
            "UPDATE bookings SET property_id = (SELECT id FROM entities WHERE name = 'Beta Annex') "
            "WHERE guest_id = 'idp|beta-5'"
        )
        conn.execute("UPDATE bookings SET check_out = check_in WHERE guest_id = 'idp|beta-3'")
        conn.execute(
            "UPDATE bookings SET room_id = (SELECT id FROM entities WHERE name = 'Alpha Room 1') "
            "WHERE guest_id = 'idp|beta-4'"
        )
    before = snapshot()
    refused = manage("adopt_seed_database")
    assert refused.returncode != 0
    assert "bookings: 1 row(s) with check_out not after check_in" in refused.stderr
    assert "bookings: 1 row(s) with room_id of another tenant" in refused.stderr
    # Beta Room 1 is booked under Beta Lodge and under Beta Annex: which property is it in?
    assert "row(s) with room_id booked under two properties" in refused.stderr
    assert "Nothing was changed" in refused.stderr and snapshot() == before
