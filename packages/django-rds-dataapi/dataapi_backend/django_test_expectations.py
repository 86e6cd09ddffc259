"""Django's own tests (django-test-suite/run.py) that cannot pass over the Data API, by reason.

Generated from a run of the suite and reviewed; each entry names why. Keep them in sync with
`make django-suite`: an expected failure that starts passing is reported as an unexpected success.
SKIPS holds classes whose set-up fails, and methods inherited by a subclass that passes (an expected
failure would be inherited too and report an unexpected success there)."""

REASONS = {
    "array_and_json_literals": (
        "Lists travel as array literals with an element type guessed from Python values (dates, JSON, network "
        "addresses), which differs from psycopg's typed arrays."
    ),
    "close_in_atomic_refused": (
        "Closing the connection inside an atomic block raises TransactionManagementError instead of marking the "
        "block for rollback (which its outermost exit then does without raising): a unit of work that answered "
        "success would have saved nothing."
    ),
    "hstore": ("hstore parameters travel as literals; hstore inside arrays cannot be sent."),
    "no_unnest": ("Bulk inserts never use UNNEST(%s::type[]): arrays cannot be Data API parameters."),
    "nulls_in_arrays": (
        "The Data API cannot return arrays with NULL elements: its ArrayValue members (longValues, ...) have "
        "no NULL, so the emulator answers UnsupportedResultException."
    ),
    "psycopg_options": (
        "psycopg connection options and connection objects (pool, isolation_level, server_side_binding, "
        "assume_role, client_encoding, info) do not exist over the Data API."
    ),
    "server_side_cursors": (
        "No psycopg server-side cursors over the Data API: .iterator() streams through DECLARE/FETCH inside a Data "
        "API transaction, with a SCROLL cursor of its own name, because the 1 MiB response limit is only detected "
        "after the server has moved the cursor and the page must be fetched again smaller (MOVE back)."
    ),
    "stateless_connection": (
        "There is no persistent connection to break or health-check: each call is an HTTPS request."
    ),
    "varchar_parameters": (
        "The Data API binds string parameters as varchar (JDBC), not as untyped literals, so functions "
        "expecting text/jsonpath/tsvector weights get no implicit cast."
    ),
}

EXPECTED_FAILURES = {
    "close_in_atomic_refused": {
        "transaction_hooks.tests.TestConnectionOnCommit.test_hooks_cleared_on_reconnect",
        "transactions.tests.AtomicErrorsTests.test_atomic_prevents_queries_in_broken_transaction_after_client_close",
    },
    "array_and_json_literals": {
        "postgres_tests.test_aggregates.TestGeneralAggregate.test_array_agg_jsonfield",
        "postgres_tests.test_aggregates.TestGeneralAggregate.test_array_agg_jsonfield_order_by",
        "postgres_tests.test_array.TestMigrations.test_adding_field_with_default",
        "postgres_tests.test_array.TestQuerying.test_annotated_array_subquery_with_json_objects",
        "postgres_tests.test_array.TestSaveLoad.test_dates",
        "postgres_tests.test_array.TestSaveLoad.test_other_array_types",
        "postgres_tests.test_bulk_update.BulkSaveTests.test_bulk_update",
    },
    "hstore": {
        "postgres_tests.test_hstore.SimpleTests.test_array_field",
    },
    "no_unnest": {
        "backends.postgresql.test_compilation.BulkCreateUnnestTests.test_unnest_eligible",
        "backends.postgresql.test_compilation.BulkCreateUnnestTests.test_unnest_eligible_foreign_keys",
    },
    "nulls_in_arrays": {
        "postgres_tests.test_array.TestQuerying.test_exact_null_only_array",
        "postgres_tests.test_array.TestQuerying.test_exact_null_only_nested_array",
    },
    "psycopg_options": {
        "backends.postgresql.tests.Tests.test_bypass_role_configuration",
        "backends.postgresql.tests.Tests.test_bypass_timezone_configuration",
        "backends.postgresql.tests.Tests.test_check_database_version_supported",
        "backends.postgresql.tests.Tests.test_client_encoding_utf8_enforce",
        "backends.postgresql.tests.Tests.test_connect_and_rollback",
        "backends.postgresql.tests.Tests.test_connect_custom_cursor_factory",
        "backends.postgresql.tests.Tests.test_connect_invalid_isolation_level",
        "backends.postgresql.tests.Tests.test_connect_isolation_level",
        "backends.postgresql.tests.Tests.test_connect_no_is_usable_checks",
        "backends.postgresql.tests.Tests.test_connect_non_autocommit",
        "backends.postgresql.tests.Tests.test_connect_pool",
        "backends.postgresql.tests.Tests.test_connect_pool_set_to_true",
        "backends.postgresql.tests.Tests.test_connect_pool_with_timezone",
        "backends.postgresql.tests.Tests.test_connect_role",
        "backends.postgresql.tests.Tests.test_connect_server_side_binding",
        "backends.postgresql.tests.Tests.test_copy_cursors",
        "backends.postgresql.tests.Tests.test_get_database_version",
        "backends.postgresql.tests.Tests.test_pooling_health_checks",
        "backends.postgresql.tests.Tests.test_pooling_not_support_persistent_connections",
    },
    "server_side_cursors": {
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_server_side_cursor",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_server_side_cursor_many_cursors",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_server_side_cursors_setting",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_values",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_values_list",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_values_list_fields_not_equal_to_names",
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_values_list_flat",
    },
    "stateless_connection": {
        "backends.base.test_base.ConnectionHealthChecksTests.test_health_checks_enabled",
        "backends.base.test_base.ConnectionHealthChecksTests.test_set_autocommit_health_checks_enabled",
        "backends.tests.BackendTestCase.test_is_usable_after_database_disconnects",
    },
    "varchar_parameters": {
        "annotations.tests.NonAggregateAnnotationTestCase.test_set_returning_functions",
        "postgres_tests.test_search.TestRankingAndWeights.test_ranked_custom_weights",
        "postgres_tests.test_search.TestRankingAndWeights.test_weights_in_vector",
    },
}

SKIPS = {
    "server_side_cursors": {
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_server_side_binding",
    },
}
