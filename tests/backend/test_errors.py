"""Errors come out as Django's exceptions, with the SQLSTATE kept and psycopg-style classes as __cause__."""

import pytest
from django.db import DataError, IntegrityError, OperationalError, ProgrammingError, connections, transaction

from dataapi_backend import dbapi
from dataapi_backend.dbapi import errors

from .models import Author, Book

pytestmark = pytest.mark.django_db(databases=["dataapi"])


def raises_with_state(exc_class, sqlstate, cause_class, fn):
    with pytest.raises(exc_class) as excinfo, transaction.atomic(using="dataapi"):
        fn()
    assert excinfo.value.__cause__.sqlstate == sqlstate
    assert isinstance(excinfo.value.__cause__, cause_class)
    return excinfo.value


def test_unique_violation():
    Author.objects.create(name="dup")
    exc = raises_with_state(IntegrityError, "23505", errors.UniqueViolation, lambda: Author.objects.create(name="dup"))
    assert exc.__cause__.diag.message_primary.startswith("duplicate key value violates unique constraint")
    assert exc.__cause__.aws_code == "DatabaseErrorException" and exc.__cause__.outcome == errors.REJECTED


def test_diagnostics_read_like_psycopg_3():
    """psycopg 3's `exc.diag` (Django's own tests and user code read it), from what the Data API message carries."""
    Author.objects.create(name="diag")
    exc = raises_with_state(IntegrityError, "23505", errors.UniqueViolation, lambda: Author.objects.create(name="diag"))
    diag = exc.__cause__.diag
    assert diag.sqlstate == "23505"
    assert diag.message_primary.startswith("duplicate key value violates unique constraint")
    assert diag.message_detail == "Key (name)=(diag) already exists."


def test_nul_in_a_string_is_refused_before_anything_is_sent(dataapi):
    """As psycopg 3 does (PostgreSQL would refuse it with 22021 after a round trip)."""
    with pytest.raises(DataError, match=r"cannot contain NUL \(0x00\) bytes"):
        Author.objects.create(name="a\x00b")
    assert dataapi.data_api_metrics.snapshot()["calls"] == {}


def test_foreign_key_violation():
    import uuid

    def insert():
        with connections["dataapi"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO backend_tests_book (id, author_id, title, pages, price, tags) "
                "VALUES (%s, %s, 't', 0, 0, '[]')",
                [uuid.uuid4(), 999999],
            )
            connections["dataapi"].check_constraints()

    raises_with_state(IntegrityError, "23503", errors.ForeignKeyViolation, insert)


def test_not_null_violation():
    def insert():
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("INSERT INTO backend_tests_author (name) VALUES (NULL)")

    raises_with_state(IntegrityError, "23502", errors.NotNullViolation, insert)


def test_data_error():
    raises_with_state(
        DataError, "22001", errors.StringDataRightTruncation, lambda: Author.objects.create(name="x" * 101)
    )


def test_programming_error_for_bad_sql():
    def bad():
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("SELEC 1")

    raises_with_state(ProgrammingError, "42601", errors.SyntaxError, bad)


def test_undefined_table():
    def bad():
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    raises_with_state(ProgrammingError, "42P01", errors.UndefinedTable, bad)


@pytest.mark.parametrize(
    "sqlstate, cls",
    [
        ("40001", dbapi.OperationalError),
        ("40P01", dbapi.OperationalError),
        ("42501", dbapi.ProgrammingError),
        ("0A000", dbapi.NotSupportedError),
        ("22P99", dbapi.DataError),
        ("23999", dbapi.IntegrityError),
        ("XX000", dbapi.InternalError),
        ("57014", dbapi.OperationalError),
    ],
)
def test_classification_by_exact_state_then_class(sqlstate, cls):
    message = "ERROR: boom" + (f"; SQLState: {sqlstate}" if sqlstate else "")
    exc = errors.from_database_error(message)
    assert type(exc) is cls or isinstance(exc, cls)
    assert exc.sqlstate == sqlstate
    assert str(exc) == "boom" and exc.outcome == dbapi.REJECTED
    assert dbapi.lookup("23505") is errors.UniqueViolation


