from django.utils.functional import cached_property

from .postgresql_core import features as pg_features


class DatabaseFeatures(pg_features.DatabaseFeatures):
    # CREATE DATABASE ... TEMPLATE needs the template without sessions; the Data API keeps pooled sessions open.
    can_clone_databases = False
    # Parameters are bound on the server by the Data API (JDBC), not interpolated by a client cursor; Django adjusts
    # for that (and lists its own expected failures) when this is True.
    uses_server_side_binding = True
    # .iterator() streams through DECLARE/FETCH inside a Data API transaction.
    can_use_chunked_reads = True

    @cached_property
    def prohibits_null_characters_in_text_exception(self) -> tuple[type[Exception], str]:  # type: ignore[override]
        # The driver refuses NUL in a string parameter before sending it, as psycopg 3 does (Django wraps it).
        from django.db import DataError

        from .dbapi.adapt import NUL_IN_TEXT

        return DataError, NUL_IN_TEXT

    @cached_property
    def django_test_skips(self) -> dict[str, set[str]]:  # type: ignore[override]
        # Django's own test suite on this backend (django-test-suite/): what is skipped, by reason.
        from .django_test_expectations import REASONS, SKIPS

        skips = dict(super().django_test_skips)
        for reason, tests in SKIPS.items():
            skips[REASONS[reason]] = set(tests)
        return skips

    @cached_property
    def django_test_expected_failures(self) -> set[str]:  # type: ignore[override]
        # The reasons are in django_test_expectations.REASONS, keyed like EXPECTED_FAILURES.
        from .django_test_expectations import EXPECTED_FAILURES

        return set(super().django_test_expected_failures).union(*EXPECTED_FAILURES.values())
