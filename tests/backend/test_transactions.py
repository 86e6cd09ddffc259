"""atomic() ↔ Begin/Commit/Rollback, begun lazily; savepoints as SQL; on_commit; idle timeout is an error."""

import time

import pytest
from django.db import IntegrityError, InternalError, NotSupportedError, OperationalError, connections, transaction

from dataapi_backend import dbapi

from .models import Author

pytestmark = pytest.mark.django_db(databases=["dataapi"], transaction=True)


def calls(connection) -> dict:
    return connection.data_api_metrics.snapshot()["calls"]


def test_autocommit_statements_go_out_bare(dataapi, clean_tables):
    Author.objects.create(name="bare")
    assert calls(dataapi) == {"ExecuteStatement": 1}


def test_atomic_maps_to_begin_and_commit_lazily(dataapi, clean_tables):
    with transaction.atomic(using="dataapi"):
        assert calls(dataapi) == {}  # nothing is sent until the first statement
        Author.objects.create(name="a")
        Author.objects.create(name="b")
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 2, "CommitTransaction": 1}
    assert Author.objects.count() == 2


def test_atomic_without_statements_makes_no_call(dataapi):
    with transaction.atomic(using="dataapi"):
        pass
    assert calls(dataapi) == {}


def test_exception_rolls_back(dataapi, clean_tables):
    with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
        Author.objects.create(name="gone")
        raise RuntimeError("boom")
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 1, "RollbackTransaction": 1}
    assert Author.objects.filter(name="gone").exists() is False


def test_savepoints_are_sql_inside_the_transaction(dataapi, clean_tables):
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="outer")
        with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
            Author.objects.create(name="inner")
            raise RuntimeError
        with transaction.atomic(using="dataapi"):
            Author.objects.create(name="inner-kept")
    assert sorted(Author.objects.values_list("name", flat=True)) == ["inner-kept", "outer"]
    assert calls(dataapi)["BeginTransaction"] == 1
    assert calls(dataapi)["CommitTransaction"] == 1


def test_savepoints_are_sent_only_when_a_statement_runs_in_them(dataapi, clean_tables):
    """SAVEPOINT goes out just before the next statement of its transaction; one released or rolled back to before
    anything ran in it costs no call (Django's TestCase wraps every test in one)."""
    with transaction.atomic(using="dataapi"):
        with transaction.atomic(using="dataapi"):
            pass
    assert calls(dataapi) == {}
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="outer")
        with transaction.atomic(using="dataapi"), transaction.atomic(using="dataapi"):
            pass  # two empty savepoints: released unsent
        sid = transaction.savepoint(using="dataapi")
        transaction.savepoint_rollback(sid, using="dataapi")  # rolled back to unsent
    # Begin, the insert, Commit
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 1, "CommitTransaction": 1}
    dataapi.data_api_metrics.reset()
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="kept")
        with transaction.atomic(using="dataapi"):
            with transaction.atomic(using="dataapi"):
                pass
            with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
                Author.objects.create(name="undone")  # SAVEPOINT x2 (the empty outer one too), the insert
                raise RuntimeError  # ROLLBACK TO and RELEASE (what Django sends)
            Author.objects.create(name="inner")
        # RELEASE of the middle savepoint
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 8, "CommitTransaction": 1}
    assert sorted(Author.objects.values_list("name", flat=True)) == ["inner", "kept", "outer"]


def test_a_savepoint_in_a_failed_transaction_fails_at_once_as_on_psycopg(dataapi):
    dataapi.ensure_connection()
    driver = dataapi.connection
    driver.autocommit = False
    try:
        cursor = driver.cursor()
        with pytest.raises(dbapi.ProgrammingError):
            cursor.execute("SELECT * FROM no_such_table")
        with pytest.raises(dbapi.InternalError, match="aborted"):
            cursor.execute('SAVEPOINT "s1"')  # not deferred: the error comes now, as PostgreSQL gives it
    finally:
        driver.rollback()
        driver.autocommit = True


def test_on_commit_runs_after_commit_only(dataapi, clean_tables):
    ran = []
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="x")
        transaction.on_commit(lambda: ran.append("committed"), using="dataapi")
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
        transaction.on_commit(lambda: ran.append("rolled back"), using="dataapi")
        Author.objects.create(name="y")
        raise RuntimeError
    assert ran == ["committed"]


def test_idle_timeout_is_a_clear_operational_error_and_never_retried(dataapi, emulator, clean_tables):
    emulator.config(transaction_idle_timeout=0.3, reaper_interval=0.05)
    with pytest.raises(OperationalError) as excinfo, transaction.atomic(using="dataapi"):
        Author.objects.create(name="lost")
        time.sleep(1.2)
        Author.objects.create(name="after-timeout")
    assert "TransactionNotFoundException" in str(excinfo.value)
    assert "Retry the whole unit of work" in str(excinfo.value)
    assert dataapi.data_api_metrics.snapshot()["retries"] == {}
    assert Author.objects.count() == 0


