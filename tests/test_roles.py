"""The three database roles have exactly the attributes of the design: none a superuser or BYPASSRLS (a cluster
master that is not a superuser, as on Aurora, cannot grant either; the trusted path sees every tenant through its
own policy)."""

import pytest
from django.db import connections


def role_attributes(role: str) -> tuple:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = %s",
            [role],
        )
        return cursor.fetchone()


@pytest.mark.django_db(databases=["default"])
@pytest.mark.parametrize(
    "role, expected",
    [
        ("hospitality_owner", (False, False, False, False, True)),
        ("hospitality_admin", (False, False, False, False, True)),
        ("hospitality_app", (False, False, False, False, True)),
    ],
)
def test_role_attributes(role, expected):
    assert role_attributes(role) == expected


@pytest.mark.django_db(databases=["default"])
def test_owner_owns_every_table_and_the_app_role_owns_nothing():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert {row[0] for row in cursor.fetchall()} == {"hospitality_owner"}
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname IN ('hospitality_app', 'hospitality_admin')"
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db(databases=["default", "tenant"])
@pytest.mark.parametrize("alias, role", [("default", "hospitality_admin"), ("tenant", "hospitality_app")])
def test_each_alias_connects_as_its_role(alias, role):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)


@pytest.mark.django_db(databases=["tenant"])
def test_app_role_cannot_create_tables():
    from django.db import ProgrammingError, transaction

    with pytest.raises(ProgrammingError, match="permission denied for schema public"):
        with transaction.atomic(using="tenant"), connections["tenant"].cursor() as cursor:
            cursor.execute("CREATE TABLE app_must_not_create (id int)")


@pytest.mark.django_db(databases=["default"])
def test_the_trusted_path_sees_every_tenant_by_policy_not_by_bypassrls():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT tablename) FILTER (WHERE policyname = 'trusted_all' "
            "AND roles = '{hospitality_admin}'), count(DISTINCT tablename) FROM pg_policies WHERE schemaname = 'public'"
        )
        with_policy, tenant_tables = cursor.fetchone()
    assert tenant_tables > 0 and with_policy == tenant_tables
