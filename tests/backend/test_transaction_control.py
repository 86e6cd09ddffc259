"""Table tests for dataapi_backend.dbapi.transaction_control: for a sequence of statements Django sends in one
open transaction, what goes out to the Data API (savepoints and constraint modes that wait, names that alias)."""

from __future__ import annotations

import pytest

from dataapi_backend.dbapi.transaction_control import SET_TIME_ZONE, TransactionControl, same_zone


def sent(script: list[str], zone: str | None = None, failed_at: int | None = None) -> list[str]:
    """What goes out, in order, when `script` is sent in one transaction (statement `failed_at` fails)."""
    control, out = TransactionControl(), []
    failed = False
    for index, sql in enumerate(script):
        to_send = control.plan(sql, failed=failed)
        if to_send is None:
            continue
        control.before_statement(lambda s, _params: out.append(s), zone=zone, failed=failed)
        out.append(to_send)
        if index == failed_at:
            failed = True
        elif to_send.startswith("ROLLBACK TO"):
            failed = False
    return out


@pytest.mark.parametrize(
    "script, expected",
    [
        # a savepoint nothing ran in never goes out, released or rolled back to
        (["SAVEPOINT s1", "RELEASE SAVEPOINT s1"], []),
        (["SAVEPOINT s1", "ROLLBACK TO SAVEPOINT s1"], []),
        (["SAVEPOINT s1", "SELECT 1", "RELEASE SAVEPOINT s1"], ["SAVEPOINT s1", "SELECT 1", "RELEASE SAVEPOINT s1"]),
        # a waiting savepoint goes out just before the first statement inside it
        (["SAVEPOINT s1", "SAVEPOINT s2", "SELECT 1"], ["SAVEPOINT s1", "SAVEPOINT s2", "SELECT 1"]),
        # RELEASE of the savepoint just rolled back to, then a new SAVEPOINT: the old one stands for the new name
        (
            [
                "SAVEPOINT s1",
                "SELECT 1",
                "ROLLBACK TO SAVEPOINT s1",
                "RELEASE SAVEPOINT s1",
                "SAVEPOINT s2",
                "SELECT 2",
                "RELEASE SAVEPOINT s2",
            ],
            ["SAVEPOINT s1", "SELECT 1", "ROLLBACK TO SAVEPOINT s1", "SELECT 2", "RELEASE SAVEPOINT s1"],
        ),
        # SET CONSTRAINTS ALL DEFERRED waits for a statement; a ROLLBACK TO an earlier savepoint undoes it
        (["SET CONSTRAINTS ALL DEFERRED"], []),
        (["SET CONSTRAINTS ALL DEFERRED", "SELECT 1"], ["SET CONSTRAINTS ALL DEFERRED", "SELECT 1"]),
        (
            ["SAVEPOINT s1", "SET CONSTRAINTS ALL DEFERRED", "ROLLBACK TO SAVEPOINT s1", "SELECT 1"],
            ["SAVEPOINT s1", "SELECT 1"],
        ),
        # RELEASE keeps the mode, as PostgreSQL does
        (
            ["SAVEPOINT s1", "SET CONSTRAINTS ALL DEFERRED", "RELEASE SAVEPOINT s1", "SELECT 1"],
            ["SET CONSTRAINTS ALL DEFERRED", "SELECT 1"],
        ),
        # anything else goes out as it is
        (["SET CONSTRAINTS ALL IMMEDIATE", "SELECT 1"], ["SET CONSTRAINTS ALL IMMEDIATE", "SELECT 1"]),
        (['SAVEPOINT "quoted name"', "SELECT 1"], ['SAVEPOINT "quoted name"', "SELECT 1"]),
    ],
)
def test_what_goes_out(script, expected):
    assert sent(script) == expected


def test_after_a_failure_the_database_answers_at_once():
    """In a failed transaction nothing waits: the ROLLBACK TO that ends the failure goes out when asked."""
    script = ["SAVEPOINT s1", "INSERT 1", "ROLLBACK TO SAVEPOINT s1", "SELECT 1"]
    assert sent(script, failed_at=1) == ["SAVEPOINT s1", "INSERT 1", "ROLLBACK TO SAVEPOINT s1", "SELECT 1"]


def test_the_time_zone_is_set_once_and_a_rollback_to_a_later_savepoint_keeps_it():
    script = ["SAVEPOINT s1", "SELECT 1", "SELECT 2", "ROLLBACK TO SAVEPOINT s1", "SELECT 3"]
    assert sent(script, zone="Europe/Paris") == [
        SET_TIME_ZONE,
        "SAVEPOINT s1",
        "SELECT 1",
        "SELECT 2",
        "ROLLBACK TO SAVEPOINT s1",
        "SELECT 3",
    ]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("UTC", "Etc/UTC", True),
        ("UTC", "GMT", True),
        ("Europe/Paris", "Europe/Paris", True),
        ("UTC", None, False),
        ("Europe/Paris", "UTC", False),
    ],
)
def test_zones_that_are_the_same(a, b, same):
    assert same_zone(a, b) is same