def test_two_threads_have_independent_transactions(clean_tables):
    import threading

    errors = []

    def work(name):
        try:
            with transaction.atomic(using="dataapi"):
                Author.objects.create(name=name)
                time.sleep(0.1)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Author.objects.count() == 4


def test_a_failed_statement_makes_the_connection_unusable_until_rolled_back(dataapi):
    from django.db import ProgrammingError

    with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
        with pytest.raises(ProgrammingError), dataapi.cursor() as cursor:
            cursor.execute("SELEC 1")
        assert dataapi.is_usable() is False  # as psycopg's probe reports an aborted transaction
        raise RuntimeError
    assert dataapi.is_usable() is True
    with transaction.atomic(using="dataapi"):
        with pytest.raises(ProgrammingError), transaction.atomic(using="dataapi"), dataapi.cursor() as cursor:
            cursor.execute("SELEC 1")
        assert dataapi.is_usable() is True  # ROLLBACK TO SAVEPOINT recovered the transaction


def test_committing_a_failed_transaction_rolls_it_back_quietly_as_psycopg_does(dataapi, clean_tables):
    from django.db import DatabaseError

    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="lost with the failed transaction")
        with pytest.raises(DatabaseError), dataapi.cursor() as cursor:
            cursor.execute("SELECT 1/0")  # caught without a savepoint: PostgreSQL refuses the rest
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 2, "RollbackTransaction": 1}
    assert Author.objects.count() == 0


def test_a_one_statement_flush_needs_no_transaction(dataapi, clean_tables):
    """PostgreSQL's flush is one TRUNCATE, atomic on its own (a TransactionTestCase flushes after every test)."""
    Author.objects.create(name="flushed")
    dataapi.data_api_metrics.reset()
    table = dataapi.ops.quote_name(Author._meta.db_table)
    dataapi.ops.execute_sql_flush([f"TRUNCATE {table} CASCADE"])
    assert calls(dataapi) == {"ExecuteStatement": 1}
    assert not Author.objects.exists()
    Author.objects.create(name="again")
    dataapi.data_api_metrics.reset()
    dataapi.ops.execute_sql_flush([f"DELETE FROM {table}", "SELECT 1"])  # more than one: all or nothing
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 2, "CommitTransaction": 1}
    assert not Author.objects.exists()


def orphan_book(cursor):
    """A book whose author does not exist: Django's foreign keys are checked at COMMIT unless made IMMEDIATE."""
    import uuid

    cursor.execute(
        "INSERT INTO backend_tests_book (id, author_id, title, pages, price, tags) VALUES (%s, 999999, 't', 0, 0, "
        "'[]')",
        [uuid.uuid4()],
    )


def test_check_constraints_as_a_test_case_ends_a_test_costs_no_deferred_call(dataapi, clean_tables):
    """TestCase's teardown: SET CONSTRAINTS ALL IMMEDIATE (checks now), ALL DEFERRED, ROLLBACK TO the test's
    savepoint. PostgreSQL undoes the mode with the savepoint, so the DEFERRED waits and is never sent."""
    with pytest.raises(RuntimeError), transaction.atomic(using="dataapi"):
        sid = transaction.savepoint(using="dataapi")
        Author.objects.create(name="in the test")
        dataapi.check_constraints()
        transaction.savepoint_rollback(sid, using="dataapi")
        raise RuntimeError  # the class-level transaction of a TestCase is rolled back too
    # Begin, SAVEPOINT, the insert, IMMEDIATE, ROLLBACK TO, Rollback
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 4, "RollbackTransaction": 1}
    with pytest.raises(IntegrityError), transaction.atomic(using="dataapi"):
        with connections["dataapi"].cursor() as cursor:
            orphan_book(cursor)
            dataapi.check_constraints()  # IMMEDIATE is always sent: the violation is reported here


def test_constraint_mode_after_check_constraints_is_what_postgresql_leaves(dataapi, clean_tables):
    """Deferred again after check_constraints() — whether the savepoint around it is released (PostgreSQL keeps the
    mode, so the waiting DEFERRED goes out before the next statement) or rolled back to (PostgreSQL reverts it)."""
    accepted = []
    for end in (transaction.savepoint_commit, transaction.savepoint_rollback):
        with pytest.raises(IntegrityError), transaction.atomic(using="dataapi"):
            sid = transaction.savepoint(using="dataapi")
            Author.objects.create(name="x")
            dataapi.check_constraints()
            end(sid, using="dataapi")
            with connections["dataapi"].cursor() as cursor:
                orphan_book(cursor)  # deferred: accepted now...
            accepted.append(end.__name__)
        # ... and refused at COMMIT
    assert accepted == ["savepoint_commit", "savepoint_rollback"]
    assert not Author.objects.exists()


