"""seed_cutover/window.py: the seed app's transition window as the audit sees it, through the extension point
seed_cutover registers from its ready() (tenants.audit knows nothing of it)."""

from seed_cutover.window import window_policy_sql
from tenants import audit
from tests.support import owner_sql


def test_the_seed_window_is_transitional_only_as_written_and_never_for_our_roles(world, db_access):
    """The seed app's window (docs/seed-migration.md): reported with its end date and failing nothing when it is
    exactly the window, to a role of the seed app's; anything else named like it is an unexpected policy."""
    import datetime as dt

    def window(role: str, ends: dt.datetime) -> None:
        for statement in window_policy_sql("bookings", role, ends):
            owner_sql(statement)

    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    try:
        window("hospitality_master", soon)
        findings = audit.audit()
        assert audit.failures(findings) == [] and [(f.code, f.check_id) for f in findings] == [
            ("seed-window", "seed_cutover.W001")
        ]
        assert f"open until {soon:%Y-%m-%d %H:%M} UTC" in findings[0].message and "bookings" in findings[0].message
        window("hospitality_master", soon - dt.timedelta(days=30))
        assert "ended" in audit.audit()[0].message
        window("hospitality_app", soon)  # the tenant role's context stays signed
        assert [f.code for f in audit.failures(audit.audit())] == ["unexpected-policy"]
        owner_sql("DROP POLICY seed_window ON bookings")
        owner_sql("CREATE POLICY seed_window ON bookings FOR ALL TO hospitality_master USING (true) WITH CHECK (true)")
        assert [f.code for f in audit.failures(audit.audit())] == ["unexpected-policy"]
    finally:
        owner_sql("DROP POLICY IF EXISTS seed_window ON bookings")
    assert audit.audit() == []
