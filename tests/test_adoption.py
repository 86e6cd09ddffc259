"""Adopting a seed database: a scratch database built exactly as the seed's Drizzle schema would build it (tables,
defaults, references, indexes, and an RLS policy of the seed's kind), with rows for two tenants, taken to this
project's schema by `manage.py adopt_seed_database` as the owner. Row counts and checksums are unchanged, RLS is
active and audited, the Django API lists each tenant's rows, and the seed's Drizzle client still works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bookings.adoption import SEED_COLUMNS

from .seed_client import client

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "hospitality_adopt"
ALPHA, BETA = "tenant-seed-alpha-001", "tenant-seed-beta-002"
pytestmark = pytest.mark.emulator_only  # needs the test stack's superuser and emulator

# What `drizzle-kit generate` writes for the guide's schema (uuid_generate_v7() is the seed's own function).
SEED_DDL = """
CREATE OR REPLACE FUNCTION uuid_generate_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM
    clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid $$;
CREATE TABLE IF NOT EXISTS "entities" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL,
  "entity_type" text NOT NULL, "name" text NOT NULL, "metadata" jsonb DEFAULT '{}'::jsonb,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
CREATE TABLE IF NOT EXISTS "bookings" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL,
  "property_id" uuid NOT NULL, "room_id" uuid NOT NULL, "guest_id" text NOT NULL, "check_in" date NOT NULL,
  "check_out" date NOT NULL, "status" text DEFAULT 'pending' NOT NULL,
  "total_amount" numeric(10, 2) DEFAULT '0' NOT NULL, "metadata" jsonb DEFAULT '{}'::jsonb,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
CREATE TABLE IF NOT EXISTS "tenant_relationships" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL, "entity_id" uuid NOT NULL,
  "external_id" text NOT NULL, "relationship_type" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_property_id_entities_id_fk" FOREIGN KEY ("property_id")
  REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_room_id_entities_id_fk" FOREIGN KEY ("room_id")
  REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "tenant_relationships" ADD CONSTRAINT "tenant_relationships_entity_id_entities_id_fk"
  FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
CREATE INDEX IF NOT EXISTS "idx_entities_tenant_id" ON "entities" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_entities_entity_type" ON "entities" USING btree ("entity_type");
CREATE INDEX IF NOT EXISTS "idx_bookings_tenant_id" ON "bookings" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_bookings_guest_id" ON "bookings" USING btree ("guest_id");
CREATE INDEX IF NOT EXISTS "idx_bookings_property_id" ON "bookings" USING btree ("property_id");
CREATE INDEX IF NOT EXISTS "idx_tenant_relationships_tenant_id" ON "tenant_relationships" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_tenant_relationships_external_id" ON "tenant_relationships"
  USING btree ("external_id");
-- the seed's own RLS (session variable only): replaced by this project's policies
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON bookings
  USING (tenant_id = current_setting('app.current_tenant_id', true));
"""

# Rows for two tenants: hotels with rooms, a restaurant, 12,000 bookings for alpha (more than one copy batch).
SEED_ROWS = """
INSERT INTO entities (tenant_id, entity_type, name, metadata, created_by)
SELECT t, k, n, jsonb_build_object('seeded', true), 'seed-app'
FROM (VALUES (%(a)s, 'hotel', 'Alpha Hotel'), (%(a)s, 'room', 'Alpha Room 1'), (%(a)s, 'room', 'Alpha Room 2'),
             (%(a)s, 'restaurant', 'Alpha Bistro'), (%(b)s, 'hotel', 'Beta Lodge'), (%(b)s, 'room', 'Beta Room 1'))
  AS v(t, k, n);
INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, status, total_amount,
                      metadata, created_by)
SELECT %(a)s, (SELECT id FROM entities WHERE name = 'Alpha Hotel'),
       (SELECT id FROM entities WHERE name = 'Alpha Room ' || (1 + i %% 2)), 'idp|guest-' || i,
       date '2027-01-01' + (i %% 300), date '2027-01-01' + (i %% 300) + 2, (ARRAY['pending', 'confirmed'])[1 + i %% 2],
       (i %% 500)::numeric / 4, CASE WHEN i %% 7 = 0 THEN NULL ELSE jsonb_build_object('n', i) END, 'seed-app'
FROM generate_series(1, 12000) i;
INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, created_by)
SELECT %(b)s, (SELECT id FROM entities WHERE name = 'Beta Lodge'), (SELECT id FROM entities WHERE name = 'Beta Room 1'),
       'idp|beta-' || i, date '2027-06-01' + i, date '2027-06-01' + i + 1, 'seed-app'