def test_test_case_rhythm_costs_two_calls_per_test_and_keeps_every_outcome(dataapi, clean_tables):
    """TestCase: one transaction per class, per test a savepoint, the test, check_constraints(), ROLLBACK TO and
    RELEASE. The savepoint just rolled back to is already a fresh one, so the next test's savepoint stands for it:
    per test only the test's own statements, SET CONSTRAINTS ALL IMMEDIATE and the ROLLBACK TO go out."""
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="set up for the class")
        for i in range(3):
            with transaction.atomic(using="dataapi"):
                Author.objects.create(name=f"test {i}")
                if i == 1:  # a test with a nested block that fails and is rolled back to, through the alias
                    with pytest.raises(IntegrityError), transaction.atomic(using="dataapi"):
                        Author.objects.create(name="set up for the class")  # unique name: refused
                assert Author.objects.filter(name=f"test {i - 1}").count() == 0  # the previous test was undone
                dataapi.check_constraints()
                transaction.set_rollback(True, using="dataapi")
    assert list(Author.objects.values_list("name", flat=True)) == ["set up for the class"]
    # Begin, the class's insert; test 0: SAVEPOINT, insert, count, IMMEDIATE, ROLLBACK TO; tests 1 and 2: insert,
    # count, IMMEDIATE, ROLLBACK TO (test 1 also: SAVEPOINT, the failed insert, ROLLBACK TO, RELEASE); the last
    # RELEASE never goes out (COMMIT); then the final SELECT
    assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 1 + 5 + 4 + 4 + 4 + 1, "CommitTransaction": 1}


def test_a_savepoint_name_that_stands_for_another_is_released_and_rolled_back_to_for_real(dataapi, clean_tables):
    with transaction.atomic(using="dataapi"):
        first = transaction.savepoint(using="dataapi")
        Author.objects.create(name="a")
        transaction.savepoint_rollback(first, using="dataapi")
        transaction.savepoint_commit(first, using="dataapi")  # RELEASE, waiting
        second = transaction.savepoint(using="dataapi")  # stands for the first
        Author.objects.create(name="b")
        transaction.savepoint_commit(second, using="dataapi")  # RELEASE of the real savepoint: b stays
        third = transaction.savepoint(using="dataapi")  # sent: nothing was rolled back just before
        Author.objects.create(name="c")
        transaction.savepoint_rollback(third, using="dataapi")
        with connections["dataapi"].cursor() as cursor, pytest.raises(InternalError, match="does not exist"):
            cursor.execute(f'ROLLBACK TO SAVEPOINT "{second}"')  # released: PostgreSQL says so
        transaction.savepoint_rollback(third, using="dataapi")  # the failed transaction goes on from there
    assert list(Author.objects.values_list("name", flat=True)) == ["b"]


def test_a_script_runs_statement_by_statement_inside_the_transaction(dataapi, clean_tables):
    """django-model-utils' JoinQueryset.join(): a temp table made by a four-statement script, read by the next query.
    Each statement is one call of the caller's transaction (its session), with the parameters it names."""
    with transaction.atomic(using="dataapi"), dataapi.cursor() as cursor:
        Author.objects.create(name="kept")
        Author.objects.create(name="left out")
        before = calls(dataapi)["ExecuteStatement"]
        cursor.execute(
            """
            DROP TABLE IF EXISTS temp_stuff;  -- a ; in a comment ends nothing
            CREATE TEMPORARY TABLE temp_stuff AS SELECT id, name FROM backend_tests_author WHERE name = %s;
            CREATE INDEX temp_stuff_id ON temp_stuff (id);
            SELECT name, %s::text, 'a;b' FROM temp_stuff;
            """,
            ["kept", "second"],
        )
        assert cursor.fetchall() == [("kept", "second", "a;b")]  # the last statement's result
        assert calls(dataapi)["ExecuteStatement"] - before == 4
        cursor.execute("SELECT count(*) FROM temp_stuff")
        assert cursor.fetchone() == (1,)


def test_a_script_outside_a_transaction_is_refused_before_anything_is_sent(dataapi, clean_tables):
    """Its calls could run on different pooled sessions: a temp table or SET of one would not reach the next."""
    with dataapi.cursor() as cursor, pytest.raises(NotSupportedError, match=r"2 statements in one execute\(\) outside"):
        cursor.execute("CREATE TEMPORARY TABLE t AS SELECT 1 AS x; SELECT * FROM t")
    assert calls(dataapi) == {}
    with dataapi.cursor() as cursor:  # one statement with a ; in a string or after it is not a script
        cursor.execute("SELECT 'a;b';")
        assert cursor.fetchone() == ("a;b",)
