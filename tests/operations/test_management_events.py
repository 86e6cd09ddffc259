"""The management function's events (hospitality/management_events.py), in process against the test stack: what it
runs, what it refuses and why, and that every failure comes back as an exit status and output."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from hospitality import management_events
from hospitality.management_events import MANAGEMENT_COMMANDS, run

pytestmark = pytest.mark.django_db


def applied() -> set:
    return set(MigrationRecorder(connection).applied_migrations())


@pytest.mark.parametrize(
    "args",
    [["bookings", "zero"], ["bookings", "0001"], ["tenants", "zero"], ["auth", "0001"]],
)
def test_a_backwards_migrate_is_refused_and_changes_nothing(args):
    before = applied()
    result = run({"manage": ["migrate", *args]})
    assert result["exit_status"] == 2
    assert "would unapply" in result["output"] and '"allow_backwards": true' in result["output"]
    assert applied() == before


def test_a_forwards_migrate_runs():
    result = run({"manage": ["migrate", "--noinput"]})
    assert result["exit_status"] == 0 and "unapplied" not in result, result


def test_the_backwards_plan_names_what_would_be_unapplied():
    def plan(*args):
        return management_events.backwards_migrations(management_events.parse("migrate", list(args)))

    unapplied = plan("bookings", "zero")
    assert unapplied and all(name.startswith("bookings.") for name in unapplied)
    assert plan() == []


@pytest.mark.parametrize("flag", ["--fake", "--prune", "--run-syncdb"])
def test_migrate_options_that_edit_records_are_refused(flag):
    result = run({"manage": ["migrate", flag], "allow_backwards": True})
    assert result["exit_status"] == 2 and flag in result["output"]


@pytest.mark.parametrize("name", ["shell", "dbshell", "flush", "createsuperuser", "runserver", "loaddata"])
def test_commands_outside_the_toolbox_are_refused(name):
    result = run({"manage": [name]})
    assert result["exit_status"] == 2 and "not a command this function runs" in result["output"]


@pytest.mark.parametrize("event", [{}, {"manage": "migrate"}, {"manage": []}, {"manage": [1]}, [], None])
def test_malformed_events_get_an_answer(event):
    assert run(event)["exit_status"] == 2


def test_an_unexpected_exception_is_an_answer_with_the_traceback_in_the_logs(monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("the cluster went away")

    monkeypatch.setattr("django.core.management.call_command", boom)
    with caplog.at_level(logging.ERROR, logger="hospitality.management"):
        result = run({"manage": ["rls_verify"]})
    assert result["exit_status"] == 1 and "RuntimeError: the cluster went away" in result["output"]
    assert "Traceback" not in result["output"]
    assert any(r.exc_info for r in caplog.records if r.name == "hospitality.management")


def test_a_bad_argument_is_an_answer():
    result = run({"manage": ["migrate", "--no-such-option"]})
    assert result["exit_status"] in (1, 2) and "no-such-option" in result["output"]


def test_the_toolbox_holds_what_an_operator_needs_from_an_empty_cluster():
    assert {
        "bootstrap_database",
        "migrate",
        "rls_apply",
        "rls_verify",
        "context_keys",
        "ensure_staff_user",
        "add_member",
        "issue_token",
        "rotate_token",
        "adopt_seed_database",
    } <= MANAGEMENT_COMMANDS  # the rest: every command a runbook shows (tests/operations/test_runbooks.py)


def test_the_seed_adoption_runs_as_an_event():
    """Allow-listed and answered (tests/seed/test_adoption.py adopts a real seed database): on a database this project
    already manages there is nothing to adopt, and it says so."""
    result = run({"manage": ["adopt_seed_database", "--dry-run"]})
    assert result["exit_status"] == 0, result
    assert "nothing to adopt" in result["output"]


def test_reverting_the_adoption_needs_allow_backwards():
    """`--revert` drops this project's tables: refused (nothing runs) unless asked twice; a dry run is not refused
    (here: nothing to revert on a database that was never adopted)."""
    refused = run({"manage": ["adopt_seed_database", "--revert"]})
    assert refused["exit_status"] == 2 and '"allow_backwards": true' in refused["output"]
    for event in (
        {"manage": ["adopt_seed_database", "--revert", "--dry-run"]},
        {"manage": ["adopt_seed_database", "--revert"], "allow_backwards": True},
    ):
        answered = run(event)
        assert answered["exit_status"] == 1 and "no adoption to act on" in answered["output"], answered


def prefixes(option: str) -> list[str]:
    """Every abbreviation argparse would accept for a long option: `--r`, `--re`, ... up to the option itself."""
    return [option[:n] for n in range(3, len(option) + 1)]


# Every spelling an operator could type for the guarded modes: each prefix, `--opt=value`, repeated options, and the
# options of another command. None may run the mode without "allow_backwards"; none may run anything unparsed.
GUARDED_SPELLINGS = (
    [["adopt_seed_database", p] for p in prefixes("--revert")]
    + [["adopt_seed_database", p] for p in prefixes("--finalize")]
    + [
        ["adopt_seed_database", "--revert=yes"],
        ["adopt_seed_database", "--revert", "--revert"],
        ["adopt_seed_database", "--revert", "--dry"],  # a prefix of --dry-run does not make it a dry run
        ["adopt_seed_database", "--revert", "--dry-run=no"],
        ["adopt_seed_database", "--database=default", "--revert"],
        ["adopt_seed_database", "--fake"],  # another command's option
        ["migrate", "bookings", "zero", "--fak"],
        ["migrate", "--fake=1"],
        ["migrate", "--run-sync"],
        ["migrate", "--database=default", "bookings", "zero"],
        ["migrate", "--prune", "--prune"],
        ["migrate", "bookings", "zero", "--revert"],  # another command's option
        ["revoke_token", "7"],
        ["revoke_token", "--", "7"],
        ["deactivate_tenant", "tenant-alpha-001"],
        ["deactivate_tenant", "--", "tenant-alpha-001"],
        ["deactivate_tenant", "tenant-alpha-001", "--tenant=tenant-beta-002"],  # not an option of it
    ]
)


@pytest.mark.parametrize("argv", GUARDED_SPELLINGS, ids=" ".join)
def test_no_spelling_runs_a_guarded_mode(argv, monkeypatch):
    """Decided on the command's own parsed options with abbreviations off: a prefix or another command's option is
    the parser's error, a full spelling meets the guard; in every case nothing ran."""
    ran = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: ran.append(a))
    before = applied()
    result = run({"manage": argv})
    assert result["exit_status"] in (1, 2) and ran == [] and applied() == before, result
    assert "refused:" in result["output"] or "Error:" in result["output"], result


