"""tenants/audit.py: the audit as registered checks whose findings carry stable system-check ids."""

import pytest

from tenants import audit
from tenants.apps import rls_audit_check
from tests.support import owner_sql

PLANTS = {
    # a view that runs with its owner's rights
    "view-definer": ("CREATE VIEW audit_probe AS SELECT 1 AS one", "DROP VIEW IF EXISTS audit_probe"),
    # a search_path default on a role (unqualified names would move)
    "search-path-default": (
        "ALTER ROLE hospitality_owner SET search_path = public",
        "ALTER ROLE hospitality_owner RESET search_path",
    ),
}


def ids_after_planting(order: list[str]) -> dict[str, set[str]]:
    try:
        for code in order:
            owner_sql(PLANTS[code][0])
        return {
            code: {m.id for m in rls_audit_check(None, databases=["default"]) if f"'{code}'" in m.hint}
            for code in PLANTS
        }
    finally:
        for code in order:
            owner_sql(PLANTS[code][1])


@pytest.mark.parametrize("order", [["view-definer", "search-path-default"], ["search-path-default", "view-definer"]])
def test_a_findings_id_does_not_depend_on_what_else_is_found(db_access, order):
    assert rls_audit_check(None, databases=["default"]) == []
    assert ids_after_planting(order) == {"view-definer": {"tenants.E120"}, "search-path-default": {"tenants.E115"}}
    assert audit.audit() == []


def test_a_code_keeps_its_id_and_an_extension_cannot_take_it():
    with pytest.raises(ValueError, match="already has the id tenants.E102"):
        audit.register(lambda inspection: [], {"rls-disabled": "someone.E001"})
    assert audit.Finding("rls-disabled", "x").check_id == "tenants.E102"


def test_the_audit_is_a_loop_over_small_registered_checks():
    import inspect

    for check, _ in audit.BUILT_IN:
        assert len(inspect.getsource(check).splitlines()) <= 40, check.__name__
    assert [check for check, _ in audit.BUILT_IN] == audit._checks[: len(audit.BUILT_IN)]