def test_a_database_error_without_sqlstate_is_a_lost_connection_of_unknown_outcome():
    """What the Data API answers when its connection to PostgreSQL dies mid-statement: no SQLSTATE. Operational
    (the API answers 503/502, never 500), and nobody can say whether the statement took effect."""
    exc = errors.from_database_error("ERROR: An I/O error occurred while sending to the backend.")
    assert type(exc) is dbapi.OperationalError and exc.sqlstate is None and exc.outcome == dbapi.UNKNOWN
    assert str(exc).startswith("the database connection was lost: An I/O error")


@pytest.mark.parametrize(
    "code, message, cls, outcome",
    [
        (
            "BadRequestException",
            "Database returned more than the allowed response size limit",
            dbapi.ResponseTooLarge,
            dbapi.REJECTED,
        ),
        (
            "BadRequestException",
            "Database returned a row of 70000 bytes; the Data API limit is 65536 bytes per row",
            dbapi.RowTooLarge,
            dbapi.REJECTED,
        ),
        ("BadRequestException", "syntax", dbapi.ProgrammingError, dbapi.NOT_SENT),
        ("ThrottlingException", "slow down", dbapi.OperationalError, dbapi.NOT_SENT),
        ("DatabaseResumingException", "resuming", dbapi.OperationalError, dbapi.NOT_SENT),
        ("TransactionNotFoundException", "gone", dbapi.OperationalError, dbapi.REJECTED),
        ("StatementTimeoutException", "late", dbapi.OperationalError, dbapi.REJECTED),
        ("InternalServerErrorException", "oops", dbapi.OperationalError, dbapi.UNKNOWN),
        ("ServiceUnavailableError", "down", dbapi.OperationalError, dbapi.UNKNOWN),
        ("DatabaseErrorException", "ERROR: dup; SQLState: 23505", errors.UniqueViolation, dbapi.REJECTED),
    ],
)
def test_every_aws_failure_carries_its_class_and_outcome(code, message, cls, outcome):
    exc = errors.from_aws(code, message)
    assert type(exc) is cls and exc.outcome == outcome and exc.aws_code == code


def test_aws_errors_name_the_problem():
    exc = errors.from_aws("TransactionNotFoundException", "Transaction abc is not found")
    assert isinstance(exc, dbapi.OperationalError)
    assert str(exc) == (
        "TransactionNotFoundException: Transaction abc is not found (the Data API transaction no "
        "longer exists (idle for more than 3 minutes, open for more than 24 hours, or already ended); "
        "its uncommitted work was rolled back. Retry the whole unit of work.)"
    )
    assert errors.from_aws("UnsupportedResultException", "x").__class__ is dbapi.NotSupportedError
    assert errors.from_aws("StatementTimeoutException", "t").sqlstate == "57014"


def test_failed_statement_inside_atomic_marks_the_transaction_and_the_savepoint_recovers():
    Author.objects.create(name="keep")
    with transaction.atomic(using="dataapi"):
        with pytest.raises(IntegrityError), transaction.atomic(using="dataapi"):
            Author.objects.create(name="keep")
        Author.objects.create(name="after")
    assert set(Author.objects.values_list("name", flat=True)) == {"keep", "after"}
    assert Book.objects.count() == 0


def test_operational_error_when_the_emulator_is_unreachable(settings):
    import copy

    from dataapi_backend.base import DatabaseWrapper

    config = copy.deepcopy(settings.DATABASES["dataapi"])
    config["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:9"
    config["OPTIONS"]["retry_max_attempts"] = 2
    config["OPTIONS"]["retry_base_delay"] = 0
    wrapper = DatabaseWrapper({**connections["dataapi"].settings_dict, **config}, alias="unreachable")
    with pytest.raises(OperationalError, match="cannot reach the Data API endpoint"):
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert wrapper.data_api_metrics.snapshot()["retries"] == {"ExecuteStatement": 1}
    wrapper.close()


def test_a_missing_database_fails_to_connect_as_psycopg_does():
    """psycopg's connect() raises OperationalError for a database that is not there; Django's paths that expect it
    (makemigrations' history check warns instead of failing, the test runner's database creation) take it."""
    from dataapi_backend.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**connections["dataapi"].settings_dict, "NAME": "no_such_database"}, alias="missing")
    with pytest.raises(OperationalError, match='connection failed: database "no_such_database" does not exist') as info:
        wrapper.ensure_connection()
    assert info.value.__cause__.sqlstate == "3D000"
    wrapper.close()