@pytest.mark.parametrize(
    "argv, target",
    [(["revoke_token", "7"], "7"), (["deactivate_tenant", "tenant-alpha-001"], "tenant-alpha-001")],
)
def test_shutting_a_client_out_runs_when_the_event_confirms_its_target(argv, target, monkeypatch):
    ran = []
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: ran.append(a))
    for confirm in (None, "", "tenant-beta-002", "07", f" {target}", True):
        event = {"manage": argv} if confirm is None else {"manage": argv, "confirm": confirm}
        refused = run(event)
        assert refused["exit_status"] == 2 and f'"confirm": "{target}"' in refused["output"], refused
    assert ran == []
    assert run({"manage": argv, "confirm": target})["exit_status"] == 0
    assert run({"manage": argv, "allow_backwards": True})["exit_status"] == 0
    assert ran == [tuple(argv)] * 2


def test_a_dry_run_of_a_guarded_mode_is_let_through():
    for argv in (["adopt_seed_database", "--revert", "--dry-run"], ["adopt_seed_database", "--dry-run", "--finalize"]):
        result = run({"manage": argv})
        assert "refused:" not in result["output"] and "no adoption to act on" in result["output"], result


@pytest.mark.parametrize("name", sorted(MANAGEMENT_COMMANDS))
def test_help_is_answered_in_the_result(name):
    for flag in ("--help", "-h"):
        result = run({"manage": [name, flag]})
        assert result["exit_status"] == 0 and f"usage: manage {name}" in result["output"], result