FROM generate_series(1, 25) i;
INSERT INTO tenant_relationships (tenant_id, entity_id, external_id, relationship_type, created_by)
SELECT tenant_id, id, 'channel-' || name, 'channel', 'seed-app' FROM entities WHERE entity_type = 'hotel';
"""


def superuser(dbname: str):
    dsn = os.environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://").rsplit("/", 1)[0]
    return psycopg.connect(f"{dsn}/{dbname}", autocommit=True)


def owner():
    return psycopg.connect(
        os.environ["OWNER_DATABASE_URL"].replace("postgres://", "postgresql://").rsplit("/", 1)[0] + f"/{SCRATCH}",
        autocommit=True,
    )


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


@pytest.fixture
def seed_database(tmp_path):
    with superuser("postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH} OWNER hospitality_owner TEMPLATE template0 ENCODING 'UTF8'")
        conn.execute(f"REVOKE ALL ON DATABASE {SCRATCH} FROM PUBLIC")
        conn.execute(
            f"GRANT CONNECT, TEMPORARY ON DATABASE {SCRATCH} TO hospitality_owner, hospitality_admin, hospitality_app"
        )
    with superuser(SCRATCH) as conn:
        for ext in ("pgcrypto", "btree_gist"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        conn.execute((ROOT / "sql" / "01_database.sql").read_text())
    with owner() as conn:
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


def seed_tables_exist() -> bool:
    with owner() as conn:
        return (
            conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
                [list(SEED_COLUMNS)],
            ).fetchone()[0]
            == 3
        )


def test_adopting_a_seed_database(seed_database):
    before = snapshot()
    assert before["bookings"][0] == 12025

    dry = manage("adopt_seed_database", "--dry-run", "--members", str(seed_database))
    assert dry.returncode == 0, dry.stderr + dry.stdout
    assert "Plan:" in dry.stdout and f"create 2 tenants: {ALPHA}, {BETA}" in dry.stdout
    assert "bookings" in dry.stdout and "10,000/12,025" in dry.stdout  # progress, in batches
    assert "dry run: every step succeeded" in dry.stdout
    assert snapshot() == before  # the dry run rolled everything back

    adopted = manage("adopt_seed_database", "--members", str(seed_database))
    assert adopted.returncode == 0, adopted.stderr + adopted.stdout
    assert "adopted in" in adopted.stdout
    assert snapshot() == before  # every seed column of every row, unchanged

    with owner() as conn:
        flags = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = "
            "ANY(%s) AND relkind = 'r'",
            [list(SEED_COLUMNS)],
        ).fetchall()
        assert sorted(flags) == [(t, True, True) for t in sorted(SEED_COLUMNS)]
        policies = {r[0] for r in conn.execute("SELECT policyname FROM pg_policies WHERE tablename = 'bookings'")}
        assert "tenant_isolation_policy" not in policies and "tenant_isolation" in policies
        assert conn.execute("SELECT count(*) FROM django_migrations WHERE app = 'bookings'").fetchone()[0] >= 2
    verify = manage("rls_verify")
    assert verify.returncode == 0 and "RLS audit passed" in verify.stdout, verify.stderr

    again = manage("adopt_seed_database")
    assert again.returncode == 0 and "nothing to adopt" in again.stdout

    # the Django API, over the Data API, as the identity provider's users: each tenant's rows and no other's
    counts = manage("shell", "-c", API_CHECK, USE_DATA_API="true", TENANT_EXTERNAL_IDENTITIES="true")
    assert counts.returncode == 0, counts.stderr
    assert json.loads(counts.stdout.strip().splitlines()[-1]) == {"alpha": 12000, "beta": 25, "alpha_as_beta": 403}

    # the seed's Drizzle client, unchanged, against the adopted database
    drizzle = client(DATABASE_NAME=SCRATCH, TENANT_EXTERNAL_IDENTITIES="true")
    beta = drizzle("list", BETA, "auth0|beta-manager", "manager")
    assert beta["ok"] and len(beta["rows"]) == 25 and {r["tenantId"] for r in beta["rows"]} == {BETA}
    assert not drizzle("list", ALPHA, "auth0|beta-manager", "manager")["ok"]


API_CHECK = f"""
import json, time, jwt
from django.conf import settings
from django.test import Client
def bearer(tenant, user, role):
    now = int(time.time())
    return "Bearer " + jwt.encode({{"tenantId": tenant, "userId": user, "role": role, "iss": settings.TENANT_JWT_ISSUER,
                                   "aud": settings.TENANT_JWT_AUDIENCE, "iat": now, "exp": now + 300}},
                                  settings.TENANT_JWT_SECRET, algorithm="HS256")
c = Client()
alpha = c.get("/api/bookings/?page_size=1", HTTP_AUTHORIZATION=bearer("{ALPHA}", "auth0|alpha-owner", "owner"))
beta = c.get("/api/bookings/?page_size=1", HTTP_AUTHORIZATION=bearer("{BETA}", "auth0|beta-manager", "manager"))
cross = c.get("/api/bookings/", HTTP_AUTHORIZATION=bearer("{ALPHA}", "auth0|beta-manager", "manager"))
print(json.dumps({{"alpha": alpha.json()["count"], "beta": beta.json()["count"], "alpha_as_beta": cross.status_code}}))
"""


def test_a_failure_part_way_leaves_the_database_as_it_was(seed_database):
    """A table in the way of the migrations (here: one named like ours) fails the run after the seed's tables were
    renamed aside: the transaction rolls back, and everything is where it was."""
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
    with owner() as conn:
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
    assert "Nothing was changed" in refused.stderr and snapshot() == before
