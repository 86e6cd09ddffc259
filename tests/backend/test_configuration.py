"""OPTIONS mistakes raise ImproperlyConfigured naming the key; checks report an unreachable Data API."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from dataapi_backend.base import DatabaseWrapper
from dataapi_backend.validation import options_from_settings

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:hospitality"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf"


def settings_dict(**options):
    return {"NAME": "hospitality", "OPTIONS": {"resource_arn": CLUSTER, "secret_arn": SECRET, **options}}


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"resource_arn": None},
            "DATABASES['x']['OPTIONS']['resource_arn'] is required; set it to the ARN, e.g. "
            "arn:aws:rds:us-east-1:123456789012:cluster:my-cluster",
        ),
        (
            {"secret_arn": "hospitality"},
            "DATABASES['x']['OPTIONS']['secret_arn']='hospitality' is not a valid ARN; "
            "expected e.g. arn:aws:secretsmanager:us-east-1:123456789012:secret:my-app-role-AbCdEf",
        ),
        ({"endpoint_url": "localhost"}, "DATABASES['x']['OPTIONS']['endpoint_url']='localhost' is not an http(s) URL"),
        ({"retry_max_attempts": 0}, "DATABASES['x']['OPTIONS']['retry_max_attempts']=0 must be between 1 and 20"),
        ({"read_timeout": "soon"}, "DATABASES['x']['OPTIONS']['read_timeout']='soon' must be a number"),
        (
            {"pool": True},
            "DATABASES['x']['OPTIONS'] has unknown keys ['pool']; dataapi_backend accepts "
            "['connect_timeout', 'debug', 'endpoint_url', 'max_pool_connections', 'read_timeout', "
            "'region_name', 'resource_arn', 'retry_base_delay', 'retry_budget_seconds', 'retry_max_attempts', "
            "'retry_max_delay', 'secret_arn']",
        ),
    ],
)
def test_options_mistakes_name_the_key(options, message):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        options_from_settings(settings_dict(**options), "x")
    assert str(excinfo.value) == message


def test_backend_only_options_never_reach_boto3():
    params = options_from_settings(settings_dict(retry_max_attempts=3, debug=True), "x")
    assert params["retry"].max_attempts == 3
    assert "retry_max_attempts" not in params


@pytest.mark.django_db(databases=["dataapi"])
def test_system_check_reports_an_unreachable_endpoint(settings):
    config = {**connections["dataapi"].settings_dict}
    config["OPTIONS"] = {**config["OPTIONS"], "endpoint_url": "http://127.0.0.1:9", "retry_max_attempts": 1}
    wrapper = DatabaseWrapper(config, alias="unreachable")
    issues = wrapper.validation.check()
    assert [i.id for i in issues] == ["dataapi_backend.E002"]


@pytest.mark.django_db(databases=["dataapi"])
def test_system_check_passes_against_the_emulator():
    assert connections["dataapi"].validation.check() == []


@pytest.mark.django_db(databases=["dataapi"])
def test_debug_logging_shows_sql_and_timing_but_redacts_values(caplog):
    config = {**connections["dataapi"].settings_dict}
    config["OPTIONS"] = {**config["OPTIONS"], "debug": True}
    wrapper = DatabaseWrapper(config, alias="debugged")
    with caplog.at_level(logging.DEBUG, logger="dataapi_backend"):
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT %s::text, %s", ["secret-value", 42])
    wrapper.close()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("ExecuteStatement"))
    assert "sql=SELECT :p1::text, :p2::int4" in line
    assert "params=[p1:stringValue, p2:longValue]" in line
    assert "secret-value" not in line and "42" not in line.split("params=")[1]


@pytest.mark.django_db(databases=["dataapi"])
def test_dbshell_runs_sql_over_the_data_api(capfd):
    from django.core.management import call_command

    call_command("dbshell", "--database=dataapi", "--", "-c", "SELECT 1 AS one, 'ç' AS two")
    assert capfd.readouterr().out.splitlines() == ["one | two", "----+----", "1   | ç  ", "(1 row)"]


@pytest.mark.django_db(databases=["dataapi"], transaction=True)
def test_dbshell_reads_statements_and_transactions_from_stdin():
    """What a user pipes into `manage.py dbshell`: statements split where PostgreSQL ends them (one call each),
    BEGIN/ROLLBACK as a Data API transaction, errors with their SQLSTATE and exit status 1."""
    import subprocess

    from django.db import connections

    connection = connections["dataapi"]
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    script = (
        "CREATE TEMP TABLE t (x int);\n"  # each statement is its own call: a temp table would not survive
        "BEGIN; CREATE TABLE dbshell_probe (x int); INSERT INTO dbshell_probe VALUES (1), (2);\n"
        "SELECT count(*) AS n FROM dbshell_probe; ROLLBACK;\n"
        "SELECT 'a;b' AS quoted; SELECT * FROM dbshell_probe;\n"
    )
    # a function's body keeps its semicolons: one statement, one call (the Data API refuses several)
    function = (
        "CREATE FUNCTION pg_temp.dbshell_fn() RETURNS int LANGUAGE plpgsql AS $body$\n"
        "BEGIN\n  PERFORM 1;  -- a comment; with a semicolon\n  RETURN 7;\nEND\n$body$;\n"
        "SELECT 'done' AS fn_created;\n"
    )
    result = subprocess.run(args, input=script, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.split("\n")[:4] == [
        "OK, 0 row(s) affected",
        "BEGIN",
        "OK, 0 row(s) affected",
        "OK, 2 row(s) affected",
    ]
    assert " 2" in result.stdout and "ROLLBACK" in result.stdout and "a;b" in result.stdout
    assert 'relation "dbshell_probe" does not exist' in result.stderr  # rolled back
    assert "SQLSTATE: 42P01" in result.stderr
    assert result.returncode == 1
    created = subprocess.run(args, input=function, capture_output=True, text=True, timeout=60, check=False)
    assert created.returncode == 0 and "fn_created" in created.stdout, created.stderr
