"""Isolation in the schema and its policies: every command on every tenant table, with and without a tenant
context, as the app role past the API; foreign keys, uniques and defaults that could leak across tenants."""

from django.db import connections, transaction

from tenants import audit, rls
from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContext, tenant_block
from tests.support import A, B, as_tenant, owner_sql, sql, sqlstate_of


# 13. INSERT with another tenant's tenant_id: raw SQL refused; the API ignores the body field
def test_insert_for_another_tenant_is_refused(world, db_access):
    def insert():
        with as_tenant(world, A, "ann"):
            sql(
                "INSERT INTO entities (id, tenant_id, entity_type, name, metadata, is_active, created_at, created_by, "
                "updated_at) VALUES (app.uuid_generate_v7(), %s, 'hotel', 'smuggled', '{}', true, now(), 'x', now())",
                [B],
            )

    assert sqlstate_of(insert) == "42501"


def test_api_ignores_tenant_id_in_the_body(api, world):
    response = api.post(
        "/api/entities/",
        {"name": "Via API", "entity_type": "venue", "tenant_id": B, "tenant": B},
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert response.status_code == 201
    from bookings.models import Entity
    from tenants.context import trusted_scope

    with trusted_scope():
        created = Entity.objects.get(pk=response.json()["id"])
        assert created.tenant_id == A
        created.delete()


# 14. moving one's own row to another tenant is refused
def test_update_to_another_tenant_is_refused(world, db_access):
    booking = world.bookings[A][0]

    def move():
        with as_tenant(world, A, "ann"):
            sql("UPDATE bookings SET tenant_id = %s WHERE id = %s", [B, booking.pk])

    assert sqlstate_of(move) == "42501"


# 15. another tenant's row by primary key: 0 rows; the API says 404 exactly as for a missing id
def test_foreign_rows_by_primary_key(api, world):
    foreign = world.bookings[B][0].pk
    with as_tenant(world, A, "ann"):
        assert sql("UPDATE bookings SET guest_name = 'x' WHERE id = %s", [foreign]) == 0
        assert sql("DELETE FROM bookings WHERE id = %s", [foreign]) == 0
    missing = "01a20000-0000-7000-8000-000000000000"
    for method in ("get", "patch", "delete"):
        got = getattr(api, method)(f"/api/bookings/{foreign}/", content_type="application/json", **world.auth())
        none = getattr(api, method)(f"/api/bookings/{missing}/", content_type="application/json", **world.auth())
        assert got.status_code == none.status_code == 404
        assert got.json() == none.json()


# 16. a permissive policy added later cannot widen access: the RESTRICTIVE tenant policy still applies
def test_later_permissive_policy_does_not_leak(world, db_access):
    owner_sql("CREATE POLICY oops_everything ON bookings FOR SELECT TO hospitality_app USING (true)")
    try:
        with as_tenant(world, A, "ann"):
            assert {r[0] for r in sql("SELECT DISTINCT tenant_id FROM bookings")} == {A}
        assert any(f.code == "unexpected-policy" for f in audit.audit())
    finally:
        owner_sql("DROP POLICY oops_everything ON bookings")


# 17. no bypass flag; SET ROLE denied
def test_no_settable_bypass_and_no_set_role(world, db_access):
    with as_tenant(world, A, "ann"):
        sql("SELECT set_config('app.is_admin', 'true', true)")
        assert {r[0] for r in sql("SELECT DISTINCT tenant_id FROM bookings")} == {A}
    for role in ("hospitality_admin", "hospitality_owner"):

        def set_role(role=role):
            with transaction.atomic(using=TENANT_ALIAS):
                sql(f"SET ROLE {role}")

        assert sqlstate_of(set_role) == "42501"


# 18. the app role is no owner, superuser or BYPASSRLS; FORCE is on anyway
def test_app_role_attributes_and_force(world, db_access):
    with transaction.atomic(using=TENANT_ALIAS):
        assert sql("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user") == [(False, False)]
        assert sql(
            "SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN "
            "('bookings', 'entities', 'tenant_relationships')"
        ) == [(True,)]


# 19. a value unique in another tenant is no signal; the API answers 409 without detail
def test_uniques_include_the_tenant_and_409_has_no_detail(api, world):
    from bookings.models import Entity
    from tenants.context import trusted_scope

    taken_in_b = world.entities[B].name
    created = api.post(
        "/api/entities/",
        {"name": taken_in_b, "entity_type": "hotel"},
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert created.status_code == 201
    duplicate = api.post(
        "/api/entities/",
        {"name": taken_in_b, "entity_type": "hotel"},
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert duplicate.status_code == 409
    assert duplicate.json() == {"message": "The request conflicts with existing data.", "code": "conflict", "extra": {}}
    with trusted_scope():
        Entity.objects.filter(pk=created.json()["id"]).delete()


# 20. a booking pointing at another tenant's entity is refused by the composite foreign key
def test_booking_cannot_point_into_another_tenant(world, db_access):
    foreign_entity = world.entities[B].pk

    def insert():
        with as_tenant(world, A, "ann"):
            sql(
                "INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, created_by) "
                "VALUES (%s, %s, %s, 'g', '2026-01-01', '2026-01-02', 'x')",
                [A, foreign_entity, foreign_entity],
            )

    assert sqlstate_of(insert) == "23503"


def test_api_treats_another_tenants_entity_as_missing(api, world):
    foreign = str(world.entities[B].pk)
    response = api.post(
        "/api/bookings/",
        {"property": foreign, "room": foreign, "guest_name": "x", "check_in": "2026-02-01", "check_out": "2026-02-02"},
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert response.status_code == 400
    assert sorted(response.json()["extra"]["fields"]) == ["property", "room"]
    assert "does not exist" in response.json()["extra"]["fields"]["room"][0]


# 21. no TRUNCATE for the app role
def test_truncate_is_denied(world, db_access):
    def truncate():
        with transaction.atomic(using=TENANT_ALIAS):
            sql("TRUNCATE bookings")

    assert sqlstate_of(truncate) == "42501"


# 22. views are security_invoker; a definer view is an audit finding
def test_definer_view_is_found_by_the_audit(world, db_access):
    owner_sql("CREATE VIEW all_bookings_leak AS SELECT * FROM bookings")
    try:
        assert any(f.code == "view-definer" and "all_bookings_leak" in f.message for f in audit.audit())
    finally:
        owner_sql("DROP VIEW all_bookings_leak")
    assert audit.audit() == []


# 23. SECURITY DEFINER helpers: search_path pinned, EXECUTE revoked from PUBLIC
def test_security_definer_functions_are_locked_down(world, db_access):
    with transaction.atomic(using=TENANT_ALIAS):
        rows = sql(
            "SELECT p.proname, p.proconfig::text, has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'app' AND p.prosecdef ORDER BY 1"
        )
    assert [r[0] for r in rows] == ["check_signed_context", "check_token", "proven_setting"]
    assert all("search_path=pg_catalog" in r[1] and r[2] is False for r in rows)


# 24. materialized views over tenant data are never granted to the app role
def test_granted_materialized_view_is_found(world, db_access):
    owner_sql("CREATE MATERIALIZED VIEW booking_totals AS SELECT tenant_id, count(*) FROM bookings GROUP BY 1")
    try:
        assert not any(f.code == "matview-granted" for f in audit.audit())
        owner_sql("GRANT SELECT ON booking_totals TO hospitality_app")
        assert any(f.code == "matview-granted" for f in audit.audit())
    finally:
        owner_sql("DROP MATERIALIZED VIEW booking_totals")


# 25. row_security = off is an error, not a bypass
def test_row_security_off_is_an_error(world, db_access):
    def off():
        with as_tenant(world, A, "ann"):
            sql("SET LOCAL row_security = off")
            sql("SELECT count(*) FROM bookings")

    assert sqlstate_of(off) == "42501"


# 26 (and 9). the catalog audit is clean, and finds GUC defaults, disabled RLS and dropped policies
def test_audit_is_clean(world, db_access):
    assert audit.audit() == []


def test_guc_default_is_found(world, db_access):
    owner_db = connections["default"].settings_dict["NAME"]
    import psycopg

    url = __import__("os").environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:  # ALTER ROLE needs a superuser: the test stack's
        conn.execute(f"ALTER ROLE hospitality_app IN DATABASE {owner_db} SET app.current_tenant_id = '{A}'")
        try:
            assert any(f.code == "guc-default" for f in audit.audit())
        finally:
            conn.execute(f"ALTER ROLE hospitality_app IN DATABASE {owner_db} RESET app.current_tenant_id")


def test_disabled_rls_and_dropped_policy_are_found_and_reapplied(world, db_access):
    owner_sql("ALTER TABLE tenant_relationships NO FORCE ROW LEVEL SECURITY")
    owner_sql("DROP POLICY app_delete ON tenant_relationships")
    try:
        codes = {f.code for f in audit.audit()}
        assert {"rls-not-forced", "missing-policy"} <= codes
    finally:
        import psycopg
        from django.db import connections as conns

        with psycopg.connect(
            __import__("os").environ["OWNER_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            for path in rls.sql_files():
                text = path.read_text()
                if "{table}" in text:
                    conn.execute(rls.per_table_sql(text, "tenant_relationships"))
        conns["default"].close()
    assert audit.audit() == []


def test_custom_context_variables_are_transaction_local_and_validated(world, db_access):
    context = TenantContext(A, str(world.users["ann"].pk), "owner", variables={"channel": "mobile", "locale": "pt"})
    with tenant_block(context):
        assert sql("SELECT current_setting('app.ctx.channel'), current_setting('app.ctx.locale')") == [("mobile", "pt")]
    assert sql("SELECT coalesce(current_setting('app.ctx.channel', true), '')") == [("",)]

    def bad_name():
        with tenant_block(
            TenantContext(A, str(world.users["ann"].pk), "owner", variables={"current_tenant_id'); --": "x"})
        ):
            pass

    assert sqlstate_of(bad_name) == "22023"
