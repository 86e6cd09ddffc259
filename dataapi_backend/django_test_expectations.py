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
    "commit_of_failed_transaction": (
        "A COMMIT of a failed transaction raises (the Data API's JDBC layer reports the silent ROLLBACK) "
        "where psycopg returns quietly."
    ),
    "emulator_gaps": ("The emulator cannot encode this result yet (internal error); to be fixed."),
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
    "session_time_zone": (
        "USE_TZ=False relies on the session's TIME ZONE for casts and date functions; the Data API has no "
        "session to configure (always UTC). The project runs with USE_TZ=True. Expressions that are naive "
        "timestamps (e.g. CURRENT_TIMESTAMP AT TIME ZONE 'UTC') are then shifted by TIME_ZONE's offset, so "
        "such a test depends on the time of day: skipped."
    ),
    "stateless_connection": (
        "There is no persistent connection to break or health-check: each call is an HTTPS request."
    ),
    "unanalysed": (
        "Not analysed yet: a schema-editor test that passes on psycopg (effective defaults of date and "
        "datetime fields). Tracked in the backend issue's closing note."
    ),
    "varchar_parameters": (
        "The Data API binds string parameters as varchar (JDBC), not as untyped literals, so functions "
        "expecting text/jsonpath/tsvector weights get no implicit cast."
    ),
}

EXPECTED_FAILURES = {
    "array_and_json_literals": {
        "postgres_tests.test_aggregates.TestGeneralAggregate.test_array_agg_jsonfield",
        "postgres_tests.test_aggregates.TestGeneralAggregate.test_array_agg_jsonfield_order_by",
        "postgres_tests.test_array.TestDateTimeExactQuerying.test_exact_datetimes",
        "postgres_tests.test_array.TestMigrations.test_adding_field_with_default",
        "postgres_tests.test_array.TestQuerying.test_annotated_array_subquery_with_json_objects",
        "postgres_tests.test_array.TestSaveLoad.test_dates",
        "postgres_tests.test_array.TestSaveLoad.test_other_array_types",
        "postgres_tests.test_bulk_update.BulkSaveTests.test_bulk_update",
    },
    "commit_of_failed_transaction": {
        "postgres_tests.test_operations.ValidateConstraintTests.test_validate",
        "schema.tests.SchemaTests.test_alter_array_field_decrease_base_field_length",
        "schema.tests.SchemaTests.test_alter_array_field_decrease_nested_base_field_length",
        "schema.tests.SchemaTests.test_alter_char_field_decrease_length",
        "schema.tests.SchemaTests.test_func_index_nondeterministic",
        "schema.tests.SchemaTests.test_func_unique_constraint_nondeterministic",
    },
    "emulator_gaps": {
        "schema.tests.SchemaTests.test_alter_serial_auto_field_to_bigautofield",
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
    "session_time_zone": {
        "aggregation.tests.AggregateTestCase.test_aggregation_default_using_time_from_database",
        # its Value(date) and lower(dates) cases cast a date to timestamptz in SQL, in the session's time zone
        "postgres_tests.test_ranges.TestRangeContainsLookup.test_datetime_range_contains",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_db_date_to_datetime",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_db_datetime_to_time",
        "expressions.tests.FTimeDeltaTests.test_delta_update",
        "expressions.tests.FTimeDeltaTests.test_mixed_comparisons1",
        "many_to_one.tests.ManyToOneTests.test_select_related",
        "timezones.tests.NewDatabaseTests.test_cursor_explicit_time_zone",
    },
    "stateless_connection": {
        "backends.base.test_base.ConnectionHealthChecksTests.test_health_checks_enabled",
        "backends.base.test_base.ConnectionHealthChecksTests.test_set_autocommit_health_checks_enabled",
        "backends.tests.BackendTestCase.test_is_usable_after_database_disconnects",
    },
    "unanalysed": {
        "schema.tests.SchemaTests.test_add_datefield_and_datetimefield_use_effective_default",
    },
    "varchar_parameters": {
        "annotations.tests.NonAggregateAnnotationTestCase.test_set_returning_functions",
        "postgres_tests.test_search.TestRankingAndWeights.test_ranked_custom_weights",
        "postgres_tests.test_search.TestRankingAndWeights.test_weights_in_vector",
    },
}

SKIPS = {
    "array_and_json_literals": {
        "postgres_tests.test_array.TestOtherTypesExactQuerying",
    },
    "server_side_cursors": {
        "backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.test_server_side_binding",
    },
    "session_time_zone": {
        "aggregation.tests.AggregateTestCase.test_aggregation_default_using_date_from_database",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_day_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_month_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_quarter_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_year_func",
    },
    "varchar_parameters": {
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_hour_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_minute_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_none",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_second_func",
    },
}
